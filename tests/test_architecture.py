"""The architecture holds: the layers of pyproject.toml and no import cycle at all."""

import ast
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    """`lint-imports` (import-linter) keeps every contract of pyproject.toml."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back():
    """No chain of imports, counting those inside functions, leads a module back to itself."""
    graph = grimp.build_graph("coalition", cache_dir=None)
    assert _cycles(graph) == []


def test_every_package_is_in_a_layer():
    """A new top-level module of coalition must be placed in the layers contract."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    graph = grimp.build_graph("coalition", cache_dir=None)
    top = {".".join(module.split(".")[:2]) for module in graph.modules if module != "coalition"}
    assert top - placed == set()


def test_mypy_passes():
    """mypy, configured in pyproject.toml, finds no type error in coalition/."""
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    # the cache lives outside the checkout, one per checkout, so a second run is quick
    cache = Path(tempfile.gettempdir()) / (
        "coalition-mypy-" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:12])
    result = subprocess.run([mypy, "--cache-dir", str(cache)], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, "mypy found type errors:\n" + result.stdout + result.stderr


def _untyped(function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    """The parameters (and "return") of a function that have no annotation."""
    args = function.args
    params = [*args.posonlyargs, *args.args]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                 for d in function.decorator_list)
    if method and not static and params:
        params = params[1:]  # self or cls
    params += [*args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a is not None)]
    missing = [p.arg for p in params if p.annotation is None]
    if function.returns is None and function.name != "__init__":
        missing.append("return")
    return missing


def _public_functions(tree: ast.Module):
    """Every public function of a module: at module level and in its public classes."""
    def walk(node: ast.AST, in_class: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
                if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                    yield child, in_class
            elif isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                yield from walk(child, True)
    yield from walk(tree, False)


def test_every_public_function_is_typed():
    """Every public function and method in coalition/ annotates its parameters and return."""
    untyped = []
    for path in sorted((ROOT / "coalition").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for function, method in _public_functions(tree):
            missing = _untyped(function, method)
            if missing:
                untyped.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name}(): "
                               f"no annotation for {', '.join(missing)}")
    assert not untyped, ("Public functions need type annotations on every parameter and the "
                         "return (Any where nothing better fits):\n" + "\n".join(untyped))


def _distribution(name: str) -> str:
    """A distribution's name as pip compares them (Flask_Babel, flask-babel: flask-babel)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _required(requirement: str) -> str | None:
    """The distribution a requirement line names; None for one that only an extra asks for."""
    if re.search(r"""extra\s*==""", requirement):
        return None
    return _distribution(re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1))


def test_every_imported_package_comes_with_a_declared_dependency():
    """What the app imports is installed by pyproject.toml's dependencies (or by what they
    need): a package that only came with a dependency since removed breaks a fresh
    install, not the venv it was removed from."""
    import tomllib
    from importlib.metadata import PackageNotFoundError, packages_distributions, requires

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed, pending = set(), [_required(r) for r in project["dependencies"]]
    while pending:
        name = pending.pop()
        if name is None or name in installed:
            continue
        installed.add(name)
        try:
            pending += [_required(r) for r in requires(name) or ()]
        except PackageNotFoundError:  # a dependency this platform does not install
            continue
    providers = packages_distributions()
    missing = {}
    for path in [ROOT / "app.py", *(ROOT / "coalition").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in ("coalition", "app"):
                    continue
                given = {_distribution(d) for d in providers.get(top, ())}
                if not given & installed:
                    missing.setdefault(top, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"imported, but installed by no declared dependency: {missing}"

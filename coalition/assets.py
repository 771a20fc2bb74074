"""Static files for a poor connection: compressed once, named by their content, cached a year.

At start-up every file of the app's `static/` folder and of Flask-Admin's is copied into
`instance/static-build/` under a name that carries a hash of its content
(`css/app.3f2a91c0d4e5.css`), beside a gzip and a brotli copy when they are smaller; style
sheets have their `url(...)` references rewritten to the hashed names first, so fonts are
hashed too. WhiteNoise serves that folder in front of Flask with
`Cache-Control: max-age=31536000, immutable`, picking the encoding the browser accepts, and
`url_for('static', …)` / `url_for('admin.static', …)` give the hashed names. A file that
changes gets a new name, so a year-long cache is never stale. Copies are kept between starts:
only a changed file is compressed again. `STATIC_BUILD_DIR` (setting or environment) puts
the copies elsewhere.
"""

import gzip
import hashlib
import os
import posixpath
import re
import tempfile
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import brotli
from flask import Flask
from whitenoise import WhiteNoise

#: a hashed name: twelve hex digits before the extension
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
CACHE_FOREVER = "public, max-age=31536000, immutable"
#: files worth compressing (fonts in woff/woff2 and images already are)
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".json", ".txt", ".ico", ".xml", ".html"})
#: sources, icon sets and legacy font formats of the vendored libraries that no page links;
#: left out of the build (Flask still serves them, uncached, should anything ask)
SKIPPED = ("*.less", "*.scss", "*.map", "*.yml", "*.md", "*.cjs", "*/recipe/*", "*/swatch/*",
           "*/svgs/*", "*/sprites/*", "*/metadata/*", "vendor/fontawesome-free-*/js/*",
           "*fonts/*.svg", "*fonts/*.eot", "*fonts/*.ttf", "*fonts/*.otf")
#: a style sheet's reference to another file
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")

#: endpoint -> {file name: hashed file name}, for url_for
Manifest = dict[str, dict[str, str]]


def register_assets(app: Flask) -> None:
    """Serve the hashed, compressed static files and make url_for name them."""
    build = Path(app.config.get("STATIC_BUILD_DIR") or os.environ.get("STATIC_BUILD_DIR")
                 or Path(app.instance_path) / "static-build")
    whitenoise = WhiteNoise(app.wsgi_app, max_age=None, autorefresh=False, allow_all_origins=False,
                            add_headers_function=_headers)
    manifest: Manifest = {}
    for endpoint, folder, url_path in _mounts(app):
        target = build / endpoint
        manifest[endpoint] = build_folder(Path(folder), target)
        whitenoise.add_files(str(target), prefix=url_path.strip("/") + "/")
    app.wsgi_app = whitenoise  # type: ignore[method-assign]  # the WSGI middleware idiom
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        names = manifest.get(endpoint)
        hashed = names.get(values.get("filename", "")) if names else None
        if hashed:
            values["filename"] = hashed
            values.pop("v", None)  # Flask-Admin's version argument: the name says it now


def _mounts(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, folder, URL path) of the app's static files and Flask-Admin's."""
    if app.static_folder and app.static_url_path is not None:
        yield "static", app.static_folder, app.static_url_path
    admin = app.blueprints.get("admin")
    if admin is not None and admin.static_folder and admin.static_url_path:
        yield "admin.static", admin.static_folder, admin.static_url_path


def _headers(headers, path: str, url: str) -> None:
    """A year's caching for hashed names; the headers Flask adds to its own responses."""
    if HASHED.search(url):
        headers["Cache-Control"] = CACHE_FOREVER
    headers["X-Content-Type-Options"] = "nosniff"


def build_folder(source: Path, target: Path) -> dict[str, str]:
    """Copy a folder's files under hashed names with compressed copies; return the names."""
    files = sorted(_files(source))
    names: dict[str, str] = {}
    # style sheets last: their references are rewritten to the names of the files before
    for name in [f for f in files if not f.endswith(".css")] + \
                [f for f in files if f.endswith(".css")]:
        content = (source / name).read_bytes()
        if name.endswith(".css"):
            content = _rewrite_css(name, content, names)
        names[name] = hashed_name(name, content)
        _write(target / names[name], content)
    return names


def _files(source: Path) -> Iterator[str]:
    """The files of a folder worth serving, as paths relative to it."""
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for file in files:
            name = Path(folder, file).relative_to(source).as_posix()
            if not file.startswith(".") and not any(fnmatch(name, p) for p in SKIPPED):
                yield name


def hashed_name(name: str, content: bytes) -> str:
    """`css/app.css` -> `css/app.<12 hex digits of the content's hash>.css`."""
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"


def _rewrite_css(name: str, content: bytes, names: dict[str, str]) -> bytes:
    """Point a style sheet's url(...) references at the hashed names of the files."""
    folder = posixpath.dirname(name)

    def hashed(match: re.Match) -> str:
        quote, reference = match.group(1), match.group(2).strip()
        if reference.startswith(("data:", "/", "#")) or "://" in reference:
            return match.group(0)
        cut = min((i for i in (reference.find("?"), reference.find("#")) if i >= 0),
                  default=len(reference))
        path, tail = reference[:cut], reference[cut:]  # keep ?v=… and #…
        found = names.get(posixpath.normpath(posixpath.join(folder, path)))
        if found is None:
            return match.group(0)
        relative = posixpath.relpath(found, folder or ".")
        return f"url({quote}{relative}{tail}{quote})"

    return CSS_URL.sub(hashed, content.decode("utf-8")).encode("utf-8")


def _write(path: Path, content: bytes) -> None:
    """Write a hashed file and its gzip and brotli copies, unless an earlier start did."""
    if not path.exists():
        _atomic_write(path, content)
    if path.suffix not in COMPRESSIBLE:
        return
    for suffix, compress in ((".gz", _gzip), (".br", _brotli)):
        variant = path.with_name(path.name + suffix)
        if not variant.exists():
            packed = compress(content)
            # a copy that saves too little is not worth a second request header
            if len(packed) < len(content) * 0.95:
                _atomic_write(variant, packed)


def _gzip(content: bytes) -> bytes:
    """Gzip at the best ratio, with no time stamp (the same bytes on every machine)."""
    return gzip.compress(content, compresslevel=9, mtime=0)


def _brotli(content: bytes) -> bytes:
    """Brotli at the best ratio: done once per file, so worth the time."""
    return brotli.compress(content, quality=11)


def _atomic_write(path: Path, content: bytes) -> None:
    """Write through a temporary file, so workers starting together never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)

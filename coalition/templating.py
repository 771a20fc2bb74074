"""What every template may use."""

import hashlib
from numbers import Number
from pathlib import Path

import jinja2
from flask import Flask, request
from flask_login import current_user
from jinja2 import Environment, FileSystemBytecodeCache
from markupsafe import Markup

from coalition import access
from coalition.choices import ROLES
from coalition.extensions import kept
from coalition.i18n import language
from coalition.widgets import date_box, page_settings


def register_template_globals(app: Flask) -> None:
    """What every template may use: the roles, the endpoints that exist and the settings of
    the page's scripts."""

    app.jinja_env.globals.update(kept_menu=kept_menu, keep_menu=keep_menu)
    # each worker compiled every template it rendered on its first pages (0.1 s for a list,
    # more for the dashboard, in every worker and job after every start): compiled once,
    # kept in the instance folder, keyed by each template's source so an edit is compiled
    # again (written whole, then renamed: workers may share the folder)
    cache = Path(app.instance_path) / "template-cache" / _compiled_under(app.jinja_env)
    cache.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache))

    app.jinja_env.filters["thousands"] = thousands

    @app.context_processor
    def template_globals() -> dict:
        return {"roles": ROLES, "available_endpoints": app.view_functions,
                "page_settings": page_settings, "date_box": date_box}


def _compiled_under(env: Environment) -> str:
    """A digest of what Jinja writes into compiled templates besides their source (its
    version, autoescaping, extensions, syntax): a folder of its own for each, so a template
    compiled under other settings — say, without autoescaping — is never loaded."""

    def named(value: object) -> str:
        return getattr(value, "__qualname__", None) or repr(value)

    settings = (jinja2.__version__, named(env.autoescape), sorted(env.extensions),
                getattr(env, "newstyle_gettext", None), named(env.finalize), env.trim_blocks,
                env.lstrip_blocks, env.keep_trailing_newline, env.block_start_string,
                env.variable_start_string, env.comment_start_string, env.optimized)
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def thousands(value: object) -> object:
    """A number with a thousands separator (12,345), anything else as it is: a filter, not
    a macro, as the dashboard writes a hundred of them (a macro call costs ten times more)."""
    return f"{value:,}" if isinstance(value, Number) and not isinstance(value, bool) else value


def menus() -> dict[tuple, Markup]:
    """The app's main menus as written for a user profile, language and screen
    (admin/base.html): writing one asks every screen whether the user may open it, 1.3 ms a
    page, and the answer changes only with what `access.profile` covers."""
    return kept("main_menus", 2000)


def kept_menu(endpoint: str) -> tuple[tuple, Markup | None]:
    """The key of the menu of this user, language and screen, and the menu if written."""
    key = (access.profile(current_user), language(), request.script_root, endpoint)
    return key, menus().get(key)


def keep_menu(key: tuple, html: str) -> Markup:
    """Keep the menu written under `key`."""
    menus()[key] = menu = Markup(html)
    return menu

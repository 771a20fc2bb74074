"""Flask extensions, created once and bound to the app in the factory."""

from pathlib import Path

from flask import Flask, current_app
from flask_babel import Babel
from flask_caching import Cache
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import event

from coalition.database import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# answers kept until the next write (coalition.versions): figures, list counts, filter options;
# in memory by default, CACHE_REDIS_URL=redis://… for several workers to share them
cache = Cache()


def kept(name: str, most: int) -> dict:
    """A store of what this app works out once and serves to every request after (the main
    menus, the dashboard's links): in the app, so two apps in a process never share one;
    emptied whole when it holds `most`, which a few roles, offices and filters stay far
    below."""
    store = current_app.extensions.setdefault(name, {})
    if len(store) >= most:
        store.clear()
    return store


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, sign-in, CSRF protection and the cache to the app."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrations = Path(app.root_path) / "migrations"
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    cache.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(connection, _record) -> None:
    """SQLite: WAL with full sync so a commit survives a crash; enforce foreign keys."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

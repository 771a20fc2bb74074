"""Settings read from the environment, with safe defaults for a laptop."""

import os
import secrets
from pathlib import Path

from coalition.crypto import load_keys


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, else one kept in the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


#: the limits an imported workbook is checked against before it is read (README, Security)
IMPORT_LIMITS = ("IMPORT_MAX_BYTES", "IMPORT_MAX_PART_BYTES", "IMPORT_MAX_UNPACKED_BYTES",
                 "IMPORT_MAX_ROWS", "IMPORT_MAX_CELLS", "IMPORT_MAX_SHARED_STRINGS")


def load_config(instance_path: str) -> dict:
    """Build the configuration of one app instance."""
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'coalition.sqlite'}"
    )
    # psycopg 3 is the PostgreSQL driver; accept the common short URL forms.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]
    cache_redis_url = os.environ.get("CACHE_REDIS_URL")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "CASE_DATA_KEYS": load_keys(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # a server may drop a pooled connection, so each is tried before use; a file cannot
        # (SQLite), and the try was a statement more on every page
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not database_url.startswith("sqlite")},
        "BABEL_DEFAULT_LOCALE": "ar",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ("ar", "en", "tr"),
        # werkzeug's default scrypt is below ASVS 5.0; PBKDF2-SHA256 at 600k rounds meets it.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "pbkdf2:sha256:600000"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_DURATION": 0,
        # a request may carry an evidence file of EVIDENCE_MAX_BYTES and its form
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 21 * 1024 * 1024)),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_BYTES", 20_000_000)),
        "FLASK_ADMIN_FLUID_LAYOUT": True,
        "FLASK_ADMIN_SWATCH": "default",
        "WTF_CSRF_TIME_LIMIT": None,
        # sign-in throttling (coalition.accounts.throttle): per account and address, per
        # address, and an increasing delay per account after its free attempts of the hour
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per 15 minutes"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "50 per 15 minutes"),
        "LOGIN_ACCOUNT_FREE": int(os.environ.get("LOGIN_ACCOUNT_FREE", 5)),
        "LOGIN_ACCOUNT_MAX_DELAY": int(os.environ.get("LOGIN_ACCOUNT_MAX_DELAY", 60)),
        # a session ends after this long idle, and after this long in all
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", 12)),
        # computed figures, list counts, filter options, keyed by the data version every write
        # moves (coalition.versions): in this process (SimpleCache, pruned a quarter at a time)
        # by default, shared by every worker on Redis when CACHE_REDIS_URL is set;
        # CACHE_TYPE=NullCache works every answer out afresh
        "CACHE_TYPE": os.environ.get("CACHE_TYPE", "RedisCache" if cache_redis_url
                                     else "coalition.versions.ProcessCache"),
        "CACHE_REDIS_URL": cache_redis_url,
        # CACHE_TYPE=FileSystemCache: files every worker on this machine shares
        "CACHE_DIR": os.environ.get("CACHE_DIR", str(Path(instance_path) / "figure-cache")),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "coalition:"),
        "CACHE_DEFAULT_TIMEOUT": int(os.environ.get("CACHE_DEFAULT_TIMEOUT", 600)),
        "CACHE_THRESHOLD": int(os.environ.get("CACHE_THRESHOLD", 2000)),
        # limits of an imported workbook; unset, coalition.imports.workbook's defaults apply
        **{key: int(os.environ[key]) for key in IMPORT_LIMITS if os.environ.get(key)},
    }

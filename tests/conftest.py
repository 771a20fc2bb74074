"""Fixtures: the real app on a real database (SQLite file, or DATABASE_URL), signed-in clients,
the demo data (loaded once per run, copied into each test that asks), a real Chromium.

Factories for every record type are in tests/helpers.py.
"""

import base64
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

# Importing `app` builds an app: its instance folder (keys, SQLite file) must not be the checkout.
_INSTANCE = tempfile.mkdtemp(prefix="coalition-tests-")
os.environ["COALITION_INSTANCE_PATH"] = _INSTANCE
# the hashed, compressed static files are kept between runs: compressing them takes seconds
os.environ.setdefault("STATIC_BUILD_DIR", str(Path(__file__).resolve().parent.parent / "build"
                                              / "static-tests"))

from flask import Flask, current_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import Integer, text  # noqa: E402

from app import create_app  # noqa: E402
from coalition.database import db  # noqa: E402
from coalition.models import Indicator, Office, Place, Project, Track, User  # noqa: E402
from tests.helpers import DEMO_PASSWORD, PASSWORD, sign_in  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
SNAPSHOT = "demo_snapshot"  # where the demo rows are kept: a schema (PostgreSQL) or a file


def pytest_unconfigure(config) -> None:
    """Remove the temporary instance folder."""
    shutil.rmtree(_INSTANCE, ignore_errors=True)


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests skip, saying why, where Debian's Chromium is missing."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="Debian's Chromium is not installed (apt-get install -y "
                                   "chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _database_url(tmp: str) -> str:
    """SQLite in the session's folder, or DATABASE_URL: under `pytest -n N` each worker gets a
    PostgreSQL database of its own beside the one named (test_gw0, test_gw1 …), made if need be."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp}/test.sqlite"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    named = make_url(url)
    own = named.set(database=f"{named.database}_{worker}")
    for attempt in range(10):
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                (own.database,)).fetchone() is None:
                    conn.execute(f'CREATE DATABASE "{own.database}"')
            break
        except (psycopg.errors.ObjectInUse, psycopg.errors.DuplicateDatabase):
            # the workers start together: another one is copying the template right now
            time.sleep(0.5 * (attempt + 1))
    return own.render_as_string(hide_password=False)


def _run_keys() -> dict:
    """Under `pytest -n N`, one case-data key for every worker of the run (they share the demo
    snapshot, whose case details are encrypted); otherwise the instance folder's own."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return {}
    key = base64.urlsafe_b64encode(hashlib.sha256(run.encode()).digest()).decode()
    return {"CASE_DATA_KEYS": [key]}


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """One app for the session, its schema built by the migrations (as `init-db` does)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp).replace(
                "postgresql://", "postgresql+psycopg://"),
            "WTF_CSRF_ENABLED": False,
            # tests sign in hundreds of times; production keeps the strong default
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SECRET_KEY": "test",
            "DEMO_SNAPSHOT_FILE": f"{tmp}/{SNAPSHOT}.sqlite",
            # jobs run at once, in the asking request (tests/test_jobs.py also runs a worker)
            "HUEY_IMMEDIATE": True,
            "JOBS_ISOLATE": False,
            **_run_keys(),
        })
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE"))
            upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE"))
            db.engine.dispose()


def _empty_tables() -> None:
    """Delete every row of every table (inside an app context)."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    # each DELETE through the session moved its table's version: kpi_state emptied last
    db.session.execute(db.metadata.tables["kpi_state"].delete())
    db.session.commit()
    db.session.remove()


@pytest.fixture(autouse=True)
def clean_db(app: Flask) -> Iterator[None]:
    """Every test starts from empty tables."""
    yield
    with app.app_context():
        _empty_tables()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for direct database work."""
    with app.app_context():
        yield


@pytest.fixture
def world(app: Flask) -> dict:
    """Two offices, two tracks, a project and one user per role (coordinators of A and B)."""
    with app.app_context():
        a = Office(code="protection", name_ar="مكتب الحماية", name_en="Protection Office")
        b = Office(code="detainees", name_ar="مكتب المعتقلين", name_en="Detainees Office")
        t1 = Track(code="networking", name_ar="التواصل", name_en="Networking", number=2)
        t2 = Track(code="advocacy", name_ar="المناصرة", name_en="Advocacy", number=4)
        p = Project(code="himaya", name_ar="حماية", name_en="Himaya")
        db.session.add_all([a, b, t1, t2, p])
        db.session.flush()
        users = {
            "admin": User(username="admin", role="admin"),
            "leadership": User(username="leadership", role="leadership"),
            "coordinator_a": User(username="coord_a", role="coordinator", office=a),
            "coordinator_b": User(username="coord_b", role="coordinator", office=b),
            "donor": User(username="donor", role="donor"),
        }
        for user in users.values():
            user.set_password(PASSWORD)
        db.session.add_all(users.values())
        # what monitoring figures refer to: an indicator and a border crossing
        # (the migration seeds them; a test that emptied the tables has none)
        deported = db.session.query(Indicator).filter_by(code="deportations").one_or_none() \
            or Indicator(code="deportations", name_ar="الترحيل", name_en="Deportations")
        crossing = db.session.query(Place).filter_by(code="tel_abyad").one_or_none() or Place(
            code="tel_abyad", name_ar="تل أبيض", name_en="Tel Abyad", place_kind="crossing")
        db.session.add_all([deported, crossing])
        db.session.commit()
        return {
            "office_a": a.id, "office_b": b.id, "track_1": t1.id, "track_2": t2.id,
            "project": p.id, "users": {k: u.username for k, u in users.items()},
            "today": date.today(), "indicator": deported.id, "crossing": crossing.id,
        }


@pytest.fixture
def login(app: Flask, world: dict):
    """login(role) -> a test client signed in as that role of the `world`."""

    def sign_in_as(role: str) -> FlaskClient:
        return sign_in(app, world["users"][role])

    return sign_in_as


@pytest.fixture
def admin_client(login) -> FlaskClient:
    """Signed in as an admin."""
    return login("admin")


@pytest.fixture
def leadership_client(login) -> FlaskClient:
    """Signed in as the coalition's leadership."""
    return login("leadership")


@pytest.fixture
def coordinator_client(login) -> FlaskClient:
    """Signed in as the coordinator of office A."""
    return login("coordinator_a")


@pytest.fixture
def other_coordinator_client(login) -> FlaskClient:
    """Signed in as the coordinator of office B."""
    return login("coordinator_b")


@pytest.fixture
def donor_client(login) -> FlaskClient:
    """Signed in as a donor."""
    return login("donor")


# --- the demo data: loaded once per run, copied into each test that asks for it --------------
def _quoted(name: str) -> str:
    return db.engine.dialect.identifier_preparer.quote(name)


def _copy_tables(source: str, target: str, create: bool) -> None:
    """Copy every table's rows from one schema (or attached SQLite file) to another."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            path = current_app.config["DEMO_SNAPSHOT_FILE"]
            conn.exec_driver_sql(f"ATTACH DATABASE '{path}' AS {SNAPSHOT}")
        elif create:
            conn.exec_driver_sql(f"CREATE SCHEMA {SNAPSHOT}")
        for table in db.metadata.sorted_tables:
            name = _quoted(table.name)
            if create:
                conn.exec_driver_sql(f"CREATE TABLE {target}.{name} AS SELECT * FROM "
                                     f"{source}.{name}")
            else:
                columns = ", ".join(_quoted(column.name) for column in table.columns)
                conn.exec_driver_sql(f"INSERT INTO {target}.{name} ({columns}) "
                                     f"SELECT {columns} FROM {source}.{name}")
                if db.engine.dialect.name == "postgresql" and "id" in table.columns \
                        and isinstance(table.columns["id"].type, Integer):  # not a job's id
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)")
        conn.commit()
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DETACH DATABASE {SNAPSHOT}")


def _load_demo(app: Flask) -> str:
    """Run the `demo` command and keep its rows aside in the snapshot; return its output."""
    with app.app_context():
        _empty_tables()
        result = app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD])
        assert result.exit_code == 0, result.output
        main = "main" if db.engine.dialect.name == "sqlite" else "public"
        _copy_tables(main, SNAPSHOT, create=True)
        _empty_tables()
    return result.output


@pytest.fixture(scope="session")
def demo_snapshot(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The `demo` command run once for the run, its rows kept aside; returns its output.

    On SQLite under `pytest -n N` the workers share one snapshot file: the first to need it
    loads the demo, the others wait for it and copy from it (same migrations, same tables).
    """
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if not (sqlite and os.environ.get("PYTEST_XDIST_WORKER")):
        return _load_demo(app)
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    app.config["DEMO_SNAPSHOT_FILE"] = str(shared / f"{SNAPSHOT}.sqlite")
    output = shared / "demo-output.txt"
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not output.exists():
            output.write_text(_load_demo(app), encoding="utf-8")
    return output.read_text(encoding="utf-8")


@pytest.fixture
def demo(app: Flask, demo_snapshot: str) -> str:
    """The demo data of the annual report (users' password DEMO_PASSWORD), copied in."""
    with app.app_context():
        _empty_tables()
        main = "main" if db.engine.dialect.name == "sqlite" else "public"
        _copy_tables(SNAPSHOT, main, create=False)
    return demo_snapshot


# --- a real browser ------------------------------------------------------------------------------
@pytest.fixture
def server(app: Flask, demo: str) -> Iterator[str]:
    """The real app, with the demo data, served over HTTP from a thread on a free port."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright, launched once for the session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()

"""Fixtures: the real app on a real database (SQLite file, or DATABASE_URL), signed-in clients."""

import os
import tempfile
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from coalition.database import db
from coalition.models import Office, Project, Track, User

PASSWORD = "correct horse battery staple"


def _database_url(tmp: str) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/test.sqlite"


@pytest.fixture(scope="session")
def app():
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
        })
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_db(app):
    """Every test starts from empty tables."""
    yield
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for direct database work."""
    with app.app_context():
        yield


@pytest.fixture
def world(app):
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
        db.session.commit()
        return {
            "office_a": a.id, "office_b": b.id, "track_1": t1.id, "track_2": t2.id,
            "project": p.id, "users": {k: u.username for k, u in users.items()},
            "today": date.today(),
        }


@pytest.fixture
def login(app, world):
    """login(role) -> a test client signed in as that role."""

    def sign_in(role: str):
        client = app.test_client()
        response = client.post("/login", data={"username": world["users"][role],
                                               "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return client

    return sign_in

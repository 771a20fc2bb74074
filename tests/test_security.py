"""The web surface: security headers on every response, no inline script without a nonce."""

import re


def test_every_page_sends_a_strict_content_security_policy(login):
    client = login("coordinator_a")
    for url in ("/", "/meetings/", "/meetings/new/", "/login", "/no/such/page"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        html = response.get_data(as_text=True)
        # every inline script carries this response's nonce; none calls another host
        for attrs in re.findall(r"<script([^>]*)>", html):
            assert "src=" in attrs or f'nonce="{nonce}"' in attrs
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_rows_of_another_office_offer_no_edit_or_delete(app, world, login):
    from tests.test_records import office_forms

    data = office_forms(world)["meetings"][1]
    login("coordinator_a").post("/meetings/new/", data=data)
    mine = login("coordinator_a").get("/meetings/").get_data(as_text=True)
    theirs = login("coordinator_b").get("/meetings/").get_data(as_text=True)
    assert "/meetings/edit/" in mine and "data-confirm" in mine
    assert "/meetings/edit/" not in theirs and "data-confirm" not in theirs


def test_requests_over_the_size_limit_are_refused(app, login):
    client = login("coordinator_a")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/meetings/new/", data={"topic": "x" * (limit + 1)})
    assert response.status_code == 413 and b"Traceback" not in response.data


def test_sqlite_keeps_committed_changes_through_a_crash(app, ctx):
    from sqlalchemy import text

    from coalition.database import db

    if db.engine.dialect.name != "sqlite":
        import pytest
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000

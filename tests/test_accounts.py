"""Signing in and out, roles, and pages that need a signed-in user."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from coalition.accounts import throttle
from coalition.database import db, utcnow
from coalition.models import User
from tests.helpers import PASSWORD, office_forms


def test_anonymous_users_are_sent_to_sign_in(app, world):
    client = app.test_client()
    for url in ("/", "/meetings/", "/cases/new/", "/users/"):
        response = client.get(url)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"


def test_each_role_signs_in_and_out(login):
    for role in ("admin", "leadership", "coordinator_a", "donor"):
        client = login(role)
        assert client.get("/").status_code == 200
        assert client.post("/logout").status_code == 302
        assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(app, world):
    client = app.test_client()
    wrong = client.post("/login", data={"username": "admin", "password": "nope nope nope"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.data.count(b"alert-danger") == unknown.data.count(b"alert-danger") == 1


def test_next_only_redirects_within_the_site(app, world):
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                               "next": target})
        assert response.headers["Location"] == "/"
        client.post("/logout")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                           "next": "/meetings/"})
    assert response.headers["Location"] == "/meetings/"


def test_password_is_hashed(app, world, ctx):
    from coalition.database import db
    from coalition.models import User

    user = db.session.query(User).filter_by(username="admin").one()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("pbkdf2:")


def test_home_page_says_what_to_do_next(login):
    page = login("coordinator_a").get("/").get_data(as_text=True)
    assert "/meetings/new/" in page and "/cases/new/" in page
    leadership = login("leadership").get("/").get_data(as_text=True)
    assert "/meetings/new/" not in leadership and "/meetings/" in leadership


def test_users_screen_is_for_admins_only(login):
    assert login("admin").get("/users/").status_code == 200
    for role in ("leadership", "coordinator_a", "donor"):
        assert login(role).get("/users/").status_code == 403


def test_admin_creates_a_user_who_can_sign_in(app, login, world):
    admin = login("admin")
    response = admin.post("/users/new/", data={
        "username": "newcoord", "display_name": "منسق جديد", "role": "coordinator",
        "office": str(world["office_a"]), "locale": "ar", "active": "y",
        "new_password": "a long enough password"})
    assert response.status_code == 302
    client = app.test_client()
    assert client.post("/login", data={"username": "newcoord",
                                       "password": "a long enough password"}).status_code == 302


def test_short_password_is_refused(login, world):
    response = login("admin").post("/users/new/", data={
        "username": "x1", "role": "donor", "new_password": "short", "active": "y"})
    assert response.status_code == 200
    assert "12" in response.get_data(as_text=True)


def test_csrf_is_required_on_forms(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_unknown_page_is_a_friendly_404(login):
    response = login("admin").get("/no/such/page")
    assert response.status_code == 404
    assert b"Traceback" not in response.data and b"<html" in response.data


def test_failed_sign_ins_are_rate_limited_per_account(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "3 per minute")
    client = app.test_client()
    for _ in range(3):
        client.post("/login", data={"username": "admin", "password": "wrong password!"})
    blocked = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert blocked.status_code == 429 and b"Traceback" not in blocked.data


def test_signing_out_ends_every_session_of_the_user(login):
    laptop, phone = login("coordinator_a"), login("coordinator_a")
    assert phone.get("/").status_code == 200
    laptop.post("/logout")
    assert phone.get("/").status_code == 302


def test_idle_session_expires(app, login):
    client = login("coordinator_a")
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_session_cookie_is_sent_again_once_a_minute_not_with_every_page(app, login):
    client = login("coordinator_a")
    client.get("/")
    assert "Set-Cookie" not in client.get("/meetings/").headers  # nothing new to sign
    with client.session_transaction() as session:
        session["seen"] -= 61
        before = session["seen"]
    refreshed = client.get("/meetings/")
    assert refreshed.status_code == 200 and "Set-Cookie" in refreshed.headers
    with client.session_transaction() as session:
        assert session["seen"] > before + 60  # an active session is kept going


def test_common_passwords_are_refused(login, ctx):
    from coalition.accounts.passwords import common_passwords

    common = sorted(common_passwords())[0]
    response = login("admin").post("/users/new/", data={
        "username": "x2", "role": "donor", "new_password": common, "active": "y"})
    assert response.status_code == 200
    # the user was not made (the page's random tokens may hold "x2": ask the database)
    assert db.session.scalar(select(User).where(User.username == "x2")) is None


def test_deactivating_a_user_ends_their_sessions(app, world, login):
    from coalition.database import db
    from coalition.models import User

    coordinator = login("coordinator_a")
    assert coordinator.get("/meetings/").status_code == 200
    with app.app_context():
        user = db.session.query(User).filter_by(username="coord_a").one()
        user.active = False
        db.session.commit()
    assert coordinator.get("/meetings/").status_code == 302


def test_sessions_end_after_twelve_hours_in_all(app, login):
    client = login("coordinator_a")
    with client.session_transaction() as session:
        session["started"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 1
    assert client.get("/meetings/").status_code == 302


def test_a_new_password_ends_the_users_other_sessions(app, world, login):
    coordinator = login("coordinator_a")
    admin = login("admin")
    with app.app_context():
        from coalition.database import db
        from coalition.models import User

        user = db.session.query(User).filter_by(username="coord_a").one()
        user_id, version = user.id, user.version
    response = admin.post(f"/users/edit/?id={user_id}", data={
        "username": "coord_a", "role": "coordinator", "office": str(world["office_a"]),
        "active": "y", "new_password": "a brand new long passphrase",
        "record_version": str(version)})
    assert response.status_code == 302
    assert coordinator.get("/meetings/").status_code == 302


def test_password_is_rehashed_when_the_parameters_change(app, world, monkeypatch):
    from coalition.database import db
    from coalition.models import User

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:2000")
    app.test_client().post("/login", data={"username": "admin", "password": PASSWORD})
    with app.app_context():
        user = db.session.query(User).filter_by(username="admin").one()
        assert user.password_hash.startswith("pbkdf2:sha256:2000$")
        assert user.check_password(PASSWORD)


def test_session_cookie_is_httponly_and_samesite(app, world):
    response = app.test_client().post("/login", data={"username": "admin",
                                                      "password": PASSWORD})
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert not any(v.startswith("remember_token=") for k, v in response.headers.items()
                   if k == "Set-Cookie")


def test_donor_sees_no_record_lists(login):
    donor = login("donor")
    for endpoint in ("meetings", "cases", "contacts", "partners", "trainings", "offices"):
        assert donor.get(f"/{endpoint}/").status_code == 403


def test_leadership_reads_but_does_not_write(world, login):
    leadership = login("leadership")
    assert leadership.get("/meetings/").status_code == 200
    assert leadership.get("/cases/").status_code == 200
    assert leadership.get("/meetings/new/").status_code == 403
    assert leadership.post("/meetings/new/",
                           data=office_forms(world)["meetings"][1]).status_code == 403


# --- sign-in throttling: per kind of key, no lock-out, shared by workers -------------------
ROOT = Path(__file__).resolve().parent.parent
WRONG = "not the password at all"


class Clock:
    """The throttle's clock, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(throttle, "utcnow", found)
    return found


def sign_in(app, username: str, password: str, address: str):
    """A sign-in posted from `address`, as its browser does."""
    client = app.test_client()
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_a_user_name_that_is_an_address_does_not_block_that_address(app, world, clock):
    for _ in range(12):
        sign_in(app, "127.0.0.9", WRONG, "10.0.0.1")
        clock.advance(1)
    assert sign_in(app, "coord_a", PASSWORD, "127.0.0.9").status_code == 302


def test_failures_against_an_account_do_not_lock_its_owner_out(app, world, clock):
    answers = []
    for _ in range(12):
        answers.append(sign_in(app, "admin", WRONG, "10.0.0.66").status_code)
        clock.advance(0.5)
    assert answers[:5] == [200] * 5 and 429 in answers
    # from that address the account is blocked for the window, even with the password
    blocked = sign_in(app, "admin", PASSWORD, "10.0.0.66")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 60
    # its owner, elsewhere, waits at most a minute: a delay, never a lock-out
    owner = sign_in(app, "admin", PASSWORD, "192.168.1.20")
    if owner.status_code == 429:
        wait = int(owner.headers["Retry-After"])
        assert wait <= 61
        clock.advance(wait)
        owner = sign_in(app, "admin", PASSWORD, "192.168.1.20")
    assert owner.status_code == 302


def test_the_refusal_is_translated_and_says_how_long(app, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "2 per 15 minutes")
    for _ in range(2):
        sign_in(app, "admin", WRONG, "10.0.0.5")
    client = app.test_client()
    client.post("/language/en", data={"next": "/login"})
    page = client.post("/login", data={"username": "admin", "password": WRONG},
                       environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert page.status_code == 429
    assert re.search(r"Too many sign-in attempts\. Try again in \d+ minutes?\.",
                     page.get_data(as_text=True))


def test_guesses_at_one_account_from_many_addresses_stay_under_100_an_hour(app, world, clock):
    checked = 0
    for number in range(360):  # one guess every 10 seconds, each from another address
        answer = sign_in(app, "admin", WRONG, f"10.{number // 250}.{number % 250}.1")
        checked += answer.status_code == 200
        clock.advance(10)
    assert 50 <= checked < 100, checked
    # the owner still signs in, after a minute at most
    owner = sign_in(app, "admin", PASSWORD, "192.168.1.20")
    if owner.status_code == 429:
        clock.advance(int(owner.headers["Retry-After"]))
        owner = sign_in(app, "admin", PASSWORD, "192.168.1.20")
    assert owner.status_code == 302


def test_a_successful_sign_in_uses_up_no_allowance(app, world, clock):
    for _ in range(30):
        assert sign_in(app, "coord_a", PASSWORD, "10.0.0.7").status_code == 302


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _form_post(base: str, cookie: str, token: str, password: str) -> int:
    """A sign-in posted with the session's CSRF token; its status."""
    body = urllib.parse.urlencode({"username": "admin", "password": password,
                                   "csrf_token": token}).encode()
    request = urllib.request.Request(f"{base}/login", data=body, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _session(base: str) -> tuple[str, str]:
    """A session cookie and its CSRF token, from the sign-in page."""
    with urllib.request.urlopen(f"{base}/login", timeout=60) as response:
        page = response.read().decode()
        cookie = response.headers["Set-Cookie"].split(";")[0]
    return cookie, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _storm(base: str, attempts: int = 40) -> list[int]:
    """`attempts` wrong passwords for one account from one address, all at once."""
    cookie, token = _session(base)
    answers: list[int] = []
    start = threading.Barrier(attempts)

    def attempt() -> None:
        start.wait()
        answers.append(_form_post(base, cookie, token, WRONG))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_attempts_cannot_slip_through(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answers = _storm(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
    checked = answers.count(200)
    assert len(answers) == 40 and answers.count(429) == 40 - checked
    assert 1 <= checked <= 10, answers


def test_three_gunicorn_workers_share_the_counters(app, world):
    pytest.importorskip("gunicorn")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "gunicorn test", "CASE_DATA_KEYS": ",".join(app.config["CASE_DATA_KEYS"])}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "--timeout",
         "120", "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # three workers start slowly on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=30).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.5)
        answers = _storm(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    checked = answers.count(200)
    assert len(answers) == 40 and answers.count(429) == 40 - checked
    assert 1 <= checked <= 10, answers
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM sign_in_counters")).scalar() == 3


def test_the_signed_in_user_is_read_once_and_again_after_any_change(app, world, login):
    """The user of each request (with their office) is kept per process under the users'
    and offices' row versions: a second page reads no user, and a new role or an office's
    new name written by someone else counts on the very next page."""
    from sqlalchemy import event

    from coalition.models import Office

    coordinator, admin = login("coordinator_a"), login("admin")
    assert coordinator.get("/meetings/").status_code == 200
    read: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "FROM users" in statement:
            read.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert coordinator.get("/meetings/").status_code == 200
        assert read == []  # the kept copy served
        with app.app_context():
            office = db.session.get(Office, world["office_a"])
            office.name_ar = "مكتب غازي عنتاب الجديد"
            db.session.commit()
        page = coordinator.get("/").get_data(as_text=True)
        assert "مكتب غازي عنتاب الجديد" in page and len(read) == 1  # read again once
        with app.app_context():
            user = db.session.scalar(select(User).filter_by(username="coord_a"))
            user_id, version = user.id, user.version
        response = admin.post(f"/users/edit/?id={user_id}", data={
            "username": "coord_a", "role": "donor", "active": "y",
            "record_version": str(version)})
        assert response.status_code == 302
        assert coordinator.get("/meetings/").status_code == 403  # a donor now
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note)

"""Sign-in throttling: per kind of key, no lock-out of an account's owner, shared by workers."""

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

import pytest
from werkzeug.serving import make_server

from coalition.accounts import throttle
from coalition.database import db, utcnow
from tests.conftest import PASSWORD

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


def test_the_refusal_is_translated_and_says_how_long(app, world, clock):
    app.config["LOGIN_LIMIT"] = "2 per 15 minutes"
    try:
        for _ in range(2):
            sign_in(app, "admin", WRONG, "10.0.0.5")
        client = app.test_client()
        client.post("/language/en", data={"next": "/login"})
        page = client.post("/login", data={"username": "admin", "password": WRONG},
                           environ_base={"REMOTE_ADDR": "10.0.0.5"})
        assert page.status_code == 429
        assert re.search(r"Too many sign-in attempts\. Try again in \d+ minutes?\.",
                         page.get_data(as_text=True))
    finally:
        app.config["LOGIN_LIMIT"] = "10 per 15 minutes"


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


def test_concurrent_attempts_cannot_slip_through(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answers = _storm(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.config["WTF_CSRF_ENABLED"] = False
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
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.5)
        answers = _storm(base)
    finally:
        process.terminate()
        process.wait(timeout=30)
    checked = answers.count(200)
    assert len(answers) == 40 and answers.count(429) == 40 - checked
    assert 1 <= checked <= 10, answers
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM sign_in_counters")).scalar() == 3

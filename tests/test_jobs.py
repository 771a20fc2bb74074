"""Long work off the web workers: imports and large exports run as jobs, with progress.

Most tests run each job at once in the asking request (Huey's immediate mode);
`test_a_real_worker_runs_an_import_while_the_page_polls_its_progress` runs the real worker
process (`flask jobs worker`) on the SQLite queue and follows the job over HTTP.
"""

import datetime as dt
import http.cookiejar
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select, update
from werkzeug.serving import make_server

from app import create_app
from coalition.extensions import db
from coalition.jobs import Kind, progress, runner
from coalition.jobs.models import DONE, FAILED, IMPORT, QUEUED, Job, JobFile
from coalition.models import Meeting, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # the conftest's users'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JOB_URL = re.compile(r"/jobs/([0-9a-f]{32})$")


# --- helpers ---------------------------------------------------------------------------------
def meetings_workbook(rows: int, office: str = "protection") -> bytes:
    """A workbook with a meetings sheet of `rows` good rows (header of field keys)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("meetings")
    sheet.append(["date", "office", "counterpart_category", "topic"])
    start = dt.date(2024, 1, 1)
    for n in range(rows):
        sheet.append([start + dt.timedelta(days=n % 365), office, "tr_ngo", f"لقاء رقم {n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def start_import(client, data: bytes, **form):
    """Post a workbook to the import page; the answer sends to the job's page."""
    response = client.post("/import/", data={"workbook": (io.BytesIO(data), "office.xlsx"),
                                             **form}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    found = JOB_URL.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def start_donor(client, **args) -> str:
    """Ask for the donor workbook; return its job's id."""
    response = client.post("/exports/donor.xlsx", query_string=args)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return JOB_URL.search(response.headers["Location"]).group(1)


def add_user(app, world, username: str, role: str, office: str | None = None) -> None:
    """One more user of a role (a second coordinator of an office, a second donor)."""
    with app.app_context():
        user = User(username=username, role=role,
                    office_id=world[office] if office else None)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def sign_in(app, username: str):
    """A test client signed in as this user."""
    client = app.test_client()
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302
    return client


def job_row(app, job_id: str) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge_all()
        return job


# --- imports ---------------------------------------------------------------------------------
def test_an_import_runs_as_a_job_and_its_report_is_for_its_office_only(app, world, login):
    client = login("coordinator_a")
    job_id = start_import(client, meetings_workbook(30))
    job = job_row(app, job_id)
    assert job.kind == IMPORT and job.status == DONE and job.office_id == world["office_a"]
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-written="yes"' in text and 'class="created">30<' in text
    state = client.get(f"/jobs/{job_id}/progress").get_json()
    assert state["finished"] and state["percent"] == 100
    assert state["counts"]["read"] == 31 and state["counts"]["checked"] == 30
    assert state["counts"]["written"] == 30
    with app.app_context():
        assert db.session.query(Meeting).count() == 30
        # the upload is forgotten once read; the report is kept encrypted
        roles = {f.role: f for f in db.session.scalars(select(JobFile))}
        assert set(roles) == {"report"} and b"created" not in roles["report"].data
    # another coordinator of the same office may read the report, as may an admin
    add_user(app, world, "coord_a2", "coordinator", "office_a")
    assert sign_in(app, "coord_a2").get(f"/jobs/{job_id}").status_code == 200
    assert login("admin").get(f"/jobs/{job_id}").status_code == 200
    # another office's coordinator, leadership and a donor cannot: nothing says it exists
    for role in ("coordinator_b", "leadership", "donor"):
        other = login(role)
        for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/progress", f"/jobs/{job_id}/file"):
            assert other.get(url).status_code == 404, (role, url)
        assert job_id not in other.get("/jobs/").get_data(as_text=True)
    anonymous = app.test_client().get(f"/jobs/{job_id}/progress")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    # an import has a report, no file
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    assert job_id in client.get("/jobs/").get_data(as_text=True)


def test_a_refused_import_shows_its_problems_with_a_4xx(app, world, login):
    client = login("coordinator_a")
    job_id = start_import(client, b"name,organisation\nx,y\n")
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 422 and 'id="import-refused"' in page.get_data(as_text=True)
    # a workbook of another office's rows: refused, nothing written
    job_id = start_import(client, meetings_workbook(3, office="detainees"))
    assert client.get(f"/jobs/{job_id}").status_code == 422
    with app.app_context():
        assert db.session.query(Meeting).count() == 0


def test_a_dry_run_job_writes_nothing(app, world, login):
    client = login("coordinator_a")
    job_id = start_import(client, meetings_workbook(5), dry_run="y")
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and 'id="import-done"' in page.get_data(as_text=True)
    assert 'data-written="no"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Meeting).count() == 0


# --- exports ---------------------------------------------------------------------------------
def test_the_donor_workbook_is_a_job_whose_file_only_its_asker_fetches(app, world, login):
    with app.app_context():
        db.session.add(Meeting(date=dt.date(2024, 3, 1), counterpart_category="tr_ngo",
                               topic="لقاء", office_id=world["office_a"]))
        db.session.commit()
    donor = login("donor")
    assert donor.get("/exports/donor.xlsx?year=2024").status_code == 200  # the button's page
    job_id = start_donor(donor, year="2024")
    page = donor.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/jobs/{job_id}/file"' in page
    state = donor.get(f"/jobs/{job_id}/progress").get_json()
    assert state["finished"] and state["counts"]["sheets"] == state["counts"]["sheets_total"]
    response = donor.get(f"/jobs/{job_id}/file")
    assert response.status_code == 200 and response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.worksheets) == state["counts"]["sheets_total"]
    # a second donor, a coordinator, leadership, even an admin: not theirs
    add_user(app, world, "donor2", "donor")
    others = [sign_in(app, "donor2"), *(login(role) for role in
                                        ("coordinator_a", "leadership", "admin"))]
    for other in others:
        for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/progress", f"/jobs/{job_id}/file"):
            assert other.get(url).status_code == 404, url
    anonymous = app.test_client().get(f"/jobs/{job_id}/file")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():  # the stored file is encrypted
        stored = db.session.scalar(select(JobFile.data).where(JobFile.job_id == job_id))
        assert not stored.startswith(b"PK")


def test_the_file_link_asks_the_access_rules_again(app, world, login):
    client = login("coordinator_b")
    job_id = start_donor(client, year="2024", office=str(world["office_b"]))
    assert client.get(f"/jobs/{job_id}/file").status_code == 200
    with app.app_context():  # the coordinator moves to office A: B's figures are not theirs
        db.session.execute(update(User).where(User.username == "coord_b")
                           .values(office_id=world["office_a"]))
        db.session.commit()
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    # another office's workbook is refused before any job starts
    assert client.post("/exports/donor.xlsx", query_string={
        "year": "2024", "office": str(world["office_b"])}).status_code == 403
    with app.app_context():
        assert db.session.query(Job).count() == 1


def test_a_long_list_is_exported_by_a_job(app, world, login, monkeypatch):
    with app.app_context():
        db.session.add_all([Meeting(date=dt.date(2024, 1, 1 + n), counterpart_category="intl",
                                    topic=f"لقاء {n}", office_id=world["office_a"])
                            for n in range(7)])
        db.session.commit()
    monkeypatch.setitem(app.config, "EXPORT_INLINE_ROWS", 5)
    client = login("leadership")
    assert "7" in client.get("/exports/list/meetings.csv").get_data(as_text=True)  # the button
    response = client.post("/exports/list/meetings.csv", query_string={"page": "2"})
    assert response.status_code == 303
    job_id = JOB_URL.search(response.headers["Location"]).group(1)
    state = client.get(f"/jobs/{job_id}/progress").get_json()
    assert state["finished"] and state["counts"] == {"rows": 7, "total": 7}
    rows = client.get(f"/jobs/{job_id}/file").get_data().decode("utf-8-sig").splitlines()
    assert len(rows) == 8
    assert login("coordinator_a").get(f"/jobs/{job_id}/file").status_code == 404
    # a short list is sent at once, as before
    monkeypatch.setitem(app.config, "EXPORT_INLINE_ROWS", 100)
    direct = client.post("/exports/list/meetings.xlsx")
    assert direct.status_code == 200 and direct.mimetype == XLSX


def test_a_user_may_not_pile_up_jobs(app, world, login):
    client = login("donor")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "donor"))
        soon = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
        db.session.add_all([Job(kind="donor", user_id=user_id, params={}, status=QUEUED,
                                expires_at=soon) for _n in range(app.config["JOBS_PER_USER"])])
        db.session.commit()
    response = client.post("/exports/donor.xlsx", query_string={"year": "2024"})
    assert response.status_code == 429


# --- expiry ----------------------------------------------------------------------------------
def test_expired_jobs_and_their_files_are_gone(app, world, login):
    client = login("coordinator_a")
    old = start_import(client, meetings_workbook(2))
    kept = start_donor(client, year="2024")
    huey = app.extensions["huey"]
    assert huey.get(progress.key(old), peek=True)
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == old).values(
            expires_at=dt.datetime(2020, 1, 1)))
        db.session.commit()
    client.post("/language/en", data={"next": "/"})
    gone = client.get(f"/jobs/{old}")  # past its time, before clean-up
    assert gone.status_code == 410 and "deleted after their time" in gone.get_data(as_text=True)
    assert old not in client.get("/jobs/").get_data(as_text=True)
    runner_result = app.test_cli_runner().invoke(args=["jobs", "cleanup"])
    assert runner_result.exit_code == 0 and "1" in runner_result.output
    with app.app_context():
        assert db.session.get(Job, old) is None and db.session.get(Job, kept) is not None
        assert {f.job_id for f in db.session.scalars(select(JobFile))} == {kept}
    assert huey.get(progress.key(old), peek=True) is None
    assert client.get(f"/jobs/{old}").status_code == 404
    assert client.get(f"/jobs/{kept}/file").status_code == 200


# --- limits ----------------------------------------------------------------------------------
@pytest.fixture
def isolated(app, monkeypatch):
    """Jobs run in a forked child with limits, as the worker runs them."""
    monkeypatch.setitem(app.config, "JOBS_ISOLATE", True)
    return app


def _queued_job(app, world, kind: str) -> str:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        job = Job(kind=kind, user_id=user_id, params={}, status=QUEUED,
                  expires_at=dt.datetime(2100, 1, 1))
        db.session.add(job)
        db.session.commit()
        return job.id


def test_a_job_over_its_memory_limit_fails_and_says_why(isolated, world, login, monkeypatch):
    def hungry(_job, _user, tracker):
        tracker.set(rows=1)
        hoard = [bytearray(64 * 1024 * 1024) for _n in range(64)]  # 4 GB
        return {"size": len(hoard)}

    monkeypatch.setitem(isolated.extensions["coalition.job_kinds"], "hungry",
                        Kind(run=hungry, may_see=lambda _user, _job: True, title="hungry"))
    # room for 512 MB more than this process already has, far less than the job wants
    size = int(re.search(r"VmSize:\s+(\d+) kB", Path("/proc/self/status").read_text())[1])
    monkeypatch.setitem(isolated.config, "JOB_MEMORY_MB", size // 1024 + 512)
    job_id = _queued_job(isolated, world, "hungry")
    runner.run_job(isolated, job_id)
    job = job_row(isolated, job_id)
    assert job.status == FAILED and job.failure == "memory"


def test_a_job_over_its_time_limit_is_stopped(isolated, world, monkeypatch):
    def slow(_job, _user, _tracker):
        time.sleep(60)
        return {}

    monkeypatch.setitem(isolated.extensions["coalition.job_kinds"], "slow",
                        Kind(run=slow, may_see=lambda _user, _job: True, title="slow"))
    monkeypatch.setitem(isolated.config, "JOB_TIME_LIMIT", 2)
    job_id = _queued_job(isolated, world, "slow")
    started = time.monotonic()
    runner.run_job(isolated, job_id)
    assert time.monotonic() - started < 15
    job = job_row(isolated, job_id)
    assert job.status == FAILED and job.failure == "timeout"


# --- the real worker -------------------------------------------------------------------------
class Browser:
    """A cookie-keeping HTTP client, as a browser signs in and polls."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


    def csrf(self, path: str) -> str:
        """The CSRF token of a page's form."""
        _status, _headers, page = self.request(path)
        return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()

    def sign_in(self, username: str) -> None:
        """Sign in through the sign-in form."""
        form = {"username": username, "password": PASSWORD, "csrf_token": self.csrf("/login")}
        status, _headers, _body = self.request("/login", urllib.parse.urlencode(form).encode())
        assert status == 302, status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _multipart(fields: dict, file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = "----coalition-test-boundary"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    name, filename, content = file
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: {XLSX}\r\n\r\n'.encode() + content
                 + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def worker_and_server(app, world, tmp_path):
    """The real queue (a SQLite file), the worker process, and the app served over HTTP."""
    queue = str(tmp_path / "queue.sqlite")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    settings = {"SQLALCHEMY_DATABASE_URI": uri, "HUEY_SQLITE_PATH": queue,
                "HUEY_IMMEDIATE": False, "JOBS_ISOLATE": True, "WTF_CSRF_ENABLED": True,
                "SECRET_KEY": "test", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "TESTING": True, "CASE_DATA_KEYS": app.config["CASE_DATA_KEYS"]}
    web = create_app(settings)
    env = {**os.environ, "DATABASE_URL": uri, "HUEY_SQLITE_PATH": queue,
           "CASE_DATA_KEYS": ",".join(app.config["CASE_DATA_KEYS"]), "SECRET_KEY": "test"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker",
                               "--workers", "1"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", worker
    httpd.shutdown()
    thread.join(10)
    worker.terminate()
    output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output
    with web.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_real_worker_runs_an_import_while_the_page_polls_its_progress(worker_and_server,
                                                                         app):
    base, worker = worker_and_server
    browser = Browser(base)
    browser.sign_in("coord_a")
    rows = 20_000  # enough that the import lasts several polls
    body, content_type = _multipart({"csrf_token": browser.csrf("/import/")},
                                    ("workbook", "office.xlsx", meetings_workbook(rows)))
    started = time.monotonic()
    status, headers, _body = browser.request("/import/", body, {"Content-Type": content_type})
    assert status == 303 and time.monotonic() - started < 5  # queued, not done, in the request
    job_id = JOB_URL.search(headers["Location"]).group(1)
    status, _headers, page = browser.request(f"/jobs/{job_id}")
    assert status == 200 and b'id="job-bar"' in page and b"js/jobs." in page
    seen = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status, headers, data = browser.request(f"/jobs/{job_id}/progress",
                                                headers={"Accept": "application/json"})
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        state = json.loads(data)
        seen.append(state)
        if state["finished"]:
            break
        assert worker.poll() is None, worker.stdout.read().decode(errors="replace")
        time.sleep(0.1)
    final = seen[-1]
    assert final["status"] == DONE, final
    assert final["counts"]["written"] == rows and final["percent"] == 100
    # the page saw the work move: rows read before the end, with a share of the bar
    running = [s for s in seen if s["status"] == "running" and s["counts"].get("read")]
    assert running, seen[:5]
    assert any(s["percent"] is not None and 0 < s["percent"] < 100 for s in running), running
    status, _headers, page = browser.request(f"/jobs/{job_id}")
    assert status == 200 and f'class="created">{rows}<'.encode() in page
    with app.app_context():
        assert db.session.query(Meeting).count() == rows
    # another office's coordinator, over HTTP too
    other = Browser(base)
    other.sign_in("coord_b")
    assert other.request(f"/jobs/{job_id}/progress")[0] == 404


@pytest.mark.browser
def test_in_a_browser_the_bar_moves_and_the_result_follows(worker_and_server, app, chromium,
                                                          tmp_path):
    base, _worker = worker_and_server
    workbook = tmp_path / "office.xlsx"
    # enough rows that the import lasts a few of the page's one-second polls (24,000 rows
    # once did; read the quick way they took less than one)
    rows = 60_000
    workbook.write_bytes(meetings_workbook(rows))
    context = chromium.new_context(locale="ar", accept_downloads=True)
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "coord_a")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/import/")
        page.set_input_files("input[name=workbook]", str(workbook))
        page.click("#import-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"))
        job_url = page.url
        shares = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not page.locator("#import-report").count():
            try:
                shares.add(page.evaluate(
                    "() => { const bar = document.getElementById('job-bar');"
                    " return bar ? bar.getAttribute('aria-valuenow') : 'reloaded'; }"))
            except PlaywrightError:  # the page reloaded with the result while being read
                shares.add("reloaded")
            time.sleep(0.2)
        page.wait_for_selector("#import-report", timeout=30000)
        assert page.locator('#import-counts tr[data-sheet="meetings"] .created').inner_text() \
            == str(rows)
        assert any(share not in (None, "reloaded") and 0 < int(share) < 100
                   for share in shares), shares
        # the donor workbook, from the dashboard's button (posted with the page's token)
        page.goto(f"{base}/dashboard/")
        page.click("#donor-workbook")
        page.wait_for_selector("#job-file", timeout=120000)
        with page.expect_download() as download:
            page.click("#job-file")
        assert download.value.suggested_filename.endswith(".xlsx")
        assert zipfile_ok(download.value.path())
        assert not problems, problems
        # another office's coordinator, in another browser: nothing there
        other_context = chromium.new_context(locale="ar")
        other = other_context.new_page()
        other.goto(f"{base}/login")
        other.fill("input[name=username]", "coord_b")
        other.fill("input[name=password]", PASSWORD)
        other.click("main form button[type=submit]")
        other.wait_for_url(f"{base}/")
        assert other.goto(job_url).status == 404
        other_context.close()
    finally:
        context.close()


def zipfile_ok(path) -> bool:
    """True for a workbook openpyxl reads."""
    openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True).close()
    return True

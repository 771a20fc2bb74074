"""Monthly reporting: submit, approve, return, reopen; an approved month locks its records on
every path (form, edit, delete, restore, import) until an admin reopens it."""

import io
from datetime import date, timedelta

import openpyxl
from flask_babel import force_locale
from sqlalchemy import select

from coalition.audit.models import AuditEntry
from coalition.database import db
from coalition.imports.importer import Actor, import_workbook
from coalition.models import Meeting, ReportingMonth
from tests.helpers import make_meeting

MARCH = "2024-03-01"


def _step(client, world, action: str, month: str = MARCH, comment: str = "", office="office_a"):
    response = client.post("/reporting/move", data={
        "office_id": str(world[office]), "month": month, "action": action, "comment": comment})
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _state(app, world, month: str = MARCH) -> str | None:
    with app.app_context():
        return db.session.scalar(select(ReportingMonth.state).where(
            ReportingMonth.office_id == world["office_a"],
            ReportingMonth.month == date.fromisoformat(month)))


def _approve_march(login, world) -> None:
    _step(login("coordinator_a"), world, "submit")
    _step(login("leadership"), world, "approve")


def test_a_month_is_submitted_returned_approved_and_reopened_by_the_right_people(
        app, world, login):
    coordinator, other = login("coordinator_a"), login("coordinator_b")
    for client in (coordinator, other):
        client.post("/language/en", data={"next": "/"})
    _step(other, world, "submit")  # another office's coordinator
    assert _state(app, world) in (None, "open")
    _step(coordinator, world, "approve")  # a coordinator does not approve
    assert _state(app, world) in (None, "open")
    _step(coordinator, world, "submit")
    assert _state(app, world) == "submitted"
    leadership = login("leadership")
    page = _step(leadership, world, "return")  # a return says why
    assert _state(app, world) == "submitted"
    page = _step(leadership, world, "return", comment="ينقص محضر لقاء الوالي")
    assert _state(app, world) == "returned" and "ينقص محضر لقاء الوالي" in page
    _step(coordinator, world, "submit")
    _step(leadership, world, "approve")
    assert _state(app, world) == "approved"
    _step(leadership, world, "reopen", comment="x")  # only an admin reopens
    assert _state(app, world) == "approved"
    _step(login("admin"), world, "reopen", comment="تصحيح عدد المشاركين")
    assert _state(app, world) == "open"
    with app.app_context():
        changes = [entry.changed.get("state") for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "reporting_months")
            .order_by(AuditEntry.id))]
    assert [change[1] for change in changes if change] == [
        "submitted", "returned", "submitted", "approved", "open"]
    assert login("donor").get("/reporting/").status_code == 403


def test_an_approved_month_refuses_every_write_until_it_is_reopened(app, world, login):
    with app.app_context():
        inside = make_meeting(world["office_a"], date=date(2024, 3, 10), topic="في آذار").id
        trashed = make_meeting(world["office_a"], date=date(2024, 3, 11), topic="محذوف").id
        outside = make_meeting(world["office_a"], date=date(2024, 4, 2), topic="في نيسان").id
    client = login("coordinator_a")
    client.post("/language/en", data={"next": "/"})
    assert client.post(f"/meetings/delete/?id={trashed}").status_code == 302
    _approve_march(login, world)
    locked = "is approved and locked"

    def count() -> int:
        with app.app_context():
            return len(db.session.scalars(select(Meeting.id)).all())

    before = count()
    new = {"date": "2024-03-20", "office": str(world["office_a"]), "comprehensive": "y",
           "topic": "لقاء متأخر"}
    response = client.post("/meetings/new/", data=new)
    assert locked in response.get_data(as_text=True) and count() == before
    edited = {**new, "topic": "تعديل", "record_version": "1"}
    response = client.post(f"/meetings/edit/?id={inside}", data=edited)
    assert locked in response.get_data(as_text=True)
    moved = {**new, "date": "2024-03-05", "record_version": "1"}  # April into March
    assert locked in client.post(f"/meetings/edit/?id={outside}", data=moved).get_data(
        as_text=True)
    client.post(f"/meetings/delete/?id={inside}")
    admin = login("admin")
    admin.post(f"/trash/restore/meetings/{trashed}")
    with app.app_context():
        assert db.session.get(Meeting, inside).deleted_at is None
        assert db.session.get(Meeting, inside).topic == "في آذار"
        assert db.session.get(Meeting, outside).date == date(2024, 4, 2)
        assert db.session.get(Meeting, trashed).deleted_at is not None
    problems = _import_meeting(app, "2024-03-25")
    assert any(locked in problem for problem in problems)
    assert _import_meeting(app, "2024-04-25") == []

    _step(admin, world, "reopen", comment="تصحيح")
    assert client.post("/meetings/new/", data=new).status_code == 302
    assert count() == before + 1
    assert admin.post(f"/trash/restore/meetings/{trashed}").status_code == 302
    assert _import_meeting(app, "2024-03-25") == []


def _import_meeting(app, day: str) -> list[str]:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "meetings"
    ws.append(["date", "office", "comprehensive", "topic"])
    ws.append([day, "protection", "yes", f"لقاء {day}"])
    out = io.BytesIO()
    book.save(out)
    with app.test_request_context(), force_locale("en"):
        report = import_workbook(out.getvalue(), actor=Actor(None), dry_run=True)
        return [problem.message for problem in report.problems]


def test_the_overview_marks_overdue_months_and_the_command_line_moves_a_month(
        app, world, login):
    page = login("leadership").get("/reporting/").get_data(as_text=True)
    assert 'id="reporting-overview"' in page and "table-warning" in page  # overdue months
    # a calendar year, its neighbours a click away; a year out of range is the last 12 months
    year = login("leadership").get("/reporting/?year=2024").get_data(as_text=True)
    assert 'data-month="2024-01-01"' in year and 'data-month="2024-12-01"' in year
    assert 'href="/reporting/?year=2023"' in year and 'href="/reporting/?year=2025"' in year
    odd = login("leadership").get("/reporting/?year=99999")
    assert odd.status_code == 200 and 'data-month="2024-01-01"' not in odd.get_data(as_text=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reporting", "approve", "protection", "2024-03"])
    assert result.exit_code != 0  # not submitted yet
    assert runner.invoke(args=["reporting", "submit", "protection", "2024-03"]).exit_code == 0
    assert runner.invoke(args=["reporting", "approve", "protection", "2024-03"]).exit_code == 0
    assert _state(app, world) == "approved"
    assert runner.invoke(args=["reporting", "reopen", "protection", "2024-3x"]).exit_code == 2
    assert runner.invoke(args=["reporting", "reopen", "nowhere", "2024-03"]).exit_code == 2
    result = runner.invoke(args=["reporting", "reopen", "protection", "2024-03"])
    assert result.exit_code != 0  # a reopening says why
    assert runner.invoke(args=["reporting", "reopen", "protection", "2024-03",
                               "--reason", "خطأ"]).exit_code == 0
    assert _state(app, world) == "open"


def test_the_home_page_says_which_months_need_each_role(app, world, login):
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    before = (last_month - timedelta(days=1)).replace(day=1)
    coordinator, other, leadership = (login(role) for role in (
        "coordinator_a", "coordinator_b", "leadership"))
    for client in (coordinator, other, leadership):
        client.post("/language/en", data={"next": "/"})
    _step(coordinator, world, "submit", month=last_month.isoformat())
    _step(coordinator, world, "submit", month=before.isoformat())
    _step(leadership, world, "return", month=before.isoformat(), comment="ينقص محضر اللقاء")

    def box(client) -> str:
        page = client.get("/").get_data(as_text=True)
        start = page.find('id="reporting-attention"')
        return page[start:page.find("</div>", start)] if start >= 0 else ""

    mine = box(coordinator)
    assert "Months returned to your office" in mine and "ينقص محضر اللقاء" in mine
    assert before.strftime("%B %Y") in mine
    # submitted: no longer overdue; earlier months never submitted are
    overdue = mine[mine.find("Overdue months"):]
    assert last_month.strftime("%B %Y") not in overdue and before.strftime("%B %Y") not in overdue
    assert "Months waiting for your approval" not in mine
    # office B's coordinator is told of office B's months only
    assert "ينقص محضر اللقاء" not in box(other) and "Overdue months" in box(other)
    waiting = box(leadership)
    assert "Months waiting for your approval" in waiting
    assert last_month.strftime("%B %Y") in waiting and "Overdue months" not in waiting
    assert box(login("donor")) == ""

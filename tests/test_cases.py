"""Cases: need-to-know, personal details only with consent, encrypted at rest, erased on
schedule, and backups that restore."""

import shutil
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from coalition.database import db
from coalition.models import AuditEntry, Case, CasePersonal, Meeting, Office
from tests.helpers import (
    SECRET_NAME,
    check_create_edit_delete,
    make_case,
    make_meeting,
    office_forms,
)


def add_case(office_id: int, closed_days_ago: int | None, name: str = SECRET_NAME) -> int:
    """A case with personal details, closed `closed_days_ago` days ago (None: still open)."""
    today = date.today()
    closed = None if closed_days_ago is None else today - timedelta(days=closed_days_ago)
    return make_case(office_id, opened_on=today - timedelta(days=900), closed_on=closed,
                     status="follow_up" if closed is None else "closed",
                     consent_date=today - timedelta(days=900),
                     personal={"full_name": name, "phone": "+90 555 111 2233",
                               "id_number": "99123456789", "notes": "ملاحظة سرية"}).id


# --- through the screens ------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ["cases"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


def test_cases_of_another_office_are_closed(app, world, login):
    data = office_forms(world)["cases"][1]
    client_a = login("coordinator_a")
    assert client_a.post("/cases/new/", data=data).status_code == 302
    with app.app_context():
        case = db.session.query(Case).one()
    client_b = login("coordinator_b")
    for url in (f"/cases/details/?id={case.id}", f"/cases/edit/?id={case.id}"):
        assert client_b.get(url).status_code == 403
    listing = client_b.get("/cases/").get_data(as_text=True)
    assert case.reference not in listing
    assert case.reference in client_a.get("/cases/").get_data(as_text=True)


def test_personal_details_need_consent_and_stay_need_to_know(app, world, login):
    data = {**office_forms(world)["cases"][1], "personal_name": "سلمى الشامي",
            "personal_phone": "+90 555 000 1122"}
    client = login("coordinator_a")
    refused = client.post("/cases/new/", data=data)
    assert refused.status_code == 200 and "consent" not in refused.get_data(as_text=True)[:0]
    with app.app_context():
        assert db.session.query(Case).count() == 0
    created = client.post("/cases/new/", data={**data, "consent_given": "y",
                                               "consent_date": "2024-01-10",
                                               "consent_scope": "المتابعة القانونية"})
    assert created.status_code == 302
    with app.app_context():
        case = db.session.query(Case).one()
        assert case.personal.full_name == "سلمى الشامي"
    assert "سلمى الشامي" in client.get(f"/cases/details/?id={case.id}").get_data(as_text=True)
    leadership = login("leadership").get(f"/cases/details/?id={case.id}")
    assert leadership.status_code == 200 and "سلمى الشامي" not in leadership.get_data(as_text=True)
    assert "سلمى الشامي" not in login("leadership").get("/cases/").get_data(as_text=True)


# --- at rest, on schedule, in backups -----------------------------------------------------------
def test_personal_details_are_encrypted_at_rest(app, world, ctx):
    add_case(world["office_a"], None)
    raw = db.session.execute(text("SELECT full_name, phone, id_number, notes "
                                  "FROM case_personal")).one()
    assert all(value.startswith("fernet:") for value in raw)
    assert "سلمى" not in "".join(raw) and "99123456789" not in "".join(raw)
    assert db.session.scalar(select(CasePersonal.full_name)) == "سلمى الشامي"


def test_key_rotation_keeps_details_readable(app, world, ctx, monkeypatch):
    add_case(world["office_a"], None)
    before = db.session.scalar(text("SELECT full_name FROM case_personal"))
    keys = [Fernet.generate_key().decode(), *app.config["CASE_DATA_KEYS"]]
    monkeypatch.setitem(app.config, "CASE_DATA_KEYS", keys)
    result = app.test_cli_runner().invoke(args=["rotate-case-key"])
    assert result.exit_code == 0, result.output
    after = db.session.scalar(text("SELECT full_name FROM case_personal"))
    assert after != before
    monkeypatch.setitem(app.config, "CASE_DATA_KEYS", keys[:1])  # old key retired
    db.session.expire_all()
    assert db.session.scalar(select(CasePersonal.full_name)) == "سلمى الشامي"


def test_purge_erases_old_personal_details_and_keeps_the_counts(app, world, ctx):
    old = add_case(world["office_a"], closed_days_ago=400, name="قديم")
    recent = add_case(world["office_a"], closed_days_ago=10, name="حديث")
    still_open = add_case(world["office_a"], None, name="مفتوح")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["purge-personal-data", "--older-than-months", "6"])
    assert result.exit_code == 0 and " 1 " in f" {result.output} "
    db.session.expire_all()
    names = {c.id: c.personal.full_name for c in db.session.scalars(select(Case))}
    assert names == {old: "", recent: "حديث", still_open: "مفتوح"}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


def test_backup_and_restore(app, world, ctx, tmp_path):
    if db.engine.url.get_backend_name() != "sqlite" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    runner = app.test_cli_runner()
    make_meeting(world["office_a"], date=date(2024, 1, 1), topic="قبل النسخة")
    file = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    assert file.stat().st_size > 0
    make_meeting(world["office_a"], date=date(2024, 1, 2), topic="بعد النسخة")
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    topics = set(db.session.scalars(select(Meeting.topic)))
    assert topics == {"قبل النسخة"}
    assert db.session.scalar(select(func.count()).select_from(Office)) == 2


# --- the edit page shows personal details: a view on record --------------------------------
def test_opening_a_cases_edit_page_logs_a_view_of_its_personal_details(app, world, login):
    data = {**office_forms(world)["cases"][1], "consent_given": "y",
            "consent_date": "2024-01-10", "consent_scope": "المتابعة",
            "personal_name": "سلمى الشامي"}
    client = login("coordinator_a")
    assert client.post("/cases/new/", data=data).status_code == 302
    with app.app_context():
        case_id = db.session.query(Case).one().id

    def views() -> list[AuditEntry]:
        with app.app_context():
            return list(db.session.scalars(db.select(AuditEntry).where(
                AuditEntry.action == "view_personal", AuditEntry.record_id == case_id)))

    assert views() == []
    page = client.get(f"/cases/edit/?id={case_id}").get_data(as_text=True)
    assert "سلمى الشامي" in page
    logged = views()
    assert len(logged) == 1 and logged[0].record_type == "cases"
    # leadership cannot open the edit page, and sees no personal details: nothing to log
    assert login("leadership").get(f"/cases/edit/?id={case_id}").status_code == 403
    assert len(views()) == 1

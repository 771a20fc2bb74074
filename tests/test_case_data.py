"""Case personal details: encrypted at rest, erased on schedule, backups that restore."""

from datetime import date, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from coalition.database import db
from coalition.models import Case, CasePersonal, Meeting, Office


def add_case(office_id: int, closed_days_ago: int | None, name: str = "سلمى الشامي") -> int:
    """A case with personal details, closed `closed_days_ago` days ago (None: still open)."""
    today = date.today()
    case = Case(office_id=office_id, opened_on=today - timedelta(days=900),
                closed_on=None if closed_days_ago is None else today - timedelta(
                    days=closed_days_ago),
                status="follow_up" if closed_days_ago is None else "closed",
                consent_given=True, consent_date=today - timedelta(days=900))
    case.personal = CasePersonal(full_name=name, phone="+90 555 111 2233",
                                 id_number="99123456789", notes="ملاحظة سرية")
    db.session.add(case)
    db.session.commit()
    return case.id


def test_personal_details_are_encrypted_at_rest(app, world, ctx):
    add_case(world["office_a"], None)
    raw = db.session.execute(text("SELECT full_name, phone, id_number, notes "
                                  "FROM case_personal")).one()
    assert all(value.startswith("fernet:") for value in raw)
    assert "سلمى" not in "".join(raw) and "99123456789" not in "".join(raw)
    assert db.session.scalar(select(CasePersonal.full_name)) == "سلمى الشامي"


def test_key_rotation_keeps_details_readable(app, world, ctx):
    add_case(world["office_a"], None)
    before = db.session.scalar(text("SELECT full_name FROM case_personal"))
    old_keys = app.config["CASE_DATA_KEYS"]
    app.config["CASE_DATA_KEYS"] = [Fernet.generate_key().decode(), *old_keys]
    try:
        result = app.test_cli_runner().invoke(args=["rotate-case-key"])
        assert result.exit_code == 0, result.output
        after = db.session.scalar(text("SELECT full_name FROM case_personal"))
        assert after != before
        app.config["CASE_DATA_KEYS"] = app.config["CASE_DATA_KEYS"][:1]  # old key retired
        db.session.expire_all()
        assert db.session.scalar(select(CasePersonal.full_name)) == "سلمى الشامي"
    finally:
        app.config["CASE_DATA_KEYS"] = old_keys


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
    if db.engine.url.get_backend_name() != "sqlite":
        import shutil

        import pytest
        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump is not installed")
    runner = app.test_cli_runner()
    db.session.add(Meeting(date=date(2024, 1, 1), office_id=world["office_a"],
                           comprehensive=True, topic="قبل النسخة"))
    db.session.commit()
    file = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    assert file.stat().st_size > 0
    db.session.add(Meeting(date=date(2024, 1, 2), office_id=world["office_a"],
                           comprehensive=True, topic="بعد النسخة"))
    db.session.commit()
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    topics = set(db.session.scalars(select(Meeting.topic)))
    assert topics == {"قبل النسخة"}
    assert db.session.scalar(select(func.count()).select_from(Office)) == 2

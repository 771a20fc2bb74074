"""Evidence files: attached from a record's page, checked by content, opened under the record's
access rules, encrypted for personal records, in the trash with their record, in backups."""

import io
import shutil
import zipfile
from datetime import date

import pytest
from sqlalchemy import select, text

from coalition.database import db
from coalition.evidence.models import Evidence
from coalition.models import Case, Meeting

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx(*extra: str) -> bytes:
    """A minimal Office Open XML workbook package (with more parts if asked)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name in ("[Content_Types].xml", "xl/workbook.xml", *extra):
            package.writestr(name, "<x/>")
    return out.getvalue()


@pytest.fixture
def records(app, world):
    """A meeting and a case of office A."""
    with app.app_context():
        meeting = Meeting(date=date(2024, 3, 5), office_id=world["office_a"], comprehensive=True,
                          topic="ورشة مع الشركاء")
        case = Case(opened_on=date(2024, 3, 1), office_id=world["office_a"])
        db.session.add_all([meeting, case])
        db.session.commit()
        return {"meeting": meeting.id, "case": case.id}


def _attach(client, table: str, record_id: int, name: str, content: bytes):
    return client.post(f"/evidence/{table}/{record_id}",
                       data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Evidence.id).order_by(Evidence.id)))


def test_an_attendance_sheet_is_attached_listed_and_downloaded(app, login, records):
    client = login("coordinator_a")
    assert _attach(client, "meetings", records["meeting"], "حضور.pdf", PDF).status_code == 303
    page = client.get(f"/meetings/details/?id={records['meeting']}").get_data(as_text=True)
    assert "حضور.pdf" in page and 'id="attach-evidence"' in page
    (file_id,) = _ids(app)
    response = client.get(f"/evidence/{file_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "UTF-8''%D8%AD" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/pdf"
    # other offices read meetings, so they read its files; they cannot add or remove any
    other = login("coordinator_b")
    assert other.get(f"/evidence/{file_id}").status_code == 200
    assert _attach(other, "meetings", records["meeting"], "x.pdf", PDF).status_code == 403
    assert other.post(f"/evidence/{file_id}/delete").status_code == 403
    assert login("donor").get(f"/evidence/{file_id}").status_code == 403


@pytest.mark.parametrize(("name", "content", "says"), [
    ("photo.pdf", PNG, "is not what its name says"),
    ("list.xlsx", b"name,phone\nAhmad,+90 532\n", "not one of the accepted kinds"),
    ("macro.xlsx", _xlsx("xl/vbaProject.bin"), "not one of the accepted kinds"),
    ("script.html", b"<script>alert(1)</script>", "not one of the accepted kinds"),
    ("empty.pdf", b"", "The file is empty."),
])
def test_a_file_that_is_not_what_it_says_is_refused(app, login, records, name, content, says):
    client = login("coordinator_a")
    client.post("/language/en", data={"next": "/"})
    response = _attach(client, "meetings", records["meeting"], name, content)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert says in page
    assert _ids(app) == []


def test_a_workbook_and_an_image_are_accepted_and_the_size_limit_holds(
        app, login, records, monkeypatch):
    client = login("coordinator_a")
    assert _attach(client, "meetings", records["meeting"], "sheet.xlsx", _xlsx()).status_code \
        == 303
    assert _attach(client, "meetings", records["meeting"], "photo.png", PNG).status_code == 303
    assert len(_ids(app)) == 2
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    _attach(client, "meetings", records["meeting"], "big.pdf", PDF + b" " * 2000)
    assert len(_ids(app)) == 2


def test_case_files_are_personal_encrypted_and_need_to_know(app, login, records):
    client = login("coordinator_a")
    assert _attach(client, "cases", records["case"], "تقرير.pdf", PDF).status_code == 303
    (file_id,) = _ids(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT content FROM evidence")).scalar_one()
        assert b"%PDF" not in bytes(stored)  # encrypted at rest
    assert client.get(f"/evidence/{file_id}").data == PDF
    for role in ("coordinator_b", "leadership", "donor"):
        assert login(role).get(f"/evidence/{file_id}").status_code == 403, role
    assert login("admin").get(f"/evidence/{file_id}").status_code == 200
    assert _attach(login("leadership"), "cases", records["case"], "x.pdf", PDF).status_code \
        == 403


def test_files_go_to_the_trash_with_their_record_and_come_back_with_it(app, login, records):
    client = login("coordinator_a")
    _attach(client, "meetings", records["meeting"], "a.pdf", PDF)
    (file_id,) = _ids(app)
    assert client.post(f"/meetings/delete/?id={records['meeting']}").status_code == 302
    assert client.get(f"/evidence/{file_id}").status_code == 404
    assert login("admin").post(f"/trash/restore/meetings/{records['meeting']}").status_code \
        == 302
    assert client.get(f"/evidence/{file_id}").data == PDF
    assert client.post(f"/evidence/{file_id}/delete").status_code == 303
    assert client.get(f"/evidence/{file_id}").status_code == 404
    # a file deleted on its own is in the trash, and an admin (only) brings it back
    admin = login("admin")
    trash = admin.get("/trash/").get_data(as_text=True)
    assert 'id="trashed-files"' in trash and "a.pdf" in trash
    for role in ("coordinator_a", "leadership", "donor"):
        assert login(role).post(f"/evidence/{file_id}/restore").status_code == 403
    assert admin.post(f"/evidence/{file_id}/restore").status_code == 303
    assert client.get(f"/evidence/{file_id}").data == PDF
    assert "a.pdf" not in admin.get("/trash/").get_data(as_text=True)
    assert admin.post(f"/evidence/{file_id}/restore").status_code == 404  # not in the trash


def test_guessed_ids_and_unknown_tables_answer_404(app, login, records):
    client = login("coordinator_a")
    assert client.get("/evidence/999999").status_code == 404
    assert _attach(client, "users", 1, "a.pdf", PDF).status_code in (403, 404)
    assert _attach(client, "evidence", 1, "a.pdf", PDF).status_code == 404
    assert _attach(client, "no_such_table", 1, "a.pdf", PDF).status_code == 404
    assert _attach(client, "meetings", 999999, "a.pdf", PDF).status_code == 404


def test_markup_in_a_file_name_stays_text(app, login, records):
    client = login("coordinator_a")
    _attach(client, "meetings", records["meeting"], '<img src=x onerror=alert(1)>.pdf', PDF)
    page = client.get(f"/meetings/details/?id={records['meeting']}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_backup_and_restore_keep_the_files(app, login, records, tmp_path):
    with app.app_context():
        if db.engine.url.get_backend_name() != "sqlite" and not shutil.which("pg_dump"):
            pytest.skip("pg_dump is not installed")
    client = login("coordinator_a")
    _attach(client, "cases", records["case"], "before.pdf", PDF)
    runner = app.test_cli_runner()
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    _attach(client, "meetings", records["meeting"], "after.pdf", PDF)
    assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
    (file_id,) = _ids(app)
    assert login("coordinator_a").get(f"/evidence/{file_id}").data == PDF


def test_key_rotation_and_the_retention_purge_reach_case_files(app, login, records, monkeypatch):
    from cryptography.fernet import Fernet

    client = login("coordinator_a")
    _attach(client, "cases", records["case"], "a.pdf", PDF)
    (file_id,) = _ids(app)
    keys = [Fernet.generate_key().decode(), *app.config["CASE_DATA_KEYS"]]
    monkeypatch.setitem(app.config, "CASE_DATA_KEYS", keys)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rotate-case-key"]).exit_code == 0
    monkeypatch.setitem(app.config, "CASE_DATA_KEYS", keys[:1])  # the old key retired
    assert client.get(f"/evidence/{file_id}").data == PDF
    with app.app_context():
        case = db.session.get(Case, records["case"])
        case.status, case.closed_on = "closed", date(2020, 1, 31)
        db.session.commit()
    assert runner.invoke(args=["purge-personal-data", "--older-than-months", "12"]).exit_code \
        == 0
    assert _ids(app) == []
    with app.app_context():
        assert db.session.get(Case, records["case"]) is not None  # the case stays

"""Nothing is lost: every change is on record, deletions can be undone, no silent overwrite."""

import json
import re

from sqlalchemy import select

from coalition.database import db
from coalition.models import AuditEntry, Case, Meeting, Partner, User
from tests.helpers import office_forms


def entries(record_type: str, record_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == record_type, AuditEntry.record_id == record_id
    ).order_by(AuditEntry.id)))


def test_create_update_delete_and_restore_are_logged(app, world, login):
    data = office_forms(world)["meetings"][1]
    client = login("coordinator_a")
    client.post("/meetings/new/", data=data)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    client.post(f"/meetings/edit/?id={meeting_id}",
                data={**data, "topic": "موضوع جديد", "record_version": "1"})
    client.post("/meetings/delete/", data={"id": str(meeting_id)})
    admin = login("admin")
    trash = admin.get("/trash/").get_data(as_text=True)
    assert "موضوع جديد" in trash
    assert admin.post(f"/trash/restore/meetings/{meeting_id}").status_code == 302
    with app.app_context():
        log = entries("meetings", meeting_id)
        assert [e.action for e in log] == ["create", "update", "delete", "restore"]
        assert log[1].changed["topic"] == ["لقاء مع جمعية تركية", "موضوع جديد"]
        assert {e.user.username for e in log} == {"coord_a", "admin"}
        assert db.session.get(Meeting, meeting_id).deleted_at is None
    details = client.get(f"/meetings/details/?id={meeting_id}").get_data(as_text=True)
    assert 'id="record-history"' in details and "موضوع جديد" in details


def test_the_trail_and_the_trash_are_for_admins(world, login):
    assert login("admin").get("/audit/").status_code == 200
    for role in ("leadership", "coordinator_a", "donor"):
        assert login(role).get("/audit/").status_code == 403
        assert login(role).get("/trash/").status_code == 403
        assert login(role).post("/trash/restore/meetings/1").status_code == 403


def test_the_trail_is_append_only(app, world, login):
    login("coordinator_a").post("/meetings/new/", data=office_forms(world)["meetings"][1])
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        entry.action = "forged"
        try:
            db.session.commit()
            raise AssertionError("an audit entry was changed")
        except PermissionError:
            db.session.rollback()


def test_personal_details_are_masked_in_the_trail_and_views_are_logged(app, world, login):
    data = {**office_forms(world)["cases"][1], "personal_name": "سلمى الشامي",
            "consent_given": "y", "consent_date": "2024-01-10", "consent_scope": "المتابعة"}
    client = login("coordinator_a")
    assert client.post("/cases/new/", data=data).status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
    client.get(f"/cases/details/?id={case.id}")
    with app.app_context():
        everything = json.dumps([e.changes for e in db.session.scalars(select(AuditEntry))],
                                ensure_ascii=False)
        assert "سلمى" not in everything and "•••" in everything
        personal = entries("cases", case.id)
        assert personal[-1].action == "view_personal"


def test_a_stale_save_says_what_changed_meanwhile(app, world, login):
    data = office_forms(world)["meetings"][1]
    first, second = login("coordinator_a"), login("coordinator_a")
    first.post("/meetings/new/", data=data)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    first.post(f"/meetings/edit/?id={meeting_id}",
               data={**data, "city": "أنقرة", "record_version": "1"})
    stale = second.post(f"/meetings/edit/?id={meeting_id}",
                        data={**data, "topic": "تعديل متأخر", "record_version": "1"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 200 and "أنقرة" in page
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).topic == data["topic"]


def test_edit_of_a_stale_version_is_refused(app, world, login):
    model, data, _f, _v = office_forms(world)["meetings"]
    first, second = login("coordinator_a"), login("coordinator_a")
    assert first.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
    assert first.post(f"/meetings/edit/?id={meeting.id}",
                      data={**data, "topic": "الأول", "record_version": "1"}).status_code == 302
    stale = second.post(f"/meetings/edit/?id={meeting.id}",
                        data={**data, "topic": "الثاني", "record_version": "1"})
    assert stale.status_code == 200
    with app.app_context():
        assert db.session.get(Meeting, meeting.id).topic == "الأول"


# --- two tabs, one record: collections and personal details --------------------------------
def opened(client, url: str) -> str:
    """Open an edit page as a browser tab does; the version its form will send back."""
    page = client.get(url).get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="record_version"[^>]*>', page).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def history(app, record) -> list[dict]:
    """(action, version, changes) of each audit entry about the record, oldest first."""
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.record_type == record.__tablename__, AuditEntry.record_id == record.id)
            .order_by(AuditEntry.id))
        return [{"action": e.action, "version": e.record_version, "user": e.user_id,
                 "changes": json.loads(e.changes)} for e in entries]


def test_a_partner_added_in_one_tab_is_not_removed_by_a_stale_second_tab(app, world, login):
    _model, data, _f, _v = office_forms(world)["meetings"]
    with app.app_context():
        partner = Partner(name_ar="جمعية التضامن", origin="turkish", sector="ngo")
        db.session.add(partner)
        db.session.commit()
        partner_id = partner.id
    first, second = login("coordinator_a"), login("coordinator_a")
    assert second.post("/language/en", data={"next": "/"}).status_code == 302
    assert first.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
    url = f"/meetings/edit/?id={meeting.id}"
    version_first, version_second = opened(first, url), opened(second, url)
    # the first tab changes only the counterpart organisations
    saved = first.post(url, data={**data, "partners": str(partner_id),
                                  "record_version": version_first})
    assert saved.status_code == 302
    with app.app_context():
        current = db.session.get(Meeting, meeting.id)
        assert [p.id for p in current.partners] == [partner_id]
        assert current.version == int(version_first) + 1
    last = history(app, meeting)[-1]
    assert last["action"] == "update" and last["version"] == int(version_first) + 1
    assert last["changes"] == {"partners": [[], ["جمعية التضامن"]]}
    with app.app_context():
        assert last["user"] == db.session.scalar(
            db.select(User.id).where(User.username == "coord_a"))
    details = first.get(f"/meetings/details/?id={meeting.id}").get_data(as_text=True)
    assert "+ <bdi" in details and "جمعية التضامن" in details
    # the second tab, opened before, saves its own change: refused, the partner stays
    stale = second.post(url, data={**data, "topic": "موضوع من اللسان الثاني",
                                   "record_version": version_second})
    assert stale.status_code == 200
    assert "Someone else saved this record" in stale.get_data(as_text=True)
    with app.app_context():
        current = db.session.get(Meeting, meeting.id)
        assert [p.id for p in current.partners] == [partner_id]
        assert current.topic == data["topic"]
    # and removing it is written too
    assert first.post(url, data={**data, "partners": "",
                                 "record_version": opened(first, url)}).status_code == 302
    assert history(app, meeting)[-1]["changes"] == {"partners": [["جمعية التضامن"], []]}


def test_personal_details_changed_in_one_tab_are_not_overwritten_by_a_stale_tab(app, world,
                                                                                 login):
    data = {**office_forms(world)["cases"][1], "consent_given": "y",
            "consent_date": "2024-01-10", "consent_scope": "المتابعة القانونية",
            "personal_name": "سلمى الشامي", "personal_notes": "الملاحظة الأولى"}
    first, second = login("coordinator_a"), login("coordinator_a")
    assert second.post("/language/en", data={"next": "/"}).status_code == 302
    assert first.post("/cases/new/", data=data).status_code == 302
    with app.app_context():
        case = db.session.query(Case).one()
    url = f"/cases/edit/?id={case.id}"
    version_first, version_second = opened(first, url), opened(second, url)
    saved = first.post(url, data={**data, "personal_notes": "الملاحظة الثانية",
                                  "record_version": version_first})
    assert saved.status_code == 302
    with app.app_context():
        current = db.session.get(Case, case.id)
        assert current.personal.notes == "الملاحظة الثانية"
        assert current.version == int(version_first) + 1
    last = history(app, case)[-1]
    assert last["action"] == "update" and last["version"] == int(version_first) + 1
    assert last["changes"] == {"personal.notes": ["•••", "•••"]}, "masked, on the case"
    stale = second.post(url, data={**data, "personal_notes": "ملاحظة قديمة",
                                   "record_version": version_second})
    assert stale.status_code == 200
    assert "Someone else saved this record" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, case.id).personal.notes == "الملاحظة الثانية"
    # nothing personal reaches the trail in clear
    with app.app_context():
        trail = " ".join(e.changes for e in db.session.scalars(db.select(AuditEntry)))
    assert "الملاحظة" not in trail and "سلمى" not in trail


def test_an_unchanged_save_moves_no_version(app, world, login):
    _model, data, _f, _v = office_forms(world)["meetings"]
    client = login("coordinator_a")
    assert client.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
    url = f"/meetings/edit/?id={meeting.id}"
    assert client.post(url, data={**data, "record_version": opened(client, url)}).status_code \
        == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting.id).version == 1

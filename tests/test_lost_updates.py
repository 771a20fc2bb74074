"""Two tabs, one record: a change to its collections or personal details is never undone."""

import json
import re

from test_records import office_forms

from coalition.database import db
from coalition.models import AuditEntry, Case, Meeting, Partner, User


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

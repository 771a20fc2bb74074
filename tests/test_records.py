"""A coordinator logs every kind of work through the admin screens, over real HTTP."""

import re

import pytest

from coalition.database import db
from coalition.models import (
    AdvocacyIssue,
    AwarenessActivity,
    Case,
    Contact,
    Event,
    Meeting,
    Partner,
    Publication,
    Training,
    Video,
)


def _errors(response) -> list[str]:
    """The error messages of a refused form, for assertion messages."""
    html = response.get_data(as_text=True)
    found = re.findall(r'(?:alert-[a-z]+|invalid-feedback|help-block)[^>]*>(.*?)</', html, re.S)
    return [" ".join(text.split()) for text in found]


def office_forms(world) -> dict:
    """endpoint -> (model, valid form data, field changed on edit, new value)."""
    office, track, project = str(world["office_a"]), str(world["track_1"]), str(world["project"])
    tagged = {"office": office, "track": track, "project": project}
    return {
        "meetings": (Meeting, {**tagged, "date": "2024-03-05", "counterpart_category": "tr_ngo",
                               "topic": "لقاء مع جمعية تركية", "city": "إسطنبول"},
                     "topic", "لقاء معدل"),
        "trainings": (Training, {**tagged, "title": "ورشة الامتثال", "training_kind": "workshop",
                                 "start_date": "2024-03-01", "end_date": "2024-03-02",
                                 "hours": "6", "participants": "25", "trainers": "2"},
                      "title", "ورشة معدلة"),
        "videos": (Video, {**tagged, "title": "فيديو توعوي", "video_kind": "awareness_video",
                           "published_on": "2024-02-01", "platform": "youtube",
                           "link": "https://example.org/v/1", "views": "100"},
                   "title", "فيديو معدل"),
        "awareness_activities": (AwarenessActivity, {**tagged, "title": "جلسة توعية",
                                                     "date": "2024-04-01", "attendees": "30"},
                                 "title", "جلسة معدلة"),
        "events": (Event, {**tagged, "title": "ندوة", "event_kind": "webinar",
                           "date": "2024-05-01", "online": "y", "attendees": "80"},
                   "title", "ندوة معدلة"),
        "cases": (Case, {**tagged, "opened_on": "2024-01-10", "problem_category": "residence",
                         "consultation_outcome": "directed_to_procedure", "mediation":
                         "immigration", "court_referral": "none", "status": "follow_up"},
                  "problem_category", "work"),
        "publications": (Publication, {**tagged, "title": "ورقة سياسات",
                                       "publication_kind": "policy_paper", "date": "2022-07-17",
                                       "word_count": "1300"},
                         "title", "ورقة معدلة"),
        "advocacy_issues": (AdvocacyIssue, {**tagged, "title": "قضية", "raised_on": "2024-01-01",
                                            "status": "raised"},
                            "title", "قضية معدلة"),
        "partners": (Partner, {"name_ar": "جمعية شريكة", "name_latin": "Partner Assoc.",
                               "origin": "turkish", "sector": "ngo",
                               "partnership_status": "active",
                               "partnership_start": "2023-01-01"},
                     "name_latin", "Partner Association"),
        "contacts": (Contact, {"name": "أحمد الحلبي", "contact_kind": "person",
                               "organisation": "رئاسة الهجرة", "category": "government"},
                     "title", "مدير"),
    }


@pytest.mark.parametrize("endpoint", list(office_forms({"office_a": 1, "track_1": 1,
                                                         "project": 1})))
def test_coordinator_creates_edits_and_deletes(app, world, login, endpoint):
    model, data, field, new_value = office_forms(world)[endpoint]
    client = login("coordinator_a")

    created = client.post(f"/{endpoint}/new/", data=data)
    assert created.status_code == 302, _errors(created)
    with app.app_context():
        record = db.session.query(model).one()
        record_id, version = record.id, record.version
        assert record.created_by.username == "coord_a" and record.created_at is not None

    listed = client.get(f"/{endpoint}/")
    assert listed.status_code == 200

    edited = client.post(f"/{endpoint}/edit/?id={record_id}",
                         data={**data, field: new_value, "record_version": str(version)})
    assert edited.status_code == 302, _errors(edited)
    with app.app_context():
        record = db.session.get(model, record_id)
        assert getattr(record, field) == new_value
        assert record.version == version + 1 and record.updated_by.username == "coord_a"

    assert client.get(f"/{endpoint}/details/?id={record_id}").status_code == 200
    deleted = client.post(f"/{endpoint}/delete/", data={"id": str(record_id)})
    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.get(model, record_id).deleted_at is not None  # in the trash
    assert client.get(f"/{endpoint}/details/?id={record_id}").status_code == 404


def test_coordinator_cannot_touch_another_offices_records(app, world, login):
    data = office_forms(world)["meetings"][1]
    client_a = login("coordinator_a")
    assert client_a.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting_id = db.session.query(Meeting).one().id
    client_b = login("coordinator_b")
    assert client_b.get(f"/meetings/details/?id={meeting_id}").status_code == 200  # may read
    assert client_b.get(f"/meetings/edit/?id={meeting_id}").status_code == 403
    assert client_b.post(f"/meetings/edit/?id={meeting_id}",
                         data={**data, "topic": "x"}).status_code == 403
    assert client_b.post("/meetings/delete/", data={"id": str(meeting_id)}).status_code == 403
    # nor create one in office A by posting its id
    refused = client_b.post("/meetings/new/", data={**data, "topic": "دخيل"})
    assert refused.status_code == 200
    with app.app_context():
        assert db.session.query(Meeting).count() == 1


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


@pytest.mark.parametrize("endpoint,bad,field", [
    ("trainings", {"end_date": "2024-02-01"}, "end_date"),
    ("trainings", {"hours": "-3"}, "hours"),
    ("videos", {"link": "not a link"}, "link"),
    ("meetings", {"topic": ""}, "topic"),
    ("meetings", {"counterpart_category": ""}, "counterpart_category"),
    ("events", {"attendees": "-1"}, "attendees"),
])
def test_invalid_input_is_refused_next_to_the_field(app, world, login, endpoint, bad, field):
    model, data, _f, _v = office_forms(world)[endpoint]
    response = login("coordinator_a").post(f"/{endpoint}/new/", data={**data, **bad})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="invalid-feedback"' in page or "help-block" in page
    assert f'id="{field}"' in page
    with app.app_context():
        assert db.session.query(model).count() == 0


def test_the_same_contact_is_not_entered_twice(app, world, login):
    client = login("coordinator_a")
    data = office_forms(world)["contacts"][1]
    assert client.post("/contacts/new/", data=data).status_code == 302
    variant = {**data, "name": "احمد  الحلبيّ", "organisation": "رئاسه الهجره"}
    assert client.post("/contacts/new/", data=variant).status_code == 200
    with app.app_context():
        assert db.session.query(Contact).count() == 1


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


def test_partner_lookup_is_ajax_and_skips_the_trash(app, world, login):
    client = login("coordinator_a")
    data = office_forms(world)["partners"][1]
    client.post("/partners/new/", data=data)
    client.post("/partners/new/", data={**data, "name_ar": "جمعية ثانية", "name_latin": "Second"})
    with app.app_context():
        second = db.session.query(Partner).filter_by(name_latin="Second").one()
    client.post("/partners/delete/", data={"id": str(second.id)})
    found = client.get("/meetings/ajax/lookup/?name=partners&query=جمعية").get_json()
    # the Latin name is bidi-isolated inside the Arabic one
    assert [label for _id, label in found] == ["جمعية شريكة \u2068(Partner Assoc.)\u2069"]


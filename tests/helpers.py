"""What tests share: a factory per record type, the admin forms' data, signing in.

Factories run inside an application context, add one record with sensible defaults (any
field can be given), commit, and return it. Tests import from here, never from each other.
"""

import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from coalition.database import db
from coalition.models import (
    AdvocacyIssue,
    AwarenessActivity,
    Campaign,
    Case,
    CasePersonal,
    Contact,
    Event,
    Indicator,
    Meeting,
    MonitoringFigure,
    Office,
    Partner,
    Place,
    Project,
    Publication,
    Testimony,
    TestimonyStatement,
    Track,
    Training,
    User,
    Video,
)

#: the password of every user the `world` fixture and `make_user` create
PASSWORD = "correct horse battery staple"
#: the password of the demo users in the `demo` fixture
DEMO_PASSWORD = "demo password 1"
#: where browser tests leave their screenshots (ignored by git)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: a day inside the demo's and the tests' reporting year
DAY = date(2024, 1, 1)
#: the name kept in the personal details of a case made by `make_case`
SECRET_NAME = "سلمى الشامي"

_serial = itertools.count(1)


def _saved(record: Any) -> Any:
    """Add and commit one record; return it."""
    db.session.add(record)
    db.session.commit()
    return record


# --- the coalition's frame: offices, tracks, projects, users ---------------------------------
def make_office(code: str | None = None, **fields: Any) -> Office:
    """An office; each call gets its own code."""
    code = code or f"office{next(_serial)}"
    return _saved(Office(code=code, **{"name_ar": f"مكتب {code}", "name_en": code, **fields}))


def make_track(code: str | None = None, **fields: Any) -> Track:
    """A strategic track."""
    code = code or f"track{next(_serial)}"
    return _saved(Track(code=code, **{"name_ar": f"مسار {code}", "name_en": code, **fields}))


def make_project(code: str | None = None, **fields: Any) -> Project:
    """A funded project."""
    code = code or f"project{next(_serial)}"
    return _saved(Project(code=code, **{"name_ar": f"مشروع {code}", "name_en": code, **fields}))


def make_user(role: str, username: str | None = None, office: Office | None = None,
              password: str = PASSWORD, **fields: Any) -> User:
    """A user of a role (a coordinator needs an office), who signs in with `password`."""
    user = User(username=username or f"{role}{next(_serial)}", role=role, office=office,
                **fields)
    user.set_password(password)
    return _saved(user)


# --- the work of an office -------------------------------------------------------------------
def make_meeting(office_id: int, **fields: Any) -> Meeting:
    """A comprehensive meeting of an office."""
    return _saved(Meeting(office_id=office_id, **{"date": DAY, "comprehensive": True,
                                                  "topic": "اجتماع", **fields}))


def make_training(office_id: int, **fields: Any) -> Training:
    """A training or workshop of an office."""
    return _saved(Training(office_id=office_id, **{"title": "ورشة", "start_date": DAY,
                                                   **fields}))


def make_video(office_id: int, **fields: Any) -> Video:
    """A published video of an office."""
    return _saved(Video(office_id=office_id, **{"title": "فيديو", "published_on": DAY,
                                                **fields}))


def make_awareness_activity(office_id: int, **fields: Any) -> AwarenessActivity:
    """An awareness activity of an office."""
    return _saved(AwarenessActivity(office_id=office_id, **{"title": "نشاط", "date": DAY,
                                                            **fields}))


def make_event(office_id: int, **fields: Any) -> Event:
    """An event of an office."""
    return _saved(Event(office_id=office_id, **{"title": "فعالية", "date": DAY, **fields}))


def make_publication(office_id: int, **fields: Any) -> Publication:
    """A publication of an office."""
    return _saved(Publication(office_id=office_id, **{"title": "تقرير", "date": DAY, **fields}))


def make_advocacy_issue(office_id: int, **fields: Any) -> AdvocacyIssue:
    """An advocacy issue an office raised."""
    return _saved(AdvocacyIssue(office_id=office_id, **{"title": "قضية", "raised_on": DAY,
                                                        **fields}))


def make_case(office_id: int, personal: dict[str, str] | None = None, **fields: Any) -> Case:
    """A case with consent and personal details (by default a name, phone, id and notes)."""
    details = personal if personal is not None else {
        "full_name": SECRET_NAME, "phone": "+90 555 111 2233", "id_number": "99123456789",
        "notes": "ملاحظة سرية"}
    fields = {"opened_on": DAY, "consent_given": True, "consent_date": DAY, **fields}
    return _saved(Case(office_id=office_id, personal=CasePersonal(**details), **fields))


def make_partner(**fields: Any) -> Partner:
    """A partner organisation; each call gets its own name."""
    return _saved(Partner(**{"name_ar": f"شريك {next(_serial)}", "origin": "syrian",
                             "sector": "ngo", **fields}))


def make_contact(**fields: Any) -> Contact:
    """A contact of the directory; each call gets its own name."""
    return _saved(Contact(**{"name": f"أحمد {next(_serial)}", "organisation": "جهة",
                             **fields}))


# --- monitoring ---------------------------------------------------------------------------------
def make_indicator(code: str | None = None, **fields: Any) -> Indicator:
    """An indicator (deportations by default, if no other has that code yet)."""
    code = code or f"indicator_{next(_serial)}"
    return _saved(Indicator(**{"code": code, "name_ar": f"مؤشر {code}", "name_en": code,
                               **fields}))


def make_place(code: str | None = None, **fields: Any) -> Place:
    """A place figures stand at; a border crossing unless told otherwise."""
    code = code or f"place_{next(_serial)}"
    return _saved(Place(**{"code": code, "name_ar": f"معبر {code}", "name_en": code,
                           "place_kind": "crossing", **fields}))


def _named(model: type, code: str, factory) -> Any:
    """The record of that code, made if it is not there yet."""
    return db.session.query(model).filter_by(code=code).one_or_none() or factory(code)


def make_monitoring_figure(office_id: int, **fields: Any) -> MonitoringFigure:
    """A deportation flow of January 2024 through Tel Abyad, unless told otherwise."""
    if "indicator" not in fields and "indicator_id" not in fields:
        fields["indicator"] = _named(Indicator, "deportations", make_indicator)
    if "place" not in fields and "place_id" not in fields:
        fields["place"] = _named(Place, "tel_abyad", make_place)
    if fields.get("measure") == "stock":
        fields.setdefault("as_of", DAY)
    else:
        fields.setdefault("period_start", DAY)
        fields.setdefault("period_end", date(2024, 1, 31))
    return _saved(MonitoringFigure(**{"office_id": office_id, "value": 100,
                                      "source_name": "إدارة المعبر", **fields}))


#: the statement kept by a testimony made by `make_testimony`
SECRET_STATEMENT = "أفاد الشاهد أنه أُجبر على التوقيع في مركز الترحيل"


def make_testimony(office_id: int, statement: str | None = SECRET_STATEMENT,
                   **fields: Any) -> Testimony:
    """An anonymous testimony of July 2024, with consent to reports and its statement."""
    testimony = Testimony(**{
        "office_id": office_id, "taken_on": date(2024, 7, 10), "witness_pseudonym":
        f"الشاهد {next(_serial)}", "subject": "forced_deportation", "anonymous": True,
        "consent_given": True, "consent_reports": True, "kimlik": True,
        "summary": "ملخص قابل للنشر", **fields})
    if statement:
        testimony.statement = TestimonyStatement(text=statement)
    return _saved(testimony)


def make_campaign(office_id: int, **fields: Any) -> Campaign:
    """An advocacy campaign of an office, started in 2024; each call gets its own code."""
    code = fields.pop("code", None) or f"campaign_{next(_serial)}"
    return _saved(Campaign(**{"office_id": office_id, "code": code,
                              "name_ar": f"حملة {code}", "name_en": code, "start_date": DAY,
                              "aim": "المناصرة لقضية المعتقلين", **fields}))


#: admin endpoint -> the factory of one of its records in an office (None: not an office's)
FACTORIES = {
    "meetings": make_meeting, "trainings": make_training, "videos": make_video,
    "awareness_activities": make_awareness_activity, "events": make_event,
    "publications": make_publication, "advocacy_issues": make_advocacy_issue,
    "cases": make_case, "contacts": None, "partners": None,
    "monitoring_figures": make_monitoring_figure, "testimonies": make_testimony,
    "campaigns": make_campaign,
    "monitoring_indicators": None,
    "monitoring_places": None,
}


# --- the admin forms --------------------------------------------------------------------------
def office_forms(world: dict) -> dict[str, tuple[type, dict[str, str], str, str]]:
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
        "monitoring_figures": (MonitoringFigure, {
            **tagged, "indicator": str(world["indicator"]), "place": str(world["crossing"]),
            "measure": "flow",
            "period_start": "2024-03-01", "period_end": "2024-03-31", "value": "1500",
            "source_name": "إدارة المعبر", "source_kind": "crossing_administration",
            "source_wording": "مغادرة الأراضي التركية", "reliability": "probable"},
            "value", 1700),
        "testimonies": (Testimony, {
            **tagged, "taken_on": "2024-07-10", "subject": "forced_deportation",
            "witness_pseudonym": "الشاهد أ", "anonymous": "y", "consent_given": "y",
            "consent_reports": "y", "kimlik": "y", "signed_voluntary_return": "y",
            "crossing": str(world["crossing"]), "summary": "رُحّل رغم حمله الكملك"},
            "held_before_removal", "مركز ترحيل"),
        "campaigns": (Campaign, {
            **tagged, "code": "detainees_campaign", "name_ar": "حملة إنقاذ المعتقلين",
            "name_en": "Save the Detainees", "start_date": "2024-01-01",
            "aim": "التعريف بقضية المعتقلين", "demands": "الكشف عن مصير المختفين قسرياً"},
            "aim", "هدف معدل"),
        "monitoring_indicators": (Indicator, {"code": "arrests", "name_ar": "الاعتقالات",
                                              "name_en": "Arrests"}, "name_en", "Arrests made"),
        "monitoring_places": (Place, {"code": "kilis", "name_ar": "كلس", "name_en": "Kilis",
                                      "place_kind": "city"}, "name_en", "Kilis city"),
        "contacts": (Contact, {"name": "أحمد الحلبي", "contact_kind": "person",
                               "organisation": "رئاسة الهجرة", "category": "government"},
                     "title", "مدير"),
    }


def form_errors(response) -> list[str]:
    """The error messages of a refused form, for assertion messages."""
    html = response.get_data(as_text=True)
    found = re.findall(r'(?:alert-[a-z]+|invalid-feedback|help-block)[^>]*>(.*?)</', html, re.S)
    return [" ".join(text.split()) for text in found]


def check_create_edit_delete(app: Flask, world: dict, client: FlaskClient, endpoint: str) -> None:
    """A coordinator creates, lists, edits, opens and deletes one record through its screen."""
    model, data, field, new_value = office_forms(world)[endpoint]
    created = client.post(f"/{endpoint}/new/", data=data)
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        record = db.session.query(model).one()
        record_id, version = record.id, record.version
        assert record.created_by.username == "coord_a" and record.created_at is not None

    assert client.get(f"/{endpoint}/").status_code == 200
    edited = client.post(f"/{endpoint}/edit/?id={record_id}",
                         data={**data, field: new_value, "record_version": str(version)})
    assert edited.status_code == 302, form_errors(edited)
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


def check_refused_next_to_the_field(app: Flask, world: dict, client: FlaskClient,
                                    endpoint: str, bad: dict[str, str], field: str) -> None:
    """A form with one bad value is shown again, the message at that field, nothing saved."""
    model, data, _f, _v = office_forms(world)[endpoint]
    response = client.post(f"/{endpoint}/new/", data={**data, **bad})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="invalid-feedback"' in page or "help-block" in page
    assert f'id="{field}"' in page
    with app.app_context():
        assert db.session.query(model).count() == 0


# --- signing in ---------------------------------------------------------------------------------
def sign_in(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    """A test client signed in over HTTP as this user."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return client


# --- the Detainees Office -------------------------------------------------------------------
def make_person(office_id: int, **fields: Any):
    """A documented person (by default محمد أحمد الحلبي, mother فاطمة, born 1990, detained)."""
    from coalition.detainees.models import Person

    return _saved(Person(office_id=office_id, **{
        "documented_on": DAY, "first_name": "محمد", "father_name": "أحمد",
        "family_name": "الحلبي", "mother_name": "فاطمة", "sex": "male", "birth_year": 1990,
        "governorate": "aleppo", "status": "detained", **fields}))


def make_episode(person, **fields: Any):
    """A detention episode of a person."""
    from coalition.detainees.models import DetentionEpisode

    return _saved(DetentionEpisode(person=person, **{
        "arrested_on": date(2013, 5, 1), "detaining_party": "government_forces", **fields}))


def make_informant(person, **fields: Any):
    """The family member who reported a person."""
    from coalition.detainees.models import Informant

    return _saved(Informant(person=person, **{
        "relationship_to_person": "mother", "name": "أم محمد", "phone": "+90 555 765 4321",
        **fields}))


def make_external_body(code: str = "icrc", **fields: Any):
    """An external body: the migration's, or a new one once a test emptied the tables."""
    from coalition.detainees.models import ExternalBody

    body = db.session.query(ExternalBody).filter_by(code=code).one_or_none() or ExternalBody(
        code=code)
    values = {"name_ar": f"جهة {code}", "name_en": code.upper(),
              "shared_fields": "reference,first_name,family_name,sex,birth_year,status,facility",
              **fields}
    for name, value in values.items():
        setattr(body, name, value)
    return _saved(body)


def make_consent(person, purpose: str = "documentation", **fields: Any):
    """A consent the family gave for one purpose."""
    from coalition.detainees.models import Consent

    return _saved(Consent(person=person, purpose=purpose, **{
        "given": True, "given_on": DAY, **fields}))


def make_support(person, **fields: Any):
    """Support given to a person's family by the person's office."""
    from coalition.detainees.models import FamilySupport

    return _saved(FamilySupport(person=person, office_id=person.office_id, **{
        "date": DAY, "kind": "individual_psych", **fields}))


def person_form(world: dict, office: str = "office_a", **fields: str) -> dict[str, str]:
    """The data of a valid person form."""
    return {"office": str(world[office]), "documented_on": "2024-02-01",
            "first_name": "أسامة", "father_name": "عبد الله", "family_name": "المصري",
            "mother_name": "خديجة", "sex": "male", "birth_year": "1985",
            "governorate": "damascus", "status": "disappeared", "confidentiality": "office",
            "civil_id": "0101234567", **fields}


def _part(make):
    return lambda office_id: make(make_person(office_id))


#: the Detainees Office's screens -> the factory of one of their records in an office
DETAINEE_FACTORIES = {
    "detainees": make_person,
    "detention_episodes": _part(make_episode),
    "detainee_consents": _part(make_consent),
    "family_support": _part(make_support),
    "detainee_informants": _part(lambda person: make_informant(person)),
    "external_bodies": lambda _office_id: make_external_body(f"body{next(_serial)}"),
}

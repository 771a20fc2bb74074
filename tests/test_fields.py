"""One declaration, one verdict: the same values get the same answer on the form and in the
import, and a record reads the way a person reads it on its page and in its history."""

import io
import re
from html import unescape

import openpyxl
import pytest
from flask_babel import force_locale

from coalition.database import db
from coalition.fields import REQUIRED, Field, Fields, problems, shown
from coalition.imports.importer import Actor, import_workbook
from coalition.imports.layout import IMPORT_SHEETS_BY_NAME
from coalition.models import Meeting

LONG = "ط" * 501

#: sheet -> (form endpoint, good values as typed,
#:           [(field, bad value as typed, the message[, the field it is reported on])])
CASES = {
    "meetings": ("meetings", {"date": "2024-03-05", "counterpart_category": "tr_ngo",
                              "topic": "لقاء مع جمعية تركية", "city": "إسطنبول"}, [
        ("counterpart_category", "", "Choose the counterpart category, or mark the meeting "
                                     "as within-track."),
        ("topic", LONG, "Too long: at most 500 characters."),
        ("topic", "", str(REQUIRED)),
    ]),
    "trainings": ("trainings", {"title": "ورشة", "training_kind": "training",
                                "start_date": "2024-03-01", "end_date": "2024-03-02",
                                "hours": "6", "participants": "25", "trainers": "2"}, [
        ("end_date", "2024-02-01", "The end date cannot be before the start."),
        ("hours", "-1", "Must be zero or more."),
        ("participants", "-3", "Must be zero or more."),
        ("women", "30", "A part cannot be more than the total (25)."),
        ("title", "", str(REQUIRED)),
    ]),
    "videos": ("videos", {"title": "فيديو", "video_kind": "reel", "published_on": "2024-02-01",
                          "platform": "youtube", "link": "https://example.org/v", "views": "9"}, [
        ("link", "example.org/v", "Enter a full link, e.g. https://…"),
        ("views", "-5", "Must be zero or more."),
    ]),
    "activities": ("awareness_activities", {"title": "جلسة", "date": "2024-04-01",
                                            "attendees": "30"}, [
        ("attendees", "-1", "Must be zero or more."),
        ("date", "", str(REQUIRED)),
    ]),
    "events": ("events", {"title": "ندوة", "event_kind": "webinar", "date": "2024-05-01",
                          "attendees": "80", "women": "50"}, [
        ("men", "20", "Women and men make 70, but the total is 80."),
        ("title", "ن" * 301, "Too long: at most 300 characters."),
    ]),
    "publications": ("publications", {"title": "ورقة", "publication_kind": "guide",
                                      "date": "2022-07-17", "word_count": "1300"}, [
        ("word_count", "-1", "Must be zero or more."),
        ("link", "www.example.org", "Enter a full link, e.g. https://…"),
    ]),
    "partners": ("partners", {"name_ar": "جمعية", "origin": "turkish", "sector": "ngo",
                              "partnership_status": "proposed"}, [
        ("partnership_status", "active", "A partnership needs its start date.",
         "partnership_start"),
        ("origin", "", str(REQUIRED)),
    ]),
    "contacts": ("contacts", {"name": "أحمد", "contact_kind": "person",
                              "category": "government", "email": "ahmad@example.org"}, [
        ("email", "ahmad@", "Enter a valid email."),
        ("name", "", str(REQUIRED)),
    ]),
    "cases": ("cases", {"opened_on": "2024-01-10", "problem_category": "residence",
                        "mediation": "none", "court_referral": "none", "status": "open"}, [
        ("status", "closed", "A closed case needs its closing date.", "closed_on"),
        ("court_referral", "sponsored",
         "Give the result of the court referral (it may be 'under follow-up').",
         "referral_result"),
    ]),
}


def _form_messages(client, endpoint: str, data: dict) -> tuple[int, str]:
    """Post a create form; its status and the text of the page."""
    response = client.post(f"/{endpoint}/new/", data=data)
    return response.status_code, unescape(response.get_data(as_text=True))


def _import_problems(app, sheet: str, values: dict, office_code: str) -> list[tuple[str, str]]:
    """A one-row workbook of the sheet through the import (dry run): (field, message) pairs."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    row = {**values}
    if IMPORT_SHEETS_BY_NAME[sheet].office_work:
        row["office"] = office_code
    ws.append(list(row))
    ws.append([value or None for value in row.values()])
    out = io.BytesIO()
    book.save(out)
    with app.test_request_context(), force_locale("en"):
        report = import_workbook(out.getvalue(), actor=Actor(None), dry_run=True)
        return [(problem.field, problem.message) for problem in report.problems]


@pytest.mark.parametrize("sheet", list(CASES))
def test_form_and_import_give_the_same_verdicts_and_messages(app, world, login, sheet):
    endpoint, good, bad_values = CASES[sheet]
    client = login("admin")
    client.post("/language/en", data={"next": "/"})
    office = {"office": str(world["office_a"])} if IMPORT_SHEETS_BY_NAME[sheet].office_work else {}

    status, _page = _form_messages(client, endpoint, {**good, **office})
    assert status == 302, "the form refused good values"
    assert _import_problems(app, sheet, good, "detainees") == []

    for field, value, message, *on in bad_values:
        status, page = _form_messages(client, endpoint, {**good, **office, field: value})
        assert status == 200 and message in page, (field, value, message)
        reported = on[0] if on else field
        assert (reported, message) in _import_problems(app, sheet, {**good, field: value},
                                                       "detainees"), (field, value)


def test_problems_judge_only_the_fields_given_and_skip_rules_on_bad_fields():
    fields = Fields(Field("a", "A", required=True), Field("b", "B", minimum=0),
                    rules=lambda values: [("b", "rule")] if values.get("b") is None else [])
    assert problems(fields, {"b": 1}, given=["b"]) == []
    assert problems(fields, {"b": -1}) == [("b", "Must be zero or more.")]
    assert problems(fields, {"a": ""}) == [("a", str(REQUIRED)), ("b", "rule")]


def test_a_meeting_reads_as_a_person_reads_it_on_its_page_and_in_its_history(
        app, world, login):
    client = login("coordinator_a")
    data = {"date": "2024-03-05", "office": str(world["office_a"]), "counterpart_category":
            "tr_government", "government": "y", "topic": "لقاء الوالي", "city": "غازي عنتاب"}
    assert client.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting = db.session.scalars(db.select(Meeting)).one()
        meeting_id, version = meeting.id, meeting.version
    edited = {**data, "comprehensive": "y", "counterpart_category": "sy_institution",
              "track": str(world["track_1"]), "record_version": str(version)}
    del edited["government"]
    assert client.post(f"/meetings/edit/?id={meeting_id}", data=edited).status_code == 302

    page = unescape(client.get(f"/meetings/details/?id={meeting_id}").get_data(as_text=True))
    text = re.sub(r"<[^>]+>", " ", page)
    for stored in ("True", "False", "tr_government", "sy_institution", "office_id",
                   "track_id", "counterpart_category", "created_by_id", "Created By Id"):
        assert stored not in text, stored
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", text), "microseconds shown"
    history = text[text.index("سجل") if "سجل" in text else 0:]
    assert "المؤسسات السورية" in history  # the new category, by its Arabic label
    assert "مكتب الحماية" in history  # the office by its name, not its id
    assert "نعم" in history and "لا" in history  # yes/no in Arabic


def test_shown_masks_personal_values_and_reads_codes_and_flags(app):
    with app.test_request_context(), force_locale("ar"):
        assert shown(Field("x", "x", personal=True), "سر") == "•••"
        assert shown(None, True) == "نعم" and shown(None, None) == "—"
        assert shown(Meeting.fields.get("counterpart_category"), "intl") == str(
            Meeting.fields.get("counterpart_category").choices.label("intl"))

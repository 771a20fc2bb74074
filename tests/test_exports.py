"""Exports: the donor workbook carries the API's figures and the period's records, never a
person's details; list exports carry the list on screen; each only for those allowed."""

import csv
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from flask import render_template_string
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import force_locale
from flask_login import login_user
from openpyxl import load_workbook
from sqlalchemy import select

from coalition.database import db
from coalition.kpis.definitions import BY_KEY, KPIS
from coalition.kpis.visibility import SUPPRESSED, marker
from coalition.models import (
    AwarenessActivity,
    Case,
    CasePersonal,
    Event,
    Meeting,
    Office,
    Partner,
    Publication,
    Training,
    User,
    Video,
)
from tests.helpers import DEMO_PASSWORD, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the workbook's sheets, in order
COVER, SUMMARY, MEETINGS, TRAININGS, VIDEOS, ACTIVITIES, PARTNERSHIPS, PUBLICATIONS = range(8)
YEAR = {"from": "2024-01-01", "to": "2024-12-31"}
FORMULAS = ['=HYPERLINK("http://x","y")', "+SUM(A1:A3)", "-2+3", "@cmd", "\tcalc", "\rcalc"]


# --- helpers ---------------------------------------------------------------------------------
def workbook(response):
    """The workbook a response carries."""
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def donor_file(client, args: dict | None = None):
    """Ask for the donor workbook (a background job), follow it to its page, fetch its file."""
    started = client.post("/exports/donor.xlsx", query_string=args or {})
    assert started.status_code == 303, started.get_data(as_text=True)[:800]
    page = client.get(started.headers["Location"])
    assert page.status_code == 200, page.get_data(as_text=True)[:800]
    link = re.search(r'id="job-file" href="([^"]+)"', page.get_data(as_text=True))
    assert link, page.get_data(as_text=True)[:2000]
    return client.get(link.group(1))


def donor(client, **args):
    """The donor workbook for these filters."""
    return workbook(donor_file(client, args))


def api(client, **args) -> dict:
    """The API's figures for these filters."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["kpis"]


def summary(book) -> dict[str, tuple]:
    """The Summary's figures: key -> (label, this period, previous period)."""
    figures = {}
    for label, value, before, key in book.worksheets[SUMMARY].iter_rows(
            min_row=2, max_col=4, values_only=True):
        if key is None:
            break
        figures[key] = (label, value, before)
    return figures


def records(book, sheet: int) -> list[tuple]:
    """The rows of a record sheet, under its header."""
    return list(book.worksheets[sheet].iter_rows(min_row=2, values_only=True))


def day(value) -> date:
    """A date cell's value as a date (openpyxl reads dates as datetimes)."""
    assert isinstance(value, datetime), value
    return value.date()


def as_donors_see(client, **args) -> dict:
    """The API's figures for these filters as a donor gets them, a hidden one as the word
    the workbook writes in its place (in English)."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_json()
    figures = response.get_json()
    assert set(figures["hidden"].values()) <= {"suppressed"}
    return {key: "hidden" if key in figures["hidden"] else value
            for key, value in figures["kpis"].items()}


def every_text(book) -> str:
    """The text of every cell of every sheet, one per line."""
    return "\n".join(str(cell) for ws in book.worksheets
                     for row in ws.iter_rows(values_only=True) for cell in row if cell is not None)


def raw_text(data: bytes) -> str:
    """Every part of an xlsx file (sheets, charts, properties) as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "\n".join(package.read(name).decode("utf-8", "replace")
                         for name in package.namelist())


def personal_values() -> list[str]:
    """Every personal value and reference of every case in the database."""
    values = [value for person in db.session.scalars(select(CasePersonal))
              for value in (person.full_name, person.phone, person.id_number, person.notes)]
    values += db.session.scalars(select(Case.reference)).all()
    return [value for value in values if value]


def filter_arg(app, endpoint: str, column) -> str:
    """The list page's argument name of the "equals" filter on a column."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    return next(f"flt0_{arg}" for arg, (_i, flt) in view._filter_args.items()
                if type(flt) is FilterEqual and flt.column is column)


# --- a small dataset -------------------------------------------------------------------------
@pytest.fixture
def records_2024(app, world):
    """Office A's work around 2024, at the edges of the year, with a few cases."""
    a, b = world["office_a"], world["office_b"]
    work = {"office_id": a, "track_id": world["track_1"]}
    with app.app_context():
        partner = Partner(name_ar="جمعية شريكة", name_latin="Partner Society", origin="turkish",
                          sector="ngo", partnership_status="active",
                          partnership_start=date(2022, 1, 1))
        db.session.add_all([
            partner,
            Partner(name_ar="شراكة منتهية", origin="syrian", sector="ngo",
                    partnership_status="ended", partnership_start=date(2022, 1, 1),
                    partnership_end=date(2023, 6, 30)),
            Partner(name_ar="شراكة مقترحة", origin="arab", sector="ngo",
                    partnership_status="proposed", partnership_start=date(2024, 1, 1)),
        ])
        for when, category in ((date(2023, 12, 31), "tr_ngo"), (date(2024, 1, 1), "intl"),
                               (date(2024, 7, 15), "tr_government"),
                               (date(2024, 12, 31), "tr_government"),
                               (date(2025, 1, 1), "tr_ngo")):
            db.session.add(Meeting(date=when, counterpart_category=category,
                                   government=category == "tr_government",
                                   topic=f"لقاء {when}", outcome="نتيجة سرية للقاء",
                                   follow_up="متابعة سرية", partners=[partner], **work))
        db.session.add_all([
            Meeting(date=date(2024, 5, 5), comprehensive=True, topic="في سلة المهملات",
                    deleted_at=datetime(2024, 6, 1), **work),
            Meeting(date=date(2024, 3, 3), counterpart_category="sy_media",
                    topic="لقاء المكتب ب", office_id=b),
            Training(title="ورشة أولى", training_kind="workshop", start_date=date(2024, 1, 1),
                     hours=6.5, participants=20, trainers=2, notes="ملاحظة داخلية", **work),
            Training(title="دورة أخيرة", training_kind="course", start_date=date(2024, 12, 31),
                     hours=10, participants=12, trainers=1, **work),
            Training(title="ورشة سابقة", start_date=date(2023, 12, 31), **work),
            Video(title="فيديو توعوي", video_kind="awareness_video",
                  published_on=date(2024, 2, 2), views=100, **work),
            Video(title="ريلز", video_kind="reel", published_on=date(2024, 2, 3), **work),
            AwarenessActivity(title="جلسة توعية", date=date(2024, 1, 1), attendees=30,
                              topic="موضوع داخلي", partners=[partner], **work),
            Event(title="ندوة", event_kind="webinar", date=date(2024, 12, 31), attendees=80,
                  **work),
            Event(title="ندوة لاحقة", event_kind="webinar", date=date(2025, 1, 1), **work),
            Publication(title="ورقة سياسات", publication_kind="policy_paper",
                        date=date(2024, 6, 1), word_count=1300, summary="ملخص", **work),
        ])
        # 2024: 9 cases; 3, 4, 2 and 1 of them are small breakdowns, 5 is not
        cases = (3 * [("not_legally_possible", "immigration", "none", "follow_up")]
                 + [("directed_to_procedure", "immigration", "sponsored", "follow_up")]
                 + 4 * [("directed_to_procedure", "none", "none", "closed")]
                 + [("out_of_scope", "none", "none", "closed")])
        for n, (outcome, mediation, court, status) in enumerate(cases):
            db.session.add(Case(
                opened_on=date(2024, 1 + n, 10), consultation_outcome=outcome,
                mediation=mediation, court_referral=court,
                referral_result="follow_up" if court != "none" else None, status=status,
                closed_on=date(2024, 12, 20) if status == "closed" else None,
                consent_given=True, personal=CasePersonal(
                    full_name=f"Secret Person {n}", phone=f"+90 555 000 {n:04d}",
                    id_number=f"99SECRET{n:04d}", notes=f"=personal note {n}"), **work))
        db.session.add_all([
            Case(opened_on=date(2023, 5, 5), consultation_outcome="out_of_scope",
                 status="closed", closed_on=date(2023, 6, 1), **work),
            Case(opened_on=date(2024, 4, 4), consultation_outcome="out_of_scope",
                 status="closed", closed_on=date(2024, 6, 1), office_id=b, consent_given=True,
                 personal=CasePersonal(full_name="Office B Person", phone="+90 555 999 9999",
                                       id_number="99BBBB", notes="office b note")),
        ])
        db.session.commit()
    return world


# --- the Summary is the API ------------------------------------------------------------------
BEFORE = {"from": "2022-12-31", "to": "2023-12-31"}  # 2024 has 366 days


@pytest.mark.parametrize("args, previous", [
    ({}, None),
    (YEAR, BEFORE),
    ({"year": "2024"}, {"year": "2023"}),
    ({"year": "2024", "quarter": "1"}, {"year": "2023", "quarter": "4"}),
    ({**YEAR, "office": "A"}, {**BEFORE, "office": "A"}),
    ({**YEAR, "office": "B"}, {**BEFORE, "office": "B"}),
    ({**YEAR, "track": "1"}, {**BEFORE, "track": "1"}),
    ({"from": "2024-01-01"}, None),
])
def test_summary_holds_every_figure_of_the_api(records_2024, login, args, previous):
    names = {"A": records_2024["office_a"], "B": records_2024["office_b"],
             "1": records_2024["track_1"]}

    def named(asked: dict) -> dict:  # "A", "B", "1" stand for ids only as office or track
        return {key: names.get(value, value) if key in ("office", "track") else value
                for key, value in asked.items()}

    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **named(args))
    figures = summary(book)
    assert list(figures) == [kpi.key for kpi in KPIS]
    # whoever makes it, the workbook holds what donors see
    donors = login("donor")
    now = as_donors_see(donors, **named(args))
    before = as_donors_see(donors, **named(previous)) if previous else None
    for key, (label, value, previous_value) in figures.items():
        assert label == str(BY_KEY[key].label)
        assert value == now[key], key
        assert previous_value == (before[key] if before else None), key


def test_small_case_figures_are_hidden(records_2024, login):
    office_a = {**YEAR, "office": records_2024["office_a"]}
    now = api(login("leadership"), **office_a)
    assert (now["cases.total"], now["cases.by_outcome.not_legally_possible"],
            now["cases.under_follow_up"], now["cases.mediations"],
            now["cases.court_referrals"], now["cases.by_outcome.directed_to_procedure"]) == (
        9, 3, 4, 4, 1, 5)
    client = login("donor")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **office_a)
    figures = summary(book)
    assert figures["cases.total"][1] == 9  # the total is not a breakdown
    assert figures["cases.by_outcome.not_legally_possible"][1] == "hidden"
    assert figures["cases.under_follow_up"][1] == "hidden"
    assert figures["cases.mediations"][1] == "hidden"
    assert figures["cases.court_referrals"][1] == "hidden"
    assert figures["cases.by_outcome.directed_to_procedure"][1] == 5
    assert figures["meetings.by_counterpart.intl"][1] == 1  # not a case figure
    assert {key: value for key, (_l, value, _b) in figures.items()} == as_donors_see(
        client, **office_a)
    cover = [row[0] for row in book.worksheets[COVER].iter_rows(values_only=True) if row[0]]
    assert any("between 1 and 4" in line and "“hidden”" in line for line in cover)


def test_the_threshold_is_configurable_and_zero_turns_it_off(records_2024, login, app,
                                                               monkeypatch):
    client = login("donor")
    office_a = {**YEAR, "office": records_2024["office_a"]}
    monkeypatch.setitem(app.config, "DONOR_SUPPRESS_BELOW", 0)
    off = donor(client, **office_a)
    assert summary(off)["cases.by_outcome.not_legally_possible"][1] == 3
    assert "hidden" not in str([row[1] for row in off.worksheets[SUMMARY].iter_rows(
        values_only=True)])
    assert api(client, **office_a)["cases.by_outcome.not_legally_possible"] == 3
    monkeypatch.setitem(app.config, "DONOR_SUPPRESS_BELOW", 4)
    client.post("/language/en", data={"next": "/"})
    figures = summary(donor(client, **office_a))
    assert figures["cases.by_outcome.not_legally_possible"][1] == "hidden"
    assert figures["cases.under_follow_up"][1] == 4
    assert api(client, **office_a)["cases.under_follow_up"] == 4


def test_outcomes_have_shares_and_the_summary_has_native_charts(records_2024, login):
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **YEAR, office=records_2024["office_a"])
    ws = book.worksheets[SUMMARY]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] is None) + 1
    outcomes = rows[start + 1:start + 7]
    # 3 not possible, 5 to a procedure, 0 to legal action, 1 out of scope, 0 with none
    assert [row[1] for row in outcomes] == ["hidden", 5, 0, "hidden", 0, 9]
    # a hidden count has no share either: the share would give it away
    assert [row[2] for row in outcomes] == [None, pytest.approx(0.556), 0, None, 0, 1]
    # horizontal bars (a doughnut's labels piled up); the outcomes drawn from their shares,
    # so a count shown as "<5" draws no bar either
    charts = ws._charts
    assert [(type(chart).__name__, chart.type) for chart in charts] == [("BarChart", "bar")] * 2
    assert charts[0].series[0].val.numRef.f.endswith(f"!$C${start + 2}:$C${start + 6}")
    # below the tables (the last row read), after a page break: on a page of their own
    assert [brk.id for brk in ws.row_breaks.brk] == [len(rows)]
    assert [chart.anchor._from.row for chart in charts] == [len(rows), len(rows) + 20]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:C")


# --- the record sheets -----------------------------------------------------------------------
def test_record_sheets_hold_exactly_the_records_of_the_period(records_2024, login):
    client = login("leadership")
    book = donor(client, **YEAR)
    now = api(client, **YEAR)
    meetings = records(book, MEETINGS)
    assert [day(row[0]) for row in meetings] == [
        date(2024, 1, 1), date(2024, 3, 3), date(2024, 7, 15), date(2024, 12, 31)]
    assert len(meetings) == now["meetings.total"]
    trainings = records(book, TRAININGS)
    assert [day(row[0]) for row in trainings] == [date(2024, 1, 1), date(2024, 12, 31)]
    assert len(trainings) == now["trainings.total"]
    assert len(records(book, VIDEOS)) == now["videos.total"] == 2
    activities = records(book, ACTIVITIES)
    assert [(day(row[0]), row[1]) for row in activities] == [
        (date(2024, 1, 1), "جلسة توعية"), (date(2024, 12, 31), "ندوة")]
    assert len(activities) == now["awareness_activities.total"] + now["events.total"]
    partnerships = records(book, PARTNERSHIPS)
    assert [row[0] for row in partnerships] == ["جمعية شريكة"]
    assert len(partnerships) == now["partnerships.total"]
    assert len(records(book, PUBLICATIONS)) == now["publications.total"] == 1
    # the contents say how many rows each sheet has, and link to it
    contents = {cell.value: (cell.hyperlink.location, cell.offset(column=2).value)
                for row in book.worksheets[COVER].iter_rows() for cell in row[:1]
                if cell.hyperlink}
    assert len(contents) == 8  # the summary, six record sheets, the results
    assert contents[book.worksheets[MEETINGS].title] == (
        f"'{book.worksheets[MEETINGS].title}'!A1", 4)


def test_record_sheets_show_labels_real_dates_and_numbers(records_2024, login):
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **{**YEAR, "office": records_2024["office_a"]})
    ws = book.worksheets[MEETINGS]
    header = [cell.value for cell in ws[1]]
    assert header[:5] == ["Date", "Office", "Track", "Project", "Counterpart category"]
    assert "Outcome" not in header and "Follow-up" not in header
    assert "Counterpart persons" not in header
    first = dict(zip(header, records(book, MEETINGS)[0], strict=True))
    assert first["Office"] == "Protection Office" and first["Track"] == "Networking"
    assert first["Counterpart category"] == "Arab and international institutions"
    assert first["Official government meeting"] == "No"
    assert first["Counterpart organisations"] == "Partner Society"
    assert ws["A2"].is_date and ws["A2"].number_format == "yyyy-mm-dd"
    trainings = records(book, TRAININGS)
    header = [cell.value for cell in book.worksheets[TRAININGS][1]]
    first = dict(zip(header, trainings[0], strict=True))
    assert first["Hours"] == 6.5 and first["Participants"] == 20 and first["Kind"] == "Workshop"
    for ws in book.worksheets[MEETINGS:]:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}" \
                                     f"{max(ws.max_row, 1)}"
        assert ws[1][0].font.b and ws[1][0].fill.fgColor.rgb.endswith("1F6F8B")
        widths = [ws.column_dimensions[cell.column_letter].width for cell in ws[1]]
        assert all(8 <= width <= 60 for width in widths), (ws.title, widths)
        assert not ws.sheet_view.rightToLeft
    texts = every_text(book)
    for secret in ("نتيجة سرية للقاء", "متابعة سرية", "ملاحظة داخلية", "موضوع داخلي", "ملخص"):
        assert secret not in texts


def test_nothing_personal_about_any_case_is_in_the_workbook(records_2024, login, app):
    response = donor_file(login("admin"))
    book = workbook(response)
    with app.app_context():
        secrets = personal_values()
    assert len(secrets) >= 4 * 10 + 11
    cells, raw = every_text(book), raw_text(response.data)
    for secret in secrets:
        assert secret not in cells and secret not in raw, secret


def test_nothing_personal_in_the_demo_workbook(app, demo):
    with app.app_context():
        secrets = personal_values()
    client = sign_in(app, "donor", DEMO_PASSWORD)
    client.post("/language/en", data={"next": "/"})
    response = donor_file(client)
    book = workbook(response)
    assert len(secrets) > 1700 and "ملاحظات شخصية سرية" in secrets
    cells, raw = every_text(book), raw_text(response.data)
    for secret in secrets:
        assert secret not in cells and secret not in raw, secret
    now = as_donors_see(client)
    assert {key: value for key, (_label, value, _b) in summary(book).items()} == now
    assert len(records(book, MEETINGS)) == now["meetings.total"] == 443


# --- text that could run as a formula ---------------------------------------------------------
def test_text_that_looks_like_a_formula_stays_text(world, login, app):
    client = login("coordinator_a")
    response = client.post("/meetings/new/", data={
        "office": str(world["office_a"]), "track": str(world["track_1"]), "project": "__None",
        "date": "2024-03-05", "counterpart_category": "intl", "topic": FORMULAS[0]})
    assert response.status_code == 302
    with app.app_context():
        for n, text in enumerate(FORMULAS[1:]):
            db.session.add(Meeting(date=date(2024, 3, 6 + n), counterpart_category="intl",
                                   topic=text, city="=1+1", office_id=world["office_a"]))
        # names typed by users reach the sheets too: an office's, a partner's, a user's
        evil = Office(code="evil", name_ar="=EVIL()", name_en="=EVIL()")
        db.session.add(Meeting(date=date(2024, 2, 1), comprehensive=True, topic="عادي",
                               office=evil, partners=[Partner(
                                   name_ar="@partner", name_latin="-partner", origin="arab",
                                   sector="ngo", partnership_status="active",
                                   partnership_start=date(2024, 1, 1))]))
        db.session.scalars(select(User).filter_by(username="leadership")).one().display_name = (
            '=HYPERLINK("http://x")')
        db.session.commit()
    leadership = login("leadership")
    leadership.post("/language/en", data={"next": "/"})
    response = donor_file(leadership, YEAR)
    book = workbook(response)
    ws = book.worksheets[MEETINGS]
    header = [cell.value for cell in ws[1]]
    topics = [row[header.index("Topic")] for row in ws.iter_rows(min_row=3)]
    cities = [row[header.index("City")] for row in ws.iter_rows(min_row=3)][1:]
    assert [cell.value for cell in ws[2]][1] == "=EVIL()" and ws["B2"].data_type == "s"
    by = [row[1] for row in book.worksheets[COVER].iter_rows() if row[1].value ==
          '=HYPERLINK("http://x")']
    assert len(by) == 1 and by[0].data_type == "s" and by[0].quotePrefix
    # XML reads a carriage return as a line feed; the cell stays text all the same
    # the XML writer without lxml turns a carriage return into a line feed; both are text
    assert {cell.value.replace("\r", "\n") for cell in topics} == {
        text.replace("\r", "\n") for text in FORMULAS}
    assert {cell.value for cell in cities} == {"=1+1"}
    for cell in topics + cities:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in package.read(name) or b"<f " in package.read(name)
                                  for name in sheets)

    listed = login("admin").get("/exports/list/meetings.csv")
    rows = list(csv.reader(io.StringIO(listed.get_data().decode("utf-8-sig"))))
    topic = rows[0].index("الموضوع")
    topics = {row[topic] for row in rows[1:] if row[topic] != "عادي"}
    assert topics == {"'" + text for text in FORMULAS}
    book = workbook(login("admin").get("/exports/list/meetings.xlsx"))
    cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row[topic:topic + 1]
             if cell.value != "عادي"]
    assert {cell.value.replace("\r", "\n") for cell in cells} == {
        text.replace("\r", "\n") for text in FORMULAS}
    assert all(cell.data_type == "s" for cell in cells)


# --- languages -------------------------------------------------------------------------------
def test_an_arabic_workbook_reads_right_to_left_in_arabic(records_2024, login, app):
    client = login("leadership")
    client.post("/language/ar", data={"next": "/"})
    book = donor(client, **YEAR)
    assert all(ws.sheet_view.rightToLeft for ws in book.worksheets)
    with app.test_request_context(), force_locale("ar"):
        label = str(BY_KEY["cases.total"].label)
    assert summary(book)["cases.total"][0] == label and label != "Cases responded to"
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **YEAR)
    assert not any(ws.sheet_view.rightToLeft for ws in book.worksheets)
    assert summary(book)["cases.total"][0] == "Cases responded to"


# --- who may download ------------------------------------------------------------------------
def test_donors_and_leadership_download_any_offices_workbook(records_2024, login):
    for role in ("donor", "leadership", "admin"):
        client = login(role)
        for office in (None, records_2024["office_a"], records_2024["office_b"], "all"):
            args = {**YEAR, **({"office": office} if office else {})}
            assert client.post("/exports/donor.xlsx", query_string=args).status_code == 303


def test_a_coordinator_gets_their_own_offices_workbook_only(records_2024, login):
    client = login("coordinator_b")
    book = donor(client, **YEAR)
    assert [row[-1] for row in records(book, MEETINGS)] != []
    assert {row[1] for row in records(book, MEETINGS)} == {"مكتب المعتقلين"}
    assert summary(book)["cases.total"][1] == 1
    assert summary(book)["meetings.total"][1] == api(
        client, **YEAR, office=records_2024["office_b"])["meetings.total"] == 1
    own = client.post("/exports/donor.xlsx",
                      query_string={**YEAR, "office": records_2024["office_b"]})
    assert own.status_code == 303
    for office in (records_2024["office_a"], "all"):
        for method in (client.get, client.post):
            refused = method("/exports/donor.xlsx", query_string={**YEAR, "office": office})
            assert refused.status_code == 403


def test_anonymous_users_are_sent_to_sign_in(app, world):
    for url in ("/exports/donor.xlsx?year=2024", "/exports/list/meetings.csv",
                "/exports/list/cases.xlsx"):
        response = app.test_client().get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_a_bad_filter_says_what_the_api_says(world, login):
    client = login("leadership")
    for args in ({"from": "2024-13-01"}, {"from": "2024-05-01", "to": "2024-04-01"},
                 {"office": "999999"}, {"year": "2024", "from": "2024-01-01"}):
        message = client.get("/api/kpis", query_string=args).get_json()["error"]
        page = client.get("/exports/donor.xlsx", query_string=args)
        assert page.status_code == 400 and message in page.get_data(as_text=True)
        as_json = client.get("/exports/donor.xlsx", query_string=args,
                             headers={"Accept": "application/json"})
        assert as_json.status_code == 400 and as_json.get_json() == {"error": message}


def test_the_dashboard_button_offers_only_what_the_user_may_download(records_2024, app):
    template = "{% include 'exports/_donor_button.html' %}"

    def button(username: str, **args) -> str:
        with app.test_request_context():
            login_user(db.session.scalars(select(User).filter_by(username=username)).one())
            return render_template_string(template, args=args)

    page = button("leadership", year="2024", office=str(records_2024["office_a"]))
    assert 'id="donor-workbook"' in page
    assert "/exports/donor.xlsx?" in page and "year=2024" in page
    assert f"office={records_2024['office_a']}" in page
    assert 'id="donor-workbook"' in button("coord_a")
    assert 'id="donor-workbook"' not in button("coord_a", office="all")
    assert 'id="donor-workbook"' not in button("coord_a", office=str(records_2024["office_b"]))
    assert 'id="donor-workbook"' not in button("leadership", **{"from": "2024-99-01"})


# --- the command -----------------------------------------------------------------------------
def test_the_command_writes_the_workbook(records_2024, app, login, tmp_path, monkeypatch):
    path = tmp_path / "donor.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "export-donor", "--from", "2024-01-01", "--to", "2024-12-31", "--office",
        str(records_2024["office_a"]), "--lang", "en", "--suppress-below", "0", "-o", str(path)])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    now = api(login("leadership"), **YEAR, office=records_2024["office_a"])
    assert {key: value for key, (_l, value, _b) in summary(book).items()} == now
    assert summary(book)["cases.total"][0] == "Cases responded to"
    assert not book.worksheets[SUMMARY].sheet_view.rightToLeft
    arabic = tmp_path / "arabic.xlsx"
    result = app.test_cli_runner().invoke(args=["export-donor", "--lang", "ar", "-o",
                                                str(arabic)])
    assert result.exit_code == 0, result.output
    book = load_workbook(arabic)
    assert book.worksheets[SUMMARY].sheet_view.rightToLeft
    with app.test_request_context(), force_locale("ar"):
        hidden = marker(SUPPRESSED)
    assert hidden != "hidden"
    assert summary(book)["cases.by_outcome.not_legally_possible"][1] == hidden
    wrong = app.test_cli_runner().invoke(args=["export-donor", "--from", "2024-13-01", "-o",
                                               str(tmp_path / "x.xlsx")])
    assert wrong.exit_code == 2 and "YYYY-MM-DD" in wrong.output
    wrong = app.test_cli_runner().invoke(args=["export-donor", "--lang", "fr", "-o",
                                               str(tmp_path / "x.xlsx")])
    assert wrong.exit_code == 2 and not (tmp_path / "x.xlsx").exists()
    # without --lang, the language every command speaks
    monkeypatch.setenv("COALITION_LANG", "en")
    result = app.test_cli_runner().invoke(args=["export-donor", "-o", str(tmp_path / "e.xlsx")])
    assert result.exit_code == 0 and "9 sheets" in result.output, result.output
    assert summary(load_workbook(tmp_path / "e.xlsx"))["cases.total"][0] == "Cases responded to"


# --- list exports ----------------------------------------------------------------------------
def test_a_list_exports_its_filtered_rows_as_xlsx_and_csv(records_2024, login, app):
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    arg = filter_arg(app, "meetings", Meeting.counterpart_category)
    args = {arg: "tr_government"}
    book = workbook(client.get("/exports/list/meetings.xlsx", query_string=args))
    ws = book.active
    header = [cell.value for cell in ws[1]]
    assert header == ["Date", "Office", "Track", "Counterpart category",
                      "Official government meeting", "Within-track (comprehensive) meeting",
                      "City", "Topic"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [day(row[0]) for row in rows] == [date(2024, 12, 31), date(2024, 7, 15)]
    assert {row[3] for row in rows} == {"Turkish governmental and non-governmental institutions"}
    assert {row[4] for row in rows} == {"Yes"}
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H3"

    response = client.get("/exports/list/meetings.csv", query_string={"search": "2024-07"})
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == header
    assert [line[0] for line in lines[1:]] == ["2024-07-15"]
    assert lines[1][header.index("Topic")] == "لقاء 2024-07-15"  # Arabic intact
    # every row, not a page of them
    everything = client.get("/exports/list/meetings.csv", query_string={"page_size": "1"})
    assert len(everything.data.decode("utf-8-sig").splitlines()) == 1 + 6


def test_a_coordinators_case_export_holds_only_their_office(records_2024, login, app):
    with app.app_context():
        offices = dict(db.session.execute(select(Case.reference, Case.office_id)).all())
    for role, office in (("coordinator_a", "office_a"), ("coordinator_b", "office_b")):
        response = login(role).get("/exports/list/cases.csv")
        lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        references = [line[0] for line in lines[1:]]
        assert references and {offices[r] for r in references} == {records_2024[office]}
    admin = workbook(login("admin").get("/exports/list/cases.xlsx"))
    assert admin.active.max_row - 1 == len(offices)
    with app.app_context():
        secrets = [s for s in personal_values() if s not in offices]
    texts = every_text(admin)
    assert secrets and not any(secret in texts for secret in secrets)


def test_list_exports_are_for_those_who_may_read_the_list(records_2024, login):
    donor_client = login("donor")
    for fmt in ("xlsx", "csv"):
        assert donor_client.get(f"/exports/list/meetings.{fmt}").status_code == 403
    leadership = login("leadership")
    assert leadership.get("/exports/list/users.csv").status_code == 403
    assert leadership.get("/exports/list/cases.csv").status_code == 200
    assert leadership.get("/exports/list/nothing.csv").status_code == 404
    assert leadership.get("/exports/list/meetings.pdf").status_code == 404
    assert login("admin").get("/exports/list/users.xlsx").status_code == 200


def test_the_list_page_offers_its_downloads(records_2024, login, app, monkeypatch):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "meetings")
    monkeypatch.setattr(view, "list_template", "admin/export_list.html")
    client = login("coordinator_a")
    page = client.get("/meetings/?search=2024-07&page=0").get_data(as_text=True)
    assert 'id="list-export"' in page
    link = page.split('id="list-export-csv" href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith("/exports/list/meetings.csv?") and "page=" not in link
    lines = client.get(link).get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "2024-07-15" in lines[1]


def test_rows_written_in_batches_read_back_as_openpyxl_writes_them(app):
    """A record sheet's rows go in as XML made by SheetWriter.append_rows: each cell reads
    back as the same cell written openpyxl's way (value, type, number format, quote
    prefix), and rows appended after them keep their numbers."""
    from decimal import Decimal

    from openpyxl import Workbook

    from coalition.exports.cells import SheetWriter

    rows = [
        ["plain", "نص عربي", 7, 2.5, date(2024, 2, 29), None, "", "  spaced  ", "a & b < c > d"],
        ["=1+1", "+90 532", "-5", "@home", "line\r\nbreak\tand tab", "x\x01y", "z" * 40_000],
        [True, Decimal("1.25"), datetime(2024, 3, 1, 10, 30), float("nan"), 10**17],
        [None, None, "after a slow row"],
        *([f"row {n}", n, date(2020, 1, 1 + n % 28)] for n in range(2_500)),
    ]

    def written(batched: bool) -> bytes:
        book = Workbook(write_only=True)
        sheet = SheetWriter(book, "records", rtl=True)
        sheet.widths([12, 12, 12])
        sheet.header(["a", "b", "c"], repeated=True)
        if batched:
            sheet.append_rows(iter(rows))
        else:
            for row in rows:
                sheet.append(row)
        sheet.append_cells([sheet.cell("last", font=None), sheet.cell(date(2024, 1, 1))])
        sheet.autofilter(1, 3)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def cells(data: bytes) -> list[tuple]:
        ws = load_workbook(io.BytesIO(data))["records"]
        return [(cell.coordinate, cell.value, cell.data_type, cell.number_format,
                 cell.quotePrefix) for row in ws.iter_rows() for cell in row
                if cell.value is not None or cell.has_style]

    with app.app_context():
        batched, one_by_one = written(True), written(False)
    expected = cells(one_by_one)
    assert cells(batched) == expected
    assert len({coordinate[1:] for coordinate, *_rest in expected}) > 2_500
    assert ("B3", "+90 532", "s", "General", True) in expected  # a quoted text

"""Evidence coverage: each dashboard card can say how many of its records have a file
attached, counted by the same KPI definitions as the card, as the reader may see them."""

import io
import re
from dataclasses import replace
from datetime import date

from coalition.database import db, utcnow
from coalition.evidence.models import Evidence
from coalition.kpis.coverage import evidence_coverage
from coalition.kpis.definitions import CARD_KEYS
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute
from coalition.kpis.visibility import Audience, Reader
from coalition.models import Meeting
from tests.helpers import make_case, make_meeting

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _attach(client, table: str, record_id: int, name: str = "attendance.pdf"):
    response = client.post(f"/evidence/{table}/{record_id}",
                           data={"file": (io.BytesIO(PDF), name)},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def _records(app, world) -> dict:
    with app.app_context():
        a = world["office_a"]
        meetings = [make_meeting(a, date=date(2024, 3, d), government=True).id
                    for d in (1, 2, 3, 4)]
        make_meeting(world["office_b"], date=date(2024, 3, 5), government=True)
        cases = [make_case(a, opened_on=date(2024, 2, d)).id for d in (1, 2)]
        return {"meetings": meetings, "cases": cases}


def _cards(page: str) -> dict[str, tuple[int, int]]:
    return {key: (int(documented), int(records)) for key, documented, records in re.findall(
        r'data-kpi="([\w.]+)">(?:(?!data-kpi=).)*?data-documented="(\d+)" '
        r'data-records="(\d+)"', page, re.S)}


def test_coverage_counts_the_cards_records_that_have_files(app, world, login):
    ids = _records(app, world)
    coordinator = login("coordinator_a")
    _attach(coordinator, "meetings", ids["meetings"][0])
    _attach(coordinator, "meetings", ids["meetings"][0], "photo.pdf")  # two files, one record
    _attach(coordinator, "meetings", ids["meetings"][1])
    _attach(coordinator, "cases", ids["cases"][0])
    with app.app_context():
        year = Filters.parse({"year": "2024"})
        found = evidence_coverage(Audience.operator(), year, CARD_KEYS)
        assert (found["meetings.government"].documented,
                found["meetings.government"].records) == (2, 5)
        assert found["meetings.government"].percent == 40
        assert (found["cases.total"].documented, found["cases.total"].records) == (1, 2)
        # the same definitions: with evidence is the figure of the documented records alone
        with_files = compute(replace(year, evidenced=True), ["meetings.government"])
        for meeting in db.session.query(Meeting):
            if meeting.id not in ids["meetings"][:2]:
                meeting.deleted_at = utcnow()
        db.session.commit()
        assert compute(year, ["meetings.government"]) == with_files
        assert compute(year, ["meetings.government"], direct=True) == with_files
    page = login("leadership").get("/dashboard/?year=2024&office=all&coverage=1").get_data(
        as_text=True)
    cards = _cards(page)
    assert cards["meetings.government"] == (2, 2) and cards["cases.total"] == (1, 2)
    assert 'data-documented=' not in login("leadership").get(
        "/dashboard/?year=2024&office=all").get_data(as_text=True)  # only when asked


def test_a_file_in_the_trash_no_longer_counts(app, world, login):
    ids = _records(app, world)
    _attach(login("coordinator_a"), "meetings", ids["meetings"][0])
    with app.app_context():
        year = Filters.parse({"year": "2024"})
        assert evidence_coverage(Audience.operator(), year,
                                 ["meetings.total"])["meetings.total"].documented == 1
        db.session.query(Evidence).one().deleted_at = utcnow()
        db.session.commit()
        assert evidence_coverage(Audience.operator(), year,
                                 ["meetings.total"])["meetings.total"].documented == 0


def test_coverage_of_figures_the_reader_may_not_see_is_not_shown(app, world, login):
    ids = _records(app, world)
    _attach(login("coordinator_a"), "cases", ids["cases"][0])
    with app.app_context():
        year = Filters.parse({"year": "2024"})
        other = Audience.of(Reader("coordinator", world["office_b"]))
        found = evidence_coverage(other, year, CARD_KEYS)
        assert "cases.total" not in found and "meetings.government" in found
    page = login("coordinator_b").get("/dashboard/?year=2024&office=all&coverage=1")
    assert page.status_code == 200
    assert "cases.total" not in _cards(page.get_data(as_text=True))
    donors = login("donor").get("/dashboard/?year=2024&coverage=1")
    assert donors.status_code == 200
    # hours and people are sums, not records: no coverage for them
    with app.app_context():
        assert evidence_coverage(Audience.operator(), Filters.parse({"year": "2024"}),
                                 ["trainings.hours", "meetings.total"]).keys() == {
            "meetings.total"}

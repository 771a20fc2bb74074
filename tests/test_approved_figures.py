"""Figures of approved months only: the same KPI definitions, counting only the records dated
in months their office has had approved; the dashboard, the API, the command line and the
donor workbook say so when they are."""

import json
from dataclasses import replace
from datetime import date

import pytest

from coalition.database import db, utcnow
from coalition.kpis.filters import Filters
from coalition.kpis.queries import breakdown, compute
from coalition.kpis.targets.models import Target
from coalition.kpis.targets.progress import targets_for
from coalition.models import AwarenessActivity, Event, Meeting, Office, ReportingMonth, Training
from coalition.reporting.models import APPROVED, SUBMITTED
from tests.helpers import (
    make_awareness_activity,
    make_case,
    make_event,
    make_meeting,
    make_partner,
    make_training,
)
from tests.test_exports import MEETINGS, donor, records, summary

MARCH, APRIL = date(2024, 3, 1), date(2024, 4, 1)


def _month(office_id: int, month: date, state: str = APPROVED) -> None:
    db.session.add(ReportingMonth(office_id=office_id, month=month, state=state))
    db.session.commit()


def _records(world) -> None:
    """Office A: March approved, April submitted only; office B: March open."""
    a, b = world["office_a"], world["office_b"]
    for day in (1, 15, 31):
        make_meeting(a, date=date(2024, 3, day), government=day == 15)
    make_training(a, start_date=date(2024, 3, 10), participants=20, women=9, men=11, hours=6)
    make_case(a, opened_on=date(2024, 3, 3), status="follow_up")
    make_meeting(a, date=date(2024, 4, 2))
    make_awareness_activity(a, date=date(2024, 4, 3), attendees=12)
    make_meeting(b, date=date(2024, 3, 5))
    make_event(b, date=date(2024, 3, 6), attendees=40)
    make_partner(office_id=a, partnership_status="active",
                 partnership_start=date(2023, 1, 1))
    _month(a, MARCH)
    _month(a, APRIL, SUBMITTED)


def _not_approved_to_the_trash(world) -> None:
    """Put every record outside office A's March in the trash (none of them is locked)."""
    for model in (Meeting, Training):
        for record in db.session.query(model):
            if not (record.office_id == world["office_a"] and
                    getattr(record, model.fields.dated_by).replace(day=1) == MARCH):
                record.deleted_at = utcnow()
    for model in (AwarenessActivity, Event):
        for record in db.session.query(model):
            record.deleted_at = utcnow()
    db.session.commit()


def test_approved_figures_equal_the_figures_of_the_approved_records_alone(app, world, ctx):
    _records(world)
    year = Filters.parse({"year": "2024"})
    approved = replace(year, approved=True)
    every = compute(year)
    only = compute(approved)
    assert (every["meetings.total"], only["meetings.total"]) == (5, 3)
    assert only["meetings.government"] == 1 and only["trainings.participants.women"] == 9
    assert (every["events.total"], only["events.total"]) == (1, 0)  # office B's March: open
    assert only["awareness_activities.total"] == 0  # April: submitted, not approved
    assert only["cases.total"] == only["cases.under_follow_up"] == 1
    assert only["partnerships.total"] == every["partnerships.total"] == 1  # not by month
    assert compute(approved, direct=True) == only
    office_b = replace(approved, office=db.session.get(Office, world["office_b"]))
    assert compute(office_b)["meetings.total"] == 0
    assert compute(office_b) == compute(office_b, direct=True)
    grouped = breakdown(approved, ["meetings.total"], ("month",))
    assert grouped == {("2024-03",): {"meetings.total": 3}}
    # the same definitions over the approved records alone, with the rest in the trash
    _not_approved_to_the_trash(world)
    assert compute(year) == only
    assert compute(year, direct=True) == only
    assert breakdown(year, ["meetings.total"], ("month",)) == grouped


def test_targets_can_be_read_against_approved_months_only(app, world, ctx):
    _records(world)
    db.session.add(Target(kpi="meetings.total", year=2024, value=5))
    db.session.commit()
    (every,) = targets_for(2024, today=date(2025, 1, 1))
    (only,) = targets_for(2024, today=date(2025, 1, 1), approved=True)
    assert (every.actual, every.achieved_percent) == (5, 100.0)
    assert (only.actual, only.achieved_percent, only.mark) == (3, 60.0, "behind")


def test_the_api_and_the_command_take_approved(app, world, login):
    with app.app_context():
        _records(world)
    client = login("leadership")
    plain = client.get("/api/kpis?year=2024").get_json()
    only = client.get("/api/kpis?year=2024&approved=1").get_json()
    assert (plain["kpis"]["meetings.total"], only["kpis"]["meetings.total"]) == (5, 3)
    assert only["filters"]["approved"] is True and "approved" not in plain["filters"]
    assert client.get("/api/kpis?year=2024&approved=0").get_json()["kpis"] == plain["kpis"]
    bad = client.get("/api/kpis?year=2024&approved=perhaps")
    assert bad.status_code == 400 and "approved" in bad.get_json()["error"]
    result = app.test_cli_runner().invoke(args=["kpis", "--year", "2024", "--approved",
                                                "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kpis"] == only["kpis"]
    # donors get the approved figures with the same small-cell rule
    donors = login("donor").get("/api/kpis?year=2024&approved=1").get_json()
    assert donors["kpis"]["meetings.total"] == 3


def test_the_dashboard_toggle_says_so(app, world, login):
    with app.app_context():
        _records(world)
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    plain = client.get("/dashboard/?year=2024&office=all").get_data(as_text=True)
    assert 'id="f-approved"' in plain and 'id="approved-only"' not in plain
    page = client.get("/dashboard/?year=2024&office=all&approved=1").get_data(as_text=True)
    assert 'id="approved-only"' in page and "approved" in page
    assert 'value="1" checked' in page
    assert 'data-kpi="meetings.government"' in page
    assert 'approved=1' in page  # the donor workbook button keeps the option
    # an option that cannot be read is left out, and the page says why
    bad = client.get("/dashboard/?approved=x")
    assert bad.status_code == 200 and 'id="filter-error"' in bad.get_data(as_text=True)
    assert 'id="approved-only"' not in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", ["leadership", "donor"])
def test_the_donor_workbook_of_approved_months_only(app, world, login, role):
    with app.app_context():
        _records(world)
    client = login(role)
    client.post("/language/en", data={"next": "/"})
    args = {"from": "2024-01-01", "to": "2024-12-31", "approved": "1"}
    book = donor(client, **args)
    figures = summary(book)
    api = client.get("/api/kpis", query_string=args).get_json()["kpis"]
    assert figures["meetings.total"][1] == api["meetings.total"] == 3
    assert len(records(book, MEETINGS)) == 3  # the sheet's rows add up to the figure
    cover = " ".join(str(c) for row in book.worksheets[0].iter_rows(values_only=True)
                     for c in row if c)
    assert "approved" in cover
    plain = donor(client, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert len(records(plain, MEETINGS)) == 5

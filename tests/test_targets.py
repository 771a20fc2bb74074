"""Targets: set by leadership and admins (screen, import, command), read by coordinators;
each against its actual, with the share achieved and a behind / on track / ahead mark."""

import json
import re
from datetime import date

import pytest
from click.testing import Result
from sqlalchemy import select

from coalition.database import db
from coalition.kpis.targets.models import Target
from coalition.kpis.targets.progress import (
    AHEAD,
    BEHIND,
    ON_TRACK,
    TOLERANCE,
    elapsed,
    mark,
    targets_for,
)
from coalition.kpis.visibility import Audience, Reader
from coalition.models import Office
from tests.helpers import ARTIFACTS, DEMO_PASSWORD, form_errors, make_case, make_meeting
from tests.test_exports import donor
from tests.test_imports import as_bytes, counts, fill, template, upload

AFTER_2024 = date(2025, 3, 1)


def _target(kpi="meetings.total", value=10, year=2024, **scope) -> int:
    target = Target(kpi=kpi, value=value, year=year, **scope)
    db.session.add(target)
    db.session.commit()
    return target.id


def _meetings(office_id: int, *days: str) -> None:
    for day in days:
        make_meeting(office_id, date=date.fromisoformat(day))


def _cli(app, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["set-target", *args])


# --- the percentage and the mark ------------------------------------------------------------
def test_a_years_target_is_achieved_in_part_and_marked_against_the_whole_year(app, world, ctx):
    a, b = world["office_a"], world["office_b"]
    _meetings(a, *[f"2024-0{m}-10" for m in range(1, 9)])  # 8 in 2024
    _meetings(b, "2023-12-31", "2025-01-01")  # outside the year
    _target(value=10)
    (row,) = targets_for(2024, today=AFTER_2024)
    assert (row.key, row.target, row.actual, row.achieved_percent) == (
        "meetings.total", 10, 8, 80.0)
    assert row.expected_percent == 100.0 and row.mark == BEHIND  # 80 < 100 - 10
    db.session.get(Target, row.id).value = 8.5
    db.session.commit()
    assert targets_for(2024, today=AFTER_2024)[0].mark == ON_TRACK  # 94% is within 10 points
    db.session.get(Target, row.id).value = 5
    db.session.commit()
    (row,) = targets_for(2024, today=AFTER_2024)
    assert (row.achieved_percent, row.mark) == (160.0, AHEAD)


def test_during_the_year_the_mark_compares_with_the_share_of_it_passed(app, world, ctx):
    _meetings(world["office_a"], *["2024-03-01"] * 8)
    _target(value=16)
    half = date(2024, 7, 1)  # 183 of 366 days
    assert elapsed(date(2024, 1, 1), date(2024, 12, 31), half) == 183 / 366
    (row,) = targets_for(2024, today=half)
    assert (row.achieved_percent, row.expected_percent, row.mark) == (50.0, 50.0, ON_TRACK)
    (early,) = targets_for(2024, today=date(2024, 2, 1))  # 8.7% of the year passed
    assert early.mark == AHEAD
    (before,) = targets_for(2024, today=date(2023, 6, 1))
    assert before.expected_percent == 0 and before.mark == AHEAD
    _target(value=100, year=2025)
    (none_yet,) = targets_for(2025, today=date(2025, 1, 3))
    assert (none_yet.actual, none_yet.achieved_percent, none_yet.mark) == (0, 0.0, ON_TRACK)


def test_the_tolerance_is_ten_points_either_way():
    assert TOLERANCE == 10
    assert mark(39, 100, 50) == BEHIND and mark(40, 100, 50) == ON_TRACK
    assert mark(60, 100, 50) == ON_TRACK and mark(61, 100, 50) == AHEAD
    assert mark(0, 0, 100) == ON_TRACK and mark(1, 0, 100) == AHEAD
    assert mark(None, 10, 50) is None


def test_a_quarters_target_counts_only_that_quarter(app, world, ctx):
    a = world["office_a"]
    _meetings(a, "2024-03-31", "2024-04-01", "2024-05-15", "2024-06-30", "2024-07-01")
    _target(value=6, quarter=2)
    _target(value=20)  # the year's, not the quarter's
    (row,) = targets_for(2024, 2, today=date(2024, 5, 16))
    assert (row.quarter, row.actual, row.achieved_percent) == (2, 3, 50.0)
    assert row.expected_percent == round(100 * 46 / 91, 1)  # 16 May is day 46 of 91
    assert row.mark == ON_TRACK
    (year,) = targets_for(2024, today=AFTER_2024)
    assert (year.quarter, year.actual, year.mark) == (None, 5, BEHIND)


def test_an_offices_target_counts_only_that_office(app, world, ctx):
    a, b = world["office_a"], world["office_b"]
    _meetings(a, "2024-02-01", "2024-02-02")
    _meetings(b, "2024-02-01", "2024-02-02", "2024-02-03")
    _target(value=2, office_id=a)
    _target(value=4, office_id=b)
    _target(value=5)
    (row_a,) = targets_for(2024, office=a, today=AFTER_2024)
    (row_b,) = targets_for(2024, office=db.session.get(Office, b), today=AFTER_2024)
    (coalition,) = targets_for(2024, today=AFTER_2024)
    assert (row_a.actual, row_a.achieved_percent, row_a.mark) == (2, 100.0, ON_TRACK)
    assert (row_b.actual, row_b.achieved_percent, row_b.mark) == (3, 75.0, BEHIND)
    assert (coalition.actual, coalition.mark) == (5, ON_TRACK)
    assert row_a.office.id == a and coalition.office is None


def test_a_project_target_counts_the_projects_records(app, world, ctx):
    a, project = world["office_a"], world["project"]
    make_meeting(a, date=date(2024, 3, 1), project_id=project)
    make_meeting(a, date=date(2024, 3, 1))
    _target(value=1, project_id=project)
    (row,) = targets_for(2024, project=project, today=AFTER_2024)
    assert (row.actual, row.mark) == (1, ON_TRACK)


def test_a_sensitive_figure_has_no_actual_for_who_may_not_see_it(app, world, ctx):
    a, b = world["office_a"], world["office_b"]
    for _n in range(3):
        make_case(a, opened_on=date(2024, 2, 1))
    _target("cases.total", 3, office_id=a)
    (own,) = targets_for(2024, office=a, audience=Audience.of(Reader("coordinator", a)))
    (other,) = targets_for(2024, office=a, audience=Audience.of(Reader("coordinator", b)))
    assert own.actual == 3 and own.mark == ON_TRACK
    assert (other.actual, other.achieved_percent, other.mark, other.hidden) == (
        None, None, None, "restricted")


# --- the API and the command line -----------------------------------------------------------
def test_the_api_gives_the_targets_of_the_filters_asked(app, world, login):
    a = world["office_a"]
    with app.app_context():
        _meetings(a, "2024-01-05", "2024-04-05", "2024-04-06")
        _target(value=4)
        _target(value=2, office_id=a)
        _target(value=1, quarter=2, office_id=a)
        _target("meetings.government", 7, year=2023)
    client = login("leadership")

    def targets(**args):
        response = client.get("/api/kpis", query_string=args)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["targets"]

    assert targets(year=2024) == {"meetings.total": {
        "target": 4, "actual": 3, "achieved_percent": 75.0, "mark": BEHIND}}
    assert targets(year=2024, office=a) == {"meetings.total": {
        "target": 2, "actual": 3, "achieved_percent": 150.0, "mark": AHEAD}}
    assert targets(year=2024, quarter=2, office=a)["meetings.total"]["actual"] == 2
    assert targets(**{"from": "2024-01-01", "to": "2024-12-31"}) == targets(year=2024)
    assert targets(year=2023) == {"meetings.government": {
        "target": 7, "actual": 0, "achieved_percent": 0.0, "mark": BEHIND}}
    assert targets(year=2024, month=4) == {}  # a month has no targets
    assert targets(year=2024, track=world["track_1"]) == {}  # nor a track
    assert targets() == {}
    # the donor sees the same targets; a bad filter is still a 400 with a message
    assert login("donor").get("/api/kpis?year=2024").get_json()["targets"] == targets(year=2024)
    bad = client.get("/api/kpis?year=2024&quarter=5")
    assert bad.status_code == 400 and bad.get_json()["error"]
    # the command line prints the same JSON
    result = app.test_cli_runner().invoke(args=["kpis", "--year", "2024", "--office", str(a),
                                                "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["targets"] == targets(year=2024, office=a)


def test_the_command_sets_and_changes_a_target(app, world, ctx):
    result = _cli(app, "meetings.total", "12", "--year", "2024", "--office", "protection")
    assert result.exit_code == 0, result.output
    assert "set" in result.output
    result = _cli(app, "meetings.total", "15", "--year", "2024", "--office", "protection")
    assert result.exit_code == 0 and "changed from 12" in result.output
    result = _cli(app, "meetings.total", "3", "--year", "2024", "--quarter", "1",
                  "--project", "himaya")
    assert result.exit_code == 0, result.output
    db.session.remove()
    found = {(t.year, t.quarter, t.office_id, t.project_id): t.value
             for t in db.session.scalars(select(Target))}
    assert found == {(2024, None, world["office_a"], None): 15,
                     (2024, 1, None, world["project"]): 3}
    for bad, says in ((["no.such.kpi", "1", "--year", "2024"], "kpi: "),
                      (["meetings.total", "1", "--year", "2024", "--office", "nowhere"],
                       "no office"),
                      (["meetings.total", "--year", "2024", "--", "-1"], "value: "),
                      (["meetings.total", "1", "--year", "1066"], "year: "),
                      (["meetings.total", "1", "--year", "2024", "--quarter", "5"], "5"),
                      (["meetings.total", "1"], "--year")):
        result = _cli(app, *bad)
        assert result.exit_code == 2 and says in result.output, (bad, result.output)


# --- the screen and the page ----------------------------------------------------------------
def _form(world, **changes) -> dict:
    return {"kpi": "meetings.total", "year": "2024", "quarter": "", "office": "",
            "project": "", "value": "10", **changes}


def test_leadership_sets_targets_on_the_screen_and_coordinators_only_read_them(app, world,
                                                                               login):
    leadership = login("leadership")
    created = leadership.post("/targets/new/", data=_form(world, office=str(world["office_a"])))
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        target = db.session.scalars(select(Target)).one()
        assert (target.office_id, target.value, target.created_by.username) == (
            world["office_a"], 10, "leadership")
        target_id = target.id
    assert login("admin").post("/targets/new/", data=_form(world, value="3")).status_code == 302
    coordinator = login("coordinator_a")
    assert coordinator.get("/targets/").status_code == 200
    assert coordinator.get("/targets/progress/").status_code == 200
    assert coordinator.get("/targets/new/").status_code == 403
    assert coordinator.post("/targets/new/", data=_form(world, year="2025")).status_code == 403
    assert coordinator.post(f"/targets/edit/?id={target_id}",
                            data=_form(world, value="1")).status_code == 403
    assert coordinator.post("/targets/delete/", data={"id": str(target_id)}).status_code == 403
    donor_client = login("donor")
    assert donor_client.get("/targets/").status_code == 403
    assert donor_client.get("/targets/progress/").status_code == 403
    with app.app_context():
        assert db.session.query(Target).count() == 2


@pytest.mark.parametrize("bad, field", [
    ({"kpi": "cases.nothing"}, "kpi"), ({"quarter": "5"}, "quarter"), ({"value": "-3"}, "value"),
    ({"year": "1999"}, "year"), ({"value": ""}, "value"), ({"year": "20x4"}, "year")])
def test_a_bad_target_is_refused_beside_its_field(app, world, login, bad, field):
    response = login("leadership").post("/targets/new/", data=_form(world, **bad))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', page), \
        form_errors(response)
    with app.app_context():
        assert db.session.query(Target).count() == 0


def test_a_second_target_for_the_same_figure_period_and_scope_is_refused(app, world, login):
    leadership = login("leadership")
    assert leadership.post("/targets/new/", data=_form(world)).status_code == 302
    again = leadership.post("/targets/new/", data=_form(world, value="20"), follow_redirects=True)
    assert again.status_code == 200
    assert "conflicts" in again.get_data(as_text=True) or "يتعارض" in again.get_data(
        as_text=True)
    # another quarter, office or project is another target
    for other in ({"quarter": "1"}, {"office": str(world["office_b"])},
                  {"project": str(world["project"])}):
        assert leadership.post("/targets/new/", data=_form(world, **other)).status_code == 302
    with app.app_context():
        assert db.session.query(Target).count() == 4


def test_the_page_lists_every_target_with_actual_percentage_and_mark(app, world, login):
    a = world["office_a"]
    with app.app_context():
        db.session.get(Office, a).name_ar = "<script>alert(1)</script>"
        db.session.commit()
        _meetings(a, "2024-02-01", "2024-02-02")
        _target(value=4)
        _target(value=2, office_id=a)
        _target("videos.published", 5, year=2023)
    client = login("coordinator_a")
    page = client.get("/targets/progress/").get_data(as_text=True)
    rows = re.findall(r'<tr data-kpi="([^"]+)" data-target-id="\d+" data-mark="(\w+)">', page)
    assert sorted(rows) == [("meetings.total", "behind"), ("meetings.total", "on_track"),
                            ("videos.published", "behind")]
    assert "50.0%" in page and "100.0%" in page and "<script>alert(1)" not in page
    only_2023 = client.get("/targets/progress/?year=2023").get_data(as_text=True)
    assert only_2023.count("<tr data-kpi=") == 1
    assert client.get("/targets/progress/?year=abc").status_code == 200  # ignored, not a 500


def test_a_dashboard_card_shows_its_target_and_mark(app, world, login):
    with app.app_context():
        _meetings(world["office_a"], "2024-02-01")
        _target("meetings.comprehensive", 4)
    client = login("leadership")
    page = client.get("/dashboard/?year=2024&office=all").get_data(as_text=True)
    card = re.search(r'data-kpi="meetings.comprehensive".*?</section>|'
                     r'data-kpi="meetings.comprehensive".*?kpi-link', page, re.S).group(0)
    assert 'data-target-value="4' in card and 'data-mark="behind"' in card and "25%" in card
    assert 'data-target-value=' not in client.get("/dashboard/?year=2023&office=all").get_data(
        as_text=True)


# --- the import and the donor workbook ------------------------------------------------------
def test_targets_are_imported_by_leadership_and_refused_to_coordinators(app, world, login):
    leadership = login("leadership")
    book = template(leadership)
    assert "targets" in book.sheetnames
    fill(book, "targets", {"kpi": "meetings.total", "year": 2024, "value": 30},
         {"kpi": "trainings.hours", "year": 2024, "quarter": 2, "office": "protection",
          "value": 12.5})
    response = upload(leadership, as_bytes(book))
    assert counts(response)["targets"] == (2, 0, 0), response.get_data(as_text=True)[-3000:]
    again = upload(leadership, as_bytes(book))
    assert counts(again)["targets"] == (0, 0, 2)  # already set: left as they are
    with app.app_context():
        assert {(t.kpi, t.quarter, t.office_id, t.value) for t in db.session.scalars(
            select(Target))} == {("meetings.total", None, None, 30),
                                 ("trainings.hours", 2, world["office_a"], 12.5)}
    coordinator = login("coordinator_a")
    book = template(coordinator)
    fill(book, "targets", {"kpi": "meetings.total", "year": 2025, "value": 30})
    refused = upload(coordinator, as_bytes(book)).get_data(as_text=True)
    assert 'data-written="yes"' not in refused
    with app.app_context():
        assert db.session.query(Target).filter_by(year=2025).count() == 0


def test_the_donor_workbook_has_a_results_sheet(app, world, login):
    with app.app_context():
        _meetings(world["office_a"], "2024-02-01", "2024-03-01")
        _target(value=4)
        _target(value=1, quarter=1)
        _target(value=9, year=2023)
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **{"from": "2024-01-01", "to": "2024-12-31"})
    sheet = book.worksheets[-1]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    header, year, quarter = rows
    assert len(header) == 8
    assert year[1:2] + year[4:7] == ("2024", 4, 2, 0.5)
    assert quarter[1:2] + quarter[4:7] == ("Q1 2024", 1, 2, 2)
    contents = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert sheet.title in contents



@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_targets_page_reads_right_in_a_browser(app, server, chromium, lang):
    today = date.today()
    quarter = (today.month + 2) // 3
    with app.app_context():
        offices = list(db.session.scalars(select(Office).order_by(Office.id)))
        for kpi, value in (("meetings.government", 80), ("cases.total", 1500),
                           ("videos.published", 60), ("awareness_activities.total", 40),
                           ("trainings.participants.women", 300)):
            _target(kpi, value, year=2024)
        _target("meetings.total", 90, year=2024, office_id=offices[0].id)
        _target("trainings.hours", 120, year=today.year)
        _target("meetings.total", 30, year=today.year, quarter=quarter,
                office_id=offices[-1].id)
    context = chromium.new_context(locale=lang, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "leadership")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/targets/progress/")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    rows = page.locator("#targets-table tbody tr")
    assert rows.count() == 8
    assert page.locator("#targets-table .target-mark").count() == 8
    # nothing runs off the page, and figures line up at the end of their cells
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    cell = page.locator("#targets-table tbody tr td.num").first
    assert cell.evaluate("e => getComputedStyle(e).textAlign") in ("end", "left" if lang == "ar"
                                                                   else "right")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"targets-{lang}.png"), full_page=True)
    context.close()

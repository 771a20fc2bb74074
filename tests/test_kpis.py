"""KPIs: each figure moves by exactly what is logged, honours every filter, and reproduces
the annual report from the demo data in the API, the CLI and the dashboard."""

import html
import json
import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from coalition.database import db
from coalition.kpis import charts
from coalition.kpis.charts import percentages
from coalition.kpis.definitions import BY_KEY, CARDS, KPIS
from coalition.kpis.filters import Filters
from coalition.models import Case, Meeting, Office, Partner, Track
from tests.helpers import ARTIFACTS, DEMO_PASSWORD, sign_in

ZERO = {kpi.key: 0 for kpi in KPIS}


def kpis(client, **args) -> dict:
    """The API's figures for these filters."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["kpis"]


def add(client, endpoint: str, **fields) -> int:
    """Create a record through the admin screen; return its id."""
    response = client.post(f"/{endpoint}/new/", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    from coalition.views import RecordView  # the view knows its model

    view = next(v for v in client.application.extensions["admin"][0]._views
                if isinstance(v, RecordView) and v.endpoint == endpoint)
    with client.application.app_context():
        return db.session.query(db.func.max(view.model.id)).scalar()


def trash(client, endpoint: str, record_id: int) -> None:
    """Move a record to the trash through the admin screen."""
    response = client.post(f"/{endpoint}/delete/", data={"id": str(record_id)})
    assert response.status_code == 302


def moved(before: dict, after: dict) -> dict:
    """The figures that changed, and by how much."""
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


def tagged(world, office="office_a", track="track_1", project=True) -> dict:
    """Office, track and project fields of an admin form."""
    return {"office": str(world[office]), "track": str(world[track]),
            "project": str(world["project"]) if project else "__None"}


# --- definitions -------------------------------------------------------------------------------
def test_every_stable_key_is_defined_once():
    keys = [kpi.key for kpi in KPIS]
    assert len(keys) == len(set(keys))
    stable = {
        "cases.total", "cases.under_follow_up", "cases.mediations", "cases.mediations.immigration",
        "cases.court_referrals", "meetings.total", "meetings.government",
        "meetings.comprehensive", "videos.published", "awareness_activities.total",
        "workshops.total", "trainings.hours", "trainings.participants", "trainings.trainers",
        "partnerships.total", "contacts.total", "events.total", "publications.total",
        *(f"cases.by_outcome.{c}" for c in ("not_legally_possible", "directed_to_procedure",
                                            "directed_to_legal_action", "out_of_scope")),
        *(f"meetings.by_counterpart.{c}" for c in ("tr_government", "tr_ngo", "tr_media",
                                                   "sy_institution", "sy_media", "intl")),
    }
    assert stable <= set(keys)
    assert len(CARDS) == 10 and all(key in BY_KEY for key, _sub in CARDS)


def test_percentages_always_add_up_to_100():
    assert percentages([647, 316, 316, 131, 290]) == [38.1, 18.6, 18.6, 7.7, 17.0]
    for counts in ([1, 1, 1], [2, 3, 5, 7], [1, 0, 0], [999, 1], [0, 0]):
        shares = percentages(counts)
        assert round(sum(shares), 1) in (100.0, 0.0) and len(shares) == len(counts)


@pytest.mark.parametrize("args, start, end, before", [
    ({"year": "2024"}, date(2024, 1, 1), date(2024, 12, 31),
     (date(2023, 1, 1), date(2023, 12, 31))),
    ({"year": "2024", "quarter": "1"}, date(2024, 1, 1), date(2024, 3, 31),
     (date(2023, 10, 1), date(2023, 12, 31))),
    ({"year": "2024", "month": "3"}, date(2024, 3, 1), date(2024, 3, 31),
     (date(2024, 2, 1), date(2024, 2, 29))),
    ({"from": "2024-03-10", "to": "2024-03-19"}, date(2024, 3, 10), date(2024, 3, 19),
     (date(2024, 2, 29), date(2024, 3, 9))),
    ({"from": "2024-03-10"}, date(2024, 3, 10), None, None),
])
def test_periods_and_the_period_before(app, args, start, end, before):
    with app.test_request_context():
        filters = Filters.parse(args)
        assert (filters.start, filters.end) == (start, end)
        previous = filters.previous()
        assert (previous.start, previous.end) == before if before else previous is None


def test_kpi_indexes_cover_every_column_the_kpis_read():
    from coalition.kpis.indexes import KPI_INDEXES

    covered = {index.table.name: {column.name for column in index.columns}
               for index in KPI_INDEXES}
    for kpi in KPIS:
        table = kpi.model.__table__.name
        if table not in covered:
            continue
        read = {kpi.date, kpi.until, kpi.total, "deleted_at", *(c.column for c in kpi.where),
                *("office_id", "track_id", "project_id")} - {None}
        assert {kpi.column(name).expression.name for name in read} <= covered[table], kpi.key


# --- every KPI moves by exactly what is logged through the admin --------------------------------
def test_each_kpi_moves_by_exactly_what_is_logged(world, login):
    client = login("admin")
    before = kpis(client)
    assert before == ZERO
    add(client, "cases", **tagged(world), opened_on="2024-01-10", problem_category="residence",
        consultation_outcome="directed_to_legal_action", mediation="immigration",
        court_referral="sponsored", referral_result="follow_up", status="follow_up")
    add(client, "cases", **tagged(world), opened_on="2024-01-11", problem_category="work",
        consultation_outcome="out_of_scope", mediation="other", court_referral="none",
        status="closed", closed_on="2024-02-01")
    add(client, "meetings", **tagged(world), date="2024-03-05",
        counterpart_category="tr_government", government="y", topic="لقاء مع رئاسة الهجرة")
    add(client, "meetings", **tagged(world), date="2024-03-06", comprehensive="y",
        topic="اجتماع شامل")
    add(client, "videos", **tagged(world), title="فيديو توعوي", video_kind="awareness_video",
        published_on="2024-02-01", platform="youtube", views="10")
    add(client, "videos", **tagged(world), title="ريلز", video_kind="reel",
        published_on="2024-02-02", platform="instagram", views="10")
    add(client, "awareness_activities", **tagged(world), title="جلسة توعية", date="2024-04-01",
        attendees="30")
    add(client, "trainings", **tagged(world), title="ورشة", training_kind="workshop",
        start_date="2024-03-01", hours="6", participants="25", trainers="2")
    add(client, "trainings", **tagged(world), title="دورة", training_kind="course",
        start_date="2024-03-02", hours="10.5", participants="12", trainers="1")
    add(client, "partners", name_ar="جمعية شريكة", origin="turkish", sector="ngo",
        partnership_status="active", partnership_start="2023-01-01")
    add(client, "partners", name_ar="جمعية مقترحة", origin="syrian", sector="ngo",
        partnership_status="proposed")
    add(client, "contacts", name="أحمد الحلبي", contact_kind="person", category="government")
    add(client, "events", **tagged(world), title="ندوة", event_kind="webinar", date="2024-05-01",
        attendees="80")
    add(client, "publications", **tagged(world), title="ورقة", publication_kind="policy_paper",
        date="2024-06-01")
    assert moved(before, kpis(client)) == {
        "cases.total": 2, "cases.by_outcome.directed_to_legal_action": 1,
        "cases.by_outcome.out_of_scope": 1, "cases.under_follow_up": 1, "cases.mediations": 2,
        "cases.mediations.immigration": 1, "cases.court_referrals": 1,
        "meetings.total": 2, "meetings.government": 1, "meetings.comprehensive": 1,
        "meetings.by_counterpart.tr_government": 1,
        "videos.published": 1, "videos.total": 2, "awareness_activities.total": 1,
        "workshops.total": 1, "trainings.total": 2, "trainings.hours": 16.5,
        "trainings.participants": 37, "trainings.trainers": 3, "partnerships.total": 1,
        "contacts.total": 1, "events.total": 1, "publications.total": 1,
        "awareness_activities.participants": 30, "events.participants": 80,
    }


def test_records_in_the_trash_stop_counting(world, login):
    client = login("coordinator_a")
    meeting = add(client, "meetings", **tagged(world), date="2024-03-05",
                  counterpart_category="intl", topic="UNHCR")
    case = add(client, "cases", **tagged(world), opened_on="2024-01-10",
               problem_category="other", mediation="none", court_referral="none",
               status="follow_up")
    counted = kpis(client, office=world["office_a"])
    assert counted["meetings.by_counterpart.intl"] == 1 and counted["cases.under_follow_up"] == 1
    trash(client, "meetings", meeting)
    trash(client, "cases", case)
    assert kpis(client, office=world["office_a"]) == ZERO


# --- periods -----------------------------------------------------------------------------------
def test_period_edges_are_inclusive(world, login):
    client = login("admin")
    for day in ("2022-12-31", "2023-01-01", "2023-03-31", "2023-12-31", "2024-01-01"):
        add(client, "meetings", **tagged(world), date=day, counterpart_category="tr_ngo",
            topic=f"لقاء {day}")
    count = lambda **args: kpis(client, **args)["meetings.total"]  # noqa: E731
    assert count() == 5
    assert count(**{"from": "2023-01-01", "to": "2023-12-31"}) == 3
    assert count(year="2023") == 3
    assert count(year="2023", quarter="1") == 2
    assert count(year="2023", month="12") == 1
    assert count(**{"from": "2023-12-31"}) == 2
    assert count(**{"to": "2022-12-31"}) == 1
    assert count(**{"from": "2023-03-31", "to": "2023-03-31"}) == 1


def test_follow_up_is_counted_at_the_end_of_the_period(world, ctx):
    office = db.session.get(Office, world["office_a"])
    db.session.add_all([
        Case(office=office, opened_on=date(2023, 6, 1), status="follow_up"),
        Case(office=office, opened_on=date(2024, 2, 1), status="follow_up"),
        Case(office=office, opened_on=date(2023, 6, 1), status="closed",
             closed_on=date(2023, 9, 1)),
    ])
    db.session.commit()
    from coalition.kpis.queries import compute

    def follow_up(start, end):
        return compute(Filters(start=start, end=end), ["cases.under_follow_up"])[
            "cases.under_follow_up"]

    assert follow_up(None, None) == 2
    assert follow_up(date(2023, 1, 1), date(2023, 12, 31)) == 1  # the 2024 case was not open
    assert follow_up(date(2024, 1, 1), date(2024, 12, 31)) == 2  # opened in 2023, still open


def test_partnerships_count_when_active_in_the_period(world, ctx):
    db.session.add_all([
        Partner(name_ar="أ", origin="syrian", sector="ngo", partnership_status="active",
                partnership_start=date(2022, 5, 1)),
        Partner(name_ar="ب", origin="turkish", sector="ngo", partnership_status="ended",
                partnership_start=date(2022, 1, 1), partnership_end=date(2022, 12, 31)),
        Partner(name_ar="ج", origin="arab", sector="ngo", partnership_status="proposed",
                partnership_start=date(2022, 1, 1)),
    ])
    db.session.commit()
    from coalition.kpis.queries import compute

    def active(start, end):
        return compute(Filters(start=start, end=end), ["partnerships.total"])[
            "partnerships.total"]

    assert active(None, None) == 2
    assert active(date(2022, 12, 31), date(2022, 12, 31)) == 2  # the last day of "ب"
    assert active(date(2023, 1, 1), date(2023, 12, 31)) == 1
    assert active(date(2021, 1, 1), date(2021, 12, 31)) == 0


# --- office, track and project -------------------------------------------------------------------
def test_office_track_and_project_filters_exclude_the_rest(world, login):
    client = login("admin")
    add(client, "meetings", **tagged(world), date="2024-01-01", counterpart_category="tr_ngo",
        topic="أ")
    add(client, "meetings", **tagged(world, "office_b", "track_2", project=False),
        date="2024-01-01", counterpart_category="tr_ngo", topic="ب")
    add(client, "trainings", **tagged(world, "office_b"), title="ورشة",
        training_kind="workshop", start_date="2024-03-01", hours="4", participants="9",
        trainers="1")
    add(client, "partners", name_ar="شريك", origin="turkish", sector="ngo",
        partnership_status="active", partnership_start="2023-01-01",
        office=str(world["office_b"]))
    add(client, "contacts", name="سارة", contact_kind="person", category="media")
    office_a = kpis(client, office=world["office_a"])
    assert (office_a["meetings.total"], office_a["trainings.hours"]) == (1, 0)
    assert office_a["partnerships.total"] == 0  # a partner's office is honoured
    office_b = kpis(client, office=world["office_b"])
    assert (office_b["meetings.total"], office_b["trainings.hours"]) == (1, 4)
    assert office_b["partnerships.total"] == 1
    track_1 = kpis(client, track=world["track_1"])
    assert (track_1["meetings.total"], track_1["workshops.total"]) == (1, 1)
    assert kpis(client, track=world["track_2"])["workshops.total"] == 0
    project = kpis(client, project=world["project"])
    assert (project["meetings.total"], project["trainings.participants"]) == (1, 9)
    # partners have no track or project, the directory no office: those filters leave them
    for args in ({"track": world["track_2"]}, {"project": world["project"]}):
        assert kpis(client, **args)["partnerships.total"] == 1
    assert kpis(client, office=world["office_a"])["contacts.total"] == 1


# --- API and CLI -------------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    ({"from": "2024-02-30"}, "YYYY-MM-DD"),
    ({"to": "tomorrow"}, "YYYY-MM-DD"),
    ({"from": "2024-03-01", "to": "2024-02-01"}, "after"),
    ({"office": "999"}, "999"),
    ({"track": "x"}, "track"),
    ({"project": "12345678901234567890"}, "project"),
    ({"year": "2024", "from": "2024-01-01"}, "not both"),
    ({"quarter": "5", "year": "2024"}, "1 to 4"),
    ({"month": "2"}, "year"),
])
def test_api_refuses_bad_filters_with_a_clear_message(login, args, words):
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_api_is_for_signed_in_roles_that_see_dashboards(app, world, login):
    response = app.test_client().get("/api/kpis")
    assert response.status_code == 401 and "error" in response.get_json()
    for role in ("admin", "leadership", "coordinator_a", "donor"):
        response = login(role).get("/api/kpis", query_string={"office": world["office_b"]})
        assert response.status_code == 200
        assert response.get_json()["filters"] == {"from": None, "to": None, "office":
                                                  world["office_b"], "track": None,
                                                  "project": None}


def test_cli_prints_the_api_json(app, world, login):
    client = login("admin")
    add(client, "meetings", **tagged(world), date="2024-01-01", government="y",
        counterpart_category="tr_government", topic="أ")
    args = ["kpis", "--from", "2024-01-01", "--to", "2024-12-31", "--office",
            str(world["office_a"]), "--json"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    api = client.get("/api/kpis", query_string={"from": "2024-01-01", "to": "2024-12-31",
                                                "office": world["office_a"]}).get_json()
    assert json.loads(result.output) == api and api["kpis"]["meetings.government"] == 1
    table = app.test_cli_runner().invoke(args=["kpis"])
    line = next(line for line in table.output.splitlines() if line.startswith("meetings.gov"))
    assert line.split()[1] == "1" and len(line.split()) > 2  # key, value, label
    wrong = app.test_cli_runner().invoke(args=["kpis", "--from", "2024-13-01", "--json"])
    assert wrong.exit_code == 2 and "YYYY-MM-DD" in wrong.output


# --- the dashboard -----------------------------------------------------------------------------
def _figures(page: str) -> dict:
    """The Plotly figures a dashboard page carries, by name."""
    return {name: json.loads(text) for name, text in re.findall(
        r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', page, re.S)}


def _cards(page: str) -> dict[str, tuple[float | None, str | None]]:
    """Each KPI card of a dashboard page: its value (None if hidden) and the link to its
    records (if any)."""
    cards = {}
    for chunk in page.split('<div class="card kpi-card" data-kpi="')[1:]:
        chunk = chunk.split('<div class="card kpi-card"')[0].split("</section>")[0]
        key = chunk.split('"')[0]
        link = re.search(r'class="kpi-link[^"]*" href="([^"]+)"', chunk)
        found = re.search(r'data-value="([-\d.]+)"', chunk)
        value = float(found.group(1)) if found else None
        cards[key] = (value, html.unescape(link.group(1)) if link else None)
    return cards


def listed(client, url: str) -> int:
    """How many records the admin list at `url` holds (its tab says "List (n)")."""
    page = client.get(url).get_data(as_text=True)
    count = re.search(r'class="nav-link active">[^<(]*(?:\((\d+)\))?\s*</a>', page)
    assert count, url
    return int(count.group(1) or 0)


def _drawn(figure: dict) -> dict:
    """A figure as static/js/dashboard.js draws it: a monthly chart's traces given the months
    and each bar with a value of a trace with a link its month's days (sent once, in the
    layout's meta)."""
    meta = figure["layout"].get("meta") or {}
    if "months" not in meta:
        return figure
    return {**figure, "data": [
        {**trace, "x": meta["months"], "customdata": [
            span if trace["meta"]["link"] and value else ""
            for span, value in zip(meta["spans"], trace["y"], strict=True)]}
        for trace in figure["data"]]}


def _links(figure: dict) -> list[str]:
    """Every drill-down link in a figure."""
    return [url for trace in _drawn(figure)["data"] for url in trace.get("customdata", [])
            if url]


def test_dashboard_is_for_roles_that_see_dashboards(app, login):
    assert app.test_client().get("/dashboard/").status_code == 302
    for role in ("admin", "leadership", "coordinator_a", "donor"):
        assert login(role).get("/dashboard/").status_code == 200


def test_dashboard_page_has_no_inline_script_and_no_other_host(login):
    page = login("leadership").get("/dashboard/").get_data(as_text=True)
    assert set(_figures(page)) == {"outcomes", "counterparts", "activity", "trainings",
                                   "participants", "partnerships", "offices"}
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag, tag
    # served under names that carry their content's hash (coalition/assets.py)
    assert re.search(r'src="/static/vendor/plotly/plotly-bar-pie\.min\.[0-9a-f]{12}\.js"', page)
    assert re.search(r'src="/static/js/dashboard\.[0-9a-f]{12}\.js"', page)
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)


def test_coordinator_sees_their_office_by_default_and_may_switch(world, login):
    client = login("coordinator_b")
    add(client, "meetings", **tagged(world, "office_b", "track_2"), date="2024-01-01",
        counterpart_category="sy_media", topic="ب")
    add(login("coordinator_a"), "meetings", **tagged(world), date="2024-01-01",
        counterpart_category="sy_media", topic="أ")
    own = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(rf'<option value="{world["office_b"]}" selected>', own)
    assert 'data-kpi="meetings.government"' in own
    counterparts = _figures(own)["counterparts"]["data"][0]
    assert sum(counterparts["x"]) == 1
    total = client.get("/dashboard/?office=all").get_data(as_text=True)
    assert sum(_figures(total)["counterparts"]["data"][0]["x"]) == 2
    assert '<option value="all" selected>' in total


def test_donors_get_figures_but_no_drill_down(world, login):
    add(login("admin"), "meetings", **tagged(world), date="2024-01-01",
        counterpart_category="tr_media", government="y", topic="أ")
    donor = login("donor").get("/dashboard/").get_data(as_text=True)
    assert 'data-value="1"' in donor
    assert "See the records" not in donor and "/meetings/" not in donor
    assert not any(_links(fig) for fig in _figures(donor).values())
    leadership = login("leadership").get("/dashboard/?year=2024").get_data(as_text=True)
    assert any(_links(fig) for fig in _figures(leadership).values())


def test_drill_down_opens_exactly_the_records_behind_a_figure(world, login):
    client = login("admin")
    for day, category, track in (("2024-01-01", "tr_media", "track_1"),
                                 ("2024-02-01", "tr_media", "track_2"),
                                 ("2023-02-01", "tr_media", "track_1"),
                                 ("2024-02-01", "intl", "track_1")):
        add(client, "meetings", **tagged(world, track=track), date=day,
            counterpart_category=category, government="y", topic=day)
    page = client.get("/dashboard/", query_string={"year": "2024", "track": world["track_1"]})
    figures = _figures(page.get_data(as_text=True))
    bars = figures["counterparts"]["data"][0]
    checked = 0
    for value, url in zip(bars["x"], bars["customdata"], strict=True):
        assert listed(client, url) == value, url
        checked += 1
    assert checked == 6 and bars["x"][2] == 1  # tr_media, 2024, track 1
    value, url = _cards(page.get_data(as_text=True))["meetings.government"]
    assert value == listed(client, url) == 2
    # the monthly bars of the meetings view carry their month for their series' link
    meetings = [trace for trace in _drawn(figures["activity"])["data"]
                if trace["meta"]["view"] == 1]
    opened = {}
    for trace in meetings:
        for month, value, period in zip(trace["x"], trace["y"], trace["customdata"],
                                        strict=True):
            if value:
                url = trace["meta"]["link"].replace("__period__", period)
                opened[month] = (value, listed(client, url))
    assert opened == {"2024-01": (1, 1), "2024-02": (1, 1)}


def test_a_link_kept_from_before_a_track_was_recoded_names_its_new_code(app, world, login):
    """Links are kept once worked out (drilldown.made()), by the filters' records' ids and
    codes: a track given a new code is named by it, and the link still opens its records."""
    client = login("admin")
    add(client, "meetings", **tagged(world), date="2024-01-01",
        counterpart_category="tr_media", government="y", topic="أ")
    asked = {"year": "2024", "track": world["track_1"]}
    _value, before = _cards(client.get("/dashboard/", query_string=asked).get_data(
        as_text=True))["meetings.government"]
    assert "=networking" in before and listed(client, before) == 1
    with app.app_context():
        db.session.get(Track, world["track_1"]).code = "networks"
        db.session.commit()
    value, after = _cards(client.get("/dashboard/", query_string=asked).get_data(
        as_text=True))["meetings.government"]
    assert "=networks" in after and "networking" not in after
    assert value == listed(client, after) == 1


def test_charts_follow_the_reading_direction(world, login):
    client = login("leadership")
    client.post("/language/ar", data={"next": "/"})
    arabic = _figures(client.get("/dashboard/").get_data(as_text=True))
    client.post("/language/en", data={"next": "/"})
    english = _figures(client.get("/dashboard/").get_data(as_text=True))
    for name in ("counterparts", "activity", "trainings"):
        assert arabic[name]["layout"]["xaxis"]["autorange"] == "reversed"
        assert arabic[name]["layout"]["yaxis"]["side"] == "right"
        assert "autorange" not in english[name]["layout"]["xaxis"]
    # the offices' small charts: bars from the right, the first chart on the right
    for layout, rtl in ((arabic["offices"]["layout"], True), (english["offices"]["layout"], False)):
        ranges = [axis["range"] for key, axis in layout.items() if key.startswith("xaxis")]
        assert len(ranges) == 6 and all((low > high) == rtl for low, high in ranges)
        assert (layout["xaxis"]["domain"][0] > 0.5) == rtl
    assert arabic["outcomes"]["layout"]["hoverlabel"]["align"] == "right"
    assert arabic["outcomes"]["layout"]["legend"]["xanchor"] == "right"


def test_cards_compare_with_the_period_before(world, login):
    client = login("admin")
    for day in ("2023-06-01", "2024-02-01", "2024-03-01", "2024-12-31"):
        add(client, "meetings", **tagged(world), date=day, government="y",
            counterpart_category="tr_government", topic=day)
    page = client.get("/dashboard/?year=2024").get_data(as_text=True)
    assert _cards(page)["meetings.government"][0] == 3
    card = page.split('data-kpi="meetings.government"')[1].split("</section>")[0]
    change = re.search(r'class="kpi-change[^"]*">\s*<bdi dir="ltr">([^<]+)</bdi>', card)
    assert change.group(1).strip() == "+2 (+200%)"
    assert "kpi-change" not in client.get("/dashboard/").get_data(as_text=True)


def test_coordinators_drill_down_only_into_records_they_may_read(world, login):
    client = login("coordinator_a")
    add(client, "cases", **tagged(world), opened_on="2024-01-10", problem_category="other",
        mediation="none", court_referral="none", status="open")
    own = _cards(client.get("/dashboard/").get_data(as_text=True))
    value, url = own["cases.total"]
    assert value == 1 and url.startswith("/cases/?") and listed(client, url) == 1
    # the coalition's total, or another office's: neither the case figures nor their list
    for office in ("all", world["office_b"]):
        cards = _cards(client.get(f"/dashboard/?office={office}").get_data(as_text=True))
        assert cards["cases.total"] == (None, None) and cards["meetings.government"][1]


def test_a_bad_filter_on_the_dashboard_says_why_and_the_figures_leave_it_out(world, login):
    client = login("admin")
    add(client, "meetings", **tagged(world), date="2024-03-01", government="y",
        counterpart_category="tr_government", topic="أ")
    client.post("/language/en", data={"next": "/"})
    for args, words, boxes in (
            ({"from": "2024-05-01", "to": "2024-04-01"}, "after", ("f-from", "f-to")),
            ({"from": "31/02/2024", "year": ""}, "31/02/2024 is not a date", ("f-from",)),
            ({"from": "tomorrow", "to": "٢٥/١١/٢٠٢٤"}, "tomorrow is not a date", ("f-from",))):
        response = client.get("/dashboard/", query_string=args)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, args
        assert 'id="filter-error"' in page and words in page, args
        assert _cards(page)["meetings.government"][0] == 1, args  # the rest still counts
        for box in boxes:  # the text that could not be read stays, marked, to be corrected
            assert re.search(rf'<input[^>]*class="[^"]*is-invalid[^"]*"[^>]*id="{box}"', page) or \
                re.search(rf'<input[^>]*id="{box}"[^>]*class="[^"]*is-invalid', page), (args, box)
    # a date typed in Arabic-Indic digits is read, and shown back as day/month/year
    page = client.get("/dashboard/", query_string={"from": "٠١/٠٣/٢٠٢٤", "to": "٢٥/١١/٢٠٢٤"}
                      ).get_data(as_text=True)
    assert 'id="filter-error"' not in page and "March 1, 2024 to November 25, 2024" in page
    assert 'value="01/03/2024"' in page and 'value="25/11/2024"' in page
    assert _cards(page)["meetings.government"][0] == 1
    # the boxes are text with the app's picker and the format beside them, not the browser's
    assert 'type="date"' not in page and page.count("data-date-input") == 2
    assert page.count('class="form-text text-muted date-hint"') == 2


# --- the annual report, from the demo data -----------------------------------------------------
REPORT = {
    "cases.total": 1700, "cases.by_outcome.not_legally_possible": 647,
    "cases.by_outcome.directed_to_procedure": 316, "cases.by_outcome.directed_to_legal_action": 316,
    "cases.by_outcome.out_of_scope": 131, "cases.under_follow_up": 13, "cases.mediations": 54,
    "cases.mediations.immigration": 50, "cases.court_referrals": 8, "meetings.government": 71,
    "meetings.by_counterpart.tr_government": 71, "meetings.by_counterpart.tr_ngo": 68,
    "meetings.by_counterpart.tr_media": 43, "meetings.by_counterpart.sy_institution": 27,
    "meetings.by_counterpart.sy_media": 32, "meetings.by_counterpart.intl": 16,
    "meetings.comprehensive": 186, "videos.published": 65, "awareness_activities.total": 30,
    "workshops.total": 19, "trainings.hours": 470, "trainings.participants": 850,
    "trainings.trainers": 127, "partnerships.total": 52,
}


def test_demo_data_gives_the_reports_figures_everywhere(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    api = kpis(client)
    assert {key: api[key] for key in REPORT} == REPORT
    assert sum(api[f"meetings.by_counterpart.{c}"] for c in (
        "tr_government", "tr_ngo", "tr_media", "sy_institution", "sy_media", "intl")) == 257
    cli = app.test_cli_runner().invoke(args=["kpis", "--json"])
    assert json.loads(cli.output)["kpis"] == api

    page = client.get("/dashboard/").get_data(as_text=True)
    cards = _cards(page)
    assert {key: value for key, (value, _url) in cards.items()} == {
        key: REPORT[key] for key, _sub in CARDS}
    shares = re.findall(r'<td class="share"><bdi dir="ltr">([\d.]+)%</bdi>', page)
    assert len(shares) == 5 and round(sum(map(float, shares)), 1) == 100.0
    donut = _figures(page)["outcomes"]["data"][0]
    assert sum(donut["values"]) == 1700 and donut["values"][-1] == 290
    assert round(sum(float(text.rstrip("%")) for text in donut["text"]), 1) == 100.0
    # every card that links to records opens a list of exactly that many
    linked = {key: url for key, (_value, url) in cards.items() if url}
    assert len(linked) >= 7
    for key, url in linked.items():
        assert listed(client, url) == REPORT[key], key


def test_every_chart_is_a_figure_by_plotlys_schema(app, demo):
    import plotly.graph_objects as go

    for lang in ("ar", "en"):
        client = sign_in(app, "leadership", DEMO_PASSWORD)
        client.post(f"/language/{lang}", data={"next": "/"})
        figures = _figures(client.get("/dashboard/?year=2023").get_data(as_text=True))
        assert set(CHARTS) <= set(figures)
        for name, figure in figures.items():
            checked = go.Figure(figure)  # raises on any property Plotly does not know
            assert len(checked.data) == len(figure["data"]), name


# --- the dashboard in a real Chromium: every chart drawn, nothing fetched from another host ---
CHARTS = ("outcomes", "counterparts", "activity", "trainings", "partnerships", "offices")


def _wait_until_clickable(page, chart: str) -> None:
    """Wait until a chart is drawn and listens to clicks (its handler comes after the drawing)."""
    page.wait_for_selector(f"#chart-{chart} .main-svg", timeout=15000)
    page.wait_for_function("""(id) => {
        const chart = document.getElementById(id);
        return Boolean(chart && chart._ev && chart._ev.listeners("plotly_click").length);
    }""", arg=f"chart-{chart}", timeout=15000)


def _click(page, bars: str) -> None:
    """Point at the middle of the first drawn bar and click, as a user does."""
    page.locator(bars).first.scroll_into_view_if_needed()
    box = next(b for b in (page.locator(bars).nth(i).bounding_box()
                           for i in range(page.locator(bars).count()))
               if b and b["height"] > 2 and b["width"] > 2)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_dashboard_draws_every_chart_from_this_server_only(server, chromium, lang):
    context = chromium.new_context(locale=lang, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{server}/login")
    page.fill("input[name=username]", "leadership")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/dashboard/")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    for name in CHARTS:
        _wait_until_clickable(page, name)
    assert page.locator("#chart-outcomes .slice").count() == 5
    assert page.locator("#chart-counterparts .point").count() == 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{lang}.png"), full_page=True)

    # the selector shows one kind of work at a time
    page.select_option("#activity-view", "1")
    shown = page.evaluate("""() => document.getElementById("chart-activity").data
        .filter((trace) => trace.visible === true).map((trace) => trace.meta.view)""")
    assert shown and set(shown) == {1}
    _click(page, "#chart-activity .point path")
    page.wait_for_url("**/meetings/?*", timeout=10000)
    assert "+to+" in page.url or "%20to%20" in page.url
    page.go_back()
    _wait_until_clickable(page, "counterparts")

    # a click on a bar opens the meetings behind it
    _click(page, "#chart-counterparts .point path")
    page.wait_for_url("**/meetings/?*", timeout=10000)
    assert "71" in page.locator(".nav-link.active").inner_text()

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(server).netloc}, requested
    assert not problems, problems
    context.close()


# --- chart labels from records are text ----------------------------------------------------
EVIL = '<a href="https://evil.example/">مكتب</a><b>bold</b>'
def figure(page: str, name: str) -> dict:
    """The Plotly figure the dashboard sends for one chart."""
    found = re.search(rf'<script type="application/json" id="figure-{name}">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


def strings(value) -> list[str]:
    """Every string inside a figure."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_an_office_named_with_markup_is_plain_text_in_every_chart(app, world, login):
    with app.app_context():
        office = db.session.get(Office, world["office_a"])
        office.name_ar = office.name_en = EVIL
        db.session.add(Meeting(office=office, date=world["today"], topic="لقاء",
                               counterpart_category="tr_ngo"))
        db.session.commit()
    for role in ("leadership", "admin", "donor", "coordinator_b"):
        page = login(role).get("/dashboard/").get_data(as_text=True)
        texts = [text for name in re.findall(r'id="figure-([\w-]+)"', page)
                 for text in strings(figure(page, name)["data"])]
        assert not any("<a " in text or "<b>" in text for text in texts), role
        # the coalition's view names every office (a coordinator's, only their own)
        assert role == "coordinator_b" or any("&lt;a href=" in text for text in texts), role




LINKED_NAME = '<a href="https://evil.example/">مكتب الحماية</a>'

@pytest.mark.browser
def test_an_office_named_with_a_link_is_text_in_the_charts(app, server, chromium):
    with app.app_context():
        for office in db.session.scalars(db.select(Office)):
            office.name_ar = office.name_en = LINKED_NAME.replace("مكتب الحماية", office.name_ar)
        db.session.commit()
    context = chromium.new_context(locale="ar", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "leadership")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/dashboard/")
    page.wait_for_selector("#chart-offices .main-svg", timeout=30000)
    links = page.locator(".js-plotly-plot a").evaluate_all(
        "(found) => found.map((a) => a.getAttribute('href') || a.getAttribute('xlink:href'))")
    assert not [href for href in links if href and "evil" in href], links
    # the offices' small charts name the offices once, beside their rows, as plain text
    names = page.locator("#chart-offices .ytick text").all_text_contents()
    assert names and all(text.startswith('<a href="https://evil.example/">') for text in names)
    context.close()


# --- charts with nothing to draw, and counts in whole numbers -----------------------------------
CHART_NAMES = ("outcomes", "counterparts", "activity", "trainings", "participants",
               "partnerships", "offices")


def test_a_selection_with_no_records_says_so_instead_of_drawing_empty_axes(world, login):
    client = login("coordinator_a")
    add(client, "meetings", **tagged(world), date="2024-03-01", government="y",
        counterpart_category="tr_government", topic="أ")
    for args in ({"year": "2015"}, {"from": "01/01/2030"}):
        page = client.get("/dashboard/", query_string=args).get_data(as_text=True)
        for name in CHART_NAMES:
            assert f'id="no-chart-{name}" data-state="empty"' in page, (args, name)
            assert f'id="chart-{name}"' not in page, (args, name)
        assert "لا سجلات لهذا الاختيار" in page  # the default language: Arabic
    # another office's cases: not "no records" but not shown to this reader
    page = client.get("/dashboard/", query_string={"office": world["office_b"]}
                      ).get_data(as_text=True)
    assert 'id="no-chart-outcomes" data-state="hidden"' in page
    # their own office's year: the meeting is drawn, the rest say there is nothing
    page = client.get("/dashboard/", query_string={"year": "2024"}).get_data(as_text=True)
    assert 'id="chart-counterparts"' in page and 'id="chart-activity"' in page
    assert 'id="no-chart-trainings" data-state="empty"' in page


def test_count_axes_show_whole_numbers(world, login):
    client = login("admin")
    for day in ("2024-03-01", "2024-03-02", "2024-04-01"):
        add(client, "meetings", **tagged(world), date=day, government="y",
            counterpart_category="tr_government", topic=day)
    figures = _figures(client.get("/dashboard/?year=2024").get_data(as_text=True))
    axes = {"counterparts": figures["counterparts"]["layout"]["xaxis"],
            "activity": figures["activity"]["layout"]["yaxis"],
            "trainings": figures["trainings"]["layout"]["yaxis"],
            "participants": figures["participants"]["layout"]["yaxis"],
            "partnerships": figures["partnerships"]["layout"]["yaxis"]}
    for name, axis in axes.items():
        assert axis["tickformat"] == ",d" and axis["rangemode"] == "tozero", name
    # three meetings at most: one tick per whole number, never 0.5
    assert axes["counterparts"]["dtick"] == axes["activity"]["dtick"] == 1
    # each view of the monthly chart carries its own whole step for the selector
    assert {trace["meta"]["dtick"] for trace in figures["activity"]["data"]} == {1}


def test_whole_steps_leave_large_counts_to_plotly():
    assert [charts.whole_step(top) for top in (0, 1, 6, 7, 12, 13, 30, 49, 50, 1700)] == [
        1, 1, 1, 2, 2, 5, 5, 10, None, None]
    empty = charts.bars(["a", "b"], [0, 0], ["", ""], rtl=False)
    assert charts.state(empty) == "empty"
    assert charts.state(charts.bars(["a"], [None], [""], rtl=False)) == "hidden"
    assert charts.state(charts.bars(["a", "b"], [0, 3], ["", ""], rtl=True)) is None
    offices = charts.small_multiples(["cases", "meetings"], ["A", "B"], [[1700, 3], [2, 5]],
                                     [["", ""], ["", ""]], rtl=False)
    texts = [text for trace in offices["data"] for text in trace["text"]]
    assert texts == ["1,700", "2", "3", "5"]  # cases of A and B, then their meetings
    # each measure on its own scale: the cases' 1,700 do not flatten the meetings
    assert offices["layout"]["xaxis2"]["range"][1] < 10

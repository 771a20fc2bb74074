"""Figures obey the same rules on every path: the API, the dashboard, the donor workbook and
`flask kpis` show each role the same figures, hide the same ones, and no hidden figure can
be worked out from a total or from the figures beside it."""

import io
import json
import re
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from coalition.database import db
from coalition.kpis.definitions import BY_KEY, CARDS, KPIS, LINES, OFFICE_KEYS, OUTCOME_KEYS
from coalition.kpis.visibility import Audience, Reader, Table, hidden_cells, worked_out
from coalition.models import Case, Meeting, Training, User

ROLES = ("admin", "leadership", "coordinator_a", "coordinator_b", "donor")
ONE_DAY = {"from": "2024-03-10", "to": "2024-03-10"}
YEAR = {"year": "2024"}
CASE_KEYS = [kpi.key for kpi in KPIS if kpi.model is Case]
BREAKDOWNS = [key for key in CASE_KEYS if key != "cases.total"]
#: every need-to-know figure (hidden from donors when small)
SENSITIVE_KEYS = [kpi.key for kpi in KPIS if kpi.sensitive]
#: the figures of records a coordinator reads in their own office only: the cases' and the
#: Detainees Office's
OWN_OFFICE_KEYS = [kpi.key for kpi in KPIS if kpi.sensitive and kpi.model.__tablename__ in (
    "cases", "testimonies", "detainees", "family_support")]
#: office A's and B's cases of 2024: (office, day, outcome, mediation, court, status)
CASES = (
    # the day: two cases in office A, one without an outcome
    [("a", date(2024, 3, 10), "not_legally_possible", "none", "none", "open"),
     ("a", date(2024, 3, 10), None, "immigration", "none", "follow_up")]
    + 2 * [("a", date(2024, 1, 5), "not_legally_possible", "none", "none", "closed")]
    + 6 * [("a", date(2024, 5, 6), "directed_to_procedure", "other", "none", "closed")]
    + 5 * [("a", date(2024, 7, 8), "directed_to_legal_action", "none", "sponsored", "closed")]
    + [("a", date(2024, 9, 9), "out_of_scope", "none", "none", "follow_up")]
    + 7 * [("b", date(2024, 2, 2), "not_legally_possible", "none", "none", "closed")]
    + 2 * [("b", date(2024, 4, 4), "directed_to_procedure", "immigration", "none", "closed")]
    + 7 * [("b", date(2024, 6, 6), "directed_to_legal_action", "none", "none", "closed")]
    + [("b", date(2024, 8, 8), None, "none", "none", "follow_up")]
)


@pytest.fixture
def cases_2024(app, world):
    """Cases of two offices in 2024, small and large breakdowns, and some other work."""
    office = {"a": world["office_a"], "b": world["office_b"]}
    with app.app_context():
        for where, day, outcome, mediation, court, status in CASES:
            db.session.add(Case(office_id=office[where], track_id=world["track_1"],
                                opened_on=day, consultation_outcome=outcome,
                                mediation=mediation, court_referral=court, status=status,
                                closed_on=date(2024, 12, 1) if status == "closed" else None))
        db.session.add_all([
            Meeting(date=date(2024, 3, 10), counterpart_category="tr_ngo", topic="لقاء",
                    office_id=world["office_a"]),
            Meeting(date=date(2024, 6, 1), counterpart_category="intl", topic="لقاء",
                    office_id=world["office_b"], government=True),
            Training(title="ورشة", training_kind="workshop", start_date=date(2024, 3, 10),
                     hours=6.5, participants=3, trainers=1, office_id=world["office_a"]),
        ])
        db.session.commit()
    return world


# --- reading each path -----------------------------------------------------------------------
def english(client):
    """The client, speaking English (so a hidden figure reads "hidden" in the workbook)."""
    client.post("/language/en", data={"next": "/"})
    return client


def from_api(client, args: dict) -> dict:
    """The API's answer: {"kpis": …, "hidden": …}."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def office_bars(figure: dict) -> dict[str, list]:
    """Each office's figures in the offices' small charts (one chart per kind of work, a bar
    per office in each)."""
    names = figure["data"][0]["hovertext"]
    return {name: [trace["x"][n] for trace in figure["data"]] for n, name in enumerate(names)}


def from_dashboard(client, args: dict) -> tuple[dict, dict, dict, str]:
    """The dashboard's figures (key -> value, None if hidden), why the hidden ones are,
    its charts and the page."""
    response = client.get("/dashboard/", query_string=args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    values, why = {}, {}
    for row in re.findall(r'<tr data-kpi="[^>]*>', page):
        key = re.search(r'data-kpi="([^"]+)"', row).group(1)
        value = re.search(r'data-value="([^"]+)"', row)
        reason = re.search(r'data-hidden="([^"]+)"', row)
        values[key] = float(value.group(1)) if value else None
        if reason:
            why[key] = reason.group(1)
    charts = {name: json.loads(text) for name, text in re.findall(
        r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', page, re.S)}
    return values, why, charts, page


def from_workbook(client, args: dict) -> dict | None:
    """The donor workbook's figures (key -> cell), or None when it is refused."""
    started = client.post("/exports/donor.xlsx", query_string=args)  # a background job
    if started.status_code == 403:
        return None
    assert started.status_code == 303, started.get_data(as_text=True)[:500]
    job = started.headers["Location"]
    response = client.get(f"{job}/file")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[1]
    figures = {}
    for _label, value, _before, key in sheet.iter_rows(min_row=2, max_col=4, values_only=True):
        if key is None:
            break
        figures[key] = value
    return figures


def exact(app, args: dict) -> dict:
    """Every figure as it is: `flask kpis --json`, as the operator sees it."""
    options = [part for name, value in args.items() for part in (f"--{name}", str(value))]
    if "year" in args:
        options = ["--from", f"{args['year']}-01-01", "--to", f"{args['year']}-12-31",
                   *[o for o in options if o not in ("--year", args["year"])]]
    result = app.test_cli_runner().invoke(args=["kpis", *options, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["kpis"]


def offices_of(world, role: str) -> dict[str, object]:
    """own, other and coalition office filters for a role (own = A for those with none)."""
    own, other = (("office_b", "office_a") if role == "coordinator_b"
                  else ("office_a", "office_b"))
    return {"own": world[own], "other": world[other], "coalition": "all"}


def lines_hold(by_office: dict[object, dict], hidden: dict[object, set]) -> None:
    """No line of figures (a total and its parts: the outcomes of an office, or one figure
    over the offices) has exactly one hidden cell, which the rest would give away."""
    columns = list(by_office)
    for total, parts in LINES:
        for column in columns:
            count = sum(key in hidden[column] for key in (total, *parts))
            assert count != 1, (column, total, hidden[column])
    offices = [column for column in columns if column != "all"]
    for key in CASE_KEYS:
        count = sum(key in hidden[column] for column in columns)
        assert count != 1, (key, {c: key in hidden[c] for c in columns})
        shown = [by_office[column][key] for column in offices]
        if all(value is not None for value in shown) and by_office["all"][key] is not None:
            assert sum(shown) == by_office["all"][key]  # every case has office A or B


# --- the matrix ------------------------------------------------------------------------------
@pytest.mark.parametrize("period", [ONE_DAY, YEAR], ids=["one day", "a year"])
def test_every_figure_for_every_role_office_and_period_is_the_same_on_every_path(
        app, cases_2024, login, period):
    world = cases_2024
    donor = english(login("donor"))
    for role in ROLES:
        client = english(login(role))
        for place, office in offices_of(world, role).items():
            args = {**period, "office": office}
            truth = exact(app, {**period, **({"office": office} if office != "all" else {})})
            api = from_api(client, args)
            values, hidden = api["kpis"], api["hidden"]
            assert sorted(values) == sorted(kpi.key for kpi in KPIS)
            # who may see what: need-to-know by the access rules, small cells hidden
            restricted = {key for key, why in hidden.items() if why == "restricted"}
            suppressed = {key for key, why in hidden.items() if why == "suppressed"}
            if role.startswith("coordinator") and place != "own":
                assert restricted == set(OWN_OFFICE_KEYS), (role, place)
            else:
                assert not restricted, (role, place)
            if role == "donor":
                small = {key for key in BREAKDOWNS if 0 < truth[key] < 5}
                assert small <= suppressed <= set(SENSITIVE_KEYS), (place, small, suppressed)
            else:
                assert not suppressed, (role, place)
            for key, value in values.items():
                assert value == (None if key in hidden else truth[key]), (role, place, key)

            # the dashboard: every figure, the cards and the charts
            shown, why, charts, page = from_dashboard(client, args)
            assert why == hidden, (role, place)
            assert shown == values, (role, place)
            for key, _sub in CARDS:
                card = page.split(f'data-kpi="{key}"')[1].split('<div class="card kpi-card"')[0]
                if key in hidden:
                    assert f'data-hidden="{hidden[key]}"' in card and "data-value" not in card
                else:
                    assert f'data-value="{values[key]}"' in card
            donut = charts["outcomes"]["data"][0]
            outcomes = [values[key] for key in OUTCOME_KEYS if key not in hidden]
            assert donut["values"][:len(outcomes)] == outcomes
            if values["cases.total"] is not None:
                assert sum(donut["values"]) == values["cases.total"]
            else:
                assert donut["values"] == []
            if office == "all":  # each office's bars are what the API gives for that office
                for name, bars in office_bars(charts["offices"]).items():
                    other = world["office_a"] if name == "Protection Office" \
                        else world["office_b"]
                    own = from_api(client, {**period, "office": other})["kpis"]
                    assert bars == [own[key] for key in OFFICE_KEYS], (role, name)

            # the workbook: what donors see, given only to one who may see every figure
            book = from_workbook(client, args)
            if restricted:
                assert book is None, (role, place)
                continue
            assert book is not None, (role, place)
            as_donor = from_api(donor, args)
            assert book == {key: "hidden" if key in as_donor["hidden"] else value
                            for key, value in as_donor["kpis"].items()}, (role, place)


@pytest.mark.parametrize("period", [ONE_DAY, YEAR], ids=["one day", "a year"])
def test_no_hidden_figure_can_be_worked_out_from_its_row_or_column(cases_2024, login, period):
    donor = login("donor")
    by_office = {}
    hidden = {}
    for office in (cases_2024["office_a"], cases_2024["office_b"], "all"):
        api = from_api(donor, {**period, "office": office})
        by_office[office], hidden[office] = api["kpis"], set(api["hidden"])
    lines_hold(by_office, hidden)
    assert hidden[cases_2024["office_a"]]  # there is something to protect


def test_two_cases_on_one_day_are_not_given_away(app, cases_2024, login):
    """Office A's day: two cases, one not legally possible, one with no outcome."""
    donor = login("donor")
    api = from_api(donor, {**ONE_DAY, "office": cases_2024["office_a"]})
    assert api["kpis"]["cases.total"] == 2  # how much work: as it is
    assert api["hidden"]["cases.by_outcome.not_legally_possible"] == "suppressed"
    assert api["hidden"]["cases.without_outcome"] == "suppressed"
    assert api["hidden"]["cases.mediations"] == "suppressed"
    assert api["kpis"]["meetings.total"] == 1 and api["kpis"]["trainings.participants"] == 3
    # the two hidden outcomes add up to 2 with the total: 1 and 1, 2 and 0 or 0 and 2 fit
    outcomes = {key: api["kpis"][key] for key in OUTCOME_KEYS}
    assert sum(value is None for value in outcomes.values()) == 2
    assert api["kpis"]["cases.total"] - sum(v for v in outcomes.values() if v is not None) == 2
    page = english(donor).get("/dashboard/", query_string={
        **ONE_DAY, "office": cases_2024["office_a"]}).get_data(as_text=True)
    card = page.split('data-kpi="cases.mediations"')[1].split("</div>\n  </div>")[0]
    assert "hidden" in card and "data-value" not in card
    assert not re.search(r'<td class="share"><bdi dir="ltr">50\.0%', page)


def test_a_coordinator_reads_another_offices_cases_nowhere(cases_2024, login):
    client = login("coordinator_b")
    other = {**YEAR, "office": cases_2024["office_a"]}
    api = from_api(client, other)
    assert api["kpis"]["cases.total"] is None and api["hidden"]["cases.total"] == "restricted"
    assert api["kpis"]["meetings.total"] == 1  # the rest of office A's work is shared
    values, _why, charts, page = from_dashboard(client, other)
    assert values["cases.total"] is None
    card = page.split('data-kpi="cases.total"')[1].split('<div class="card kpi-card"')[0]
    assert "data-value" not in card and 'data-hidden="restricted"' in card
    # the coalition's dashboard shows B's cases beside A's work, never A's cases
    _values, _why, charts, _page = from_dashboard(english(client), {**YEAR, "office": "all"})
    bars = office_bars(charts["offices"])
    index = OFFICE_KEYS.index("cases.total")
    assert bars["Protection Office"][index] is None and bars["Detainees Office"][index] == 17
    assert client.get("/exports/donor.xlsx", query_string=other).status_code == 403


def test_the_command_prints_what_a_role_or_a_user_sees(app, cases_2024, login):
    runner = app.test_cli_runner()
    office_a = ["--from", "2024-01-01", "--to", "2024-12-31", "--office",
                str(cases_2024["office_a"])]
    args = {"year": "2024", "office": cases_2024["office_a"]}
    for options, role in ((["--as-role", "donor"], "donor"), (["--user", "coord_b"],
                                                              "coordinator_b"),
                          (["--as-role", "coordinator", "--as-office",
                            str(cases_2024["office_a"])], "coordinator_a"), ([], "admin")):
        result = runner.invoke(args=["kpis", *office_a, *options, "--json"])
        assert result.exit_code == 0, result.output
        api = from_api(login(role), args)
        assert json.loads(result.output)["kpis"] == api["kpis"], options
        assert json.loads(result.output)["hidden"] == api["hidden"], options
    table = runner.invoke(args=["kpis", *office_a, "--as-role", "donor"], env={
        "COALITION_LANG": "en"})
    line = next(line for line in table.output.splitlines()
                if line.startswith("cases.by_outcome.out_of_scope"))
    assert line.split()[1] == "hidden"
    for wrong in (["--as-role", "coordinator"], ["--user", "nobody"],
                  ["--user", "donor", "--as-role", "donor"], ["--as-role", "king"]):
        result = runner.invoke(args=["kpis", *wrong])
        assert result.exit_code == 2, (wrong, result.output)


def test_audiences_are_equal_for_the_same_rules_and_office(app, cases_2024):
    with app.app_context():
        coordinator = db.session.query(User).filter_by(username="coord_a").one()
        assert Audience.of(coordinator) == Audience.of(Reader("coordinator",
                                                              cases_2024["office_a"]))
        assert Audience.of(Reader("donor")) != Audience.of(Reader("leadership"))
        assert len({Audience.of(Reader(role)) for role in ("admin", "leadership")}) == 1


# --- secondary suppression on any table ------------------------------------------------------
def solvable(table: Table, hidden: set) -> set:
    """The hidden cells that the shown cells and the lines fix: exact elimination over the
    rationals, written apart from the app's."""
    cells = sorted(hidden, key=str)
    rows = []
    for total, parts in table.lines:
        row = [Fraction(0)] * len(cells)
        for cell, sign in ((total, -1), *((part, 1) for part in parts)):
            if cell in hidden:
                row[cells.index(cell)] += sign
        rows.append(row)
    pivots, top = [], 0
    for col in range(len(cells)):
        lead = next((r for r in range(top, len(rows)) if rows[r][col]), None)
        if lead is None:
            continue
        rows[top], rows[lead] = rows[lead], rows[top]
        rows[top] = [value / rows[top][col] for value in rows[top]]
        for r in range(len(rows)):
            if r != top and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[top], strict=True)]
        pivots.append((col, top))
        top += 1
    free = [c for c in range(len(cells)) if c not in {col for col, _ in pivots}]
    return {cells[col] for col, r in pivots if not any(rows[r][f] for f in free)}


counts = st.integers(min_value=0, max_value=12)


@st.composite
def detainee_figures(draw):
    """An office's Detainees Office figures: statuses, and parties of the latest arrest,
    each adding up to the persons documented."""
    from coalition.kpis.definitions import DETAINEE_PARTY_KEYS, DETAINEE_STATUS_KEYS

    row = {key: draw(counts) for key in SENSITIVE_KEYS if key not in CASE_KEYS}
    row.update({key: draw(counts) for key in DETAINEE_STATUS_KEYS})
    row["detainees.total"] = sum(row[key] for key in DETAINEE_STATUS_KEYS)
    parties = {key: draw(st.integers(0, 4)) for key in DETAINEE_PARTY_KEYS[:-1]}
    if sum(parties.values()) > row["detainees.total"]:
        parties = dict.fromkeys(parties, 0)
    parties[DETAINEE_PARTY_KEYS[-1]] = row["detainees.total"] - sum(parties.values())
    return {**row, **parties}


@st.composite
def tables(draw):
    """A coalition of 1 to 4 offices with random case figures that add up as cases do."""
    offices = list(range(1, draw(st.integers(min_value=1, max_value=4)) + 1))
    rows = []
    for _office in offices:
        row = {key: draw(counts) for key in OUTCOME_KEYS}
        row["cases.total"] = sum(row[key] for key in OUTCOME_KEYS)
        row.update({key: draw(counts) for key in CASE_KEYS if key not in row})
        row.update(draw(detainee_figures()))
        rows.append(row)
    coalition = {key: sum(row[key] for row in rows) for key in SENSITIVE_KEYS}
    return Table.of([coalition, *rows], offices)


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from([3, 5, 10]))
def test_secondary_suppression_leaves_nothing_to_work_out(table, below):
    hidden = hidden_cells(table, below)
    small = {cell for cell in table.breakdowns if 0 < table.values[cell] < below}
    assert small <= hidden
    for total, parts in table.lines:  # no row or column with a single hidden cell
        assert sum(cell in hidden for cell in (total, *parts)) != 1, (total, hidden)
    assert not solvable(table, hidden)
    assert not worked_out(table, hidden)
    assert hidden_cells(table, below) == hidden  # the same records hide the same cells


def test_a_single_hidden_outcome_is_not_left_next_to_its_total():
    """3 cases not legally possible beside 5, 6 and 7 others: 3 = 21 - 5 - 6 - 7, so one
    more outcome is hidden; and beside office B's 6 of a coalition's 9, one more there."""
    a = dict(zip(OUTCOME_KEYS, (3, 5, 6, 7, 0), strict=True))
    b = dict(zip(OUTCOME_KEYS, (6, 8, 9, 10, 11), strict=True))
    rows = []
    for outcomes in (a, b):
        rows.append({**dict.fromkeys(SENSITIVE_KEYS, 0), **{key: 20 for key in CASE_KEYS},
                     **outcomes, "cases.total": sum(outcomes.values())})
    coalition = {key: rows[0][key] + rows[1][key] for key in SENSITIVE_KEYS}
    table = Table.of([coalition, *rows], [1, 2])
    hidden = hidden_cells(table, 5)
    first = ("cases.by_outcome.not_legally_possible", 1)
    assert first in hidden and len(hidden) >= 4
    assert len([cell for cell in hidden if cell[1] == 1]) >= 2
    assert len([cell for cell in hidden if cell[0] == first[0]]) >= 2
    assert not solvable(table, hidden)
    assert all(BY_KEY[key].sensitive for key, _office in hidden)

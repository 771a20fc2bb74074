"""Monitoring figures: flows add up per crossing and period, stocks never do; the demo
reproduces the deportation report (000) and the campaign's published figures (004)."""

import json
import re
from datetime import date

import pytest

from coalition.database import db
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute
from coalition.models import Indicator, MonitoringFigure, Place
from coalition.monitoring.models import latest_stocks
from tests.helpers import (
    DEMO_PASSWORD,
    check_create_edit_delete,
    check_refused_next_to_the_field,
    form_errors,
    make_indicator,
    make_monitoring_figure,
    make_place,
    office_forms,
    sign_in,
)

CROSSINGS = {"tel_abyad": 12016, "bab_al_hawa": 14603, "bab_al_salama": 18601,
             "jarablus": 11852}
JAN_JUL = {"from": "2024-01-01", "to": "2024-07-31"}


def api(client, **args) -> dict:
    """The API's figures under these filters."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["kpis"]


def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client):
    check_create_edit_delete(app, world, coordinator_client, "monitoring_figures")


@pytest.mark.parametrize(("bad", "field"), [
    ({"period_end": ""}, "period_end"),                          # a flow needs its period
    ({"period_end": "2024-02-01", "period_start": "2024-03-01"}, "period_end"),
    ({"as_of": "2024-03-31"}, "as_of"),                          # a flow has no "as of"
    ({"measure": "stock"}, "as_of"),                             # a stock needs its date
    ({"value": "-5"}, "value"),
])
def test_a_figure_that_does_not_hold_together_is_refused_at_its_field(
        app, world, coordinator_client, bad, field):
    check_refused_next_to_the_field(app, world, coordinator_client, "monitoring_figures", bad,
                                    field)


def test_a_stock_with_a_period_is_refused(app, world, coordinator_client):
    _model, data, _f, _v = office_forms(world)["monitoring_figures"]
    response = coordinator_client.post("/monitoring_figures/new/", data={
        **data, "measure": "stock", "as_of": "2024-03-31"})
    assert response.status_code == 200
    assert any("اترك الفترة فارغة" in e for e in form_errors(response)), form_errors(response)


def test_flows_add_up_per_crossing_and_within_the_period(app, world, login):
    client = login("admin")
    with app.app_context():
        bab = make_place("bab_al_hawa")
        other = make_indicator("arrests")
        make_monitoring_figure(world["office_a"], value=100)
        make_monitoring_figure(world["office_a"], value=50, period_start=date(2024, 2, 1),
                               period_end=date(2024, 2, 29))
        make_monitoring_figure(world["office_b"], value=7, place=bab)
        make_monitoring_figure(world["office_a"], value=1000, period_start=date(2024, 8, 1),
                               period_end=date(2024, 8, 31))  # after the period
        make_monitoring_figure(world["office_a"], value=9, indicator=other)  # not deportations
        make_monitoring_figure(world["office_a"], value=5000, measure="stock")  # never summed
        trashed = make_monitoring_figure(world["office_a"], value=300)
        trashed.deleted_at = trashed.created_at
        db.session.commit()
    figures = api(client, **JAN_JUL)
    assert figures["deportations.by_crossing.tel_abyad"] == 150
    assert figures["deportations.by_crossing.bab_al_hawa"] == 7
    assert figures["deportations.total"] == 157
    assert api(client, **JAN_JUL, office=world["office_b"])["deportations.total"] == 7
    assert api(client, year="2024", month="2")["deportations.total"] == 50
    with app.app_context():  # the rollups and the direct SQL agree
        filters = Filters(start=date(2024, 1, 1), end=date(2024, 7, 31))
        keys = ["deportations.total", "deportations.by_crossing.tel_abyad"]
        assert compute(filters, keys) == compute(filters, keys, direct=True)


def test_two_stocks_give_the_latest_not_their_sum(app, world, login):
    with app.app_context():
        gone = make_indicator("enforced_disappearances")
        make_monitoring_figure(world["office_a"], indicator=gone, measure="stock",
                               as_of=date(2023, 1, 1), value=90000, publishable=True,
                               source_name="مصدر قديم")
        make_monitoring_figure(world["office_a"], indicator=gone, measure="stock",
                               as_of=date(2024, 3, 1), value=96000, publishable=True,
                               source_name="الحملة")
        make_monitoring_figure(world["office_a"], indicator=gone, measure="stock",
                               as_of=date(2024, 5, 1), value=99999, publishable=False)
        assert [f.value for f in latest_stocks(date(2024, 7, 31))] == [96000]
        assert [f.value for f in latest_stocks(date(2023, 12, 31))] == [90000]
        assert [f.value for f in latest_stocks(date(2024, 7, 31), published_only=False)] == [
            99999]
        assert latest_stocks(date(2022, 12, 31)) == []
    page = login("donor").get("/dashboard/", query_string=JAN_JUL).get_data(as_text=True)
    stocks = page[page.index('id="stocks"'):]
    stocks = stocks[:stocks.index("</table>")]
    assert re.findall(r'data-value="(\d+)"', stocks) == ["96000"]
    assert "الحملة" in stocks and "186000" not in page and "186,000" not in page


def test_an_office_adds_an_indicator_and_a_crossing_of_its_own(app, world, login):
    client = login("coordinator_b")
    assert client.post("/monitoring_places/new/", data={
        "code": "kessab", "name_ar": "كسب", "place_kind": "crossing"}).status_code == 302
    assert client.post("/monitoring_indicators/new/", data={
        "code": "forced_returns", "name_ar": "الإعادة القسرية"}).status_code == 302
    with app.app_context():
        place = db.session.query(Place).filter_by(code="kessab").one()
        indicator = db.session.query(Indicator).filter_by(code="forced_returns").one()
        assert place.place_kind == "crossing" and indicator.name_ar == "الإعادة القسرية"
    # a figure of another office cannot be changed by this coordinator
    with app.app_context():
        theirs = make_monitoring_figure(world["office_a"]).id
    assert client.get(f"/monitoring_figures/edit/?id={theirs}").status_code == 403


def test_markup_in_a_source_is_shown_as_text(app, world, login):
    with app.app_context():
        make_monitoring_figure(world["office_a"], measure="stock", publishable=True,
                               source_name="<script>alert(1)</script>")
    page = login("admin").get("/dashboard/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_demo_reproduces_the_deportation_report(app, demo):
    result = app.test_cli_runner().invoke(args=[
        "kpis", "--from", "2024-01-01", "--to", "2024-07-31", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["kpis"]
    for code, count in CROSSINGS.items():
        assert figures[f"deportations.by_crossing.{code}"] == count
    assert figures["deportations.total"] == 57072
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    assert {k: v for k, v in api(client, **JAN_JUL).items() if k.startswith("deport")} == {
        k: v for k, v in figures.items() if k.startswith("deport")}
    with app.app_context():  # seven months a crossing, each a flow of its month
        flows = db.session.query(MonitoringFigure).filter_by(measure="flow").all()
        assert len(flows) == 28 and all(f.period_start.day == 1 for f in flows)
        assert {(s.indicator.code, s.value) for s in latest_stocks(date(2024, 7, 31))} == {
            ("deaths_under_torture", 13200), ("deaths_under_torture_children", 163),
            ("deaths_under_torture_women", 43), ("enforced_disappearances", 96000)}
    page = client.get("/dashboard/", query_string=JAN_JUL).get_data(as_text=True)
    assert 'id="chart-deportations"' in page and 'data-value="13200"' in page
    chart = json.loads(re.search(r'id="figure-deportations">(.*?)</script>', page,
                                 re.S).group(1))
    assert len(chart["data"]) == 4 and all(len(t["y"]) == 7 for t in chart["data"])
    assert sum(sum(t["y"]) for t in chart["data"]) == 57072
    # each crossing's bars open its figures of that month
    link = chart["data"][0]["meta"]["link"].replace(
        "__period__", chart["data"][0]["customdata"][0])
    listed = client.get(link).get_data(as_text=True)
    assert re.search(r'class="nav-link active">[^<(]*\(1\)\s*</a>', listed), link

"""Monitoring figures: flows add up per crossing and period, stocks never do; the demo
reproduces the deportation report (000) and the campaign's published figures (004)."""

import io
import json
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from coalition import models  # models.Testimony: a "Test…" name would be collected
from coalition.database import db
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute
from coalition.models import AuditEntry, Indicator, MonitoringFigure, Place
from coalition.monitoring.models import latest_stocks
from tests.helpers import (
    DEMO_PASSWORD,
    SECRET_STATEMENT,
    check_create_edit_delete,
    check_refused_next_to_the_field,
    form_errors,
    make_indicator,
    make_monitoring_figure,
    make_place,
    make_testimony,
    office_forms,
    sign_in,
)
from tests.test_kpis import _drawn

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
        "__period__", _drawn(chart)["data"][0]["customdata"][0])
    listed = client.get(link).get_data(as_text=True)
    assert re.search(r'class="nav-link active">[^<(]*\(1\)\s*</a>', listed), link


# --- testimonies ---------------------------------------------------------------------------------
def donor_workbook_bytes(client) -> bytes:
    """The donor workbook's file, fetched through its background job as the dashboard does."""
    started = client.post("/exports/donor.xlsx")
    assert started.status_code == 303, started.get_data(as_text=True)[:800]
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="job-file" href="([^"]+)"', page)
    assert link, page[:2000]
    return client.get(link.group(1)).data


def xlsx_text(data: bytes) -> str:
    """Every cell of an xlsx file, and every part of it as text."""
    book = load_workbook(io.BytesIO(data))
    cells = [str(cell) for sheet in book.worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "\n".join([*cells, *(package.read(name).decode("utf-8", "replace")
                                    for name in package.namelist())])


def test_a_coordinator_records_a_testimony(app, world, coordinator_client):
    check_create_edit_delete(app, world, coordinator_client, "testimonies")


def test_the_statement_is_encrypted_need_to_know_and_each_view_logged(app, world, login):
    _model, data, _f, _v = office_forms(world)["testimonies"]
    client = login("coordinator_a")
    created = client.post("/testimonies/new/", data={**data, "personal_statement": "نص سري"})
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        testimony = db.session.query(models.Testimony).one()
        raw = db.session.execute(text("SELECT text FROM testimony_statements")).scalar()
        assert testimony.statement.text == "نص سري" and "نص سري" not in raw
        record_id = testimony.id
    details = f"/testimonies/details/?id={record_id}"
    assert "نص سري" in client.get(details).get_data(as_text=True)
    assert "نص سري" in login("admin").get(details).get_data(as_text=True)
    seen_by_leadership = login("leadership").get(details)
    assert seen_by_leadership.status_code == 200
    assert "نص سري" not in seen_by_leadership.get_data(as_text=True)
    assert login("coordinator_b").get(details).status_code == 403
    assert "نص سري" not in login("leadership").get(
        f"/testimonies/edit/?id={record_id}").get_data(as_text=True)
    with app.app_context():
        views = db.session.query(AuditEntry).filter_by(action="view_personal").count()
        assert views == 2  # coordinator A and the admin; not leadership
        trail = " ".join(str(e.changes) for e in db.session.query(AuditEntry))
        assert "نص سري" not in trail


def test_a_statement_needs_consent_and_an_anonymous_witness_is_not_named(app, world, login):
    _model, data, _f, _v = office_forms(world)["testimonies"]
    client = login("coordinator_a")
    refused = client.post("/testimonies/new/", data={
        **{k: v for k, v in data.items() if k not in ("consent_given", "consent_reports")},
        "personal_statement": "نص"})
    assert refused.status_code == 200 and form_errors(refused)
    named = client.post("/testimonies/new/", data={**data, "consent_named": "y"})
    assert named.status_code == 200 and form_errors(named)
    with app.app_context():
        assert db.session.query(models.Testimony).count() == 0


def test_the_statement_and_unconsented_summaries_never_leave_the_app(app, world, login):
    with app.app_context():
        make_testimony(world["office_a"], summary="ملخص مسموح بنشره")
        make_testimony(world["office_a"], consent_reports=False,
                       summary="ملخص بلا موافقة على التقارير")
    admin = login("admin")
    kept_in = (SECRET_STATEMENT, "ملخص بلا موافقة على التقارير")
    csv_list = admin.get("/exports/list/testimonies.csv").get_data(as_text=True)
    assert "ملخص مسموح بنشره" in csv_list
    xlsx_list = xlsx_text(admin.get("/exports/list/testimonies.xlsx").data)
    assert "ملخص مسموح بنشره" in xlsx_list
    api_answer = admin.get("/api/kpis").get_data(as_text=True)
    donor_file = xlsx_text(donor_workbook_bytes(admin))
    with app.app_context():
        trail = " ".join(str(e.changes) for e in db.session.query(AuditEntry))
    for secret in kept_in:
        for where, found in (("csv", csv_list), ("xlsx", xlsx_list), ("api", api_answer),
                             ("donor", donor_file)):
            assert secret not in found, where
    assert SECRET_STATEMENT not in trail


def test_testimony_figures(app, world, login):
    with app.app_context():
        make_testimony(world["office_a"], signed_voluntary_return=True)
        make_testimony(world["office_a"], anonymous=False, kimlik=False)
        make_testimony(world["office_b"], taken_on=date(2023, 5, 1))
    figures = api(login("admin"), year="2024")
    assert (figures["testimonies.total"], figures["testimonies.anonymous"],
            figures["testimonies.with_kimlik"],
            figures["testimonies.signed_voluntary_return"]) == (2, 1, 1, 1)
    # a coordinator sees another office's testimony figures "not shown"
    other = login("coordinator_b").get("/api/kpis", query_string={
        "year": "2024", "office": world["office_a"]}).get_json()
    assert other["kpis"]["testimonies.total"] is None


def test_the_demo_holds_the_six_testimonies_of_the_report(app, demo):
    result = app.test_cli_runner().invoke(args=[
        "kpis", "--from", "2024-01-01", "--to", "2024-12-31", "--json"])
    figures = json.loads(result.output)["kpis"]
    assert figures["testimonies.total"] == 6 and figures["testimonies.anonymous"] == 5
    client = sign_in(app, "admin", DEMO_PASSWORD)
    answer = api(client, year="2024")
    assert (answer["testimonies.total"], answer["testimonies.anonymous"]) == (6, 5)
    with app.app_context():
        assert {t.taken_on.month for t in db.session.query(models.Testimony)} == {7}


def test_figures_and_testimonies_come_in_from_a_workbook(app, world, login):
    """The import's sheets: a crossing's monthly flow and a stock by code or name, testimonies
    without their statements; a figure that does not hold together is refused as on the
    form, and nothing of that workbook is written."""
    from tests.test_imports import as_bytes, english, fill, problems, template, upload, written

    client = english(login("coordinator_a"))
    book = template(client)
    flow = {"indicator": "deportations", "place": "تل أبيض", "measure": "flow",
            "period_start": "2024-02-01", "period_end": "2024-02-29", "value": 1700,
            "source_name": "إدارة معبر تل أبيض", "source_kind": "crossing_administration",
            "source_wording": "مغادرة الأراضي التركية", "publishable": "yes"}
    fill(book, "monitoring_figures", flow,
         {**flow, "place": "", "measure": "stock", "period_start": None, "period_end": None,
          "as_of": "2024-03-01", "value": 96000, "source_name": "منظمة حقوقية"})
    fill(book, "testimonies",
         {"taken_on": "2024-07-10", "subject": "forced_deportation", "witness_pseudonym": "ش1",
          "anonymous": "yes", "consent_given": "yes", "consent_reports": "yes", "kimlik": "yes",
          "signed_voluntary_return": "yes", "crossing": "tel_abyad",
          "summary": "رُحّل بعد توقيف في إسطنبول"})
    bad = template(client)
    fill(bad, "monitoring_figures", {**flow, "period_end": None})  # a flow needs its period
    refused = upload(client, as_bytes(bad))
    assert not written(refused)
    assert [(sheet, field) for sheet, _row, _col, field in problems(refused)] == [
        ("monitoring_figures", "period_end")]
    assert "A flow needs the first and last day of its period." in refused.get_data(
        as_text=True)

    assert written(upload(client, as_bytes(book)))
    figures = api(client, year="2024")
    assert figures["deportations.by_crossing.tel_abyad"] == 1700
    assert figures["deportations.total"] == 1700  # the stock is not a flow: never summed
    own = api(client, year="2024", office=world["office_a"])  # testimonies: need-to-know
    assert (own["testimonies.total"], own["testimonies.with_kimlik"],
            own["testimonies.signed_voluntary_return"]) == (1, 1, 1)
    with app.app_context():
        stock = db.session.query(MonitoringFigure).filter_by(measure="stock").one()
        assert stock.dated_on == date(2024, 3, 1) and stock.place_id is None
        witness = db.session.query(models.Testimony).one()
        assert witness.statement is None and witness.crossing.code == "tel_abyad"
        assert witness.office_id == world["office_a"]
    # the same workbook again writes nothing twice
    assert written(upload(client, as_bytes(book)))
    assert api(client, year="2024")["deportations.by_crossing.tel_abyad"] == 1700


def test_a_figure_not_marked_publishable_reaches_no_donor(app, world, login, tmp_path):
    """Leadership counts every figure; a donor (the API, the dashboard's chart) and the donor
    workbook, whoever makes it, count only the figures marked publishable."""
    with app.app_context():
        make_monitoring_figure(world["office_a"], value=120, publishable=True)
        make_monitoring_figure(world["office_a"], value=7)  # not cleared for publication
    assert api(login("leadership"), **JAN_JUL)["deportations.total"] == 127
    assert api(login("coordinator_b"), **JAN_JUL)["deportations.total"] == 127
    donor = login("donor")
    figures = api(donor, **JAN_JUL)
    assert (figures["deportations.total"], figures["deportations.by_crossing.tel_abyad"]) == (
        120, 120)
    page = donor.get("/dashboard/", query_string=JAN_JUL).get_data(as_text=True)
    # the figure nowhere, whatever ids the page's filters carry (value="127" is a track's)
    assert not re.search(r'(?<![\w"=/.-])127(?![\w"])', page)
    out = tmp_path / "donor.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "export-donor", "--from", "2024-01-01", "--to", "2024-07-31", "--lang", "en",
        "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = load_workbook(out)["Summary"]
    rows = {row[-1]: row[1] for row in summary.iter_rows(values_only=True) if row}
    assert rows["deportations.total"] == 120

"""Campaigns and delegations: a campaign's demands, the figures it cites and the work done for
it; the dashboard and the API narrowed to one campaign; meetings held during an event."""

import io
import json
import re
from datetime import date

import openpyxl

from coalition.database import db
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute
from coalition.models import Campaign, Event, Meeting, MonitoringFigure
from tests.helpers import (
    DEMO_PASSWORD,
    check_create_edit_delete,
    check_refused_next_to_the_field,
    form_errors,
    make_campaign,
    make_event,
    make_meeting,
    make_monitoring_figure,
    make_publication,
    make_video,
    office_forms,
    sign_in,
)


def api(client, **args) -> dict:
    """The API's answer under these filters."""
    response = client.get("/api/kpis", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_coordinator_creates_edits_and_deletes_a_campaign(app, world, coordinator_client):
    check_create_edit_delete(app, world, coordinator_client, "campaigns")


def test_a_campaign_cites_figures_and_ends_after_it_starts(app, world, coordinator_client):
    with app.app_context():
        stock = make_monitoring_figure(world["office_b"], measure="stock", value=96000,
                                       period_start=None, period_end=None,
                                       source_name="الحملة الدولية")
        stock_id = stock.id
    _model, data, _f, _v = office_forms(world)["campaigns"]
    created = coordinator_client.post("/campaigns/new/", data={**data,
                                                               "figures": str(stock_id)})
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        campaign = db.session.query(Campaign).one()
        assert [f.value for f in campaign.figures] == [96000]
        assert campaign.demands == "الكشف عن مصير المختفين قسرياً"
        db.session.delete(campaign)
        db.session.commit()
    check_refused_next_to_the_field(app, world, coordinator_client, "campaigns",
                                    {"end_date": "2023-12-31"}, "end_date")
    # an id typed in Arabic-Indic digits is read as the number it is (never a 500 on
    # PostgreSQL, which refuses "٣" for an integer); an unknown one is left out
    typed = "".join("٠١٢٣٤٥٦٧٨٩"[int(digit)] for digit in str(stock_id))
    for figures in (typed, "٩٩٩٩"):
        response = coordinator_client.post("/campaigns/new/", data={
            **data, "code": f"c{len(figures)}", "figures": figures})
        assert response.status_code in (200, 302), response.status_code


def test_another_offices_coordinator_cannot_edit_a_campaign(app, world, login):
    with app.app_context():
        campaign_id = make_campaign(world["office_a"]).id
    other = login("coordinator_b")
    assert other.get(f"/campaigns/details/?id={campaign_id}").status_code == 200
    assert other.get(f"/campaigns/edit/?id={campaign_id}").status_code == 403
    _model, data, _f, _v = office_forms(world)["campaigns"]
    refused = other.post(f"/campaigns/edit/?id={campaign_id}",
                         data={**data, "aim": "تغيير", "record_version": "1"})
    assert refused.status_code == 403
    # nor move a campaign into its own office by creating one there
    mine = other.post("/campaigns/new/", data={**data, "office": str(world["office_a"])})
    assert mine.status_code == 200
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).aim == "المناصرة لقضية المعتقلين"
        assert db.session.query(Campaign).count() == 1


def test_donors_get_403_on_the_campaigns_screen(app, world, login):
    with app.app_context():
        campaign_id = make_campaign(world["office_a"]).id
    donor = login("donor")
    for url in ("/campaigns/", f"/campaigns/details/?id={campaign_id}", "/campaigns/new/"):
        assert donor.get(url).status_code == 403, url


def test_a_campaigns_page_lists_its_work_and_the_figures_it_cites(app, world, login):
    with app.app_context():
        stock = make_monitoring_figure(world["office_a"], measure="stock", value=13200,
                                       period_start=None, period_end=None)
        campaign = make_campaign(world["office_a"], figures=[stock])
        make_event(world["office_a"], title="وقفة تضامنية", campaign=campaign)
        make_meeting(world["office_a"], topic="لقاء مع عائلات المعتقلين", campaign=campaign)
        make_video(world["office_a"], title="شهادة ناجٍ", campaign=campaign)
        make_publication(world["office_a"], title="بيان الحملة", campaign=campaign)
        make_publication(world["office_a"], title="تقرير لا يخص الحملة")
        gone = make_video(world["office_a"], title="فيديو في سلة المحذوفات", campaign=campaign)
        gone.deleted_at = gone.created_at
        db.session.commit()
        campaign_id = campaign.id
    page = login("leadership").get(f"/campaigns/details/?id={campaign_id}").get_data(
        as_text=True)
    for section, text in (("campaign-figures", "13"), ("campaign-events", "وقفة تضامنية"),
                          ("campaign-meetings", "لقاء مع عائلات المعتقلين"),
                          ("campaign-videos", "شهادة ناجٍ"),
                          ("campaign-publications", "بيان الحملة")):
        found = re.search(f'id="{section}"(.*?)</table>', page, re.S)
        assert found and text in found.group(1), section
    assert "تقرير لا يخص الحملة" not in page and "فيديو في سلة المحذوفات" not in page
    assert 'id="campaign-awareness-activities"' in page  # listed, empty
    with app.app_context():
        db.session.get(Campaign, campaign_id).demands = "الكشف عن المصير\nتسليم القوائم"
        db.session.commit()
    page = login("coordinator_b").get(f"/campaigns/details/?id={campaign_id}").get_data(
        as_text=True)
    demands = re.search(r'<ol class="mb-0 campaign-demands">(.*?)</ol>', page, re.S)
    assert demands and demands.group(1).count("<li>") == 2


def test_the_campaign_filter_counts_only_that_campaigns_work(app, world, login):
    with app.app_context():
        ours, theirs = make_campaign(world["office_a"]), make_campaign(world["office_b"])
        for office, campaign in ((world["office_a"], ours), (world["office_b"], theirs),
                                 (world["office_a"], None)):
            make_meeting(office, campaign=campaign, comprehensive=False,
                         counterpart_category="intl", date=date(2024, 3, 5))
            make_event(office, campaign=campaign, attendees=40)
        make_publication(world["office_a"], campaign=ours)
        make_video(world["office_a"], campaign=ours, video_kind="awareness_video")
        cited = make_monitoring_figure(world["office_a"], value=500)
        make_monitoring_figure(world["office_a"], value=700)  # not cited
        ours.figures = [cited]
        db.session.commit()
        ours_id, theirs_id = ours.id, theirs.id
    client = login("leadership")
    every, only = api(client, year="2024"), api(client, year="2024", campaign=str(ours_id))
    assert only["filters"]["campaign"] == ours_id and "campaign" not in every["filters"]
    kpis = only["kpis"]
    assert (every["kpis"]["meetings.total"], kpis["meetings.total"]) == (3, 1)
    assert kpis["meetings.by_counterpart.intl"] == 1
    assert (every["kpis"]["events.total"], kpis["events.total"]) == (3, 1)
    assert kpis["events.participants"] == 40
    assert kpis["publications.total"] == 1 and kpis["videos.published"] == 1
    assert (every["kpis"]["deportations.total"], kpis["deportations.total"]) == (1200, 500)
    # other kinds of record are no campaign's work; the targets have no campaign
    assert kpis["cases.total"] == 0 and kpis["partnerships.total"] == 0
    assert only["targets"] == {}
    assert api(client, campaign=str(theirs_id))["kpis"]["meetings.total"] == 1
    # a campaign that does not exist is refused, saying so
    refused = client.get("/api/kpis?campaign=999999")
    assert refused.status_code == 400 and "999999" in refused.get_json()["error"]
    # the CLI and the direct SQL give the same figures (the rollups cannot narrow a campaign)
    cli = app.test_cli_runner().invoke(args=["kpis", "--year", "2024", "--campaign",
                                             str(ours_id), "--json"])
    assert json.loads(cli.output)["kpis"] == kpis
    with app.app_context():
        filters = Filters.parse({"year": "2024", "campaign": str(ours_id)})
        assert compute(filters) == compute(filters, direct=True)
        assert compute(filters)["meetings.total"] == 1


def test_the_dashboard_narrows_to_a_campaign_and_its_cards_link_to_its_work(app, world,
                                                                             login):
    with app.app_context():
        campaign = make_campaign(world["office_a"], name_ar="حملة المعتقلين")
        make_meeting(world["office_a"], campaign=campaign, government=True,
                     counterpart_category="tr_government", comprehensive=False)
        make_meeting(world["office_a"], government=True, counterpart_category="tr_government",
                     comprehensive=False)
        campaign_id = campaign.id
    client = login("leadership")
    page = client.get(f"/dashboard/?office=all&campaign={campaign_id}").get_data(as_text=True)
    assert 'id="campaign-only"' in page and "حملة المعتقلين" in page
    card = re.search(r'data-kpi="meetings.government".*?data-value="(\d+)"', page, re.S)
    assert card and card.group(1) == "1"
    link = re.search(r'data-kpi="meetings.government".*?href="(/meetings/[^"]+)"', page, re.S)
    assert link
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    count = re.search(r'class="nav-link active">[^<(]*(?:\((\d+)\))?\s*</a>', listed)
    assert count and count.group(1) == "1", link.group(1)


def test_meetings_are_listed_under_their_event(app, world, login):
    with app.app_context():
        delegation = make_event(world["office_a"], title="وفد إلى جنيف",
                                event_kind="delegation_visit")
        for n in range(3):
            make_meeting(world["office_a"], topic=f"لقاء مع بعثة دائمة {n + 1}",
                         event=delegation, comprehensive=False, counterpart_category="intl")
        make_meeting(world["office_a"], topic="لقاء خارج الوفد")
        event_id = delegation.id
    page = login("coordinator_b").get(f"/events/details/?id={event_id}").get_data(as_text=True)
    listed = re.search(r'id="event-meetings"(.*?)</table>', page, re.S)
    assert listed and all(f"لقاء مع بعثة دائمة {n}" in listed.group(1) for n in (1, 2, 3))
    assert "لقاء خارج الوفد" not in page
    assert listed.group(1).count("/meetings/details/") == 3


def test_a_meeting_is_held_during_an_event_of_its_own_office(app, world, coordinator_client,
                                                             login):
    with app.app_context():
        ours = make_event(world["office_a"], title="وفد إلى واشنطن").id
        theirs = make_event(world["office_b"], title="فعالية مكتب آخر").id
    check_refused_next_to_the_field(app, world, coordinator_client, "meetings",
                                    {"event": str(theirs)}, "event")
    # a coordinator's look-up offers only their office's events, the latest first, dated
    with app.app_context():
        older = make_event(world["office_a"], title="وفد إلى واشنطن الأول",
                           date=date(2020, 5, 4)).id
    offered = coordinator_client.get("/meetings/ajax/lookup/?name=event&query=وفد").get_json()
    assert [pk for pk, _text in offered] == [ours, older]
    assert offered[1][1] == "\u2068وفد إلى واشنطن الأول\u2069 — 04/05/2020"
    assert coordinator_client.get("/meetings/ajax/lookup/?name=event&query=فعالية"
                                  ).get_json() == []
    # a donor reads no meeting form, so no look-up of its events either
    assert login("donor").get("/meetings/ajax/lookup/?name=event&query=وفد"
                              ).status_code == 403
    # the form no longer lists every event of the office
    assert "وفد إلى واشنطن" not in coordinator_client.get("/meetings/new/").get_data(
        as_text=True)
    # a look-up of many (the figures a campaign cites) still offers every office's
    with app.app_context():
        cited = make_monitoring_figure(world["office_b"], source_name="تقرير مكتب آخر").id
    found = coordinator_client.get("/campaigns/ajax/lookup/?name=figures&query=تقرير"
                                   ).get_json()
    assert [pk for pk, _text in found] == [cited]
    # an admin, offered every event, is told which rule the choice breaks
    _model, data, _f, _v = office_forms(world)["meetings"]
    refused = login("admin").post("/meetings/new/", data={**data, "event": str(theirs)})
    assert "another office" in " ".join(form_errors(refused)) or "لمكتب آخر" in " ".join(
        form_errors(refused))
    created = coordinator_client.post("/meetings/new/", data={**data, "event": str(ours)})
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        assert db.session.query(Meeting).one().event.title == "وفد إلى واشنطن"


def test_the_demo_holds_the_campaign_for_detainees_and_the_delegations(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(code="detainees_campaign").one()
        assert campaign.office.code == "detainees" and campaign.end_date is None
        assert len(campaign.demands.splitlines()) == 5
        assert sorted(f.value for f in campaign.figures) == [43, 163, 13200, 96000]
        assert all(f.measure == "stock" and f.publishable for f in campaign.figures)
        assert {e.title for e in campaign.events} >= {
            "الدعوى الهولندية الكندية ضد النظام السوري أمام محكمة العدل الدولية"}
        assert len(campaign.publications) == 1
        campaign_id = campaign.id
        delegations = {e.place: e for e in db.session.query(Event).filter_by(
            event_kind="delegation_visit")}
        geneva, washington = delegations["جنيف"].meetings, delegations["واشنطن"].meetings
        assert len(geneva) == 8 and len(washington) == 5
        assert all(m.office.code == "advocacy" and m.counterpart_category == "intl"
                   for m in (*geneva, *washington))
        topics = " ".join(m.topic for m in washington)
        for met in ("وزارة الخارجية", "USAID", "مجلس الأمن القومي", "مجلس النواب"):
            assert met in topics
        partners = {e.title: sorted(p.name_latin for p in e.partners) for e in
                    db.session.query(Event).filter(Event.place.in_(("برلين", "إدلب")))}
        assert sorted(partners.values()) == [["SAMS", "Syria Civil Defence"],
                                             ["SCNP", "SLDP"]]
    figures = api(client, campaign=str(campaign_id))["kpis"]
    assert figures["events.total"] == 2 and figures["publications.total"] == 1
    assert figures["meetings.total"] == 0 and figures["deportations.total"] == 0
    page = client.get(f"/dashboard/?campaign={campaign_id}").get_data(as_text=True)
    stocks = re.search(r'id="stocks"(.*?)</table>', page, re.S)
    assert stocks and "96" in stocks.group(1) and "13" in stocks.group(1)
    with app.app_context():
        assert db.session.query(MonitoringFigure).count() == 28 + 4


def _workbook(client, sheets: dict[str, list[dict]]) -> bytes:
    """The app's import template with these rows (field key -> value) on these sheets."""
    book = openpyxl.load_workbook(io.BytesIO(client.get("/import/template").data))
    for name, rows in sheets.items():
        keys = [cell.value for cell in book[name][1]]
        for row in rows:
            assert set(row) <= set(keys), set(row) - set(keys)
            book[name].append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_campaigns_and_the_work_done_for_them_are_imported(app, world, coordinator_client):
    with app.app_context():
        make_campaign(world["office_a"], code="detainees_campaign", name_ar="حملة المعتقلين")
    data = _workbook(coordinator_client, {
        "campaigns": [{"code": "torture_victims", "name_ar": "حملة ضحايا التعذيب",
                       "start_date": "2024-06-01", "demands": "تسليم الجثث"}],
        "events": [{"date": "2024-06-26", "title": "وقفة", "campaign": "حملة المعتقلين"}],
        "meetings": [{"date": "2024-06-27", "topic": "لقاء", "comprehensive": "yes",
                      "campaign": "detainees_campaign"}],
    })
    response = coordinator_client.post("/import/", data={
        "workbook": (io.BytesIO(data), "office.xlsx")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert 'data-written="yes"' in response.get_data(as_text=True), form_errors(response)
    with app.app_context():
        imported = db.session.query(Campaign).filter_by(code="torture_victims").one()
        assert imported.office_id == world["office_a"] and imported.demands == "تسليم الجثث"
        ours = db.session.query(Campaign).filter_by(code="detainees_campaign").one()
        assert [e.title for e in ours.events] == ["وقفة"]
        assert [m.topic for m in ours.meetings] == ["لقاء"]
    unknown = _workbook(coordinator_client, {"videos": [{
        "title": "فيديو", "video_kind": "reel", "published_on": "2024-06-01",
        "campaign": "no_such_campaign"}]})
    refused = coordinator_client.post("/import/", data={
        "workbook": (io.BytesIO(unknown), "office.xlsx")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert 'data-written="yes"' not in refused.get_data(as_text=True)
    assert "no_such_campaign" in refused.get_data(as_text=True)


def test_the_donor_workbook_of_a_campaign_holds_only_its_work(app, world, login):
    with app.app_context():
        campaign = make_campaign(world["office_a"], code="detainees", name_ar="حملة المعتقلين")
        make_meeting(world["office_a"], topic="لقاء الحملة", campaign=campaign)
        make_meeting(world["office_a"], topic="لقاء آخر")
        campaign_id = campaign.id
    client = login("leadership")
    started = client.post("/exports/donor.xlsx", query_string={"year": "2024",
                                                                "campaign": campaign_id})
    assert started.status_code == 303
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="job-file" href="([^"]+)"', page)
    assert link, page[:2000]
    response = client.get(link.group(1))
    assert "campaign-detainees" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    text = " ".join(str(cell) for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True) for cell in row if cell)
    assert "حملة المعتقلين" in text and "لقاء الحملة" in text and "لقاء آخر" not in text


def test_a_campaign_in_the_trash_is_offered_on_no_form_but_stays_where_chosen(
        app, world, coordinator_client):
    with app.app_context():
        live, trashed = make_campaign(world["office_a"]), make_campaign(world["office_a"])
        meeting = make_meeting(world["office_a"], campaign_id=trashed.id)
        live_id, trashed_id, meeting_id = live.id, trashed.id, meeting.id
        trashed.deleted_at = trashed.created_at
        db.session.commit()

    def offered(url: str) -> set[str]:
        page = coordinator_client.get(url).get_data(as_text=True)
        select = page[page.index('id="campaign"'):]
        return set(re.findall(r'<option[^>]*value="(\d+)"', select[:select.index("</select>")]))

    assert offered("/meetings/new/") == {str(live_id)}
    # the meeting already linked keeps its campaign: the edit shows it and saves unchanged
    assert offered(f"/meetings/edit/?id={meeting_id}") == {str(live_id), str(trashed_id)}
    _model, data, _f, _v = office_forms(world)["meetings"]
    saved = coordinator_client.post(f"/meetings/edit/?id={meeting_id}", data={
        **data, "campaign": str(trashed_id), "record_version": "1"})
    assert saved.status_code == 302, form_errors(saved)
    refused = coordinator_client.post("/meetings/new/", data={**data, "campaign": str(trashed_id)})
    assert refused.status_code == 200  # not a valid choice on a new meeting
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).campaign_id == trashed_id
        assert db.session.query(Meeting).count() == 1

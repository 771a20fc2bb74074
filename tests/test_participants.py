"""Participants split by women, men and under 18: KPIs from the rollups equal to the records,
the dashboard's chart and table, and the donor workbook, with small splits hidden from donors."""

import re
from datetime import date

from coalition.database import db
from coalition.kpis import rollups
from coalition.kpis.definitions import BY_KEY, PARTICIPANT_KEYS
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute
from coalition.models import Training
from tests.helpers import make_awareness_activity, make_event, make_training
from tests.test_exports import TRAININGS, donor, summary

YEAR = {"from": "2024-01-01", "to": "2024-12-31"}


def _records(world) -> None:
    a, b = world["office_a"], world["office_b"]
    make_training(a, participants=30, women=12, men=18, under_18=5)
    make_training(a, participants=10, women=3, men=7)
    make_training(b, participants=20)  # not split
    make_training(b, participants=8, women=8, men=0, under_18=2,
                  start_date=date(2023, 5, 1))  # another year
    make_awareness_activity(a, attendees=40, women=25, men=15, under_18=10)
    make_event(b, attendees=80, women=30, men=50, under_18=0)
    make_event(b, attendees=6, women=2, men=4, under_18=1)


def test_the_split_kpis_add_the_records_and_equal_the_direct_sql(app, world, ctx):
    _records(world)
    filters = Filters.parse({"year": "2024"})
    keys = [key for keys in PARTICIPANT_KEYS.values() for key in keys]
    figures = compute(filters, keys)
    assert figures == {
        "trainings.participants": 60, "trainings.participants.women": 15,
        "trainings.participants.men": 25, "trainings.participants.under_18": 5,
        "awareness_activities.participants": 40,
        "awareness_activities.participants.women": 25,
        "awareness_activities.participants.men": 15,
        "awareness_activities.participants.under_18": 10,
        "events.participants": 86, "events.participants.women": 32,
        "events.participants.men": 54, "events.participants.under_18": 1}
    assert Training in rollups.usable()[1]  # read from the rollup …
    assert compute(filters, keys, direct=True) == figures  # … which equals the records
    for office in (world["office_a"], world["office_b"]):
        one = Filters.parse({"year": "2024", "office": str(office)})
        assert compute(one, keys) == compute(one, keys, direct=True)
    # a change moves the figures at once, and the rollup still equals the records
    training = db.session.query(Training).filter_by(participants=10).one()
    training.women, training.men = 4, 6
    db.session.commit()
    assert compute(filters, ["trainings.participants.women"]) == {
        "trainings.participants.women": 16}
    assert rollups.rebuild(check_only=True) == []
    assert all(BY_KEY[key].sensitive for keys in PARTICIPANT_KEYS.values() for key in keys[1:])


def test_the_api_and_dashboard_show_the_split_and_hide_small_ones_from_donors(app, world,
                                                                            login):
    with app.app_context():
        _records(world)
    leadership = login("leadership").get("/api/kpis?year=2024").get_json()
    assert leadership["kpis"]["events.participants.under_18"] == 1
    assert "events.participants.under_18" not in leadership["hidden"]
    donors = login("donor").get("/api/kpis?year=2024").get_json()
    assert donors["kpis"]["events.participants.under_18"] is None
    assert donors["hidden"]["events.participants.under_18"] == "suppressed"
    assert donors["kpis"]["trainings.participants.women"] == 15  # large enough
    assert donors["kpis"]["events.participants"] == 86  # a whole is not a split
    page = login("donor").get("/dashboard/?year=2024").get_data(as_text=True)
    assert 'id="chart-participants"' in page and 'id="participants-table"' in page
    table = re.search(r'id="participants-table".*?</table>', page, re.S).group(0)
    assert "15" in table and "86" in table
    figure = re.search(r'id="figure-participants">(.*?)</script>', page, re.S).group(1)
    assert '"y":[15' in figure.replace(" ", "") or "15" in figure
    coordinator = login("coordinator_a").get("/api/kpis?year=2024").get_json()
    assert coordinator["kpis"]["events.participants.under_18"] == 1  # trainings etc. are read


def test_the_donor_workbook_shows_the_split_added_up_never_record_by_record(app, world,
                                                                           login):
    with app.app_context():
        _records(world)
    client = login("leadership")
    client.post("/language/en", data={"next": "/"})
    book = donor(client, **YEAR)
    figures = summary(book)
    assert figures["trainings.participants.women"][1] == 15
    assert figures["events.participants.under_18"][1] == "hidden"  # 1 person: too few
    header = [cell.value for cell in book.worksheets[TRAININGS][1]]
    assert "Title" in header and "Of whom women" not in header

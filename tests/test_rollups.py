"""Rollups: the figures read from them equal the direct SQL over the records, whatever the
records, their changes and the filters; and every kind of write moves the figures at once."""

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coalition import versions
from coalition.choices import (
    CASE_STATUSES,
    CONSULTATION_OUTCOMES,
    COUNTERPART_CATEGORIES,
    COURT_REFERRALS,
    MEDIATIONS,
    ORIGINS,
    PARTNERSHIP_STATUSES,
    TRAINING_KINDS,
    VIDEO_KINDS,
)
from coalition.database import db, utcnow
from coalition.kpis import rollups
from coalition.kpis.definitions import ACTIVITY_KEYS, OUTCOME_KEYS, TRAINING_KEYS
from coalition.kpis.filters import Filters
from coalition.kpis.queries import breakdown, compute_many
from coalition.models import (
    Case,
    Contact,
    Meeting,
    Office,
    Partner,
    Project,
    Track,
    Training,
    Video,
)
from tests.test_imports import as_bytes, office_workbook, upload, written
from tests.test_kpis import add, kpis, tagged, trash

SERIAL = itertools.count()
#: across the ends of years and months, where the rollups switch between grains
FIRST, DAYS = date(2023, 11, 20), 480
days = st.builds(lambda n: FIRST + timedelta(days=n), st.integers(0, DAYS))
maybe_days = st.none() | days


def _work(draw, ids: dict) -> dict:
    return {"office_id": draw(st.sampled_from(ids["offices"])),
            "track_id": draw(st.sampled_from([*ids["tracks"], None])),
            "project_id": draw(st.sampled_from([ids["project"], None]))}


@st.composite
def records(draw, ids: dict):
    """One record of a rolled-up kind, with random dates, places and coded values."""
    kind = draw(st.sampled_from(["meeting", "case", "training", "partner", "video",
                                 "contact"]))
    n = draw(st.integers(0, 10**9))
    if kind == "meeting":
        category = draw(st.sampled_from([*COUNTERPART_CATEGORIES.codes, None]))
        return Meeting(**_work(draw, ids), date=draw(days), counterpart_category=category,
                       government=draw(st.booleans()), comprehensive=draw(st.booleans()),
                       topic=f"m{n}")
    if kind == "case":
        return Case(**_work(draw, ids), opened_on=draw(days), closed_on=draw(maybe_days),
                    status=draw(st.sampled_from(CASE_STATUSES.codes)),
                    consultation_outcome=draw(st.sampled_from(
                        [*CONSULTATION_OUTCOMES.codes, None])),
                    mediation=draw(st.sampled_from(MEDIATIONS.codes)),
                    court_referral=draw(st.sampled_from(COURT_REFERRALS.codes)))
    if kind == "training":
        return Training(**_work(draw, ids), title=f"t{n}", start_date=draw(days),
                        training_kind=draw(st.sampled_from(TRAINING_KINDS.codes)),
                        hours=draw(st.sampled_from([0, 1.5, 2, 7.5])),
                        participants=draw(st.integers(0, 40)), trainers=draw(st.integers(0, 3)))
    if kind == "partner":
        return Partner(name_ar=f"p{n}", origin=draw(st.sampled_from(ORIGINS.codes)),
                       sector="ngo", office_id=draw(st.sampled_from([*ids["offices"], None])),
                       partnership_status=draw(st.sampled_from(PARTNERSHIP_STATUSES.codes)),
                       partnership_start=draw(maybe_days), partnership_end=draw(maybe_days))
    if kind == "video":
        return Video(**_work(draw, ids), title=f"v{n}", published_on=draw(days),
                     video_kind=draw(st.sampled_from(VIDEO_KINDS.codes)))
    return Contact(name=f"c{next(SERIAL)}", organisation=str(n))  # never the same entry twice


@st.composite
def changes(draw, ids: dict):
    """What then happens to a record: nothing, an edit, the trash, the trash and back."""
    return draw(st.sampled_from(["keep", "edit", "trash", "restore", "hard"])), draw(days), \
        draw(st.sampled_from(ids["offices"]))


def _change(record, what: str, day: date, office: int) -> None:
    """Apply one change to a record already in the database."""
    if what == "edit":
        for name in ("date", "opened_on", "start_date", "published_on"):
            if hasattr(record, name):
                setattr(record, name, day)
        if hasattr(record, "office_id"):
            record.office_id = office
        if isinstance(record, Case):
            record.status, record.closed_on = "follow_up", None
        if isinstance(record, Partner):
            record.partnership_status, record.partnership_end = "active", day
    elif what in ("trash", "restore"):
        record.deleted_at = utcnow()
    elif what == "hard":
        db.session.delete(record)


@st.composite
def filters(draw, ids: dict):
    """Random filters: a period (either end open), an office, a track, a project."""
    start, end = draw(maybe_days), draw(maybe_days)
    if start and end and start > end:
        start, end = end, start
    named = {
        "office": draw(st.sampled_from([None, *ids["offices"]])),
        "track": draw(st.sampled_from([None, *ids["tracks"]])),
        "project": draw(st.sampled_from([None, ids["project"]])),
    }
    return start, end, named


def _filters(start, end, named) -> Filters:
    models = {"office": Office, "track": Track, "project": Project}
    return Filters(start=start, end=end, **{name: db.session.get(models[name], value)
                                            for name, value in named.items()
                                            if value is not None})


def _empty_records() -> None:
    for model in (Meeting, Case, Training, Partner, Video, Contact):
        db.session.query(model).delete()
    rollups.rebuild()  # the rollups emptied as the records were: their versions move
    db.session.commit()


BREAKDOWNS = ((ACTIVITY_KEYS, ("track", "month")), (TRAINING_KEYS, ("training_kind",)),
              (("partnerships.total",), ("origin",)), (OUTCOME_KEYS, ("office", "project")),
              (("cases.under_follow_up",), ("month",)))


def test_rollups_give_the_figures_of_the_direct_sql(app, world):
    ids = {"offices": [world["office_a"], world["office_b"]],
           "tracks": [world["track_1"], world["track_2"]], "project": world["project"]}

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(st.lists(st.tuples(records(ids), changes(ids)), max_size=25),
           st.lists(filters(ids), min_size=1, max_size=4))
    def check(written, asked):
        with app.app_context():
            _empty_records()
            db.session.add_all([record for record, _change_ in written])
            db.session.flush()
            for record, (what, day, office) in written:
                _change(record, what, day, office)
            db.session.flush()
            for record, (what, _day, _office) in written:
                if what == "restore":
                    record.deleted_at = None
            db.session.commit()
            assert set(rollups.usable()[1]) == set(rollups.ROLLUPS)
            asks = [(_filters(*f), None) for f in asked]
            assert compute_many(asks) == compute_many(asks, direct=True)
            for keys, by in BREAKDOWNS:
                for each, _keys in asks:
                    assert breakdown(each, keys, by) == breakdown(each, keys, by, direct=True)
            assert rollups.rebuild(check_only=True) == []
            db.session.rollback()

    check()


def test_rebuild_reports_a_rollup_that_drifted_and_mends_it(ctx, world):
    db.session.add(Meeting(office_id=world["office_a"], date=date(2024, 5, 6),
                           counterpart_category="intl", topic="x"))
    db.session.commit()
    table = rollups.ROLLUPS[Meeting].table
    db.session.execute(table.update().values(meetings_total=table.c.meetings_total + 2))
    db.session.commit()
    difference, = rollups.rebuild()
    db.session.commit()
    assert difference.table == "rollup_meetings" and difference.cells == 3
    assert difference.figures == {"meetings_total": (3, 1)}
    assert rollups.rebuild(check_only=True) == []
    assert compute_many([(Filters(), ["meetings.total"])]) == [{"meetings.total": 1}]


def test_a_stale_rollup_is_not_read_until_rebuilt(ctx, world):
    db.session.add(Meeting(office_id=world["office_a"], date=date(2024, 5, 6), topic="x"))
    db.session.commit()
    versions.set_state(db.session.connection(), "rollup:meetings", "stale")
    table = rollups.ROLLUPS[Meeting].table
    db.session.execute(table.delete())
    db.session.commit()
    assert Meeting not in rollups.usable()[1]
    assert compute_many([(Filters(), ["meetings.total"])]) == [{"meetings.total": 1}]
    assert rollups.stale() == [Meeting]
    rollups.rebuild(rollups.stale())
    db.session.commit()
    assert Meeting in rollups.usable()[1] and rollups.stale() == []


def test_rebuild_command_reports_and_repairs(app, world):
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.add(Meeting(office_id=world["office_a"], date=date(2024, 5, 6), topic="x"))
        db.session.commit()
        db.session.execute(rollups.ROLLUPS[Meeting].table.delete())
        db.session.commit()
    checked = runner.invoke(args=["rebuild-rollups", "--check"])
    assert checked.exit_code == 1 and "rollup_meetings: 3 cells differed" in checked.output
    assert "meetings_total: held 0, records say 1" in checked.output
    assert runner.invoke(args=["rebuild-rollups"]).exit_code == 0
    assert "matched" in runner.invoke(args=["rebuild-rollups", "--check"]).output


def _direct(app) -> dict:
    with app.app_context():
        return compute_many([(Filters(), None)], direct=True)[0]


def test_every_kind_of_write_moves_the_figures_at_once(app, world, login):
    admin = login("admin")
    reader = login("leadership")
    start = kpis(reader)
    assert kpis(reader) == start  # served from the cache: nothing changed
    meeting = add(admin, "meetings", **tagged(world), date="2024-03-01",
                  counterpart_category="intl", topic="form")
    after_form = kpis(reader)
    assert after_form["meetings.by_counterpart.intl"] == start["meetings.by_counterpart.intl"] + 1
    assert after_form == _direct(app)

    fields = {**tagged(world), "date": "2024-03-01", "counterpart_category": "sy_media",
              "topic": "form", "record_version": "1"}
    assert admin.post(f"/meetings/edit/?id={meeting}", data=fields).status_code == 302
    edited = kpis(reader)
    assert edited["meetings.by_counterpart.intl"] == start["meetings.by_counterpart.intl"]
    assert edited["meetings.by_counterpart.sy_media"] == after_form[
        "meetings.by_counterpart.sy_media"] + 1
    assert edited == _direct(app)

    trash(admin, "meetings", meeting)
    deleted = kpis(reader)
    assert deleted["meetings.total"] == start["meetings.total"] and deleted == _direct(app)

    assert admin.post(f"/trash/restore/meetings/{meeting}").status_code == 302
    restored = kpis(reader)
    assert restored["meetings.total"] == start["meetings.total"] + 1
    assert restored == _direct(app)

    coordinator = login("coordinator_a")
    response = upload(coordinator, as_bytes(office_workbook(coordinator)))
    assert written(response)
    imported = kpis(reader)
    assert imported["meetings.total"] == restored["meetings.total"] + 3
    assert imported["cases.total"] == restored["cases.total"] + 3
    assert imported == _direct(app)
    with app.app_context():
        assert rollups.rebuild(check_only=True) == []
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 4

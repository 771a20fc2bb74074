"""Benchmark of the KPI API and the dashboard page on SQLite (not a test).

Generates 200,000 activity records (meetings, trainings, videos, awareness activities,
events) and 50,000 cases in a fresh SQLite file with bulk inserts and builds the rollups,
then times requests of /api/kpis and /dashboard/ through the test client, each "when
nothing changed" (the same request again) and "just after a write" (a meeting saved before
each request, which moves the data version), and prints the median, the 95th percentile and
the SQL statements per request.

    .venv/bin/python bench/bench_kpis.py [--requests 30] [--activities 200000] [--cases 50000]
        [--no-cache]

--no-cache computes every figure afresh (CACHE_TYPE=NullCache), as before the cache.

Targets (issue 16), medians on this 2-core machine: with 1,000,000 activity records and
250,000 cases, /api/kpis for all periods under 60 ms just after a write and under 15 ms when
nothing changed, /dashboard/ under 200 ms and under 60 ms; with 200,000 and 50,000, the API
under 100 ms and the dashboard under 250 ms.
"""

import argparse
import random
import time
from datetime import date, timedelta

import _common  # first: every file of the run goes under a temporary folder
from flask_migrate import upgrade
from sqlalchemy import event, func, insert, select, text

from app import create_app
from coalition.choices import (
    CONSULTATION_OUTCOMES,
    COUNTERPART_CATEGORIES,
    EVENT_KINDS,
    ORIGINS,
    TRAINING_KINDS,
    VIDEO_KINDS,
)
from coalition.database import db
from coalition.kpis import rollups
from coalition.models import (
    AwarenessActivity,
    Case,
    Event,
    Meeting,
    Office,
    Partner,
    Project,
    Track,
    Training,
    User,
    Video,
)

PASSWORD = "benchmark password"
START, DAYS = date(2015, 1, 1), 10 * 365
#: share of the activity records each kind gets
MIX = {Meeting: 0.40, Video: 0.25, AwarenessActivity: 0.15, Training: 0.10, Event: 0.10}
CHUNK = 20_000


def _day(rng: random.Random) -> date:
    """A day in the ten years the records span."""
    return START + timedelta(days=rng.randrange(DAYS))


def _work(rng: random.Random, ids: dict) -> dict:
    """Office, track and project of one record."""
    return {"office_id": rng.choice(ids["offices"]), "track_id": rng.choice(ids["tracks"]),
            "project_id": rng.choice([*ids["projects"], None])}


def _row(model, rng: random.Random, ids: dict, n: int) -> dict:
    """One generated record of `model`."""
    row = _work(rng, ids)
    if model is Meeting:
        comprehensive = rng.random() < 0.3
        category = None if comprehensive else rng.choice(COUNTERPART_CATEGORIES.codes)
        return {**row, "date": _day(rng), "counterpart_category": category,
                "government": category == "tr_government", "comprehensive": comprehensive,
                "topic": f"meeting {n}"}
    if model is Video:
        return {**row, "title": f"video {n}", "video_kind": rng.choice(VIDEO_KINDS.codes),
                "published_on": _day(rng)}
    if model is AwarenessActivity:
        return {**row, "title": f"activity {n}", "date": _day(rng),
                "attendees": rng.randint(5, 90)}
    if model is Training:
        return {**row, "title": f"training {n}", "training_kind":
                rng.choice(TRAINING_KINDS.codes), "start_date": _day(rng),
                "hours": rng.randint(2, 30), "participants": rng.randint(5, 40),
                "trainers": rng.randint(1, 4)}
    return {**row, "title": f"event {n}", "event_kind": rng.choice(EVENT_KINDS.codes),
            "date": _day(rng), "attendees": rng.randint(5, 300)}


def _case(rng: random.Random, ids: dict, n: int) -> dict:
    """One generated case."""
    opened = _day(rng)
    status = rng.choices(["open", "follow_up", "closed"], [1, 1, 8])[0]
    return {**_work(rng, ids), "reference": f"HM-B{n:09d}", "opened_on": opened,
            "closed_on": opened + timedelta(days=rng.randint(1, 90)) if status == "closed"
            else None, "status": status,
            "consultation_outcome": rng.choice([*CONSULTATION_OUTCOMES.codes, None]),
            "mediation": rng.choices(["none", "immigration", "other"], [90, 7, 3])[0],
            "court_referral": rng.choices(["none", "sponsored", "lawyer"], [98, 1, 1])[0]}


def _bulk(model, rows) -> None:
    """Insert rows in large executemany batches."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.session.execute(insert(model), batch)
            batch = []
    if batch:
        db.session.execute(insert(model), batch)


def generate(activities: int, cases: int) -> None:
    """Fill a fresh database: offices, tracks, projects, partners, users, records."""
    rng = random.Random(2024)
    db.session.add_all([Office(code=f"o{i}", name_ar=f"مكتب {i}", name_en=f"Office {i}")
                        for i in range(6)])
    db.session.add_all([Track(code=f"t{i}", number=i, name_ar=f"مسار {i}", name_en=f"Track {i}")
                        for i in range(1, 5)])
    db.session.add_all([Project(code=f"p{i}", name_ar=f"مشروع {i}", name_en=f"Project {i}")
                        for i in range(2)])
    db.session.flush()
    ids = {name: [row.id for row in db.session.query(model)]
           for name, model in (("offices", Office), ("tracks", Track), ("projects", Project))}
    _bulk(Partner, ({"name_ar": f"شريك {n}", "origin": rng.choice(ORIGINS.codes),
                     "sector": "ngo", "partnership_status": rng.choice(
                         ["active", "ended", "proposed", "none"]),
                     "partnership_start": _day(rng), "office_id": rng.choice(ids["offices"])}
                    for n in range(500)))
    user = User(username="leadership", role="leadership")
    user.set_password(PASSWORD)
    db.session.add(user)
    for model, share in MIX.items():
        _bulk(model, (_row(model, rng, ids, n) for n in range(int(activities * share))))
    _bulk(Case, (_case(rng, ids, n) for n in range(cases)))
    db.session.commit()
    # the rows went in without the ORM: the rollups are recomputed from them, as the
    # import's own bulk inserts keep them
    rollups.rebuild()
    db.session.commit()


def _empty_schema() -> None:
    """Drop and recreate PostgreSQL's public schema: the bench's tables, gone."""
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def write_meeting(app, office: int = 1) -> None:
    """Save one meeting, as a form does: the rollups and the data version move."""
    with app.app_context():
        db.session.add(Meeting(office_id=office, date=date(2020, 6, 1), topic="written"))
        db.session.commit()


def measure(client, url: str, runs: int, statements: list[int],
            before=None) -> tuple[float, float, int]:
    """Median and 95th percentile in ms, and SQL statements, of `runs` GETs of `url`, each
    after `before()` (a write) if given."""
    assert client.get(url).status_code == 200, url  # warm-up
    times, counts = [], []
    for _ in range(runs):
        if before is not None:
            before()
        statements[0] = 0
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        counts.append(statements[0])
        assert response.status_code == 200, url
    median, p95 = _common.percentiles(times)
    return median, p95, max(counts)


def main() -> None:
    """Generate the data, then time the API and the dashboard."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--no-cache", action="store_true",
                        help="Compute every figure afresh (CACHE_TYPE=NullCache).")
    parser.add_argument("--database", metavar="URL",
                        help="A PostgreSQL database the bench may empty (its public schema is "
                             "dropped before and after), e.g. "
                             "postgresql://postgres@127.0.0.1:5432/bench; default: SQLite in "
                             "a temporary folder.")
    options = parser.parse_args()
    machine = _common.machine()
    uri = (options.database.replace("postgresql://", "postgresql+psycopg://")
           if options.database else f"sqlite:///{_common.WORK}/bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      **({"CACHE_TYPE": "NullCache"} if options.no_cache else {})})
    with app.app_context():
        if options.database:
            _empty_schema()
        upgrade()
        began = time.perf_counter()
        generate(options.activities, options.cases)
        if options.database:  # the planner's statistics, as autovacuum would gather them
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        meetings = db.session.scalar(select(func.count()).select_from(Meeting))
        print(f"generated {options.activities:,} activity records and {options.cases:,} "
              f"cases, rollups built, in {time.perf_counter() - began:.1f} s; figure cache: "
              f"{app.config['CACHE_TYPE']}; database: {db.engine.dialect.name}")
        statements = [0]
        event.listen(db.engine, "before_cursor_execute",
                     lambda *_args: statements.__setitem__(0, statements[0] + 1))
    client = app.test_client()
    assert client.post("/login", data={"username": "leadership",
                                       "password": PASSWORD}).status_code == 302
    assert client.get("/api/kpis").get_json()["kpis"]["meetings.total"] == meetings
    year = START.year + 5
    print(f"{'request':52} {'median':>9} {'p95':>9} {'SQL':>5}")
    results = {}
    for url in ("/api/kpis", f"/api/kpis?year={year}", f"/api/kpis?year={year}&office=1",
                "/dashboard/", f"/dashboard/?year={year}",
                f"/dashboard/?year={year}&quarter=2&office=1&track=1"):
        for when, before in (("nothing changed", None),
                             ("just after a write", lambda: write_meeting(app))):
            median, p95, count = measure(client, url, options.requests, statements, before)
            results[url, when] = median
            print(f"{url + ', ' + when:52} {median:7.1f}ms {p95:7.1f}ms {count:5d}", flush=True)
    big = options.activities >= 1_000_000 and options.cases >= 250_000
    size = None if big else (f"{options.activities:,} activity records, {options.cases:,} "
                             "cases; the target is for 1,000,000 and 250,000")
    for url, name, changed, unchanged in (("/api/kpis", "/api/kpis all periods", 60, 15),
                                          ("/dashboard/", "/dashboard/ all periods", 200, 60)):
        machine.target(f"{name} just after a write, median", results[url, "just after a write"],
                       changed, "ms", size)
        machine.target(f"{name} when nothing changed, median", results[url, "nothing changed"],
                       unchanged, "ms", size)
    if options.activities == 200_000 and options.cases == 50_000:
        for url, name, limit in (("/api/kpis", "/api/kpis all periods at 200k", 100),
                                 ("/dashboard/", "/dashboard/ all periods at 200k", 250)):
            machine.target(f"{name}, just after a write, median",
                           results[url, "just after a write"], limit, "ms")
    with app.app_context():
        db.session.remove()
        if options.database:
            _empty_schema()
        db.engine.dispose()
    machine.summary()


if __name__ == "__main__":
    main()

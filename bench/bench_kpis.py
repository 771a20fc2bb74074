"""Benchmark of the KPI API and the dashboard page on SQLite (not a test).

Generates 200,000 activity records (meetings, trainings, videos, awareness activities,
events) and 50,000 cases in a fresh SQLite file with bulk inserts, then times requests of
/api/kpis and /dashboard/ through the test client and prints the median, the 95th
percentile and the SQL statements per request.

    .venv/bin/python bench/bench_kpis.py [--requests 30] [--activities 200000] [--cases 50000]

Targets on this 2-core machine: API median under 100 ms, dashboard median under 250 ms.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from coalition.choices import (  # noqa: E402
    CONSULTATION_OUTCOMES,
    COUNTERPART_CATEGORIES,
    EVENT_KINDS,
    ORIGINS,
    TRAINING_KINDS,
    VIDEO_KINDS,
)
from coalition.database import db  # noqa: E402
from coalition.models import (  # noqa: E402
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


def measure(client, url: str, runs: int, statements: list[int]) -> tuple[float, float, int]:
    """Median and 95th percentile in ms, and SQL statements, of `runs` GETs of `url`."""
    assert client.get(url).status_code == 200, url  # warm-up
    times, counts = [], []
    for _ in range(runs):
        statements[0] = 0
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        counts.append(statements[0])
        assert response.status_code == 200, url
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if runs > 1 else times[0]
    return statistics.median(times), p95, max(counts)


def main() -> None:
    """Generate the data, then time the API and the dashboard."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            upgrade()
            began = time.perf_counter()
            generate(options.activities, options.cases)
            print(f"generated {options.activities:,} activity records and {options.cases:,} "
                  f"cases in {time.perf_counter() - began:.1f} s")
            statements = [0]
            event.listen(db.engine, "before_cursor_execute",
                         lambda *_args: statements.__setitem__(0, statements[0] + 1))
        client = app.test_client()
        assert client.post("/login", data={"username": "leadership",
                                           "password": PASSWORD}).status_code == 302
        year = START.year + 5
        print(f"{'request':44} {'median':>9} {'p95':>9} {'SQL':>5}")
        for url in ("/api/kpis", f"/api/kpis?year={year}", f"/api/kpis?year={year}&office=1",
                    "/dashboard/", f"/dashboard/?year={year}",
                    f"/dashboard/?year={year}&quarter=2&office=1&track=1"):
            median, p95, count = measure(client, url, options.requests, statements)
            print(f"{url:44} {median:7.1f}ms {p95:7.1f}ms {count:5d}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()

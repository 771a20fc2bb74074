"""Benchmark of what deciding who sees which figure costs (not a test).

On the KPI benchmark's data (bench_kpis.generate: activity records and cases over ten
years, six offices) it times /api/kpis and /dashboard/ for leadership (every figure as it
is) and for a donor (small case figures and enough others hidden, decided on the table of
every office and the coalition), and the secondary suppression alone on that table.

    .venv/bin/python bench/bench_figures.py [--requests 20] [--activities 200000] [--cases 50000]

Issue 16 sets no target on this path; the KPI benchmark (bench_kpis.py) judges the API and
the dashboard.
"""

import argparse
import time

import _common  # first: every file of the run goes under a temporary folder
from bench_kpis import PASSWORD, START, generate
from flask_migrate import upgrade

from app import create_app
from coalition.database import db
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute_many
from coalition.kpis.visibility import (
    Table,
    _offices,
    _table_asks,
    hidden_cells,
)
from coalition.models import User


def timed(client, url: str, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of `runs` GETs of `url`."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        assert client.get(url).status_code == 200, url
        times.append((time.perf_counter() - began) * 1000)
    return _common.percentiles(times)


def main() -> None:
    """Generate the data, then time each path for leadership and for a donor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    options = parser.parse_args()
    machine = _common.machine()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{_common.WORK}/bench.sqlite",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    year = START.year + 5
    with app.app_context():
        upgrade()
        generate(options.activities, options.cases)
        donor = User(username="donor", role="donor")
        donor.set_password(PASSWORD)
        db.session.add(donor)
        db.session.commit()
        for args in ({}, {"year": str(year)}, {"from": f"{year}-03-10",
                                                "to": f"{year}-03-10"}):
            base = Filters.parse(args)
            offices = _offices()
            rows = compute_many(_table_asks(base, offices))
            table = Table.of(rows, [office.id for office in offices])
            began = time.perf_counter()
            hidden = hidden_cells(table, 5)
            spent = (time.perf_counter() - began) * 1000
            print(f"suppression alone {str(args):44} {spent:7.1f} ms: {len(hidden)} of "
                  f"{len(table.values)} cells hidden")
    print(f"{'request':52} {'median':>9} {'p95':>9}")
    for role in ("leadership", "donor"):
        client = app.test_client()
        assert client.post("/login", data={"username": role,
                                           "password": PASSWORD}).status_code == 302
        for url in ("/api/kpis", f"/api/kpis?year={year}",
                    f"/api/kpis?year={year}&office=1",
                    f"/api/kpis?from={year}-03-10&to={year}-03-10&office=1",
                    f"/dashboard/?year={year}", f"/exports/donor.xlsx?year={year}&office=1"):
            median, p95 = timed(client, url, options.requests)
            print(f"{role + ' ' + url:52} {median:7.1f}ms {p95:7.1f}ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    print("issue 16 sets no target on what suppression costs: see bench_kpis.py")
    machine.summary()


if __name__ == "__main__":
    main()

"""Twenty people using the app at once, for locust (`pip install -e ".[bench]"`).

Each simulated person signs in through the real sign-in form (its CSRF token read from the
page), then opens the dashboard for all periods, the KPI API and the meetings list;
coordinators also save a meeting through the real form now and then, which moves the data
version and so makes the next figures be computed afresh. Each person asks for about two
pages a second (`constant_throughput`), so twenty people offer forty requests a second: a
server that keeps up serves them all.

bench/bench_load.py generates the database, starts gunicorn and runs this file; by hand:

    BENCH_PASSWORD=… locust -f bench/locustfile.py --headless -u 20 -r 10 -t 60s \
        --host http://127.0.0.1:8000

Accounts: reader0 … (leadership) and coordinator0 … (each of an office), as bench_load.py
makes them, all with BENCH_PASSWORD.
"""

import itertools
import os
import random
import re
from datetime import date, timedelta

from locust import FastHttpUser, constant_throughput, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "benchmark password")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: the next account of each kind to sign in with
NEXT = {"reader": itertools.count(), "coordinator": itertools.count()}


def token(page: str) -> str:
    """The CSRF token of the form in `page`."""
    found = TOKEN.search(page)
    if found is None:
        raise ValueError("no CSRF token in the page")
    return found.group(1)


class Person(FastHttpUser):
    """Someone signed in, reading the figures and the meetings.

    FastHttpUser (geventhttpclient) rather than HttpUser (requests): locust shares the
    machine with the server, and every CPU second it spends is denied to the server (3.8 s
    against about 5 s a minute, seen with --as-issue-machine). It asks for brotli and gzip
    as a browser does."""

    abstract = True
    kind = "reader"
    wait_time = constant_throughput(2)

    def on_start(self) -> None:
        """Sign in through the form, as a browser does."""
        username = f"{self.kind}{next(NEXT[self.kind])}"
        form = self.client.get("/login", name="/login (form)")
        with self.client.post("/login", name="/login (sign in)", allow_redirects=False,
                              data={"username": username, "password": PASSWORD,
                                    "csrf_token": token(form.text), "next": ""},
                              catch_response=True) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"{username} could not sign in ({response.status_code})")

    @task(2)
    def dashboard(self) -> None:
        """The dashboard for all periods."""
        self.client.get("/dashboard/", name="/dashboard/")

    @task(3)
    def api(self) -> None:
        """Every KPI for all periods."""
        self.client.get("/api/kpis", name="/api/kpis")

    @task(3)
    def meetings(self) -> None:
        """The meetings list, first page."""
        self.client.get("/meetings/", name="/meetings/")


class Reader(Person):
    """Leadership: reads everything, writes no meeting."""

    kind = "reader"


class Coordinator(Person):
    """An office's coordinator: reads, and now and then saves a meeting."""

    kind = "coordinator"

    @task(1)
    def save_meeting(self) -> None:
        """A new meeting through the real form."""
        form = self.client.get("/meetings/new/", name="/meetings/new/ (form)")
        office = re.search(r'<option selected value="(\d+)"', form.text) or re.search(
            r'name="office"[^>]*>\s*<option[^>]*value="(\d+)"', form.text)
        day = date(2024, 1, 1) + timedelta(days=random.randrange(300))
        data = {"csrf_token": token(form.text), "date": day.isoformat(),
                "counterpart_category": "tr_ngo", "topic": "لقاء تنسيقي", "city": "إسطنبول",
                "office": office.group(1) if office else "", "track": "__None",
                "project": "__None"}
        with self.client.post("/meetings/new/", name="/meetings/new/ (save)", data=data,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"the meeting was not saved ({response.status_code})")

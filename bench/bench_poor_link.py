"""Benchmark of the dashboard over a poor link, in a real Chromium (not a test).

Loads the demo data into a fresh SQLite file, serves the app from a thread, signs in as
leadership and opens the KPI dashboard in headless Chromium (Debian's, through Playwright)
with the link emulated through the DevTools protocol: 1.6 Mbit/s down, 750 kbit/s up,
300 ms round trip. For a first visit (empty cache) and a repeat visit (the same browser
profile) it prints the bytes transferred, the requests that went over the network, and the
time from the start of the navigation until every chart is drawn.

    .venv/bin/python bench/bench_poor_link.py [--runs 3]

Targets: first visit under 600 KB and 6 s; repeat visit under 60 KB and 1.5 s.
Issue 16 sets none here.
"""

import argparse
import re
import statistics
import threading
from dataclasses import dataclass, field

import _common  # first: every file of the run goes under a temporary folder
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from coalition.database import db

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "benchmark password for the poor link"
#: the link, as DevTools' Network.emulateNetworkConditions takes it (bytes per second)
LINK = {"offline": False, "latency": 300, "downloadThroughput": 1_600_000 / 8,
        "uploadThroughput": 750_000 / 8}
TARGETS = {"first": (600_000, 6.0), "repeat": (60_000, 1.5)}
#: true once every chart of the dashboard has been drawn by Plotly
CHARTS_DRAWN = """() => {
  const charts = document.querySelectorAll('.chart[data-figure]');
  const drawn = document.querySelectorAll('.chart[data-figure] .main-svg');
  return charts.length > 0 && [...charts].every(c => c.querySelector('.main-svg'))
    ? performance.now() : false;
}"""


@dataclass
class Visit:
    """What one page load moved over the wire."""

    bytes: int = 0
    requests: int = 0
    from_cache: int = 0
    seconds: float = 0.0
    #: from the first request to the last byte received: the link's share of the time
    network: float = 0.0
    by_url: dict[str, int] = field(default_factory=dict)


def serve(app) -> tuple[str, object]:
    """The app over HTTP from a thread, on a free port of the loopback."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def sign_in(context, base: str) -> None:
    """Sign in through the form's own request (not the page: it would warm the cache)."""
    form = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    data = {"username": "leadership", "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = context.request.post(f"{base}/login", form=data, max_redirects=0)
    assert response.status == 302, response.text()[:300]


def visit(page, cdp, url: str) -> Visit:
    """Open the dashboard and wait for its charts; count what crossed the link."""
    seen = Visit()
    urls: dict[str, str] = {}
    times: list[float] = []

    def sent(event):
        urls[event["requestId"]] = event["request"]["url"]
        times.append(event["timestamp"])

    def cached(event):
        seen.from_cache += 1

    def finished(event):
        size = int(event.get("encodedDataLength", 0))
        times.append(event["timestamp"])
        if size > 0:
            seen.requests += 1
            seen.bytes += size
            url_of = urls.get(event["requestId"], "?")
            seen.by_url[url_of] = seen.by_url.get(url_of, 0) + size

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", cached)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="commit")
    drawn_at = page.wait_for_function(CHARTS_DRAWN, timeout=120_000).json_value()
    page.wait_for_load_state("networkidle")
    seen.seconds = drawn_at / 1000
    seen.network = max(times) - min(times) if times else 0.0
    for name, handler in (("Network.requestWillBeSent", sent),
                          ("Network.requestServedFromCache", cached),
                          ("Network.loadingFinished", finished)):
        cdp.remove_listener(name, handler)
    return seen


def run(browser, base: str) -> tuple[Visit, Visit]:
    """A first and a repeat visit in one fresh browser profile."""
    context = browser.new_context(locale="ar")
    sign_in(context, base)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", LINK)
    first = visit(page, cdp, f"{base}/dashboard/")
    page.goto("about:blank")
    repeat = visit(page, cdp, f"{base}/dashboard/")
    context.close()
    return first, repeat


def main() -> None:
    """Load the demo data, then time first and repeat visits over the emulated link."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--detail", action="store_true", help="bytes per URL of the last run")
    options = parser.parse_args()
    machine = _common.machine()
    from playwright.sync_api import sync_playwright

    from coalition.demo import load_demo

    tmp = _common.WORK
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                      "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        load_demo(PASSWORD)
        db.session.remove()
    base, server = serve(app)
    results: list[tuple[Visit, Visit]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        for _run in range(options.runs):
            results.append(run(browser, base))
        browser.close()
    server.shutdown()
    with app.app_context():
        db.engine.dispose()

    print("link: 1.6 Mbit/s down, 750 kbit/s up, 300 ms round trip (DevTools emulation)")
    print(f"{'visit':8} {'KB moved':>9} {'requests':>9} {'from cache':>11} "
          f"{'last byte':>10} {'charts drawn':>13}")
    verdicts = []
    for kind, index in (("first", 0), ("repeat", 1)):
        visits = [result[index] for result in results]
        size = statistics.median(v.bytes for v in visits)
        seconds = statistics.median(v.seconds for v in visits)
        most, longest = TARGETS[kind]
        print(f"{kind:8} {size / 1000:9.1f} {statistics.median(v.requests for v in visits):9.0f}"
              f" {statistics.median(v.from_cache for v in visits):11.0f}"
              f" {statistics.median(v.network for v in visits):8.2f} s {seconds:11.2f} s")
        verdicts.append((kind, size, seconds, most, longest))
    print("last byte: from the first request to the last byte received (the link's share); "
          "the rest until the charts are drawn is the browser's work on this CPU")
    print(f"(medians of {options.runs} runs; each run: "
          + "; ".join(f"{f.bytes / 1000:.0f} KB {f.seconds:.2f} s / {r.bytes / 1000:.0f} KB "
                      f"{r.seconds:.2f} s" for f, r in results) + ")")
    for kind, size, seconds, most, longest in verdicts:
        machine.target(f"{kind} visit, bytes moved", size / 1000, most / 1000, "KB")
        machine.target(f"{kind} visit, charts drawn", seconds, longest, "s")
    if options.detail:
        for kind, seen in zip(("first", "repeat"), results[-1], strict=True):
            print(f"-- {kind} visit, bytes per URL")
            for url, size in sorted(seen.by_url.items(), key=lambda item: -item[1]):
                print(f"{size:9,d}  {url}")
    machine.summary()


if __name__ == "__main__":
    main()

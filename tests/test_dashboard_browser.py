"""The dashboard in a real Chromium: every chart drawn, nothing fetched from another host."""

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from coalition.database import db

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "demo password for the browser"
CHARTS = ("outcomes", "counterparts", "activity", "trainings", "partnerships", "offices")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's Chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture
def server(app) -> Iterator[str]:
    """The real app, with the demo data, served over HTTP from a thread on a free port."""
    from coalition.demo import load_demo

    with app.app_context():
        load_demo(PASSWORD)
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def _click(page, bars: str) -> None:
    """Point at the middle of the first drawn bar and click, as a user does."""
    page.locator(bars).first.scroll_into_view_if_needed()
    box = next(b for b in (page.locator(bars).nth(i).bounding_box()
                           for i in range(page.locator(bars).count()))
               if b and b["height"] > 2 and b["width"] > 2)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_dashboard_draws_every_chart_from_this_server_only(server, chromium, lang):
    context = chromium.new_context(locale=lang, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{server}/login")
    page.fill("input[name=username]", "leadership")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/dashboard/")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    for name in CHARTS:
        page.wait_for_selector(f"#chart-{name} .main-svg", timeout=15000)
    assert page.locator("#chart-outcomes .slice").count() == 5
    assert page.locator("#chart-counterparts .point").count() == 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{lang}.png"), full_page=True)

    # the selector shows one kind of work at a time
    page.select_option("#activity-view", "1")
    shown = page.evaluate("""() => document.getElementById("chart-activity").data
        .filter((trace) => trace.visible === true).map((trace) => trace.meta.view)""")
    assert shown and set(shown) == {1}
    _click(page, "#chart-activity .point path")
    page.wait_for_url("**/meetings/?*", timeout=10000)
    assert "+to+" in page.url or "%20to%20" in page.url
    page.go_back()
    page.wait_for_selector("#chart-counterparts .main-svg", timeout=15000)

    # a click on a bar opens the meetings behind it
    _click(page, "#chart-counterparts .point path")
    page.wait_for_url("**/meetings/?*", timeout=10000)
    assert "71" in page.locator(".nav-link.active").inner_text()

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(server).netloc}, requested
    assert not problems, problems
    context.close()

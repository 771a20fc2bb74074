"""Chart labels from records in a real Chromium: markup in an office's name is shown as text."""

import pytest
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium, server  # noqa: F401

from coalition.database import db
from coalition.models import Office

EVIL = '<a href="https://evil.example/">مكتب الحماية</a>'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's Chromium is not installed (apt-get install -y chromium)"),
]


def test_an_office_named_with_a_link_is_text_in_the_charts(app, server, chromium):  # noqa: F811
    with app.app_context():
        for office in db.session.scalars(db.select(Office)):
            office.name_ar = office.name_en = EVIL.replace("مكتب الحماية", office.name_ar)
        db.session.commit()
    context = chromium.new_context(locale="ar", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "leadership")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/dashboard/")
    page.wait_for_selector("#chart-offices .main-svg", timeout=30000)
    links = page.locator(".js-plotly-plot a").evaluate_all(
        "(found) => found.map((a) => a.getAttribute('href') || a.getAttribute('xlink:href'))")
    assert not [href for href in links if href and "evil" in href], links
    legend = page.locator("#chart-offices .legendtext").all_text_contents()
    assert legend and all(text.startswith('<a href="https://evil.example/">') for text in legend)
    context.close()

"""Right-to-left in a real Chromium: the screens mirrored in Arabic, screenshots as artefacts."""

import pytest

from tests.test_dashboard_browser import ARTIFACTS, PASSWORD, chromium, server  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(),
                       reason="Debian's Chromium is not installed (apt-get install -y chromium)"),
]
PAGES = {"dashboard": "/dashboard/", "meetings": "/meetings/", "meeting-form": "/meetings/new/"}
WIDTH = 1400


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_screens_are_mirrored_in_arabic(server, chromium, lang):  # noqa: F811
    context = chromium.new_context(locale=lang, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "coordinator")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in PAGES.items():
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        brand = page.locator("#main-nav .navbar-brand").bounding_box()
        menu = page.locator("#main-menu").bounding_box()
        user = page.locator("#user-menu").bounding_box()
        if lang == "ar":  # the brand and the menu start on the right, the user menu on the left
            assert brand["x"] > WIDTH / 2 and menu["x"] + menu["width"] > WIDTH / 2
            assert user["x"] < WIDTH / 2
        else:
            assert brand["x"] < WIDTH / 2 and user["x"] > WIDTH / 2
        if name == "meeting-form":  # labels sit on the reading side of their fields
            label = page.locator("label[for=topic]").bounding_box()
            field = page.locator("#topic").bounding_box()
            if lang == "ar":
                assert label["x"] + label["width"] > field["x"] + field["width"] - 40
            else:
                assert label["x"] < field["x"] + 40
        page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=False)
    assert not errors
    context.close()

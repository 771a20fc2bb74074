"""Forms in a real Chromium, in Arabic: typed dates, the picker, left-to-right values, a new
counterpart added in place, a refused save, a draft kept through a reload and a sign-in."""

import re
from datetime import date

import pytest

from coalition.database import db
from coalition.models import Contact, Meeting, Partner
from tests.helpers import ARTIFACTS
from tests.helpers import DEMO_PASSWORD as PASSWORD

pytestmark = pytest.mark.browser  # skipped, saying why, where Chromium is missing


def _meetings_list(server: str) -> re.Pattern:
    """The meetings list's address: "/meetings/*" would match the form itself, and a test
    would go on before the save was answered."""
    return re.compile(rf"^{re.escape(server)}/meetings/(\?.*)?$")


@pytest.fixture
def page(server, chromium):
    """A coordinator signed in, in Arabic; no script error allowed."""
    context = chromium.new_context(locale="ar", viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(tab, server)
    yield tab
    context.close()
    assert not errors


def sign_in(tab, server: str, then: str = "/") -> None:
    """Sign in as the demo coordinator."""
    if "/login" not in tab.url:
        tab.goto(f"{server}/login")
    tab.fill("input[name=username]", "coordinator")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main form button[type=submit]")
    tab.wait_for_url(f"{server}{then}*")


def shot(tab, name: str) -> None:
    """Keep a screenshot for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_a_meeting_is_saved_with_a_date_typed_in_arabic_digits(app, server, page):
    page.goto(f"{server}/meetings/new/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#date", "٢٥/١١/٢٠٢٤")
    page.keyboard.press("Escape")
    page.select_option("#counterpart_category", "tr_ngo", force=True)
    page.fill("#topic", "لقاء بتاريخ مكتوب بالأرقام العربية")
    page.click("form.admin-form input[type=submit]:not([name])")
    page.wait_for_url(_meetings_list(server))  # the list, once the save has been answered
    with app.app_context():
        meeting = db.session.query(Meeting).filter_by(
            topic="لقاء بتاريخ مكتوب بالأرقام العربية").one()
        assert meeting.date == date(2024, 11, 25)


def test_the_picker_is_in_arabic_beside_its_field_and_recovers_from_a_bad_entry(server, page):
    page.goto(f"{server}/meetings/new/")
    page.fill("#date", "٣٢/١٣/abc")  # nonsense first
    page.click("#date")
    popup = page.locator(".datepicker-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "NaN" not in text and "undefined" not in text
    headers = popup.locator("thead th").all_inner_texts()
    assert headers[0] == "سبت" and len(headers) == 7  # the week starts on Saturday
    assert any(month in text for month in ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
                                            "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
                                            "ديسمبر"))
    field, box = page.locator("#date").bounding_box(), popup.bounding_box()
    # under its field, starting at the field's right edge (where Arabic starts reading)
    assert 0 <= box["y"] - (field["y"] + field["height"]) < 10
    assert abs((box["x"] + box["width"]) - (field["x"] + field["width"])) < 4
    label = page.locator("label[for=date]").bounding_box()
    assert abs((label["x"] + label["width"]) - (box["x"] + box["width"])) < 40
    shot(page, "datepicker-ar")
    # browse back a month and choose the 15th: the field holds a date again
    page.click(".datepicker-prev")
    page.click(".datepicker-day >> text='15'")
    value = page.input_value("#date")
    assert value.startswith("15/") and "NaN" not in value
    assert "is-invalid" not in (page.get_attribute("#date", "class") or "")
    # the same field typed with the picker open follows the text
    page.fill("#date", "2024-02-03")
    page.click("#date")
    assert "فبراير 2024" in page.locator(".datepicker-title").inner_text()


def test_a_phone_number_is_displayed_in_its_written_order(app, server, page):
    with app.app_context():
        contact = Contact(name="سليم الأحمد", contact_kind="person", category="media",
                          phone="+90 532 123 45 67", email="salim@example.org")
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    page.goto(f"{server}/contacts/details/?id={contact_id}")
    value = page.locator("bdi.ltr", has_text="532")
    assert value.inner_text() == "+90 532 123 45 67"
    # the "+" is drawn left of the last "7": read left to right inside the Arabic page
    plus_x, last_x = page.evaluate("""(element) => {
        const text = element.firstChild, range = document.createRange();
        range.setStart(text, 0); range.setEnd(text, 1);
        const first = range.getBoundingClientRect().x;
        range.setStart(text, text.length - 1); range.setEnd(text, text.length);
        return [first, range.getBoundingClientRect().x];
    }""", value.element_handle())
    assert plus_x < last_x
    shot(page, "contact-phone-ar")
    page.goto(f"{server}/contacts/edit/?id={contact_id}")
    assert page.evaluate("getComputedStyle(document.querySelector('#phone')).direction") == "ltr"


def test_a_new_partner_is_added_from_the_meeting_form_and_linked(app, server, page):
    page.goto(f"{server}/meetings/new/")
    # the look-up finds nothing, in Arabic
    page.click("#s2id_partners")
    page.keyboard.type("وزارة الداخلية التركية")
    page.wait_for_selector(".select2-drop-active .select2-no-results")
    assert page.inner_text(".select2-drop-active .select2-no-results") == "لا توجد نتائج مطابقة"
    page.keyboard.press("Escape")
    page.click("button.quick-add[data-for=partners]")
    page.wait_for_selector("#quick-add-modal.show")
    page.fill("#quick-name_ar", "وزارة الداخلية التركية")
    page.fill("#quick-name_latin", "İçişleri Bakanlığı")
    page.select_option("#quick-origin", "turkish")
    page.select_option("#quick-sector", "government")
    shot(page, "quick-add-ar")
    page.click("#quick-add-save")
    page.wait_for_selector("#quick-add-modal", state="detached")
    assert "وزارة الداخلية التركية" in page.inner_text("#s2id_partners")
    page.fill("#date", "25/11/2024")
    page.keyboard.press("Escape")
    page.select_option("#counterpart_category", "tr_government", force=True)
    page.fill("#topic", "لقاء في الوزارة")
    page.click("form.admin-form input[type=submit]:not([name])")
    page.wait_for_url(_meetings_list(server))  # the list, once the save has been answered
    with app.app_context():
        meeting = db.session.query(Meeting).filter_by(topic="لقاء في الوزارة").one()
        assert [p.name_ar for p in meeting.partners] == ["وزارة الداخلية التركية"]
        assert meeting.partners[0].partnership_status == "contact_only"
    # the same ministry typed another way is found, and linked rather than added twice
    page.goto(f"{server}/meetings/new/")
    page.click("button.quick-add[data-for=partners]")
    page.wait_for_selector("#quick-add-modal.show")
    page.fill("#quick-name_ar", "وزاره الداخليه التركيه")
    page.select_option("#quick-origin", "turkish")
    page.select_option("#quick-sector", "government")
    page.click("#quick-add-save")
    page.click("#quick-add-use-existing")
    page.wait_for_selector("#quick-add-modal", state="detached")
    assert "وزارة الداخلية التركية" in page.inner_text("#s2id_partners")
    with app.app_context():
        assert db.session.query(Partner).filter(Partner.name_ar.like("وزار%")).count() == 1


def test_a_refused_form_lists_its_problems_at_the_top(server, page):
    page.goto(f"{server}/meetings/new/")
    page.fill("#date", "31/02/2024")  # no such day, and no counterpart category
    page.keyboard.press("Escape")
    page.fill("#topic", "لقاء")
    page.click("form.admin-form input[type=submit]:not([name])")
    summary = page.locator("#form-errors")
    summary.wait_for()
    assert "لم يُحفظ شيء" in summary.inner_text()
    assert summary.bounding_box()["y"] < page.locator("form.admin-form").bounding_box()["y"]
    assert page.evaluate("document.activeElement.id") == "form-errors"
    shot(page, "form-errors-ar")
    assert summary.locator("a[href='#date']").count() == 1
    summary.locator("a[href='#counterpart_category']").click()
    assert page.evaluate("location.hash") == "#counterpart_category"


def test_a_draft_is_offered_back_after_a_reload_without_personal_details(app, server, page):
    page.goto(f"{server}/meetings/new/")
    page.fill("#topic", "مسودة لقاء لم يُحفظ")
    page.fill("#city", "غازي عنتاب")
    page.wait_for_timeout(600)
    page.reload()
    page.wait_for_selector("#draft-offer")
    assert page.input_value("#topic") == ""
    shot(page, "draft-offer-ar")
    page.click("#draft-restore")
    assert page.input_value("#topic") == "مسودة لقاء لم يُحفظ"
    assert page.input_value("#city") == "غازي عنتاب"
    # personal details of a case never reach the browser's storage
    page.goto(f"{server}/cases/new/")
    page.fill("#personal_name", "اسم سري جداً")
    page.fill("#personal_phone", "+90 555 111 22 33")
    page.fill("#consent_scope", "موافقة مكتوبة")
    page.wait_for_timeout(600)
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "موافقة مكتوبة" in stored
    assert "اسم سري" not in stored and "555 111" not in stored


def test_signing_in_again_after_the_session_ended_brings_the_form_back(app, server, page):
    page.goto(f"{server}/meetings/new/")
    page.fill("#date", "٠١/١٢/٢٠٢٤")
    page.keyboard.press("Escape")
    page.select_option("#counterpart_category", "intl", force=True)
    page.fill("#topic", "لقاء كُتب قبل انتهاء الجلسة")
    page.wait_for_timeout(600)
    idle = app.config["SESSION_IDLE_MINUTES"]
    app.config["SESSION_IDLE_MINUTES"] = 1 / 60  # one second
    try:
        page.wait_for_timeout(1500)
        page.click("form.admin-form input[type=submit]:not([name])")
        page.wait_for_url("**/login?**")
        shot(page, "session-ended-ar")
    finally:
        app.config["SESSION_IDLE_MINUTES"] = idle
    sign_in(page, server, then="/meetings/new/")
    page.wait_for_selector("#draft-offer")
    assert page.input_value("#topic") == "لقاء كُتب قبل انتهاء الجلسة"
    page.click("form.admin-form input[type=submit]:not([name])")
    page.wait_for_url(_meetings_list(server))  # the list, once the save has been answered
    with app.app_context():
        meeting = db.session.query(Meeting).filter_by(topic="لقاء كُتب قبل انتهاء الجلسة").one()
        assert meeting.date == date(2024, 12, 1) and meeting.counterpart_category == "intl"
    page.goto(f"{server}/meetings/new/")  # saved: the draft is gone
    page.wait_for_timeout(300)
    assert page.locator("#draft-offer").count() == 0


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_screenshots_of_the_forms(server, chromium, lang):
    context = chromium.new_context(locale=lang, viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    sign_in(tab, server)
    tab.goto(f"{server}/meetings/new/")
    tab.click("#date")
    tab.locator(".datepicker-popup").wait_for()
    shot(tab, f"meeting-form-picker-{lang}")
    tab.goto(f"{server}/meetings/")
    shot(tab, f"meetings-list-{lang}")
    tab.goto(f"{server}/")
    shot(tab, f"home-coordinator-{lang}")
    context.close()

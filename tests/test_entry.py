"""Entering work as a coordinator does: dates typed any way, left-to-right values, counterparts
added in place or by the import, a refused save summarised, names in the user's language."""

import html
import json
import re
from datetime import date

import pytest

from coalition.database import db
from coalition.dates import DateError, parse_date, parse_range
from coalition.models import Contact, Meeting, Partner
from tests.test_imports import as_bytes, counts, fill, template, upload, written
from tests.test_kpis import kpis, tagged


# --- one reader of dates ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["25/11/2024", "٢٥/١١/٢٠٢٤", "۲۵/۱۱/۲۰۲۴", "2024-11-25",
                                  "٢٠٢٤-١١-٢٥", "25.11.2024", "25-11-2024", " 25 / 11 / 2024 ",
                                  "\u200f25/11/2024\u200f", "2024/11/25"])
def test_a_date_is_read_in_the_locale_order_iso_and_any_digits(app, text):
    with app.test_request_context():
        assert parse_date(text) == date(2024, 11, 25)


@pytest.mark.parametrize("text", ["31/02/2024", "11/25/2024", "tomorrow", "25/11", "20241125",
                                  "1/1/1850", "<b>1/1/2024</b>", ""])
def test_what_is_not_a_date_is_refused_with_the_format(app, text):
    with app.test_request_context():
        with pytest.raises(DateError) as refused:
            parse_date(text)
        assert "YYYY-MM-DD" in str(refused.value) or "1900" in str(refused.value)


def test_a_range_reads_to_in_every_language(app):
    with app.test_request_context():
        want = [date(2024, 1, 1), date(2024, 3, 31)]
        assert parse_range("01/01/2024 to 31/03/2024") == want
        assert parse_range("٠١/٠١/٢٠٢٤ إلى ٣١/٠٣/٢٠٢٤") == want
        assert parse_range("2024-01-01 - 2024-03-31") == want
        with pytest.raises(DateError):
            parse_range("31/03/2024 to 01/01/2024")


def test_a_meeting_is_saved_with_a_date_in_arabic_indic_digits(app, world, login):
    client = login("coordinator_a")
    form = client.get("/meetings/new/").get_data(as_text=True)
    # the field says what it expects, and is not Flask-Admin's English picker
    assert re.search(r'<input[^>]*data-date-input[^>]*id="date"|<input[^>]*id="date"[^>]*'
                     r'data-date-input', form)
    assert "25/11/2024" in form and 'id="date-hint"' in form
    response = client.post("/meetings/new/", data={
        **tagged(world), "date": "٢٥/١١/٢٠٢٤", "counterpart_category": "tr_ngo",
        "topic": "لقاء بتاريخ بالأرقام العربية"})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        assert meeting.date == date(2024, 11, 25)
    edit = client.get(f"/meetings/edit/?id={meeting.id}").get_data(as_text=True)
    assert 'value="25/11/2024"' in edit  # written back in the order it is read


def test_a_refused_save_lists_each_problem_at_the_top_linked_to_its_field(app, world, login):
    client = login("coordinator_a")
    response = client.post("/meetings/new/", data={**tagged(world), "date": "31/02/2024",
                                                   "topic": ""})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    start = page.index('id="form-errors"')
    summary = page[start:page.index("</ul>", start)]
    assert "لم يُحفظ شيء" in summary  # in the user's language (Arabic by default)
    assert 'href="#date"' in summary and "YYYY-MM-DD" in summary
    assert 'href="#topic"' in summary and 'href="#counterpart_category"' in summary
    assert page.index('id="form-errors"') < page.index('class="admin-form"')
    with app.app_context():
        assert db.session.query(Meeting).count() == 0


def test_list_filters_and_the_dashboard_read_typed_dates(app, world, login):
    client = login("coordinator_a")
    for day, topic in (("2024-11-25", "في اليوم"), ("2024-12-25", "بعده")):
        client.post("/meetings/new/", data={**tagged(world), "date": day,
                                            "counterpart_category": "tr_ngo", "topic": topic})
    page = client.get("/meetings/").get_data(as_text=True)
    groups = json.loads(html.unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>',
                                                page, re.S).group(1)))
    index = groups["التاريخ"][0]["index"]  # the first date filter: equals
    listed = client.get(f"/meetings/?flt0_{index}=٢٥/١١/٢٠٢٤").get_data(as_text=True)
    assert "في اليوم" in listed and "بعده" not in listed
    typed = kpis(client, **{"from": "٠١/١١/٢٠٢٤", "to": "30/11/2024", "office": "all"})
    iso = kpis(client, **{"from": "2024-11-01", "to": "2024-11-30", "office": "all"})
    assert typed == iso and typed["meetings.total"] == 1
    bad = client.get("/api/kpis?from=31/02/2024")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_json()["error"]


# --- left to right inside right-to-left pages ---------------------------------------------------
def test_phones_emails_and_codes_read_left_to_right(app, world, login):
    client = login("coordinator_a")
    assert client.post("/contacts/new/", data={
        "name": "سليم", "contact_kind": "person", "category": "media",
        "phone": "+90 532 123 45 67", "email": "salim@example.org"}).status_code == 302
    with app.app_context():
        contact = db.session.query(Contact).one()
    details = client.get(f"/contacts/details/?id={contact.id}").get_data(as_text=True)
    assert '<bdi dir="ltr" class="ltr">+90 532 123 45 67</bdi>' in details
    assert '<bdi dir="ltr" class="ltr">salim@example.org</bdi>' in details
    form = client.get(f"/contacts/edit/?id={contact.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-ltr[^>]*dir="ltr"[^>]*id="phone"|'
                     r'<input[^>]*dir="ltr"[^>]*id="phone"', form)
    case_form = client.get("/cases/new/").get_data(as_text=True)
    phone = re.search(r'<input[^>]*id="personal_phone"[^>]*>', case_form).group(0)
    assert 'dir="ltr"' in phone and "data-personal" in phone  # and never kept in a draft
    name = re.search(r'<input[^>]*id="personal_name"[^>]*>', case_form).group(0)
    assert "data-personal" in name and 'dir="ltr"' not in name


# --- a new counterpart, in place ----------------------------------------------------------------
def test_a_new_partner_is_added_from_the_meeting_form_and_linked(app, world, login):
    client = login("coordinator_a")
    form = client.get("/meetings/new/").get_data(as_text=True)
    assert 'data-quick-add="/partners/quick/"' in form
    assert 'data-quick-add="/contacts/quick/"' in form
    dialog = client.get("/partners/quick/").get_data(as_text=True)
    assert 'id="quick-add-form"' in dialog and "name_ar" in dialog
    before = kpis(client, office="all")["partnerships.total"]
    added = client.post("/partners/quick/", data={
        "name_ar": "وزارة الداخلية", "name_latin": "<b>Ministry</b>", "origin": "turkish",
        "sector": "government"})
    assert added.status_code == 201
    partner = added.get_json()
    assert "&lt;b&gt;" not in partner["text"] and "وزارة الداخلية" in partner["text"]
    # the same name typed another way is found, not added twice
    again = client.post("/partners/quick/", data={"name_ar": "وزاره الداخليّة",
                                                  "origin": "turkish", "sector": "government"})
    assert again.status_code == 409 and again.get_json()["duplicate"]["id"] == partner["id"]
    assert client.post("/meetings/new/", data={
        **tagged(world), "date": "25/11/2024", "counterpart_category": "tr_government",
        "government": "y", "topic": "لقاء الوزارة", "partners": str(partner["id"])}
    ).status_code == 302
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        assert [p.id for p in meeting.partners] == [partner["id"]]
        saved = db.session.get(Partner, partner["id"])
        assert saved.partnership_status == "contact_only" and saved.created_by is not None
    assert kpis(client, office="all")["partnerships.total"] == before  # not a partnership
    refused = client.post("/partners/quick/", data={"name_ar": "", "origin": "turkish",
                                                    "sector": "government"})
    assert refused.status_code == 400 and "name_ar" in refused.get_json()["errors"]


def test_a_new_contact_is_checked_against_the_directory_by_its_folded_name(app, world, login):
    client = login("coordinator_b")
    data = {"name": "أحمد يلماز", "contact_kind": "person", "organisation": "İHH",
            "category": "civil_society"}
    assert client.post("/contacts/quick/", data=data).status_code == 201
    twin = client.post("/contacts/quick/", data={**data, "name": "احمد  يلماز",
                                                 "organisation": "ihh"})
    assert twin.status_code == 409 and twin.get_json()["duplicate"]
    with app.app_context():
        assert db.session.query(Contact).count() == 1


@pytest.mark.parametrize("role, status", [("donor", 403), ("leadership", 403)])
def test_who_may_not_add_partners_may_not_add_them_in_place_either(app, world, login, role,
                                                                   status):
    client = login(role)
    assert client.get("/partners/quick/").status_code == status
    assert client.post("/partners/quick/", data={"name_ar": "x", "origin": "turkish",
                                                 "sector": "ngo"}).status_code == status
    with app.app_context():
        assert db.session.query(Partner).count() == 0


def test_meetings_naming_forty_unknown_counterparts_create_them_once(app, world, login):
    client = login("coordinator_a")
    before = kpis(client, office="all")["partnerships.total"]
    names = [f"جهة رقم {n}" for n in range(40)]
    rows = [{"date": f"{1 + n % 28:02d}/03/2024", "counterpart_category": "tr_government",
             "topic": f"لقاء {n}", "partners": f"{names[n]}; {names[(n + 1) % 40]}"}
            for n in range(40)]
    rows.append({"date": "٢٩/٠٣/٢٠٢٤", "counterpart_category": "tr_government",
                 "topic": "لقاء بأسماء مكتوبة بطريقة أخرى",
                 "partners": "جهه رقم 3; جهة  رقم 4"})  # folded: the same two
    book = template(client)
    fill(book, "meetings", *rows)
    data = as_bytes(book)
    dry = upload(client, data, dry_run="y")
    assert dry.status_code == 200 and not written(dry)
    assert counts(dry)["partners"] == (40, 0, 0)
    assert dry.get_data(as_text=True).count("سيُنشأ") >= 40  # "will be created"
    with app.app_context():
        assert db.session.query(Partner).count() == 0
    done = upload(client, data)
    assert written(done), done.get_data(as_text=True)[-3000:]
    with app.app_context():
        partners = db.session.query(Partner).all()
        assert len(partners) == 40
        assert {p.partnership_status for p in partners} == {"contact_only"}
        assert {p.name_ar for p in partners} == set(names)
        linked = db.session.query(Meeting).filter_by(topic="لقاء بأسماء مكتوبة بطريقة أخرى").one()
        assert sorted(p.name_ar for p in linked.partners) == ["جهة رقم 3", "جهة رقم 4"]
    assert kpis(client, office="all")["partnerships.total"] == before
    again = upload(client, data)  # nothing new the second time
    assert written(again) and counts(again).get("partners", (0, 0, 0))[0] == 0
    with app.app_context():
        assert db.session.query(Partner).count() == 40


# --- reading the screens ------------------------------------------------------------------------
def test_names_show_in_the_interface_language_with_the_other_on_hover(app, world, login):
    client = login("coordinator_a")
    client.post("/meetings/new/", data={**tagged(world), "date": "2024-11-25",
                                        "counterpart_category": "tr_ngo", "topic": "لقاء"})
    page = client.get("/meetings/").get_data(as_text=True)
    assert '<bdi title="Protection Office">مكتب الحماية</bdi>' in page
    assert "مكتب الحماية \u2068(Protection Office)" not in page
    with app.app_context():
        meeting = db.session.query(Meeting).one()
    details = client.get(f"/meetings/details/?id={meeting.id}").get_data(as_text=True)
    assert "مكتب الحماية \u2068(Protection Office)\u2069" in details
    client.post("/language/en", data={"next": "/"})
    english = client.get("/meetings/").get_data(as_text=True)
    assert '<bdi title="مكتب الحماية">Protection Office</bdi>' in english


def test_a_training_kind_is_always_chosen(app, world, login):
    client = login("coordinator_a")
    form = client.get("/trainings/new/").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="training_kind".*?</select>', form, re.S).group(0)
    assert re.findall(r"<option selected[^>]*>", select) == ['<option selected value="__None">']
    refused = client.post("/trainings/new/", data={**tagged(world), "title": "تدريب",
                                                   "start_date": "01/03/2024",
                                                   "training_kind": "__None"})
    assert refused.status_code == 200 and 'href="#training_kind"' in refused.get_data(as_text=True)


@pytest.mark.parametrize("role, wanted, unwanted", [
    ("donor", ["/exports/donor.xlsx", "/dashboard/"], ["/users/", "/audit/"]),
    ("leadership", ["/exports/donor.xlsx", "/dashboard/", 'id="list-downloads"'],
     ["/users/", "/trash/"]),
    ("admin", ["/users/", "/audit/", "/trash/"], []),
])
def test_each_home_page_says_what_to_do_next(app, world, login, role, wanted, unwanted):
    page = login(role).get("/").get_data(as_text=True)
    main = page[page.index("<main"):]
    for text in wanted:
        assert text in main, text
    for text in unwanted:
        assert text not in main, text

"""Record lists: the rows written in Python (coalition/list_rows.py) are the rows Flask-Admin's
row template writes, on every screen, for every role, whatever the records hold."""

import html
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from coalition import versions, views
from coalition.database import db
from coalition.meetings.models import Meeting
from coalition.models import Office
from tests.helpers import DEMO_PASSWORD, sign_in

#: a topic that would break the page if it were not escaped
MARKUP = '<b onmouseover="alert(1)">لقاء</b> & "quoted" \'single\''


class ListTable(HTMLParser):
    """The list table as a sequence of tags, attributes and texts: the whitespace between
    them, and what differs between two requests by design, left out."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "table" and "model-list" in (found.get("class") or ""):
            self.depth += 1
        if not self.depth:
            return
        if found.get("name") == "csrf_token":
            found["value"] = "a token of this request"
        if tag == "input" and found.get("name") in ("id", "url"):
            found.pop("id", None)  # the template gives every row's inputs the same id
        self.events.append(("start", tag, tuple(sorted(found.items()))))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)  # <input/> and <input> are the same element

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.events.append(("end", tag))
            self.depth -= tag == "table"

    def handle_data(self, data: str) -> None:
        if self.depth and data.strip():
            self.events.append(("text", data.strip()))


def _table(page: str) -> list[tuple]:
    parser = ListTable()
    parser.feed(page)
    return parser.events


def _list_screens(app) -> list[str]:
    return [view.url for view in app.extensions["admin"][0]._views
            if isinstance(view, views.RecordView)]


def test_rows_written_in_python_are_the_templates_rows(app, demo, monkeypatch):
    with app.app_context():
        office = db.session.query(Office).filter_by(code="protection").one()
        db.session.add(Meeting(office_id=office.id, date=db.func.current_date(),
                               counterpart_category="tr_ngo", topic=MARKUP, city=MARKUP))
        db.session.commit()
    compared = 0
    for username in ("coordinator", "leadership", "detainees", "admin"):
        client = sign_in(app, username, DEMO_PASSWORD)
        for screen in _list_screens(app):
            for query in ("", "?sort=0&page_size=100"):
                written = client.get(f"{screen}/{query}")
                if written.status_code == 403:
                    continue
                assert written.status_code == 200, (username, screen)
                with monkeypatch.context() as patched:
                    patched.setattr(views, "row_writer", lambda _view, _page: None)
                    templated = client.get(f"{screen}/{query}")
                rows = _table(written.get_data(as_text=True))
                assert rows == _table(templated.get_data(as_text=True)), (username, screen)
                compared += sum(event[:2] == ("start", "tr") for event in rows)
    assert compared > 500  # rows of every kind were compared, not empty tables
    page = sign_in(app, "coordinator", DEMO_PASSWORD).get("/meetings/?search=onmouseover")
    assert MARKUP not in page.get_data(as_text=True)
    assert "&lt;b onmouseover=" in page.get_data(as_text=True)


def test_a_coordinator_may_change_only_their_offices_rows(app, demo):
    client = sign_in(app, "coordinator", DEMO_PASSWORD)
    with app.app_context():
        own = db.session.query(Office).filter_by(code="protection").one().id
        meetings = {m.id: m.office_id for m in db.session.query(Meeting).filter(
            Meeting.deleted_at.is_(None))}
    page = client.get("/meetings/?page_size=100").get_data(as_text=True)
    shown = [int(pk) for pk in _ids(page, "/meetings/details/?id=")]
    editable = set(map(int, _ids(page, "/meetings/edit/?id=")))
    deletable = set(map(int, _ids(page, 'name="id" type="hidden" value="')))
    assert shown and editable and editable == deletable
    assert editable == {pk for pk in shown if meetings[pk] == own}
    assert len(editable) < len(shown)  # other offices' meetings are listed, not changeable


def _ids(page: str, before: str) -> list[str]:
    """The ids written right after `before` in the page."""
    found = []
    for part in page.split(before)[1:]:
        digits = part[:len(part) - len(part.lstrip("0123456789"))]
        if digits:
            found.append(digits)
    return found


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_rows_are_in_the_users_language(app, demo, language):
    client = sign_in(app, "coordinator", DEMO_PASSWORD)
    client.post(f"/language/{language}", data={"next": "/meetings/"})
    page = client.get("/meetings/").get_data(as_text=True)
    words = {"ar": ("عرض السجل", "نقل إلى سلة المحذوفات"),
             "en": ("View Record", "Move to the trash")}[language]
    for word in words:
        assert f'title="{word}"' in page


def _menu(page: str) -> str:
    start = page.index('id="main-menu"')
    return page[start:page.index('id="user-menu"', start)]


def test_each_user_sees_the_menu_written_for_them_alone(app, demo):
    """The main menu is kept once written (coalition/templating.py): each user, in each
    language, on each screen, gets the menu that would be written for them afresh, right
    after other users were given theirs."""
    from coalition.templating import menus

    users = ("donor", "coordinator", "detainees", "leadership", "admin")
    clients = {username: sign_in(app, username, DEMO_PASSWORD) for username in users}
    kept, fresh = {}, {}
    for language in ("ar", "en"):
        for client in clients.values():
            client.post(f"/language/{language}", data={"next": "/"})
        for screen in ("/meetings/", "/dashboard/", "/cases/"):
            for username, client in clients.items():  # one after another, the cache kept
                page = client.get(screen)
                if page.status_code == 200:
                    kept[username, language, screen] = _menu(page.get_data(as_text=True))
            for username, client in clients.items():
                with app.app_context():
                    menus().clear()
                page = client.get(screen)
                if page.status_code == 200:
                    fresh[username, language, screen] = _menu(page.get_data(as_text=True))
    assert kept == fresh
    assert fresh["donor", "en", "/dashboard/"] != fresh["admin", "en", "/dashboard/"]
    assert fresh["coordinator", "en", "/dashboard/"] != fresh["admin", "en", "/dashboard/"]
    assert fresh["admin", "ar", "/meetings/"] != fresh["admin", "en", "/meetings/"]
    assert fresh["admin", "en", "/meetings/"] != fresh["admin", "en", "/dashboard/"]  # active
    assert "/meetings/" not in fresh["donor", "en", "/dashboard/"]


def _count(page: str) -> int:
    """The count a list's tab shows: "List (N)", or nought when it shows none."""
    found = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
    return int(found.group(1)) if found else 0


def test_a_lists_count_and_filters_follow_every_write_at_once(app, world, login):
    """Counts and filter options are kept until the next write (views.KeptCount): each
    write below changes them on the very next page, for each reader's own scope."""
    from tests.helpers import office_forms

    coordinator, admin, other = login("coordinator_a"), login("admin"), login("coordinator_b")

    def counts() -> tuple[int, int, int]:
        return tuple(_count(client.get("/meetings/").get_data(as_text=True))
                     for client in (coordinator, admin, other))

    assert counts() == (0, 0, 0)
    data = office_forms(world)["meetings"][1]
    for step in (1, 2):
        assert coordinator.post("/meetings/new/", data=data).status_code == 302
        assert counts() == (step, step, step)
    with app.app_context():
        first = db.session.scalar(db.select(Meeting.id).order_by(Meeting.id))
    coordinator.post("/meetings/delete/", data={"id": str(first)})
    assert counts() == (1, 1, 1)
    assert admin.post(f"/trash/restore/meetings/{first}").status_code == 302
    assert counts() == (2, 2, 2)
    # a case is read in its office alone: each coordinator's count is their own
    cases = office_forms(world)["cases"][1]
    assert coordinator.post("/cases/new/", data=cases).status_code == 302
    assert [_count(client.get("/cases/").get_data(as_text=True))
            for client in (coordinator, admin, other)] == [1, 1, 0]
    # a new office is among the list's filter options on the next page
    assert "coast" not in _filter_options(admin.get("/meetings/").get_data(as_text=True))
    with app.app_context():
        db.session.add(Office(code="coast", name_ar="مكتب الساحل", name_en="Coast Office"))
        db.session.commit()
    assert ("coast", "مكتب الساحل") in _filter_options(
        admin.get("/meetings/").get_data(as_text=True))
    # the options are kept under the offices' own version: a meeting saved leaves it, and
    # the next write of an office (a rename) shows at once
    with app.app_context():
        kept = versions.table_version("offices")
    assert coordinator.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        assert versions.table_version("offices") == kept
        db.session.scalar(db.select(Office).filter_by(code="coast")).name_ar = "مكتب اللاذقية"
        db.session.commit()
        assert versions.table_version("offices") != kept
    options = _filter_options(admin.get("/meetings/").get_data(as_text=True))
    assert ("coast", "مكتب اللاذقية") in options and ("coast", "مكتب الساحل") not in options


def _filter_options(page: str) -> set[tuple[str, str]]:
    """Every (value, label) the list's filters offer."""
    found = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', page)
    groups = json.loads(html.unescape(found.group(1)))
    return {(value, str(label)) for items in groups.values() for item in items
            for value, label in item["options"] or ()}


@pytest.mark.parametrize("sort", ["?sort=0", "?sort=0&desc=1", ""])
def test_paging_through_rows_tied_on_the_sorted_column_shows_each_once(app, world, login, sort):
    """Thirty meetings of one day, twenty a page: the two pages hold all thirty, once each,
    sorted by date either way or by default (ties broken by id, on every database)."""
    with app.app_context():
        db.session.add_all(Meeting(office_id=world["office_a"], date=date(2024, 3, 5),
                                   counterpart_category="tr_ngo", topic=f"لقاء {n}")
                           for n in range(30))
        db.session.commit()
        ids = set(db.session.scalars(db.select(Meeting.id)))
    client = login("coordinator_a")
    joiner = "&" if sort else "?"
    pages = [_ids(client.get(f"/meetings/{sort}{joiner}page={page}&page_size=20")
                  .get_data(as_text=True), "/meetings/details/?id=")
             for page in (0, 1)]
    shown = [int(pk) for page in pages for pk in page]
    assert len(shown) == 30 and set(shown) == ids
    assert [len(page) for page in pages] == [20, 10]


def test_a_whole_list_is_counted_from_the_rollup_and_a_filtered_one_from_the_records(
        app, world, login):
    """With no search and no filter, a list's count is read from its rollup's year cells
    (`versions.whole_counts`), in the reader's scope; searched, filtered, or with the
    rollup stale, the records are counted. Either way the count is the records'."""
    from sqlalchemy import event

    from coalition.kpis import rollups
    from coalition.models import Case
    from tests.helpers import make_case, make_meeting, make_person, make_user

    with app.app_context():
        for day in (date(2023, 5, 1), date(2024, 2, 9), date(2024, 2, 10)):
            make_meeting(world["office_a"], date=day, topic="لقاء الجمعية")
        make_meeting(world["office_b"], topic="زيارة")
        make_case(world["office_a"])
        make_case(world["office_b"])
        make_case(world["office_b"])
    read: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        read.append(statement)

    def counted(client, url: str) -> tuple[int, bool]:
        """The count shown, and whether the records themselves were counted."""
        read.clear()
        page = client.get(url).get_data(as_text=True)
        return _count(page), any("count(" in s.lower() and "rollup_" not in s for s in read)

    coordinator, admin = login("coordinator_a"), login("admin")
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert counted(admin, "/meetings/") == (4, False)
        assert counted(coordinator, "/cases/") == (1, False)  # their office's alone
        assert counted(admin, "/cases/") == (3, False)
        assert counted(admin, "/meetings/?search=الجمعية") == (3, True)
        # a screen scoped otherwise than by office counts its records: the Detainees
        # Office's coordinator reads their files and the coalition-internal ones of others
        with app.app_context():
            make_person(world["office_b"])
            make_person(world["office_a"], confidentiality="coalition")
            make_person(world["office_a"])
        assert counted(login("coordinator_b"), "/detainees/") == (2, True)
        # a coordinator left with no office (old data: the forms refuse it) reads no case,
        # and their count is the records' nought, never the coalition's whole count
        with app.app_context():
            make_user("coordinator", "no_office")
        assert counted(sign_in(app, "no_office"), "/cases/") == (0, True)
        with app.app_context():  # a rollup not up to date with the definitions is not read
            connection = db.session.connection()
            versions.set_state(connection, rollups.ROLLUPS[Case].name, "stale")
            versions.move_version(connection)
            db.session.commit()
        assert counted(coordinator, "/cases/") == (1, True)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note)

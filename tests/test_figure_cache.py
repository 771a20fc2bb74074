"""The cache of computed figures: an answer is reused only while no write has moved the data
version, only for the same reader and only for the same filters, so the API, the dashboard
and `flask kpis` answer from it and are never behind a write nor show one reader's figures to
another."""

import dataclasses
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from coalition import versions
from coalition.config import load_config
from coalition.database import db
from coalition.extensions import cache
from coalition.kpis import figure_cache, rollups, visibility
from coalition.kpis.filters import Filters
from coalition.kpis.queries import compute_many
from coalition.kpis.visibility import Audience, figure_set
from coalition.models import Case, Meeting, Office, Project, Track, User
from tests.helpers import PASSWORD, make_case, make_meeting, make_person, sign_in
from tests.test_detainees import english
from tests.test_imports import as_bytes, office_workbook, upload, written
from tests.test_kpis import _cards, _figures, _links, add, kpis, tagged, trash


@pytest.fixture
def computed(monkeypatch) -> list[int]:
    """How many times figures were computed rather than read from the cache."""
    calls = [0]
    compute = visibility.compute_many

    def counted(*args, **kwargs):
        calls[0] += 1
        return compute(*args, **kwargs)

    monkeypatch.setattr(visibility, "compute_many", counted)
    return calls


def _direct(app, **args) -> dict:
    """Every figure under the API's filters, computed from the records themselves."""
    with app.test_request_context():
        filters = Filters.parse({name: str(value) for name, value in args.items()})
        return compute_many([(filters, None)], direct=True)[0]


def test_every_kind_of_write_moves_the_cached_figures_at_once(app, world, login, computed):
    admin, reader = login("admin"), login("leadership")
    start = kpis(reader)
    assert kpis(reader) == start and computed[0] == 1  # nothing changed: from the cache

    meeting = add(admin, "meetings", **tagged(world), date="2024-03-01",
                  counterpart_category="intl", topic="form")
    created = kpis(reader)
    assert created["meetings.total"] == start["meetings.total"] + 1
    assert created == _direct(app) and computed[0] == 2

    fields = {**tagged(world, office="office_b"), "date": "2024-03-01",
              "counterpart_category": "sy_media", "topic": "form", "record_version": "1"}
    assert admin.post(f"/meetings/edit/?id={meeting}", data=fields).status_code == 302
    office_b = kpis(reader, office=world["office_b"])
    assert office_b["meetings.by_counterpart.sy_media"] == 1
    edited = kpis(reader)
    assert edited["meetings.by_counterpart.intl"] == start["meetings.by_counterpart.intl"]
    assert edited == _direct(app)

    trash(admin, "meetings", meeting)
    assert kpis(reader)["meetings.total"] == start["meetings.total"]
    assert kpis(reader, office=world["office_b"])["meetings.total"] == 0

    assert admin.post(f"/trash/restore/meetings/{meeting}").status_code == 302
    assert kpis(reader)["meetings.total"] == start["meetings.total"] + 1

    coordinator = login("coordinator_a")
    assert written(upload(coordinator, as_bytes(office_workbook(coordinator))))
    imported = kpis(reader)
    assert imported["meetings.total"] == start["meetings.total"] + 4
    assert imported["cases.total"] == start["cases.total"] + 3
    assert imported == _direct(app)


def test_the_dashboard_and_the_command_line_follow_a_write_at_once(app, world, login):
    reader = login("leadership")
    with app.app_context():
        make_meeting(world["office_a"], date=date(2024, 3, 1), government=True)
    assert _cards(reader.get("/dashboard/?year=2024").get_data(as_text=True))[
        "meetings.government"][0] == 1
    runner = app.test_cli_runner()
    assert "meetings.total" in runner.invoke(args=["kpis", "--year", "2024"]).output
    with app.app_context():
        make_meeting(world["office_a"], date=date(2024, 3, 2), government=True)
    assert _cards(reader.get("/dashboard/?year=2024").get_data(as_text=True))[
        "meetings.government"][0] == 2
    line = next(line for line in runner.invoke(args=["kpis", "--year", "2024"]).output
                .splitlines() if line.startswith("meetings.total "))
    assert line.split()[1] == "2"


def test_cached_charts_keep_each_readers_links_and_language(app, world, login):
    add(login("admin"), "meetings", **tagged(world), date="2024-01-01",
        counterpart_category="tr_media", government="y", topic="أ")
    leadership = _figures(login("leadership").get("/dashboard/").get_data(as_text=True))
    assert any(_links(figure) for figure in leadership.values())
    assert leadership == _figures(login("leadership").get("/dashboard/").get_data(
        as_text=True))  # the same reader again: the same charts, from the cache
    donor = _figures(login("donor").get("/dashboard/").get_data(as_text=True))
    assert not any(_links(figure) for figure in donor.values())
    with app.app_context():
        make_case(world["office_a"], consultation_outcome="directed_to_procedure")
    office_a = f"/dashboard/?office={world['office_a']}"
    own = _figures(login("coordinator_a").get(office_a).get_data(as_text=True))
    assert _links(own["outcomes"])
    other = _figures(login("coordinator_b").get(office_a).get_data(as_text=True))
    assert not _links(other["outcomes"])  # may not open office A's cases
    english = login("leadership")
    english.post("/language/en", data={"next": "/"})  # kept as the user's choice
    names = _figures(english.get("/dashboard/").get_data(as_text=True))["activity"]["data"]
    assert {trace["name"] for trace in names} != {
        trace["name"] for trace in leadership["activity"]["data"]}


def test_charts_are_drawn_once_for_readers_the_rules_treat_alike(app, world, login,
                                                                 monkeypatch):
    """The charts' links are what a reader may open, which only their role and office
    decide: a second coordinator of the same office is served the first one's charts, a
    coordinator of another office gets their own."""
    from coalition.kpis import views

    with app.app_context():
        user = User(username="coord_a2", role="coordinator", office_id=world["office_a"])
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        make_case(world["office_a"], consultation_outcome="directed_to_procedure")
    drawn = []
    to_json = views.charts.to_json
    monkeypatch.setattr(views.charts, "to_json", lambda fig: drawn.append(1) or to_json(fig))
    office_a = f"/dashboard/?office={world['office_a']}"
    first = _figures(login("coordinator_a").get(office_a).get_data(as_text=True))
    once = len(drawn)
    assert once and _links(first["outcomes"])
    assert _figures(sign_in(app, "coord_a2").get(office_a).get_data(as_text=True)) == first
    assert len(drawn) == once
    other = _figures(login("coordinator_b").get(office_a).get_data(as_text=True))
    assert len(drawn) == 2 * once and not _links(other["outcomes"])


def test_a_merge_and_its_undoing_move_the_cached_figures(app, world, login):
    reader = login("leadership")
    with app.app_context():
        kept = make_person(world["office_a"]).id
        merged = make_person(world["office_a"], first_name="محمّد", mother_name="").id
    assert kpis(reader)["detainees.total"] == 2
    coordinator = english(login("coordinator_a"))
    assert coordinator.post("/detainees/merge/", data={"kept": kept, "merged": merged}
                            ).status_code == 302
    assert kpis(reader)["detainees.total"] == 1
    with app.app_context():
        merge = db.session.scalar(db.text("SELECT id FROM detainee_merges"))
    assert coordinator.post("/detainees/unmerge/", data={"merge": merge}).status_code == 302
    assert kpis(reader)["detainees.total"] == 2


def test_approving_and_reopening_a_month_move_the_approved_figures(app, world, login):
    reader = login("leadership")
    with app.app_context():
        make_meeting(world["office_a"], date=date(2024, 3, 5))
    approved = {"year": "2024", "approved": "1"}
    assert kpis(reader, **approved)["meetings.total"] == 0
    runner = app.test_cli_runner()
    for step in (["submit"], ["approve"]):
        assert runner.invoke(args=["reporting", *step, "protection", "2024-03"]).exit_code == 0
    assert kpis(reader, **approved)["meetings.total"] == 1
    assert runner.invoke(args=["reporting", "reopen", "protection", "2024-03", "--reason",
                               "a correction"]).exit_code == 0
    assert kpis(reader, **approved)["meetings.total"] == 0
    assert kpis(reader, year="2024")["meetings.total"] == 1


def _answers(login, world) -> dict:
    """What each reader gets for the coalition and for office A."""
    result = {}
    for role in ("leadership", "donor", "coordinator_a", "coordinator_b"):
        client = login(role)
        for office in ("all", world["office_a"]):
            response = client.get("/api/kpis", query_string={"office": office})
            result[role, office] = response.get_json()
    return result


def test_two_audiences_never_share_a_cached_answer(app, world, login):
    with app.app_context():
        for _ in range(2):  # two cases: a small cell, hidden from donors
            make_case(world["office_a"], consultation_outcome="directed_to_procedure")
    key = "cases.by_outcome.directed_to_procedure"
    first = _answers(login, world)  # leadership first: its exact figures are in the cache
    assert first["leadership", "all"]["kpis"][key] == 2
    assert first["donor", "all"]["kpis"][key] is None
    assert first["donor", "all"]["hidden"][key] == "suppressed"
    assert first["coordinator_b", world["office_a"]]["hidden"][key] == "restricted"
    assert first["coordinator_a", world["office_a"]]["kpis"][key] == 2
    assert first["coordinator_a", "all"]["hidden"][key] == "restricted"
    with app.app_context():
        cache.clear()
    donors_first = {}
    for role in ("donor", "coordinator_b", "coordinator_a", "leadership"):
        donors_first.update({k: v for k, v in _answers(login, world).items() if k[0] == role})
    assert donors_first == first


def test_the_cache_keys_apart_every_audience_of_the_access_rules(app, world):
    with app.app_context():
        users = db.session.query(User).all()
        audiences = {Audience.of(user) for user in users} | {
            Audience.operator(), Audience.of(users[0]).for_donors()}
        keys = {figure_cache.key("figures", (audience, 5, ())) for audience in audiences}
        assert len(keys) == len(audiences) >= 5


def _other(value, name: str, app, world):
    """Another value of a filter than `value`."""
    with app.app_context():
        named = {"office": (Office, world["office_b"]), "track": (Track, world["track_2"]),
                 "project": (Project, world["project"])}
        if name in named:
            model, ident = named[name]
            return db.session.get(model, ident)
    if isinstance(value, bool):
        return not value
    if name in ("start", "end"):
        return date(2023, 1, 1)
    if name == "unit":
        return "quarter"
    return _Record(7)  # a record the world has none of (a campaign …)


@dataclasses.dataclass(frozen=True)
class _Record:
    """A stand-in for a record filtered on."""

    id: int


def test_the_cache_key_covers_every_filter(app, world):
    with app.app_context():
        base = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31),
                       office=db.session.get(Office, world["office_a"]),
                       track=db.session.get(Track, world["track_1"]), unit="year")
    keys = {figure_cache.filters_key(base)}
    for field in dataclasses.fields(Filters):
        changed = dataclasses.replace(base, **{field.name: _other(getattr(base, field.name),
                                                                  field.name, app, world)})
        keys.add(figure_cache.filters_key(changed))
    assert len(keys) == len(dataclasses.fields(Filters)) + 1


def test_each_filter_gets_its_own_answer_from_the_cache(app, world, login):
    with app.app_context():
        make_meeting(world["office_a"], date=date(2024, 3, 5), track_id=world["track_1"],
                     project_id=world["project"])
        make_meeting(world["office_b"], date=date(2023, 6, 5), track_id=world["track_2"])
        make_case(world["office_a"], opened_on=date(2024, 2, 1))
    reader = login("leadership")
    asked = [{}, {"year": "2024"}, {"year": "2023"}, {"year": "2024", "quarter": "1"},
             {"year": "2024", "quarter": "2"}, {"year": "2024", "month": "3"},
             {"from": "2024-03-05", "to": "2024-03-05"}, {"from": "2024-03-06"},
             {"office": world["office_a"]}, {"office": world["office_b"]},
             {"track": world["track_1"]}, {"track": world["track_2"]},
             {"project": world["project"]}, {"approved": "1"}]
    for _round in range(2):  # the second round is answered from the cache
        for args in asked:
            assert kpis(reader, **args) == _direct(app, **args), args


@contextmanager
def _statements(app) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, as they are run."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)


def test_the_data_version_is_one_read_and_moves_with_every_write(app, world):
    with app.app_context():
        with _statements(app) as statements:
            version = versions.data_version()
        assert version and len(statements) == 1
        meeting = make_meeting(world["office_a"], date=date(2024, 3, 5))
        assert versions.data_version() != version
        version = versions.data_version()
        meeting.topic = "changed"
        db.session.commit()
        assert versions.data_version() != version
        version = versions.data_version()
        db.session.delete(db.session.get(Meeting, meeting.id))
        db.session.commit()
        assert versions.data_version() != version


def _rollups_read(app, client, url: str) -> set[str]:
    """The rollup tables the request of `url` read (and it reads the versions once)."""
    with _statements(app) as statements:
        assert client.get(url).status_code == 200
    assert sum("FROM kpi_state" in sql for sql in statements) == 1
    return {rollup.table.name for rollup in rollups.ROLLUPS.values()
            if any(f"FROM {rollup.table.name}" in sql for sql in statements)}


def test_the_dashboard_reads_its_menus_again_only_after_their_tables_change(app, world, login):
    """The offices, tracks, projects and campaigns of the dashboard's filters are kept at
    their tables' versions: a second dashboard reads none of them, a meeting saved leaves
    them kept, and an office renamed shows on the very next dashboard."""
    reader = login("leadership")
    menus = ("offices", "tracks", "projects", "campaigns")

    def dashboard() -> tuple[str, set[str]]:
        with _statements(app) as statements:
            page = reader.get("/dashboard/")
        assert page.status_code == 200
        return page.get_data(as_text=True), {
            table for table in menus if any(f"FROM {table}" in sql for sql in statements)}

    with app.app_context():
        versions.move_tables(db.session.connection(), menus)
        db.session.commit()
    assert dashboard()[1] == set(menus)
    assert dashboard()[1] == set()
    add(login("admin"), "meetings", **tagged(world), date="2024-03-01",
        counterpart_category="intl", topic="form")
    assert dashboard()[1] == set()
    with app.app_context():
        db.session.get(Office, world["office_a"]).name_ar = "مكتب الشمال الجديد"
        db.session.commit()
    page, read = dashboard()
    assert read == {"offices"} and "مكتب الشمال الجديد" in page
    assert dashboard()[1] == set()


def test_after_a_write_only_the_rollup_written_is_read_again(app, world, login):
    """What was read from a rollup is kept under that rollup's own version: saving a meeting
    has the API and the dashboard read the meetings' rollup again, and no other; a case,
    the cases' rollup; the figures stay those of the records."""
    reader = login("leadership")
    with app.app_context():
        make_case(world["office_a"])
        rollups.rebuild()  # each rollup gets its own version (until then: the data's)
        db.session.commit()
    for url in ("/api/kpis", "/dashboard/"):
        assert "rollup_meetings" in _rollups_read(app, reader, url)
        assert _rollups_read(app, reader, url) == set()  # nothing changed: all kept
    add(login("admin"), "meetings", **tagged(world), date="2024-03-01",
        counterpart_category="intl", topic="form")
    assert _rollups_read(app, reader, "/api/kpis") == {"rollup_meetings"}
    assert _rollups_read(app, reader, "/dashboard/") == {"rollup_meetings"}
    assert kpis(reader) == _direct(app)
    # what leadership's pages left in the cache serves a donor and each office's coordinator
    # only as their own rules allow: the same answers as from an empty cache
    shared = _answers(login, world)
    with app.app_context():
        cache.clear()
    assert _answers(login, world) == shared
    with app.app_context():
        make_case(world["office_b"], consultation_outcome="directed_to_procedure")
    assert _rollups_read(app, reader, "/api/kpis?year=2024") >= {"rollup_cases"}
    assert _rollups_read(app, reader, "/api/kpis") == {"rollup_cases"}
    assert kpis(reader) == _direct(app)
    with app.app_context():  # a rollup with no version of its own goes by the data's
        db.session.execute(versions.state.delete().where(
            versions.state.c.name == rollups.ROLLUPS[Meeting].version_name))
        make_case(world["office_b"])
    assert _rollups_read(app, reader, "/api/kpis") == {"rollup_cases", "rollup_meetings"}
    with app.app_context():  # the rollups recomputed: every one is read again
        rollups.rebuild()
        db.session.commit()
    assert _rollups_read(app, reader, "/api/kpis") == {
        rollup.table.name for rollup in rollups.ROLLUPS.values()}


def test_an_answer_seen_inside_a_rolled_back_write_is_never_served(app, world):
    operator = Audience.operator()
    with app.app_context():
        make_case(world["office_a"])
        before = figure_set(operator, Filters())["cases.total"]
        make_case_uncommitted = Case(office_id=world["office_a"], opened_on=date(2024, 1, 1))
        db.session.add(make_case_uncommitted)
        db.session.flush()
        assert figure_set(operator, Filters())["cases.total"] == before + 1
        db.session.rollback()
        assert figure_set(operator, Filters())["cases.total"] == before
        make_meeting(world["office_a"])  # the next write takes a version of its own
        assert figure_set(operator, Filters())["cases.total"] == before


def test_without_a_data_version_nothing_is_cached(app, world, computed):
    with app.app_context():
        db.session.execute(versions.state.delete())
        db.session.commit()
        assert versions.data_version() is None
        figure_set(Audience.operator(), Filters())
        figure_set(Audience.operator(), Filters())
    assert computed[0] == 2


def test_a_failing_cache_is_skipped(app, world, login, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ConnectionError("the cache is away")

    reader = login("leadership")
    expected = kpis(reader)
    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert kpis(reader) == expected


def test_the_cache_is_in_the_process_unless_redis_is_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("CACHE_REDIS_URL", raising=False)
    monkeypatch.delenv("CACHE_TYPE", raising=False)
    config = load_config(str(tmp_path))
    assert config["CACHE_TYPE"] == "coalition.versions.ProcessCache"
    assert config["CACHE_DIR"].startswith(str(tmp_path))  # for CACHE_TYPE=FileSystemCache
    monkeypatch.setenv("CACHE_REDIS_URL", "redis://127.0.0.1:6379/3")
    config = load_config(str(tmp_path))
    assert config["CACHE_TYPE"] == "RedisCache"
    assert config["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_a_full_cache_in_the_process_drops_its_oldest_quarter_at_once(app):
    """Kept in the process (the default), a full cache drops its oldest answers a quarter at
    a time, rather than sorting them all for each answer it keeps."""
    with app.app_context():
        assert isinstance(cache.cache, versions.ProcessCache)
    kept = versions.ProcessCache(threshold=8, default_timeout=600)
    for number in range(10):
        kept.set(f"answer {number}", number)
    assert [kept.get(f"answer {n}") for n in range(10)] == [None] * 3 + list(range(3, 10))
    kept.set("answer 10", 10)  # room again: nothing more dropped
    assert kept.get("answer 3") == 3 and kept.get("answer 10") == 10


def test_answers_survive_a_shared_cache(app, world):
    """Redis and file caches keep answers pickled: they come back as they went in."""
    with app.app_context():
        make_case(world["office_a"], consultation_outcome="directed_to_procedure")
        for audience in (Audience.operator(), Audience.operator().for_donors()):
            answer = figure_set(audience, Filters())
            assert pickle.loads(pickle.dumps(answer)) == answer


def test_no_page_changes_an_answer_it_reads_from_the_cache(app, world, login):
    """In the process, answers are kept as the objects they are (`versions._AsIs`), not as
    copies: every page that reads them — the dashboard under several filters, the API, the
    annual report, the lists — must leave them as they were kept."""
    with app.app_context():
        make_case(world["office_a"], consultation_outcome="directed_to_procedure")
        make_meeting(world["office_a"], counterpart_category="tr_ngo")
        make_meeting(world["office_b"], counterpart_category="sy_media")
    pages = ["/dashboard/", f"/dashboard/?office={world['office_a']}", "/dashboard/?year=2024",
             "/dashboard/?year=2024&quarter=1&coverage=1", "/api/kpis", "/api/kpis?year=2024",
             "/reports/annual?year=2024", "/meetings/", "/cases/"]
    readers = [login(role) for role in ("leadership", "coordinator_a", "donor", "admin")]

    def read_all() -> None:
        for client in readers:
            for page in pages:
                assert client.get(page).status_code in (200, 403)

    read_all()
    with app.app_context():
        kept = dict(cache.cache._cache)
    assert len(kept) > 20
    as_kept = {name: pickle.dumps(value) for name, (_expires, value) in kept.items()}
    read_all()  # every answer now comes from the cache, as the very objects kept
    with app.app_context():
        now = cache.cache._cache
        assert set(as_kept) <= set(now)
        changed = [name for name, value in as_kept.items()
                   if pickle.loads(value) != now[name][1]]
    assert changed == []

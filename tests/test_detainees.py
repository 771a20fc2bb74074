"""The Detainees Office: files through the forms, names need-to-know and logged, duplicates
found across Arabic spellings, merged and unmerged, the figures, import and external export."""

import json
from datetime import date
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from coalition.database import db
from coalition.models import (
    AuditEntry,
    Consent,
    DetentionEpisode,
    FamilySupport,
    Informant,
    Person,
    StatusChange,
)
from tests.helpers import (
    form_errors,
    make_consent,
    make_episode,
    make_external_body,
    make_person,
    make_support,
    person_form,
)

SECRET = "خديجة"


def english(client):
    """The client reads the pages in English, so messages can be checked by their words."""
    client.post("/language/en", data={"next": "/"})
    return client


# --- the records through the forms ---------------------------------------------------------
def test_a_coordinator_documents_a_person_through_the_forms(app, world, login):
    client = english(login("coordinator_a"))
    created = client.post("/detainees/new/", data=person_form(world))
    assert created.status_code == 302, form_errors(created)
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        assert person.reference.startswith("DT-") and person.bi_first and person.bi_mother
        assert [s.status for s in person.status_changes] == ["disappeared"]
        raw = db.session.execute(text("SELECT first_name, mother_name, civil_id FROM detainees")
                                 ).one()
        assert all(value.startswith("fernet:") for value in raw)
        person_id, version = person.id, person.version
    assert created.headers["Location"].endswith(f"/detainees/details/?id={person_id}")
    page = client.get(f"/detainees/details/?id={person_id}").get_data(as_text=True)
    assert SECRET in page and "0101234567" in page

    # a death needs how it is known
    refused = client.post(f"/detainees/edit/?id={person_id}", data=person_form(
        world, status="died_in_custody", record_version=str(version)))
    assert refused.status_code == 200 and "civil registry" in refused.get_data(as_text=True)
    edited = client.post(f"/detainees/edit/?id={person_id}", data=person_form(
        world, status="died_in_custody", death_knowledge="civil_registry",
        status_source="قيد الوفاة في السجل المدني", record_version=str(version)))
    assert edited.status_code == 302, form_errors(edited)
    with app.app_context():
        changes = db.session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
        assert [(c.status, c.death_knowledge) for c in changes] == [
            ("disappeared", None), ("died_in_custody", "civil_registry")]
        assert changes[1].source == "قيد الوفاة في السجل المدني"
        assert changes[1].created_by.username == "coord_a"

    # the parts of the file, each opened from the person's page
    parts = {
        "detention_episodes": {"person": str(person_id), "arrested_on": "2012-03-04",
                               "arrest_estimated": "y", "governorate": "damascus",
                               "detaining_party": "government_forces",
                               "facility": "سجن صيدنايا العسكري",
                               "court": "محكمة الميدان العسكرية"},
        "detainee_informants": {"person": str(person_id), "relationship_to_person": "mother",
                                "name": "أم أسامة", "phone": "+90 555 123 4567",
                                "how_reached": "phone", "interviewed_on": "2024-02-01",
                                "interviewed_by": "منسق المكتب", "reliability": "high"},
        "detainee_consents": {"person": str(person_id), "purpose": "documentation",
                              "given": "y", "given_on": "2024-02-01",
                              "recorded_by": "منسق المكتب"},
        "family_support": {"person": str(person_id), "office": str(world["office_a"]),
                           "date": "2024-03-01", "kind": "group_session",
                           "participants": "12", "outcome": "جلسة دعم جماعي"},
    }
    for endpoint, data in parts.items():
        form = client.get(f"/{endpoint}/new/?person={person_id}")
        assert form.status_code == 200
        saved = client.post(f"/{endpoint}/new/?person={person_id}", data=data)
        assert saved.status_code == 302, (endpoint, form_errors(saved))
        assert saved.headers["Location"].endswith(f"/detainees/details/?id={person_id}")
    page = client.get(f"/detainees/details/?id={person_id}").get_data(as_text=True)
    for shown in ("سجن صيدنايا العسكري", "أم أسامة", "+90 555 123 4567", "جلسة دعم جماعي"):
        assert shown in page
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.detaining_party == "government_forces" and not person.minor_at_arrest
        informant = db.session.scalars(select(Informant)).one()
        assert informant.office_id == world["office_a"]
        assert db.session.execute(text("SELECT name FROM detainee_informants")).scalar(
            ).startswith("fernet:")


@pytest.mark.parametrize(("endpoint", "data", "field", "message"), [
    ("family_support", {"kind": "group_session", "date": "2024-03-01"}, "participants",
     "participants"),
    ("family_support", {"kind": "referral", "date": "2024-03-01", "amount": "50"}, "amount",
     "material"),
    ("detainee_consents", {"purpose": "external_sharing", "given": "y",
                           "given_on": "2024-02-01"}, "external_body", "external body"),
    ("detainee_consents", {"purpose": "documentation", "given": "y", "given_on": "2024-02-01",
                           "withdrawn_on": "2024-01-01"}, "withdrawn_on", "end date"),
    ("detention_episodes", {"arrested_on": "2014-01-01", "released_on": "2013-01-01",
                            "detaining_party": "isis"}, "released_on", "end date"),
])
def test_a_part_of_a_file_is_refused_beside_its_field(app, world, login, endpoint, data,
                                                      field, message):
    with app.app_context():
        person = make_person(world["office_a"])
        person_id = person.id
    client = english(login("coordinator_a"))
    response = client.post(f"/{endpoint}/new/", data={
        "person": str(person_id), "office": str(world["office_a"]), **data})
    assert response.status_code == 200
    assert message in " ".join(form_errors(response))
    with app.app_context():
        for model in (FamilySupport, Consent, DetentionEpisode):
            assert db.session.query(model).count() == 0


def test_markup_in_a_name_is_shown_as_text(app, world, login):
    client = login("coordinator_a")
    created = client.post("/detainees/new/", data=person_form(
        world, first_name="<script>alert(1)</script>"))
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_bad_input_is_a_message_not_a_500(app, world, login):
    client = login("coordinator_a")
    for data in (person_form(world, birth_year="abc"), person_form(world, sex="x"),
                 person_form(world, birth_year="3000"), person_form(world, first_name="")):
        response = client.post("/detainees/new/", data=data)
        assert response.status_code == 200 and form_errors(response)
    assert client.get("/detainees/details/?id=abc").status_code == 404
    assert client.get("/detainees/duplicates/?min_score=abc").status_code == 400
    assert client.post("/detainees/merge/", data={"kept": "x", "merged": "1"}).status_code == 404
    with app.app_context():
        assert db.session.query(Person).count() == 0


# --- who sees what -------------------------------------------------------------------------
def _file(world, office: str = "office_a", **fields):
    """A person with an episode, an informant, a consent and support; their ids."""
    person = make_person(world[office], mother_name=SECRET, civil_id="0109999999", **fields)
    episode = make_episode(person, facility="فرع فلسطين")
    informant = Informant(person=person, relationship_to_person="mother", name="أم محمد",
                          phone="+90 555 765 4321")
    db.session.add(informant)
    db.session.commit()
    consent = make_consent(person)
    support = make_support(person, outcome="دعم مقدم")
    return {"detainees": person.id, "detention_episodes": episode.id,
            "detainee_informants": informant.id, "detainee_consents": consent.id,
            "family_support": support.id}, person.reference


def test_another_office_guessing_ids_sees_nothing(app, world, login):
    with app.app_context():
        ids, reference = _file(world)
    other = login("coordinator_b")
    for endpoint, record_id in ids.items():
        for action in ("details", "edit"):
            response = other.get(f"/{endpoint}/{action}/?id={record_id}")
            assert response.status_code == 403, (endpoint, action)
        assert reference not in other.get(f"/{endpoint}/").get_data(as_text=True)
    assert other.post("/detainees/merge/", data={"kept": ids["detainees"],
                                                 "merged": ids["detainees"]}).status_code == 403
    assert other.post("/detention_episodes/new/", data={
        "person": str(ids["detainees"]), "arrested_on": "2020-01-01",
        "detaining_party": "isis"}).status_code == 200  # not one of their choices
    with app.app_context():
        assert db.session.query(DetentionEpisode).count() == 1
    donor = login("donor")
    for endpoint, record_id in ids.items():
        assert donor.get(f"/{endpoint}/details/?id={record_id}").status_code == 403
        assert donor.get(f"/{endpoint}/").status_code == 403


def test_leadership_reads_references_statuses_and_episodes_never_a_name(app, world, login):
    with app.app_context():
        ids, reference = _file(world)
    leadership = login("leadership")
    names = ("محمد", SECRET, "الحلبي", "أم محمد", "0109999999", "+90 555 765 4321")
    page = leadership.get(f"/detainees/details/?id={ids['detainees']}").get_data(as_text=True)
    assert reference in page and "فرع فلسطين" in page and "دعم مقدم" in page
    for name in names:
        assert name not in page
    for url in ("/detainees/", "/detention_episodes/", "/family_support/",
                f"/detention_episodes/details/?id={ids['detention_episodes']}",
                "/exports/list/detainees.csv", "/exports/list/detention_episodes.csv",
                "/api/kpis", "/dashboard/"):
        response = leadership.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for name in names:
            assert name not in body, (url, name)
    for endpoint in ("detainee_informants", "detainee_consents"):
        assert leadership.get(f"/{endpoint}/").status_code == 403
        assert leadership.get(f"/{endpoint}/details/?id={ids[endpoint]}").status_code == 403
    assert leadership.get("/detainees/duplicates/").status_code == 403
    with app.app_context():
        assert not db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "view_personal")).all()


def test_every_view_of_names_is_logged(app, world, login):
    with app.app_context():
        ids, _reference = _file(world)
    client = login("coordinator_a")
    assert SECRET in client.get(f"/detainees/details/?id={ids['detainees']}").get_data(
        as_text=True)
    assert client.get(f"/detainees/edit/?id={ids['detainees']}").status_code == 200
    assert "أم محمد" in client.get(
        f"/detainee_informants/details/?id={ids['detainee_informants']}").get_data(as_text=True)
    with app.app_context():
        seen = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "view_personal").order_by(AuditEntry.id)).all()
        assert [(e.record_type, e.user.username) for e in seen] == [
            ("detainees", "coord_a"), ("detainees", "coord_a"),
            ("detainee_informants", "coord_a")]


def test_names_are_masked_in_the_history(app, world, login):
    client = english(login("coordinator_a"))
    created = client.post("/detainees/new/", data=person_form(world))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.record_type == "detainees", AuditEntry.action == "create")).one()
        assert SECRET not in entry.changes and "أسامة" not in entry.changes
        assert "0101234567" not in entry.changes
        person_id = entry.record_id
    assert created.status_code == 302
    # a year reads as a year, on the page and in its history: 1985, never 1,985
    page = client.get(f"/detainees/details/?id={person_id}").get_data(as_text=True)
    assert page.count("1985") >= 2 and "1,985" not in page


def test_a_coalition_internal_file_shows_its_reference_to_other_offices(app, world, login):
    with app.app_context():
        person = make_person(world["office_a"], confidentiality="coalition")
        person_id, reference = person.id, person.reference
    other = login("coordinator_b")
    page = other.get(f"/detainees/details/?id={person_id}").get_data(as_text=True)
    assert reference in page and "محمد" not in page and "فاطمة" not in page
    assert reference in other.get("/detainees/").get_data(as_text=True)
    assert other.get(f"/detainees/edit/?id={person_id}").status_code == 403


# --- the same person reported twice --------------------------------------------------------
RESPELLED = [
    ({"first_name": "أسامة", "father_name": "عبد الله", "family_name": "المصري",
      "mother_name": "مريم"},
     {"first_name": "اسامه", "father_name": "عبدالله", "family_name": "المصري  ",
      "mother_name": "", "birth_year": 1989}),
    ({"first_name": "مصطفى", "father_name": "محمود", "family_name": "الحمصي"},
     {"first_name": "مصطفي", "father_name": "محمود", "family_name": "حمصي"}),
]


@pytest.mark.parametrize(("first", "second"), RESPELLED)
def test_a_respelled_duplicate_is_found_when_saved(app, world, login, first, second):
    with app.app_context():
        kept = make_person(world["office_a"], **first)
        kept_id, kept_ref = kept.id, kept.reference
    client = english(login("coordinator_a"))
    created = client.post("/detainees/new/", data=person_form(
        world, governorate="aleppo", **{k: str(v) for k, v in {
            "mother_name": "", "birth_year": 1990, **second}.items()}))
    assert created.status_code == 302, form_errors(created)
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "duplicate-candidates" in page and kept_ref in page
    assert "first name" in page.split("duplicate-candidates")[1]
    with app.app_context():
        new_id = db.session.scalar(select(Person.id).where(Person.id != kept_id))
    assert new_id


def test_the_same_common_name_is_not_a_candidate(app, world, ctx):
    from coalition.detainees.duplicates import candidates

    a = make_person(world["office_a"], mother_name="فاطمة", birth_year=1970)
    b = make_person(world["office_a"], mother_name="زينب", birth_year=1995)
    assert candidates(a) == [] and candidates(b) == []


def test_merge_undo_and_not_the_same_person(app, world, login):
    with app.app_context():
        a = make_person(world["office_a"])
        b = make_person(world["office_a"], first_name="محمّد", mother_name="")
        make_episode(b, detaining_party="isis", arrested_on=date(2015, 1, 1))
        make_support(b)
        c = make_person(world["office_a"], mother_name="")
        a_id, b_id, c_id, b_ref = a.id, b.id, c.id, b.reference
    client = english(login("coordinator_a"))
    review = client.get("/detainees/duplicates/").get_data(as_text=True)
    assert b_ref in review and "محمد أحمد الحلبي فاطمة" in review

    merged = client.post("/detainees/merge/", data={"kept": a_id, "merged": b_id})
    assert merged.status_code == 302
    with app.app_context():
        a, b = db.session.get(Person, a_id), db.session.get(Person, b_id)
        assert b.deleted_at is not None and b.merged_into_id == a_id
        assert len(a.episodes) == 1 and len(a.supports) == 1 and a.detaining_party == "isis"
        merge_id = db.session.scalar(text("SELECT id FROM detainee_merges"))
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.record_type == "detainee_merges"))
    assert client.get(f"/detainees/details/?id={b_id}").status_code == 404

    undone = client.post("/detainees/unmerge/", data={"merge": merge_id})
    assert undone.status_code == 302
    with app.app_context():
        a, b = db.session.get(Person, a_id), db.session.get(Person, b_id)
        assert b.deleted_at is None and b.merged_into_id is None
        assert len(b.episodes) == 1 and len(a.episodes) == 0 and b.detaining_party == "isis"
        assert a.detaining_party is None
    assert client.post("/detainees/unmerge/", data={"merge": merge_id}).status_code == 404

    kept_apart = client.post("/detainees/not-same/", data={"a": a_id, "b": c_id})
    assert kept_apart.status_code == 302
    page = client.get(f"/detainees/details/?id={a_id}").get_data(as_text=True)
    candidates = page.split("Possible duplicates")[1].split("Status history")[0]
    with app.app_context():
        c_ref = db.session.get(Person, c_id).reference
    assert c_ref not in candidates and b_ref in candidates
    result = app.test_cli_runner().invoke(args=["detainee-duplicates", "--json"])
    pairs = json.loads(result.output)["pairs"]
    refs = {frozenset((p["a"]["reference"], p["b"]["reference"])) for p in pairs}
    with app.app_context():
        a_ref = db.session.get(Person, a_id).reference
    assert frozenset((a_ref, b_ref)) in refs and frozenset((a_ref, c_ref)) not in refs


_ROWS = st.lists(st.builds(
    lambda first, father, family, mother, year, sex: (first, father, family, mother, year, sex),
    st.sampled_from("ab"), st.sampled_from(["f", "g", None]), st.sampled_from("xy"),
    st.sampled_from(["m", "n", None]), st.sampled_from([1970, 1972, 1974, 1980, None]),
    st.sampled_from(["male", "female"])), min_size=2, max_size=14)


@settings(max_examples=150, deadline=None)
@given(rows=_ROWS, min_score=st.sampled_from([0.3, 0.5, 0.6, 0.75, 0.9]))
def test_the_pairs_left_unscored_could_never_reach_the_score(rows, min_score):
    """The whole run skips pairs whose sex or birth years differ only when that alone keeps
    them below the score asked: it lists exactly what scoring every pair would."""
    from coalition.detainees.duplicates import Compared, _comparable
    from coalition.detainees.matching import score

    members = [Compared(n, 1, first, father, family, mother, year, "damascus", sex)
               for n, (first, father, family, mother, year, sex) in enumerate(rows)]
    passing = {(a.id, b.id) for a, b in combinations(members, 2)
               if score(a, b)[0] >= min_score}
    considered = {tuple(sorted(pair)) for pair in _comparable(members, min_score)}
    assert passing <= considered


def test_the_duplicates_command_prints_names_as_entered(app, world, ctx):
    a = make_person(world["office_a"], first_name="أسامة", father_name="عبد الله",
                    family_name="المصري", mother_name="")
    b = make_person(world["office_a"], first_name="اسامه", father_name="عبدالله",
                    family_name="المصري", mother_name="مريم")
    result = app.test_cli_runner().invoke(args=["detainee-duplicates", "--json",
                                                "--min-score", "0.5"])
    assert result.exit_code == 0, result.output
    (pair,) = json.loads(result.output)["pairs"]
    assert {pair["a"]["name"], pair["b"]["name"]} == {"أسامة عبد الله المصري",
                                                      "اسامه عبدالله المصري مريم"}
    assert {pair["a"]["reference"], pair["b"]["reference"]} == {a.reference, b.reference}
    assert 0 <= pair["score"] <= 1
    bad = app.test_cli_runner().invoke(args=["detainee-duplicates", "--min-score", "2"])
    assert bad.exit_code == 2


# --- the figures ---------------------------------------------------------------------------
def _figures(world) -> None:
    """Office A: 9 persons (3 women, 1 child at arrest, 1 died in custody), office B: 6."""
    statuses = ["detained"] * 5 + ["disappeared"] * 3 + ["died_in_custody"]
    for n, status in enumerate(statuses):
        person = make_person(world["office_a"], first_name=f"شخص{n}", status=status,
                             sex="female" if n < 3 else "male", birth_year=1990 + n,
                             death_knowledge="remains" if status == "died_in_custody" else None)
        make_episode(person, arrested_on=date(2008 if n == 8 else 2015, 1, 1),
                     detaining_party="isis" if n == 8 else "government_forces")
    make_support(person, kind="referral")
    make_support(person, kind="group_session", participants=8, date=date(2024, 2, 1))
    for n in range(6):
        make_person(world["office_b"], first_name=f"آخر{n}", status="disappeared")


def test_the_detainees_figures(app, world, login):
    with app.app_context():
        _figures(world)
    api = login("leadership").get("/api/kpis", query_string={"year": "2024"}).get_json()
    kpis = api["kpis"]
    assert kpis["detainees.total"] == 15 and kpis["detainees.women"] == 3
    assert kpis["detainees.by_status.disappeared"] == 9
    assert kpis["detainees.by_status.died_in_custody"] == 1
    assert kpis["detainees.by_party.government_forces"] == 8
    assert kpis["detainees.by_party.isis"] == 1 and kpis["detainees.without_episode"] == 6
    assert kpis["detainees.children"] == 1  # born 1998, arrested 2008; the others 18 or more
    assert kpis["families.supported"] == 1 and kpis["support.sessions"] == 1
    assert kpis["support.referrals"] == 1
    other = login("coordinator_b").get("/api/kpis", query_string={
        "year": "2024", "office": world["office_a"]}).get_json()
    assert other["kpis"]["detainees.total"] is None
    assert other["hidden"]["detainees.total"] == "restricted"
    page = english(login("leadership")).get("/dashboard/", query_string={"year": "2024"})
    section = page.get_data(as_text=True).split('id="detainees-office"')[1].split("</section>")[0]
    assert "Detainees Office" in section and 'data-value="15"' in section


def test_no_suppressed_detainee_figure_can_be_worked_out(app, world, login):
    with app.app_context():
        _figures(world)
    from coalition.kpis.definitions import DETAINEE_PARTY_KEYS, DETAINEE_STATUS_KEYS

    donor = login("donor")
    places = {place: donor.get("/api/kpis", query_string={"year": "2024", "office": place}
                               ).get_json() for place in (world["office_a"], world["office_b"],
                                                          "all")}
    assert places["all"]["hidden"]["detainees.by_status.died_in_custody"] == "suppressed"
    assert places["all"]["kpis"]["detainees.total"] == 15
    for api in places.values():  # every row: a total and the breakdowns that add up to it
        for parts in (DETAINEE_STATUS_KEYS, DETAINEE_PARTY_KEYS):
            hidden = [key for key in ("detainees.total", *parts) if key in api["hidden"]]
            assert len(hidden) != 1, hidden
    for key in places["all"]["kpis"]:  # every column: the coalition and its offices
        if key.startswith(("detainees.", "families.", "support.")):
            hidden = [place for place, api in places.items() if key in api["hidden"]]
            assert len(hidden) != 1, (key, hidden)
    assert any(places[world["office_a"]]["hidden"])  # there was something to protect


# --- the import ----------------------------------------------------------------------------
def test_a_paper_list_typed_into_excel_comes_in_and_never_merges(app, world, login):
    import io

    import openpyxl

    client = english(login("coordinator_a"))
    response = client.get("/import/template")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["detainees"]
    keys = [cell.value for cell in sheet[1]]
    for key in ("first_name", "father_name", "family_name", "mother_name", "sex",
                "birth_year", "governorate", "status", "arrest_date", "detaining_party",
                "office"):
        assert key in keys, key
    rows = [
        {"first_name": "أسامة", "father_name": "عبد الله", "family_name": "المصري",
         "mother_name": "مريم", "sex": "male", "birth_year": 1985, "governorate": "damascus",
         "status": "disappeared", "arrest_date": date(2012, 3, 4),
         "detaining_party": "government_forces", "office": "protection"},
        {"first_name": "اسامه", "father_name": "عبدالله", "family_name": "المصري",
         "sex": "Male", "birth_year": 1986, "governorate": "Damascus", "status": "detained",
         "office": "protection"},
    ]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    done = client.post("/import/", data={"workbook": (io.BytesIO(buffer.getvalue()), "x.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert 'data-written="yes"' in done.get_data(as_text=True), done.get_data(as_text=True)[-3000:]
    with app.app_context():
        persons = db.session.scalars(select(Person).order_by(Person.id)).all()
        assert len(persons) == 2  # the respelled second row is a file of its own
        first, second = persons
        assert first.reference.startswith("DT-") and first.bi_first == second.bi_first
        assert first.detaining_party == "government_forces" and len(first.episodes) == 1
        assert [s.status for s in first.status_changes] == ["disappeared"]
        assert db.session.execute(text("SELECT first_name FROM detainees")).scalar(
            ).startswith("fernet:")
        from coalition.detainees.duplicates import candidates

        assert [c.other.id for c in candidates(second)] == [first.id]
    again = client.post("/import/", data={"workbook": (io.BytesIO(buffer.getvalue()), "x.xlsx")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert again.status_code == 200
    with app.app_context():
        assert db.session.query(Person).count() == 2  # the same list twice: already there


# --- exports for an external body ----------------------------------------------------------
def test_an_external_export_carries_only_consenting_families_and_stops_at_a_withdrawal(
        app, world, login):
    with app.app_context():
        icrc, wgeid = make_external_body("icrc"), make_external_body("wgeid")
        shared = make_person(world["office_a"], first_name="سامر", civil_id="0108888888")
        make_episode(shared, facility="فرع 215")
        consent = make_consent(shared, "external_sharing", external_body=icrc)
        other_body = make_person(world["office_a"], first_name="رامي")
        make_consent(other_body, "external_sharing", external_body=wgeid)
        refused = make_person(world["office_a"], first_name="وائل")
        make_consent(refused, "external_sharing", external_body=icrc, given=False)
        elsewhere = make_person(world["office_b"], first_name="باسل")
        make_consent(elsewhere, "external_sharing", external_body=icrc)
        consent_id, version, reference = consent.id, consent.version, shared.reference
    client = english(login("coordinator_a"))
    body = client.get("/exports/external/icrc.csv").get_data(as_text=True)
    lines = body.strip().splitlines()
    assert len(lines) == 2 and reference in lines[1] and "سامر" in lines[1]
    assert "Civil ID" not in lines[0] and "0108888888" not in body  # not a shared field
    assert "رامي" not in body and "وائل" not in body and "باسل" not in body
    assert client.get("/exports/external/icrc.xlsx").status_code == 200
    page = client.get("/exports/external/").get_data(as_text=True)
    assert 'data-body="icrc"' in page
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export_external").order_by(AuditEntry.id)).all()
        assert len(entries) == 2 and entries[0].user.username == "coord_a"
        assert json.loads(entries[0].changes)["persons"] == [None, 1]

    withdrawn = client.post(f"/detainee_consents/edit/?id={consent_id}", data={
        "person": str(db_id(app, reference)), "purpose": "external_sharing",
        "external_body": str(icrc_id(app)), "given": "y", "given_on": "2024-01-01",
        "withdrawn_on": date.today().isoformat(), "record_version": str(version)})
    assert withdrawn.status_code == 302, form_errors(withdrawn)
    after = client.get("/exports/external/icrc.csv").get_data(as_text=True)
    assert reference not in after and "سامر" not in after
    for role in ("leadership", "donor"):
        assert login(role).get("/exports/external/icrc.csv").status_code == 403
    assert login("coordinator_b").get("/exports/external/icrc.csv").get_data(
        as_text=True).count("\n") == 2  # office B's own consenting family only


def db_id(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.reference == reference))


def icrc_id(app) -> int:
    from coalition.models import ExternalBody

    with app.app_context():
        return db.session.scalar(select(ExternalBody.id).where(ExternalBody.code == "icrc"))


# --- in a real Chromium, in Arabic ------------------------------------------------------------
@pytest.mark.browser
def test_the_person_page_and_the_duplicates_review_read_right_to_left(app, server, chromium):
    from tests.helpers import ARTIFACTS, DEMO_PASSWORD

    context = chromium.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "detainees")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{server}/detainees/duplicates/")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "dir") == "rtl"
    rows = page.locator("#duplicate-pairs tbody tr")
    assert rows.count() == 3  # the demo's three respelled persons, not its namesakes
    assert "اسامه عبدالله الحمصي" in page.inner_text("#duplicate-pairs")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "detainee-duplicates-ar.png"), full_page=True)
    page.locator("#duplicate-pairs tbody tr a").first.click()
    page.wait_for_load_state("load")
    assert page.locator("#personal-details").is_visible()
    assert page.locator("#duplicate-candidates tbody tr").count() >= 1
    table = page.locator("#personal-details").bounding_box()
    label = page.locator("#personal-details td").first.bounding_box()
    assert label["x"] + label["width"] > table["x"] + table["width"] - 5  # labels on the right
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "detainee-person-ar.png"), full_page=True)
    assert not errors
    context.close()

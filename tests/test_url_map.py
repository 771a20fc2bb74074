"""Every route of the app, for every role: sign-in redirect, 403, or an answer.

The expectations are written here independently of coalition/access.py. A route added
later and not described below fails `test_every_route_is_described`, so none is forgotten.
"""

from datetime import date

import pytest

from coalition.database import db
from coalition.models import Case, CasePersonal, Meeting

ROLES = ("anonymous", "donor", "coordinator_a", "coordinator_b", "leadership", "admin")
SIGNED_IN = set(ROLES) - {"anonymous"}
STAFF = {"coordinator_a", "coordinator_b", "leadership", "admin"}
A_WRITERS = {"coordinator_a", "admin"}  # may change office A's records

#: record screen -> (who may read office A's record, who may change it, who may create)
SCREENS = {
    **{kind: (STAFF, A_WRITERS, {"coordinator_a", "coordinator_b", "admin"})
       for kind in ("meetings", "trainings", "videos", "awareness_activities", "events",
                    "publications", "advocacy_issues")},
    "cases": ({"coordinator_a", "leadership", "admin"}, A_WRITERS,
              {"coordinator_a", "coordinator_b", "admin"}),
    "contacts": (STAFF, {"coordinator_a", "coordinator_b", "admin"},
                 {"coordinator_a", "coordinator_b", "admin"}),
    "partners": (STAFF, {"coordinator_a", "coordinator_b", "admin"},
                 {"coordinator_a", "coordinator_b", "admin"}),
    "offices": (STAFF, A_WRITERS, {"admin"}),
    "tracks": (STAFF, {"admin"}, {"admin"}),
    "projects": (STAFF, {"admin"}, {"admin"}),
    "users": ({"admin"}, {"admin"}, {"admin"}),
}

#: other endpoints -> (method, url, roles that get an answer, the answer)
OTHERS = {
    "admin.index": ("GET", "/", SIGNED_IN, 200),
    "dashboard.index": ("GET", "/dashboard/", SIGNED_IN, 200),
    "kpis_api.kpis": ("GET", "/api/kpis", SIGNED_IN, 200),
    "audit.index_view": ("GET", "/audit/", {"admin"}, 200),
    "audit.details_view": ("GET", "/audit/details/?id={audit}", {"admin"}, 200),
    "audit.ajax_lookup": ("GET", "/audit/ajax/lookup/?name=x&query=y", {"admin"}, 404),
    "audit.export": ("GET", "/audit/export/csv/", {"admin"}, 404),
    "trash.index": ("GET", "/trash/", {"admin"}, 200),
    "trash.restore": ("POST", "/trash/restore/meetings/999999", {"admin"}, 404),
    "exports.donor": ("GET", "/exports/donor.xlsx", SIGNED_IN, 200),
    "imports.index": ("GET", "/import/", {"coordinator_a", "coordinator_b", "admin"}, 200),
    "imports.template": ("GET", "/import/template", {"coordinator_a", "coordinator_b", "admin"},
                         200),
}
#: append-only audit routes: 403 for everyone signed in
REFUSED = {f"audit.{name}": method for name, method in (
    ("create_view", "GET"), ("edit_view", "GET"), ("delete_view", "POST"),
    ("action_view", "POST"), ("ajax_update", "POST"))}
#: routes open to everyone, signed in or not
PUBLIC = {"accounts.login", "accounts.logout", "accounts.set_language", "static",
          "admin.static"}
GONE = {"export", "ajax_update"}  # Flask-Admin routes we do not use: 404 once past access


def screen_expectation(kind: str, action: str, role: str, ids: dict):
    """(method, url, expected status) of one record-screen route for one role."""
    readers, writers, creators = SCREENS[kind]
    # a coordinator of office B opens the cases list: it shows only office B's cases
    openers = STAFF if kind == "cases" else readers
    record = ids[kind]
    table = {
        "index_view": ("GET", f"/{kind}/", openers, 200),
        "details_view": ("GET", f"/{kind}/details/?id={record}", readers, 200),
        "create_view": ("GET", f"/{kind}/new/", creators, 200),
        "edit_view": ("GET", f"/{kind}/edit/?id={record}", writers, 200),
        # writers get 404 for an id that does not exist: the record itself stays
        "delete_view": ("POST", f"/{kind}/delete/",
                        writers, 404),
        "action_view": ("POST", f"/{kind}/action/", openers, 302),
        "ajax_lookup": ("GET", f"/{kind}/ajax/lookup/?name=nothing&query=x", openers, 404),
        "ajax_update": ("POST", f"/{kind}/ajax/update/", openers, 404),
        "export": ("GET", f"/{kind}/export/csv/", openers, 404),
    }
    method, url, allowed, status = table[action]
    if action == "delete_view" and role in writers:
        return method, url, {"id": "999999"}, status
    if action == "delete_view":
        return method, url, {"id": str(record)}, 403
    return method, url, {}, status if role in allowed else 403


@pytest.fixture
def ids(app, world):
    """One record of every kind, in office A where records have an office."""
    from coalition.models import (
        AdvocacyIssue,
        AuditEntry,
        AwarenessActivity,
        Contact,
        Event,
        Partner,
        Publication,
        Training,
        User,
        Video,
    )

    day, office = date(2024, 1, 1), {"office_id": world["office_a"]}
    with app.app_context():
        records = {
            "meetings": Meeting(date=day, comprehensive=True, topic="اجتماع", **office),
            "cases": Case(opened_on=day, consent_given=True,
                          personal=CasePersonal(full_name="سر"), **office),
            "trainings": Training(title="ورشة", start_date=day, **office),
            "videos": Video(title="فيديو", published_on=day, **office),
            "awareness_activities": AwarenessActivity(title="نشاط", date=day, **office),
            "events": Event(title="فعالية", date=day, **office),
            "publications": Publication(title="تقرير", date=day, **office),
            "advocacy_issues": AdvocacyIssue(title="قضية", raised_on=day, **office),
            "contacts": Contact(name="أحمد", organisation="جهة"),
            "partners": Partner(name_ar="شريك", origin="syrian", sector="ngo"),
        }
        db.session.add_all(records.values())
        db.session.commit()
        found = {kind: record.id for kind, record in records.items()}
        found["audit"] = db.session.query(AuditEntry.id).first()[0]
        found["users"] = db.session.query(User.id).filter_by(username="coord_a").scalar()
        found["tracks"], found["projects"] = world["track_1"], world["project"]
        found["office_a"] = found["offices"] = world["office_a"]
        return found


def test_every_route_is_described(app):
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        screen, _dot, action = endpoint.partition(".")
        assert (endpoint in OTHERS or endpoint in REFUSED or endpoint in PUBLIC
                or endpoint == "exports.list_export" or screen in SCREENS or action in GONE), (
            f"route {rule.rule} is not described")


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_route(app, login, ids, role):
    client = app.test_client() if role == "anonymous" else login(role)
    checked = 0
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        screen, _dot, action = endpoint.partition(".")
        if endpoint in PUBLIC:
            continue
        if endpoint == "exports.list_export":  # one route, every record screen's list
            for kind in SCREENS:
                _m, _u, _d, status = screen_expectation(kind, "index_view", role, ids)
                with client.get(f"/exports/list/{kind}.csv") as response:  # streamed
                    response.get_data()
                    if role == "anonymous":
                        assert response.status_code == 302, kind
                    else:
                        assert response.status_code == status, f"{role} list export of {kind}"
            checked += 1
            continue
        if endpoint in OTHERS:
            method, url, allowed, status = OTHERS[endpoint]
            url, data, expected = url.format(**ids), {}, status if role in allowed else 403
        elif endpoint in REFUSED:
            method, url, data, expected = REFUSED[endpoint], rule.rule.replace(
                "<export_type>", "csv"), {}, 403
        else:
            method, url, data, expected = screen_expectation(screen, action, role, ids)
        response = client.open(url, method=method, data=data)
        response.close()
        if role == "anonymous":
            if endpoint == "kpis_api.kpis":
                assert response.status_code == 401, url
            else:
                assert response.status_code == 302, url
                assert response.headers["Location"].startswith("/login"), url
        else:
            assert response.status_code == expected, f"{role} {method} {url}"
        checked += 1
    assert checked > 100

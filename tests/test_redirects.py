"""Every redirect stays on this site: sign-in's next, Flask-Admin's url=, the trash's next."""

from urllib.parse import urlencode, urlsplit

import pytest
from test_records import office_forms

from coalition.database import db
from coalition.models import Meeting
from coalition.security import is_on_site

#: return addresses a browser would follow off the site
HOSTILE = ("http:/evil.example", "http:///evil.example", "//evil.example", "/\\evil.example",
           "\\\\evil.example", "https://evil.example/x", "/\t/evil.example", "/\n/evil.example",
           "javascript:alert(1)", " //evil.example", "evil.example", "/\r/evil.example")


def at(path: str, **query) -> str:
    """A path with more query parameters."""
    return f"{path}{'&' if '?' in path else '?'}{urlencode(query)}"


def stays(response) -> None:
    """A redirect to a path of this site, or no redirect at all."""
    location = response.headers.get("Location")
    if location is not None:
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc and location.startswith("/"), location
        assert not location.startswith("//") and "\\" not in location, location


@pytest.mark.parametrize("target", HOSTILE)
def test_the_one_check_refuses_what_a_browser_reads_as_another_site(target):
    assert not is_on_site(target)


def test_the_one_check_keeps_the_sites_own_paths():
    assert is_on_site("/meetings/?page=2&search=%D9%84%D9%82%D8%A7%D8%A1")
    assert is_on_site("/")


@pytest.fixture
def meeting(app, world, login) -> tuple:
    """A meeting of office A, and its coordinator signed in."""
    _model, data, _f, _v = office_forms(world)["meetings"]
    client = login("coordinator_a")
    assert client.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        return client, data, db.session.query(Meeting).one().id


@pytest.mark.parametrize("target", HOSTILE)
def test_flask_admins_return_address_stays_on_site(app, meeting, target):
    client, data, record_id = meeting
    # opening a page with a hostile return address: sent to the same page without it
    for page in (f"/meetings/edit/?id={record_id}", "/meetings/new/",
                 f"/meetings/details/?id={record_id}"):
        response = client.get(at(page, url=target))
        assert response.status_code == 302, page
        stays(response)
        assert "evil" not in response.headers["Location"]
        assert "evil" not in client.get(response.headers["Location"]).get_data(as_text=True)
    # saving, creating or deleting with one: refused, nothing changed
    with app.app_context():
        version = db.session.get(Meeting, record_id).version
    edited = client.post(at(f"/meetings/edit/?id={record_id}", url=target),
                         data={**data, "topic": "معدل", "record_version": str(version)})
    assert edited.status_code == 400
    created = client.post("/meetings/new/", query_string={"url": target}, data=data)
    deleted = client.post("/meetings/delete/", data={"id": record_id, "url": target})
    assert created.status_code == deleted.status_code == 400
    with app.app_context():
        assert db.session.query(Meeting).count() == 1
        assert db.session.get(Meeting, record_id).deleted_at is None


def test_a_return_address_on_site_is_kept(app, meeting):
    client, data, record_id = meeting
    with app.app_context():
        version = db.session.get(Meeting, record_id).version
    edited = client.post(at(f"/meetings/edit/?id={record_id}", url="/meetings/?page=0"),
                         data={**data, "topic": "معدل", "record_version": str(version)})
    assert edited.status_code == 302 and edited.headers["Location"] == "/meetings/?page=0"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_trash_restores_and_stays_on_site(app, meeting, login, target):
    client, _data, record_id = meeting
    assert client.post("/meetings/delete/", data={"id": record_id}).status_code == 302
    admin = login("admin")
    response = admin.post(f"/trash/restore/meetings/{record_id}", data={"next": target})
    assert response.status_code == 302
    stays(response)
    assert "evil" not in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Meeting, record_id).deleted_at is None


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_and_language_switch_stay_on_site(app, world, target):
    from conftest import PASSWORD

    client = app.test_client()
    response = client.post("/login", query_string={"next": target},
                           data={"username": "coord_a", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    stays(response)
    response = client.post("/language/en", data={"next": target})
    assert response.status_code == 302
    stays(response)

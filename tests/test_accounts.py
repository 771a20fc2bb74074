"""Signing in and out, roles, and pages that need a signed-in user."""

from urllib.parse import urlsplit

from tests.helpers import PASSWORD, office_forms


def test_anonymous_users_are_sent_to_sign_in(app, world):
    client = app.test_client()
    for url in ("/", "/meetings/", "/cases/new/", "/users/"):
        response = client.get(url)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"


def test_each_role_signs_in_and_out(login):
    for role in ("admin", "leadership", "coordinator_a", "donor"):
        client = login(role)
        assert client.get("/").status_code == 200
        assert client.post("/logout").status_code == 302
        assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(app, world):
    client = app.test_client()
    wrong = client.post("/login", data={"username": "admin", "password": "nope nope nope"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.data.count(b"alert-danger") == unknown.data.count(b"alert-danger") == 1


def test_next_only_redirects_within_the_site(app, world):
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                               "next": target})
        assert response.headers["Location"] == "/"
        client.post("/logout")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                           "next": "/meetings/"})
    assert response.headers["Location"] == "/meetings/"


def test_password_is_hashed(app, world, ctx):
    from coalition.database import db
    from coalition.models import User

    user = db.session.query(User).filter_by(username="admin").one()
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("pbkdf2:")


def test_home_page_says_what_to_do_next(login):
    page = login("coordinator_a").get("/").get_data(as_text=True)
    assert "/meetings/new/" in page and "/cases/new/" in page
    leadership = login("leadership").get("/").get_data(as_text=True)
    assert "/meetings/new/" not in leadership and "/meetings/" in leadership


def test_users_screen_is_for_admins_only(login):
    assert login("admin").get("/users/").status_code == 200
    for role in ("leadership", "coordinator_a", "donor"):
        assert login(role).get("/users/").status_code == 403


def test_admin_creates_a_user_who_can_sign_in(app, login, world):
    admin = login("admin")
    response = admin.post("/users/new/", data={
        "username": "newcoord", "display_name": "منسق جديد", "role": "coordinator",
        "office": str(world["office_a"]), "locale": "ar", "active": "y",
        "new_password": "a long enough password"})
    assert response.status_code == 302
    client = app.test_client()
    assert client.post("/login", data={"username": "newcoord",
                                       "password": "a long enough password"}).status_code == 302


def test_short_password_is_refused(login, world):
    response = login("admin").post("/users/new/", data={
        "username": "x1", "role": "donor", "new_password": "short", "active": "y"})
    assert response.status_code == 200
    assert "12" in response.get_data(as_text=True)


def test_csrf_is_required_on_forms(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_unknown_page_is_a_friendly_404(login):
    response = login("admin").get("/no/such/page")
    assert response.status_code == 404
    assert b"Traceback" not in response.data and b"<html" in response.data


def test_failed_sign_ins_are_rate_limited_per_account(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "3 per minute")
    client = app.test_client()
    for _ in range(3):
        client.post("/login", data={"username": "admin", "password": "wrong password!"})
    blocked = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert blocked.status_code == 429 and b"Traceback" not in blocked.data


def test_signing_out_ends_every_session_of_the_user(login):
    laptop, phone = login("coordinator_a"), login("coordinator_a")
    assert phone.get("/").status_code == 200
    laptop.post("/logout")
    assert phone.get("/").status_code == 302


def test_idle_session_expires(app, login):
    client = login("coordinator_a")
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_common_passwords_are_refused(login, ctx):
    from coalition.accounts.passwords import common_passwords

    common = sorted(common_passwords())[0]
    response = login("admin").post("/users/new/", data={
        "username": "x2", "role": "donor", "new_password": common, "active": "y"})
    assert response.status_code == 200 and "x2" not in login("admin").get("/users/").get_data(
        as_text=True)


def test_deactivating_a_user_ends_their_sessions(app, world, login):
    from coalition.database import db
    from coalition.models import User

    coordinator = login("coordinator_a")
    assert coordinator.get("/meetings/").status_code == 200
    with app.app_context():
        user = db.session.query(User).filter_by(username="coord_a").one()
        user.active = False
        db.session.commit()
    assert coordinator.get("/meetings/").status_code == 302


def test_sessions_end_after_twelve_hours_in_all(app, login):
    client = login("coordinator_a")
    with client.session_transaction() as session:
        session["started"] -= app.config["SESSION_MAX_HOURS"] * 3600 + 1
    assert client.get("/meetings/").status_code == 302


def test_a_new_password_ends_the_users_other_sessions(app, world, login):
    coordinator = login("coordinator_a")
    admin = login("admin")
    with app.app_context():
        from coalition.database import db
        from coalition.models import User

        user = db.session.query(User).filter_by(username="coord_a").one()
        user_id, version = user.id, user.version
    response = admin.post(f"/users/edit/?id={user_id}", data={
        "username": "coord_a", "role": "coordinator", "office": str(world["office_a"]),
        "active": "y", "new_password": "a brand new long passphrase",
        "record_version": str(version)})
    assert response.status_code == 302
    assert coordinator.get("/meetings/").status_code == 302


def test_password_is_rehashed_when_the_parameters_change(app, world, monkeypatch):
    from coalition.database import db
    from coalition.models import User

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:2000")
    app.test_client().post("/login", data={"username": "admin", "password": PASSWORD})
    with app.app_context():
        user = db.session.query(User).filter_by(username="admin").one()
        assert user.password_hash.startswith("pbkdf2:sha256:2000$")
        assert user.check_password(PASSWORD)


def test_session_cookie_is_httponly_and_samesite(app, world):
    response = app.test_client().post("/login", data={"username": "admin",
                                                      "password": PASSWORD})
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert not any(v.startswith("remember_token=") for k, v in response.headers.items()
                   if k == "Set-Cookie")


def test_donor_sees_no_record_lists(login):
    donor = login("donor")
    for endpoint in ("meetings", "cases", "contacts", "partners", "trainings", "offices"):
        assert donor.get(f"/{endpoint}/").status_code == 403


def test_leadership_reads_but_does_not_write(world, login):
    leadership = login("leadership")
    assert leadership.get("/meetings/").status_code == 200
    assert leadership.get("/cases/").status_code == 200
    assert leadership.get("/meetings/new/").status_code == 403
    assert leadership.post("/meetings/new/",
                           data=office_forms(world)["meetings"][1]).status_code == 403

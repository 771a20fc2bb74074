"""Offices: each coordinator writes their own office's work and only reads the others'."""

from coalition.database import db
from coalition.models import Meeting
from tests.helpers import office_forms


def test_coordinator_cannot_touch_another_offices_records(app, world, login):
    data = office_forms(world)["meetings"][1]
    client_a = login("coordinator_a")
    assert client_a.post("/meetings/new/", data=data).status_code == 302
    with app.app_context():
        meeting_id = db.session.query(Meeting).one().id
    client_b = login("coordinator_b")
    assert client_b.get(f"/meetings/details/?id={meeting_id}").status_code == 200  # may read
    assert client_b.get(f"/meetings/edit/?id={meeting_id}").status_code == 403
    assert client_b.post(f"/meetings/edit/?id={meeting_id}",
                         data={**data, "topic": "x"}).status_code == 403
    assert client_b.post("/meetings/delete/", data={"id": str(meeting_id)}).status_code == 403
    # nor create one in office A by posting its id
    refused = client_b.post("/meetings/new/", data={**data, "topic": "دخيل"})
    assert refused.status_code == 200
    with app.app_context():
        assert db.session.query(Meeting).count() == 1


def test_rows_of_another_office_offer_no_edit_or_delete(app, world, login):
    data = office_forms(world)["meetings"][1]
    login("coordinator_a").post("/meetings/new/", data=data)
    mine = login("coordinator_a").get("/meetings/").get_data(as_text=True)
    theirs = login("coordinator_b").get("/meetings/").get_data(as_text=True)
    assert "/meetings/edit/" in mine and "data-confirm" in mine
    assert "/meetings/edit/" not in theirs and "data-confirm" not in theirs

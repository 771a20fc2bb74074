"""Partner organisations: shared by every office, looked up from the work that names them."""

import pytest

from coalition.database import db
from coalition.models import Partner
from tests.helpers import check_create_edit_delete, office_forms


@pytest.mark.parametrize("endpoint", ["partners"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


def test_partner_lookup_is_ajax_and_skips_the_trash(app, world, coordinator_client):
    client = coordinator_client
    data = office_forms(world)["partners"][1]
    client.post("/partners/new/", data=data)
    client.post("/partners/new/", data={**data, "name_ar": "جمعية ثانية", "name_latin": "Second"})
    with app.app_context():
        second = db.session.query(Partner).filter_by(name_latin="Second").one()
    client.post("/partners/delete/", data={"id": str(second.id)})
    found = client.get("/meetings/ajax/lookup/?name=partners&query=جمعية").get_json()
    # the Latin name is bidi-isolated inside the Arabic one
    assert [label for _id, label in found] == ["جمعية شريكة \u2068(Partner Assoc.)\u2069"]

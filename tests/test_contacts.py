"""The contacts directory: shared by every office, each person entered once."""

import pytest

from coalition.database import db
from coalition.models import Contact
from tests.helpers import check_create_edit_delete, office_forms


@pytest.mark.parametrize("endpoint", ["contacts"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


def test_the_same_contact_is_not_entered_twice(app, world, coordinator_client):
    client = coordinator_client
    data = office_forms(world)["contacts"][1]
    assert client.post("/contacts/new/", data=data).status_code == 302
    variant = {**data, "name": "احمد  الحلبيّ", "organisation": "رئاسه الهجره"}
    assert client.post("/contacts/new/", data=variant).status_code == 200
    with app.app_context():
        assert db.session.query(Contact).count() == 1

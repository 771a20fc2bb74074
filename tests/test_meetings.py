"""Meetings: a coordinator logs them through the admin screen, over real HTTP."""

import pytest

from tests.helpers import check_create_edit_delete, check_refused_next_to_the_field


@pytest.mark.parametrize("endpoint", ["meetings"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


@pytest.mark.parametrize("endpoint,bad,field", [
    ("meetings", {"topic": ""}, "topic"),
    ("meetings", {"counterpart_category": ""}, "counterpart_category"),
])
def test_invalid_input_is_refused_next_to_the_field(app, world, coordinator_client, endpoint,
                                                    bad, field):
    check_refused_next_to_the_field(app, world, coordinator_client, endpoint, bad, field)

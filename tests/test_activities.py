"""Trainings, videos, awareness activities and events: logged through the admin screens."""

import pytest

from tests.helpers import check_create_edit_delete, check_refused_next_to_the_field


@pytest.mark.parametrize("endpoint", ["trainings", "videos", "awareness_activities", "events"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


@pytest.mark.parametrize("endpoint,bad,field", [
    ("trainings", {"end_date": "2024-02-01"}, "end_date"),
    ("trainings", {"hours": "-3"}, "hours"),
    ("videos", {"link": "not a link"}, "link"),
    ("events", {"attendees": "-1"}, "attendees"),
])
def test_invalid_input_is_refused_next_to_the_field(app, world, coordinator_client, endpoint,
                                                    bad, field):
    check_refused_next_to_the_field(app, world, coordinator_client, endpoint, bad, field)

"""Publications and advocacy issues: logged through the admin screens."""

import pytest

from tests.helpers import check_create_edit_delete


@pytest.mark.parametrize("endpoint", ["publications", "advocacy_issues"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)

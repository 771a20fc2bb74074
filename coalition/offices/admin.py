"""Screens for offices, tracks and projects."""

from flask_login import current_user

from coalition import access
from coalition.views import RecordView


class OfficeView(RecordView):
    """Offices: their mission, tasks, achievements, challenges and plans."""

    column_default_sort = ("name_ar", False)

    @property
    def can_create(self) -> bool:
        # a coordinator edits their own office but does not found new ones
        return access.scope(current_user, access.WRITE, self.kind) == access.ALL


class TrackView(RecordView):
    """Tracks (work streams)."""

    column_default_sort = ("number", False)


class ProjectView(RecordView):
    """Projects, e.g. Harmony and Himaya."""

    column_default_sort = ("code", False)

"""Screens for offices, tracks and projects."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coalition import access
from coalition.views import RecordView

NAME_LABELS = {
    "code": _l("Code"),
    "name_ar": _l("Name (Arabic)"),
    "name_en": _l("Name (English)"),
    "description": _l("Description"),
}


class OfficeView(RecordView):
    """Offices: their mission, tasks, achievements, challenges and plans."""

    column_list = ("code", "name_ar", "name_en")
    column_searchable_list = ("code", "name_ar", "name_en")
    column_sortable_list = ("code", "name_ar", "name_en")
    column_default_sort = ("name_ar", False)
    form_columns = ("code", "name_ar", "name_en", "description", "mission", "tasks",
                    "achievements", "challenges", "future_plans")
    column_labels = {
        **NAME_LABELS,
        "mission": _l("Mission"),
        "tasks": _l("Tasks"),
        "achievements": _l("Achievements"),
        "challenges": _l("Challenges"),
        "future_plans": _l("Future plans"),
    }

    @property
    def can_create(self) -> bool:
        # a coordinator edits their own office but does not found new ones
        return access.scope(current_user, access.WRITE, self.kind) == access.ALL


class TrackView(RecordView):
    """Tracks (work streams)."""

    column_list = ("number", "code", "name_ar", "name_en")
    column_sortable_list = ("number", "code", "name_ar", "name_en")
    column_default_sort = ("number", False)
    form_columns = ("number", "code", "name_ar", "name_en", "description")
    column_labels = {**NAME_LABELS, "number": _l("Number")}


class ProjectView(RecordView):
    """Projects, e.g. Harmony and Himaya."""

    column_list = ("code", "name_ar", "name_en")
    column_sortable_list = ("code", "name_ar", "name_en")
    column_default_sort = ("code", False)
    form_columns = ("code", "name_ar", "name_en", "description")
    column_labels = NAME_LABELS

"""Screens for publications and advocacy issues."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import URL, NumberRange, Optional

from coalition.choices import ADVOCACY_STATUSES, PUBLICATION_KINDS
from coalition.offices.filters import tag_filters
from coalition.publications.models import AdvocacyIssue, Publication
from coalition.views import RecordView, choice_filters


class PublicationView(RecordView):
    """Reports, policy papers, guides and studies."""

    column_list = ("date", "title", "publication_kind", "office", "track", "word_count")
    column_searchable_list = ("title", "summary")
    column_sortable_list = ("date", "title", "publication_kind", "word_count")
    column_filters = ("date", *tag_filters(),
                      *choice_filters(Publication.publication_kind, _l("Kind"), PUBLICATION_KINDS))
    column_default_sort = ("date", True)
    column_choices = {"publication_kind": PUBLICATION_KINDS.form()}
    form_choices = column_choices
    form_columns = ("title", "publication_kind", "date", "office", "track", "project",
                    "word_count", "link", "summary")
    form_args = {
        "word_count": {"validators": [Optional(), NumberRange(min=0, message=_l(
            "Must be zero or more."))]},
        "link": {"validators": [Optional(), URL(message=_l("Enter a full link, e.g. https://…"))]},
    }
    column_labels = {
        "title": _l("Title"),
        "publication_kind": _l("Kind"),
        "date": _l("Date"),
        "word_count": _l("Word count"),
        "link": _l("Link"),
        "summary": _l("Summary"),
    }


class AdvocacyIssueView(RecordView):
    """Community advocacy issues raised with the authorities."""

    column_list = ("raised_on", "title", "office", "track", "status")
    column_searchable_list = ("title", "description")
    column_sortable_list = ("raised_on", "title", "status")
    column_filters = ("raised_on", *tag_filters(),
                      *choice_filters(AdvocacyIssue.status, _l("Status"), ADVOCACY_STATUSES))
    column_default_sort = ("raised_on", True)
    column_choices = {"status": ADVOCACY_STATUSES.form()}
    form_choices = column_choices
    form_columns = ("title", "raised_on", "office", "track", "project", "status", "description")
    column_labels = {
        "title": _l("Title"),
        "raised_on": _l("Date raised"),
        "status": _l("Status"),
        "description": _l("Description"),
    }

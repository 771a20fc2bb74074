"""Screens for publications and advocacy issues (fields: the models')."""

from coalition.views import RecordView


class PublicationView(RecordView):
    """Reports, policy papers, guides and studies."""

    column_default_sort = ("date", True)


class AdvocacyIssueView(RecordView):
    """Community advocacy issues raised with the authorities."""

    column_default_sort = ("raised_on", True)

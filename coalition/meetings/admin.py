"""The meetings screen: its fields and rules are the model's declaration."""

from coalition.views import RecordView


class MeetingView(RecordView):
    """Meetings by counterpart category, official government and within-track meetings."""

    column_default_sort = ("date", True)

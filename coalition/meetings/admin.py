"""The meetings screen: its fields and rules are the model's declaration."""

from coalition.views import RecordView


class MeetingView(RecordView):
    """Meetings by counterpart category, official government and within-track meetings.

    The event a meeting was held during is picked by a look-up (an office holds thousands
    over the years): the latest first, and for a coordinator their own office's only, the
    rule a meeting's event follows (see coalition.views._Lookup)."""

    column_default_sort = ("date", True)

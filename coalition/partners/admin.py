"""The partners screen (fields and rules: the model's)."""

from coalition.views import RecordView


class PartnerView(RecordView):
    """Partner organisations by origin and sector, and the state of each partnership."""

    column_default_sort = ("name_ar", False)

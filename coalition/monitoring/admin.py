"""Screens for monitoring indicators, places and figures (fields: the models')."""

from coalition.views import RecordView


class IndicatorView(RecordView):
    """What the coalition's figures count; offices add their own indicators."""

    column_default_sort = ("code", False)


class PlaceView(RecordView):
    """Border crossings, governorates, cities and countries the figures stand at."""

    column_default_sort = ("code", False)


class MonitoringFigureView(RecordView):
    """Figures from sources, flows and stocks, in the source's own words."""

    column_default_sort = ("dated_on", True)

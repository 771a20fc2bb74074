"""Screens for trainings, videos, awareness activities and events (fields: the models')."""

from coalition.views import RecordView


class TrainingView(RecordView):
    """Workshops, trainings and courses."""

    column_default_sort = ("start_date", True)


class VideoView(RecordView):
    """Awareness videos, reels, interviews, human stories and programme episodes."""

    column_default_sort = ("published_on", True)


class AwarenessActivityView(RecordView):
    """Awareness activities for the community."""

    column_default_sort = ("date", True)


class EventView(RecordView):
    """Webinars, conferences, press conferences, side events, delegation visits, screenings."""

    column_default_sort = ("date", True)

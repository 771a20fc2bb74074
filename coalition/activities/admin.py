"""Screens for trainings, videos, awareness activities and events (fields: the models')."""

from flask_babel import lazy_gettext as _l

from coalition.views import RecordView


class TrainingView(RecordView):
    """Workshops, trainings and courses."""

    column_default_sort = ("start_date", True)
    form_no_default = ("training_kind",)  # the kind decides the KPI a training counts in


class VideoView(RecordView):
    """Awareness videos, reels, interviews, human stories and programme episodes."""

    column_default_sort = ("published_on", True)
    form_no_default = ("video_kind",)  # the kind decides the KPI a video counts in


class AwarenessActivityView(RecordView):
    """Awareness activities for the community."""

    column_default_sort = ("date", True)


class EventView(RecordView):
    """Webinars, conferences, press conferences, side events, delegation visits, screenings;
    an event's page lists the meetings held during it (a delegation's)."""

    column_default_sort = ("date", True)
    details_related = (("meetings", _l("Meetings held during this event"), "event-meetings"),)

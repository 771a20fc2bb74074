"""Screens for trainings, videos, awareness activities and events."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import URL, NumberRange, Optional

from coalition.activities.models import Event, Training, Video
from coalition.choices import EVENT_KINDS, PLATFORMS, TRAINING_KINDS, VIDEO_KINDS
from coalition.offices.filters import tag_filters
from coalition.partners.models import Partner
from coalition.views import RecordView, ajax_ref, choice_filters

NOT_NEGATIVE = {"validators": [NumberRange(min=0, message=_l("Must be zero or more."))]}
A_LINK = {"validators": [Optional(), URL(message=_l("Enter a full link, e.g. https://…"))]}

PLACE_LABELS = {
    "title": _l("Title"),
    "date": _l("Date"),
    "place": _l("Place"),
    "online": _l("Online"),
    "attendees": _l("Attendees"),
    "topic": _l("Topic"),
    "partners": _l("Co-organising partners"),
}


class TrainingView(RecordView):
    """Workshops, trainings and courses."""

    column_list = ("start_date", "title", "training_kind", "office", "track", "hours",
                   "participants", "trainers", "online")
    column_searchable_list = ("title", "place")
    column_sortable_list = ("start_date", "title", "training_kind", "hours", "participants",
                            "trainers", ("office", "office.name_ar"))
    column_filters = ("start_date", *tag_filters(),
                      *choice_filters(Training.training_kind, _l("Kind"), TRAINING_KINDS), "online")
    column_default_sort = ("start_date", True)
    column_choices = {"training_kind": TRAINING_KINDS.form()}
    form_choices = {"training_kind": TRAINING_KINDS.form()}
    form_columns = ("title", "training_kind", "start_date", "end_date", "office", "track",
                    "project", "hours", "participants", "trainers", "place", "online", "notes")
    form_args = {"hours": NOT_NEGATIVE, "participants": NOT_NEGATIVE, "trainers": NOT_NEGATIVE}
    column_labels = {
        "title": _l("Title"),
        "training_kind": _l("Kind"),
        "start_date": _l("Start date"),
        "end_date": _l("End date"),
        "hours": _l("Hours"),
        "participants": _l("Participants"),
        "trainers": _l("Trainers"),
        "place": _l("Place"),
        "online": _l("Online"),
        "notes": _l("Notes"),
    }

    def check_form(self, form) -> None:
        self.dates_in_order(form, "start_date", "end_date")


class VideoView(RecordView):
    """Awareness videos, reels, interviews, human stories and programme episodes."""

    column_list = ("published_on", "title", "video_kind", "platform", "office", "track", "views")
    column_searchable_list = ("title", "link")
    column_sortable_list = ("published_on", "title", "video_kind", "platform", "views")
    column_filters = ("published_on", *tag_filters(),
                      *choice_filters(Video.video_kind, _l("Kind"), VIDEO_KINDS),
                      *choice_filters(Video.platform, _l("Platform"), PLATFORMS))
    column_default_sort = ("published_on", True)
    column_choices = {"video_kind": VIDEO_KINDS.form(), "platform": PLATFORMS.form()}
    form_choices = column_choices
    form_columns = ("title", "video_kind", "published_on", "platform", "link", "office", "track",
                    "project", "views")
    form_args = {"views": NOT_NEGATIVE, "link": A_LINK}
    column_labels = {
        "title": _l("Title"),
        "video_kind": _l("Kind"),
        "published_on": _l("Publish date"),
        "platform": _l("Platform"),
        "link": _l("Link"),
        "views": _l("Views"),
    }


class AwarenessActivityView(RecordView):
    """Awareness activities for the community."""

    column_list = ("date", "title", "office", "track", "place", "online", "attendees")
    column_searchable_list = ("title", "place", "topic")
    column_sortable_list = ("date", "title", "attendees", ("office", "office.name_ar"))
    column_filters = ("date", *tag_filters(), "online")
    column_default_sort = ("date", True)
    form_columns = ("title", "date", "office", "track", "project", "place", "online",
                    "attendees", "partners", "topic")
    form_args = {"attendees": NOT_NEGATIVE}
    form_ajax_refs = {"partners": ajax_ref("partners", Partner, "name_ar", "name_latin")}
    column_labels = PLACE_LABELS


class EventView(RecordView):
    """Webinars, conferences, press conferences, side events, delegation visits, screenings."""

    column_list = ("date", "title", "event_kind", "office", "place", "online", "attendees")
    column_searchable_list = ("title", "place", "topic")
    column_sortable_list = ("date", "title", "event_kind", "attendees")
    column_filters = ("date", *tag_filters(),
                      *choice_filters(Event.event_kind, _l("Kind"), EVENT_KINDS), "online")
    column_default_sort = ("date", True)
    column_choices = {"event_kind": EVENT_KINDS.form()}
    form_choices = column_choices
    form_columns = ("title", "event_kind", "date", "office", "track", "project", "place",
                    "online", "attendees", "partners", "topic")
    form_args = {"attendees": NOT_NEGATIVE}
    form_ajax_refs = {"partners": ajax_ref("partners", Partner, "name_ar", "name_latin")}
    column_labels = {**PLACE_LABELS, "event_kind": _l("Kind")}

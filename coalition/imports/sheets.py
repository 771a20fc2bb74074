"""The import contract: one sheet per record type, its field keys, labels and checks.

The field keys (row 1 of each sheet of the template) are the contract with the offices'
spreadsheets; labels are read from the record screens so that a field is named once.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.activities.admin import PLACE_LABELS as ACTIVITY_LABELS
from coalition.activities.admin import EventView, TrainingView, VideoView
from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.cases.admin import CaseView
from coalition.cases.models import Case
from coalition.choices import (
    CASE_STATUSES,
    CONSULTATION_OUTCOMES,
    CONTACT_CATEGORIES,
    CONTACT_KINDS,
    COUNTERPART_CATEGORIES,
    COURT_REFERRALS,
    EVENT_KINDS,
    MEDIATIONS,
    ORIGINS,
    PARTNERSHIP_STATUSES,
    PLATFORMS,
    PROBLEM_CATEGORIES,
    PUBLICATION_KINDS,
    REFERRAL_RESULTS,
    SECTORS,
    TRAINING_KINDS,
    VIDEO_KINDS,
    Choices,
)
from coalition.contacts.admin import ContactView
from coalition.contacts.models import Contact
from coalition.meetings.admin import MeetingView
from coalition.meetings.models import Meeting
from coalition.partners.admin import PartnerView
from coalition.partners.models import Partner
from coalition.publications.admin import PublicationView
from coalition.publications.models import Publication
from coalition.views import RecordView

#: kinds of column: how a cell is read
TEXT, DATE, COUNT, NUMBER, FLAG, CHOICE, OFFICE, TRACK, PROJECT, PARTNERS = (
    "text", "date", "count", "number", "flag", "choice", "office", "track", "project",
    "partners")

#: what a row with the same natural key as a record already there does
SKIP, UPDATE, COUNTED = "skip", "update", "counted"

YES_NO = Choices(("yes", _l("Yes")), ("no", _l("No")))

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Field:
    """A column of a sheet: its key, how it is read, and the model attribute it fills."""

    key: str
    kind: str
    label: Any
    attr: str = ""
    required: bool = False
    choices: Choices | None = None

    @cached_property
    def target(self) -> str:
        """The model attribute the column fills."""
        return self.attr or {OFFICE: "office_id", TRACK: "track_id",
                             PROJECT: "project_id"}.get(self.kind, self.key)


#: a sheet's cross-field check: the row's values -> [(field key, message)]
Check = Callable[[dict], list[tuple[str, str]]]


@dataclass(frozen=True)
class Sheet:
    """An importable record type: the sheet's name, its model, columns and natural key."""

    name: str
    model: type
    label: Any
    fields: tuple[Field, ...]
    #: the attributes that identify a record (text ones compared folded)
    natural_key: tuple[str, ...]
    duplicates: str = SKIP
    check: Check | None = None

    @property
    def kind(self) -> str:
        """The record kind in the access rules."""
        return self.model.kind

    @cached_property
    def office_work(self) -> bool:
        """True if every record belongs to an office (not the shared directory or partners)."""
        return hasattr(self.model, "track_id")

    @cached_property
    def by_key(self) -> dict[str, Field]:
        """The sheet's fields by key."""
        return {field.key: field for field in self.fields}

    @cached_property
    def date_attr(self) -> str | None:
        """The natural key's date, used to narrow the look-up of existing records."""
        return next((a for a in self.natural_key if a in _DATES), None)


_DATES = {"date", "start_date", "published_on", "opened_on"}


def _office_fields(*, required_office: bool = True) -> tuple[Field, ...]:
    labels = RecordView.column_labels
    return (Field("office", OFFICE, labels["office"], required=required_office),
            Field("track", TRACK, labels["track"]),
            Field("project", PROJECT, labels["project"]))


def _dates_in_order(values: dict, start: str, end: str) -> list[tuple[str, str]]:
    first, last = values.get(start), values.get(end)
    if first is not None and last is not None and last < first:
        return [(end, _("The end date cannot be before the start."))]
    return []


def _link(values: dict, key: str = "link") -> list[tuple[str, str]]:
    link = values.get(key)
    if link and not re.match(r"^https?://\S+$", link, re.I):
        return [(key, _("Enter a full link, e.g. https://…"))]
    return []


def _check_contact(values: dict) -> list[tuple[str, str]]:
    email = values.get("email")
    return [("email", _("Enter a valid email."))] if email and not _EMAIL.match(email) else []


def _check_partner(values: dict) -> list[tuple[str, str]]:
    problems = _dates_in_order(values, "partnership_start", "partnership_end")
    if values.get("partnership_status") in ("active", "ended") and not values.get(
            "partnership_start"):
        problems.append(("partnership_start", _("A partnership needs its start date.")))
    return problems


def _check_meeting(values: dict) -> list[tuple[str, str]]:
    if not values.get("comprehensive") and not values.get("counterpart_category"):
        return [("counterpart_category",
                 _("Choose the counterpart category, or mark the meeting as within-track."))]
    return []


def _check_case(values: dict) -> list[tuple[str, str]]:
    problems = [*_dates_in_order(values, "opened_on", "closed_on"),
                *_dates_in_order(values, "opened_on", "consent_date")]
    if values.get("court_referral") not in (None, "none") and not values.get("referral_result"):
        problems.append(("referral_result", _(
            "Give the result of the court referral (it may be 'under follow-up').")))
    if values.get("status") == "closed" and not values.get("closed_on"):
        problems.append(("closed_on", _("A closed case needs its closing date.")))
    return problems


_contact = ContactView.column_labels
_partner = PartnerView.column_labels
_meeting = MeetingView.column_labels
_training = TrainingView.column_labels
_video = VideoView.column_labels
_event = EventView.column_labels
_publication = PublicationView.column_labels
_case = CaseView.column_labels

SHEETS: tuple[Sheet, ...] = (
    Sheet("contacts", Contact, _l("Contacts"), (
        Field("name", TEXT, _contact["name"], required=True),
        Field("organisation", TEXT, _contact["organisation"]),
        Field("kind", CHOICE, _contact["kind_code"], attr="kind_code", choices=CONTACT_KINDS),
        Field("category", CHOICE, _contact["category"], choices=CONTACT_CATEGORIES),
        Field("title", TEXT, _contact["title"]),
        Field("city", TEXT, _contact["city"]),
        Field("country", TEXT, _contact["country"]),
        Field("phone", TEXT, _contact["phone"]),
        Field("email", TEXT, _contact["email"]),
        Field("notes", TEXT, _contact["notes"]),
    ), natural_key=("name", "organisation"), duplicates=UPDATE, check=_check_contact),
    Sheet("partners", Partner, _l("Partners"), (
        Field("name_ar", TEXT, _partner["name_ar"], required=True),
        Field("name_latin", TEXT, _partner["name_latin"]),
        Field("origin", CHOICE, _partner["origin"], required=True, choices=ORIGINS),
        Field("sector", CHOICE, _partner["sector"], required=True, choices=SECTORS),
        Field("partnership_status", CHOICE, _partner["partnership_status"],
              choices=PARTNERSHIP_STATUSES),
        Field("partnership_start", DATE, _partner["partnership_start"]),
        Field("partnership_end", DATE, _partner["partnership_end"]),
        Field("written_agreement", FLAG, _partner["written_agreement"]),
        Field("office", OFFICE, RecordView.column_labels["office"]),
        Field("notes", TEXT, _partner["notes"]),
    ), natural_key=("name_ar",), check=_check_partner),
    Sheet("meetings", Meeting, _l("Meetings"), (
        Field("date", DATE, _meeting["date"], required=True),
        *_office_fields(),
        Field("counterpart_category", CHOICE, _meeting["counterpart_category"],
              choices=COUNTERPART_CATEGORIES),
        Field("government", FLAG, _meeting["government"]),
        Field("comprehensive", FLAG, _meeting["comprehensive"]),
        Field("counterparts", PARTNERS, _meeting["partners"], attr="partners"),
        Field("counterpart_level", TEXT, _meeting["counterpart_level"]),
        Field("city", TEXT, _meeting["city"]),
        Field("topic", TEXT, _meeting["topic"], required=True),
        Field("outcome", TEXT, _meeting["outcome"]),
        Field("follow_up", TEXT, _meeting["follow_up"]),
    ), natural_key=("date", "office_id", "topic"), check=_check_meeting),
    Sheet("trainings", Training, _l("Workshops and trainings"), (
        Field("title", TEXT, _training["title"], required=True),
        Field("kind", CHOICE, _training["training_kind"], attr="training_kind",
              choices=TRAINING_KINDS),
        Field("start_date", DATE, _training["start_date"], required=True),
        Field("end_date", DATE, _training["end_date"]),
        *_office_fields(),
        Field("hours", NUMBER, _training["hours"]),
        Field("participants", COUNT, _training["participants"]),
        Field("trainers", COUNT, _training["trainers"]),
        Field("place", TEXT, _training["place"]),
        Field("online", FLAG, _training["online"]),
        Field("notes", TEXT, _training["notes"]),
    ), natural_key=("start_date", "office_id", "title"),
        check=lambda values: _dates_in_order(values, "start_date", "end_date")),
    Sheet("videos", Video, _l("Awareness videos"), (
        Field("title", TEXT, _video["title"], required=True),
        Field("kind", CHOICE, _video["video_kind"], attr="video_kind", choices=VIDEO_KINDS),
        Field("published_on", DATE, _video["published_on"], required=True),
        Field("platform", CHOICE, _video["platform"], choices=PLATFORMS),
        Field("link", TEXT, _video["link"]),
        *_office_fields(),
        Field("views", COUNT, _video["views"]),
    ), natural_key=("published_on", "office_id", "title"), check=_link),
    Sheet("activities", AwarenessActivity, _l("Awareness activities"), (
        Field("title", TEXT, ACTIVITY_LABELS["title"], required=True),
        Field("date", DATE, ACTIVITY_LABELS["date"], required=True),
        *_office_fields(),
        Field("place", TEXT, ACTIVITY_LABELS["place"]),
        Field("online", FLAG, ACTIVITY_LABELS["online"]),
        Field("attendees", COUNT, ACTIVITY_LABELS["attendees"]),
        Field("partners", PARTNERS, ACTIVITY_LABELS["partners"]),
        Field("topic", TEXT, ACTIVITY_LABELS["topic"]),
    ), natural_key=("date", "office_id", "title")),
    Sheet("events", Event, _l("Events"), (
        Field("title", TEXT, _event["title"], required=True),
        Field("kind", CHOICE, _event["event_kind"], attr="event_kind", choices=EVENT_KINDS),
        Field("date", DATE, _event["date"], required=True),
        *_office_fields(),
        Field("place", TEXT, _event["place"]),
        Field("online", FLAG, _event["online"]),
        Field("attendees", COUNT, _event["attendees"]),
        Field("partners", PARTNERS, _event["partners"]),
        Field("topic", TEXT, _event["topic"]),
    ), natural_key=("date", "office_id", "title")),
    Sheet("publications", Publication, _l("Publications"), (
        Field("title", TEXT, _publication["title"], required=True),
        Field("kind", CHOICE, _publication["publication_kind"], attr="publication_kind",
              choices=PUBLICATION_KINDS),
        Field("date", DATE, _publication["date"], required=True),
        *_office_fields(),
        Field("word_count", COUNT, _publication["word_count"]),
        Field("link", TEXT, _publication["link"]),
        Field("summary", TEXT, _publication["summary"]),
    ), natural_key=("date", "office_id", "title"), check=_link),
    # Cases carry no name: identical rows are separate cases, so the key counts them.
    Sheet("cases", Case, _l("Cases"), (
        *_office_fields(),
        Field("opened_on", DATE, _case["opened_on"], required=True),
        Field("closed_on", DATE, _case["closed_on"]),
        Field("problem_category", CHOICE, _case["problem_category"],
              choices=PROBLEM_CATEGORIES),
        Field("consultation_outcome", CHOICE, _case["consultation_outcome"],
              choices=CONSULTATION_OUTCOMES),
        Field("mediation", CHOICE, _case["mediation"], choices=MEDIATIONS),
        Field("court_referral", CHOICE, _case["court_referral"], choices=COURT_REFERRALS),
        Field("referral_result", CHOICE, _case["referral_result"], choices=REFERRAL_RESULTS),
        Field("status", CHOICE, _case["status"], choices=CASE_STATUSES),
        Field("consent_given", FLAG, _case["consent_given"]),
        Field("consent_date", DATE, _case["consent_date"]),
        Field("consent_scope", TEXT, _case["consent_scope"]),
    ), natural_key=("opened_on", "office_id", "track_id", "project_id", "closed_on",
                    "problem_category", "consultation_outcome", "mediation", "court_referral",
                    "referral_result", "status", "consent_given", "consent_date",
                    "consent_scope"),
        duplicates=COUNTED, check=_check_case),
)

BY_NAME: dict[str, Sheet] = {sheet.name: sheet for sheet in SHEETS}

#: sheets of the template that hold no records
INSTRUCTIONS, LISTS = "instructions", "lists"


def max_length(sheet: Sheet, field: Field) -> int | None:
    """The longest text a text field's column holds (None: no limit)."""
    if field.kind != TEXT:
        return None
    column = sheet.model.__table__.columns.get(
        getattr(sheet.model, field.target).property.columns[0].name)
    return getattr(column.type, "length", None)

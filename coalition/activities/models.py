"""The office's public work: trainings, videos, awareness activities and events."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import EVENT_KINDS, PLATFORMS, TRAINING_KINDS, VIDEO_KINDS
from coalition.database import CampaignWork, OfficeWork, db
from coalition.fields import (
    LINK,
    Field,
    Fields,
    campaign_work,
    dates_in_order,
    office_work,
)

#: the columns a look-up of partners searches
PARTNER_LOOKUP = ("name_ar", "name_latin")


def disaggregated() -> tuple[Field, ...]:
    """How many of the participants were women, men and under 18 (each optional); donors
    see them only added up, where a small split is hidden (the KPIs), never record by record."""
    return (
        Field("women", _l("Of whom women"), minimum=0),
        Field("men", _l("Of whom men"), minimum=0),
        Field("under_18", _l("Of whom under 18"), minimum=0,
              help=_l("Leave empty what was not counted.")),
    )


def parts_add_up(values: Mapping[str, Any], total: str) -> list[tuple[str, str]]:
    """Women and men, where both are given, make the total; no part exceeds it."""
    whole = values.get(total) or 0
    women, men, young = (values.get(name) for name in ("women", "men", "under_18"))
    if women is not None and men is not None and women + men != whole:
        return [("men", _("Women and men make %(sum)s, but the total is %(total)s.",
                          sum=women + men, total=whole))]
    for name, part in (("women", women), ("men", men), ("under_18", young)):
        if part is not None and part > whole:
            return [(name, _("A part cannot be more than the total (%(total)s).",
                             total=whole))]
    return []


class Disaggregated:
    """Mixin: the optional counts of women, men and under-18s among the participants."""

    women: Mapped[int | None]
    men: Mapped[int | None]
    under_18: Mapped[int | None]


class Training(Disaggregated, OfficeWork):
    """A workshop, training or course, with its hours, participants and trainers."""

    __tablename__ = "trainings"

    title: Mapped[str] = mapped_column(String(300))
    training_kind: Mapped[str] = mapped_column("kind", String(20), default="workshop", index=True)
    start_date: Mapped[dt.date] = mapped_column(index=True)
    end_date: Mapped[dt.date | None]
    # Numeric, not Float: Flask-Admin has no form field for SQLAlchemy 2.1's Float
    hours: Mapped[float] = mapped_column(Numeric(7, 1, asdecimal=False), default=0)
    participants: Mapped[int] = mapped_column(default=0)
    trainers: Mapped[int] = mapped_column(default=0)
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True, donor=True),
        Field("training_kind", _l("Kind"), choices=TRAINING_KINDS, required=True, listed=True,
              filtered=True, donor=True, aliases=("kind",)),
        Field("start_date", _l("Start date"), required=True, listed=True, filtered=True,
              donor=True),
        Field("end_date", _l("End date"), donor=True),
        *office_work(),
        Field("hours", _l("Hours"), minimum=0, listed=True, donor=True),
        Field("participants", _l("Participants"), minimum=0, listed=True, donor=True),
        *disaggregated(),
        Field("trainers", _l("Trainers"), minimum=0, listed=True, donor=True),
        Field("place", _l("Place"), searched=True, donor=True),
        Field("online", _l("Online"), listed=True, filtered=True, donor=True),
        Field("notes", _l("Notes")),
        rules=lambda values: [*dates_in_order(values, "start_date", "end_date"),
                              *parts_add_up(values, "participants")],
        title=_l("Workshops and trainings"),
        dated_by="start_date",
    )

    def __str__(self) -> str:
        return self.title


class Video(CampaignWork, OfficeWork):
    """An awareness video, reel, interview, human story or programme episode."""

    __tablename__ = "videos"

    title: Mapped[str] = mapped_column(String(300))
    video_kind: Mapped[str] = mapped_column(
        "kind", String(20), default="awareness_video", index=True
    )
    published_on: Mapped[dt.date] = mapped_column(index=True)
    platform: Mapped[str] = mapped_column(String(20), default="youtube")
    link: Mapped[str] = mapped_column(String(500), default="")
    views: Mapped[int] = mapped_column(default=0)

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True, donor=True),
        Field("video_kind", _l("Kind"), choices=VIDEO_KINDS, required=True, listed=True,
              filtered=True, donor=True, aliases=("kind",)),
        Field("published_on", _l("Publish date"), required=True, listed=True, filtered=True,
              donor=True),
        Field("platform", _l("Platform"), choices=PLATFORMS, listed=True, filtered=True,
              donor=True),
        Field("link", _l("Link"), text=LINK, searched=True, donor=True),
        *office_work(),
        Field("views", _l("Views"), minimum=0, listed=True, donor=True),
        campaign_work(),
        title=_l("Awareness videos"),
        dated_by="published_on",
    )

    def __str__(self) -> str:
        return self.title


def _partners_table(owner_table: str, owner_column: str) -> Table:
    """A link table between an owner's records and their co-organising partners."""
    return Table(
        f"{owner_table}_partners",
        db.metadata,
        Column(owner_column, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    )


activity_partners = _partners_table("awareness_activities", "activity_id")
event_partners = _partners_table("events", "event_id")


class Gathering:
    """What an awareness activity and an event both record: a titled gathering on a day, in
    a place or online, with its attendees and topic."""

    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int] = mapped_column(default=0)
    topic: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.title


def gathering_fields() -> tuple[Field, ...]:
    """A gathering's declared fields after its office: where, who came (and the split), with
    which partners, about what, for which campaign."""
    return (
        Field("place", _l("Place"), listed=True, searched=True, donor=True),
        Field("online", _l("Online"), listed=True, filtered=True, donor=True),
        Field("attendees", _l("Attendees"), minimum=0, listed=True, donor=True),
        *disaggregated(),
        Field("partners", _l("Co-organising partners"), lookup=PARTNER_LOOKUP, donor=True),
        Field("topic", _l("Topic"), searched=True),
        campaign_work(),
    )


def _attendees_add_up(values) -> list[tuple[str, str]]:
    """The women, men and under-18 attendees are parts of the attendees."""
    return parts_add_up(values, "attendees")


class AwarenessActivity(Gathering, CampaignWork, Disaggregated, OfficeWork):
    """An awareness session or campaign activity for the community."""

    __tablename__ = "awareness_activities"

    partners = relationship("Partner", secondary=activity_partners)

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True, donor=True),
        Field("date", _l("Date"), required=True, listed=True, filtered=True, donor=True),
        *office_work(),
        *gathering_fields(),
        title=_l("Awareness activities"),
        dated_by="date",
        rules=_attendees_add_up,
    )


class Event(Gathering, CampaignWork, Disaggregated, OfficeWork):
    """A webinar, conference, press conference, side event, delegation visit, screening …"""

    __tablename__ = "events"

    event_kind: Mapped[str] = mapped_column("kind", String(20), default="other", index=True)

    partners = relationship("Partner", secondary=event_partners)
    #: the meetings held during the event (a delegation's), for its page
    meetings = relationship("Meeting", viewonly=True, order_by="Meeting.date")

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True, donor=True),
        Field("event_kind", _l("Kind"), choices=EVENT_KINDS, listed=True, filtered=True,
              donor=True, aliases=("kind",)),
        Field("date", _l("Date"), required=True, listed=True, filtered=True, donor=True),
        *office_work(listed=("office",)),
        *gathering_fields(),
        title=_l("Events"),
        dated_by="date",
        rules=_attendees_add_up,
    )

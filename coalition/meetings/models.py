"""Meetings: official government meetings, meetings by counterpart, within-track meetings."""

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import COUNTERPART_CATEGORIES
from coalition.database import CampaignWork, OfficeWork, db
from coalition.fields import Field, Fields, campaign_work, office_work

meeting_partners = Table(
    "meeting_partners",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
)
meeting_contacts = Table(
    "meeting_contacts",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
)


def _office_id(value) -> int | None:
    """An office given as a record (a form) or as its id (an import)."""
    return getattr(value, "id", value)


def _check_meeting(values) -> list[tuple[str, str]]:
    """An outside meeting needs its counterpart category; a meeting held during an event is
    the event's office's (a delegation's meetings are its office's work)."""
    found = []
    if not values.get("comprehensive") and not values.get("counterpart_category"):
        found.append(("counterpart_category",
                      _("Choose the counterpart category, or mark the meeting as within-track.")))
    event, office = values.get("event"), values.get("office")
    if event is not None and office is not None and event.office_id != _office_id(office):
        found.append(("event", _("The event is another office's: choose one of this office's "
                                 "events, or none.")))
    return found


class Meeting(CampaignWork, OfficeWork):
    """A meeting an office held; a within-track meeting may have no outside counterpart."""

    __tablename__ = "meetings"

    date: Mapped[dt.date] = mapped_column(index=True)
    counterpart_category: Mapped[str | None] = mapped_column(String(20), index=True)
    government: Mapped[bool] = mapped_column(default=False)
    comprehensive: Mapped[bool] = mapped_column(default=False)
    counterpart_level: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    #: the event (a delegation, a conference) the meeting was held during, if any
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)

    event = relationship("Event")
    partners = relationship("Partner", secondary=meeting_partners)
    contacts = relationship("Contact", secondary=meeting_contacts)

    fields = Fields(
        Field("date", _l("Date"), required=True, listed=True, filtered=True, donor=True),
        *office_work(),
        Field("event", _l("Held during the event"), imported=False, lookup=("title",), help=_l(
            "A delegation or conference of the same office the meeting was part of.")),
        Field("counterpart_category", _l("Counterpart category"),
              choices=COUNTERPART_CATEGORIES, listed=True, filtered=True, donor=True),
        Field("government", _l("Official government meeting"), listed=True, filtered=True,
              donor=True),
        Field("comprehensive", _l("Within-track (comprehensive) meeting"), listed=True,
              filtered=True, donor=True, help=_l(
                  "A meeting of the coalition's own track; it may have no outside counterpart.")),
        Field("partners", _l("Counterpart organisations"), lookup=("name_ar", "name_latin"),
              aliases=("counterparts",), donor=True),
        Field("contacts", _l("Counterpart persons"), lookup=("name", "organisation"),
              imported=False),
        Field("counterpart_level", _l("Counterpart level"), searched=True, donor=True,
              help=_l("For example: deputy minister, director, mayor.")),
        Field("city", _l("City"), listed=True, filtered=True, searched=True, donor=True),
        Field("topic", _l("Topic"), required=True, listed=True, searched=True, donor=True),
        Field("outcome", _l("Outcome"), searched=True),
        Field("follow_up", _l("Follow-up")),
        campaign_work(),
        rules=_check_meeting,
        title=_l("Meetings"),
        dated_by="date",
    )

    def __str__(self) -> str:
        return f"{self.date} — {self.topic}"


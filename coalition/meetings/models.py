"""Meetings: official government meetings, meetings by counterpart, within-track meetings."""

import datetime as dt

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import OfficeWork, db

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


class Meeting(OfficeWork):
    """A meeting an office held; a within-track meeting may have no outside counterpart."""

    __tablename__ = "meetings"
    kind = "meetings"

    date: Mapped[dt.date] = mapped_column(index=True)
    counterpart_category: Mapped[str | None] = mapped_column(String(20), index=True)
    government: Mapped[bool] = mapped_column(default=False)
    comprehensive: Mapped[bool] = mapped_column(default=False)
    counterpart_level: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")

    partners = relationship("Partner", secondary=meeting_partners)
    contacts = relationship("Contact", secondary=meeting_contacts)

    def __str__(self) -> str:
        return f"{self.date} — {self.topic}"

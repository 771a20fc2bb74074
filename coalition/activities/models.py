"""The office's public work: trainings, videos, awareness activities and events."""

import datetime as dt

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import OfficeWork, db


class Training(OfficeWork):
    """A workshop, training or course, with its hours, participants and trainers."""

    __tablename__ = "trainings"
    kind = "trainings"

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

    def __str__(self) -> str:
        return self.title


class Video(OfficeWork):
    """An awareness video, reel, interview, human story or programme episode."""

    __tablename__ = "videos"
    kind = "videos"

    title: Mapped[str] = mapped_column(String(300))
    video_kind: Mapped[str] = mapped_column(
        "kind", String(20), default="awareness_video", index=True
    )
    published_on: Mapped[dt.date] = mapped_column(index=True)
    platform: Mapped[str] = mapped_column(String(20), default="youtube")
    link: Mapped[str] = mapped_column(String(500), default="")
    views: Mapped[int] = mapped_column(default=0)

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


class AwarenessActivity(OfficeWork):
    """An awareness session or campaign activity for the community."""

    __tablename__ = "awareness_activities"
    kind = "awareness_activities"

    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int] = mapped_column(default=0)
    topic: Mapped[str] = mapped_column(Text, default="")

    partners = relationship("Partner", secondary=activity_partners)

    def __str__(self) -> str:
        return self.title


class Event(OfficeWork):
    """A webinar, conference, press conference, side event, delegation visit, screening …"""

    __tablename__ = "events"
    kind = "events"

    title: Mapped[str] = mapped_column(String(300))
    event_kind: Mapped[str] = mapped_column("kind", String(20), default="other", index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    attendees: Mapped[int] = mapped_column(default=0)
    topic: Mapped[str] = mapped_column(Text, default="")

    partners = relationship("Partner", secondary=event_partners)

    def __str__(self) -> str:
        return self.title

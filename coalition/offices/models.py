"""Offices, tracks (work streams) and projects."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import Record
from coalition.i18n import bilingual


class NamedRecord(Record):
    """A record with an Arabic and an English name and a short code."""

    __abstract__ = True

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")

    def __str__(self) -> str:
        return bilingual(self.name_ar, self.name_en)


class Office(NamedRecord):
    """An office of the coalition: what it is for, what it did, what stands in its way."""

    __tablename__ = "offices"
    kind = "offices"

    description: Mapped[str] = mapped_column(Text, default="")
    mission: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    achievements: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    future_plans: Mapped[str] = mapped_column(Text, default="")

    @property
    def office_scope(self) -> int | None:
        return self.id


class Track(NamedRecord):
    """A work stream of the annual plan, e.g. communication and networking."""

    __tablename__ = "tracks"
    kind = "tracks"

    number: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")


class Project(NamedRecord):
    """A funded project activities belong to, e.g. Harmony or Himaya."""

    __tablename__ = "projects"
    kind = "projects"

    description: Mapped[str] = mapped_column(Text, default="")

"""Offices, tracks (work streams) and projects."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import Record
from coalition.fields import CODE, Field, Fields
from coalition.i18n import local_name

#: the code and names every office, track and project has
NAMES = (
    Field("code", _l("Code"), required=True, listed=True, searched=True, text=CODE),
    Field("name_ar", _l("Name (Arabic)"), required=True, listed=True, searched=True),
    Field("name_en", _l("Name (English)"), listed=True, searched=True),
)


class NamedRecord(Record):
    """A record with an Arabic and an English name and a short code."""

    __abstract__ = True

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")

    def __str__(self) -> str:
        return local_name(self.name_ar, self.name_en)

    def names(self) -> tuple[str, str]:
        """The Arabic and the other name (the details page and look-ups show both)."""
        return self.name_ar, self.name_en


class Office(NamedRecord):
    """An office of the coalition: what it is for, what it did, what stands in its way."""

    __tablename__ = "offices"

    description: Mapped[str] = mapped_column(Text, default="")
    mission: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    achievements: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    future_plans: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(
        *NAMES,
        Field("description", _l("Description")),
        Field("mission", _l("Mission")),
        Field("tasks", _l("Tasks")),
        Field("achievements", _l("Achievements")),
        Field("challenges", _l("Challenges")),
        Field("future_plans", _l("Future plans")),
        title=_l("Offices"),
    )

    @property
    def office_scope(self) -> int | None:
        return self.id


class Track(NamedRecord):
    """A work stream of the annual plan, e.g. communication and networking."""

    __tablename__ = "tracks"

    number: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(Field("number", _l("Number"), minimum=1, listed=True), *NAMES,
                    Field("description", _l("Description")), title=_l("Tracks"))


class Project(NamedRecord):
    """A funded project activities belong to, e.g. Harmony or Himaya."""

    __tablename__ = "projects"

    description: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(*NAMES, Field("description", _l("Description")), title=_l("Projects"))

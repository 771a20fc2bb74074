"""Partner organisations: who they are and the state of the partnership."""

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import ORIGINS, PARTNERSHIP_STATUSES, SECTORS
from coalition.database import Record
from coalition.fields import Field, Fields, dates_in_order
from coalition.i18n import local_name


def _check_partner(values) -> list[tuple[str, str]]:
    """A partnership runs from its start date, and does not end before it."""
    problems = dates_in_order(values, "partnership_start", "partnership_end")
    if values.get("partnership_status") in ("active", "ended") and not values.get(
            "partnership_start"):
        problems.append(("partnership_start", _("A partnership needs its start date.")))
    return problems


class Partner(Record):
    """An organisation the coalition works with; a partnership counts from its start date."""

    __tablename__ = "partners"

    name_ar: Mapped[str] = mapped_column(String(300))
    name_latin: Mapped[str] = mapped_column(String(300), default="")
    #: none for a counterpart named in an imported meeting, until someone completes it
    origin: Mapped[str | None] = mapped_column(String(20), index=True)
    sector: Mapped[str | None] = mapped_column(String(20), index=True)
    partnership_status: Mapped[str] = mapped_column(String(20), default="none", index=True)
    partnership_start: Mapped[dt.date | None] = mapped_column(index=True)
    partnership_end: Mapped[dt.date | None]
    written_agreement: Mapped[bool] = mapped_column(default=False)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    office = relationship("Office")

    fields = Fields(
        Field("name_ar", _l("Name (Arabic)"), required=True, listed=True, searched=True,
              donor=True),
        Field("name_latin", _l("Name (Latin)"), listed=True, searched=True, donor=True),
        Field("origin", _l("Origin"), choices=ORIGINS, required=True, listed=True,
              filtered=True, donor=True),
        Field("sector", _l("Sector"), choices=SECTORS, required=True, listed=True,
              filtered=True, donor=True),
        Field("partnership_status", _l("Partnership status"), choices=PARTNERSHIP_STATUSES,
              listed=True, filtered=True, donor=True),
        Field("partnership_start", _l("Partnership start"), listed=True, filtered=True,
              donor=True, help=_l("A partnership counts from this date.")),
        Field("partnership_end", _l("Partnership end"), donor=True),
        Field("written_agreement", _l("Written agreement"), listed=True, filtered=True,
              donor=True),
        Field("office", _l("Office"), filtered=True, donor=True),
        Field("notes", _l("Notes"), searched=True),
        rules=_check_partner,
        title=_l("Partners"),
    )

    def __str__(self) -> str:
        return local_name(self.name_ar, self.name_latin)

    def names(self) -> tuple[str, str]:
        """The Arabic and the other name (the details page and look-ups show both)."""
        return self.name_ar, self.name_latin

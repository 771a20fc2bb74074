"""Partner organisations: who they are and the state of the partnership."""

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import Record
from coalition.i18n import bilingual


class Partner(Record):
    """An organisation the coalition works with; a partnership counts from its start date."""

    __tablename__ = "partners"
    kind = "partners"

    name_ar: Mapped[str] = mapped_column(String(300))
    name_latin: Mapped[str] = mapped_column(String(300), default="")
    origin: Mapped[str] = mapped_column(String(20), index=True)
    sector: Mapped[str] = mapped_column(String(20), index=True)
    partnership_status: Mapped[str] = mapped_column(String(20), default="none", index=True)
    partnership_start: Mapped[dt.date | None] = mapped_column(index=True)
    partnership_end: Mapped[dt.date | None]
    written_agreement: Mapped[bool] = mapped_column(default=False)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    office = relationship("Office")

    def __str__(self) -> str:
        return bilingual(self.name_ar, self.name_latin)

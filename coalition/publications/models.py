"""Publications and the advocacy issues the coalition raises."""

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import OfficeWork


class Publication(OfficeWork):
    """A report, policy paper, guide or study."""

    __tablename__ = "publications"
    kind = "publications"

    title: Mapped[str] = mapped_column(String(300))
    publication_kind: Mapped[str] = mapped_column("kind", String(20), default="report", index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    word_count: Mapped[int | None]
    link: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.title


class AdvocacyIssue(OfficeWork):
    """A community advocacy issue raised with the authorities."""

    __tablename__ = "advocacy_issues"
    kind = "advocacy_issues"

    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="raised", index=True)
    raised_on: Mapped[dt.date] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.title

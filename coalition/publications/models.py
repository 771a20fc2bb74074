"""Publications and the advocacy issues the coalition raises."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.choices import ADVOCACY_STATUSES, PUBLICATION_KINDS
from coalition.database import CampaignWork, OfficeWork
from coalition.fields import LINK, Field, Fields, campaign_work, office_work


class Publication(CampaignWork, OfficeWork):
    """A report, policy paper, guide or study."""

    __tablename__ = "publications"

    title: Mapped[str] = mapped_column(String(300))
    publication_kind: Mapped[str] = mapped_column("kind", String(20), default="report", index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    word_count: Mapped[int | None]
    link: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True, donor=True),
        Field("publication_kind", _l("Kind"), choices=PUBLICATION_KINDS, listed=True,
              filtered=True, donor=True, aliases=("kind",)),
        Field("date", _l("Date"), required=True, listed=True, filtered=True, donor=True),
        *office_work(),
        Field("word_count", _l("Word count"), minimum=0, listed=True, donor=True),
        Field("link", _l("Link"), text=LINK, donor=True),
        Field("summary", _l("Summary"), searched=True),
        campaign_work(),
        title=_l("Publications"),
        dated_by="date",
    )

    def __str__(self) -> str:
        return self.title


class AdvocacyIssue(OfficeWork):
    """A community advocacy issue raised with the authorities."""

    __tablename__ = "advocacy_issues"

    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="raised", index=True)
    raised_on: Mapped[dt.date] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(
        Field("title", _l("Title"), required=True, listed=True, searched=True),
        Field("raised_on", _l("Date raised"), required=True, listed=True, filtered=True),
        *office_work(),
        Field("status", _l("Status"), choices=ADVOCACY_STATUSES, listed=True, filtered=True),
        Field("description", _l("Description"), searched=True),
        title=_l("Advocacy issues"),
        dated_by="raised_on",
    )

    def __str__(self) -> str:
        return self.title

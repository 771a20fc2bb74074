"""A target: how much of a KPI is planned for a year or a quarter, for a scope."""


from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import Choices
from coalition.database import Record
from coalition.fields import Field, Fields
from coalition.kpis.definitions import KPIS

#: every KPI a target may be set for, by its key, labelled as the dashboard labels it
KPI_CHOICES = Choices(*((kpi.key, kpi.label) for kpi in KPIS))


def _check(values) -> list[tuple[str, str]]:
    """A quarter is one of a year's four."""
    quarter = values.get("quarter")
    if quarter is not None and quarter != "" and quarter not in (1, 2, 3, 4):
        return [("quarter", _("A quarter is a number from 1 to 4."))]
    return []


class Target(Record):
    """The planned figure of one KPI for a year (or one of its quarters), for the coalition,
    an office or a project (or an office's part of a project)."""

    __tablename__ = "targets"
    __table_args__ = (
        # one live target per figure, period and scope (a blank quarter, office or project
        # is a value of its own, so it is compared as 0)
        Index("uq_targets_scope", "kpi", "year", func.coalesce(text("quarter"), 0),
              func.coalesce(text("office_id"), 0), func.coalesce(text("project_id"), 0),
              unique=True, postgresql_where=text("deleted_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL")),
    )

    kpi: Mapped[str] = mapped_column(String(80), index=True)
    year: Mapped[int]
    #: 1 to 4; none: the whole year
    quarter: Mapped[int | None]
    #: none: the coalition as a whole
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    value: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False))

    office = relationship("Office")
    project = relationship("Project")

    fields = Fields(
        Field("kpi", _l("Figure"), choices=KPI_CHOICES, required=True, listed=True,
              filtered=True, donor=True),
        Field("year", _l("Year"), required=True, minimum=2000, maximum=2100, grouped=False,
              listed=True, filtered=True, donor=True),
        Field("quarter", _l("Quarter"), minimum=1, maximum=4, listed=True, filtered=True,
              donor=True, help=_l("Leave empty for a target of the whole year.")),
        Field("office", _l("Office"), listed=True, filtered=True, donor=True,
              help=_l("Leave empty for a target of the whole coalition.")),
        Field("project", _l("Project"), listed=True, filtered=True, donor=True),
        Field("value", _l("Target"), required=True, minimum=0, listed=True, donor=True),
        title=_l("Targets"),
        rules=_check,
    )

    @property
    def office_scope(self) -> int | None:
        # a target is the coalition's plan: who writes one writes them all (access rules)
        return None

    def __str__(self) -> str:
        period = f"{self.year}" + (f" Q{self.quarter}" if self.quarter else "")
        return f"{KPI_CHOICES.label(self.kpi)} — {period}"

"""Targets against actuals: how much of each target is achieved, and whether that is behind,
on track or ahead for the share of its period that has passed.

A target's actual is its KPI under the target's own filters (its year or quarter, its office,
its project), read through `visibility.figures` as every figure is: a figure the reader may
not see has no actual, no percentage and no mark.

The mark (`mark()`): the achieved percentage is compared with the percentage of the target
expected by today. For a figure counted over its period (a flow: meetings held, hours of
training) that is the share of the period's days that have passed: 100% once the period is
over, 50% half way through, 0% before it starts. A level read at the period's end (cases
still under follow-up, partnerships active, the directory) is expected in full whenever it is
read. Within TOLERANCE percentage points of the expectation it is on track; below, behind;
above, ahead.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coalition.choices import Choices
from coalition.database import db
from coalition.kpis.definitions import BY_KEY, DATED
from coalition.kpis.filters import Filters
from coalition.kpis.targets.models import Target
from coalition.kpis.visibility import Audience, figures
from coalition.offices.models import Office, Project

#: how far (in percentage points of the target) the achieved percentage may stray from the
#: expected one and still be on track
TOLERANCE = 10
BEHIND, ON_TRACK, AHEAD = "behind", "on_track", "ahead"
MARKS = Choices((BEHIND, _l("Behind")), (ON_TRACK, _l("On track")), (AHEAD, _l("Ahead")))


@dataclass(frozen=True)
class TargetRow:
    """One target with its actual: what the targets page, the dashboard's cards, the API, the
    donor workbook and the annual report show."""

    key: str
    label: str
    target: float
    #: None when the reader may not see the figure (`hidden` says why)
    actual: float | None
    #: 100 × actual / target, one decimal (None: no actual, or a target of 0)
    achieved_percent: float | None
    #: the share of the target expected by today, in percent
    expected_percent: float
    #: BEHIND, ON_TRACK or AHEAD (None: no actual)
    mark: str | None
    year: int
    quarter: int | None
    office: Office | None
    project: Project | None
    id: int | None = None
    hidden: str | None = None

    @property
    def mark_label(self) -> str:
        """The mark in the user's language ('' for none)."""
        return MARKS.label(self.mark) if self.mark else ""

    @property
    def period(self) -> str:
        """2024, or the second quarter of 2024, in the user's language."""
        if not self.quarter:
            return str(self.year)
        return _("Q%(quarter)s %(year)s", quarter=self.quarter, year=self.year)

    def as_json(self) -> dict:
        """What the API says of it."""
        return {"target": self.target, "actual": self.actual,
                "achieved_percent": self.achieved_percent, "mark": self.mark}


def period_of(year: int, quarter: int | None = None) -> tuple[date, date]:
    """The first and last day of a year or of one of its quarters."""
    first, last = (1, 12) if quarter is None else (3 * quarter - 2, 3 * quarter)
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def elapsed(start: date, end: date, today: date) -> float:
    """The share of the period's days that have passed by the end of `today` (0 to 1)."""
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start).days + 1) / ((end - start).days + 1)


def expected_percent(key: str, start: date, end: date, today: date) -> float:
    """The percentage of a target expected by today: the share of the period passed for a
    figure counted over its period, all of it for a level."""
    if BY_KEY[key].period != DATED:
        return 100.0
    return round(100 * elapsed(start, end, today), 1)


def achieved(actual: float | None, target: float) -> float | None:
    """100 × actual / target, one decimal (None without an actual or with a target of 0)."""
    if actual is None or not target:
        return None
    return round(100 * actual / target, 1)


def mark(actual: float | None, target: float, expected: float) -> str | None:
    """Behind, on track or ahead: the achieved percentage against the expected one, give or
    take TOLERANCE points (a target of 0 is on track at 0 and ahead above it)."""
    if actual is None:
        return None
    if not target:
        return AHEAD if actual > 0 else ON_TRACK
    percent = 100 * actual / target
    if percent < expected - TOLERANCE:
        return BEHIND
    if percent > expected + TOLERANCE:
        return AHEAD
    return ON_TRACK


def filters_of(target: Target, approved: bool = False) -> Filters:
    """The filters a target's actual is read under: its period, office and project (and,
    if asked, approved months only)."""
    start, end = period_of(target.year, target.quarter)
    return Filters(start=start, end=end, office=target.office, project=target.project,
                   unit="quarter" if target.quarter else "year", approved=approved)


def progress(targets: Sequence[Target], audience: Audience | None = None,
             today: date | None = None, approved: bool = False) -> list[TargetRow]:
    """Each target with its actual (one SELECT per table for all of them), as `audience`
    (default: everything) may see it; with `approved`, in approved months only."""
    audience = audience or Audience.operator()
    today = today or date.today()
    asks = [(filters_of(target, approved), [target.kpi]) for target in targets]
    shown = figures(audience, asks) if asks else []
    rows = []
    for target, (filters, _keys), values in zip(targets, asks, shown, strict=True):
        actual = values[target.kpi]
        assert filters.start is not None and filters.end is not None  # a period has both
        expected = expected_percent(target.kpi, filters.start, filters.end, today)
        rows.append(TargetRow(
            key=target.kpi, label=str(BY_KEY[target.kpi].label), target=target.value,
            actual=actual, achieved_percent=achieved(actual, target.value),
            expected_percent=expected, mark=mark(actual, target.value, expected),
            year=target.year, quarter=target.quarter, office=target.office,
            project=target.project, id=target.id, hidden=values.hidden.get(target.kpi)))
    return rows


def _id(record: Office | Project | int | None) -> int | None:
    return record if record is None or isinstance(record, int) else record.id


def find(year: int | None = None, quarter: int | None = None,
         office: Office | int | None = None, project: Project | int | None = None, *,
         every_scope: bool = False, keys: Iterable[str] | None = None) -> list[Target]:
    """The live targets of a year (or quarter) and scope: exactly that office and project
    (None: the coalition's, or no project), or with `every_scope` every target of the year
    (of every year when year is None)."""
    query = select(Target).where(Target.deleted_at.is_(None))
    if year is not None:
        query = query.where(Target.year == year)
    if not every_scope:
        query = query.where(Target.quarter.is_(None) if quarter is None
                            else Target.quarter == quarter)
        for column, value in ((Target.office_id, _id(office)), (Target.project_id,
                                                                _id(project))):
            query = query.where(column.is_(None) if value is None else column == value)
    if keys is not None:
        query = query.where(Target.kpi.in_(list(keys)))
    order = {kpi: n for n, kpi in enumerate(BY_KEY)}
    found = list(db.session.scalars(query.order_by(Target.year, Target.quarter, Target.id)))
    return sorted(found, key=lambda t: (t.year, t.quarter or 0, t.office_id or 0,
                                        t.project_id or 0, order.get(t.kpi, 0)))


def targets_for(year: int, quarter: int | None = None, office: Office | int | None = None,
                project: Project | int | None = None, *, audience: Audience | None = None,
                today: date | None = None, approved: bool = False) -> list[TargetRow]:
    """The targets of a year (or quarter) for the coalition (office None), an office or a
    project, each with its actual, achieved percentage and mark, in the order of the KPIs."""
    return progress(find(year, quarter, office, project), audience, today, approved)


def asked_period(filters: Filters) -> tuple[int, int | None] | None:
    """The year (and quarter) the filters' period is, whether asked as one or by its dates;
    None for any other period."""
    if filters.start is None or filters.end is None:
        return None
    year = filters.start.year
    if (filters.start, filters.end) == period_of(year):
        return year, None
    quarter = (filters.start.month + 2) // 3
    if (filters.start, filters.end) == period_of(year, quarter):
        return year, quarter
    return None


def for_filters(filters: Filters, audience: Audience, keys: Iterable[str] | None = None,
                today: date | None = None) -> dict[str, TargetRow]:
    """The targets that match dashboard or API filters (a year or a quarter; an office, a
    project or neither; no track or campaign, which targets have not), by KPI key."""
    period = asked_period(filters)
    if period is None or filters.track is not None or filters.campaign is not None:
        return {}
    found = find(*period, filters.office, filters.project, keys=keys)
    return {row.key: row for row in progress(found, audience, today, filters.approved)}


def within(filters: Filters, audience: Audience, today: date | None = None) -> list[TargetRow]:
    """Every target whose year or quarter lies inside the filters' period (any, if it is
    open), for the office and project asked (or the coalition): a logframe's rows."""
    if filters.track is not None or filters.campaign is not None:
        return []
    query = find(None, every_scope=True)
    chosen = []
    for target in query:
        start, end = period_of(target.year, target.quarter)
        if ((filters.start and start < filters.start) or (filters.end and end > filters.end)
                or target.office_id != filters.ids("office")
                or target.project_id != filters.ids("project")):
            continue
        chosen.append(target)
    return progress(chosen, audience, today, filters.approved)


def targets_json(filters: Filters, audience: Audience) -> dict[str, dict]:
    """The API's `targets`: {KPI key: {target, actual, achieved_percent, mark}}."""
    return {key: row.as_json() for key, row in for_filters(filters, audience).items()}

"""The dashboard's filters: a period (both ends inclusive), an office, a track, a project,
a campaign."""

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from coalition.database import db
from coalition.dates import DateError, parse_date
from coalition.monitoring.models import Campaign
from coalition.offices.models import Office, Project, Track

#: request argument -> model it names
FILTER_MODELS = {"office": Office, "track": Track, "project": Project, "campaign": Campaign}
#: the filters every record of an office's work has a column for (a campaign is a condition
#: on the records, coalition.kpis.conditions)
DIMENSION_FILTERS = ("office", "track", "project")
#: the value that asks for the coalition total even where an office is the default
ALL = "all"


class FilterError(ValueError):
    """A filter that cannot be understood; str() gives the message in the user's language and
    `names` the request arguments it is about."""

    def __init__(self, message: object, *names: str) -> None:
        super().__init__(message)
        self.names = names

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Filters:
    """Which records a KPI counts: a period, and an office, a track and a project (or all)."""

    start: date | None = None
    end: date | None = None
    office: Office | None = None
    track: Track | None = None
    project: Project | None = None
    #: only the work done for this campaign and the figures it cites (kpis.conditions)
    campaign: Campaign | None = None
    #: "year", "quarter" or "month" when the period is one, so the previous one is too
    unit: str | None = None
    #: only records in months their office has had approved (coalition.kpis.conditions)
    approved: bool = False
    #: only records with a file attached: for evidence coverage, never a request argument
    evidenced: bool = False
    #: only monitoring figures marked publishable: set for whoever may not read the figures
    #: themselves (donors, donor files), never a request argument (coalition.kpis.visibility)
    published: bool = False

    @classmethod
    def parse(cls, args: Mapping[str, str], default_office: int | None = None) -> "Filters":
        """Read filters from request arguments; raise FilterError with a message if wrong."""
        args = {k: v.strip() for k, v in args.items() if isinstance(v, str) and v.strip()}
        start, end, unit = _period(args)
        if start and end and start > end:
            raise FilterError(_l("The start date cannot be after the end date."), "from", "to")
        if "office" not in args and default_office is not None:
            args["office"] = str(default_office)
        named = {name: _lookup(name, args.get(name)) for name in FILTER_MODELS}
        return cls(start=start, end=end, unit=unit, approved=_flag(args, "approved"), **named)

    @classmethod
    def parse_leniently(cls, args: Mapping[str, str], default_office: int | None = None
                        ) -> tuple["Filters", list[FilterError]]:
        """The filters that can be read, and why each other one was left out (for a page
        that shows its figures all the same); FilterError only if none of it can be left."""
        args = {name: value for name, value in args.items()}
        problems: list[FilterError] = []
        while True:
            try:
                return cls.parse(args, default_office), problems
            except FilterError as problem:
                if not any(name in args for name in problem.names):
                    raise
                problems.append(problem)
                for name in problem.names:
                    args.pop(name, None)

    def ids(self, name: str) -> int | None:
        """The id of the office, track, project or campaign filtered on (None: all)."""
        record = getattr(self, name)
        return record.id if record is not None else None

    def as_dict(self) -> dict:
        """The filters as the API reports them."""
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            **{name: self.ids(name) for name in DIMENSION_FILTERS},
            **({"campaign": self.ids("campaign")} if self.campaign else {}),
            **({"approved": True} if self.approved else {}),
        }

    def previous(self) -> "Filters | None":
        """The period of the same length just before this one (None if it is open-ended)."""
        if self.start is None or self.end is None:
            return None
        if self.unit:
            months = {"year": 12, "quarter": 3, "month": 1}[self.unit]
            start = _add_months(self.start, -months)
            return replace(self, start=start, end=_add_months(self.end + timedelta(days=1),
                                                              -months) - timedelta(days=1))
        length = self.end - self.start + timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - timedelta(days=1))


def _flag(args: dict, name: str) -> bool:
    """An on/off filter: 1 (yes, true, on) or 0 (no, false, off); absent is off."""
    value = args.get(name, "0").casefold()
    if value in ("1", "yes", "true", "on"):
        return True
    if value in ("0", "no", "false", "off"):
        return False
    raise FilterError(_l("approved is 1 (only approved months) or 0."), name)


def _add_months(day: date, months: int) -> date:
    """The first of a month `months` away from the first of `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _number(args: dict, name: str, low: int, high: int, message) -> int | None:
    """An optional whole number between low and high."""
    if name not in args:
        return None
    value = args[name]
    if not value.isdigit() or not low <= int(value) <= high:
        raise FilterError(message, name)
    return int(value)


def _period(args: dict) -> tuple[date | None, date | None, str | None]:
    """The period asked for: a year, a quarter or a month of a year, or from/to dates."""
    year = _number(args, "year", 1900, 2999, _l("A year is written with four digits."))
    quarter = _number(args, "quarter", 1, 4, _l("A quarter is a number from 1 to 4."))
    month = _number(args, "month", 1, 12, _l("A month is a number from 1 to 12."))
    if year is None and (quarter or month):
        raise FilterError(_l("Choose the year of the quarter or month."), "quarter", "month")
    if quarter and month:
        raise FilterError(_l("Choose a quarter or a month, not both."), "month")
    if year is not None:
        if "from" in args or "to" in args:
            raise FilterError(_l("Choose a year, quarter or month, or from/to dates, not both."),
                              "from", "to")
        first, count, unit = 1, 12, "year"
        if quarter:
            first, count, unit = 3 * quarter - 2, 3, "quarter"
        elif month:
            first, count, unit = month, 1, "month"
        last = first + count - 1
        return (date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]),
                unit)
    return _date(args, "from"), _date(args, "to"), None


def _date(args: dict, name: str) -> date | None:
    """A date as people type it (see coalition.dates), or None."""
    value = args.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except DateError:
        raise FilterError(_l("%(value)s is not a date; write it as day/month/year or "
                             "YYYY-MM-DD.", value=value), name) from None


def _lookup(name: str, value: str | None):
    """The office, track, project or campaign with this id (None for all); refuse unknown
    ones."""
    if value is None or value == ALL:
        return None
    known = value.isdigit() and len(value) < 10  # larger ids overflow SQLite's integers
    record = db.session.get(FILTER_MODELS[name], int(value)) if known else None
    if record is None or record.deleted_at is not None:
        messages = {
            "office": _l("There is no office with the id %(value)s.", value=value),
            "track": _l("There is no track with the id %(value)s.", value=value),
            "project": _l("There is no project with the id %(value)s.", value=value),
            "campaign": _l("There is no campaign with the id %(value)s.", value=value),
        }
        raise FilterError(messages[name], name)
    return record

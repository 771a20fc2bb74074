"""The annual report's content: every figure read through the KPI definitions and the
visibility rules, as the dashboard and /api/kpis read them for the same reader.

`annual_report(year, audience, office)` gathers the "in numbers" section (the ten figures),
the consultation outcomes and the meetings by counterpart with shares that add up to 100 %,
each track's results, each office's profile, the targets against actuals and the data of
the charts. The page (`routes`) and the PDF (`pdf`) render the same template from it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask_babel import format_date
from sqlalchemy import select

from coalition.choices import COUNTERPART_CATEGORIES
from coalition.database import db
from coalition.kpis.charts import percentages
from coalition.kpis.definitions import (
    ACTIVITY_KEYS,
    BY_KEY,
    CARDS,
    COUNTERPART_KEYS,
    OFFICE_KEYS,
    OUTCOME_KEYS,
    TRAINING_KEYS,
)
from coalition.kpis.filters import Filters
from coalition.kpis.targets.progress import TargetRow, find, period_of, progress
from coalition.kpis.visibility import Audience, Figures, figures, visible_breakdown
from coalition.offices.models import Office, Track

#: the figures of a track's results, where the track narrows them
TRACK_KEYS = ("meetings.total", "meetings.comprehensive", "meetings.government",
              "workshops.total", "trainings.total", *TRAINING_KEYS, "videos.published",
              "awareness_activities.total", "events.total", "publications.total",
              "cases.total", "cases.mediations", "cases.court_referrals")
#: an office's figures in its profile: its work, and the Detainees Office's (need-to-know)
OFFICE_REPORT_KEYS = (*OFFICE_KEYS, "detainees.total", "families.supported", "support.sessions")
#: an office profile's texts, in the order the report gives them
PROFILE = ("description", "mission", "tasks", "achievements", "challenges", "future_plans")
#: what separates the items of a list typed in one box: new lines and semicolons
ITEMS = re.compile(r"\s*(?:\n|؛|;)\s*")


@dataclass
class Row:
    """One figure as the report shows it: its key, label, value (None when hidden), the
    word standing for it when hidden, and its share of its table (percent) if it has one."""

    key: str
    label: str
    value: float | None
    shown: Any
    hidden: str | None = None
    share: float | None = None


def _row(values: Figures, key: str) -> Row:
    """A figure as `values` show it."""
    return Row(key, str(BY_KEY[key].label), values[key], values.shown(key),
               values.hidden.get(key))


def shared(values: Figures, keys: tuple[str, ...], total: str | None = None) -> dict:
    """Rows that add up to a whole, with each shown row's share of it (largest remainder, so
    the shares add up to exactly 100): the whole is `total`'s figure where given (the rows
    hidden from the reader then count together, as the total less those shown), else the
    sum of the rows."""
    rows = [_row(values, key) for key in keys]
    counts = [int(row.value) for row in rows if row.value is not None]
    whole = sum(counts)
    rest = None
    if total is not None and values[total] is not None:
        whole = int(values[total])  # type: ignore[arg-type]
        if len(counts) < len(rows):
            rest = whole - sum(counts)
            counts.append(rest)
    shares = iter(percentages(counts))
    for row in rows:
        if row.value is not None:
            row.share = next(shares)
    rest_share = next(shares, None) if rest is not None else None
    return {"rows": rows, "total": whole, "rest": rest, "rest_share": rest_share,
            "share_sum": round(sum(r.share or 0 for r in rows) + (rest_share or 0), 1)
            if counts and whole else 0.0}


def items(text: str | None) -> list[str]:
    """The items of a text typed in one box (one a line, or separated by semicolons)."""
    return [part for part in ITEMS.split(text or "") if part.strip()]


def live_records(model: Any, order: Any) -> list:
    """The offices or tracks outside the trash."""
    return list(db.session.scalars(select(model).where(model.deleted_at.is_(None))
                                   .order_by(order, model.id)))


def _months(year: int) -> list[str]:
    """The twelve months of a year, as YYYY-MM."""
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]


@dataclass
class Bar:
    """One bar of a chart: its label, value and length in percent of the longest bar."""

    label: str
    value: float
    length: float
    note: str = ""


def bars(pairs: Sequence[tuple[str, float | None]],
         notes: Sequence[str] | None = None) -> list[Bar]:
    """Bars for (label, value) pairs, hidden values left out, scaled to the longest."""
    top = max((value for _label, value in pairs if value), default=0) or 1
    return [Bar(label, value, round(100 * value / top, 1), (notes or [""] * len(pairs))[n])
            for n, (label, value) in enumerate(pairs) if value is not None]


@dataclass
class AnnualReport:
    """The annual report of a year, for the coalition or one office, as one reader sees it."""

    year: int
    office: Office | None
    filters: Filters
    values: Figures
    cards: list[dict] = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)
    counterparts: dict = field(default_factory=dict)
    trainings: list[Row] = field(default_factory=list)
    tracks: list[dict] = field(default_factory=list)
    offices: list[dict] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)
    charts: dict = field(default_factory=dict)


def annual_report(year: int, audience: Audience, office: Office | None = None) -> AnnualReport:
    """The report of `year` for the coalition (or `office` alone) as `audience` sees it:
    one `figures()` call for every figure in it, as the dashboard makes one for its page."""
    start, end = period_of(year)
    filters = Filters(start=start, end=end, office=office, unit="year")
    tracks = live_records(Track, Track.number)
    offices = [office] if office is not None else live_records(Office, Office.name_ar)
    track_keys = [key for key in TRACK_KEYS if "track" in BY_KEY[key].dimensions]
    asks: list[tuple[Filters, Any]] = [(filters, None)]
    asks += [(replace(filters, track=track), track_keys) for track in tracks]
    asks += [(replace(filters, office=each), OFFICE_REPORT_KEYS) for each in offices]
    values, *others = figures(audience, asks)
    by_track, by_office = others[:len(tracks)], others[len(tracks):]
    report = AnnualReport(year, office, filters, values)
    report.cards = [{"row": _row(values, key), "sub": _row(values, sub) if sub else None}
                    for key, sub in CARDS]
    report.outcomes = shared(values, OUTCOME_KEYS, "cases.total")
    report.counterparts = shared(values, COUNTERPART_KEYS)
    report.trainings = [_row(values, key) for key in TRAINING_KEYS]
    report.tracks = [{"track": track, "rows": [_row(shown, key) for key in track_keys
                                               if shown[key] or key in shown.hidden]}
                     for track, shown in zip(tracks, by_track, strict=True)]
    report.offices = [{"office": each, "rows": [_row(shown, key) for key in OFFICE_REPORT_KEYS
                                                if shown[key] or key in shown.hidden],
                       "texts": [(name, items(getattr(each, name))) for name in PROFILE
                                 if items(getattr(each, name))]}
                      for each, shown in zip(offices, by_office, strict=True)]
    found = [target for target in find(year, every_scope=True)
             if office is None or target.office_id == office.id]
    report.targets = progress(found, audience)
    report.charts = _charts(report, audience)
    return report


def _charts(report: AnnualReport, audience: Audience) -> dict:
    """The charts' bars: outcomes, counterparts, the work of each month and of each office."""
    outcome_rows = report.outcomes["rows"]
    monthly = visible_breakdown(audience, report.filters, ACTIVITY_KEYS, ("month",))
    months = [(format_date(date(report.year, int(month[5:]), 1), "MMM"),
               sum(monthly.get((month,), {}).values())) for month in _months(report.year)]
    offices = [(str(entry["office"]), sum(row.value or 0 for row in entry["rows"]
                                          if row.key in ACTIVITY_KEYS))
               for entry in report.offices]
    return {
        "outcomes": bars([(row.label, row.value) for row in outcome_rows],
                         [f"{row.share:.1f}%" if row.share is not None else ""
                          for row in outcome_rows]),
        "counterparts": bars([(str(label), report.values[key]) for (_code, label), key
                              in zip(COUNTERPART_CATEGORIES, COUNTERPART_KEYS, strict=True)]),
        "months": bars(months),
        "offices": bars(offices) if len(offices) > 1 else [],
    }

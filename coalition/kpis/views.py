"""The dashboard page: the report's ten figures, their change, and the charts behind them."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from coalition import access, versions
from coalition.choices import COUNTERPART_CATEGORIES, ORIGINS, TRAINING_KINDS
from coalition.database import db, detached_copies
from coalition.dates import input_text
from coalition.extensions import kept
from coalition.i18n import language, text_direction
from coalition.kpis import charts, monitoring
from coalition.kpis.conditions import approved_note, campaign_note
from coalition.kpis.coverage import evidence_coverage
from coalition.kpis.definitions import (
    ACTIVITY_KEYS,
    BY_KEY,
    CARD_KEYS,
    CARDS,
    COUNTERPART_KEYS,
    DETAINEE_PARTY_KEYS,
    DETAINEE_STATUS_KEYS,
    KPIS,
    OFFICE_KEYS,
    OUTCOME_KEYS,
    PARTICIPANT_KEYS,
    TRAINING_KEYS,
    Cond,
)
from coalition.kpis.drilldown import Links
from coalition.kpis.figure_cache import cached, filters_key
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.participants import participant_rows, participants_chart
from coalition.kpis.queries import number
from coalition.kpis.targets.progress import for_filters as targets_for_filters
from coalition.kpis.visibility import Audience, Figures, visible_breakdown
from coalition.kpis.visibility import figures as visible_figures
from coalition.monitoring.models import Campaign
from coalition.offices.models import Office, Project, Track


def _named(model, order) -> list:
    """The offices, tracks, projects or campaigns outside the trash.

    Read once a process at their table's version (`versions.table_version`), kept as copies
    outside any session and merged into the request's without a query, as the signed-in user
    is: with nothing changed the dashboard reads none of these lists again (on PostgreSQL
    each read is a round trip). Any write of the table moves its version."""
    version = versions.table_version(model.__tablename__)
    if version is None:  # no write recorded yet: nothing to key copies on
        return _read_named(model, order)
    copies = kept("dashboard menus", 64)
    key = (model.__tablename__, version)
    if (found := copies.get(key)) is None:
        found = copies[key] = detached_copies(_read_named(model, order))
    return [db.session.merge(copy, load=False) for copy in found]


def _read_named(model, order) -> list:
    return list(db.session.scalars(select(model).where(model.deleted_at.is_(None))
                                   .order_by(order, model.id)))


def _name(record) -> str:
    """An office's, track's or project's name in the interface language, short for charts."""
    if language() != "ar" and record.name_en:
        return record.name_en
    return record.name_ar or record.name_en


def _change(value: float | None, before: float | None) -> dict | None:
    """The change against the previous period, as a difference and a percentage (none when
    either figure is hidden)."""
    if value is None or before is None:
        return None
    difference = number(value - before)
    return {"difference": difference,
            "percent": round(100 * difference / before) if before else None}


def _months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), so the time axis has no gaps."""
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_span(month: str, filters: Filters) -> tuple[date, date]:
    """A month's first and last day, within the period filtered on."""
    year, month_number = map(int, month.split("-"))
    first = date(year, month_number, 1)
    last = date(year + month_number // 12, month_number % 12 + 1, 1) - timedelta(days=1)
    return max(first, filters.start or first), min(last, filters.end or last)


def _period_boxes(args: Mapping[str, str], filters: Filters,
                  problems: list[FilterError]) -> dict[str, str]:
    """What the from and to boxes show: a date read, written day/month/year, or the text
    that could not be read, for the user to correct."""
    unread = {name for problem in problems for name in problem.names}
    return {name: args.get(name, "") if name in unread or day is None else input_text(day)
            for name, day in (("from", filters.start), ("to", filters.end))
            if name in args or name in unread}


#: the Detainees Office's headline figures on the dashboard
DETAINEE_HEADLINES = ("detainees.total", "detainees.women", "detainees.children",
                      "families.supported", "support.sessions", "support.referrals")


def detainees_section(values: Figures, links: Links) -> dict:
    """The Detainees Office's section: headline figures, and persons by status and by the
    party of their latest arrest, each hidden where the reader may not see it."""

    def row(key: str) -> dict:
        return {"key": key, "label": BY_KEY[key].label, "value": values[key],
                "hidden": values.hidden.get(key), "shown": values.shown(key),
                "url": links.url(key) if values[key] is not None else None}

    return {"headlines": [row(key) for key in DETAINEE_HEADLINES],
            "by_status": [row(key) for key in DETAINEE_STATUS_KEYS],
            "by_party": [row(key) for key in DETAINEE_PARTY_KEYS]}


class DashboardView(BaseView):
    """The KPI dashboard: figures computed live from the records, with drill-down."""

    def is_accessible(self) -> bool:
        return access.has_feature(current_user, "dashboard")

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self) -> ResponseReturnValue:
        offices = _named(Office, Office.name_ar)
        tracks = _named(Track, Track.number)
        projects = _named(Project, Project.code)
        campaigns = _named(Campaign, Campaign.start_date)
        context = {"offices": offices, "tracks": tracks, "projects": projects,
                   "campaigns": campaigns,
                   "args": request.args, "years": range(date.today().year, 2010, -1)}
        try:
            filters, problems = Filters.parse_leniently(request.args,
                                                        default_office=current_user.office_id)
        except FilterError as error:
            return self.render("dashboard/index.html", error=str(error), **context), 400
        # what could not be read is left out, and the page says so beside the figures
        context.update(filter_problems=[str(problem) for problem in problems],
                       bad_filters={name for problem in problems for name in problem.names},
                       period_boxes=_period_boxes(request.args, filters, problems))
        rtl = text_direction() == "rtl"
        audience = Audience.of(current_user)
        links = Links(self.admin, current_user, filters)
        previous = filters.previous()
        # one SELECT per table: every figure, the cards' figures of the period before, and
        # each office's work when the figures are the coalition's
        by_office = [] if filters.office else offices
        asks = [(filters, None), *([(previous, CARD_KEYS)] if previous else []),
                *((replace(filters, office=office), OFFICE_KEYS) for office in by_office)]
        values, *others = visible_figures(audience, asks)
        before = others.pop(0) if previous else None
        per_office = ({office.id: row for office, row in zip(by_office, others, strict=True)}
                      if filters.office is None else {filters.office.id: values})
        cards = [self._card(key, sub, values, before, links) for key, sub in CARDS]
        def build() -> dict[str, tuple[str, str | None]]:
            figures = {
                "outcomes": self._outcomes(values, links, rtl),
                "counterparts": charts.horizontal_bars(
                    [str(label) for _code, label in COUNTERPART_CATEGORIES],
                    [values[key] for key in COUNTERPART_KEYS],
                    [links.url(key) or "" for key in COUNTERPART_KEYS], rtl),
                "activity": self._activity(audience, tracks, filters, links, rtl),
                "trainings": self._trainings(audience, filters, links, rtl),
                "participants": participants_chart(values, rtl),
                "partnerships": self._partnerships(audience, filters, links, rtl),
                "offices": self._offices(offices, per_office, links, rtl),
            }
            return {name: (str(charts.to_json(figure)), charts.state(figure))
                    for name, figure in figures.items()}

        # the charts as sent, until a write: their links are those the user may open (the
        # same for everyone of the same role and office) and their words in the user's
        # language
        drawn = cached("charts", (audience, access.profile(current_user), language(),
                                  request.script_root, filters_key(filters)), build)
        states = {name: state for name, (_text, state) in drawn.items()}
        if values["cases.total"] is None:  # the outcomes of cases this reader may not see
            states["outcomes"] = "hidden"
        if states["participants"] == "empty" and any(
                values[keys[0]] for keys in PARTICIPANT_KEYS.values()):
            states["participants"] = "no_split"  # people took part; no record splits them
        context.update(participant_rows=participant_rows(values), chart_states=states)
        context.update(approved_note=approved_note())
        if filters.campaign is not None:
            context.update(campaign_note=campaign_note(filters.campaign))
        if request.args.get("coverage") == "1":
            context.update(coverage=evidence_coverage(audience, filters, CARD_KEYS))
        context.update(card_targets=targets_for_filters(filters, audience, CARD_KEYS))
        return self.render(
            "dashboard/index.html", filters=filters, previous=previous, cards=cards,
            activity_views=[_("All work"), *(BY_KEY[key].label for key in ACTIVITY_KEYS)],
            values=values, kpis=KPIS, outcome_rows=self._outcome_rows(values),
            figures={name: Markup(text) for name, (text, _state) in drawn.items()},
            ignored=self._ignored(filters),
            monitoring=monitoring.section(audience, filters, links, rtl, _months, _month_span),
            detainees=detainees_section(values, links),
            annual_report=access.has_feature(current_user, "annual_report"),
            **context)

    @staticmethod
    def _card(key: str, sub: str | None, values: Figures, before: Figures | None,
              links: Links):
        """A KPI card: label, value (or why it is hidden), change and the link to the
        records behind it."""
        return {
            "key": key, "label": BY_KEY[key].label, "value": values[key],
            "hidden": values.hidden.get(key), "shown": values.shown(key),
            "change": _change(values[key], before[key] if before else None),
            "url": links.url(key) if values[key] is not None else None,
            "sub": {"label": BY_KEY[sub].label, "shown": values.shown(sub)} if sub else None,
        }

    @staticmethod
    def _ignored(filters: Filters) -> list:
        """The figures a filter does not apply to, so the page can say so."""
        asked = [name for name in ("office", "track", "project") if getattr(filters, name)]
        return [str(kpi.label) for kpi in KPIS
                if any(name not in kpi.dimensions for name in asked)]

    @staticmethod
    def _outcome_shares(values: Figures) -> tuple[list[int], list[float]]:
        """The outcomes shown, then the hidden ones together (the total less those shown,
        which anyone can work out), and the share of each of all cases."""
        counts = [int(value) for key in OUTCOME_KEYS if (value := values[key]) is not None]
        if (total := values["cases.total"]) is not None and len(counts) < len(OUTCOME_KEYS):
            counts.append(int(total) - sum(counts))
        return counts, charts.percentages(counts)

    @classmethod
    def _outcome_rows(cls, values: Figures) -> list[tuple]:
        """Each consultation outcome with its count and its share of all cases, or the word
        standing for both when it is hidden."""
        _counts, shares = cls._outcome_shares(values)
        shown = iter(shares)
        return [(BY_KEY[key].label, values.shown(key), next(shown))
                if values[key] is not None else (BY_KEY[key].label, values.shown(key), None)
                for key in OUTCOME_KEYS]

    @classmethod
    def _outcomes(cls, values: Figures, links: Links, rtl: bool):
        """The donut of consultation outcomes, with the cases that have none as a slice and
        the hidden outcomes together as another."""
        keys = [key for key in OUTCOME_KEYS if values[key] is not None]
        counts, _shares = cls._outcome_shares(values)
        labels = [str(BY_KEY[key].label) for key in keys]
        if len(counts) > len(keys):
            labels.append(_("Hidden outcomes, together"))
        return charts.outcomes(labels, counts,
                               [links.url(key) or "" for key in keys] + [""] * (
                                   len(counts) - len(keys)), rtl)

    @staticmethod
    def _activity(audience: Audience, tracks: list, filters: Filters, links: Links,
                  rtl: bool):
        """Records logged per month, stacked by track; a selector picks the kind of work."""
        rows = visible_breakdown(audience, filters, ACTIVITY_KEYS, ("track", "month"))
        found = sorted({month for _track, month in rows if month})
        months = _months(found[0], found[-1]) if found else []
        by_id = {track.id: track for track in tracks}
        track_ids = [t.id for t in tracks] + ([None] if any(t is None for t, _m in rows)
                                              else [])
        # each track's monthly figures of each kind of work, filled in one pass over the rows
        position = {month: n for n, month in enumerate(months)}
        grid: dict[tuple, list[float]] = {(track_id, key): [0] * len(months)
                                          for track_id in track_ids for key in ACTIVITY_KEYS}
        for (track_id, month), row in rows.items():
            for key, value in row.items():
                if month and (track_id, key) in grid:
                    grid[track_id, key][position[month]] = value
        # each month's days, as a link to the records behind a bar takes them
        spans = ["+to+".join(d.isoformat() for d in _month_span(m, filters)) for m in months]

        def series(keys: tuple[str, ...], drill: bool) -> list[tuple[str, list, str]]:
            result = []
            for track_id in track_ids:
                track = by_id.get(track_id)
                values = (grid[track_id, keys[0]] if len(keys) == 1 else
                          list(map(sum, zip(*(grid[track_id, key] for key in keys),
                                            strict=True))))
                link = (links.url(keys[0], template=True, track=track)
                        if drill and track is not None else None) or ""
                result.append((_name(track) if track else _("No track"), values, link))
            return result

        views = [(_("All work"), series(ACTIVITY_KEYS, drill=False))]
        views += [(str(BY_KEY[key].label), series((key,), drill=True)) for key in ACTIVITY_KEYS]
        return charts.over_time(months, spans, views, rtl)

    @staticmethod
    def _trainings(audience: Audience, filters: Filters, links: Links, rtl: bool):
        """Hours, participants and trainers, stacked by kind of training."""
        rows = visible_breakdown(audience, filters, TRAINING_KEYS, ("training_kind",))
        series = []
        for code, label in TRAINING_KINDS:
            url = links.url("trainings.total", where=(Cond("training_kind", "eq", code),)) or ""
            series.append((str(label), [rows.get((code,), {}).get(k, 0) for k in TRAINING_KEYS],
                           [url] * len(TRAINING_KEYS)))
        return charts.grouped([str(BY_KEY[k].label) for k in TRAINING_KEYS], series, rtl,
                              mode="stack")

    @staticmethod
    def _partnerships(audience: Audience, filters: Filters, links: Links, rtl: bool):
        """Partnerships active in the period, by the partner's origin."""
        rows = visible_breakdown(audience, filters, ("partnerships.total",), ("origin",))
        return charts.bars(
            [str(label) for _code, label in ORIGINS],
            [rows.get((code,), {}).get("partnerships.total", 0) for code in ORIGINS.codes],
            [links.url("partnerships.total", where=(Cond("origin", "eq", code),)) or ""
             for code in ORIGINS.codes], rtl)

    @staticmethod
    def _offices(offices: list, totals: dict[int, Figures], links: Links, rtl: bool):
        """One small chart per kind of work, the offices in each on its own scale (no bar
        where a figure is hidden)."""
        shown = [office for office in offices if office.id in totals
                 and any(totals[office.id].values.values())]
        return charts.small_multiples(
            [str(BY_KEY[key].label) for key in OFFICE_KEYS], [_name(o) for o in shown],
            [[totals[o.id][key] for key in OFFICE_KEYS] for o in shown],
            [[(links.url(key, office=o) if totals[o.id][key] is not None else None) or ""
              for key in OFFICE_KEYS] for o in shown], rtl)

"""Links from a figure to the admin list of the records behind it, filtered the same way.

Flask-Admin names list filters `flt<position>_<index of the filter in the view>`; the index
is looked up in each view's filters, so the links follow the views' `column_filters`. A link
is only offered when every condition of the figure can be said with the view's filters.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask import request, url_for
from flask_admin.contrib.sqla import filters as sqla

from coalition import access
from coalition.extensions import kept
from coalition.kpis.definitions import ACTIVE, ALWAYS, BY_KEY, DATED, OPEN_AT_END, Cond, Kpi
from coalition.kpis.figure_cache import filters_key, plain
from coalition.kpis.filters import FILTER_MODELS, Filters

#: stands for a point's period in a link template; the page puts "YYYY-MM-DD+to+YYYY-MM-DD"
PERIOD = "__period__"

#: condition operator -> (Flask-Admin filter class, subclasses that mean something else)
OPERATORS: dict[str, tuple[type[Any], tuple[type[Any], ...]]] = {
    "eq": (sqla.FilterEqual, ()),
    "ne": (sqla.FilterNotEqual, ()),
    "in": (sqla.FilterInList, (sqla.FilterNotInList,)),
    "empty": (sqla.FilterEmpty, ()),
    "between": (sqla.DateBetweenFilter, (sqla.DateNotBetweenFilter,)),
    "gt": (sqla.FilterGreater, ()),
    "lt": (sqla.FilterSmaller, ()),
}


def _where(column) -> tuple[str, str]:
    """A column's table and name, whichever way SQLAlchemy hands it over."""
    column = getattr(column, "expression", column)
    return column.table.name, column.name


def _text(value: Any) -> str:
    """A condition's value as the list filter reads it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _period(kpi: Kpi, start: date | None, end: date | None) -> list[tuple] | None:
    """The list conditions of the period on the KPI's dates (None if a list cannot say it)."""
    if kpi.period == ALWAYS:
        return []
    if kpi.period == DATED:
        when = kpi.day()
        if start is not None and end is not None:
            return [(when, "between", f"{start.isoformat()} to {end.isoformat()}")]
        if start is not None:
            return [(when, "gt", start - timedelta(days=1))]
        if end is not None:
            return [(when, "lt", end + timedelta(days=1))]
        return []
    if kpi.period == OPEN_AT_END and end is None:
        return [(kpi.end(), "empty", True)]
    if kpi.period == ACTIVE and start is None and end is None:
        return []
    return None  # "ended after the start, or never" is an OR the list filters cannot say


def _named(value: Any) -> Any:
    """A filter's value as a key, an office, track, project or campaign with its code too
    (a link names the code)."""
    return plain(value), getattr(value, "code", None)


def made() -> dict[tuple, str | None]:
    """The app's links already worked out, by all they depend on: the user's profile, the
    filters, the figure and its conditions — never the records counted, so a write leaves
    them right."""
    return kept("drilldown_links", 20_000)


class Links:
    """Drill-down links for one user and one set of filters (none without the right)."""

    def __init__(self, admin: Any, user: Any, filters: Filters) -> None:
        self.user, self.filters = user, filters
        self.allowed = access.has_feature(user, "drilldown")
        self.views = {getattr(v, "model", None): v for v in admin._views}
        self.asked = (access.profile(user), request.script_root, filters_key(filters),
                      tuple(_named(getattr(filters, name)) for name in FILTER_MODELS))

    def url(self, key: str, where: Iterable[Cond] = (), template: bool = False,
            **overrides: Any) -> str | None:
        """The admin list behind KPI `key`, narrowed by `where` and filter `overrides`.

        A `template` has PERIOD where the dates go, so a chart with a bar per month carries
        one link per series and each bar only its dates. A dashboard asks for a hundred,
        the same for everyone of a profile until the filters change: each is kept.
        """
        where = tuple(where)
        memo = (self.asked, key, where, template,
                tuple((name, _named(value)) for name, value in sorted(overrides.items())))
        links = made()
        try:
            return links[memo]
        except KeyError:
            links[memo] = link = self._url(key, where, template, **overrides)
            return link
        except TypeError:  # a condition's value that cannot be a key (a list)
            return self._url(key, where, template, **overrides)

    def _url(self, key: str, where: tuple[Cond, ...], template: bool,
             **overrides: Any) -> str | None:
        """The link `url` gives, worked out."""
        kpi = BY_KEY[key]
        filters = replace(self.filters, **overrides) if overrides else self.filters
        view = self.views.get(kpi.model)
        office = filters.ids("office") if "office" in kpi.dimensions else None
        if not self.allowed or view is None or not access.can(
                self.user, access.READ, kpi.model.__tablename__, office):
            return None
        if template:
            dated = kpi.period == DATED
            needs = [(kpi.day(), "between", PERIOD)] if dated else None
        else:
            needs = _period(kpi, filters.start, filters.end)
        if needs is None:
            return None
        needs += [c.listed(kpi.model) for c in (*kpi.where, *where)]
        for name in kpi.dimensions:
            if (record := getattr(filters, name)) is not None:
                needs.append((FILTER_MODELS[name].code, "eq", record.code))
        if filters.campaign is not None:  # a list filters work by its campaign's code
            if not hasattr(kpi.model, "campaign_id"):
                return None
            needs.append((FILTER_MODELS["campaign"].code, "eq", filters.campaign.code))
        args: dict[str, Any] = {}
        for position, (column, op, value) in enumerate(needs):
            arg = self._arg(view, column, op)
            if arg is None:
                return None
            args[f"flt{position}_{arg}"] = _text(value)
        return url_for(f"{view.endpoint}.index_view", **args)

    @staticmethod
    def _arg(view, column, op: str) -> str | None:
        """The view's name for a filter of `op` on `column` (None if it has none)."""
        return _filter_arg(view, _where(column), op)


@cache
def _filter_arg(view: Any, target: tuple[str, str], op: str) -> str | None:
    """Look up a view's filter once; views and their filters live as long as the app."""
    wanted, others = OPERATORS[op]
    for arg, (_index, flt) in (view._filter_args or {}).items():
        if (isinstance(flt, wanted) and not isinstance(flt, others)
                and not isinstance(flt.column, str) and _where(flt.column) == target):
            return arg
    return None

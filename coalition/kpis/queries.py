"""The SQL behind the KPI definitions: one SELECT per table with conditional aggregates."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, extract, func, or_, select

from coalition.extensions import db
from coalition.kpis.definitions import (
    ACTIVE,
    ALWAYS,
    BY_KEY,
    DATED,
    DIMENSIONS,
    KPIS,
    OPEN_AT_END,
    Cond,
    Kpi,
)
from coalition.kpis.filters import Filters

Number = int | float


def condition(kpi: Kpi, cond: Cond):
    """The SQL of one of a KPI's conditions."""
    column = kpi.column(cond.column)
    if cond.op == "eq":
        return column == cond.value
    if cond.op == "ne":
        return column != cond.value
    if cond.op == "in":
        return column.in_(cond.value)
    if cond.op == "empty":
        return column.is_(None) if cond.value else column.is_not(None)
    raise ValueError(cond.op)


def in_period(kpi: Kpi, start: date | None, end: date | None) -> list:
    """The SQL conditions that put a record of `kpi` in the period [start, end]."""
    if kpi.period == ALWAYS:
        return []
    when = kpi.column(kpi.date)
    conditions = []
    if kpi.period == DATED:
        if start is not None:
            conditions.append(when >= start)
        if end is not None:
            conditions.append(when <= end)
    elif kpi.period == OPEN_AT_END:
        until = kpi.column(kpi.until)
        if end is None:
            conditions.append(until.is_(None))
        else:
            conditions += [when <= end, or_(until.is_(None), until > end)]
    elif kpi.period == ACTIVE:
        until = kpi.column(kpi.until)
        if end is not None:
            conditions.append(when <= end)
        if start is not None:
            conditions.append(or_(until.is_(None), until >= start))
    return conditions


def _aggregate(kpi: Kpi, start: date | None, end: date | None):
    """count(*) or sum(total), FILTERed to the KPI's records in the period."""
    conditions = [*(condition(kpi, c) for c in kpi.where), *in_period(kpi, start, end)]
    if kpi.total is None:
        value = func.count()
    else:
        value = func.sum(kpi.column(kpi.total))
    if conditions:
        value = value.filter(and_(*conditions))
    return value if kpi.total is None else func.coalesce(value, 0)


def _scope(kpis: Sequence[Kpi], periods: Sequence[Filters]) -> list:
    """The WHERE shared by a table's KPIs: no trash, the filters, the span of the periods."""
    first = kpis[0]
    model = first.model
    where = [model.deleted_at.is_(None)]
    for name in first.dimensions:
        if (record_id := periods[0].ids(name)) is not None:
            where.append(getattr(model, DIMENSIONS[name]) == record_id)
    # every dated, open-at-end and active record starts on or before the period's end
    if first.date and all(k.date == first.date and k.period != ALWAYS for k in kpis):
        when = first.column(first.date)
        if all(p.end for p in periods):
            where.append(when <= max(p.end for p in periods))
        if all(k.period == DATED for k in kpis) and all(p.start for p in periods):
            where.append(when >= min(p.start for p in periods))
    return where


def _by_table(keys: Iterable[str] | None) -> dict[tuple, list[Kpi]]:
    """The KPIs asked for, grouped by the table (and filters) they are computed in."""
    groups: dict[tuple, list[Kpi]] = defaultdict(list)
    for kpi in KPIS if keys is None else (BY_KEY[key] for key in keys):
        groups[(kpi.model, kpi.dimensions)].append(kpi)
    return groups


def number(value) -> Number:
    """A figure as JSON shows it best: a whole number when it is one."""
    if value is None:
        return 0
    if isinstance(value, Decimal | float):
        return int(value) if value == int(value) else round(float(value), 2)
    return int(value)


def compute_periods(periods: Sequence[Filters],
                    keys: Iterable[str] | None = None) -> list[dict[str, Number]]:
    """The KPIs for each period (same office, track and project), one SELECT per table."""
    results: list[dict[str, Number]] = [{} for _ in periods]
    for kpis in _by_table(keys).values():
        columns = [_aggregate(kpi, p.start, p.end) for p in periods for kpi in kpis]
        row = db.session.execute(select(*columns).where(*_scope(kpis, periods))).one()
        for i, value in enumerate(row):
            results[i // len(kpis)][kpis[i % len(kpis)].key] = number(value)
    order = list(BY_KEY) if keys is None else list(keys)
    return [{key: result[key] for key in order} for result in results]


def compute(filters: Filters, keys: Iterable[str] | None = None) -> dict[str, Number]:
    """The KPIs (all, or those named) under the filters."""
    return compute_periods([filters], keys)[0]


def _group_column(kpi: Kpi, name: str):
    """The SQL a breakdown groups by: office, track, project, month (YYYYMM) or a column."""
    if name == "month":
        when = kpi.column(kpi.date)
        return extract("year", when) * 100 + extract("month", when)
    return kpi.column(DIMENSIONS.get(name, name))


def _group_value(name: str, value):
    """A group's value as the charts use it (months as YYYY-MM)."""
    if name == "month" and value is not None:
        value = int(value)
        return f"{value // 100:04d}-{value % 100:02d}"
    return value


def breakdown(filters: Filters, keys: Iterable[str],
              by: Sequence[str]) -> dict[tuple, dict[str, Number]]:
    """The KPIs grouped by `by` (e.g. office and month), one grouped SELECT per table."""
    result: dict[tuple, dict[str, Number]] = defaultdict(dict)
    for kpis in _by_table(keys).values():
        groups = [_group_column(kpis[0], name) for name in by]
        columns = [_aggregate(kpi, filters.start, filters.end) for kpi in kpis]
        query = select(*groups, *columns).where(*_scope(kpis, [filters])).group_by(*groups)
        for row in db.session.execute(query):
            group = tuple(_group_value(n, v) for n, v in zip(by, row[:len(by)], strict=True))
            for kpi, value in zip(kpis, row[len(by):], strict=True):
                result[group][kpi.key] = number(value)
    return dict(result)

"""The SQL behind the KPI definitions: one SELECT per table with conditional aggregates."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import String, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from coalition.database import db
from coalition.kpis import rollups
from coalition.kpis.conditions import conditions_key, record_conditions
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
from coalition.kpis.figure_cache import cached_at, filters_key
from coalition.kpis.filters import Filters

Number = int | float

#: the SELECTs on the rollups, built once a process for each question (`_built`)
_BUILT: dict[tuple, Any] = {}
_BUILT_AT_MOST = 512


def _built(parts: tuple, build: Callable[[], Any]) -> Any:
    """The statement `build` makes for `parts`, built once a process: after a write the same
    questions are asked again, and building their SQL expressions (a condition per figure
    and office) cost several times running them. `parts` names everything the statement is
    built from (the table, the KPIs and every filter); it holds no data, only SQL."""
    found = _BUILT.get(parts)
    if found is None:
        if len(_BUILT) >= _BUILT_AT_MOST:
            _BUILT.clear()
        found = _BUILT[parts] = build()
    return found


def condition(kpi: Kpi, cond: Cond) -> Any:
    """The SQL of one of a KPI's conditions."""
    return cond.sql(kpi.model)


def in_period(kpi: Kpi, start: date | None, end: date | None) -> list:
    """The SQL conditions that put a record of `kpi` in the period [start, end]."""
    if kpi.period == ALWAYS:
        return []
    when = kpi.day()
    conditions = []
    if kpi.period == DATED:
        if start is not None:
            conditions.append(when >= start)
        if end is not None:
            conditions.append(when <= end)
    elif kpi.period == OPEN_AT_END:
        until = kpi.end()
        if end is None:
            conditions.append(until.is_(None))
        else:
            conditions += [when <= end, or_(until.is_(None), until > end)]
    elif kpi.period == ACTIVE:
        until = kpi.end()
        if end is not None:
            conditions.append(when <= end)
        if start is not None:
            conditions.append(or_(until.is_(None), until >= start))
    return conditions


def _aggregate(kpi: Kpi, start: date | None, end: date | None, extra: Sequence = ()):
    """count(*) or sum(total), FILTERed to the KPI's records in the period (and `extra`)."""
    conditions = [*(condition(kpi, c) for c in kpi.where), *in_period(kpi, start, end), *extra]
    value: Any
    if kpi.total is None:
        value = func.count()
    else:
        value = func.sum(kpi.column(kpi.total))
    if conditions:
        value = value.filter(and_(*conditions))
    return value if kpi.total is None else func.coalesce(value, 0)


def _dimensions(kpi: Kpi, filters: Filters) -> set[tuple[str, int]]:
    """(column, id) of each office, track or project filter the KPI honours."""
    return {(DIMENSIONS[name], office) for name in kpi.dimensions
            if (office := filters.ids(name)) is not None}


def _scope(kpis: Sequence[Kpi], asks: Sequence[Filters]) -> tuple[list, list[list]]:
    """The WHERE shared by a table's KPIs under several filters (no trash, the filters they
    share, the span of their periods), and what each filters adds in its FILTER clauses."""
    first = kpis[0]
    model = first.model
    wanted = [_dimensions(first, filters) for filters in asks]
    shared = set.intersection(*wanted)
    where = [model.deleted_at.is_(None), *(getattr(model, c) == v for c, v in sorted(shared))]
    # every dated, open-at-end and active record starts on or before the period's end
    if first.date and all(k.date == first.date and k.period != ALWAYS for k in kpis):
        when = first.day()
        ends = [f.end for f in asks if f.end]
        if len(ends) == len(asks):
            where.append(when <= max(ends))
        starts = [f.start for f in asks if f.start]
        if all(k.period == DATED for k in kpis) and len(starts) == len(asks):
            where.append(when >= min(starts))
    extra = [[getattr(model, c) == v for c, v in sorted(own - shared)] for own in wanted]
    # approved months only, with evidence, a campaign: for every ask in the WHERE, else in
    # each ask's FILTER clauses
    if all(conditions_key(f) == conditions_key(asks[0]) for f in asks):
        where += record_conditions(model, asks[0])
    else:
        extra = [own + record_conditions(model, filters) for own, filters in zip(extra, asks,
                                                                             strict=True)]
    return where, extra


def _by_table(keys: Iterable[str] | None) -> dict[tuple, list[Kpi]]:
    """The KPIs asked for, grouped by the table (and filters) they are computed in."""
    groups: dict[tuple, list[Kpi]] = defaultdict(list)
    for kpi in KPIS if keys is None else (BY_KEY[key] for key in keys):
        groups[(kpi.model, kpi.dimensions)].append(kpi)
    return groups


def number(value: Any) -> Number:
    """A figure as JSON shows it best: a whole number when it is one."""
    if value is None:
        return 0
    if type(value) is int:
        return value
    if isinstance(value, Decimal | float):
        return int(value) if value == int(value) else round(float(value), 2)
    return int(value)


def _reach(kpi: Kpi, filters: Filters) -> tuple[date | None, date | None]:
    """The span of record dates a KPI reads under the filters (None: open)."""
    if kpi.period == DATED:
        return filters.start, filters.end
    if kpi.period == ALWAYS:
        return None, None
    return None, filters.end  # open at the end, or active: every record started by then


def _until(table, kpi: Kpi, filters: Filters) -> list:
    """The conditions on the end date of an OPEN_AT_END or ACTIVE KPI, on a rollup."""
    if kpi.until is None:
        return []
    until = table.c[kpi.until]
    if kpi.period == OPEN_AT_END:
        return [until.is_(None) if filters.end is None
                else or_(until.is_(None), until > filters.end)]
    if kpi.period == ACTIVE and filters.start is not None:
        return [or_(until.is_(None), until >= filters.start)]
    return []


def _spans(rollup: rollups.Rollup, kpi: Kpi, filters: Filters,
           grains: Sequence[str] = rollups.GRAINS) -> tuple[rollups.Span, ...]:
    """The rollup rows a KPI reads under the filters: its period as whole years, months and
    days (`rollups.spans`)."""
    return tuple(rollups.spans(*_reach(kpi, filters),
                               grains=grains if rollup.date else ("y",)))


def _from_rollup(rollup: rollups.Rollup, asked: list[tuple[int, Kpi]],
                 asks: Sequence[tuple[Filters, object]]) -> Any:
    """The SELECT of the figures asked of one table, from its rollup.

    Each set of spans the periods asked make is written once, as a flag of each rollup row
    that the figures' FILTERs read: hundreds of figures (a donor workbook's) stay a short
    statement, quick to compile and to run.
    """
    table = rollup.table
    reached: dict[tuple, Any] = {}
    spanned = []
    for n, kpi in asked:
        parts = _spans(rollup, kpi, asks[n][0])
        if parts not in reached:
            reached[parts] = rollups.in_spans(table, parts)
        spanned.append(parts)
    flags = {parts: f"s{number}" for number, parts in enumerate(reached)}
    kept = ({rollup.measure(kpi) for _n, kpi in asked} | {kpi.until for _n, kpi in asked
                                                         if kpi.until}
            | {DIMENSIONS[name] for _n, kpi in asked for name in kpi.dimensions})
    rows = select(*(table.c[name] for name in sorted(kept)),
                  *(condition.label(flags[parts]) for parts, condition in reached.items())
                  ).where(or_(*reached.values())).subquery()
    columns = []
    for (n, kpi), parts in zip(asked, spanned, strict=True):
        filters = asks[n][0]
        conditions = [rows.c[flags[parts]], *_until(rows, kpi, filters),
                      *(rows.c[DIMENSIONS[name]] == filters.ids(name)
                        for name in kpi.dimensions if filters.ids(name) is not None)]
        columns.append(func.coalesce(func.sum(rows.c[rollup.measure(kpi)]).filter(
            and_(*conditions)), 0))
    return select(*columns)


def _read_rollup(parts: tuple, rollup: rollups.Rollup, asked: list[tuple[int, Kpi]],
                 asks: Sequence[tuple[Filters, object]]) -> tuple:
    """The figures asked of one table, read from its rollup: one SELECT."""
    statement = _built(("rolled", *parts), partial(_from_rollup, rollup, asked, asks))
    return tuple(db.session.execute(statement).one())


def compute_many(asks: Sequence[tuple[Filters, Iterable[str] | None]],
                 direct: bool = False) -> list[dict[str, Number]]:
    """Several sets of KPIs (None: all), each under its own filters (another period, another
    office…), with one SELECT per table: each figure is a FILTERed aggregate of its rollup,
    or (`direct`, or while the rollup is stale) of its records."""
    wanted = [list(BY_KEY) if keys is None else list(keys) for _filters, keys in asks]
    tables: dict[tuple, list[tuple[int, Kpi]]] = defaultdict(list)
    for index, keys in enumerate(wanted):
        for table, kpis in _by_table(keys).items():
            tables[table] += [(index, kpi) for kpi in kpis]
    results: list[dict[str, Number]] = [{} for _ in asks]
    versions, ready = ({}, {}) if direct else rollups.usable()
    asked_keys = {n: filters_key(filters) for n, (filters, _keys) in enumerate(asks)}
    for every in tables.values():
        model = every[0][1].model
        rollup = ready.get(model)
        # the rollups know neither approved months, nor files, nor campaigns: those asks
        # read the records (the direct SQL, which the rollups match exactly without them)
        rolled = [(n, kpi) for n, kpi in every if rollup is not None
                  and not record_conditions(kpi.model, asks[n][0])]
        if rolled and rollup is not None:
            parts = (model.__tablename__, tuple((kpi.key, n) for n, kpi in rolled),
                     tuple(asked_keys[n] for n in sorted({n for n, _kpi in rolled})))
            row = cached_at(versions.get(model), "rolled", parts,
                            partial(_read_rollup, parts, rollup, rolled, asks))
            for (n, kpi), value in zip(rolled, row, strict=True):
                results[n][kpi.key] = number(value)
        asked = [(n, kpi) for n, kpi in every if (n, kpi) not in rolled]
        if not asked:
            continue
        numbers = sorted({n for n, _kpi in asked})
        where, extra = _scope([kpi for _n, kpi in asked], [asks[n][0] for n in numbers])
        own = dict(zip(numbers, extra, strict=True))
        columns = [_aggregate(kpi, asks[n][0].start, asks[n][0].end, own[n])
                   for n, kpi in asked]
        row = db.session.execute(select(*columns).where(*where)).one()
        for (n, kpi), value in zip(asked, row, strict=True):
            results[n][kpi.key] = number(value)
    return [{key: result[key] for key in keys} for result, keys in zip(results, wanted,
                                                                      strict=True)]


def compute(filters: Filters, keys: Iterable[str] | None = None,
            direct: bool = False) -> dict[str, Number]:
    """The KPIs (all, or those named) under the filters."""
    return compute_many([(filters, keys)], direct=direct)[0]


def _group_column(kpi: Kpi, name: str):
    """The column a breakdown groups by: office, track, project or a column of the model."""
    return kpi.column(DIMENSIONS.get(name, name))


class month_of(FunctionElement):
    """YYYY-MM of a date, in SQL (SQLite keeps dates as YYYY-MM-DD text)."""

    type = String()
    name = "month_of"
    inherit_cache = True


@compiles(month_of)
def _month_of(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


def _grouped(kpis: Sequence[Kpi], filters: Filters, by: Sequence[str]):
    """The SELECT of a table's KPIs grouped by `by`.

    By month, the records are first grouped by day (in the order of the KPI index, so
    without sorting them) and the days then summed up by month.
    """
    others = [name for name in by if name != "month"]
    columns = [_group_column(kpis[0], name).label(f"g_{name}") for name in others]
    values = [_aggregate(kpi, filters.start, filters.end).label(f"v{i}")
              for i, kpi in enumerate(kpis)]
    where, _extra = _scope(kpis, [filters])
    if "month" not in by:
        return select(*columns, *values).where(*where).group_by(*columns)
    day = kpis[0].day().label("g_day")
    days = select(day, *columns, *values).where(*where).group_by(day, *columns).subquery()
    groups: dict[str, Any] = {name: days.c[f"g_{name}"] for name in others}
    groups["month"] = month_of(days.c.g_day)
    ordered = [groups[name] for name in by]
    sums = [func.sum(days.c[f"v{i}"]) for i in range(len(kpis))]
    return select(*ordered, *sums).group_by(*ordered)


def _groupable(rollup: rollups.Rollup, by: Sequence[str]) -> bool:
    """Whether the rollup keeps what `by` groups on."""
    if "month" in by and not rollup.date:
        return False
    return all(DIMENSIONS.get(name, name) in rollup.keys for name in by if name != "month")


def _grouped_rollup(rollup: rollups.Rollup, kpis: Sequence[Kpi], filters: Filters,
                    by: Sequence[str]):
    """The SELECT of a table's KPIs grouped by `by`, from its rollup (`_groupable`)."""
    table = rollup.table
    names = {name: DIMENSIONS.get(name, name) for name in by if name != "month"}
    grains = ("m", "d") if "month" in by else rollups.GRAINS
    # by month: by the cells' first days, in the order of the rollup's index on (grain,
    # track, day) without sorting, then added up by month (`_by_month`)
    groups = [table.c.day if name == "month" else table.c[names[name]] for name in by]
    values, reached = [], {}
    for kpi in kpis:
        parts = _spans(rollup, kpi, filters, grains)
        if parts not in reached:
            reached[parts] = rollups.in_spans(table, parts)
        conditions = [reached[parts], *_until(table, kpi, filters)]
        values.append(func.coalesce(
            func.sum(table.c[rollup.measure(kpi)]).filter(and_(*conditions)), 0))
    shared = [table.c[DIMENSIONS[name]] == filters.ids(name) for name in kpis[0].dimensions
              if filters.ids(name) is not None]
    return (select(*groups, *values).where(or_(*reached.values()), *shared)
            .group_by(*groups))


def _figures_by_group(rows: Iterable[Sequence], kpis: Sequence[Kpi],
                      width: int) -> dict[tuple, dict[str, Number]]:
    """Grouped rows (the `width` group columns, then one value per KPI) as each group's
    figures, noughts left out: a nought is no figure (a rollup keeps cells that fell to
    nought, the records have none)."""
    keys = [kpi.key for kpi in kpis]
    found: dict[tuple, dict[str, Number]] = {}
    for row in rows:
        figures = {key: number(value) for key, value in zip(keys, row[width:], strict=True)
                   if value}
        if figures:
            found[tuple(row[:width])] = figures
    return found


def _read_grouped(parts: tuple, rollup: rollups.Rollup, kpis: Sequence[Kpi],
                  filters: Filters, by: Sequence[str]) -> dict[tuple, dict[str, Number]]:
    """A table's KPIs grouped by `by`, read from its rollup."""
    statement = _built(("grouped", *parts),
                       partial(_grouped_rollup, rollup, kpis, filters, by))
    rows: Iterable[Sequence] = db.session.execute(statement)
    if "month" in by:
        rows = _by_month(rows, by.index("month"), len(by))
    return _figures_by_group(rows, kpis, len(by))


def _by_month(rows: Iterable[Sequence], at: int, width: int) -> list[tuple]:
    """Rows grouped by a cell's first day (column `at`), added up by its month (YYYY-MM):
    a month's cell, or the days of a month at the edges of the period."""
    months: dict[tuple, list] = {}
    for row in rows:
        day = row[at]
        month = None if day is None else f"{day.year:04d}-{day.month:02d}"
        group = (*row[:at], month, *row[at + 1:width])
        found = months.get(group)
        if found is None:
            months[group] = list(row[width:])
        else:
            for n, value in enumerate(row[width:]):
                found[n] = (found[n] or 0) + (value or 0)
    return [(*group, *values) for group, values in months.items()]


def breakdown(filters: Filters, keys: Iterable[str], by: Sequence[str],
              direct: bool = False) -> dict[tuple, dict[str, Number]]:
    """The KPIs grouped by `by` (office, track, project, month or a column of the records),
    one grouped SELECT per table; noughts, and so groups where every figure is nought,
    are left out."""
    result: dict[tuple, dict[str, Number]] = {}
    versions, ready = ({}, {}) if direct else rollups.usable()
    asked = filters_key(filters)
    for kpis in _by_table(keys).values():
        model = kpis[0].model
        rollup = ready.get(model)
        if record_conditions(model, filters):
            rollup = None  # the rollups know neither approved months, files nor campaigns
        found: dict[tuple, dict[str, Number]]
        if rollup is None or not _groupable(rollup, by):
            found = _figures_by_group(db.session.execute(_grouped(kpis, filters, by)), kpis,
                                      len(by))
        else:
            # kept as figures, not rows: after a write, only the table written is read and
            # turned into figures again
            parts = (model.__tablename__, tuple(kpi.key for kpi in kpis), asked, tuple(by))
            found = cached_at(versions.get(model), "rolled figures", parts,
                              partial(_read_grouped, parts, rollup, kpis, filters, by))
        for group, figures in found.items():  # the cached dicts are shared: merged, not changed
            if group in result:
                result[group] = {**result[group], **figures}
            else:
                result[group] = figures
    return result

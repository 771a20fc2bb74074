"""Which figures a reader may see under which filters: one decision for every path.

The dashboard (cards and charts), the API, `flask kpis --user/--as-role`, the donor workbook
and every figure to come read the computed figures through `figures()`; nothing else
decides. A figure declared `sensitive` in the definitions is need-to-know, by the access
rules of the records it counts:

- who reads those records in every office (admins, leadership) sees it as it is;
- who reads them in their own office only (coordinators) sees it for that office only; for
  another office or the coalition it is RESTRICTED;
- who reads none of them but sees figures (donors) sees aggregates: a BREAKDOWN between 1
  and `below` - 1 is SUPPRESSED, and so are enough other cells (secondary suppression) that
  no suppressed cell can be worked out from a total or from the other cells of its row or
  column. The donor workbook is for donors: it shows aggregates whoever makes it.

Suppression is decided on the whole table of sensitive figures — every office and the
coalition, under the same period, track and project — so a cell is hidden or shown alike
whichever office is asked for and whoever asks: the pattern depends on the records and the
filters only. Anything that caches figures as shown must key them by `Audience` too, as
`figures()` and `visible_breakdown()` do (`coalition.kpis.figure_cache`).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from math import gcd
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from coalition import access
from coalition.database import db
from coalition.kpis.definitions import BREAKDOWN, BY_KEY, KPIS, LINES, Kpi
from coalition.kpis.figure_cache import cached, filters_key
from coalition.kpis.filters import Filters
from coalition.kpis.queries import Number, breakdown, compute_many
from coalition.offices.models import Office

#: how an audience reads a figure
EXACT, AGGREGATE = "exact", "aggregate"
#: why a figure is hidden
RESTRICTED, SUPPRESSED = "restricted", "suppressed"

SENSITIVE: tuple[Kpi, ...] = tuple(kpi for kpi in KPIS if kpi.sensitive)
#: the kinds of record whose access rules decide who sees the sensitive figures
KINDS: tuple[str, ...] = tuple(sorted({kpi.model.__tablename__ for kpi in SENSITIVE}
                                      | {"monitoring_figures"}))  # see Audience.public
#: the order cells are considered in, so the same records always hide the same cells
ORDER = {kpi.key: number for number, kpi in enumerate(KPIS)}

#: a cell of a table of sensitive figures: a KPI's key and an office id (None: coalition)
Cell = tuple[str, int | None]


def suppress_below() -> int:
    """The small-cell threshold (DONOR_SUPPRESS_BELOW, default 5; 0 or 1 turns it off)."""
    return int(current_app.config.get("DONOR_SUPPRESS_BELOW", 5))


def marker(reason: str) -> str:
    """What stands in the place of a hidden figure, in the user's language."""
    return _("hidden") if reason == SUPPRESSED else _("not shown")


@dataclass(frozen=True)
class Reader:
    """A role and an office standing for a user (the commands' --as-role)."""

    role: str
    office_id: int | None = None
    is_authenticated: bool = True
    active: bool = True


@dataclass(frozen=True)
class Audience:
    """What decides which figures someone sees: how far they read each kind of record
    behind a sensitive figure, their office, and whether only aggregates may be shown."""

    scopes: tuple[tuple[str, str], ...]
    office_id: int | None = None
    aggregates_only: bool = False

    @classmethod
    def of(cls, user: Any) -> "Audience":
        """The audience of a user (or a `Reader`), from the access rules."""
        return cls(tuple((kind, access.scope(user, access.READ, kind)) for kind in KINDS),
                   getattr(user, "office_id", None))

    @classmethod
    def operator(cls) -> "Audience":
        """Whoever runs commands on the server: every figure as it is."""
        return cls(tuple((kind, access.ALL) for kind in KINDS))

    def for_donors(self) -> "Audience":
        """This reader making a file for donors: aggregates only, and never more than the
        reader may see."""
        return replace(self, aggregates_only=True)

    def reading(self, kpi: Kpi, filters: Filters) -> str:
        """EXACT, AGGREGATE or RESTRICTED: how this audience sees `kpi` under `filters`."""
        if not kpi.sensitive:
            return EXACT
        scope = dict(self.scopes).get(kpi.model.__tablename__, access.NONE)
        if scope == access.OWN:
            office = filters.ids("office") if "office" in kpi.dimensions else None
            if office is None or office != self.office_id:
                return RESTRICTED
        elif scope != access.ALL:
            return AGGREGATE
        return AGGREGATE if self.aggregates_only else EXACT

    def public(self) -> bool:
        """True for who may not read monitoring figures themselves, and for donor files:
        they see only figures marked publishable."""
        return self.aggregates_only or dict(self.scopes).get(
            "monitoring_figures", access.NONE) == access.NONE

    def restricted(self, filters: Filters, keys: Iterable[str] | None = None) -> list[str]:
        """The figures (of all, or of those named) this audience may not see at all."""
        return [key for key in (BY_KEY if keys is None else keys)
                if self.reading(BY_KEY[key], filters) == RESTRICTED]


@dataclass
class Figures:
    """Figures as one audience sees them: each value (None when hidden) and why it is hidden."""

    values: dict[str, Number | None]
    hidden: dict[str, str]

    def __getitem__(self, key: str) -> Number | None:
        return self.values[key]

    def shown(self, key: str) -> Number | str | None:
        """The value, or the word standing for it when it is hidden."""
        return marker(self.hidden[key]) if key in self.hidden else self.values[key]

    def as_json(self) -> dict:
        """The values and the reasons, as the API and `flask kpis --json` print them."""
        return {"kpis": self.values, "hidden": self.hidden}


def figures(audience: Audience, asks: Sequence[tuple[Filters, Iterable[str] | None]],
            below: int | None = None) -> list[Figures]:
    """The figures (all, or those named) under each filters, as `audience` may see them:
    from the cache while no write has moved the data version, else computed."""
    below = suppress_below() if below is None else below
    if audience.public():  # a figure not marked publishable never reaches them
        asks = [(replace(filters, published=True), keys) for filters, keys in asks]
    wanted = [(filters, list(BY_KEY) if keys is None else list(keys)) for filters, keys in asks]
    parts = (audience, below, tuple((filters_key(filters), tuple(keys))
                                    for filters, keys in wanted))
    return cached("figures", parts, lambda: _figures(audience, wanted, below))


def _figures(audience: Audience, wanted: Sequence[tuple[Filters, list[str]]],
             below: int) -> list[Figures]:
    """The figures named under each filters, as `audience` may see them, computed."""
    readings = [{key: audience.reading(BY_KEY[key], filters) for key in keys}
                for filters, keys in wanted]
    computed = [(filters, [key for key in keys if readings[n][key] != RESTRICTED])
                for n, (filters, keys) in enumerate(wanted)]
    bases: dict[tuple, Filters] = {}
    if below > 1:
        for n, (filters, _keys) in enumerate(wanted):
            if AGGREGATE in readings[n].values():
                bases.setdefault(_table_of(filters), replace(filters, office=None, unit=None))
    offices = _offices() if bases else []
    table_asks = [ask for base in bases.values() for ask in _table_asks(base, offices)]
    values = compute_many([*computed, *table_asks])
    tables = {}
    for number, name in enumerate(bases):
        rows = values[len(computed) + number * (len(offices) + 1):][:len(offices) + 1]
        table = Table.of(rows, [office.id for office in offices])
        tables[name] = hidden_cells(table, below)
    result = []
    for n, (filters, keys) in enumerate(wanted):
        shown: dict[str, Number | None] = {}
        why: dict[str, str] = {}
        for key in keys:
            reading = readings[n][key]
            if reading == AGGREGATE and below > 1 and _cell(BY_KEY[key], filters) in tables[
                    _table_of(filters)]:
                reading = SUPPRESSED
            if reading in (RESTRICTED, SUPPRESSED):
                shown[key], why[key] = None, reading
            else:
                shown[key] = values[n][key]
        result.append(Figures(shown, why))
    return result


def figure_set(audience: Audience, filters: Filters, keys: Iterable[str] | None = None,
               below: int | None = None) -> Figures:
    """The figures (all, or those named) under one set of filters, as `audience` sees them."""
    return figures(audience, [(filters, keys)], below)[0]


def visible_breakdown(audience: Audience, filters: Filters, keys: Iterable[str],
                      by: Sequence[str]) -> dict[tuple, dict[str, Number]]:
    """A breakdown by month or by a column, of the figures the audience sees as they are:
    such breakdowns are not protected cell by cell, so others are left out."""
    shown = [key for key in keys if audience.reading(BY_KEY[key], filters) == EXACT]
    if not shown:
        return {}
    if audience.public():
        filters = replace(filters, published=True)
    parts = (audience, filters_key(filters), tuple(shown), tuple(by))
    return cached("breakdown", parts, lambda: breakdown(filters, shown, by))


# --- the table of sensitive figures, and secondary suppression -------------------------------
def _table_of(filters: Filters) -> tuple:
    """What a table is decided on: the period, track, project and campaign (not the
    office), and whether only approved months, or records with evidence, count."""
    return (filters.start, filters.end, filters.ids("track"), filters.ids("project"),
            filters.ids("campaign"), filters.approved, filters.evidenced)


def _cell(kpi: Kpi, filters: Filters) -> Cell:
    """The cell of the table a figure is under these filters."""
    return kpi.key, filters.ids("office") if "office" in kpi.dimensions else None


def _offices() -> list[Office]:
    """The offices a figure may be asked for (those outside the trash), by id."""
    return list(db.session.scalars(select(Office).where(Office.deleted_at.is_(None))
                                   .order_by(Office.id)))


def _table_asks(base: Filters, offices: Sequence[Office]) -> list[tuple[Filters, list[str]]]:
    """Every sensitive figure for the coalition, and for each office those it narrows."""
    by_office = [kpi.key for kpi in SENSITIVE if "office" in kpi.dimensions]
    return [(base, [kpi.key for kpi in SENSITIVE]),
            *((replace(base, office=office), by_office) for office in offices)]


@dataclass
class Table:
    """Sensitive figures of the coalition and of each office, the lines that tie them (a
    total and the cells that add up to it, give or take what no office holds) and which
    cells are breakdowns, hidden when small."""

    values: dict[Cell, Number]
    lines: list[tuple[Cell, tuple[Cell, ...]]]
    breakdowns: frozenset[Cell]

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Number]], offices: Sequence[int]) -> "Table":
        """The table from the coalition's figures and each office's (in `offices` order)."""
        values: dict[Cell, Number] = {(key, None): value for key, value in rows[0].items()}
        for office, row in zip(offices, rows[1:], strict=True):
            values.update({(key, office): value for key, value in row.items()})
        lines: list[tuple[Cell, tuple[Cell, ...]]] = [
            ((kpi.key, None), tuple((kpi.key, office) for office in offices))
                 for kpi in SENSITIVE if "office" in kpi.dimensions and offices]
        for total, parts in LINES:
            narrowed = "office" in BY_KEY[total].dimensions
            for within in [None, *(offices if narrowed else [])]:
                lines.append(((total, within), tuple((part, within) for part in parts)))
        breakdowns = frozenset(cell for cell in values
                               if BY_KEY[cell[0]].sensitive == BREAKDOWN)
        return cls(values, lines, breakdowns)


def _order(cell: Cell) -> tuple:
    """Cells in the order of the definitions, the coalition before the offices."""
    key, office = cell
    return ORDER[key], -1 if office is None else office


def hidden_cells(table: Table, below: int) -> set[Cell]:
    """The cells to hide: every breakdown between 1 and below - 1, and enough others that
    none of them can be worked out from the cells shown."""
    if below <= 1:
        return set()
    hidden = {cell for cell in table.breakdowns if 0 < table.values[cell] < below}
    while True:
        _alone_in_no_line(table, hidden)
        found = worked_out(table, hidden)
        more = _complement(table, hidden, min(found, key=_order)) if found else None
        if more is None:
            return hidden
        hidden.add(more)


def _alone_in_no_line(table: Table, hidden: set[Cell]) -> None:
    """Hide a second cell in every line that has exactly one hidden (which its total and
    the others would give away): the quick first step, before the full check."""
    changed = True
    while changed:
        changed = False
        for line in table.lines:
            inside = [cell for cell in (line[0], *line[1]) if cell in hidden]
            if len(inside) == 1 and (more := _complement(table, hidden, inside[0], [line])):
                hidden.add(more)
                changed = True


def _complement(table: Table, hidden: set[Cell], exposed: Cell,
                lines: Sequence[tuple[Cell, tuple[Cell, ...]]] | None = None) -> Cell | None:
    """The cell whose hiding best protects `exposed`: in one of its lines (or of `lines`), a
    breakdown before a total, a non-zero one before a zero, an office's before the
    coalition's, the smallest first. Failing that, the best in any line with hidden cells."""

    def candidates(among) -> list[Cell]:
        return [cell for total, parts in among for cell in (total, *parts)
                if cell not in hidden]

    def rank(cell: Cell) -> tuple:
        value = table.values[cell]
        return (cell not in table.breakdowns, value == 0, cell[1] is None, value,
                _order(cell))

    if lines is not None:
        found = candidates(lines)
    else:
        own = [line for line in table.lines if exposed == line[0] or exposed in line[1]]
        found = candidates(own) or candidates(
            line for line in table.lines if hidden & {line[0], *line[1]})
    return min(found, key=rank) if found else None


def worked_out(table: Table, hidden: set[Cell]) -> set[Cell]:
    """The hidden cells someone could work out from the cells shown, the lines and the
    fact that no count is negative (hidden cells of a line whose hidden sum is 0)."""
    known: set[Cell] = set()
    while True:
        unknown = hidden - known
        zeros = set()
        for total, parts in table.lines:
            inside = [cell for cell in parts if cell in unknown]
            if inside and total not in unknown and sum(table.values[c] for c in inside) == 0:
                zeros.update(inside)
        if not zeros:
            return known | _determined(table, unknown)
        known |= zeros


def _reduced(row: list[int]) -> list[int]:
    """A row of integers divided by their greatest common divisor."""
    divisor = gcd(*row)
    return [value // divisor for value in row] if divisor > 1 else row


def _determined(table: Table, unknown: set[Cell]) -> set[Cell]:
    """The unknown cells that the lines fix whatever the others are: by Gauss-Jordan
    elimination in whole numbers, a pivot whose row has no free unknown."""
    cells = sorted(unknown, key=_order)
    column = {cell: number for number, cell in enumerate(cells)}
    pivots: list[tuple[int, list[int]]] = []
    for total, parts in table.lines:
        row = [0] * len(cells)
        for cell, sign in ((total, -1), *((part, 1) for part in parts)):
            if cell in column:
                row[column[cell]] += sign
        for col, pivot in pivots:
            if row[col]:
                a, b = pivot[col], row[col]
                row = _reduced([a * x - b * y for x, y in zip(row, pivot, strict=True)])
        lead = next((col for col, value in enumerate(row) if value), None)
        if lead is None:
            continue
        for number, (col, pivot) in enumerate(pivots):
            if pivot[lead]:
                a, b = row[lead], pivot[lead]
                pivots[number] = (col, _reduced([a * x - b * y
                                                 for x, y in zip(pivot, row, strict=True)]))
        pivots.append((lead, row))
    leads = {col for col, _row in pivots}
    free = [col for col in range(len(cells)) if col not in leads]
    return {cells[col] for col, row in pivots if not any(row[f] for f in free)}

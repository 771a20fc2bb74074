"""Pre-aggregated KPI figures, kept exact in the transaction of every write.

Each kind of record the KPIs count has a rollup table, `rollup_<table>`, derived from the
definitions (`coalition.kpis.definitions`): one row per cell — a year, a month or a day
(`grain` y, m or d; `day` its first day) × office × track × project × the columns the
figures are broken down by (`BREAKDOWNS`) × the end date for the KPIs that read one — and
one column per KPI with its count (or sum) over the cell's records outside the trash.
A period is read as whole years, then whole months, then the days at its edges, so a figure
over ten years reads a few hundred rows instead of every record.

Every flush takes the changed records' old contributions out before it writes them and puts
the new ones in after (SQLAlchemy's before_flush and after_flush), and the rows imports
insert in bulk (`database.inserted_in_bulk`) go in before the commit: the figures never lag
a write. The contributions are one
SQL expression per KPI (`Cond.sql`, as the direct SQL uses), shared by those hooks and by
`rebuild`, which recomputes every cell from the records and reports any difference.

Every write also moves the data version (`data_version`), which keys the cache of computed
figures, and each rollup it changes moves that rollup's own version, which keys what was read
from that rollup alone: after a meeting is saved, only the meetings' figures are read again.
`kpi_state` holds them, and the fingerprint of the definitions each rollup was last rebuilt
under: a rollup whose definitions changed since is stale, and read with the direct
SQL until `flask --app app rebuild-rollups` (or `init-db`) recomputes it.
"""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    inspect,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.functions import FunctionElement

from coalition.database import Record, db
from coalition.kpis.definitions import (
    ACTIVITY_KEYS,
    ALWAYS,
    BREAKDOWNS,
    DATED,
    DIMENSIONS,
    KPIS,
    Kpi,
)
from coalition.versions import VERSION, move_tables, move_version, set_state, whole_counts
from coalition.versions import states as read_states

#: the grains of a dated rollup, coarsest first
GRAINS = ("y", "m", "d")
#: ids per statement when contributions are written for a list of records
CHUNK = 5000



class year_start(FunctionElement):
    """The first day of a date's year, in SQL."""

    type = Date()
    name = "year_start"
    inherit_cache = True


class month_start(FunctionElement):
    """The first day of a date's month, in SQL."""

    type = Date()
    name = "month_start"
    inherit_cache = True


@compiles(year_start)
def _year_start(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('year', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start)
def _month_start(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


# SQLite keeps dates as YYYY-MM-DD text
@compiles(year_start, "sqlite")
def _year_start_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 4) || '-01-01'"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7) || '-01'"


@dataclass(frozen=True)
class Rollup:
    """The rollup of one model: its table, the KPIs it holds and the columns it keeps."""

    model: type[Any]
    kpis: tuple[Kpi, ...]
    table: Table
    #: the model's columns kept as they are: office, track, project and the breakdowns
    keys: tuple[str, ...]
    date: str | None
    until: str | None

    def measure(self, kpi: Kpi) -> str:
        """The rollup column holding `kpi`."""
        return kpi.key.replace(".", "_")

    @property
    def grains(self) -> tuple[str, ...]:
        """Years, months and days for dated records; a single cell per key otherwise."""
        return GRAINS if self.date else ("y",)

    @property
    def name(self) -> str:
        """The rollup's name in `kpi_state`."""
        return f"rollup:{self.model.__tablename__}"

    @property
    def version_name(self) -> str:
        """The name in `kpi_state` of the version of this rollup's rows alone, which moves
        with every change to them: what was read from them is kept under it."""
        return f"version:{self.table.name}"

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the definitions the rollup is computed under (read on every page of
        figures, computed once)."""
        text = repr([(k.key, k.date, k.where, k.total, k.period, k.until) for k in self.kpis]
                    + [self.keys, GRAINS])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def contributions(self, grain: str, where: Sequence = (), sign: int = 1) -> Any:
        """SELECT of the cells of `grain` and each KPI's count or sum, over the live records
        meeting `where`: what the rollup holds, or (sign -1) what to take out of it."""
        model = self.model
        day: Any
        if not self.date:
            day = cast(null(), Date)
        elif grain == "d":
            day = getattr(model, self.date)
        else:
            day = (year_start if grain == "y" else month_start)(getattr(model, self.date))
        row = [day.label("day"), *(getattr(model, key).label(key) for key in self.keys)]
        if self.until:
            # the end date matters only to the records an "until" KPI counts: kept for those
            # alone, it does not split the other records' cells
            counted = [_all(kpi.where, model) for kpi in self.kpis if kpi.until]
            row.append(case((or_(*counted), getattr(model, self.until)),
                            else_=null()).label(self.until))
        for number, kpi in enumerate(self.kpis):
            value = 1 if kpi.total is None else func.coalesce(getattr(model, kpi.total), 0)
            row.append(case((_all(kpi.where, model), value), else_=0).label(f"v{number}"))
        records = select(*row).where(model.deleted_at.is_(None), *where).subquery()
        kept = [records.c[name] for name in self.columns[2:len(self.columns) - len(self.kpis)]]
        cell: Any = literal(grain)
        for part in kept:
            cell = cell + "|" + func.coalesce(cast(part, String), "~")
        sums = [sign * func.sum(records.c[f"v{n}"]) for n in range(len(self.kpis))]
        return select(cell.label("cell"), literal(grain), *kept, *sums).group_by(*kept)

    @property
    def columns(self) -> list[str]:
        """The rollup's columns in the order `contributions` selects them."""
        return ["cell", "grain", "day", *self.keys, *([self.until] if self.until else []),
                *(self.measure(kpi) for kpi in self.kpis)]


def _all(conditions, model):
    """Every condition of a KPI, in SQL (true when there is none)."""
    parts = [cond.sql(model) for cond in conditions]
    return and_(*parts) if parts else true()


def _table(model, kpis: Sequence[Kpi], keys: Sequence[str], until: str | None) -> Table:
    """The rollup table of `model`: cell, grain, day, keys, end date, one column per KPI."""
    name = f"rollup_{model.__tablename__}"
    columns: list[Column[Any]] = [Column("cell", String(200), primary_key=True),
               Column("grain", String(1), nullable=False), Column("day", Date)]
    for key in keys:
        kind = getattr(model, key).type
        columns.append(Column(key, Integer if key in DIMENSIONS.values() else kind.copy()))
    if until:
        columns.append(Column(until, Date))
    for kpi in kpis:
        column = kpi.key.replace(".", "_")
        columns.append(Column(column, Integer, nullable=False, default=0) if kpi.total is None
                       else Column(column, Numeric(16, 2, asdecimal=False), nullable=False,
                                   default=0))
    indexes = [Index(f"ix_{name}_grain_day", "grain", "day")]
    activity = [kpi.key.replace(".", "_") for kpi in kpis if kpi.key in ACTIVITY_KEYS]
    if activity and "track_id" in keys:
        # the dashboard's work per month and track, read in this order with no sort and
        # from the index alone, for the coalition or one office
        indexes.append(Index(f"ix_{name}_by_track", "grain", "track_id", "day",
                             *(key for key in ("office_id", "project_id") if key in keys),
                             *activity))
    return Table(name, db.metadata, *columns, *indexes,
                 comment="KPI figures per cell, kept by coalition.kpis.rollups")


def _build() -> dict[type, Rollup]:
    """One rollup per model the KPIs count, derived from the definitions."""
    by_model: dict[type, list[Kpi]] = defaultdict(list)
    for kpi in KPIS:
        by_model[kpi.model].append(kpi)
    rollups = {}
    for model, kpis in by_model.items():
        dates = {kpi.date for kpi in kpis}
        untils = {kpi.until for kpi in kpis if kpi.until}
        if len(dates) > 1 or len(untils) > 1:
            raise ValueError(f"the KPIs of {model.__name__} read more than one date column")
        keys = (*(c for c in DIMENSIONS.values() if hasattr(model, c)),
                *BREAKDOWNS.get(model, ()))
        until = next(iter(untils), None)
        rollups[model] = Rollup(model, tuple(kpis), _table(model, kpis, keys, until), keys,
                                dates.pop(), until)
    return rollups


ROLLUPS: dict[type, Rollup] = _build()


# --- writing ---------------------------------------------------------------------------

def _insert(dialect_name: str, rollup: Rollup, select_):
    """INSERT the cells of `select_`, adding to the cells already there."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = rollup.table
    statement = dialect.insert(table).from_select(rollup.columns, select_)
    measures = [rollup.measure(kpi) for kpi in rollup.kpis]
    return statement.on_conflict_do_update(
        index_elements=[table.c.cell],
        set_={m: table.c[m] + statement.excluded[m] for m in measures})


def _apply(connection, rollup: Rollup, ids: Iterable[int], sign: int) -> None:
    """Add (sign 1) or take out (-1) the contributions of the records with these ids, and
    move the rollup's own version."""
    ids = sorted(set(ids))
    set_state(connection, rollup.version_name, uuid.uuid4().hex)
    if not ids:
        return
    if ids[-1] - ids[0] == len(ids) - 1:  # an import's, or one record: one range
        connection.execute(_applying(connection.dialect.name, rollup.model, sign, True),
                           {"low": ids[0], "high": ids[-1]})
        return
    statement = _applying(connection.dialect.name, rollup.model, sign, False)
    for first in range(0, len(ids), CHUNK):
        connection.execute(statement, {"ids": ids[first:first + CHUNK]})


def _applying(dialect: str, model: type[Any], sign: int, ranged: bool) -> Any:
    """The statement `_apply` runs for these records (ids from "low" to "high", or those
    in "ids"), built once a process: building it cost more than running it for one record,
    and every save runs it."""
    key = (dialect, model, sign, ranged)
    if key not in _APPLYING:
        rollup = ROLLUPS[model]
        where = (model.id.between(bindparam("low"), bindparam("high")) if ranged
                 else model.id.in_(bindparam("ids", expanding=True)))
        cells = union_all(*(rollup.contributions(g, [where], sign) for g in rollup.grains))
        _APPLYING[key] = _insert(dialect, rollup, select(cells.subquery()).where(true())
                                 .order_by("cell"))
    return _APPLYING[key]


_APPLYING: dict[tuple, Any] = {}


def writable(connection: Connection) -> dict[type, Rollup]:
    """The rollups whose tables hold every column the definitions give them."""
    key = str(connection.engine.url)
    if key not in _WRITABLE:
        inspector = inspect(connection)
        found = {}
        for model, rollup in ROLLUPS.items():
            if inspector.has_table(rollup.table.name):
                have = {c["name"] for c in inspector.get_columns(rollup.table.name)}
                if set(rollup.columns) <= have:
                    found[model] = rollup
        _WRITABLE[key] = found
    return _WRITABLE[key]


_WRITABLE: dict[str, dict[type, Rollup]] = {}


def add(session: Session, model: type[Any], ids: Sequence[int]) -> None:
    """Put records inserted in bulk (imports) into the rollups, in their transaction."""
    connection = session.connection()
    rollup = writable(connection).get(model)
    if rollup is not None:
        _apply(connection, rollup, ids, 1)
    elif model in ROLLUPS:
        set_state(connection, ROLLUPS[model].name, "stale")
    move_version(connection)
    move_tables(connection, [model.__tablename__])


def add_bulk(session: Session) -> None:
    """Before a commit: the records inserted in bulk (`database.inserted_in_bulk`)."""
    for model, ids in session.info.pop("inserted_in_bulk", []):
        add(session, model, ids)


def forget_bulk(session: Session, _transaction: Any = None) -> None:
    """After a rollback, the records noted as inserted in bulk are gone with it."""
    session.info.pop("inserted_in_bulk", None)


def _ours(objects: Iterable) -> dict[type, set[int]]:
    """The ids of the records of rolled-up kinds among `objects` that are in the database."""
    ids: dict[type, set[int]] = defaultdict(set)
    for obj in objects:
        if type(obj) in ROLLUPS and obj.id is not None:
            ids[type(obj)].add(obj.id)
    return ids


def _changed(session: Session) -> Iterable:
    return (obj for obj in session.dirty
            if session.is_modified(obj, include_collections=False))


def take_out_old(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: take the changed and deleted records' contributions out."""
    old = _ours([*_changed(session), *session.deleted])
    session.info["rollups_readd"] = _ours(_changed(session))
    session.info["rollups_moved"] = {type(o).__tablename__ for o in
                                     (*session.new, *session.dirty, *session.deleted)
                                     if isinstance(o, Record)}
    if not old:
        return
    connection = session.connection()
    usable = writable(connection)
    for model, ids in old.items():
        if model in usable:
            _apply(connection, usable[model], ids, -1)
        else:
            set_state(connection, ROLLUPS[model].name, "stale")


def put_in_new(session: Session, _context: Any) -> None:
    """After a flush: put the new and changed records' contributions in; move the version."""
    new = _ours(session.new)
    for model, ids in session.info.pop("rollups_readd", {}).items():
        new[model] |= ids
    moved = session.info.pop("rollups_moved", set())
    if not new and not moved:
        return
    connection = session.connection()
    usable = writable(connection)
    for model, ids in new.items():
        if model in usable:
            _apply(connection, usable[model], ids, 1)
        else:
            set_state(connection, ROLLUPS[model].name, "stale")
    move_version(connection)
    move_tables(connection, moved)


def move_tables_written(state: ORMExecuteState) -> None:
    """An UPDATE, DELETE or INSERT run through a session, with no objects to flush, moves
    the version of its table's rows, and for records the data version, as a flush would (a
    user moved to another office is read afresh by the next request; evidence purged
    changes the figures of records with evidence). The rollups cannot follow such a
    statement on records: none is run on a rolled-up kind."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name and name != "kpi_state" and not name.startswith("rollup_"):
        connection = state.session.connection()
        move_tables(connection, [name])
        if name in _record_tables():  # records changed: what was worked out from them too
            move_version(connection)


@cache
def _record_tables() -> frozenset[str]:
    """The tables of records (`Record`): what figures, lists and their counts read."""
    return frozenset(mapper.class_.__tablename__ for mapper in Record.registry.mappers
                     if issubclass(mapper.class_, Record) and hasattr(mapper.class_,
                                                                      "__tablename__"))


def _whole_count(rollup: Rollup, measure: str) -> Callable[[int | None], int | None]:
    """Counting a table's live records (all, or one office's) from its rollup's year cells,
    which hold every record once: a list's count without reading the records."""
    table = rollup.table

    def count(office_id: int | None) -> int | None:
        _versions, ready = usable()
        if ready.get(rollup.model) is not rollup:  # stale: the records are counted
            return None
        query = select(func.coalesce(func.sum(table.c[measure]), 0)).where(
            table.c.grain == "y")
        if office_id is not None:
            query = query.where(table.c.office_id == office_id)
        return int(db.session.scalar(query) or 0)

    return count


def register_whole_counts() -> None:
    """A whole-table count for each rollup holding a KPI that counts every live record
    (no condition, any date) by office."""
    for model, rollup in ROLLUPS.items():
        every = next((kpi for kpi in rollup.kpis if not kpi.where and kpi.total is None
                      and kpi.until is None and kpi.period in (DATED, ALWAYS)
                      and "office_id" in rollup.keys), None)
        if every is not None:
            whole_counts[model] = _whole_count(rollup, rollup.measure(every))


def register_rollups() -> None:
    """Keep the rollups with every flush of every session."""
    from sqlalchemy import event

    if not event.contains(Session, "before_flush", take_out_old):
        event.listen(Session, "do_orm_execute", move_tables_written)
        event.listen(Session, "before_flush", take_out_old)
        event.listen(Session, "after_flush", put_in_new)
        event.listen(Session, "before_commit", add_bulk)
        event.listen(Session, "after_rollback", forget_bulk)


register_rollups()
register_whole_counts()


# --- reading ---------------------------------------------------------------------------

def usable() -> tuple[dict[type, str], dict[type, Rollup]]:
    """The rollups that are up to date with the definitions, and the version of each: its
    own, or the data version (which every write moves) for a rollup that has none yet, not
    having been written nor rebuilt since it was created or since rollups had versions.

    A rollup with no fingerprint was never rebuilt: its table was created empty with its
    records' table (the migration marks those it creates beside existing records stale).
    """
    states = read_states()
    ready = {model: rollup for model, rollup in writable(db.session.connection()).items()
             if states.get(rollup.name, rollup.fingerprint) == rollup.fingerprint}
    versions = {model: version for model, rollup in ready.items()
                if (version := states.get(rollup.version_name, states.get(VERSION)))}
    return versions, ready


Span = tuple[str, date | None, date | None]


def _floor(day: date, grain: str) -> date:
    return date(day.year, 1, 1) if grain == "y" else day.replace(day=1)


def _next(day: date, grain: str) -> date:
    """The first day of the year or month after the one `day` starts."""
    if grain == "y":
        return date(day.year + 1, 1, 1)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def spans(low: date | None, high: date | None, grains: Sequence[str] = GRAINS) -> list[Span]:
    """[low, high] (None: open) as (grain, first day, day after) ranges of whole years,
    whole months and single days: the rows of the rollups that make the period exactly."""
    grain, finer = grains[0], grains[1:]
    if grain == "d" or (low is None and high is None):
        return [(grain, low, None if high is None else high + timedelta(days=1))]
    try:
        first = None if low is None else (low if _floor(low, grain) == low
                                          else _next(_floor(low, grain), grain))
        after = None if high is None else _floor(high + timedelta(days=1), grain)
    except (OverflowError, ValueError):  # at the ends of the calendar: days will do
        return spans(low, high, finer)
    if first is not None and after is not None and first >= after:
        return spans(low, high, finer)
    result: list[Span] = [(grain, first, after)]
    if low is not None and first is not None and low < first:
        result += spans(low, first - timedelta(days=1), finer)
    if high is not None and after is not None and after <= high:
        result += spans(after, high, finer)
    return result


def in_spans(table: Table, parts: Sequence[Span]) -> Any:
    """The SQL that keeps the rollup rows making up these spans."""
    conditions = []
    for grain, first, after in parts:
        cond = [table.c.grain == grain]
        if first is not None:
            cond.append(table.c.day >= first)
        if after is not None:
            cond.append(table.c.day < after)
        conditions.append(and_(*cond))
    return or_(*conditions) if conditions else false()


# --- rebuilding ------------------------------------------------------------------------

@dataclass
class Difference:
    """How a rollup differed from its records when it was rebuilt."""

    table: str
    cells: int
    figures: dict[str, tuple[float, float]]


def rebuild(models: Iterable[type] | None = None, check_only: bool = False) -> list[Difference]:
    """Recompute the rollups from the records; report each that differed (and how)."""
    connection = db.session.connection()
    _WRITABLE.clear()
    usable_now = writable(connection)
    differences = []
    for model in (ROLLUPS if models is None else models):
        rollup = ROLLUPS[model]
        if model not in usable_now:
            raise RuntimeError(f"{rollup.table.name} lacks columns: run flask db upgrade")
        measures = [rollup.measure(kpi) for kpi in rollup.kpis]
        count = len(measures)
        expected, held = {}, {}
        for grain in rollup.grains:
            for row in connection.execute(rollup.contributions(grain)):
                values = tuple(round(float(v or 0), 2) for v in row[-count:])
                if any(values):
                    expected[row[0]] = values
        table = rollup.table
        for row in connection.execute(select(table.c.cell, *(table.c[m] for m in measures))):
            values = tuple(round(float(v or 0), 2) for v in row[1:])
            if any(values):
                held[row[0]] = values
        cells = sorted(c for c in expected.keys() | held.keys()
                       if expected.get(c) != held.get(c))
        if cells:
            totals = {}
            for index, measure in enumerate(measures):
                have = sum(v[index] for c, v in held.items() if c.startswith("y|"))
                want = sum(v[index] for c, v in expected.items() if c.startswith("y|"))
                if round(have, 2) != round(want, 2):
                    totals[measure] = (round(have, 2), round(want, 2))
            differences.append(Difference(table.name, len(cells), totals))
        if check_only:
            continue
        connection.execute(table.delete())
        for grain in rollup.grains:
            connection.execute(table.insert().from_select(rollup.columns,
                                                          rollup.contributions(grain)))
        set_state(connection, rollup.name, rollup.fingerprint)
        set_state(connection, rollup.version_name, uuid.uuid4().hex)
    if not check_only:
        move_version(connection)
    return differences


def stale() -> list[type]:
    """The models whose rollups were built under other definitions (or never filled)."""
    states = read_states()
    return [model for model, rollup in ROLLUPS.items()
            if states.get(rollup.name, rollup.fingerprint) != rollup.fingerprint]

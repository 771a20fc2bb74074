"""The database: `db`, the declarative base, and `Record`, the base of every record.

Every record says who created and last changed it, when, its version and its trash flag.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

from flask import has_request_context
from flask_login import current_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, ForeignKey, MetaData, Table, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)

from coalition.fields import Fields


class Base(DeclarativeBase):
    """Declarative base with named constraints, so migrations can alter them on SQLite."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

# Flask-SQLAlchemy makes `db.Model` at run time; type checkers see the declarative base it extends.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

class Refused(ValueError):
    """A write the rules refuse (a locked month …); the message says why, in the user's
    language, and every screen, import and command shows it instead of failing."""


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


class Record(Model):
    """Abstract base: audit columns, optimistic-locking version and a soft-delete flag."""

    __abstract__ = True
    #: the record type's one declaration of its fields (coalition.fields); its access
    #: rules are found under its table name (coalition.access.RULES)
    fields: ClassVar[Fields] = Fields()
    #: the relationship to the record this one is a part of (a case's personal details): a
    #: change here is a change of that record, moving its version and written in its history
    part_of: str = ""
    #: the access key of the record's personal details, for records whose files and details
    #: are personal data (cases); None for the others
    personal_access: ClassVar[str | None] = None
    #: columns and collections its history leaves out (blind indexes, parts with their own)
    not_audited: ClassVar[frozenset[str]] = frozenset()

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)

    # Plain user ids, not foreign keys: users and offices refer to each other, and users are
    # never hard-deleted, so the cycle is not worth a deferred constraint.
    created_by_id: Mapped[int | None]
    updated_by_id: Mapped[int | None]

    @declared_attr
    def created_by(cls) -> Mapped[Any]:
        return relationship("User", primaryjoin=f"foreign({cls.__name__}.created_by_id) == User.id",
                            viewonly=True)

    @declared_attr
    def updated_by(cls) -> Mapped[Any]:
        return relationship("User", primaryjoin=f"foreign({cls.__name__}.updated_by_id) == User.id",
                            viewonly=True)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy refuses an UPDATE whose version has moved on: no silent overwrite.
        return {"version_id_col": cls.version}

    @property
    def office_scope(self) -> int | None:
        """The office whose coordinators may change this record (None: coalition-wide)."""
        # a form sets the relationship; office_id follows only at flush
        office = getattr(self, "office", None)
        return office.id if office is not None else getattr(self, "office_id", None)


def acting_user_id() -> int | None:
    """The signed-in user's id, or None outside a request (CLI, demo loader)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


@event.listens_for(Session, "before_flush")
def stamp_records(session: Session, _context: Any, _instances: Any) -> None:
    """Record who changed each record and when, whatever view or command made the change."""
    user_id = acting_user_id()
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Record):
            obj.created_at = obj.created_at or now
            obj.updated_at = now
            obj.created_by_id = obj.created_by_id or user_id
            obj.updated_by_id = user_id or obj.updated_by_id
    # a changed collection (a meeting's partners) or part (a case's personal details) is a
    # change of the record: its row is updated, so its version moves and a stale save fails
    changed = [obj for obj in session.dirty
               if isinstance(obj, Record) and session.is_modified(obj)]
    for part in (*session.new, *changed):
        owner = getattr(part, part.part_of, None) if getattr(part, "part_of", "") else None
        if isinstance(owner, Record) and owner not in session.new and owner not in changed:
            changed.append(owner)
    for obj in changed:
        obj.updated_at = now
        obj.updated_by_id = user_id


class OfficeWork(Record):
    """Abstract base of an office's work: the office, and the track and project it serves."""

    __abstract__ = True

    @declared_attr
    def office_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("offices.id"), index=True)

    @declared_attr
    def track_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("tracks.id"), index=True)

    @declared_attr
    def project_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("projects.id"), index=True)

    @declared_attr
    def office(cls) -> Mapped[Any]:
        return relationship("Office")

    @declared_attr
    def track(cls) -> Mapped[Any]:
        return relationship("Track")

    @declared_attr
    def project(cls) -> Mapped[Any]:
        return relationship("Project")


class CampaignWork:
    """Mixin: the advocacy campaign a piece of work was done for, if any (its page lists it)."""

    @declared_attr
    def campaign_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("campaigns.id"), index=True)

    @declared_attr
    def campaign(cls) -> Mapped[Any]:
        return relationship("Campaign")


def detached_copies(records: list) -> list:
    """Copies of records just read, in no session, to keep beyond the request (a page merges
    them back with `session.merge(copy, load=False)`, without a query)."""
    scratch = Session()
    try:
        copies = [scratch.merge(record, load=False) for record in records]
        scratch.expunge_all()
    finally:
        scratch.close()
    return copies


def table_of(model: type[Any]) -> Table:
    """The model's table (SQLAlchemy types `__table__` as any FROM clause)."""
    return model.__table__


def insert_rows(connection: Connection, table: Table, rows: list[dict]) -> None:
    """One INSERT of many rows (dicts with the same keys), each value bound by its column's
    type as SQLAlchemy binds it (dates, encrypted text…), handed to the driver at once.

    `connection.execute(table.insert(), rows)` does the same but looks up and converts each
    value of each row through several layers: a third of writing a large import.
    """
    if not rows:
        return
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    # columns the rows leave out but whose default the statement takes from Python
    defaults: dict[str, Any] = {
        column.key: column.default for column in table.columns
        if column.key not in keys and column.default is not None and column.key in compiled.binds}
    if not all(default.is_scalar for default in defaults.values()) or any(
            row.keys() != rows[0].keys() for row in rows):
        # defaults computed per row, or rows of different columns: SQLAlchemy's own way
        connection.execute(table.insert(), rows)
        return
    if defaults:
        rows = [{**row, **{key: default.arg for key, default in defaults.items()}}
                for row in rows]
    names = compiled.positiontup or list(compiled.binds)
    converters = []  # (position, bind processor) of the columns whose values are converted
    for position, name in enumerate(names):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor:
            converters.append((position, _remembering(processor)))
    values_of = itemgetter(*names)  # a row's values in the statement's order, taken in C
    parameters: list[Any] = []
    for row in rows:
        values = list(values_of(row)) if len(names) > 1 else [values_of(row)]
        for position, convert in converters:
            values[position] = convert(values[position])
        parameters.append(tuple(values))
    if compiled.positiontup is None:  # named parameters
        parameters = [dict(zip(names, values, strict=True)) for values in parameters]
    connection.exec_driver_sql(compiled.string, parameters)


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A bind processor that does not convert again the value of the previous row: an
    import's rows share their time stamps, and turning a datetime into SQLite's text was a
    tenth of writing them."""
    last_in: Any = object()
    last_out: Any = None

    def process(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is not last_in:
            last_in, last_out = value, convert(value)
        return last_out

    return process


def inserted_in_bulk(model: type[Record], ids: list[int]) -> None:
    """Note records inserted without the ORM (imports), for what the ORM hooks would have
    kept up to date (the KPI rollups) to catch up before the transaction commits."""
    db.session.info.setdefault("inserted_in_bulk", []).append((model, list(ids)))

"""Writing an import: every new record in bulk, stamped and audited, in one transaction.

Tens of thousands of rows go in as multi-row INSERTs rather than one ORM object each, so
what the ORM hooks do for a single record is done here for all of them at once: who and
when (`created_by`, `created_at`), the contact's match key, the case's reference, and the
audit trail's "create" entry, and their place in the KPI rollups. Updates of existing
contacts stay ORM changes, hooks and all.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from coalition.audit.models import MASK, SECRETS, SKIPPED, AuditEntry, entry_row
from coalition.cases.models import Case, new_reference
from coalition.contacts.models import Contact
from coalition.database import (
    acting_user_id,
    db,
    insert_rows,
    inserted_in_bulk,
    table_of,
    utcnow,
)
from coalition.imports.layout import PARTNERS, ImportSheet
from coalition.normalize import contact_key


@dataclass(eq=False)
class Pending:
    """A row to write: a new record's values, or the changes to an existing one."""

    sheet: ImportSheet
    row: int
    values: dict
    record: Any = None


@dataclass
class _Written:
    """What an audit entry reads of a record (see coalition.audit.models.entry_row)."""

    __tablename__: str
    id: int
    office_scope: int | None
    version: int = 1


@dataclass
class _Batch:
    """The new records of one sheet, as rows for a multi-row INSERT."""

    sheet: ImportSheet
    pending: list[Pending] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    links: list[list] = field(default_factory=list)


def write(plan: list[Pending], step: Callable[[str, int], None] | None = None) -> None:
    """Write the plan in one transaction: updates through the ORM, new records in bulk.

    `step` is told ("written", n) as rows go in (a job's progress bar).
    """
    session = db.session
    if not plan:
        return
    stamps = {"created_at": utcnow(), "updated_at": utcnow(), "created_by_id": acting_user_id(),
              "updated_by_id": acting_user_id(), "version": 1, "deleted_at": None}
    batches: dict[str, _Batch] = {}
    for pending in plan:
        if pending.record is not None:
            for attr, value in pending.values.items():
                setattr(pending.record, attr, value)
            if step:
                step("written", 1)
            continue
        batch = batches.setdefault(pending.sheet.name, _Batch(pending.sheet))
        batch.pending.append(pending)
    ids: dict[int, int] = {}  # id(Pending) -> the new record's id, for partner links
    for batch in batches.values():
        _rows(batch, stamps)
        new_ids = _insert(batch.sheet.model, batch.rows)
        for pending, new_id in zip(batch.pending, new_ids, strict=True):
            ids[id(pending)] = new_id
        _link(batch, new_ids, ids)
        _audit(batch, new_ids)
        inserted_in_bulk(batch.sheet.model, new_ids)
        if batch.sheet.after is not None:
            batch.sheet.after(new_ids)
        if step:
            step("written", len(new_ids))
    session.commit()


def _rows(batch: _Batch, stamps: dict) -> None:
    """Every record of the batch with the same columns, so they go in one statement."""
    sheet = batch.sheet
    model = sheet.model
    defaults = {prop.key: prop.columns[0].default.arg
                for prop in model.__mapper__.column_attrs
                if prop.columns[0].default is not None and prop.columns[0].default.is_scalar}
    blank = {f.target: defaults.get(f.target) for f in sheet.fields if f.read_as != PARTNERS}
    blank.update(stamps)
    for pending in batch.pending:
        values = dict(pending.values)
        batch.links.append(values.pop("partners", []))
        row = {**blank, **values}
        if model is Contact:
            row["match_key"] = contact_key(row["name"], row["organisation"])
        elif model is Case:
            row["reference"] = new_reference()
        if sheet.prepare is not None:
            sheet.prepare(row)
        batch.rows.append(row)


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert the rows in bulk and return their new ids, in order.

    Straight through the table (Core), not the ORM's bulk insert, which looks at every
    value of every row again for what Core does anyway.
    """
    connection = db.session.connection()
    table = table_of(model)
    # the ORM's attribute names (`training_kind`) as the table's columns (`kind`)
    columns = {prop.key: prop.columns[0].key for prop in model.__mapper__.column_attrs}
    new_ids = _new_ids(connection, table, len(rows))
    for row, new_id in zip(rows, new_ids, strict=True):
        row["id"] = new_id
    renamed = {key: columns[key] for key in rows[0] if columns.get(key, key) != key}
    insert_rows(connection, table, rows if not renamed else [
        {renamed.get(key, key): value for key, value in row.items()} for row in rows])
    return new_ids


def _new_ids(connection, table, count: int) -> list[int]:
    """Ids for `count` new rows, given before the INSERT so that it sends them all at once
    (RETURNING each row's id made SQLAlchemy bind every row itself)."""
    if connection.dialect.name == "sqlite":
        # the next after the largest, as SQLite would give them (SQLite cannot tell which
        # id each row of a multi-row INSERT got); a concurrent writer fails the transaction
        first = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
        return list(range(first, first + count))
    # PostgreSQL: from the column's own sequence in one round trip, as its default would
    sequence = connection.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
    return sorted(connection.scalars(select(func.nextval(sequence)).select_from(
        func.generate_series(1, count))))


def _link(batch: _Batch, new_ids: list[int], ids: dict[int, int]) -> None:
    """The co-organising or counterpart partners of each new record."""
    if not any(batch.links):
        return
    relationship = batch.sheet.model.partners.property
    table = relationship.secondary
    owner, partner = (column.name for column in table.columns)
    links = [{owner: new_id, partner: ref if isinstance(ref, int) else ids[id(ref)]}
             for new_id, refs in zip(new_ids, batch.links, strict=True) for ref in refs]
    insert_rows(db.session.connection(), table, links)


def _audit(batch: _Batch, new_ids: list[int]) -> None:
    """A "create" entry in the audit trail for every new record, as the ORM hook writes."""
    table = batch.sheet.model.__tablename__
    masked = SECRETS | {f.name for f in batch.sheet.model.fields if f.personal}
    left_out = {*SKIPPED, "id", "deleted_at"}
    # who and when are the same for every entry: asked once, not once a row
    same = entry_row("create", _Written(table, 0, None), {})
    entries = []
    encode = _AUDIT_JSON.encode
    for row, new_id in zip(batch.rows, new_ids, strict=True):
        changes = {key: [None, MASK if key in masked else value] for key, value in row.items()
                   if key not in left_out and value is not None and value != ""}
        entries.append({**same, "record_id": new_id, "office_id": row.get("office_id"),
                        "changes": encode(changes)})
    insert_rows(db.session.connection(), table_of(AuditEntry), entries)


def _iso(value):
    """Dates as ISO text in the audit trail's JSON (the only values JSON does not know)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


#: one encoder for every entry (json.dumps with options builds a new one each call)
_AUDIT_JSON = json.JSONEncoder(ensure_ascii=False, default=_iso)

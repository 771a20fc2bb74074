"""Audit entries, written in the same transaction as the change they describe."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from coalition.database import Model, Record, acting_user_id, db, table_of, utcnow

#: secrets that are no declared field: never in the log, a change is recorded as masked
SECRETS = {"password_hash", "session_token"}
#: bookkeeping columns that every change touches
SKIPPED = {"updated_at", "updated_by_id", "version", "created_at", "created_by_id", "match_key"}
MASK = "•••"


class AuditEntry(Model):
    """One create, update, delete, restore or view of personal details. Never changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    user = relationship("User", primaryjoin="foreign(AuditEntry.user_id) == User.id",
                        viewonly=True)
    action: Mapped[str] = mapped_column(String(20), index=True)
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[int] = mapped_column(index=True)
    record_version: Mapped[int | None]
    office_id: Mapped[int | None] = mapped_column(index=True)
    #: JSON: {field: [old, new]}
    changes: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def changed(self) -> dict:
        """The changed fields as {field: [old, new]}."""
        return json.loads(self.changes or "{}")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(*_args) -> None:
    raise PermissionError("The audit trail is append-only.")


def _plain(value):
    """A JSON-friendly form of a column value."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _changes(obj: Record, new: bool) -> dict:
    """Each changed column's old and new value, personal values masked."""
    state = inspect(obj)
    masked = SECRETS | {f.name for f in type(obj).fields if f.personal}
    skipped = SKIPPED | getattr(type(obj), "not_audited", frozenset())
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in skipped or attr.key == "id":
            continue
        history = state.attrs[attr.key].history
        if new:
            value = getattr(obj, attr.key)
            if value not in (None, ""):
                changes[attr.key] = [None, MASK if attr.key in masked else _plain(value)]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            value = history.added[0] if history.added else None
            if attr.key in masked:
                changes[attr.key] = [MASK if old else None, MASK if value else None]
            else:
                changes[attr.key] = [_plain(old), _plain(value)]
    changes.update({key: value for key, value in _collection_changes(state, new).items()
                    if key not in skipped})
    return changes


def _collection_changes(state, new: bool) -> dict:
    """Each changed collection (a meeting's partners) as [names before, names after]."""
    changes = {}
    for relation in state.mapper.relationships:
        if not relation.uselist or relation.viewonly:
            continue
        history = state.attrs[relation.key].history
        if history.added or history.deleted:
            before = sorted(str(item) for item in (*history.unchanged, *history.deleted))
            after = sorted(str(item) for item in (*history.unchanged, *history.added))
            changes[relation.key] = [None if new else before, after]
    return changes


def _action(obj: Record, changes: dict, new: bool) -> str:
    if new:
        return "create"
    if "deleted_at" in changes:
        return "restore" if changes["deleted_at"][1] is None else "delete"
    return "update"


class Audited(Protocol):
    """What an audit entry reads of a record (a Record, or a row an import wrote)."""

    __tablename__: Any
    id: int
    version: int

    @property
    def office_scope(self) -> int | None: ...


def entry_row(action: str, obj: Audited, changes: dict) -> dict:
    """The row of an audit entry about `obj`."""
    return {
        "at": utcnow(), "user_id": acting_user_id(), "action": action,
        "record_type": obj.__tablename__, "record_id": obj.id, "record_version": obj.version,
        "office_id": obj.office_scope, "changes": json.dumps(changes, ensure_ascii=False),
    }


@event.listens_for(Session, "after_flush")
def audit_changes(session: Session, _context: Any) -> None:
    """Log every created and changed record, in the flush's own transaction."""
    entries: dict[Record, tuple[bool, dict]] = {}
    for new, objects in ((True, session.new), (False, session.dirty)):
        for obj in objects:
            if isinstance(obj, Record):
                entries[obj] = (new, _changes(obj, new))
    # a part's changes (a case's personal details) are also written in its owner's history
    for part, (_new, changes) in list(entries.items()):
        owner = getattr(part, part.part_of, None) if part.part_of and changes else None
        if isinstance(owner, Record):
            owner_new, owner_changes = entries.get(owner, (False, {}))
            relation = next(r.key for r in inspect(owner).mapper.relationships
                            if r.mapper.class_ is type(part))
            owner_changes.update({f"{relation}.{key}": value for key, value in changes.items()})
            entries[owner] = (owner_new, owner_changes)
    rows = [entry_row(_action(obj, changes, new), obj, changes)
            for obj, (new, changes) in entries.items() if changes or new]
    if rows:
        session.connection().execute(table_of(AuditEntry).insert(), rows)


def log_view(obj: Record, what: str = "view_personal") -> None:
    """Log that someone saw a record's personal details."""
    db.session.execute(table_of(AuditEntry).insert(), [entry_row(what, obj, {})])
    db.session.commit()


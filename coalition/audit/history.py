"""Each record's history, read from the audit trail, and how a change is shown.

A change reads the way a person reads the record: each field by its declared label, coded
values by their label, related records and users by their name, yes/no and dates in the
user's language, personal values masked.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from coalition.audit.models import MASK, AuditEntry
from coalition.database import Model, db
from coalition.fields import ONE, RECORD_LABELS, bound, field_of_attribute, parse_stored, shown

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Moved to the trash"),
    "restore": _l("Restored"),
    "view_personal": _l("Personal details viewed"),
    "export_external": _l("Exported for an external body"),
}


def model_of(table: str) -> type[Any] | None:
    """The model stored in a table, or None."""
    return next((mapper.class_ for mapper in Model.registry.mappers
                 if getattr(mapper.class_, "__tablename__", None) == table), None)


def _related(model: type[Any] | None, attr: str) -> type[Any] | None:
    """The model a foreign-key attribute (`office_id`) points to."""
    if model is None or getattr(model, "fields", None) is None:
        return None
    return next((b.target for b in bound(model) if b.kind == ONE and b.attr == attr), None)


def readable(model: type[Any] | None, attr: str, value: Any) -> str:
    """One stored value of a change, as a person reads it."""
    if value == MASK:
        return MASK
    target = _related(model, attr)
    if target is not None and value is not None:
        record = db.session.get(target, value)
        return str(record) if record is not None else "—"
    declared = field_of_attribute(model, attr) if model is not None else None
    return shown(declared, parse_stored(value))


def label_of(model: type[Any] | None, attr: str) -> str:
    """The label of a changed attribute: its declared field's, else a record's own."""
    declared = field_of_attribute(model, attr) if model is not None else None
    if declared is not None:
        return str(declared.label)
    return str(RECORD_LABELS.get(attr, attr.replace("_", " ")))


def added_removed(old: list | None, new: list) -> tuple[list, list]:
    """What a collection's change added and removed."""
    return [item for item in new if item not in (old or [])], [
        item for item in old or [] if item not in new]


def _change_html(model: type[Any] | None, attr: str, old, new) -> Markup:
    """One change: field: old → new, or for a collection: + added − removed."""
    if isinstance(new, list):
        added, removed = added_removed(old, new)
        marks = [*(Markup('<ins>+ <bdi dir="auto">{}</bdi></ins>').format(i) for i in added),
                 *(Markup('<del>− <bdi dir="auto">{}</bdi></del>').format(i) for i in removed)]
        return Markup("<li>{}: {}</li>").format(label_of(model, attr), Markup(" ").join(marks))
    return Markup('<li>{}: <bdi dir="auto">{}</bdi> → <bdi dir="auto">{}</bdi></li>').format(
        label_of(model, attr), readable(model, attr, old), readable(model, attr, new))


def changes_html(entry: AuditEntry) -> Markup:
    """The changed fields of an entry as a small list: field: old → new (+ added − removed)."""
    model = model_of(entry.record_type)
    items = Markup("").join(_change_html(model, attr, old, new)
                            for attr, (old, new) in entry.changed.items())
    return Markup('<ul class="list-unstyled mb-0 small">{}</ul>').format(items)


def history_of(record: Any) -> list[AuditEntry]:
    """The audit entries of one record, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.record_type == record.__tablename__,
                                 AuditEntry.record_id == record.id)
        .order_by(AuditEntry.at, AuditEntry.id)
        .options(db.joinedload(AuditEntry.user))
    ))

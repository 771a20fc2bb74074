"""Each record's history, read from the audit trail, and how a change is shown."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from coalition.audit.models import AuditEntry
from coalition.database import db

ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Moved to the trash"),
    "restore": _l("Restored"),
    "view_personal": _l("Personal details viewed"),
}


def changes_html(entry: AuditEntry) -> Markup:
    """The changed fields of an entry as a small list: field: old → new."""
    items = Markup("").join(
        Markup('<li><code>{}</code>: <bdi dir="auto">{}</bdi> → <bdi dir="auto">{}</bdi></li>')
        .format(field, "—" if old is None else old, "—" if new is None else new)
        for field, (old, new) in entry.changed.items()
    )
    return Markup('<ul class="list-unstyled mb-0 small">{}</ul>').format(items)


def history_of(record) -> list[AuditEntry]:
    """The audit entries of one record, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.record_type == record.__tablename__,
                                 AuditEntry.record_id == record.id)
        .order_by(AuditEntry.at, AuditEntry.id)
        .options(db.joinedload(AuditEntry.user))
    ))

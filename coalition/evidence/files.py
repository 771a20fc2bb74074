"""Keeping and reading evidence files under the access rules of the record they belong to."""

import hashlib
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from coalition import access
from coalition.crypto import cipher
from coalition.database import Record, db
from coalition.evidence.kinds import accepted_names, matches_name, sniff
from coalition.evidence.models import Evidence


class EvidenceError(ValueError):
    """A file that cannot be kept; the message says why, in the user's language."""


def personal(record: Record) -> bool:
    """True if the record's files are personal data (cases, documented persons)."""
    return type(record).personal_access is not None


def _may(user: Any, action: str, record: Record) -> bool:
    """The access rules of the record, and of its personal details for personal files."""
    if record.deleted_at is not None:  # a record in the trash takes its files with it
        return False
    keys = [record.__tablename__, type(record).personal_access]
    return all(access.can(user, action, key, record.office_scope) for key in keys if key)


def may_read(user: Any, record: Record) -> bool:
    """True if the user may open the record's files."""
    return _may(user, access.READ, record)


def may_attach(user: Any, record: Record) -> bool:
    """True if the user may add files to the record or move them to the trash."""
    return _may(user, access.WRITE, record)


def files_of(record: Record) -> list[Evidence]:
    """The record's files, oldest first (those in the trash left out)."""
    return list(db.session.scalars(
        select(Evidence).where(Evidence.record_type == record.__tablename__,
                               Evidence.record_id == record.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.id)))


def attach(record: Record, file_name: str, content: bytes) -> Evidence:
    """Keep a file for a record, once its content says it is what its name says."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if not content:
        raise EvidenceError(_("The file is empty."))
    if len(content) > limit:
        raise EvidenceError(_("The file is larger than %(mb)s MB.", mb=limit // 1_000_000))
    kind = sniff(content)
    if kind is None:
        raise EvidenceError(_("This file is not one of the accepted kinds (%(names)s), or "
                              "its content is damaged.", names=accepted_names()))
    if not matches_name(kind, file_name):
        raise EvidenceError(_("The file named %(name)s is not what its name says: its "
                              "content is %(kind)s.", name=file_name, kind=kind.upper()))
    secret = personal(record)
    evidence = Evidence(
        record_type=record.__tablename__, record_id=record.id, office_id=record.office_scope,
        file_name=file_name[-255:], kind=kind, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), encrypted=secret,
        content=cipher().encrypt(content) if secret else content)
    db.session.add(evidence)
    db.session.commit()
    return evidence


def content_of(evidence: Evidence) -> bytes:
    """The file's bytes, decrypted where they are kept encrypted."""
    return cipher().decrypt(evidence.content) if evidence.encrypted else evidence.content

"""Evidence files: added from a record's page, opened through the record's access rules."""

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from coalition import access
from coalition.audit.history import model_of
from coalition.database import Record, db, utcnow
from coalition.evidence.files import (
    EvidenceError,
    attach,
    content_of,
    may_attach,
    may_read,
)
from coalition.evidence.kinds import KINDS
from coalition.evidence.models import Evidence

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _record(table: str, record_id: int) -> Record:
    """The record a file belongs to; 404 when there is none (or it is in the trash)."""
    model = model_of(table)
    if model is None or not issubclass(model, Record) or model is Evidence:
        abort(404)
    record = db.session.get(model, record_id)
    if record is None or record.deleted_at is not None:
        abort(404)
    return record


def _details(record: Record) -> str:
    """The address of the record's page, from its screen."""
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if getattr(view, "model", None) is type(record):
                return url_for(f"{view.endpoint}.details_view", id=record.id)
    return url_for("admin.index")


@bp.post("/<table>/<int:record_id>")
@login_required
def upload(table: str, record_id: int) -> ResponseReturnValue:
    """Attach the posted file to the record (its writers only)."""
    record = _record(table, record_id)
    access.require(may_attach(current_user, record))
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(_details(record)), 303
    try:
        evidence = attach(record, sent.filename, sent.read())
    except EvidenceError as error:
        flash(str(error), "error")
        return redirect(_details(record)), 303
    flash(_("Attached: %(name)s", name=evidence.file_name), "success")
    return redirect(_details(record)), 303


def _evidence(evidence_id: int, *, write: bool = False) -> tuple[Evidence, Record]:
    """A file and its record, if the user may read it (or change it)."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.deleted_at is not None:
        abort(404)
    record = _record(evidence.record_type, evidence.record_id)
    allowed = may_attach if write else may_read
    access.require(allowed(current_user, record))
    return evidence, record


@bp.get("/<int:evidence_id>")
@login_required
def download(evidence_id: int) -> Response:
    """The file, as a download: never shown in the page, never cached."""
    evidence, _owner = _evidence(evidence_id)
    response = current_app.response_class(content_of(evidence),
                                          mimetype=KINDS[evidence.kind][1])
    response.headers["Content-Disposition"] = _disposition(evidence.file_name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:evidence_id>/delete")
@login_required
def delete(evidence_id: int) -> ResponseReturnValue:
    """Move a file to the trash (its record's writers)."""
    evidence, record = _evidence(evidence_id, write=True)
    evidence.deleted_at = utcnow()
    db.session.commit()
    flash(_("Moved to the trash: %(name)s", name=evidence.file_name), "success")
    return redirect(_details(record)), 303


def trashed_files(limit: int = 100) -> list[Evidence]:
    """The files moved to the trash one by one, newest first (the trash screen lists them)."""
    return list(db.session.scalars(select(Evidence).where(Evidence.deleted_at.is_not(None))
                                   .order_by(Evidence.deleted_at.desc()).limit(limit)))


@bp.post("/<int:evidence_id>/restore")
@login_required
def restore(evidence_id: int) -> ResponseReturnValue:
    """Take a file out of the trash (who restores from the trash: admins)."""
    access.require(access.can(current_user, access.WRITE, "trash", any_office=True))
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.deleted_at is None:
        abort(404)
    evidence.deleted_at = None
    db.session.commit()
    flash(_("Restored: %(record)s", record=evidence.file_name), "success")
    return redirect(url_for("trash.index")), 303


def _disposition(name: str) -> str:
    """An attachment header that keeps an Arabic file name (RFC 6266 / 5987)."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                    for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"

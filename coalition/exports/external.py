"""Exports for a named external body (WGEID, ICRC, IIMP, ICMP …): one row per person whose
family consented to sharing with that body, with only the fields that sharing allows.

Made by admins and the holding office's coordinators (who see the names); every export is
written in the audit trail (who, when, for which body, how many persons). A consent that is
withdrawn, refused or in the trash leaves the person out at once: the rows are read from the
consents in force at the moment of the export.
"""

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import insert, or_, select

from coalition import access
from coalition.audit.models import AuditEntry, entry_row
from coalition.database import db
from coalition.detainees.models import Consent, DetentionEpisode, ExternalBody, Person
from coalition.exports.cells import SheetWriter, csv_value, width_of
from coalition.fields import shown
from coalition.i18n import text_direction

bp = Blueprint("external_exports", __name__, url_prefix="/exports/external")

#: the fields an external body may be given, and where each is read
PERSON_FIELDS = ("reference", "first_name", "father_name", "family_name", "mother_name",
                 "latin_name", "sex", "birth_year", "governorate", "town", "status",
                 "death_knowledge")
EPISODE_FIELDS = ("arrested_on", "detaining_party", "facility", "court")
ALLOWED = (*PERSON_FIELDS, *EPISODE_FIELDS)


def _scope() -> int | None:
    """The office whose files the user may export (None: every office); 403 for others."""
    granted = access.scope(current_user, access.READ, Person.personal_access)
    if granted == access.ALL:
        return None
    if granted == access.OWN and current_user.office_id:
        return current_user.office_id
    access.require(False)
    return None


def shared_fields(body: ExternalBody) -> list[str]:
    """The fields the body's export carries: those it names, among those allowed."""
    named = [name.strip() for name in (body.shared_fields or "").split(",")]
    return [name for name in ALLOWED if name in named]


def consenting(body: ExternalBody, office_id: int | None, on: date | None = None
               ) -> list[Person]:
    """The persons whose family's consent to share with `body` is in force `on` (today)."""
    on = on or date.today()
    query = (select(Person).join(Consent, Consent.person_id == Person.id)
             .where(Person.deleted_at.is_(None), Consent.deleted_at.is_(None),
                    Consent.purpose == "external_sharing", Consent.external_body_id == body.id,
                    Consent.given.is_(True), Consent.given_on <= on,
                    or_(Consent.withdrawn_on.is_(None), Consent.withdrawn_on > on))
             .distinct().order_by(Person.reference))
    if office_id is not None:
        query = query.where(Person.office_id == office_id)
    return list(db.session.scalars(query))


def _value(person: Person, name: str, latest: DetentionEpisode | None):
    """One cell: a person's field, or one of the latest episode's."""
    if name in EPISODE_FIELDS:
        if latest is None:
            return None
        declared = DetentionEpisode.fields.get(name)
        value = getattr(latest, name)
    else:
        declared, value = Person.fields.get(name), getattr(person, name)
    if declared is not None and declared.choices is not None:
        return shown(declared, value) if value else None
    return value


def _label(name: str) -> str:
    model = DetentionEpisode if name in EPISODE_FIELDS else Person
    return str(model.fields.by_name[name].label)


def rows(body: ExternalBody, office_id: int | None) -> tuple[list[str], list[list]]:
    """The header and the rows of a body's export."""
    names = shared_fields(body)
    table = []
    for person in consenting(body, office_id):
        episodes = [e for e in person.episodes if e.deleted_at is None and e.arrested_on]
        latest = max(episodes, key=lambda e: e.arrested_on, default=None)
        table.append([_value(person, name, latest) for name in names])
    return [_label(name) for name in names], table


def _body(code: str) -> ExternalBody:
    body = db.session.scalar(select(ExternalBody).where(ExternalBody.code == code,
                                                        ExternalBody.deleted_at.is_(None)))
    if body is None:
        abort(404)
    return body


@bp.route("/")
def index() -> str:
    """The external bodies, with how many persons each export would carry."""
    office_id = _scope()
    bodies = list(db.session.scalars(select(ExternalBody).where(
        ExternalBody.deleted_at.is_(None)).order_by(ExternalBody.code)))
    counts = {body.id: len(consenting(body, office_id)) for body in bodies}
    return render_template("exports/external.html", bodies=bodies, counts=counts,
                           fields={body.id: [_label(n) for n in shared_fields(body)]
                                   for body in bodies})


@bp.route("/<code>.<any(xlsx, csv):fmt>")
def export(code: str, fmt: str) -> Response:
    """The export for one body, as a workbook or CSV; written in the audit trail."""
    office_id = _scope()
    body = _body(code)
    header, table = rows(body, office_id)
    db.session.execute(insert(AuditEntry), [{
        **entry_row("export_external", body, {"persons": [None, len(table)],
                                              "format": [None, fmt]}),
        "office_id": office_id}])
    db.session.commit()
    name = f"{body.code}-{date.today().isoformat()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store"}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([[csv_value(v) for v in row] for row in table])
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers=headers)
    book = Workbook(write_only=True)
    sheet = SheetWriter(book, body.code.upper(), rtl=text_direction() == "rtl")
    sheet.widths([width_of([label, *(row[n] for row in table)])
                  for n, label in enumerate(header)])
    sheet.header(header)
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), headers=headers, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


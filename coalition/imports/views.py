"""The import page: download the template, upload a workbook; the import runs as a job.

The upload is kept (encrypted) with a job and checked and written by the job worker, off
the web worker; the job's page shows its progress and then the report.
"""

from io import BytesIO
from typing import Any

from flask import abort, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from coalition import access
from coalition.database import db
from coalition.imports.importer import own_office_only
from coalition.imports.layout import IMPORT_SHEETS
from coalition.imports.template import CONTENT_TYPE, FILE_NAME, build_template
from coalition.imports.workbook import max_bytes, too_large_message
from coalition.jobs import TooManyJobs
from coalition.jobs.models import IMPORT, UPLOAD
from coalition.jobs.queue import start_job
from coalition.offices.models import Office, Project, Track


class ImportForm(FlaskForm):
    """A workbook to import, the office to import into (admins), and the dry-run switch."""

    workbook = FileField(_l("Workbook (.xlsx)"),
                         validators=[FileRequired(_l("Choose a workbook to import."))])
    # checked by the view: a coordinator's browser may send nothing for their one office
    office = SelectField(_l("Import into"), choices=[], validate_choice=False)
    dry_run = BooleanField(_l("Check only (dry run): write nothing"))


def _named(model, order) -> list:
    return list(db.session.scalars(select(model).where(model.deleted_at.is_(None))
                                   .order_by(order)))


class ImportView(BaseView):
    """Bring the offices' spreadsheets in: checked in full first, written all or nothing."""

    def is_accessible(self) -> bool:
        return any(access.can(current_user, access.WRITE, sheet.kind, any_office=True)
                   for sheet in IMPORT_SHEETS)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path))
        abort(403)

    @staticmethod
    def _offices() -> list[Office]:
        """The offices the user may import into: a coordinator's own, or every office."""
        if own_office_only(current_user):
            return [current_user.office] if current_user.office else []
        return _named(Office, Office.name_ar)

    @expose("/", methods=("GET", "POST"))
    def index(self) -> ResponseReturnValue:
        form = ImportForm()
        offices = self._offices()
        own_only = own_office_only(current_user)
        form.office.choices = [*([] if own_only else [("", _l("The office named in each row"))]),
                               *((str(o.id), str(o)) for o in offices)]
        status = 200
        if form.validate_on_submit():
            office = (current_user.office if own_only else
                      next((o for o in offices if str(o.id) == form.office.data), None))
            upload = form.workbook.data
            data = upload.stream.read(max_bytes() + 1)
            if not own_only and form.office.data and office is None:
                form.office.errors = [*form.office.errors,
                                      _("A value is out of range or not valid for its field.")]
                status = 400
            elif len(data) > max_bytes():
                form.workbook.errors = [too_large_message(max_bytes())]
                status = 413
            else:
                try:
                    job = start_job(IMPORT, params={"dry_run": bool(form.dry_run.data)},
                                    office_id=office.id if office else None,
                                    files={UPLOAD: (upload.filename or "", data)})
                except TooManyJobs:
                    form.workbook.errors = [_too_many()]
                    status = 429
                else:
                    return redirect(url_for("jobs.show", job_id=job.id), 303)
        elif form.is_submitted():
            status = 422  # refused: the page says why, and so does the status
        return self.render("imports/index.html", form=form), status

    @expose("/template")
    def template(self) -> ResponseReturnValue:
        """The template workbook, with labels in the user's language."""
        data = build_template(self._offices(), _named(Track, Track.number),
                              _named(Project, Project.code))
        return send_file(BytesIO(data), mimetype=CONTENT_TYPE, as_attachment=True,
                         download_name=FILE_NAME)


def _too_many() -> str:
    """The message for a user who already has as many jobs running as allowed."""
    return _("You already have work running; wait until it is done, then try again.")

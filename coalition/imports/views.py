"""The import page: download the template, upload a workbook, read the report."""

from io import BytesIO

from flask import abort, redirect, request, send_file, url_for
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
from coalition.imports.importer import Actor, import_workbook, own_office_only
from coalition.imports.sheets import SHEETS
from coalition.imports.template import CONTENT_TYPE, FILE_NAME, build_template
from coalition.imports.workbook import max_bytes, too_large_message
from coalition.offices.models import Office, Project, Track

#: rows of the report shown on the page; the counts always cover every row
SHOWN_ROWS = 1000


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
                   for sheet in SHEETS)

    def inaccessible_callback(self, name, **kwargs):
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
    def index(self):
        form = ImportForm()
        offices = self._offices()
        own_only = own_office_only(current_user)
        form.office.choices = [*([] if own_only else [("", _l("The office named in each row"))]),
                               *((str(o.id), str(o)) for o in offices)]
        report, status = None, 200
        if form.validate_on_submit():
            office = (current_user.office if own_only else
                      next((o for o in offices if str(o.id) == form.office.data), None))
            data = form.workbook.data.stream.read(max_bytes() + 1)
            if not own_only and form.office.data and office is None:
                form.office.errors = [*form.office.errors,
                                      _("A value is out of range or not valid for its field.")]
            elif len(data) > max_bytes():
                form.workbook.errors = [too_large_message(max_bytes())]
                status = 413
            else:
                actor = Actor(current_user._get_current_object())
                report = import_workbook(data, actor=actor, office=office,
                                         dry_run=form.dry_run.data)
        if request.method == "POST" and status == 200 and (report is None or not report.ok):
            status = 422  # refused: the page says why, and so does the status
        return self.render("imports/index.html", form=form, report=report,
                           shown_rows=SHOWN_ROWS), status

    @expose("/template")
    def template(self):
        """The template workbook, with labels in the user's language."""
        data = build_template(self._offices(), _named(Track, Track.number),
                              _named(Project, Project.code))
        return send_file(BytesIO(data), mimetype=CONTENT_TYPE, as_attachment=True,
                         download_name=FILE_NAME)

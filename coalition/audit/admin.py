"""The audit trail screen and the trash (admins), and each record's history."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from coalition import access
from coalition.audit.models import AuditEntry
from coalition.extensions import db

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


class AuditView(ModelView):
    """The append-only audit trail, searchable and filtered; nothing here can be changed."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    page_size = 50
    column_default_sort = ("at", True)
    column_list = ("at", "user", "action", "record_type", "record_id", "office_id", "changes")
    column_filters = ("at", "action", "record_type", "record_id", "user_id", "office_id")
    column_sortable_list = ("at", "action", "record_type", "record_id")
    column_labels = {
        "at": _l("When"), "user": _l("Who"), "action": _l("Action"),
        "record_type": _l("Record type"), "record_id": _l("Record"), "office_id": _l("Office"),
        "changes": _l("Changes"), "user_id": _l("User"), "record_version": _l("Version"),
    }
    column_formatters = {
        "action": lambda _v, _c, m, _n: ACTIONS.get(m.action, m.action),
        "record_type": lambda view, _c, m, _n: view.screen_names().get(m.record_type,
                                                                      m.record_type),
        "changes": lambda _v, _c, m, _n: changes_html(m),
    }
    column_formatters_detail = column_formatters

    def screen_names(self) -> dict:
        """Table name -> the name of its screen, in the user's language."""
        return {getattr(v, "model", None).__tablename__: v.name for v in self.admin._views
                if getattr(v, "model", None) is not None and hasattr(v.model, "__tablename__")}

    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, "audit", any_office=True)

    def inaccessible_callback(self, name, **kwargs):
        access.require(False)

    # append-only: the routes Flask-Admin adds for changes answer 403, not a redirect
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        abort(403)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        abort(403)

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        abort(403)

    @expose("/action/", methods=("POST",))
    def action_view(self):
        abort(403)

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        abort(403)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        abort(404)


class TrashView(BaseView):
    """What was deleted, newest first, with a restore button (admins)."""

    def __init__(self, views, **kwargs):
        self.record_views = views
        super().__init__(**kwargs)

    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, "trash", any_office=True)

    def inaccessible_callback(self, name, **kwargs):
        access.require(False)

    def _view(self, screen: str):
        view = next((v for v in self.record_views() if v.endpoint == screen), None)
        if view is None:
            abort(404)
        return view

    @expose("/")
    def index(self):
        sections = []
        for view in self.record_views():
            rows = db.session.scalars(
                select(view.model).where(view.model.deleted_at.is_not(None))
                .order_by(view.model.deleted_at.desc()).limit(100)).all()
            if rows:
                sections.append((view, rows))
        return self.render("admin/trash.html", sections=sections)

    @expose("/restore/<screen>/<int:record_id>", methods=("POST",))
    def restore(self, screen: str, record_id: int):
        view = self._view(screen)
        record = db.session.get(view.model, record_id)
        if record is None or record.deleted_at is None:
            abort(404)
        record.deleted_at = None
        db.session.commit()
        flash(_("Restored: %(record)s", record=record), "success")
        return redirect(request.form.get("next") or url_for(".index"))


def register(admin) -> None:
    """Add the audit trail and the trash screens."""
    from coalition.admin import RecordView

    category = _l("Administration")
    admin.add_view(AuditView(AuditEntry, db, name=_l("Audit trail"), endpoint="audit",
                             url="/audit", category=category))
    admin.add_view(TrashView(
        lambda: [v for v in admin._views if isinstance(v, RecordView)],
        name=_l("Trash"), endpoint="trash", url="/trash", category=category))

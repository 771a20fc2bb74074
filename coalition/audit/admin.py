"""The audit trail screen and the trash (admins), and each record's history."""

from collections.abc import Sequence
from typing import Any, NoReturn

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from coalition import access
from coalition.audit.history import ACTIONS, changes_html
from coalition.database import Refused, db
from coalition.security import on_site


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
        return {v.model.__tablename__: v.name for v in self.admin._views
                if hasattr(getattr(v, "model", None), "__tablename__")}

    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, "audit", any_office=True)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> None:
        access.require(False)

    # append-only: the routes Flask-Admin adds for changes answer 403, not a redirect
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> NoReturn:
        abort(403)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> NoReturn:
        abort(403)

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> NoReturn:
        abort(403)

    @expose("/action/", methods=("POST",))
    def action_view(self) -> NoReturn:
        abort(403)

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> NoReturn:
        abort(403)

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> NoReturn:
        abort(404)


class TrashView(BaseView):
    """What was deleted, newest first, with a restore button (admins)."""

    def __init__(self, views: Any, files: Any = None, **kwargs: Any):
        self.record_views = views
        #: the evidence files moved to the trash one by one (a callable; none: no section)
        self.trashed_files = files
        super().__init__(**kwargs)

    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, "trash", any_office=True)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> None:
        access.require(False)

    def _view(self, screen: str):
        view = next((v for v in self.record_views(self.admin) if v.endpoint == screen), None)
        if view is None:
            abort(404)
        return view

    @expose("/")
    def index(self) -> ResponseReturnValue:
        sections = []
        for view in self.record_views(self.admin):
            rows: Sequence[Any] = db.session.scalars(
                select(view.model).where(view.model.deleted_at.is_not(None))
                .order_by(view.model.deleted_at.desc()).limit(100)).all()
            if rows:
                sections.append((view, rows))
        files = self.trashed_files() if self.trashed_files else []
        return self.render("admin/trash.html", sections=sections, files=files)

    @expose("/restore/<screen>/<int:record_id>", methods=("POST",))
    def restore(self, screen: str, record_id: int) -> ResponseReturnValue:
        view = self._view(screen)
        record = db.session.get(view.model, record_id)
        if record is None or record.deleted_at is None:
            abort(404)
        record.deleted_at = None
        try:
            db.session.commit()
        except Refused as refused:  # e.g. dated in a locked month
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for(".index"))
        flash(_("Restored: %(record)s", record=record), "success")
        return redirect(on_site(request.form.get("next"), url_for(".index")))

"""The home page: what the signed-in user can do next."""

import datetime as dt
from typing import Any

from flask import redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import AdminIndexView, expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coalition import access
from coalition.reporting.admin import attention

#: (endpoint, what it offers) in the order a coordinator's week goes
SHORTCUTS = (
    ("meetings", _l("Log a meeting")),
    ("trainings", _l("Log a workshop or training")),
    ("videos", _l("Log an awareness video")),
    ("awareness_activities", _l("Log an awareness activity")),
    ("events", _l("Log an event")),
    ("cases", _l("Open a legal-protection case")),
    ("publications", _l("Add a publication")),
    ("contacts", _l("Add to the directory")),
    ("partners", _l("Add a partner organisation")),
)


#: (endpoint, what it offers) of the administration screens, for those who may open them
ADMINISTRATION = (
    ("users.index_view", "users", _l("Manage the users and their roles")),
    ("audit.index_view", "audit", _l("Read the audit trail: who changed what, when")),
    ("trash.index", "trash", _l("Restore deleted records from the trash")),
)


def next_steps(admin: Any) -> dict:
    """The actions the home page offers to the signed-in user, asked of the access rules."""
    views = {getattr(v, "endpoint", None): v for v in admin._views}
    create, browse = [], []
    for endpoint, label in SHORTCUTS:
        view = views.get(endpoint)
        if view is None or not view.is_accessible():
            continue
        if view.can_create:
            create.append((label, f"{endpoint}.create_view"))
        browse.append((view.name, f"{endpoint}.index_view"))
    imports = views.get("imports")
    manage = [(label, endpoint) for endpoint, name, label in ADMINISTRATION
              if (view := views.get(name)) is not None and view.is_accessible()]
    return {
        "manage": manage,
        "workbook": access.has_feature(current_user, "export"),
        "reads_all": access.scope(current_user, access.READ, "meetings") == access.ALL
        and not create,
        "imports": imports is not None and imports.is_accessible(),
        "create": create,
        "browse": browse,
        "dashboard": access.has_feature(current_user, "dashboard"),
        "annual_report": access.has_feature(current_user, "annual_report"),
        "office": current_user.office,
        "months": attention(current_user, dt.date.today()),
    }


class HomeView(AdminIndexView):
    """The home page: what the signed-in user can do next."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        return self.render("admin/index.html", steps=next_steps(self.admin))

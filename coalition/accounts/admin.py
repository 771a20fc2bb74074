"""The users screen (admins only)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from coalition.accounts.models import User
from coalition.accounts.passwords import password_problem
from coalition.choices import ROLES
from coalition.i18n import LANGUAGE_NAMES
from coalition.offices.models import Office
from coalition.views import RecordView, choice_filters, relation_filter


class UserView(RecordView):
    """Users, their role and office; a password set here is hashed, never shown."""

    column_list = ("username", "display_name", "role", "office", "active", "locale")
    column_searchable_list = ("username", "display_name", "email")
    column_sortable_list = ("username", "display_name", "role", "active")
    column_filters = (*choice_filters(User.role, _l("Role"), ROLES),
                      relation_filter(Office, _l("Office")), "active")
    column_default_sort = ("username", False)
    column_choices = {"role": ROLES.form()}
    form_choices = {"role": ROLES.form(), "locale": list(LANGUAGE_NAMES.items())}
    column_formatters = {"locale": lambda _v, _c, m, _n: LANGUAGE_NAMES.get(m.locale, "—")}
    form_columns = ("username", "display_name", "email", "role", "office", "locale", "active")
    column_details_exclude_list = ("deleted_at", "password_hash", "session_token")
    form_extra_fields = {
        **RecordView.form_extra_fields,
        "new_password": PasswordField(_l("New password"), [Optional(), Length(max=200)]),
    }
    column_labels = {
        "username": _l("Username"),
        "display_name": _l("Name"),
        "email": _l("Email"),
        "role": _l("Role"),
        "locale": _l("Language"),
        "active": _l("Active"),
    }

    def check_form(self, form) -> None:
        if form.role.data == "coordinator" and not form.office.data:
            form.office.errors = [*form.office.errors,
                                  _("A coordinator belongs to an office.")]
        password = form.new_password.data or ""
        if password and (problem := password_problem(password)):
            form.new_password.errors = [*form.new_password.errors, problem]
        if not password and not form.record_version.data:
            form.new_password.errors = [*form.new_password.errors,
                                        _("A new user needs a password.")]

    def on_model_change(self, form, model, is_created) -> None:
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.set_password(form.new_password.data)

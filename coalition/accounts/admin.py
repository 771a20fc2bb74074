"""The users screen (admins only)."""

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from coalition.accounts.passwords import password_problem
from coalition.views import RecordView


class UserView(RecordView):
    """Users, their role and office; a password set here is hashed, never shown."""

    column_default_sort = ("username", False)
    column_details_exclude_list: tuple[str, ...] = ("deleted_at", "password_hash", "session_token")
    form_extra_fields = {
        **RecordView.form_extra_fields,
        "new_password": PasswordField(_l("New password"), [Optional(), Length(max=200)]),
    }

    def check_form(self, form: Any) -> None:
        super().check_form(form)
        password = form.new_password.data or ""
        if password and (problem := password_problem(password)):
            form.new_password.errors = [*form.new_password.errors, problem]
        if not password and not form.record_version.data:
            form.new_password.errors = [*form.new_password.errors,
                                        _("A new user needs a password.")]

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.set_password(form.new_password.data)

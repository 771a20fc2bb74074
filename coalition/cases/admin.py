"""The cases screen; personal details only for the case's office and admins."""

from typing import Any

from flask_login import current_user
from wtforms import StringField, TextAreaField

from coalition import access
from coalition.audit.models import log_view
from coalition.cases.models import PERSONAL_FIELDS, CasePersonal
from coalition.views import Declared, RecordView

#: the personal details' declared fields, by the case form's field name
_PERSONAL = {name: CasePersonal.fields.by_name[column] for name, column in PERSONAL_FIELDS.items()}


def _personal_field(name: str):
    """A form field for one personal detail, from CasePersonal's declaration."""
    declared = _PERSONAL[name]
    kind = TextAreaField if declared.name == "notes" else StringField
    return kind(declared.label, [Declared(declared)],
                render_kw={"dir": "ltr"} if declared.ltr else None)


class CaseView(RecordView):
    """Legal-protection cases: pseudonymous; personal details kept apart and need-to-know."""

    column_default_sort = ("opened_on", True)
    form_extra_fields = {**RecordView.form_extra_fields,
                         **{name: _personal_field(name) for name in PERSONAL_FIELDS}}
    details_template = "admin/case_details.html"

    def _may_see_personal(self, office_id: int | None) -> bool:
        return access.can(current_user, access.READ, CasePersonal.__tablename__, office_id)

    def _personal_form(self, form, may_see: bool):
        """Drop the personal fields from a form the user may not fill."""
        if not may_see:
            for name in PERSONAL_FIELDS:
                del form[name]
        return form

    def create_form(self, obj: Any = None) -> Any:
        may_see = access.can(current_user, access.WRITE, CasePersonal.__tablename__,
                             any_office=True)
        return self._personal_form(super().create_form(obj), may_see)

    def edit_form(self, obj: Any = None) -> Any:
        may_see = obj is not None and self._may_see_personal(obj.office_id)
        form = self._personal_form(super().edit_form(obj), may_see)
        if obj is not None and obj.personal and "personal_name" in form:
            for name, column in PERSONAL_FIELDS.items():
                if not form[name].raw_data:
                    form[name].data = getattr(obj.personal, column)
        return form

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        if "personal_name" not in form:
            return
        values = {column: form[name].data or "" for name, column in PERSONAL_FIELDS.items()}
        if any(values.values()) or model.personal:
            model.personal = model.personal or CasePersonal()
            for column, value in values.items():
                setattr(model.personal, column, value)

    def render(self, template: str, **kwargs: Any) -> str:
        """Add the personal details to the details page for those who may see them."""
        model = kwargs.get("model")
        if (template == self.edit_template and model is not None and model.personal
                and "personal_name" in kwargs.get("form", ())):
            log_view(model)  # the edit page shows the personal details too
        if template == self.details_template and model is not None and model.personal:
            if self._may_see_personal(model.office_id):
                log_view(model)  # every view of personal details is on record
                kwargs["personal"] = [
                    (_PERSONAL[name].label, getattr(model.personal, column), _PERSONAL[name].ltr)
                    for name, column in PERSONAL_FIELDS.items()
                ]
        return super().render(template, **kwargs)

"""The cases screen; personal details only for the case's office and admins."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from coalition import access
from coalition.audit.models import log_view
from coalition.cases.models import Case, CasePersonal
from coalition.choices import (
    CASE_STATUSES,
    CONSULTATION_OUTCOMES,
    COURT_REFERRALS,
    MEDIATIONS,
    PROBLEM_CATEGORIES,
    REFERRAL_RESULTS,
)
from coalition.offices.filters import tag_filters
from coalition.views import RecordView, choice_filters

#: form field -> CasePersonal column
PERSONAL_FIELDS = {
    "personal_name": "full_name",
    "personal_phone": "phone",
    "personal_id_number": "id_number",
    "personal_notes": "notes",
}


class CaseView(RecordView):
    """Legal-protection cases: pseudonymous; personal details kept apart and need-to-know."""

    column_list = ("reference", "opened_on", "office", "problem_category",
                   "consultation_outcome", "mediation", "court_referral", "status")
    column_searchable_list = ("reference",)
    column_sortable_list = ("reference", "opened_on", "closed_on", "status",
                            "consultation_outcome", ("office", "office.name_ar"))
    column_filters = (
        "opened_on", "closed_on", *tag_filters(),
        *choice_filters(Case.problem_category, _l("Problem category"), PROBLEM_CATEGORIES),
        *choice_filters(Case.consultation_outcome, _l("Consultation outcome"),
                      CONSULTATION_OUTCOMES),
        *choice_filters(Case.mediation, _l("Mediation"), MEDIATIONS),
        *choice_filters(Case.court_referral, _l("Court referral"), COURT_REFERRALS),
        *choice_filters(Case.status, _l("Status"), CASE_STATUSES),
    )
    column_default_sort = ("opened_on", True)
    column_choices = {
        "problem_category": PROBLEM_CATEGORIES.form(),
        "consultation_outcome": CONSULTATION_OUTCOMES.form(),
        "mediation": MEDIATIONS.form(),
        "court_referral": COURT_REFERRALS.form(),
        "referral_result": REFERRAL_RESULTS.form(),
        "status": CASE_STATUSES.form(),
    }
    form_choices = column_choices
    form_columns = ("office", "track", "project", "opened_on", "closed_on", "problem_category",
                    "consultation_outcome", "mediation", "court_referral", "referral_result",
                    "status", "consent_given", "consent_date", "consent_scope")
    column_details_list = ("reference", *form_columns, "created_at", "created_by",
                           "updated_at", "updated_by")
    form_extra_fields = {
        **RecordView.form_extra_fields,
        "personal_name": StringField(_l("Name"), [Length(max=200)]),
        "personal_phone": StringField(_l("Phone"), [Length(max=50)]),
        "personal_id_number": StringField(_l("ID number"), [Length(max=50)]),
        "personal_notes": TextAreaField(_l("Personal notes")),
    }
    column_labels = {
        "reference": _l("Reference"),
        "opened_on": _l("Opened on"),
        "closed_on": _l("Closed on"),
        "problem_category": _l("Problem category"),
        "consultation_outcome": _l("Consultation outcome"),
        "mediation": _l("Mediation"),
        "court_referral": _l("Court referral"),
        "referral_result": _l("Result of the referral"),
        "status": _l("Status"),
        "consent_given": _l("Consent given"),
        "consent_date": _l("Consent date"),
        "consent_scope": _l("What was consented to"),
    }

    def _may_see_personal(self, office_id: int | None) -> bool:
        return access.can(current_user, access.READ, "personal", office_id)

    def _personal_form(self, form, may_see: bool):
        """Drop the personal fields from a form the user may not fill."""
        if not may_see:
            for name in PERSONAL_FIELDS:
                del form[name]
        return form

    def create_form(self, obj=None):
        may_see = access.can(current_user, access.WRITE, "personal", any_office=True)
        return self._personal_form(super().create_form(obj), may_see)

    def edit_form(self, obj=None):
        may_see = obj is not None and self._may_see_personal(obj.office_id)
        form = self._personal_form(super().edit_form(obj), may_see)
        if obj is not None and obj.personal and "personal_name" in form:
            for name, column in PERSONAL_FIELDS.items():
                if not form[name].raw_data:
                    form[name].data = getattr(obj.personal, column)
        return form

    def check_form(self, form) -> None:
        self.dates_in_order(form, "opened_on", "closed_on")
        self.dates_in_order(form, "opened_on", "consent_date")
        has_personal = any(form[name].data for name in PERSONAL_FIELDS if name in form)
        if has_personal and not form.consent_given.data:
            form.consent_given.errors = [
                *form.consent_given.errors,
                _("Personal details can only be saved with the person's recorded consent."),
            ]
        if form.court_referral.data not in (None, "", "none") and not form.referral_result.data:
            form.referral_result.errors = [
                *form.referral_result.errors,
                _("Give the result of the court referral (it may be 'under follow-up')."),
            ]
        if form.status.data == "closed" and not form.closed_on.data:
            form.closed_on.errors = [*form.closed_on.errors,
                                     _("A closed case needs its closing date.")]

    def on_model_change(self, form, model, is_created) -> None:
        super().on_model_change(form, model, is_created)
        if "personal_name" not in form:
            return
        values = {column: form[name].data or "" for name, column in PERSONAL_FIELDS.items()}
        if any(values.values()) or model.personal:
            model.personal = model.personal or CasePersonal()
            for column, value in values.items():
                setattr(model.personal, column, value)

    def render(self, template, **kwargs):
        """Add the personal details to the details page for those who may see them."""
        model = kwargs.get("model")
        if template == self.details_template and model is not None and model.personal:
            if self._may_see_personal(model.office_id):
                log_view(model)  # every view of personal details is on record
                kwargs["personal"] = [
                    (self.form_extra_fields[name].args[0], getattr(model.personal, column))
                    for name, column in PERSONAL_FIELDS.items()
                ]
        return super().render(template, **kwargs)

    details_template = "admin/case_details.html"

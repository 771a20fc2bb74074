"""Screens for monitoring indicators, places and figures (fields: the models')."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import TextAreaField

from coalition import access
from coalition.audit.models import log_view
from coalition.monitoring.models import CAMPAIGN_WORK, Campaign, TestimonyStatement
from coalition.views import AUDIT_COLUMNS, Declared, RecordView

#: the testimony form's field for the statement (personal_*: no browser draft keeps it)
STATEMENT = "personal_statement"
_STATEMENT = TestimonyStatement.fields.by_name["text"]


class IndicatorView(RecordView):
    """What the coalition's figures count; offices add their own indicators."""

    column_default_sort = ("code", False)


class PlaceView(RecordView):
    """Border crossings, governorates, cities and countries the figures stand at."""

    column_default_sort = ("code", False)


class MonitoringFigureView(RecordView):
    """Figures from sources, flows and stocks, in the source's own words."""

    column_default_sort = ("dated_on", True)


class TestimonyView(RecordView):
    """Testimonies: countable facts and a summary; the statement encrypted, need-to-know."""

    column_default_sort = ("taken_on", True)
    form_extra_fields = {**RecordView.form_extra_fields,
                         STATEMENT: TextAreaField(_STATEMENT.label, [Declared(_STATEMENT)])}
    details_template = "admin/case_details.html"  # with the need-to-know part below

    def _may_see_statement(self, office_id: int | None) -> bool:
        return access.can(current_user, access.READ, TestimonyStatement.__tablename__,
                          office_id)

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        if not access.can(current_user, access.WRITE, TestimonyStatement.__tablename__,
                          any_office=True):
            del form[STATEMENT]
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        if obj is None or not self._may_see_statement(obj.office_id):
            del form[STATEMENT]
        elif obj.statement and not form[STATEMENT].raw_data:
            form[STATEMENT].data = obj.statement.text
        return form

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        if STATEMENT not in form:
            return
        text = form[STATEMENT].data or ""
        if text or model.statement:
            model.statement = model.statement or TestimonyStatement()
            model.statement.text = text

    def render(self, template: str, **kwargs: Any) -> Any:
        """The statement on the details page, for those who may read it; each view logged."""
        model = kwargs.get("model")
        if (template == self.edit_template and model is not None and model.statement
                and STATEMENT in kwargs.get("form", ())):
            log_view(model)
        if template == self.details_template and model is not None and model.statement \
                and self._may_see_statement(model.office_id):
            log_view(model)
            kwargs["personal"] = [(_STATEMENT.label, model.statement.text, False)]
        return super().render(template, **kwargs)


class CampaignView(RecordView):
    """Advocacy campaigns: aim, period, demands; its page lists the figures it cites and
    the work done for it (each piece of work names its campaign)."""

    column_default_sort = ("start_date", True)
    # the figures it cites are listed below the details, each with its page
    column_details_list = (*(f.name for f in Campaign.fields if f.name != "figures"),
                           *AUDIT_COLUMNS)
    details_related = (
        ("figures", _l("Monitoring figures it cites"), "campaign-figures"),
        *((attr, heading, f"campaign-{attr.replace('_', '-')}")
          for attr, _model, heading in CAMPAIGN_WORK),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the details page shows the demands one to a line, as they were typed
        self.column_formatters_detail = {**self.column_formatters, "demands": _demands}


def _demands(_view: Any, _context: Any, model: Any, _name: str) -> Markup:
    """A campaign's demands as a list, each isolated for its direction."""
    lines = [line.strip() for line in (model.demands or "").splitlines() if line.strip()]
    if not lines:
        return Markup("—")
    items = Markup("").join(Markup('<li><bdi dir="auto">{}</bdi></li>').format(line)
                            for line in lines)
    return Markup('<ol class="mb-0 campaign-demands">{}</ol>').format(items)

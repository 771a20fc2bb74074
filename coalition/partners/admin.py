"""The partners screen."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.choices import ORIGINS, PARTNERSHIP_STATUSES, SECTORS
from coalition.offices.models import Office
from coalition.partners.models import Partner
from coalition.views import RecordView, choice_filters, relation_filter


class PartnerView(RecordView):
    """Partner organisations by origin and sector, and the state of each partnership."""

    column_list = ("name_ar", "name_latin", "origin", "sector", "partnership_status",
                   "partnership_start", "written_agreement")
    column_searchable_list = ("name_ar", "name_latin", "notes")
    column_sortable_list = ("name_ar", "name_latin", "origin", "sector", "partnership_status",
                            "partnership_start")
    column_filters = (
        *choice_filters(Partner.origin, _l("Origin"), ORIGINS),
        *choice_filters(Partner.sector, _l("Sector"), SECTORS),
        *choice_filters(Partner.partnership_status, _l("Partnership status"),
                      PARTNERSHIP_STATUSES),
        "partnership_start", "written_agreement", relation_filter(Office, _l("Office")),
    )
    column_default_sort = ("name_ar", False)
    column_choices = {"origin": ORIGINS.form(), "sector": SECTORS.form(),
                      "partnership_status": PARTNERSHIP_STATUSES.form()}
    form_choices = column_choices
    form_columns = ("name_ar", "name_latin", "origin", "sector", "partnership_status",
                    "partnership_start", "partnership_end", "written_agreement", "office",
                    "notes")
    column_labels = {
        "name_ar": _l("Name (Arabic)"),
        "name_latin": _l("Name (Latin)"),
        "origin": _l("Origin"),
        "sector": _l("Sector"),
        "partnership_status": _l("Partnership status"),
        "partnership_start": _l("Partnership start"),
        "partnership_end": _l("Partnership end"),
        "written_agreement": _l("Written agreement"),
        "notes": _l("Notes"),
    }
    column_descriptions = {"partnership_start": _l("A partnership counts from this date.")}

    def check_form(self, form) -> None:
        self.dates_in_order(form, "partnership_start", "partnership_end")
        if form.partnership_status.data in ("active", "ended") and not form.partnership_start.data:
            form.partnership_start.errors = [*form.partnership_start.errors,
                                             _("A partnership needs its start date.")]

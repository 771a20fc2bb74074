"""The meetings screen."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length

from coalition.choices import COUNTERPART_CATEGORIES
from coalition.contacts.models import Contact
from coalition.meetings.models import Meeting
from coalition.offices.filters import tag_filters
from coalition.partners.models import Partner
from coalition.views import RecordView, ajax_ref, choice_filters


class MeetingView(RecordView):
    """Meetings by counterpart category, official government and within-track meetings."""

    column_list = ("date", "office", "track", "counterpart_category", "government",
                   "comprehensive", "topic", "city")
    column_searchable_list = ("topic", "city", "counterpart_level", "outcome")
    column_sortable_list = ("date", ("office", "office.name_ar"), ("track", "track.name_ar"),
                            "counterpart_category", "government", "comprehensive", "city")
    column_filters = (
        "date", *tag_filters(),
        *choice_filters(Meeting.counterpart_category, _l("Counterpart category"),
                      COUNTERPART_CATEGORIES),
        "government", "comprehensive", "city",
    )
    column_default_sort = ("date", True)
    column_choices = {"counterpart_category": COUNTERPART_CATEGORIES.form()}
    form_choices = {"counterpart_category": COUNTERPART_CATEGORIES.form()}
    form_columns = ("date", "office", "track", "project", "counterpart_category", "government",
                    "comprehensive", "partners", "contacts", "counterpart_level", "city", "topic",
                    "outcome", "follow_up")
    form_ajax_refs = {"partners": ajax_ref("partners", Partner, "name_ar", "name_latin"),
                      "contacts": ajax_ref("contacts", Contact, "name", "organisation")}
    form_args = {"topic": {"validators": [Length(max=500)]}}
    column_labels = {
        "date": _l("Date"),
        "counterpart_category": _l("Counterpart category"),
        "government": _l("Official government meeting"),
        "comprehensive": _l("Within-track (comprehensive) meeting"),
        "partners": _l("Counterpart organisations"),
        "contacts": _l("Counterpart persons"),
        "counterpart_level": _l("Counterpart level"),
        "city": _l("City"),
        "topic": _l("Topic"),
        "outcome": _l("Outcome"),
        "follow_up": _l("Follow-up"),
    }
    column_descriptions = {
        "comprehensive": _l("A meeting of the coalition's own track; it may have no outside "
                            "counterpart."),
        "counterpart_level": _l("For example: deputy minister, director, mayor."),
    }

    def check_form(self, form) -> None:
        """An outside meeting needs its counterpart category."""
        if not form.comprehensive.data and not form.counterpart_category.data:
            form.counterpart_category.errors = [
                *form.counterpart_category.errors,
                _("Choose the counterpart category, or mark the meeting as within-track."),
            ]

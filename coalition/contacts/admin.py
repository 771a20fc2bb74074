"""The directory screen."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import Email, Optional

from coalition.choices import CONTACT_CATEGORIES, CONTACT_KINDS
from coalition.contacts.models import Contact
from coalition.database import db
from coalition.normalize import contact_key
from coalition.views import RecordView, choice_filters


class ContactView(RecordView):
    """Entities and persons; the same one is never entered twice."""

    simple_list_pager = False
    column_list = ("name", "kind_code", "organisation", "title", "category", "city", "country")
    column_searchable_list = ("name", "organisation", "title", "city", "email", "phone")
    column_sortable_list = ("name", "organisation", "category", "city", "country")
    column_filters = (*choice_filters(Contact.kind_code, _l("Person or entity"), CONTACT_KINDS),
                      *choice_filters(Contact.category, _l("Category"), CONTACT_CATEGORIES),
                      "city", "country")
    column_default_sort = ("name", False)
    column_choices = {"kind_code": CONTACT_KINDS.form(), "category": CONTACT_CATEGORIES.form()}
    form_choices = column_choices
    form_columns = ("name", "kind_code", "organisation", "title", "category", "city", "country",
                    "phone", "email", "notes")
    column_details_exclude_list = ("deleted_at", "match_key")
    form_args = {"email": {"validators": [Optional(), Email(message=_l("Enter a valid email."))]}}
    column_labels = {
        "name": _l("Name"),
        "kind_code": _l("Person or entity"),
        "organisation": _l("Organisation"),
        "title": _l("Title"),
        "category": _l("Category"),
        "city": _l("City"),
        "country": _l("Country"),
        "phone": _l("Phone"),
        "email": _l("Email"),
        "notes": _l("Notes"),
    }

    def check_form(self, form) -> None:
        """Refuse a second entry for a person or entity already in the directory."""
        key = contact_key(form.name.data, form.organisation.data)
        query = db.session.query(Contact).filter(Contact.match_key == key)
        if (current := request.args.get("id")) and request.endpoint.endswith(".edit_view"):
            query = query.filter(Contact.id != int(current))
        existing = query.first()
        if existing is not None:
            message = (_("This person or entity is already in the directory.")
                       if existing.deleted_at is None else
                       _("This person or entity is already in the directory, in the trash."))
            form.name.errors = [*form.name.errors, message]

"""The directory screen."""

from flask import request
from flask_babel import gettext as _

from coalition.contacts.models import Contact
from coalition.database import db
from coalition.normalize import contact_key
from coalition.views import RecordView


class ContactView(RecordView):
    """Entities and persons; the same one is never entered twice."""

    simple_list_pager = False
    column_default_sort = ("name", False)
    column_details_exclude_list = ("deleted_at", "match_key")

    def check_form(self, form) -> None:
        """Refuse a second entry for a person or entity already in the directory."""
        super().check_form(form)
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

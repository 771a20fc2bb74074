"""The directory screen."""

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.contacts.models import Contact
from coalition.database import db
from coalition.normalize import contact_key
from coalition.quickadd import QuickAdd
from coalition.views import RecordView


class ContactView(QuickAdd, RecordView):
    """Entities and persons; the same one is never entered twice."""

    simple_list_pager = False
    column_default_sort = ("name", False)
    column_details_exclude_list: tuple[str, ...] = ("deleted_at", "match_key")

    quick_columns = ("name", "contact_kind", "organisation", "title", "category", "phone", "email")
    quick_title = _l("New counterpart person or entity")

    def duplicate_of(self, form: Any) -> Any:
        """The same person or entity: folded name and organisation, as the directory keys it."""
        key = contact_key(form.name.data, form.organisation.data)
        return db.session.scalars(db.select(Contact).where(Contact.match_key == key)).first()

    def check_form(self, form: Any) -> None:
        """Refuse a second entry for a person or entity already in the directory."""
        super().check_form(form)
        key = contact_key(form.name.data, form.organisation.data)
        query = db.session.query(Contact).filter(Contact.match_key == key)
        if (current := request.args.get("id")) and (request.endpoint or "").endswith(".edit_view"):
            query = query.filter(Contact.id != int(current))
        existing = query.first()
        if existing is not None:
            message = (_("This person or entity is already in the directory.")
                       if existing.deleted_at is None else
                       _("This person or entity is already in the directory, in the trash."))
            form.name.errors = [*form.name.errors, message]

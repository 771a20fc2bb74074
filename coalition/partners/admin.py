"""The partners screen (fields and rules: the model's)."""

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coalition.database import db
from coalition.normalize import fold
from coalition.partners.models import Partner
from coalition.quickadd import QuickAdd
from coalition.views import RecordView


def partner_named(*names: str) -> Partner | None:
    """The partner on file (trash included) under one of these names, compared folded."""
    wanted = {fold(name) for name in names if fold(name)}
    if not wanted:
        return None
    rows = db.session.execute(select(Partner.id, Partner.name_ar, Partner.name_latin)
                              .order_by(Partner.deleted_at.is_not(None), Partner.id))
    found = next((pid for pid, name_ar, name_latin in rows
                  if {fold(name_ar), fold(name_latin)} & wanted), None)
    return db.session.get(Partner, found) if found is not None else None


class PartnerView(QuickAdd, RecordView):
    """Partner organisations by origin and sector, and the state of each partnership."""

    column_default_sort = ("name_ar", False)
    quick_columns = ("name_ar", "name_latin", "origin", "sector")
    quick_values = {"partnership_status": "contact_only"}
    quick_title = _l("New counterpart organisation")

    def duplicate_of(self, form: Any) -> Any:
        """The same organisation under the same name, however it was typed."""
        return partner_named(form.name_ar.data, form.name_latin.data)

    def check_form(self, form: Any) -> None:
        """The declared rules, and no second partner under the same name."""
        super().check_form(form)
        existing = self.duplicate_of(form)
        editing = (request.endpoint or "").endswith(".edit_view")
        current = request.args.get("id") if editing else None
        if existing is not None and str(existing.id) != str(current):
            form.name_ar.errors = [*form.name_ar.errors, (
                _("A partner with this name is already on file.") if existing.deleted_at is None
                else _("A partner with this name is already on file, in the trash."))]

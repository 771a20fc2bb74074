"""The meetings screen: its fields and rules are the model's declaration."""

from typing import Any

from flask_login import current_user

from coalition import access
from coalition.views import RecordView


class MeetingView(RecordView):
    """Meetings by counterpart category, official government and within-track meetings."""

    column_default_sort = ("date", True)

    def _offer_events(self, form: Any) -> None:
        """The events a meeting may be held during, the latest first (the trash left out as in
        every select); a coordinator's only their own office's (the rule a meeting's event
        follows)."""
        if "event" not in form:
            return
        event = self.model.event.property.mapper.class_
        query = form.event.query
        if access.scope(current_user, access.WRITE, self.kind) == access.OWN:
            query = query.filter(event.office_id == current_user.office_id)
        form.event.query = query.order_by(event.date.desc(), event.id.desc())
        form.event._object_list = None  # read again from this query

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        self._offer_events(form)
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        self._offer_events(form)
        return form

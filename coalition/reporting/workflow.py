"""Submitting, approving, returning and reopening a month; who may do which."""

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coalition import access
from coalition.database import Refused, db
from coalition.reporting.models import (
    APPROVED,
    OPEN,
    RETURNED,
    STATES,
    SUBMITTED,
    ReportingMonth,
    first_day,
)

#: what each step did, said whole in every language (no verb glued to a state word)
DONE = {"submit": _l("%(month)s is submitted for approval."),
        "approve": _l("%(month)s is approved and locked."),
        "return": _l("%(month)s is returned to the office."),
        "reopen": _l("%(month)s is reopened.")}
#: why a step cannot be taken from the month's state, one whole sentence per step
CANNOT = {"submit": _l("This month is %(state)s; it cannot be submitted now."),
          "approve": _l("This month is %(state)s; it cannot be approved now."),
          "return": _l("This month is %(state)s; it cannot be returned now."),
          "reopen": _l("This month is %(state)s; it cannot be reopened now.")}
#: action -> (the states it starts from, the state it leads to)
MOVES = {
    "submit": ((OPEN, RETURNED), SUBMITTED),
    "approve": ((SUBMITTED,), APPROVED),
    "return": ((SUBMITTED,), RETURNED),
    "reopen": ((APPROVED,), OPEN),
}


def may(user: Any, action: str, office_id: int) -> bool:
    """True if the user may take this step for the office (None: the command line)."""
    if user is None:
        return True
    if action == "submit":
        return access.can(user, access.WRITE, ReportingMonth.__tablename__, office_id)
    return access.has_feature(user, "reopen" if action == "reopen" else "approve")


def month_of(office_id: int, month: dt.date) -> ReportingMonth:
    """The office's month, created open if it was never touched."""
    month = first_day(month)
    found = db.session.scalars(select(ReportingMonth).where(
        ReportingMonth.office_id == office_id, ReportingMonth.month == month)).first()
    if found is None:
        found = ReportingMonth(office_id=office_id, month=month, state=OPEN)
        db.session.add(found)
    return found


def move(user: Any, action: str, office_id: int, month: dt.date, comment: str = "") -> None:
    """Take one step of the month's reporting, or refuse it with the reason."""
    starts, leads_to = MOVES[action]
    if not may(user, action, office_id):
        raise Refused(_("Your role may not do this."))
    if action in ("return", "reopen") and not comment.strip():
        raise Refused(_("Say why, so the office knows what to do."))
    record = month_of(office_id, month)
    if record.state not in starts:
        db.session.rollback()
        raise Refused(str(CANNOT[action]) % {"state": STATES.label(record.state)})
    record.state = leads_to
    record.comment = comment.strip()
    db.session.commit()


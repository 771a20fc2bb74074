"""The state of an office's month, and the lock an approved month puts on its records.

The lock is kept in one place, the session's flush: no screen, import, restore or command
can create, change, move, delete or restore a record dated in an approved month of its
office. The Excel import, which writes in bulk, asks `locked_months()` first.
"""

import datetime as dt
from itertools import chain
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, scoped_session

from coalition.choices import Choices
from coalition.database import OfficeWork, Record, Refused
from coalition.fields import Field, Fields

OPEN, SUBMITTED, APPROVED, RETURNED = "open", "submitted", "approved", "returned"
STATES = Choices(
    (OPEN, _l("Open")),
    (SUBMITTED, _l("Submitted")),
    (APPROVED, _l("Approved (locked)")),
    (RETURNED, _l("Returned")),
)


class ReportingMonth(Record):
    """One office's month: open, submitted, approved (locked) or returned with a comment."""

    __tablename__ = "reporting_months"
    __table_args__ = (UniqueConstraint("office_id", "month"),)

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    #: the first day of the month
    month: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    #: why it was returned or reopened
    comment: Mapped[str] = mapped_column(Text, default="")

    office = relationship("Office")

    fields = Fields(
        Field("office", _l("Office")),
        Field("month", _l("Month")),
        Field("state", _l("State"), choices=STATES),
        Field("comment", _l("Comment")),
        title=_l("Monthly reporting"),
    )

    def __str__(self) -> str:
        return f"{self.office} — {self.month:%Y-%m}"


def first_day(day: dt.date) -> dt.date:
    """The month a day falls in, as its first day."""
    return day.replace(day=1)


def locked_months(session: Session | scoped_session[Any]) -> set[tuple[int, dt.date]]:
    """Every (office id, first day) approved and so locked."""
    with session.no_autoflush:
        rows = session.execute(select(ReportingMonth.office_id, ReportingMonth.month)
                               .where(ReportingMonth.state == APPROVED))
        return {(office_id, month) for office_id, month in rows}


def locked_message(office: object, month: dt.date) -> str:
    """Why a write is refused, and who can undo the lock."""
    return _("%(month)s of %(office)s is approved and locked: records dated in it cannot be "
             "added, changed, deleted or restored. An administrator can reopen the month.",
             month=f"{month:%Y-%m}", office=office)


def _places(obj: OfficeWork) -> set[tuple[int, dt.date]]:
    """The (office, month) a record is in now and was in before this change."""
    dated_by = type(obj).fields.dated_by
    if dated_by is None:
        return set()
    state = inspect(obj)
    days = {getattr(obj, dated_by)} | set(state.attrs[dated_by].history.deleted or ())
    office = obj.office.id if obj.office is not None else obj.office_id
    offices = {office} | set(state.attrs.office_id.history.deleted or ())
    return {(o, first_day(d)) for o in offices for d in days
            if o is not None and isinstance(d, dt.date)}


@event.listens_for(Session, "before_flush")
def refuse_locked_months(session: Session, _context: object, _instances: object) -> None:
    """Refuse any write to a record dated in an approved month of its office."""
    touched = [obj for obj in chain(session.new, session.dirty, session.deleted)
               if isinstance(obj, OfficeWork) and type(obj).fields.dated_by
               and (obj in session.new or obj in session.deleted or session.is_modified(obj))]
    if not touched:
        return
    locked = locked_months(session)
    if not locked:
        return
    for obj in touched:
        for office_id, month in sorted(_places(obj) & locked):
            office = obj.office if obj.office is not None and obj.office.id == office_id \
                else office_id
            raise Refused(locked_message(office, month))

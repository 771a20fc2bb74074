"""The reporting overview: offices × months, their state, and the next step for each."""

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from coalition import access
from coalition.database import Refused, db
from coalition.offices.models import Office
from coalition.reporting.models import (
    APPROVED,
    OPEN,
    RETURNED,
    STATES,
    SUBMITTED,
    ReportingMonth,
)
from coalition.reporting.workflow import DONE, MOVES, may, move

#: the button of each step
BUTTONS = {"submit": _l("Submit"), "approve": _l("Approve"), "return": _l("Return"),
           "reopen": _l("Reopen")}
#: how many months the overview shows, ending with the current one
MONTHS = 12


def recent_months(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first."""
    months, month = [], today.replace(day=1)
    for _n in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def is_overdue(month: dt.date, state: str, today: dt.date) -> bool:
    """A past month that was never submitted, or was returned and not submitted again."""
    return month < today.replace(day=1) and state in (OPEN, RETURNED)


def attention(user: Any, today: dt.date) -> dict[str, list[dict]]:
    """The months the user should act on, for the home page: a coordinator's overdue and
    returned months (with the comment), and those waiting for the user's approval."""
    months = recent_months(today)
    found: dict[str, list[dict]] = {"overdue": [], "returned": [], "waiting": []}
    offices = db.session.scalars(select(Office).where(Office.deleted_at.is_(None))
                                 .order_by(Office.name_ar)).all()
    states = {(row.office_id, row.month): row for row in db.session.scalars(
        select(ReportingMonth).where(ReportingMonth.month.between(months[0], months[-1])))}
    for office in offices:
        # the office's own coordinators are told what to submit; who approves, what waits
        submits = office.id == user.office_id and may(user, "submit", office.id)
        approves = may(user, "approve", office.id)
        if not (submits or approves):
            continue
        for month in months:
            record = states.get((office.id, month))
            state = record.state if record else OPEN
            item = {"office": office, "month": month, "comment": record.comment if record
                    else ""}
            if submits and state == RETURNED:
                found["returned"].append(item)
            elif submits and is_overdue(month, state, today):
                found["overdue"].append(item)
            if approves and state == SUBMITTED:
                found["waiting"].append(item)
    return found


class ReportingView(BaseView):
    """Offices × months: who submitted, what is approved and locked, what is overdue."""

    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, ReportingMonth.__tablename__,
                          any_office=True)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> None:
        access.require(False)

    @expose("/")
    def index(self) -> str:
        today = dt.date.today()
        asked = request.args.get("year", "")
        year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else None
        months = ([dt.date(year, month, 1) for month in range(1, 13)] if year
                  else recent_months(today))
        offices = db.session.scalars(select(Office).where(Office.deleted_at.is_(None))
                                     .order_by(Office.name_ar)).all()
        states = {(row.office_id, row.month): row for row in db.session.scalars(
            select(ReportingMonth).where(ReportingMonth.month.between(months[0], months[-1])))}
        rows = []
        for office in offices:
            cells = []
            for month in months:
                record = states.get((office.id, month))
                state = record.state if record else OPEN
                actions = [(action, BUTTONS[action]) for action, (starts, _to) in
                           MOVES.items() if state in starts and may(current_user, action,
                                                                     office.id)]
                overdue = is_overdue(month, state, today)
                cells.append({"month": month, "state": state, "label": STATES.label(state),
                              "comment": record.comment if record else "",
                              "actions": actions, "overdue": overdue,
                              "locked": state == APPROVED})
            rows.append((office, cells))
        # a calendar year (with its neighbours a click away) or the last twelve months
        shown = year or today.year
        return self.render("admin/reporting.html", months=months, rows=rows,
                           year=months[0].year, calendar_year=year,
                           years=(shown - 1, shown, shown + 1) if year else
                           (today.year - 2, today.year - 1, today.year))

    @expose("/move", methods=("POST",))
    def step(self) -> ResponseReturnValue:
        try:
            office_id = int(request.form.get("office_id", ""))
            month = dt.date.fromisoformat(request.form.get("month", ""))
            action = request.form.get("action", "")
            if action not in MOVES or db.session.get(Office, office_id) is None:
                raise ValueError(action)
        except ValueError:
            flash(_("This request could not be understood."), "error")
            return redirect(url_for(".index")), 303
        back = url_for(".index", year=month.year)
        try:
            move(current_user, action, office_id, month, request.form.get("comment", ""))
            flash(str(DONE[action]) % {"month": f"{month:%Y-%m}"}, "success")
        except Refused as refused:
            flash(str(refused), "error")
        return redirect(back), 303

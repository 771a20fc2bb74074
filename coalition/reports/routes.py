"""/reports/annual?year=YYYY: the annual report, laid out for A4 so that printing it to PDF
gives the report to send.

Leadership and admins read the coalition's report (or one office's, with ?office=ID); a
coordinator, who reads cases in their own office only, reads their office's; donors are
refused. Every figure is read as /api/kpis reads it for the same user.
"""

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from coalition import access
from coalition.errors import MESSAGES
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.visibility import Audience
from coalition.offices.models import Office
from coalition.reports.annual import AnnualReport, annual_report, live_records

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: the first year a report may be asked for
FIRST_YEAR = 2011


def default_year() -> int:
    """The year a report is made for when none is asked: the last full year."""
    return date.today().year - 1


def own_office_only(user: Any) -> bool:
    """True for a reader who sees cases in their own office only: their report is that
    office's."""
    return access.scope(user, access.READ, "cases") == access.OWN


def report_office(user: Any, asked: str | None) -> Office | None:
    """The office whose report the user reads (None: the coalition's); 403 for another
    office than a coordinator's own, 404 for an unknown one."""
    if own_office_only(user):
        if user.office is None or asked not in (None, "", str(user.office_id)):
            abort(403)
        return user.office
    if not asked or asked == "all":
        return None
    try:
        return Filters.parse({"office": asked}).office
    except FilterError:
        abort(404)


def render_report(report: AnnualReport, *, pdf: bool = False, inline_css: str = "",
                  offices: list | None = None) -> str:
    """The report's page (for the PDF: with its styles inlined and no navigation)."""
    years = range(date.today().year, FIRST_YEAR - 1, -1)
    return render_template("reports/annual.html", report=report, pdf=pdf,
                           inline_css=inline_css, years=years, offices=offices or [],
                           generated=date.today())


@bp.get("/annual")
@login_required
def annual() -> ResponseReturnValue:
    """The annual report of ?year= (default: last year), as the signed-in user may read it."""
    access.require(access.has_feature(current_user, "annual_report"))
    year_text = request.args.get("year", "").strip() or str(default_year())
    if not year_text.isdigit() or not FIRST_YEAR <= int(year_text) <= date.today().year + 1:
        return render_template("error.html", code=400, title=MESSAGES[400][0],
                               message=_("A year is written with four digits.")), 400
    office = report_office(current_user, request.args.get("office"))
    report = annual_report(int(year_text), Audience.of(current_user), office)
    offices = [] if own_office_only(current_user) else live_records(Office, Office.name_ar)
    return render_report(report, offices=offices)

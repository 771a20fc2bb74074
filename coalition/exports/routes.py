"""/exports/donor.xlsx (the donor workbook) and /exports/list/<view>.<xlsx|csv>.

Who may download what is asked of `access` and `visibility`: the export feature opens both;
the donor workbook is refused to a user who may not see all of its figures (one who reads
cases only in their own office, for another office or the whole coalition), and a list
export needs the list itself.

The donor workbook is built by a background job (POST; GET offers the button), as is a
list of more than EXPORT_INLINE_ROWS rows; the job's page shows its progress and then a
link to the file, which asks these rules again.
"""

import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from coalition import access
from coalition.errors import MESSAGES
from coalition.exports.donor import XLSX, file_name
from coalition.exports.lists import ListExport, record_view
from coalition.i18n import language
from coalition.jobs import TooManyJobs
from coalition.jobs.models import DONOR, LIST
from coalition.jobs.queue import start_job
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.visibility import Audience

bp = Blueprint("exports", __name__, url_prefix="/exports")

#: the dashboard's filter arguments, which the donor workbook reads the same way
FILTER_ARGS = ("from", "to", "year", "quarter", "month", "office", "track", "project",
               "campaign", "approved")
#: list-page arguments that only page through the list
PAGING_ARGS = ("page", "page_size")
#: a list export of more rows than this runs as a background job
DEFAULT_INLINE_ROWS = 5_000


def may_download_donor_workbook(user: Any, filters: Filters) -> bool:
    """True if the user may download the donor workbook of these filters: it holds every
    figure, so one who may not see some of them under these filters (cases of another
    office, or of the coalition, for one who reads their own office's) does not get it.
    """
    if not access.has_feature(user, "export"):
        return False
    return not Audience.of(user).for_donors().restricted(filters)


def _filters(args: Mapping[str, str]) -> Filters:
    """The workbook's filters: the dashboard's, defaulting to the user's office as it does."""
    return Filters.parse(args, default_office=current_user.office_id)


def may_export_list(user: Any, endpoint: str) -> Any:
    """The record screen whose rows the user may download, or None."""
    screen = record_view(endpoint)
    if screen is None or not access.has_feature(user, "export") or not screen.is_accessible():
        return None
    return screen


def donor_file_name(filters: Filters) -> str:
    """A plain-ASCII name for the workbook, saying its period and office."""
    return file_name(filters, language())


def list_file_name(screen: Any, fmt: str) -> str:
    """A plain-ASCII name for a list's download: the list and today's date."""
    return f"{screen.endpoint}_{date.today().isoformat()}.{fmt}"


def _too_many():
    """A user with as many jobs waiting as allowed: a page saying so, 429."""
    return render_template("error.html", code=429, title=_("Too many attempts"),
                           message=_("You already have work running; wait until it is done, "
                                     "then try again.")), 429


def _bad_request(message: str):
    """A filter that cannot be understood: JSON for API-like clients, else a page."""
    if request.accept_mimetypes.best == "application/json":
        return {"error": message}, 400
    return render_template("error.html", code=400, title=MESSAGES[400][0],
                           message=message), 400


@bp.route("/donor.xlsx", methods=("GET", "POST"))
def donor() -> ResponseReturnValue:
    """The donor workbook for ?from=&to= (or year, quarter, month) &office=&track=&project=.

    GET offers the button; POST starts the job that builds it and goes to its page.
    """
    access.require(access.has_feature(current_user, "export"))
    asked: dict[str, Any] = {name: request.args[name] for name in FILTER_ARGS
                             if request.args.get(name)}
    try:
        filters = _filters(asked)
    except FilterError as error:
        return _bad_request(str(error))
    access.require(may_download_donor_workbook(current_user, filters))
    if request.method == "GET":
        return render_template("exports/prepare.html", action=url_for("exports.donor", **asked),
                               title=_("Donor workbook"), rows=None)
    try:
        job = start_job(DONOR, params={"args": asked},
                        office_id=filters.office.id if filters.office else None)
    except TooManyJobs:
        return _too_many()
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.route("/list/<view>.<any(xlsx, csv):fmt>", methods=("GET", "POST"))
def list_export(view: str, fmt: str) -> ResponseReturnValue:
    """Every row of an admin list under the list page's filters, search and sort.

    A short list is sent at once; a long one is built by a job (POST; GET offers the button).
    """
    screen = record_view(view)
    if screen is None:
        abort(404)
    access.require(may_export_list(current_user, view) is not None)
    export = ListExport(screen)
    rows = export.query().order_by(None).count()
    if rows > current_app.config.get("EXPORT_INLINE_ROWS", DEFAULT_INLINE_ROWS):
        args: dict[str, Any] = {name: value for name, value in request.args.items()
                                if name not in PAGING_ARGS}
        if request.method == "GET":
            return render_template("exports/prepare.html", rows=rows, title=str(screen.name),
                                   action=url_for("exports.list_export", view=view, fmt=fmt,
                                                  **args))
        try:
            job = start_job(LIST, params={"view": view, "fmt": fmt, "args": args})
        except TooManyJobs:
            return _too_many()
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    name = list_file_name(screen, fmt)
    if fmt == "csv":
        return Response(stream_with_context(export.csv()), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    out = io.BytesIO()
    export.xlsx(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


@bp.app_template_global()
def donor_workbook_url(args: Mapping[str, str]) -> str | None:
    """The donor workbook of the dashboard's filters, if the user may download it."""
    asked: dict[str, Any] = {name: args[name] for name in FILTER_ARGS if args.get(name)}
    try:
        filters = _filters(asked)
    except FilterError:
        return None
    if not may_download_donor_workbook(current_user, filters):
        return None
    return url_for("exports.donor", **asked)


@bp.app_template_global()
def list_export_urls(view: Any) -> dict[str, str] | None:
    """The xlsx and csv downloads of the list on screen, with its filters, search and sort."""
    if may_export_list(current_user, view.endpoint) is None:
        return None
    args: dict[str, Any] = {name: value for name, value in request.args.items()
                            if name not in PAGING_ARGS}
    return {fmt: url_for("exports.list_export", view=view.endpoint, fmt=fmt, **args)
            for fmt in ("xlsx", "csv")}

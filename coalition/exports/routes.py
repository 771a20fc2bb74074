"""GET /exports/donor.xlsx (the donor workbook) and /exports/list/<view>.<xlsx|csv>.

Who may download what is asked of `access` and `visibility`: the export feature opens both;
the donor workbook is refused to a user who may not see all of its figures (one who reads
cases only in their own office, for another office or the whole coalition), and a list
export needs the list itself.
"""

import io
from collections.abc import Mapping
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from coalition import access
from coalition.errors import MESSAGES
from coalition.exports.donor import XLSX, DonorWorkbook, file_name
from coalition.exports.lists import ListExport, record_view
from coalition.i18n import language
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.visibility import Audience, suppress_below

bp = Blueprint("exports", __name__, url_prefix="/exports")

#: the dashboard's filter arguments, which the donor workbook reads the same way
FILTER_ARGS = ("from", "to", "year", "quarter", "month", "office", "track", "project")
#: list-page arguments that only page through the list
PAGING_ARGS = ("page", "page_size")


def may_download_donor_workbook(user, filters: Filters) -> bool:
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


def _bad_request(message: str):
    """A filter that cannot be understood: JSON for API-like clients, else a page."""
    if request.accept_mimetypes.best == "application/json":
        return {"error": message}, 400
    return render_template("error.html", code=400, title=MESSAGES[400][0],
                           message=message), 400


@bp.get("/donor.xlsx")
def donor():
    """The donor workbook for ?from=&to= (or year, quarter, month) &office=&track=&project=."""
    access.require(access.has_feature(current_user, "export"))
    try:
        filters = _filters(request.args)
    except FilterError as error:
        return _bad_request(str(error))
    access.require(may_download_donor_workbook(current_user, filters))
    out = io.BytesIO()  # the zipped workbook only: its sheets are written through to disk
    DonorWorkbook(filters, generated_by=str(current_user), below=suppress_below(),
                  audience=Audience.of(current_user)).save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True,
                     download_name=file_name(filters, language()), max_age=0)


@bp.get("/list/<view>.<any(xlsx, csv):fmt>")
def list_export(view: str, fmt: str):
    """Every row of an admin list under the list page's filters, search and sort."""
    screen = record_view(view)
    if screen is None:
        abort(404)
    access.require(access.has_feature(current_user, "export") and screen.is_accessible())
    export = ListExport(screen)
    name = f"{screen.endpoint}_{date.today().isoformat()}.{fmt}"
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
    asked = {name: args[name] for name in FILTER_ARGS if args.get(name)}
    try:
        filters = _filters(asked)
    except FilterError:
        return None
    if not may_download_donor_workbook(current_user, filters):
        return None
    return url_for("exports.donor", **asked)


@bp.app_template_global()
def list_export_urls(view) -> dict[str, str] | None:
    """The xlsx and csv downloads of the list on screen, with its filters, search and sort."""
    if not access.has_feature(current_user, "export") or record_view(view.endpoint) is None \
            or not view.is_accessible():
        return None
    args = {name: value for name, value in request.args.items() if name not in PAGING_ARGS}
    return {fmt: url_for("exports.list_export", view=view.endpoint, fmt=fmt, **args)
            for fmt in ("xlsx", "csv")}

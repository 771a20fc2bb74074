"""GET /api/kpis: every KPI under the filters, as JSON, for the roles that see dashboards."""

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coalition import access
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.targets.progress import targets_json
from coalition.kpis.visibility import Audience, figure_set

bp = Blueprint("kpis_api", __name__, url_prefix="/api")


@bp.get("/kpis")
def kpis() -> ResponseReturnValue:
    """The KPIs for ?from=&to= (or year, quarter, month) &office=&track=&project=, each as
    the user may see it: `kpis` holds null and `hidden` says why where it may not; `targets`
    the targets of the year or quarter asked, for the office and project asked (or the
    coalition), with their actuals."""
    access.require(access.has_feature(current_user, "dashboard"))
    try:
        filters = Filters.parse(request.args)
    except FilterError as error:
        return jsonify(error=str(error)), 400
    audience = Audience.of(current_user)
    shown = figure_set(audience, filters)
    return jsonify(filters=filters.as_dict(), **shown.as_json(),
                   targets=targets_json(filters, audience))

"""GET /api/kpis: every KPI under the filters, as JSON, for the roles that see dashboards."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from coalition import access
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.queries import compute

bp = Blueprint("kpis_api", __name__, url_prefix="/api")


@bp.get("/kpis")
def kpis():
    """The KPIs for ?from=&to= (or year, quarter, month) &office=&track=&project=."""
    access.require(access.has_feature(current_user, "dashboard"))
    try:
        filters = Filters.parse(request.args)
    except FilterError as error:
        return jsonify(error=str(error)), 400
    return jsonify(filters=filters.as_dict(), kpis=compute(filters))

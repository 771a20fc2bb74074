"""The dashboard's monitoring section: deportations per crossing per month (flows, summed)
and the latest published stock of each indicator with its source (never summed)."""

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from coalition.database import db
from coalition.kpis import charts
from coalition.kpis.definitions import Cond
from coalition.kpis.drilldown import Links
from coalition.kpis.filters import Filters
from coalition.kpis.visibility import Audience, visible_breakdown
from coalition.monitoring.models import Place, latest_stocks

DEPORTATIONS_KEY = "deportations.total"


#: every month between two (YYYY-MM), and a month's days within the period filtered on:
#: the dashboard's own, so every chart over time has the same axis and links
Months = Callable[[str, str], list[str]]
Span = Callable[[str, Filters], tuple[date, date]]


def deportations_chart(audience: Audience, filters: Filters, links: Links, rtl: bool,
                       months_between: Months, span: Span) -> charts.Figure | None:
    """Deportations per month, stacked by crossing (any place recorded, as data)."""
    rows = visible_breakdown(audience, filters, (DEPORTATIONS_KEY,), ("month", "place_id"))
    found = sorted({month for month, _place in rows if month})
    months = months_between(found[0], found[-1]) if found else []
    ids = {place for _month, place in rows}
    places = {p.id: p for p in db.session.scalars(
        select(Place).where(Place.id.in_([i for i in ids if i is not None])))}
    spans = ["+to+".join(d.isoformat() for d in span(m, filters)) for m in months]
    series = []
    for place_id in sorted(ids, key=lambda i: (i is None, str(places.get(i, "")))):
        place = places.get(place_id)
        values = [rows.get((m, place_id), {}).get(DEPORTATIONS_KEY, 0) for m in months]
        link = (links.url(DEPORTATIONS_KEY, template=True,
                          where=(Cond("place", "code", place.code),))
                if place is not None else None) or ""
        series.append((str(place) if place else _("No place"), values, link))
    return (charts.over_time(months, spans, [(_("Deportations"), series)], rtl) if months
            else None)


def section(audience: Audience, filters: Filters, links: Links, rtl: bool,
            months_between: Months, span: Span) -> dict:
    """What the monitoring partial shows: the chart's JSON (or None) and the stocks."""
    figure = deportations_chart(audience, filters, links, rtl, months_between, span)
    return {
        "deportations": charts.to_json(figure) if figure is not None else None,
        "stocks": latest_stocks(filters.end, office_id=filters.ids("office"),
                                campaign_id=filters.ids("campaign")),
    }

"""The dashboard's Plotly figures, sent to the page as JSON.

A figure is built as the plain data Plotly.js draws (`{"data": [traces], "layout": {…}}`,
the form graph_objects' `to_plotly_json()` gives), not as graph_objects: those check and
copy every property of every point, which cost more than the SQL of the figures behind a
dashboard. tests/test_kpis.py checks every chart against Plotly's schema instead.

Each point carries in `customdata` the admin list of the records behind it (or "" when the
user may not drill down); static/js/dashboard.js opens it on click. In right-to-left
languages the category axis runs from the right, the value axis sits on the right and the
legend and hover labels are aligned to the right.
"""

import json
from collections.abc import Sequence
from html import escape
from numbers import Real
from typing import Any

from markupsafe import Markup

#: a figure as Plotly.js reads it: {"data": [traces], "layout": {…}}
Figure = dict[str, Any]

FONT = "Noto Sans Arabic, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
COLOURS = ("#1f6f8b", "#e07a1f", "#3c9d5d", "#b83b5e", "#6c5ba7", "#c9a227", "#5d6d7e",
           "#2e86c1")


def _plain(texts: Sequence) -> list[str]:
    """Labels as plain text: Plotly reads tags (<a href>, <b>) in labels, names and hovers."""
    return [escape(str(text), quote=False) for text in texts]


def percentages(counts: Sequence[int], decimals: int = 1) -> list[float]:
    """Shares of the total, rounded so that they add up to exactly 100 (largest remainder)."""
    total = sum(counts)
    if not total:
        return [0.0 for _ in counts]
    scale = 100 * 10**decimals
    parts = [divmod(count * scale, total) for count in counts]
    units = [whole for whole, _ in parts]
    by_remainder = sorted(range(len(parts)), key=lambda i: parts[i][1], reverse=True)
    for i in by_remainder[: scale - sum(units)]:
        units[i] += 1
    return [unit / 10**decimals for unit in units]


def whole_step(top: float) -> int | None:
    """A tick step in whole numbers for counts up to `top` (None: Plotly's own steps are)."""
    if top >= 50:  # Plotly's automatic steps are 5 or more there
        return None
    return next(step for step in (1, 2, 5, 10) if top <= 6 * step)


def count_axis(top: float) -> dict:
    """A value axis of counts: from zero, whole numbers only, with a thousands separator."""
    step = whole_step(top)
    return {"tickformat": ",d", "rangemode": "tozero",
            **({"tickmode": "linear", "tick0": 0, "dtick": step} if step else {})}


def _top(*columns: Sequence[float | None], stacked: bool = False) -> float:
    """The longest bar: the largest value, or the largest sum of the values stacked."""
    rows = [[value or 0 for value in column] for column in columns]
    if stacked:
        return max((sum(values) for values in zip(*rows, strict=True)), default=0)
    return max((value for values in rows for value in values), default=0)


def state(fig: Figure) -> str | None:
    """Why a figure has nothing to draw: "empty" (nothing counted), "hidden" (every figure
    hidden from this reader), or None when it has something to show."""
    hidden = False
    for trace in fig["data"]:
        for name in ("values", "x", "y"):
            values = trace.get(name) or ()
            if isinstance(values[0] if values else None, str):
                continue  # the categories or months the numbers are drawn against
            for value in values:
                if value is None:
                    hidden = True
                elif value and isinstance(value, Real) and not isinstance(value, bool):
                    return None
    return "hidden" if hidden else "empty"


def _text(values: Sequence) -> list[str | None]:
    """Numbers as the text on bars: Plotly's text is a string."""
    return [None if value is None else str(value) for value in values]


def _layout(rtl: bool, height: int = 340, legend: bool | dict = True,
            xaxis: dict | None = None, yaxis: dict | None = None, **more) -> dict:
    """Shared look: no heavy template, the app's font, and the reading direction.

    The legend (unless False or given) runs above the plot from where a line starts.
    """
    shown = legend is not False
    if not isinstance(legend, dict):
        legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02,
                  **({"x": 1, "xanchor": "right"} if rtl else {"x": 0, "xanchor": "left"})}
    # in right-to-left pages categories (or bar lengths) run from the right, values on the right
    xaxis = {"automargin": True, **({"autorange": "reversed"} if rtl else {}), **(xaxis or {})}
    yaxis = {"automargin": True, "gridcolor": "#e5e5e5", "zeroline": False,
             **({"side": "right"} if rtl else {}), **(yaxis or {})}
    # no template: Plotly.js draws plainly by default (graph_objects' "none")
    return {
        "colorway": COLOURS, "height": height,
        "showlegend": shown, "legend": legend,
        "font": {"family": FONT, "size": 13}, "margin": {"l": 48, "r": 48, "t": 36, "b": 48},
        "hoverlabel": {"align": "right" if rtl else "left", "font": {"family": FONT}},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": xaxis, "yaxis": yaxis, **more,
    }


def outcomes(labels: Sequence[str], counts: Sequence[int], urls: Sequence[str],
             rtl: bool) -> Figure:
    """Consultation outcomes as a donut; shares computed from the records add up to 100%."""
    shares = percentages(counts)
    pie = {
        "type": "pie", "labels": _plain(labels), "values": list(counts),
        "customdata": list(urls), "hole": 0.5, "sort": False,
        "direction": "counterclockwise" if rtl else "clockwise",
        "text": [f"{share:.1f}%" for share in shares], "textinfo": "text",
        "hovertemplate": "%{label}<br>%{value} (%{text})<extra></extra>",
    }
    # the legend sits where the eye ends a line: on the left in Arabic, on the right otherwise
    legend = {"orientation": "v", "yanchor": "middle", "y": 0.5,
              **({"x": -0.05, "xanchor": "right"} if rtl else {"x": 1.05, "xanchor": "left"})}
    return {"data": [pie], "layout": _layout(rtl, height=340, legend=legend)}


def horizontal_bars(labels: Sequence[str], values: Sequence[float | None],
                    urls: Sequence[str], rtl: bool) -> Figure:
    """One bar per category, read from the top; for long category names (None: no bar)."""
    bar = {"type": "bar", "y": _plain(labels), "x": list(values), "orientation": "h",
           "customdata": list(urls), "marker": {"color": COLOURS[0]}, "text": _text(values),
           "textposition": "auto", "hovertemplate": "%{y}: %{x}<extra></extra>"}
    return {"data": [bar], "layout": _layout(
        rtl, height=60 + 42 * len(labels), legend=False,
        xaxis={"gridcolor": "#e5e5e5", **count_axis(_top(values))},
        yaxis={"autorange": "reversed", "gridcolor": None})}


def bars(labels: Sequence[str], values: Sequence[float], urls: Sequence[str],
         rtl: bool) -> Figure:
    """One bar per category."""
    bar = {"type": "bar", "x": _plain(labels), "y": list(values), "customdata": list(urls),
           "marker": {"color": COLOURS[0]}, "text": _text(values), "textposition": "auto",
           "hovertemplate": "%{x}: %{y}<extra></extra>"}
    return {"data": [bar], "layout": _layout(rtl, legend=False, yaxis=count_axis(_top(values)))}


def grouped(categories: Sequence[str], series: Sequence[tuple[str, list, list]], rtl: bool,
            mode: str = "group", across: bool = False) -> Figure:
    """Bars per category, one series (name, values, urls) beside or above the other;
    `across` lays the bars along the width, for long category names."""
    counts = count_axis(_top(*(values for _name, values, _urls in series),
                             stacked=mode == "stack"))
    labels = _plain(categories)
    if across:
        traces = [{"type": "bar", "name": _plain([name])[0], "y": labels, "x": list(values),
                   "customdata": list(urls), "orientation": "h",
                   "hovertemplate": "%{fullData.name}<br>%{y}: %{x}<extra></extra>"}
                  for name, values, urls in series]
        height = 110 + len(categories) * (12 * len(series) + 20)
        return {"data": traces, "layout": _layout(
            rtl, height=height, barmode=mode, bargap=0.12,
            xaxis={"gridcolor": "#e5e5e5", **counts},
            yaxis={"autorange": "reversed", "gridcolor": None})}
    traces = [{"type": "bar", "name": _plain([name])[0], "x": labels, "y": list(values),
               "customdata": list(urls),
               "hovertemplate": "%{fullData.name}<br>%{x}: %{y}<extra></extra>"}
              for name, values, urls in series]
    return {"data": traces, "layout": _layout(rtl, height=380, barmode=mode, yaxis=counts)}


def small_multiples(measures: Sequence[str], names: Sequence[str],
                    values: Sequence[Sequence[float | None]], urls: Sequence[Sequence[str]],
                    rtl: bool, columns: int = 3) -> Figure:
    """One small chart per measure, each on its own scale, a bar per name with its value
    written beside it; `values[n][m]` is name n's figure for measure m (None: hidden, no bar).

    The charts share their rows: the names are written once, beside the charts where a line
    starts, and each name keeps its colour, so a measure in the thousands flattens no other.
    """
    rows = -(-len(measures) // columns)
    gap_x, gap_y = 0.06, 0.16 if rows > 1 else 0.0
    width = (1 - gap_x * (columns - 1)) / columns
    height = (1 - gap_y * (rows - 1)) / rows
    labels = _plain(names)
    layout = _layout(rtl, height=70 + rows * (44 + 26 * max(len(names), 1)), bargap=0.2,
                     legend=False)
    layout.pop("xaxis"), layout.pop("yaxis")
    layout["margin"] = {"l": 8, "r": 8, "t": 28, "b": 8}
    layout["annotations"] = []
    traces = []
    for m, measure in enumerate(measures):
        row, column = divmod(m, columns)
        first = column == 0
        if rtl:  # the first chart where a line starts: on the right
            column = columns - 1 - column
        left = column * (width + gap_x)
        top = 1 - row * (height + gap_y)
        suffix = "" if m == 0 else str(m + 1)
        column_values = [value[m] for value in values]
        peak = _top(column_values) * 1.3 or 1
        layout[f"xaxis{suffix}"] = {
            "domain": [left, left + width], "anchor": f"y{suffix}", "showgrid": False,
            "showticklabels": False, "zeroline": False, "fixedrange": True,
            # bars start where a line does: from the right in right-to-left pages
            "range": [peak, 0] if rtl else [0, peak]}
        layout[f"yaxis{suffix}"] = {
            "domain": [top - height, top], "anchor": f"x{suffix}", "type": "category",
            "autorange": "reversed", "fixedrange": True, "automargin": True,
            "showticklabels": first, "tickmode": "array", "ticks": "", "ticklabelstandoff": 10,
            "tickvals": [str(n) for n in range(len(names))], "ticktext": labels,
            "side": "right" if rtl else "left"}
        layout["annotations"].append({
            "text": _plain([measure])[0], "showarrow": False, "font": {"size": 13},
            "xref": "paper", "yref": "paper", "x": left + width / 2, "y": top,
            "xanchor": "center", "yanchor": "bottom"})
        # one trace per chart, a colour per name: five times fewer traces for Plotly to draw
        traces.append({
            "type": "bar", "x": column_values, "y": [str(n) for n in range(len(names))],
            "orientation": "h", "name": _plain([measure])[0],
            "customdata": [row_urls[m] for row_urls in urls],
            "marker": {"color": [COLOURS[n % len(COLOURS)] for n in range(len(names))]},
            "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "hovertext": labels,
            "text": [f"{value:,}" if value is not None else "" for value in column_values],
            "textposition": "outside", "cliponaxis": False,
            "hovertemplate": "%{hovertext}<br>%{x:,}<extra></extra>"})
    return {"data": traces, "layout": layout}


def over_time(months: Sequence[str], spans: Sequence[str],
              views: Sequence[tuple[str, list[tuple[str, list, str]]]],
              rtl: bool) -> Figure:
    """Stacked monthly bars by series, one set of traces per view (kind of work).

    Only what is drawn is sent: the months and their days ("YYYY-MM-DD+to+YYYY-MM-DD") go
    once, in the layout's `meta`, and static/js/dashboard.js gives every trace its months
    and, for a trace with a link template, each bar with a value its month's days; a
    trace holds its name and its values. Each trace's `meta` holds its view's number, which
    the page's selector shows, its link template, and the whole-number tick step of its
    view's value axis (null: Plotly's own).
    """
    steps = [whole_step(_top(*(values for _name, values, _link in series), stacked=True))
             for _label, series in views]
    traces = [
        {"type": "bar", "name": _plain([name])[0], "y": list(values), "visible": number == 0,
         "meta": {"view": number, "link": link, "dtick": steps[number]},
         "hovertemplate": "%{fullData.name}<br>%{x}: %{y}<extra></extra>"}
        for number, (_label, series) in enumerate(views)
        for name, values, link in series
    ]
    top = _top(*(values for _name, values, _l in views[0][1]), stacked=True) if views else 0
    return {"data": traces, "layout": _layout(rtl, height=420, barmode="stack", bargap=0.15,
                                              xaxis={"type": "category"},
                                              yaxis=count_axis(top),
                                              meta={"months": list(months),
                                                    "spans": list(spans)})}


def to_json(fig: Figure) -> Markup:
    """The figure as JSON that is safe inside <script type="application/json">."""
    text = json.dumps(fig, ensure_ascii=False, separators=(",", ":"), default=str)
    # JSON has < > & only inside strings, where their \u escapes mean the same
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

/* Draws the dashboard's Plotly figures from their JSON, and opens the records behind a
   clicked bar or slice (the server puts a link in customdata only for those who may). */
(function () {
  "use strict";

  var config = { displaylogo: false, displayModeBar: false, responsive: true };

  /* A point's link: its customdata, or its trace's link template filled with its period. */
  function linkOf(point) {
    var data = point.customdata;
    var meta = point.data && point.data.meta;
    if (Array.isArray(data)) { data = data[0]; }
    if (typeof data !== "string" || !data) { return ""; }
    if (meta && meta.link) { data = meta.link.replace("__period__", data); }
    return data.charAt(0) === "/" && data.charAt(1) !== "/" ? data : "";
  }

  /* A monthly chart is sent with its months and their days once, in layout.meta: each
     trace gets the months, and each bar with a value of a trace with a link its days. */
  function fill(figure) {
    var meta = figure.layout && figure.layout.meta;
    if (!meta || !meta.months) { return figure; }
    figure.data.forEach(function (trace) {
      var linked = Boolean(trace.meta && trace.meta.link);
      trace.x = meta.months;
      trace.customdata = trace.y.map(function (value, i) {
        return linked && value ? meta.spans[i] : "";
      });
    });
    return figure;
  }

  function draw(target) {
    var source = document.getElementById(target.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = fill(JSON.parse(source.textContent));
    Plotly.newPlot(target, figure.data, figure.layout, config).then(function (chart) {
      chart.on("plotly_click", function (event) {
        var url = event && event.points && event.points.length ? linkOf(event.points[0]) : "";
        if (url) { window.location.assign(url); }
      });
      chart.on("plotly_hover", function (event) {
        var url = event && event.points && event.points.length ? linkOf(event.points[0]) : "";
        chart.style.cursor = url ? "pointer" : "";
      });
      chart.on("plotly_unhover", function () { chart.style.cursor = ""; });
    });
  }

  /* A selector shows one view of a chart: the traces whose meta.view is the chosen one. */
  function connect(select) {
    select.addEventListener("change", function () {
      var chart = document.getElementById(select.getAttribute("data-chart"));
      if (!chart || !chart.data) { return; }
      var chosen = Number(select.value);
      var step = null;
      var visible = chart.data.map(function (trace) {
        var shown = Boolean(trace.meta) && trace.meta.view === chosen;
        if (shown && trace.meta.dtick) { step = trace.meta.dtick; }
        return shown;
      });
      Plotly.restyle(chart, { visible: visible });
      /* counts in whole numbers: a view of small counts gets a step of 1, 2 or 5 */
      Plotly.relayout(chart, step ? { "yaxis.tickmode": "linear", "yaxis.tick0": 0, "yaxis.dtick": step }
                                  : { "yaxis.tickmode": "auto", "yaxis.dtick": null });
    });
  }

  function start() {
    if (typeof Plotly === "undefined") { return; }
    var charts = document.querySelectorAll(".chart[data-figure]");
    for (var i = 0; i < charts.length; i += 1) { draw(charts[i]); }
    var selects = document.querySelectorAll("select.chart-view[data-chart]");
    for (var j = 0; j < selects.length; j += 1) { connect(selects[j]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

/* A small date picker in the page's language: month and day names and the first day of the
   week come from the server (#app-settings), dates are read as the server reads them
   (coalition/dates.py: day/month/year or year-month-day, Western or Arabic-Indic digits).
   It opens under its own field, and a value it cannot read simply opens this month. */
(function () {
  "use strict";
  var settings = {};
  try {
    settings = JSON.parse(document.getElementById("app-settings").textContent).dates || {};
  } catch (e) { settings = {}; }
  var MONTHS = settings.months || ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];
  var DAYS = settings.days || ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];
  var FIRST_DAY = typeof settings.firstDay === "number" ? settings.firstDay : 1;
  var DIGITS = { "٠": 0, "١": 1, "٢": 2, "٣": 3, "٤": 4, "٥": 5, "٦": 6, "٧": 7, "٨": 8, "٩": 9,
    "۰": 0, "۱": 1, "۲": 2, "۳": 3, "۴": 4, "۵": 5, "۶": 6, "۷": 7, "۸": 8, "۹": 9 };
  var SEP = "\\s*[-/.\u060d]\\s*";
  var YEAR_FIRST = new RegExp("^(\\d{4})" + SEP + "(\\d{1,2})" + SEP + "(\\d{1,2})$");
  var DAY_FIRST = new RegExp("^(\\d{1,2})" + SEP + "(\\d{1,2})" + SEP + "(\\d{4})$");
  var RANGE = /\s+(?:to|إلى|ile|-|–|—)\s+/;

  function ascii(text) {
    return String(text || "").replace(/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g, "")
      .replace(/[٠-٩۰-۹]/g, function (d) { return String(DIGITS[d]); }).trim();
  }

  /* {y, m (1-12), d} or null: the same rules as the server's parse_date. */
  function parse(text) {
    var value = ascii(text), match, y, m, d;
    if ((match = YEAR_FIRST.exec(value))) { y = +match[1]; m = +match[2]; d = +match[3]; }
    else if ((match = DAY_FIRST.exec(value))) { d = +match[1]; m = +match[2]; y = +match[3]; }
    else { return null; }
    var date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d ||
        y < 1900 || y > 2100) { return null; }
    return { y: y, m: m, d: d };
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(day) { return pad(day.d) + "/" + pad(day.m) + "/" + day.y; }

  /* The dates a field holds: one, or two for a range filter ("first to last"). */
  function valuesOf(input) {
    var parts = ascii(input.value).split(RANGE);
    return parts.map(parse);
  }

  function isRange(input) { return input.getAttribute("data-role") === "daterangepicker"; }

  var popup = null, current = null, view = null;

  function close() {
    if (popup) { popup.remove(); popup = null; }
    if (current) { current.setAttribute("aria-expanded", "false"); }
    current = null;
  }

  function choose(input, day) {
    var text = format(day);
    if (isRange(input)) {
      var values = valuesOf(input);
      if (values.length === 1 && values[0] && input.getAttribute("data-range-open") === "1") {
        var first = values[0];
        var firstIsLater = Date.UTC(first.y, first.m, first.d) > Date.UTC(day.y, day.m, day.d);
        var to = " " + (settings.to || "to") + " ";
        text = firstIsLater ? text + to + format(first) : format(first) + to + text;
        input.removeAttribute("data-range-open");
      } else {
        input.setAttribute("data-range-open", "1");  // the next pick ends the range
      }
    }
    input.value = text;
    input.classList.remove("is-invalid");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (!input.hasAttribute("data-range-open")) { close(); input.focus(); } else { render(); }
  }

  function button(text, label, onClick, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + (extra || "btn-light");
    b.textContent = text;
    if (label) { b.setAttribute("aria-label", label); b.title = label; }
    b.addEventListener("click", function (event) { event.preventDefault(); onClick(); });
    return b;
  }

  function render() {
    if (!popup || !current) { return; }
    popup.textContent = "";
    var rtl = document.documentElement.dir === "rtl";
    var head = document.createElement("div");
    head.className = "datepicker-head";
    var title = document.createElement("strong");
    title.className = "datepicker-title";
    title.textContent = MONTHS[view.m - 1] + " " + view.y;
    title.setAttribute("aria-live", "polite");
    head.appendChild(button(rtl ? "›" : "‹", settings.previous, function () { move(-1); },
                            "btn-light datepicker-prev"));
    head.appendChild(title);
    head.appendChild(button(rtl ? "‹" : "›", settings.next, function () { move(1); },
                            "btn-light datepicker-next"));
    popup.appendChild(head);

    var grid = document.createElement("table");
    grid.className = "datepicker-grid";
    grid.setAttribute("role", "grid");
    var row = document.createElement("tr");
    for (var i = 0; i < 7; i++) {
      var th = document.createElement("th");
      th.textContent = DAYS[(FIRST_DAY + i) % 7];
      th.setAttribute("scope", "col");
      row.appendChild(th);
    }
    var thead = document.createElement("thead");
    thead.appendChild(row);
    grid.appendChild(thead);
    var body = document.createElement("tbody");
    var first = new Date(Date.UTC(view.y, view.m - 1, 1));
    var offset = (first.getUTCDay() - FIRST_DAY + 7) % 7;
    var length = new Date(Date.UTC(view.y, view.m, 0)).getUTCDate();
    var chosen = valuesOf(current).filter(Boolean);
    var now = new Date();
    row = document.createElement("tr");
    for (i = 0; i < offset; i++) { row.appendChild(document.createElement("td")); }
    for (var d = 1; d <= length; d++) {
      var cell = document.createElement("td");
      var day = { y: view.y, m: view.m, d: d };
      var b = button(String(d), null, choose.bind(null, current, day), "btn-light datepicker-day");
      b.setAttribute("data-day", format(day));
      if (chosen.some(function (c) { return c.y === day.y && c.m === day.m && c.d === day.d; })) {
        b.className = "btn btn-sm btn-primary datepicker-day";
        b.setAttribute("aria-selected", "true");
      }
      if (now.getFullYear() === day.y && now.getMonth() + 1 === day.m && now.getDate() === d) {
        b.classList.add("datepicker-today");
      }
      cell.appendChild(b);
      row.appendChild(cell);
      if ((offset + d) % 7 === 0) { body.appendChild(row); row = document.createElement("tr"); }
    }
    if (row.children.length) { body.appendChild(row); }
    grid.appendChild(body);
    popup.appendChild(grid);

    var foot = document.createElement("div");
    foot.className = "datepicker-foot";
    foot.appendChild(button(settings.today || "Today", null, function () {
      var t = new Date();
      choose(current, { y: t.getFullYear(), m: t.getMonth() + 1, d: t.getDate() });
    }, "btn-link"));
    foot.appendChild(button(settings.close || "×", null, close, "btn-link"));
    popup.appendChild(foot);
  }

  function move(months) {
    var index = view.y * 12 + view.m - 1 + months;
    view = { y: Math.floor(index / 12), m: (index % 12) + 1 };
    render();
  }

  /* Under the field, starting from its reading edge (the right in Arabic). */
  function place(input) {
    var box = input.getBoundingClientRect();
    var top = box.bottom + window.scrollY + 2;
    popup.style.top = top + "px";
    if (document.documentElement.dir === "rtl") {
      var right = document.documentElement.clientWidth - box.right - window.scrollX;
      popup.style.right = Math.max(right, 0) + "px";
      popup.style.left = "auto";
    } else {
      popup.style.left = Math.max(box.left + window.scrollX, 0) + "px";
      popup.style.right = "auto";
    }
  }

  function open(input) {
    if (current === input && popup) { return; }
    close();
    current = input;
    var values = valuesOf(input).filter(Boolean);
    var shown = values.length ? values[values.length - 1] : null;
    var today = new Date();
    view = shown ? { y: shown.y, m: shown.m } : { y: today.getFullYear(), m: today.getMonth() + 1 };
    popup = document.createElement("div");
    popup.className = "datepicker-popup shadow";
    popup.setAttribute("role", "dialog");
    popup.setAttribute("dir", document.documentElement.dir || "ltr");
    if (input.id) { popup.setAttribute("data-for", input.id); }
    document.body.appendChild(popup);
    input.setAttribute("aria-expanded", "true");
    render();
    place(input);
  }

  /* Say at once when the text is not a date (the server says it again on saving). */
  function check(input) {
    var text = ascii(input.value);
    var bad = text !== "" && valuesOf(input).some(function (v) { return v === null; });
    input.classList.toggle("is-invalid", bad);
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    if (bad && settings.invalid) { input.title = settings.invalid; } else { input.removeAttribute("title"); }
  }

  function attach(input) {
    if (input.hasAttribute("data-picker")) { return; }
    input.setAttribute("data-picker", "1");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("dir", "ltr");
    input.setAttribute("aria-haspopup", "dialog");
    if (!input.placeholder && settings.placeholder) {
      input.placeholder = isRange(input) ? settings.placeholder + " " + (settings.to || "to") + " " +
        settings.placeholder : settings.placeholder;
    }
    input.addEventListener("focus", function () { open(input); });
    input.addEventListener("click", function () { open(input); });
    input.addEventListener("input", function () {
      if (current === input) {
        var values = valuesOf(input).filter(Boolean);
        if (values.length) { view = { y: values[values.length - 1].y, m: values[values.length - 1].m }; }
        render();
      }
    });
    input.addEventListener("blur", function () { check(input); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Tab") { close(); }
    });
  }

  document.addEventListener("mousedown", function (event) {
    if (popup && !popup.contains(event.target) && event.target !== current) { close(); }
  });
  window.addEventListener("resize", function () { if (popup && current) { place(current); } });

  function attachAll(root) {
    (root || document).querySelectorAll("input[data-date-input]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { attachAll(document); });

  /* Flask-Admin's forms and list filters ask faForm to style their date boxes: ours instead of
     its English daterangepicker. */
  if (window.jQuery) {
    window.jQuery(document).on("adminFormReady", function () {
      window.faForm.addFieldConverter(function ($el, name) {
        if (name !== "datepicker" && name !== "daterangepicker") { return false; }
        $el.attr("data-role", name);
        attach($el[0]);
        return true;
      });
    });
  }
  window.coalitionDates = { parse: parse, format: format, attach: attach };
})();

"""The donor workbook: a cover, the dashboard's figures with charts, and the period's work.

Every figure comes from the KPI definitions through `visibility.figures`, as on the
dashboard and in the API, and each record sheet lists exactly the records behind a figure.
Cases appear only as figures, as donors may see them whoever makes the workbook: a case
breakdown (every `cases.*` figure but the total of cases) between 1 and N-1 is hidden,
since so small a count can point at the people behind it, and so are enough others that
it cannot be worked out from a total. The total of cases stays as it is: it says how much
work was done, not what happened to whom.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList

from coalition.database import utcnow
from coalition.exports.cells import BOLD, RIGHT, TITLE_FONT, SheetWriter, width_of, yes_no
from coalition.exports.donor_sheets import (
    CHOICE,
    DONOR_SHEETS,
    PARTNERS,
    PLAIN,
    YES_NO,
    RecordSheet,
    Rows,
    name_of,
    names,
)
from coalition.exports.results import results_sheet
from coalition.i18n import LANGUAGE_NAMES, language, text_direction
from coalition.kpis.charts import percentages
from coalition.kpis.conditions import approved_note, campaign_note
from coalition.kpis.definitions import BY_KEY, COUNTERPART_KEYS, KPIS, OUTCOME_KEYS
from coalition.kpis.filters import Filters
from coalition.kpis.visibility import SUPPRESSED, Audience, Figures, figures, marker

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT, STAMP_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
COVER_WIDTHS = (30, 52, 12)
#: the Summary's column of each figure's key in the API: hidden, for programs
KEY_COLUMN = 4
#: a chart's size (cm) and the rows (15 points each) it covers
CHART_WIDTH, CHART_HEIGHT, CHART_ROWS = 16, 10, 20


@dataclass
class DonorWorkbook:
    """One donor workbook: the filters, who asks, and how small a case figure may be."""

    filters: Filters
    generated_by: str
    below: int = 5
    #: who makes it: the workbook shows what donors may see, and never more than they may
    audience: Audience = field(default_factory=Audience.operator)
    #: openpyxl's write-only mode streams rows to disk; off only to compare (benchmark)
    write_only: bool = True
    generated_at: datetime = field(default_factory=utcnow)
    #: (sheet, what it holds, rows) of every sheet after the cover, for its contents
    contents: list[tuple[str, str, int]] = field(default_factory=list)

    def save(self, out: str | IO[bytes]) -> None:
        """Build the workbook and write it to a path or a binary file."""
        workbook = Workbook(write_only=self.write_only)
        if not self.write_only:
            workbook.remove(workbook.active)
        rtl = text_direction() == "rtl"
        cover = SheetWriter(workbook, _("About this workbook"), rtl=rtl)
        summary = SheetWriter(workbook, _("Summary"), rtl=rtl)
        previous = self.filters.previous()
        values, *others = figures(self.audience.for_donors(),
                                  [(self.filters, None), *([(previous, None)] if previous
                                                           else [])], below=self.below)
        before = others[0] if others else None
        self._summary(summary, values, before)
        self.contents.append((summary.title, _("Every figure of the dashboard, with the "
                                               "period before, and charts."), len(KPIS)))
        known = names()
        for spec in DONOR_SHEETS:
            sheet = SheetWriter(workbook, str(spec.title), rtl=rtl)
            rows = self._records(sheet, spec, known)
            self.contents.append((sheet.title, str(spec.about), rows))
        results = SheetWriter(workbook, _("Results"), rtl=rtl)
        self.contents.append((results.title, _("Each target of the period against its actual."),
                              results_sheet(results, self.filters, self.audience)))
        self._cover(cover, previous)
        workbook.save(out)

    # --- the summary --------------------------------------------------------------------
    @staticmethod
    def _figure(sheet: SheetWriter, key: str, values: Figures | None) -> Any:
        """A figure's cell: a number with its format, or the word standing for a hidden
        figure, aligned like a number."""
        if values is None:
            return None
        value = values.shown(key)
        if value is None:
            return None
        if isinstance(value, str):
            return sheet.cell(value, align=RIGHT)
        return sheet.cell(value, number_format="#,##0" if value == int(value) else "#,##0.0")

    def _summary(self, sheet: SheetWriter, values: Figures, before: Figures | None) -> None:
        """Every KPI (beside the period before, if any), the outcomes with shares, two charts.

        Each figure's key in the API sits in a hidden column: programs find it there, readers
        and printers do not see it. No period chosen, no column for the period before.
        """
        labels = [str(kpi.label) for kpi in KPIS]
        # the key's column comes after the outcomes' three, whether or not there is a
        # previous period, so that no table below has a hidden column
        sheet.widths([width_of([*labels, _("Legal consultation outcomes")]), 16, 16,
                      width_of([kpi.key for kpi in KPIS])], hidden=[KEY_COLUMN])
        sheet.freeze(2)
        top = sheet.header([_("Figure"), _("This period"),
                            _("Previous period") if before else None, _("Key in the API")])
        for kpi, label in zip(KPIS, labels, strict=True):
            sheet.append_cells([sheet.cell(label), self._figure(sheet, kpi.key, values),
                                self._figure(sheet, kpi.key, before), sheet.cell(kpi.key)])
        sheet.autofilter(top, 3 if before else 2)

        sheet.blank()
        heading = sheet.header([_("Legal consultation outcomes"), _("Cases"), _("Share")])
        # the shares of the outcomes shown, and of the hidden ones together (the total less
        # those shown, which anyone can work out), so that no hidden one is given away
        counts = [int(value) for key in OUTCOME_KEYS if (value := values[key]) is not None]
        if (total := values["cases.total"]) is not None and len(counts) < len(OUTCOME_KEYS):
            counts.append(int(total) - sum(counts))
        shares = iter(percentages(counts))
        for key in OUTCOME_KEYS:
            share = next(shares) if values[key] is not None else None
            sheet.append_cells([sheet.cell(str(BY_KEY[key].label)),
                                self._figure(sheet, key, values),
                                None if share is None else sheet.cell(share / 100,
                                                                      number_format="0.0%")])
        last = sheet.append_cells([sheet.cell(_("Total"), font=BOLD),
                                   self._figure(sheet, "cases.total", values),
                                   sheet.cell(1 if values["cases.total"] else 0,
                                              number_format="0.0%")])
        # shares, not counts: a hidden count has no share, so no bar gives it away
        outcomes = _bar_chart(_("Legal consultation outcomes (share of cases)"),
                              Reference(sheet.ws, min_col=3, min_row=heading, max_row=last - 1),
                              Reference(sheet.ws, min_col=1, min_row=heading + 1,
                                        max_row=last - 1), number_format="0%")

        sheet.blank()
        heading = sheet.header([_("Meetings by counterpart category"), _("Meetings")])
        for key in COUNTERPART_KEYS:
            last = sheet.append_cells([sheet.cell(str(BY_KEY[key].label)),
                                       self._figure(sheet, key, values)])
        meetings = _bar_chart(_("Meetings by counterpart category"),
                              Reference(sheet.ws, min_col=2, min_row=heading, max_row=last),
                              Reference(sheet.ws, min_col=1, min_row=heading + 1,
                                        max_row=last), number_format="#,##0")
        # the charts on a page of their own, below the tables, so no page cuts one in two
        sheet.page_break()
        for chart in (outcomes, meetings):
            sheet.ws.add_chart(chart, f"A{sheet.rows + 1}")
            for _row in range(CHART_ROWS):
                sheet.blank()

    # --- the record sheets --------------------------------------------------------------
    def _records(self, sheet: SheetWriter, spec: RecordSheet, known: dict) -> int:
        """Write the records behind a sheet's KPIs; return how many there were."""
        rows = Rows(spec, self.filters)
        shows = [_converter(column, known) for column in spec.columns]
        sheet.widths(_widths(rows, spec, known))
        sheet.freeze(2)
        top = sheet.header([column.label for column in spec.columns], repeated=True)
        partners = [i for i, column in enumerate(spec.columns) if column.show == PARTNERS]
        count = 0
        for batch in rows.batches():
            linked = rows.partners(batch)

            def values(batch: Any = batch, linked: dict = linked) -> Iterator[list]:
                for row in batch:
                    shown = [show(value) for show, value in zip(shows, row[3:], strict=True)]
                    for i in partners:
                        shown[i] = linked.get((row.source, row.id))
                    yield shown

            sheet.append_rows(values())
            count += len(batch)
        sheet.autofilter(top, len(spec.columns))
        return count

    # --- the cover ----------------------------------------------------------------------
    def _cover(self, sheet: SheetWriter, previous: Filters | None) -> None:
        """What the workbook covers, when and by whom it was made, and its contents."""
        filters = self.filters
        sheet.widths(COVER_WIDTHS)
        name = current_app.config.get("COALITION_NAME") or _("Coalition")
        sheet.append_cells([sheet.cell(_("%(coalition)s — donor workbook", coalition=name),
                                       font=TITLE_FONT)])
        sheet.blank()

        def line(label: str, *values: Any, number_format: str | None = None) -> None:
            sheet.append_cells([sheet.cell(label, font=BOLD), *(
                sheet.cell(v, number_format=number_format if isinstance(v, date) else None)
                for v in values)])

        line(_("From"), filters.start or _("Any"), number_format=DATE_FORMAT)
        line(_("To"), filters.end or _("Any"), number_format=DATE_FORMAT)
        if previous is not None:
            line(_("Previous period"), previous.start, previous.end, number_format=DATE_FORMAT)
        line(_("Office"), name_of(filters.office) if filters.office
             else _("All offices (coalition total)"))
        line(_("Track"), name_of(filters.track) if filters.track else _("All"))
        line(_("Project"), name_of(filters.project) if filters.project else _("All"))
        if filters.campaign is not None:
            line(_("Campaign"), name_of(filters.campaign))
        line(_("Generated at (UTC)"), self.generated_at.replace(microsecond=0),
             number_format=STAMP_FORMAT)
        line(_("Generated by"), self.generated_by)
        line(_("Language"), LANGUAGE_NAMES.get(language(), language()))
        sheet.blank()
        if filters.approved:
            sheet.note(approved_note(), COVER_WIDTHS)
        if filters.campaign is not None:
            sheet.note(campaign_note(name_of(filters.campaign)), COVER_WIDTHS)
        if self.below > 1:
            sheet.note(_("Case figures other than the total of cases that are between 1 "
                         "and %(top)d, and as many others as it takes that none of them "
                         "can be worked out from a total or from the figures beside it, "
                         "are shown as “%(hidden)s”, so that no one can be recognised "
                         "from a small number.", top=self.below - 1,
                         hidden=marker(SUPPRESSED)), COVER_WIDTHS)
        sheet.note(_("Cases appear only as figures: no name, phone, identity number, note "
                     "or case reference is in this workbook."), COVER_WIDTHS)
        asked = [name for name in ("office", "track", "project") if getattr(filters, name)]
        ignored = [str(kpi.label) for kpi in KPIS
                   if any(name not in kpi.dimensions for name in asked)]
        if ignored:
            sheet.note(_("These figures have no office, track or project of their own, so "
                         "that filter does not narrow them:") + " " + _(", ").join(ignored),
                       COVER_WIDTHS)
        sheet.blank()
        sheet.header([_("Sheet"), _("What it holds"), _("Rows")])
        for title, about, rows in self.contents:
            place = "'" + title.replace("'", "''") + "'!A1"  # Excel doubles a quote in a name
            sheet.append_cells([sheet.cell(title, link=place), sheet.cell(about),
                                sheet.cell(rows)])


def _bar_chart(title: str, data: Reference, categories: Reference, *,
               number_format: str) -> BarChart:
    """Horizontal bars with their values at their ends, long labels wrapped beside them.

    Nothing piles on anything else, in Excel as in LibreOffice (a doughnut's labels did).
    """
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", title, None
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                     showLegendKey=False, showPercent=False, dLblPos="outEnd")
    chart.dataLabels.numFmt = number_format
    chart.y_axis.majorGridlines = None
    chart.y_axis.scaling.min = 0
    chart.y_axis.delete = True  # each bar says its value: no scale of crowded numbers
    chart.x_axis.scaling.orientation = "maxMin"  # the first category on top
    chart.x_axis.delete = False  # newer Excel hides the categories otherwise
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT
    return chart


def file_name(filters: Filters, lang: str) -> str:
    """The workbook's file name, in plain ASCII: its period, its scope and its language."""
    start, end = (filters.start.isoformat() if filters.start else None,
                  filters.end.isoformat() if filters.end else None)
    period = (f"{start}_{end}" if start and end else f"from-{start}" if start
              else f"to-{end}" if end else "all-dates")
    scope = [f"{name}-{_slug(getattr(filters, name))}"
             for name in ("office", "track", "project", "campaign")
             if getattr(filters, name) is not None]
    return "_".join(["donor-workbook", period, *(scope or ["coalition"]), lang]) + ".xlsx"


def _slug(record) -> str:
    """An office's, track's or project's code as a file name takes it (else its number)."""
    code = re.sub(r"[^A-Za-z0-9-]+", "-", getattr(record, "code", "") or "").strip("-")
    return code or str(record.id)


def _converter(column, known: dict) -> Callable[[Any], Any]:
    """How a stored value of the column is written: a label, yes or no, a name, as is."""
    if column.show == CHOICE:
        labels = {code: str(label) for code, label in column.choices}
        return lambda code: labels.get(code, code)
    if column.show == YES_NO:
        answers = {True: yes_no(True), False: yes_no(False)}
        return lambda value: answers.get(value)
    if column.show in known:
        by_id = known[column.show]
        return lambda record_id: by_id.get(record_id)
    return lambda value: value


def _widths(rows: Rows, spec: RecordSheet, known: dict) -> list[float]:
    """Column widths that fit the headings (over two lines) and the longest value."""
    longest = rows.longest()
    widths = []
    for number, column in enumerate(spec.columns):
        heading = str(column.label)
        # a long heading wraps over two lines rather than widen the column
        room = max(len(heading) // 2 + 2, max((len(w) for w in heading.split()), default=0))
        if column.show == CHOICE:
            data = max(len(str(label)) for _code, label in column.choices or ())
        elif column.show == YES_NO:
            data = max(len(yes_no(True)), len(yes_no(False)))
        elif column.show in known:
            data = max((len(name) for name in known[column.show].values()), default=0)
        elif column.show == PARTNERS:
            data = 40
        elif rows.is_date(number):
            data = 10
        elif column.show == PLAIN and number in longest:
            data = longest[number]
        else:
            data = 8
        widths.append(width_of(["x" * room, "x" * data]))
    return widths

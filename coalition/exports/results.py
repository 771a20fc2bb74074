"""The donor workbook's results sheet: each target of the period against its actual, the way
a logframe reports it (indicator, target, actual, achieved)."""

from flask_babel import gettext as _

from coalition.exports.cells import RIGHT, SheetWriter, width_of
from coalition.exports.donor_sheets import name_of
from coalition.kpis.filters import Filters
from coalition.kpis.targets.progress import within
from coalition.kpis.visibility import Audience, marker

#: the widths of the results sheet's columns after the indicator's
WIDTHS = (12, 26, 20, 14, 14, 12, 14)


def results_sheet(sheet: SheetWriter, filters: Filters, audience: Audience) -> int:
    """Write every target of the period (for the office and project asked) with its actual
    as donors see it; return how many there were."""
    rows = within(filters, audience.for_donors())
    sheet.widths([width_of([_("Indicator"), *(row.label for row in rows)]), *WIDTHS])
    sheet.freeze(2)
    top = sheet.header([_("Indicator"), _("Period"), _("Office"), _("Project"), _("Target"),
                        _("Actual"), _("Achieved"), _("Mark")], repeated=True)
    for row in rows:
        actual = (sheet.cell(marker(row.hidden or ""), align=RIGHT) if row.actual is None
                  else sheet.cell(row.actual, number_format="#,##0.##"))
        achieved = (None if row.achieved_percent is None
                    else sheet.cell(row.achieved_percent / 100, number_format="0.0%"))
        sheet.append_cells([
            sheet.cell(row.label), sheet.cell(row.period),
            sheet.cell(name_of(row.office) if row.office else _("Whole coalition")),
            sheet.cell(name_of(row.project) if row.project else "—"),
            sheet.cell(row.target, number_format="#,##0.##"), actual, achieved,
            sheet.cell(row.mark_label or "—")])
    if not rows:
        sheet.append_cells([sheet.cell(_("No target has been set for this period and "
                                         "scope."))])
    sheet.autofilter(top, 8)
    return len(rows)

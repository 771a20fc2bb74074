"""Cells and sheets written safely: text that could run as a formula stays text.

Spreadsheet programs run a cell that begins with `=`, `+`, `-` or `@` (and some also one
that begins with a tab or a carriage return) as a formula. In a workbook such text is
written as a string cell with Excel's quote prefix; in a CSV file it gets a leading
apostrophe, the usual defence since CSV has no cell types.
"""

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

#: the first characters that make a spreadsheet read text as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the most characters an Excel cell holds
MAX_TEXT = 32_767
#: characters Excel refuses in a sheet's name
_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
MIN_WIDTH, MAX_WIDTH = 8, 60
#: the widest sheet (in Excel's character widths) that prints upright on A4; wider is landscape
PORTRAIT_WIDTH = 100
#: values a cell takes as they are (the common case, kept fast for large sheets)
AS_IS = frozenset({int, float, Decimal, date, datetime, type(None)})

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F6F8B")
HEADER_BORDER = Border(bottom=Side(style="thin", color="0F3F50"))
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")
LINK_FONT = Font(color="0563C1", underline="single")


def yes_no(value: bool) -> str:
    """A yes/no column's value in the user's language."""
    return _("Yes") if value else _("No")


def _safe(text: str) -> bool:
    """True if text goes into a cell as it is: no formula start, nothing Excel refuses."""
    return (not text.startswith(FORMULA_STARTS) and len(text) <= MAX_TEXT
            and ILLEGAL_CHARACTERS_RE.search(text) is None)


def clean_text(text: str) -> str:
    """Text a cell can hold: no control characters Excel refuses, no more than its limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]


def plain(value: Any) -> Any:
    """A value as a cell takes it: numbers and dates as they are, the rest as text."""
    if value is None or isinstance(value, int | float | Decimal | date | str):
        return yes_no(value) if isinstance(value, bool) else value
    return str(value)  # lazy translations, names of offices and tracks…


def csv_value(value: Any) -> str:
    """A value as CSV text: dates in ISO form; text that could run as a formula quoted."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts (31 characters, no []:*?/\\), unique in the workbook."""
    base = " ".join(str(title).translate(_TITLE_FORBIDDEN).split()).strip("'")[:31] or "Sheet"
    taken = {name.casefold() for name in taken}
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name, number = base[:31 - len(suffix)] + suffix, number + 1
    return name


def width_of(values: Iterable[Any]) -> float:
    """A column width that fits the longest of these values (within sensible bounds)."""
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    return float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))


class SheetWriter:
    """One worksheet, written row by row (streamed to disk in write-only mode)."""

    def __init__(self, workbook: Workbook, title: str, *, rtl: bool) -> None:
        self.ws = workbook.create_sheet(sheet_title(title, workbook.sheetnames))
        self.ws.sheet_view.rightToLeft = rtl
        self.rows = 0

    @property
    def title(self) -> str:
        """The sheet's name in the workbook."""
        return self.ws.title

    def widths(self, widths: Sequence[float], *, hidden: Sequence[int] = ()) -> None:
        """Set the columns' widths (before the first row: write-only sheets write them first).

        `hidden` columns (numbered from 1) are for programs, not for readers or printing.
        """
        for number, width in enumerate(widths, start=1):
            dimension = self.ws.column_dimensions[get_column_letter(number)]
            dimension.width = width
            dimension.hidden = number in hidden
        shown = sum(w for number, w in enumerate(widths, start=1) if number not in hidden)
        self.printed(landscape=shown > PORTRAIT_WIDTH)

    def printed(self, *, landscape: bool) -> None:
        """Print on A4 at the page's width, with the sheet's name above and page numbers below."""
        setup = self.ws.page_setup
        setup.paperSize = 9  # A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth, setup.fitToHeight = 1, 0  # as many pages down as it takes
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7,
                                           header=0.3, footer=0.3)
        self.ws.HeaderFooter.oddHeader.center.text = "&A"
        self.ws.HeaderFooter.oddFooter.center.text = "&P / &N"

    def page_break(self) -> None:
        """Start a new printed page after the last row written."""
        self.ws.row_breaks.append(Break(id=self.rows))

    def freeze(self, row: int) -> None:
        """Keep the rows above `row` in view (before the first row, like the widths)."""
        self.ws.freeze_panes = f"A{row}"

    def cell(self, value: Any, *, font: Font | None = None, number_format: str | None = None,
             link: str | None = None, align: Alignment | None = None) -> Any:
        """A value ready to append; text that could run as a formula becomes a string cell.

        `link` is a place in the workbook, such as "'Meetings'!A1".
        """
        value = plain(value)
        if isinstance(value, str):
            value = clean_text(value)
        risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        if not (risky or font or number_format or link or align):
            return value
        cell = WriteOnlyCell(self.ws, value)
        if risky:  # openpyxl has made it a formula; it is text, and Excel is to keep it so
            cell.data_type = "s"
            cell.quotePrefix = True
        if number_format:
            cell.number_format = number_format
        if link:
            cell.hyperlink = Hyperlink(ref="A1", location=link)
            font = font or LINK_FONT
        if font:
            cell.font = font
        if align:
            cell.alignment = align
        return cell

    def append(self, values: Iterable[Any]) -> int:
        """Write one row of values; return its number."""
        row = [value if type(value) in AS_IS or (type(value) is str and _safe(value))
               else self.cell(value) for value in values]
        self.ws.append(row)
        self.rows += 1
        return self.rows

    def append_cells(self, cells: Sequence[Any]) -> int:
        """Write one row of values and cells made by `cell()`; return its number."""
        self.rows += 1
        for number, cell in enumerate(cells, start=1):
            if getattr(cell, "hyperlink", None) is not None:
                cell.hyperlink.ref = f"{get_column_letter(number)}{self.rows}"
        self.ws.append(list(cells))
        return self.rows

    def header(self, labels: Sequence[Any], *, repeated: bool = False) -> int:
        """The styled header row of a table; return its number.

        A `repeated` header is printed at the top of every page; a None label leaves its
        column out of the header.
        """
        cells: list[Any] = []
        for label in labels:
            if label is None:
                cells.append(None)
                continue
            cell = self.cell(label, font=HEADER_FONT, align=HEADER_ALIGNMENT)
            cell.fill, cell.border = HEADER_FILL, HEADER_BORDER
            cells.append(cell)
        if repeated:  # the header of a long table: its headings wrap over two lines
            self.ws.row_dimensions[self.rows + 1].height = 30
        row = self.append_cells(cells)
        if repeated:
            self.ws.print_title_rows = f"{row}:{row}"
        return row

    def blank(self) -> int:
        """An empty row."""
        return self.append_cells([])

    def note(self, text: str, widths: Sequence[float]) -> int:
        """A sentence across columns of these widths, wrapped within them.

        Spreadsheets do not fit a merged row's height to its text: it is set here, a line
        of 15 points for each width's worth of characters.
        """
        columns, room = len(widths), max(sum(widths) - 2, 1)
        self.ws.row_dimensions[self.rows + 1].height = 15 * math.ceil(len(text) / room)
        row = self.append_cells([self.cell(text, align=WRAP)])
        self.ws.merged_cells.add(f"A{row}:{get_column_letter(columns)}{row}")
        return row

    def autofilter(self, header_row: int, columns: int) -> None:
        """A filter on the columns of the table whose header is `header_row`."""
        last = max(self.rows, header_row)
        self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last}"

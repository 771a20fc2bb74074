"""Cells and sheets written safely: text that could run as a formula stays text.

Spreadsheet programs run a cell that begins with `=`, `+`, `-` or `@` (and some also one
that begins with a tab or a carriage return) as a formula. In a workbook such text is
written as a string cell with Excel's quote prefix; in a CSV file it gets a leading
apostrophe, the usual defence since CSV has no cell types.
"""

import math
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from openpyxl import LXML
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
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
        self._fast: _FastRows | None = None

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

    def append_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write many rows of values, as `append` would, one after the other.

        A write-only sheet takes them as XML made here, a batch at a time, put in place when
        the sheet is closed (see _FastRows): openpyxl's own way, a cell object and its checks
        for every value, took three quarters of the time of a workbook of every record.
        """
        if not (LXML and isinstance(self.ws, WriteOnlyWorksheet)):
            for row in rows:
                self.append(row)
            return
        if self._fast is None:
            self._fast = _FastRows(self)
        self._fast.write(rows)

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


class _Rendered(list):
    """Rows written aside as XML: openpyxl's write-only sheet takes them as one appended
    row, whose place a marker keeps in its output (see _FastRows)."""


#: the marker of the k-th batch of rows in openpyxl's output, where they are put back
_MARK = "coalition rows "
_MARKS = re.compile(rb"<!--" + _MARK.encode() + rb"(\d+)-->")


#: what keeps a text off the fast way: a formula's first character, a character Excel
#: refuses, or one XML escapes (a carriage return too, which a parser reads as a line feed)
_NOT_PLAIN = re.compile(r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f&<>\r]")


def _xml_text(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


class _FastRows:
    """Rows of plain values written as XML into a write-only sheet, not by openpyxl.

    openpyxl's write-only sheet makes a cell object for every value, checks it and writes
    it element by element: three quarters of the time of a workbook of every record. Here
    each row of plain values is written as openpyxl writes it (text inline, a date as its
    serial number with the date format, text that could run as a formula with Excel's quote
    prefix) straight to a file beside, a batch at a time; a row with any other value goes
    openpyxl's way. In openpyxl's output each batch leaves a marker, and when the sheet is
    closed (as the workbook is saved) the batches take the markers' places.

    This leans on three things of openpyxl's write-only sheet: each appended row passes
    through `_values_to_row` and its writer's `write_row`, which are wrapped for this sheet
    only (a batch counts as one appended row, so the rows after it are numbered past it);
    `close()` runs before the sheet's file (`_writer.out`) goes into the workbook.
    tests/test_exports.py compares the result with openpyxl's own, cell for cell.
    """

    BATCH = 1_000

    def __init__(self, writer: SheetWriter) -> None:
        self.writer = writer
        ws = writer.ws
        ws._get_writer()  # the sheet's top (widths, panes) is written by now
        self.skipped = 0  # rows written by batches beyond the one append each counted for
        self.aside = tempfile.TemporaryFile()
        self.batches: list[tuple[int, int]] = []  # (where, how many bytes) in self.aside
        values_to_row, write_row, close = ws._values_to_row, ws._writer.write_row, ws.close

        def wrapped_values_to_row(values: Any, row_idx: int) -> Any:
            return values if isinstance(values, _Rendered) else values_to_row(
                values, row_idx + self.skipped)

        def wrapped_write_row(xf: Any, row: Any, row_idx: int) -> None:
            if isinstance(row, _Rendered):
                xf.write(etree.Comment(f"{_MARK}{row[0]}"))
            else:
                write_row(xf, row, row_idx + self.skipped)

        def close_and_put_back() -> None:
            close()
            self._put_back(ws._writer.out)

        ws._values_to_row, ws._writer.write_row = wrapped_values_to_row, wrapped_write_row
        ws.close = close_and_put_back
        self.date_style = self._style(WriteOnlyCell(ws, date(2000, 1, 1)))
        quoted = WriteOnlyCell(ws, "x")
        quoted.quotePrefix = True
        self.quoted_style = self._style(quoted)
        self.epoch = ws.parent.epoch
        self.serials: dict[date, str] = {}
        self.letters: list[str] = []

    @staticmethod
    def _style(cell: WriteOnlyCell) -> str:
        return str(cell.style_id)  # registers the cell's style in the workbook

    def _cell(self, reference: str, value: Any) -> str | None:
        """The XML of one cell, or None for a value left to openpyxl."""
        kind = type(value)
        if kind is str:
            style = ""
            if not _safe(value):
                value = clean_text(value)
                if value.startswith(FORMULA_STARTS):
                    style = f' s="{self.quoted_style}"'
            if not value:
                return f'<c r="{reference}"{style} t="inlineStr"/>'
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return (f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>'
                    f"{_xml_text(value)}</t></is></c>")
        if kind is int or (kind is float and math.isfinite(value)):
            return f'<c r="{reference}" t="n"><v>{safe_string(value)}</v></c>'
        if kind is date:
            serial = self.serials.get(value)
            if serial is None:
                serial = self.serials[value] = safe_string(to_excel(value, self.epoch))
            return f'<c r="{reference}" s="{self.date_style}" t="n"><v>{serial}</v></c>'
        return None

    def _row(self, number: int, values: Sequence[Any]) -> str | None:
        """The XML of one row, or None for a row left to openpyxl."""
        if number in self.writer.ws.row_dimensions:
            return None
        letters = self.letters
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        cells = [f'<row r="{number}">']
        suffix = str(number)
        for letter, value in zip(letters, values, strict=False):
            if value is None:
                continue
            # the common case, written at once: a plain text
            if (type(value) is str and value and len(value) <= MAX_TEXT
                    and _NOT_PLAIN.search(value) is None and value == value.strip()):
                cells.append(f'<c r="{letter}{suffix}" t="inlineStr"><is><t>{value}</t></is>'
                             "</c>")
                continue
            cell = self._cell(letter + suffix, value)
            if cell is None:
                return None
            cells.append(cell)
        cells.append("</row>")
        return "".join(cells)

    def _flush(self, rendered: list[str]) -> None:
        """Write the rows aside, and their marker in openpyxl's output."""
        if rendered:
            data = "".join(rendered).encode()
            self.batches.append((self.aside.tell(), len(data)))
            self.aside.write(data)
            self.writer.ws.append(_Rendered([len(self.batches) - 1]))
            self.skipped += len(rendered) - 1
            rendered.clear()

    def _put_back(self, path: str) -> None:
        """Put each batch in its marker's place in the sheet's file (openpyxl's part of it
        is small: the top, the other rows, the tail)."""
        pieces = _MARKS.split(Path(path).read_bytes())
        with open(path, "wb") as out:
            out.write(pieces[0])
            for number, after in zip(pieces[1::2], pieces[2::2], strict=True):
                where, size = self.batches[int(number)]
                self.aside.seek(where)
                while size > 0:
                    chunk = self.aside.read(min(size, 1 << 20))
                    out.write(chunk)
                    size -= len(chunk)
                out.write(after)
        self.aside.close()

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write the rows after those already written."""
        writer = self.writer
        rendered: list[str] = []
        for values in rows:
            xml = self._row(writer.rows + 1, values)
            if xml is None:  # openpyxl's way, after the rows before it
                self._flush(rendered)
                writer.append(values)
                continue
            rendered.append(xml)
            writer.rows += 1
            if len(rendered) == self.BATCH:
                self._flush(rendered)
        self._flush(rendered)

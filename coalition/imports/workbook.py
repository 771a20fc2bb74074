"""Opening an uploaded workbook safely: size, format, and formulas that are never run.

Everything openpyxl would have to hold or walk is measured first, on the zip's parts as they
unpack, so that a small hostile file is refused within seconds and in bounded memory: the
unpacked size of every part, the shared strings, the rows and cells of the sheets, any DTD or
entity (an xlsx never has one), and macros.
"""

import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from io import BytesIO
from itertools import islice, repeat
from typing import IO, Any
from xml.parsers import expat

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

MB = 1024 * 1024
#: the defaults of the limits, each overridden by its config key (and environment variable)
DEFAULT_MAX_BYTES = 10 * MB
DEFAULT_LIMITS = {
    "IMPORT_MAX_PART_BYTES": 100 * MB,
    "IMPORT_MAX_UNPACKED_BYTES": 200 * MB,
    "IMPORT_MAX_ROWS": 100_000,
    "IMPORT_MAX_CELLS": 3_000_000,
    "IMPORT_MAX_SHARED_STRINGS": 1_000_000,
}
#: more parts than any workbook of ours holds (each costs memory in the zip's directory)
MAX_PARTS = 10_000
#: parts that are never XML (pictures, printer settings, embedded objects)
_BINARY = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin",
           ".wdp", ".svg")
_MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject|vbaData|ms-office\.activeX", re.I)
#: a formula element in a worksheet's XML (<f>, <f t="shared" …/>, <x:f>)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class WorkbookError(ValueError):
    """A file that cannot be imported at all; the message says why."""


def max_bytes() -> int:
    """The largest workbook an import accepts (config IMPORT_MAX_BYTES)."""
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(limit: int) -> str:
    """The message for a file over the size limit."""
    return _("The file is larger than the limit of %(size)s MB.",
             size=f"{limit / 1024 / 1024:g}")


def _limit(key: str) -> int:
    """One of the limits of DEFAULT_LIMITS, as configured."""
    return int(current_app.config.get(key) or DEFAULT_LIMITS[key])


def _number(value: int) -> str:
    return f"{value:,}"


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence openpyxl's warnings about what it ignores (extensions, odd styles, dates)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")
        yield


class _Declaration(Exception):
    """A DTD or entity declaration met in a part: never in an xlsx, refused unexpanded."""


class _Unusual(Exception):
    """A comment, CDATA section or processing instruction: the part is read the slow, exact way."""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _row_number(text: str, previous: int, strict: bool = False) -> int:
    """A row's number as openpyxl reads its r attribute ("7", "7.0", "1e6"), else the next;
    `strict`: a number openpyxl stops on raises ValueError."""
    if not text:
        return previous + 1
    try:
        number = float(text)
    except ValueError:
        if strict:
            raise
        return previous + 1  # openpyxl stops on it: the rows before it were counted
    if number.is_integer() and 0 < number < 1e10:
        return int(number)
    if strict:
        raise ValueError(f"row number {text!r}")
    return previous + 1


@dataclass
class _Tally:
    """What openpyxl would build from the workbook: rows (gaps included), cells, strings."""

    rows: int = 0
    cells: int = 0
    strings: int = 0
    #: whether a worksheet holds a formula (its saved value is read, never the formula)
    formulas: bool = False


_ATTRIBUTES = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])" + _ATTRIBUTES)
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])" + _ATTRIBUTES)
_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
#: the same without a prefix: a pattern that starts with a word is found by a fast search,
#: one that starts with "<" is tried at every tag
_UNPREFIXED_ROW = re.compile(rb"<row(?=[\s/>])" + _ATTRIBUTES)
#: what a piece must be looked over for: a declaration or processing instruction, a shared
#: string, a formula, a prefixed tag. One search finds any (a third of the time of a search
#: for each); most pieces of a sheet have none.
_NOTEWORTHY = re.compile(rb"<(?:[!?]|si[\s>/]|f[\s>/]|[A-Za-z_][\w.-]*:)")
_R = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
#: a part whose markup is cut in pieces longer than this is read the exact way
_LONGEST_PIECE = 8 * MB


#: a cell reference's letters -> its column (the few a workbook uses, worked out once)
_COLUMNS: dict[bytes, int] = {}


def _cell_column(reference: bytes, column: int) -> int:
    """The column of a cell with this r attribute, after a cell in `column`: its letters',
    or the next one where the reference is not letters then digits."""
    letters = reference.rstrip(b"0123456789")
    if (number := _COLUMNS.get(letters)) is not None:
        return number
    if letters and len(letters) <= 3 and letters.isalpha():  # bytes: ASCII letters only
        number = _COLUMNS[letters] = _column_number(letters.decode())
        return number
    return column + 1


def _last_column(text: bytes, begin: int, end: int, tag: bytes, column: int) -> int:
    """The column of the last cell of text[begin:end] (read in place, not copied): the last
    one with a reference, then +1 each; `column` if there is none."""
    # the last cell is among the last few tags: looked for from the end, it usually has
    # its reference, and the cells before it need not be read at all
    stop = end
    while (start := text.rfind(tag, begin, stop)) >= 0:
        if cell := _CELL.match(text, start, end):
            if found := _R.search(cell.group(1)):
                return _cell_column(found.group(1), column)
            break
        stop = start
    cells = _CELL.findall(text, begin, end)
    for back, attributes in enumerate(reversed(cells)):
        if found := _R.search(attributes):
            return _cell_column(found.group(1), column) + back
    return column + len(cells)


class _PartScanner:
    """Counts one part's rows, cells and shared strings as it unpacks, bounded in memory.

    A regular expression pass over the bytes (an xlsx part is plain elements: no comment,
    CDATA or processing instruction can hide or fake a tag) counts as openpyxl's reader
    numbers: a row's number from its r attribute or the previous one plus one, every row up
    to the highest yielded, each row padded to the column of its last cell. A part with
    anything else is read again by expat, element by element.
    """

    def __init__(self, tally: _Tally, check, sheet: bool = False) -> None:
        self.tally, self.check = tally, check
        self.sheet = sheet  # a worksheet: its formulas are looked for too
        self.row = 0  # the current row number, as openpyxl numbers it
        self.top = 0  # the highest row number met: openpyxl yields every row up to it
        self.column = 0  # the column of the current row's last cell

    def _reach(self, number: int) -> None:
        if number > self.top:
            self.tally.rows += number - self.top
            self.top = number

    def _start_row(self, reference: str) -> None:
        self._end_row()
        self.row = _row_number(reference, self.row)
        self._reach(self.row)

    def _end_row(self) -> None:
        if self.column:
            self.tally.cells += self.column
            self.column = 0

    # --- the fast pass -----------------------------------------------------------------
    def _piece(self, text: bytes, first: bool) -> None:
        if first or _NOTEWORTHY.search(text):
            tag, rows = self._looked_over(text, first)
        else:  # plain rows and cells: none of the searches below would find anything
            tag, rows = b"<c", _UNPREFIXED_ROW
        self._count(text, tag, rows)

    def _looked_over(self, text: bytes, first: bool) -> tuple[bytes, re.Pattern]:
        """Refuse what is unusual in a piece, count its shared strings, note a formula;
        how a cell and a row start in it."""
        if (bang := text.find(b"<!")) >= 0:
            if text.startswith((b"<!DOCTYPE", b"<!ENTITY"), bang):
                raise _Declaration
            raise _Unusual
        start = 0
        if first:  # UTF-8 (or ASCII) with at most the XML declaration first; else exact
            head = text.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
            if not head.startswith(b"<") or b"\0" in head[:64]:
                raise _Unusual
            if head.startswith(b"<?xml"):
                start = text.find(b"?>") + 2
        if text.find(b"<?", start) >= 0 or start == 1:
            raise _Unusual
        if b"<si" in text or b":si" in text:  # else there is none to count
            self.tally.strings += len(_STRING.findall(text))
        # most sheets have no "<f" at all: a plain search rules that out fastest (a piece
        # ends before a "<", so no tag is cut in two)
        if (self.sheet and not self.tally.formulas and (b"<f" in text or b":f" in text)
                and _FORMULA.search(text)):
            self.tally.formulas = True
        # in a piece without prefixed cells, only "<c" can start one
        return (b"<" if b":c" in text else b"<c"), (_ROW if b":row" in text
                                                    else _UNPREFIXED_ROW)

    def _count(self, text: bytes, tag: bytes, rows: re.Pattern) -> None:
        """Count a piece's rows and cells: `tag` starts a cell, `rows` finds a row."""
        # the state in locals, each row's steps written out: a row costs a few calls
        tally, number, top, column, position = self.tally, self.row, self.top, self.column, 0
        search = _R.search
        for row in rows.finditer(text):
            column = _last_column(text, position, row.start(), tag, column)
            tally.cells += column  # a row starts: the one before ends, as wide as its last cell
            column = 0
            reference = found.group(1) if (found := search(row.group(1))) else b""
            if reference.isdigit() and 0 < (read := int(reference)) < 10**10:
                number = read
            else:  # "7.0", "1e6", none: as openpyxl reads it
                number = _row_number(reference.decode("latin-1"), number)
            if number > top:  # every row up to the highest is yielded
                tally.rows += number - top
                top = number
            position = row.end()
        self.row, self.top = number, top
        self.column = _last_column(text, position, len(text), tag, column)
        # the limits are checked once a piece (a megabyte): counting holds no more memory
        self.check(self.tally)

    #: bytes unpacked at a time (a piece is about as long)
    CHUNK = 1 << 20

    def _fast(self, part) -> None:
        rest, first = b"", True
        while chunk := part.read(self.CHUNK):
            text = rest + chunk
            cut = text.rfind(b"<")
            if cut <= 0:  # no whole piece yet: wait for more, but not for ever
                if len(text) > _LONGEST_PIECE:
                    raise _Unusual
                rest = text
                continue
            self._piece(text[:cut], first)
            rest, first = text[cut:], False
        self._piece(rest, first)
        self._end_row()
        self.check(self.tally)

    # --- the exact pass ----------------------------------------------------------------
    def _start(self, name: str, attrs: dict) -> None:
        local = name[name.rfind(":") + 1:]
        if local == "c":
            self.column = _cell_column(attrs.get("r", "").encode(errors="replace"), self.column)
        elif local == "row":
            self._start_row(attrs.get("r", ""))
        elif local == "si":
            self.tally.strings += 1
        elif local == "f" and self.sheet:
            self.tally.formulas = True
        self.check(self.tally)  # the exact pass is the rare one: the limits at every tag

    def _exact(self, part) -> None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        try:
            while chunk := part.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # not XML, or broken: openpyxl stops there too, and says so if it reads it
        self._end_row()
        self.check(self.tally)

    @staticmethod
    def _refuse(*_args) -> None:
        raise _Declaration

    @classmethod
    def scan(cls, archive: zipfile.ZipFile, info: zipfile.ZipInfo, tally: _Tally,
             check) -> None:
        """Count one part into `tally`, the fast way if the part allows it."""
        before = replace(tally)
        sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        try:
            with archive.open(info) as part:
                cls(tally, check, sheet)._fast(part)
        except _Unusual:
            vars(tally).update(vars(before))  # counted again from the start, the exact way
            with archive.open(info) as part:
                cls(tally, check, sheet)._exact(part)


def check_limits(archive: zipfile.ZipFile) -> _Tally:
    """Refuse, with a message saying which limit, a workbook too big to read safely; else
    what was counted (and whether a worksheet holds a formula)."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise WorkbookError(_("The workbook has too many parts (%(n)s).", n=_number(len(infos))))
    part_limit, total_limit = _limit("IMPORT_MAX_PART_BYTES"), _limit("IMPORT_MAX_UNPACKED_BYTES")
    # the sizes the zip states are binding: Python's zipfile reads no byte beyond them
    for info in infos:
        if info.file_size > part_limit:
            raise WorkbookError(_(
                "The workbook is too large once unpacked: its part %(name)s holds %(size)s MB "
                "(the limit is %(limit)s MB).", name=info.filename,
                size=f"{info.file_size / MB:.0f}", limit=f"{part_limit / MB:g}"))
    if sum(info.file_size for info in infos) > total_limit:
        raise WorkbookError(_("The workbook is too large once unpacked (the limit is "
                              "%(limit)s MB).", limit=f"{total_limit / MB:g}"))
    names = {info.filename.casefold() for info in infos}
    types = (archive.open("[Content_Types].xml").read(1 * MB)
             if "[content_types].xml" in names else b"")
    if _MACRO_TYPES.search(types) or any(
            name.rsplit("/", 1)[-1].startswith(("vbaproject", "vbadata")) for name in names):
        raise WorkbookError(_("This workbook holds macros (.xlsm), which are never imported. "
                              "Save it from Excel as “Excel Workbook (*.xlsx)” and try again."))
    rows, cells, strings = (_limit("IMPORT_MAX_ROWS"), _limit("IMPORT_MAX_CELLS"),
                            _limit("IMPORT_MAX_SHARED_STRINGS"))

    def check(tally: _Tally) -> None:
        if tally.rows > rows:
            raise WorkbookError(_("The workbook has more than %(n)s rows, the most one import "
                                  "takes. Split it into several workbooks.", n=_number(rows)))
        if tally.cells > cells:
            raise WorkbookError(_("The workbook has more than %(n)s cells, the most one import "
                                  "takes. Split it into several workbooks.", n=_number(cells)))
        if tally.strings > strings:
            raise WorkbookError(_("The workbook has more than %(n)s different texts, the most "
                                  "one import takes. Split it into several workbooks.",
                                  n=_number(strings)))

    tally = _Tally()
    for info in infos:
        if info.is_dir() or info.filename.casefold().endswith(_BINARY):
            continue
        try:
            _PartScanner.scan(archive, info, tally, check)
        except _Declaration:
            raise WorkbookError(_("The workbook holds XML declarations (DTD or entities) "
                                  "that a workbook saved by Excel never has; it is not "
                                  "read.")) from None
    return tally


class Book:
    """An uploaded xlsx, read-only: cells as stored, formulas replaced by their saved values."""

    def __init__(self, data: bytes) -> None:
        limit = max_bytes()
        if len(data) > limit:
            raise WorkbookError(too_large_message(limit))
        not_xlsx = _("This file is not an Excel workbook (.xlsx). Save it from Excel as "
                     "“Excel Workbook (*.xlsx)” and try again.")
        try:
            archive = zipfile.ZipFile(BytesIO(data))
            names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise WorkbookError(not_xlsx) from None
        if "xl/workbook.xml" not in names:
            raise WorkbookError(not_xlsx)
        try:
            has_formulas = check_limits(archive).formulas
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
                NotImplementedError, RuntimeError, ValueError) as error:
            if isinstance(error, WorkbookError):
                raise
            current_app.logger.info("Unreadable workbook: %r", error)
            raise WorkbookError(_("The workbook could not be read; it may be damaged. Open it "
                                  "in Excel, save it again and try again.")) from None
        damaged = _("The workbook could not be read; it may be damaged. Open it in Excel, save "
                    "it again and try again.")
        try:
            # data_only: a formula's saved result is read, the formula itself never is
            with _quiet():
                self.values = load_workbook(BytesIO(data), read_only=True, data_only=True)
                self.formulas = (load_workbook(BytesIO(data), read_only=True, data_only=False)
                                 if has_formulas else None)
        except Exception as error:  # openpyxl raises many kinds on a broken file
            current_app.logger.info("Unreadable workbook: %r", error)
            raise WorkbookError(damaged) from None
        #: the sheets read the exact, slow way (by expat; see `_SheetValues`)
        self.read_exactly: set[str] = set()

    def close(self) -> None:
        """Release the files openpyxl keeps open in read-only mode."""
        for book in (self.values, self.formulas):
            if book is not None:
                book.close()

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def titles(self) -> list[str]:
        """The names of the workbook's worksheets."""
        return [ws.title for ws in self.values.worksheets]

    def rows(self, title: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, cell values) of a sheet; its stated size is not trusted."""
        return enumerate(self._read_values(title), start=1)

    def _read_values(self, title: str) -> Iterator[tuple]:
        """The values of a sheet's rows, as openpyxl's read-only `iter_rows(values_only=True)`
        gives them, read by our own reader: openpyxl's reader builds objects for every cell
        in Python and was half of an import's time (see `_SheetValues`)."""
        worksheet = self.values[title]
        reader = _SheetValues(worksheet)
        try:
            yield from reader.rows(lambda: self.values._archive.open(worksheet._worksheet_path))
        except Exception as error:  # a damaged sheet part, in any of many ways
            current_app.logger.info("Unreadable sheet %s: %r", title, error)
            raise WorkbookError(_("The sheet “%(title)s” could not be read; it may be "
                                  "damaged.", title=title)) from None
        finally:
            if reader.exact:
                self.read_exactly.add(title)

    def formula_cells(self, title: str) -> set[tuple[int, int]]:
        """(row, column) of every cell of a sheet that holds a formula."""
        if self.formulas is None:
            return set()
        return {(cell.row, cell.column) for row in self._read(self.formulas, title)
                for cell in row if getattr(cell, "data_type", None) == "f"}

    @staticmethod
    def _read(book, title: str) -> Iterator[tuple]:
        """The cells of a sheet's rows, by openpyxl (the formulas: rare, and only where they
        are); a part that cannot be parsed is a WorkbookError."""
        worksheet = book[title]
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows()
        while True:
            with _quiet():
                try:
                    cells = next(rows)
                except StopIteration:
                    return
                except Exception as error:  # a damaged sheet part, in any of many ways
                    current_app.logger.info("Unreadable sheet %s: %r", title, error)
                    raise WorkbookError(_("The sheet “%(title)s” could not be read; it may be "
                                          "damaged.", title=title)) from None
            yield cells

    def has_data(self, title: str) -> bool:
        """True if any cell of the sheet holds something."""
        return any(any(value is not None and str(value).strip() for value in row)
                   for _number, row in self.rows(title))


#: element names as expat gives them with namespace_separator="}"
_MAIN = f"{SHEET_MAIN_NS}}}"
_ROW_TAG, _VALUE, _INLINE, _TEXT, _RUN, _SHEET_DATA = (
    _MAIN + name for name in ("row", "v", "is", "t", "r", "sheetData"))
_REFERENCE = re.compile(r"[A-Za-z]{1,3}[0-9]+")


class _SheetValues:
    """One worksheet's cell values, parsed the way openpyxl's reader casts them: shared and
    inline strings, booleans, numbers (dates by their style), ISO dates, error codes;
    formulas never, only their saved results.

    Read by expat, as openpyxl reads, but with a handler per element instead of an object
    per cell (building those was half of an import's reading). What is taken is what
    openpyxl's tree gives: every element child of a row is a cell; of a cell, the text of
    its first <v>, or of its first <is> the <t> children's then each run's first <t>'s; an
    element's text is the text before its first child element.
    """

    def __init__(self, worksheet) -> None:
        book = worksheet.parent
        self.strings = worksheet._shared_strings
        self.epoch = book.epoch
        self.dates, self.durations = book._date_formats, book._timedelta_formats
        self.columns: dict[str, int] = {}
        #: whether the part was read the exact way (from the start or from some row on)
        self.exact = False
        self.runs = _runs_decoded()

    def _column(self, reference: str, letters: str) -> int:
        """The column of a cell reference met for the first time (openpyxl stops on a
        reference that is not letters then digits, and so does this)."""
        if letters == reference or _REFERENCE.fullmatch(reference) is None:
            raise ValueError(f"cell reference {reference!r}")
        number = self.columns[letters] = _column_number(letters)
        return number

    def _value(self, kind: str | None, style: str | None, text: str | None) -> Any:
        """A cell's value from its type, its style and its text (that of its <v>, or an
        inline string's)."""
        if kind == "inlineStr":
            return text
        if not text:
            return None
        if kind is None or kind == "n":
            number: int | float = (float(text) if "." in text or "E" in text or "e" in text
                                   else int(text))
            if style and int(style) in self.dates:
                try:
                    return from_excel(number, self.epoch,
                                      timedelta=int(style) in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error code) and any other, as written

    #: bytes unpacked at a time by the quick way
    CHUNK = 1 << 20

    def rows(self, open_part: Callable[[], IO[bytes]]) -> Iterator[tuple]:
        """Every row from the first to the last one written, a gap as an empty row.

        Read the quick way (`_quick_batches`) while the part allows it; from where it does
        not, the exact way, the rows already given skipped."""
        given = 0
        with open_part() as part:
            try:
                for values in _numbered(self._quick_batches(part)):
                    yield values
                    given += 1
                return
            except _Unusual:
                self.exact = True
        with open_part() as part:
            yield from islice(_numbered(self._exact_batches(part)), given, None)

    def _exact_batches(self, part: IO[bytes]) -> Iterator[list[tuple[str, tuple]]]:
        """(r attribute, values) of the rows, by expat, a batch for each piece read (the
        rows read before a broken piece are given before its error)."""
        done: list[tuple[str, tuple]] = []
        parser = self._parser(done)
        last = False
        while not last:
            chunk = part.read(1 << 16)
            last = not chunk
            failed = None
            try:
                parser.Parse(chunk, last)
            except Exception as error:  # the rows read before it are still given
                failed = error
            yield done[:]
            done.clear()
            if failed is not None:
                raise failed

    # --- the quick way -------------------------------------------------------------------
    def _quick_batches(self, part: IO[bytes]) -> Iterator[list[tuple[str, tuple]]]:
        """(r attribute, values) of the rows, read by regular expressions from the rows'
        markup, a batch for each piece of about a megabyte; `_Unusual` where the markup is
        anything but the plain elements Excel, LibreOffice and openpyxl write.

        Only what lies between <sheetData> and </sheetData> is read so; the rest of the part
        (a few kilobytes) goes through expat (`_Frame`), which checks that it is well formed,
        that the <sheetData> found is the element itself, and what namespaces are in force.
        Within, every tag must belong to a row or cell matched (`_QUICK_ROW`, `_QUICK_CELL`;
        text between cells is ignored, as expat's way ignores it), so a comment, CDATA
        section, prefixed or unknown element, or anything written otherwise, is noticed."""
        frame, head = _Frame(), b""
        while (opened := head.find(b"<sheetData>")) < 0:
            chunk = part.read(self.CHUNK)
            if not chunk or len(head) > _LONGEST_PIECE:
                raise _Unusual
            head += chunk
        prefixes = frame.open(head[:opened])
        rest = head[opened + len(b"<sheetData>"):]
        while (closed := rest.find(b"</sheetData>")) < 0:
            if (cut := rest.rfind(b"</row>")) >= 0:
                cut += len(b"</row>")
                yield self._quick_rows(rest[:cut], prefixes)
                rest = rest[cut:]
            chunk = part.read(self.CHUNK)
            if not chunk or len(rest) > _LONGEST_PIECE:
                raise _Unusual
            rest += chunk
        yield self._quick_rows(rest[:closed], prefixes)
        frame.feed(rest[closed:])
        while chunk := part.read(self.CHUNK):
            frame.feed(chunk)
        frame.close()

    def _quick_rows(self, piece: bytes, prefixes: frozenset[str]) -> list[tuple[str, tuple]]:
        """(r attribute, values) of each row of a piece of whole rows."""
        if (b"]]>" in piece or b"xmlns" in piece
                or len(piece.translate(None, _NOT_QUICK)) != len(piece)):  # faster than a search
            raise _Unusual
        try:
            text = piece.decode()
        except UnicodeDecodeError:
            raise _Unusual from None
        if "\ufffe" in text or "\uffff" in text:  # not characters of XML
            raise _Unusual
        if "&" in text:
            # character references are replaced before the rows are read (as XML reads
            # them in a text or an attribute alike): those of "&", "<" and quotes, which
            # would then read as markup, are left to the exact way
            text = _CHARACTERS.sub(self.runs, text)
            if _BARE_AMPERSAND.search(text):  # an "&" that starts no reference
                raise _Unusual
        columns, value_of, decoded = self.columns, self._value, _entities
        batch: list[tuple[str, tuple]] = []
        position = 0
        # each row from where the one before ended (nothing but spaces between them), its
        # end found by a plain search and its cells read in place
        while row := _QUICK_ROW.match(text, position):
            reference, more, empty = row.groups("")
            if more:
                _check_attributes(more, prefixes)
            if empty:
                position, cells = row.end(), []
            else:
                if (end := text.find("</row>", row.end())) < 0:
                    raise _Unusual
                cells = _QUICK_CELL.findall(text, row.end(), end)
                position = end + len("</row>")
            placed: list[tuple[int, Any]] = []
            column = 0
            if cells:
                for letters, style, kind, value, inline, closed, other in cells:
                    if other:  # markup that is no cell as written here
                        raise _Unusual
                    if not letters:
                        column += 1
                    elif (column := columns.get(letters, 0)) == 0:
                        column = columns[letters] = _column_number(letters)
                    if kind == "inlineStr":  # its text, or None without an <is>
                        string = decoded(inline) if "&" in inline else inline
                        placed.append((column, string if closed else None))
                    else:
                        placed.append((column, value_of(
                            kind or None, style or None,
                            decoded(value) if "&" in value else value)))
            batch.append((reference, _widened(placed, column)))
        if text[position:].strip(" \t\n"):
            raise _Unusual
        return batch

    def _parser(self, done: list[tuple[str, tuple]]):
        """An expat parser that adds (a row's r attribute, its values) to `done` as each
        row ends. Its handlers are closures: the state they share is read fastest so."""
        columns, column_of, value_of = self.columns, self._column, self._value
        depth = row = 0  # the open element's depth, and the open row's (0: none)
        reference = ""
        placed: list[tuple[int, Any]] = []  # (column, value) of the row's cells
        column = 0
        kind = style = value = None  # the cell's type, style and <v> text
        plain: list[str] | None = None  # its inline string's <t> texts (None: no <is>)
        runs: list[str] = []  # and its runs' first <t> texts
        in_inline = in_run = run_text = False
        reading, into = 0, ""  # the depth of the element whose text is read, and whose
        texts: list[str] = []

        def start(name: str, attrs: dict) -> None:
            nonlocal depth, row, reference, placed, column, kind, style, value, plain, runs
            nonlocal in_inline, in_run, run_text, reading, into, texts
            if reading:  # a child element ends the text of its parent
                finish()
            depth += 1
            if not row:
                if name == _ROW_TAG:
                    row, reference, column, placed = depth, attrs.get("r", ""), 0, []
                return
            level = depth - row
            if level == 1:  # a cell
                cell = attrs.get("r")
                if cell:
                    letters = cell.rstrip("0123456789")
                    column = columns.get(letters) or column_of(cell, letters)
                else:
                    column += 1
                kind, style, value, plain = attrs.get("t"), attrs.get("s"), None, None
            elif level == 2:
                if kind == "inlineStr":
                    if name == _INLINE and plain is None:
                        plain, runs, in_inline = [], [], True
                elif name == _VALUE and value is None:
                    reading, into, texts = depth, "v", []
            elif level == 3 and in_inline:
                if name == _TEXT:
                    reading, into, texts = depth, "t", []
                elif name == _RUN:
                    in_run, run_text = True, False
                    runs.append("")
            elif level == 4 and in_run and name == _TEXT and not run_text:
                run_text = True
                reading, into, texts = depth, "r", []

        def finish() -> None:
            """The text read so far is the element's: it ends, or a child element starts."""
            nonlocal value, reading
            read = "".join(texts)
            if into == "v":
                value = read
            elif into == "t":
                plain.append(read)  # type: ignore[union-attr]
            else:
                runs[-1] = read
            reading = 0

        def text(data: str) -> None:
            if reading == depth:
                texts.append(data)

        def end(_name: str) -> None:
            nonlocal depth, row, in_inline, in_run
            level = depth - row
            depth -= 1
            if reading:
                finish()
            if not row:
                return
            if level == 1:
                if kind == "inlineStr":
                    placed.append((column, None if plain is None
                                   else "".join(plain) + "".join(runs)))
                else:
                    placed.append((column, value_of(kind, style, value)))
            elif level == 2:
                in_inline = False
            elif level == 3:
                in_run = False
            elif level == 0:
                row = 0
                done.append((reference, _widened(placed, column)))

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = text
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _no_declaration
        return parser


def _no_declaration(*_args) -> None:
    raise ValueError("a DTD or entity declaration in a worksheet")


def _widened(placed: list[tuple[int, Any]], column: int) -> tuple:
    """A row's values, as wide as its last cell (openpyxl drops any cell written after it
    that lies beyond it)."""
    if not placed:
        return ()
    cells = [None] * column
    for number, found in placed:
        if number <= column:
            cells[number - 1] = found
    return tuple(cells)


def _numbered(batches: Iterator[list[tuple[str, tuple]]]) -> Iterator[tuple]:
    """The values of the rows, numbered as openpyxl numbers them (by their r attribute, else
    the next), every row up to the highest given, a gap as an empty row."""
    number = yielded = 0
    for batch in batches:
        for reference, values in batch:
            number = _row_number(reference, number, strict=True)
            if number > yielded:
                yield from repeat((), number - yielded - 1)
                yielded = number
                yield values


#: XML's white space, the only text allowed between the rows and cells read the quick way
_SPACE = "[ \t\n]*"
#: a formula, whose saved value is what is read (its attributes, unlike a row's, are not
#: checked each once: a damaged <f> does not change the value read)
_FORMULA_MARKUP = (r'<f(?:[ \t\n]+[A-Za-z_][\w.-]*="[^"<&]*")*' + _SPACE
                   + r"(?:/>|>[^<]*</f>)")
#: a cell as Excel, LibreOffice and openpyxl write it: its reference (capitals), style and
#: type in that order; empty, or a formula, then a <v> or an inline string of one <t>. Its
#: groups: letters, style, type, <v> text, <t> text, and "</is>" if there was an inline
#: string.
_CELL_MARKUP = (r'<c(?: r="([A-Z]{1,3})[0-9]+")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
                + _SPACE + r"(?:/>|>(?:" + _FORMULA_MARKUP + r")?(?:<v>([^<]*)</v>|<is><t"
                r'(?: xml:space="preserve")?>([^<]*)</t>(</is>))?</c>)')
#: a cell, or (the last group) the "<" of any other markup: found among the cells, it sends
#: the part the exact way. (A row's cells are not matched by one repeated pattern, whose
#: backtracking stack the regular expression engine grows afresh for every row.)
_QUICK_CELL = re.compile(_CELL_MARKUP + "|(<)")
#: the start of a row: its number (digits), its other attributes, "/" if it is empty
_QUICK_ROW = re.compile(
    _SPACE + r'<row(?: r="([0-9]+)")?((?:[ \t\n]+[A-Za-z_][\w.:-]*="[^"<&]*")*)' + _SPACE
    + r"(/?)>")
_ATTRIBUTE_NAME = re.compile(r'([A-Za-z_][\w.:-]*)=')
#: what the quick way leaves to expat: a carriage return (which XML reads as a line feed),
#: characters XML forbids (and, searched for apart, "]]>" and a namespace declared on a row
#: or cell)
_NOT_QUICK = bytes([*range(0x9), *range(0xB, 0x20)])


def _check_attributes(more: str, prefixes: frozenset[str]) -> None:
    """A row's attributes besides its number: each once, in a namespace in force."""
    names = _ATTRIBUTE_NAME.findall(more)
    if len(set(names)) != len(names) or any(
            name == "r" or (":" in name and name.split(":", 1)[0] not in prefixes)
            for name in names):
        raise _Unusual


#: a run of character references, spaces between them: an Arabic text written by openpyxl,
#: every letter a reference ("&#1604;&#1602;&#1575;&#1569; &#1578;…")
_CHARACTERS = re.compile(r"&#(?:[0-9]+|x[0-9A-Fa-f]+);(?: ?&#(?:[0-9]+|x[0-9A-Fa-f]+);)*")
_CHARACTER = re.compile(r"&#(?:([0-9]+)|x([0-9A-Fa-f]+));")
_BARE_AMPERSAND = re.compile(r"&(?!(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);)")


def _character(match: re.Match) -> str:
    decimal, hexadecimal = match.groups()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code in (0x22, 0x26, 0x27, 0x3C) or not (
            code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF):
        raise _Unusual  # markup once replaced, or no character of XML (expat refuses it)
    return chr(code)


def _runs_decoded() -> Callable[[re.Match], str]:
    """What decodes a run of references, each run met decoded once (hundreds of thousands
    of references are a few thousand runs), for one sheet: its memory goes with it."""
    runs: dict[str, str] = {}

    def decoded(match: re.Match) -> str:
        run = match.group()
        if (found := runs.get(run)) is None:
            found = _CHARACTER.sub(_character, run)
            if len(runs) < 20_000 and len(run) < 400:  # a few words each
                runs[run] = found
        return found

    return decoded


def _entities(text: str) -> str:
    """A text with XML's five entities replaced (its character references already are)."""
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


class _Frame:
    """The part around its <sheetData>, parsed by expat as the exact way parses it: well
    formed, declared in UTF-8, no row outside <sheetData>; what prefixes are in force."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.prefixes: dict[str, int] = {"xml": 1}
        self.opened = -1  # the byte at which <sheetData> starts
        self.parser.StartElementHandler = self._start
        self.parser.StartNamespaceDeclHandler = self._declared
        self.parser.EndNamespaceDeclHandler = self._undeclared
        self.parser.XmlDeclHandler = self._declaration
        self.parser.StartDoctypeDeclHandler = self.parser.EntityDeclHandler = _unusual

    def _start(self, name: str, _attrs: dict) -> None:
        if name == _ROW_TAG:
            raise _Unusual
        self.opened = self.parser.CurrentByteIndex if name == _SHEET_DATA else -1

    def _declared(self, prefix: str | None, _uri: str) -> None:
        if prefix:
            self.prefixes[prefix] = self.prefixes.get(prefix, 0) + 1

    def _undeclared(self, prefix: str | None) -> None:
        if prefix:
            self.prefixes[prefix] -= 1

    @staticmethod
    def _declaration(_version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            raise _Unusual

    def open(self, head: bytes) -> frozenset[str]:
        """Parse up to and with <sheetData> (which starts at len(head)); the prefixes in
        force within it."""
        self.feed(head + b"<sheetData>")
        if self.opened != len(head):  # the text found was not the element (a comment…)
            raise _Unusual
        return frozenset(prefix for prefix, count in self.prefixes.items() if count)

    def feed(self, data: bytes) -> None:
        try:
            self.parser.Parse(data, False)
        except expat.ExpatError:
            raise _Unusual from None

    def close(self) -> None:
        try:
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            raise _Unusual from None


def _unusual(*_args) -> None:
    raise _Unusual

"""Opening an uploaded workbook safely: size, format, and formulas that are never run."""

import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: an xlsx is a zip: refuse one that unpacks to more than this many times the size limit
MAX_UNPACK_RATIO = 30
#: a formula element in a worksheet's XML (<f>, <f t="shared" …/>, <x:f>)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formula(archive: zipfile.ZipFile, name: str) -> bool:
    """True if a worksheet's XML holds a formula; read in pieces, never whole."""
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(1 << 20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


class WorkbookError(ValueError):
    """A file that cannot be imported at all; the message says why."""


def max_bytes() -> int:
    """The largest workbook an import accepts (config IMPORT_MAX_BYTES)."""
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(limit: int) -> str:
    """The message for a file over the size limit."""
    return _("The file is larger than the limit of %(size)s MB.",
             size=f"{limit / 1024 / 1024:g}")


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence openpyxl's warnings about what it ignores (extensions, odd styles, dates)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"openpyxl(\.|$)")
        yield


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
        if sum(info.file_size for info in archive.infolist()) > limit * MAX_UNPACK_RATIO:
            raise WorkbookError(_("The workbook is too large once unpacked."))
        damaged = _("The workbook could not be read; it may be damaged. Open it in Excel, save "
                    "it again and try again.")
        try:
            has_formulas = any(_has_formula(archive, name) for name in names
                               if name.startswith("xl/worksheets/") and name.endswith(".xml"))
            # data_only: a formula's saved result is read, the formula itself never is
            with _quiet():
                self.values = load_workbook(BytesIO(data), read_only=True, data_only=True)
                self.formulas = (load_workbook(BytesIO(data), read_only=True, data_only=False)
                                 if has_formulas else None)
        except Exception as error:  # openpyxl raises many kinds on a broken file
            current_app.logger.info("Unreadable workbook: %r", error)
            raise WorkbookError(damaged) from None

    def close(self) -> None:
        """Release the files openpyxl keeps open in read-only mode."""
        for book in (self.values, self.formulas):
            if book is not None:
                book.close()

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @property
    def titles(self) -> list[str]:
        """The names of the workbook's worksheets."""
        return [ws.title for ws in self.values.worksheets]

    def rows(self, title: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, cell values) of a sheet; its stated size is not trusted."""
        return enumerate(self._read(self.values, title, values_only=True), start=1)

    def formula_cells(self, title: str) -> set[tuple[int, int]]:
        """(row, column) of every cell of a sheet that holds a formula."""
        if self.formulas is None:
            return set()
        return {(cell.row, cell.column) for row in self._read(self.formulas, title)
                for cell in row if getattr(cell, "data_type", None) == "f"}

    @staticmethod
    def _read(book, title: str, values_only: bool = False) -> Iterator[tuple]:
        """The rows of a sheet; a part that cannot be parsed is a WorkbookError."""
        worksheet = book[title]
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=values_only)
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

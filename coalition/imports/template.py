"""The template workbook: a sheet per record type, its keys, labels, lists and instructions."""

from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from coalition.i18n import language, text_direction
from coalition.imports.layout import (
    CAMPAIGN,
    CHOICE,
    COUNT,
    DATE,
    FLAG,
    IMPORT_SHEETS,
    INDICATOR,
    INSTRUCTIONS,
    LISTS,
    NUMBER,
    OFFICE,
    PARTNERS,
    PLACE,
    PROJECT,
    TEXT,
    TRACK,
    YES_NO,
    ImportColumn,
    ImportSheet,
    max_length,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_NAME = "coalition-import-template.xlsx"
#: the last row of a sheet, for validations that cover a whole column
LAST_ROW = 1_048_576
_HEADER_FILL = PatternFill("solid", start_color="DDE7F0")
_BOLD = Font(bold=True)


def _put(ws: Worksheet, row: int, column: int, value: Any):
    """Write a cell; text is kept as text even if it starts with '=' (never a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True
    return cell


def _name(record) -> str:
    """An office's, track's or project's name in the user's language."""
    if language() == "ar":
        return record.name_ar or record.name_en
    return record.name_en or record.name_ar


def _list_values(f: ImportColumn, named: dict[str, list]) -> list[str]:
    """The values a coded column's drop-down offers: codes, then labels."""
    if f.read_as == CHOICE:
        pairs = list(f.choices or ())
    elif f.read_as == FLAG:
        pairs = list(YES_NO)
    elif f.read_as in (OFFICE, TRACK, PROJECT):
        pairs = [(record.code, _name(record)) for record in named[f.read_as]]
    else:
        return []
    values: list[str] = []
    for item in [code for code, _label in pairs] + [str(label) for _code, label in pairs]:
        if item and item not in values:
            values.append(item)
    return values


def _accepted(sheet: ImportSheet, f: ImportColumn) -> str:
    """What a column accepts, for the instructions sheet."""
    if f.read_as == TEXT:
        length = max_length(sheet, f)
        return _("Text, at most %(n)d characters", n=length) if length else _("Text")
    if f.read_as in (CHOICE, FLAG):
        pairs = (f.choices or ()) if f.read_as == CHOICE else YES_NO
        return "; ".join(f"{code} = {label}" for code, label in pairs)
    return {
        DATE: lambda: _("Date, e.g. 2024-03-05"),
        COUNT: lambda: _("Whole number, zero or more"),
        NUMBER: lambda: _("Number, zero or more"),
        OFFICE: lambda: (_("Office code or name (empty: the office you import into)")
                         if sheet.office_work else _("Office code or name")),
        TRACK: lambda: _("Track code or name"),
        PROJECT: lambda: _("Project code or name"),
        PARTNERS: lambda: _("Partner names, separated by “;”"),
        CAMPAIGN: lambda: _("Campaign code or name"),
        INDICATOR: lambda: _("Indicator code or name"),
        PLACE: lambda: _("Place code or name (a border crossing, a governorate …)"),
    }[f.read_as]()


def _instructions(ws: Worksheet) -> None:
    """The first sheet: how to fill in the workbook, and every column it reads."""
    lines = (
        _("How to fill in this workbook"),
        _("Fill in one row per record on the sheet of its kind; leave the sheets you do not "
          "need empty."),
        _("The first row of each sheet (hidden) holds the field keys the import reads: keep "
          "it. The second row names the columns in your language."),
        _("Dates as YYYY-MM-DD. Yes/no columns take yes or no. Coded columns take a code or a "
          "label of their list, in Arabic or in English."),
        _("Offices, tracks and projects are given by their code or their name; partners by "
          "their names, separated by “;”."),
        _("Nothing is written unless every row is right: the import lists each problem with "
          "its sheet, row and column. A dry run shows what would be created, updated and "
          "skipped."),
        _("Importing the same rows again adds nothing: contacts are matched by name and "
          "organisation however they are spelled, and updated with new values; other "
          "records are matched by date, office and title or topic."),
        _("Formulas are never run: their saved results are imported."),
        _("Cases hold no personal details; the app gives each case its reference."),
    )
    for number, line in enumerate(lines, start=1):
        _put(ws, number, 1, line).font = Font(bold=number == 1, size=14 if number == 1 else 11)
    top = len(lines) + 2
    headings = (_("Sheet"), _("Column"), _("Field key"), _("Required"), _("Accepted values"))
    for column, heading in enumerate(headings, start=1):
        cell = _put(ws, top, column, heading)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    row = top
    for sheet in IMPORT_SHEETS:
        for f in sheet.fields:
            row += 1
            required = f.required and f.read_as != OFFICE
            for column, value in enumerate((sheet.name, str(f.label), f.key,
                                            _("Yes") if required else "",
                                            _accepted(sheet, f)), start=1):
                _put(ws, row, column, value).alignment = Alignment(wrap_text=column == 5,
                                                                   vertical="top")
    for letter, width in zip("ABCDE", (16, 34, 24, 10, 80), strict=True):
        ws.column_dimensions[letter].width = width


def build_template(offices: list, tracks: list, projects: list) -> bytes:
    """The template workbook in the current language, with drop-downs for coded columns."""
    book = Workbook()
    rtl = text_direction() == "rtl"
    instructions = book.active
    instructions.title = INSTRUCTIONS
    instructions.sheet_view.rightToLeft = rtl
    _instructions(instructions)
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    named = {OFFICE: offices, TRACK: tracks, PROJECT: projects}
    ranges: dict[tuple, str] = {}
    for sheet in IMPORT_SHEETS:
        ws = book.create_sheet(sheet.name)
        ws.sheet_view.rightToLeft = rtl
        for column, f in enumerate(sheet.fields, start=1):
            letter = get_column_letter(column)
            _put(ws, 1, column, f.key)
            required = f.required and f.read_as != OFFICE
            label = _put(ws, 2, column, f"{f.label} *" if required else str(f.label))
            label.font, label.fill = _BOLD, _HEADER_FILL
            ws.column_dimensions[letter].width = 22
            values = _list_values(f, named)
            if not values:
                continue
            source = (f.read_as, id(f.choices))
            if source not in ranges:
                list_column = len(ranges) + 1
                for number, value in enumerate(values, start=1):
                    _put(lists, number, list_column, value)
                list_letter = get_column_letter(list_column)
                ranges[source] = f"'{LISTS}'!${list_letter}$1:${list_letter}${len(values)}"
            validation = DataValidation(
                type="list", formula1=ranges[source], allow_blank=True, showErrorMessage=True,
                errorStyle="warning", error=_("Choose a value of the list, or type a code or "
                                              "label it accepts."))
            validation.add(f"{letter}3:{letter}{LAST_ROW}")
            ws.add_data_validation(validation)
        ws.row_dimensions[1].hidden = True
        ws.freeze_panes = "A3"
    book.move_sheet(LISTS, offset=len(IMPORT_SHEETS))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""Import a workbook: read and check every cell first, then write everything or nothing.

Rows are matched to the records already there by each sheet's natural key, so importing
the same workbook twice adds nothing: contacts by their folded name and organisation
(new non-empty values update them), other records by date, office and folded title.
"""

import datetime as dt
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from coalition import access
from coalition.contacts.models import Contact
from coalition.database import db
from coalition.fields import REQUIRED
from coalition.imports.layout import (
    COUNTED,
    IMPORT_SHEETS,
    IMPORT_SHEETS_BY_NAME,
    INSTRUCTIONS,
    LISTS,
    OFFICE,
    UPDATE,
    ImportColumn,
    ImportSheet,
    max_length,
)
from coalition.imports.values import CellError, Lookups, as_text, cell_reader, is_blank
from coalition.imports.workbook import Book, WorkbookError
from coalition.imports.writer import Pending, write
from coalition.normalize import contact_key, fold
from coalition.offices.models import Office
from coalition.partners.models import Partner
from coalition.reporting.models import first_day, locked_message

CREATED, UPDATED, SKIPPED = "created", "updated", "skipped"
#: the directory's identity: never overwritten by an update
_CONTACT_IDENTITY = ("name", "organisation")
_CHUNK = 500


@dataclass
class Problem:
    """Why something cannot be imported, and where: sheet, row and column (when known)."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    field: str = ""
    label: str = ""

    def where(self) -> str:
        """'meetings!C5 (counterpart_category)', or as much of it as is known."""
        place = f"{self.sheet}!{self.column}{self.row or ''}" if self.sheet else ""
        if self.field:
            place = f"{place} ({self.field})".strip()
        return place


@dataclass
class RowResult:
    """What the import did, or would do, with one row."""

    sheet: str
    row: int
    action: str
    summary: str
    reason: str = ""
    #: the record's date, shown before the summary in the reader's way (formatted only for
    #: the rows shown, not for each of tens of thousands)
    day: dt.date | None = None


@dataclass
class Report:
    """The outcome of an import: the problems found, and each row's fate."""

    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    written: bool = False
    #: told of each row read, each sheet's rows checked and each batch written
    step: Callable[[str, int], None] = field(default=lambda _step, _count: None, repr=False,
                                             compare=False)

    @property
    def ok(self) -> bool:
        """True if nothing stands in the way of writing."""
        return not self.problems

    def counts(self) -> list[tuple[str, dict[str, int]]]:
        """(sheet, {created, updated, skipped}) for every sheet the workbook had rows on."""
        totals: dict[str, Counter] = {}
        for result in self.rows:
            totals.setdefault(result.sheet, Counter())[result.action] += 1
        return [(sheet.name, {action: totals[sheet.name][action]
                              for action in (CREATED, UPDATED, SKIPPED)})
                for sheet in IMPORT_SHEETS if sheet.name in totals]

    def total(self, action: str) -> int:
        """How many rows had this fate."""
        return sum(1 for result in self.rows if result.action == action)


@dataclass
class Actor:
    """Who imports: a signed-in user under the access rules, or the command line (None)."""

    user: Any = None
    #: (kind, office id) -> the access rules' answer, asked once rather than once a row
    _answers: dict = field(default_factory=dict, repr=False)

    def may_write(self, kind: str, office_id: int | None) -> bool:
        """True if the rows of `kind` for this office may be written."""
        if self.user is None:
            return True
        if (kind, office_id) not in self._answers:
            self._answers[kind, office_id] = access.can(self.user, access.WRITE, kind, office_id)
        return self._answers[kind, office_id]

    def may_import(self, kind: str) -> bool:
        """True if rows of `kind` may be written in some office."""
        return self.user is None or access.can(self.user, access.WRITE, kind, any_office=True)


def own_office_only(user: Any) -> bool:
    """True for a user who may write office work of their own office only (coordinators)."""
    kind = next(sheet.kind for sheet in IMPORT_SHEETS if sheet.office_work)
    return user is not None and access.scope(user, access.WRITE, kind) == access.OWN


def import_workbook(data: bytes, *, actor: Actor, office: Office | None = None,
                    dry_run: bool = False,
                    progress: Callable[[str, int], None] | None = None) -> Report:
    """Check a workbook and, if every row is right and this is no dry run, write it.

    `progress` is told ("read", 1) for each row read, ("checked", n) for a sheet's rows
    checked and ("written", n) for the rows written, so a job can show how far it got.
    """
    report = Report(dry_run=dry_run)
    if progress:
        report.step = progress
    with _no_cycle_collection():
        return _import(data, actor, office, report)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for an import's few seconds: the rows it reads are
    hundreds of thousands of new objects, which set off full collections of everything the
    process holds (a tenth of the import's time); what they free is freed by reference
    counting, and any cycle at the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(data: bytes, actor: Actor, office: Office | None, report: Report) -> Report:
    """import_workbook()'s work: read and check, then write unless this is a dry run."""
    dry_run = report.dry_run
    try:
        book = Book(data)
    except WorkbookError as error:
        report.problems.append(Problem(str(error)))
        return report
    with book:
        try:
            plan = _plan(book, actor, office, report)
        except WorkbookError as error:
            report.problems.append(Problem(str(error)))
            return report
    if report.ok and not dry_run:
        try:
            write(plan, report.step)
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("Import not written: %s", error)
            report.problems.append(Problem(_(
                "Someone changed the same records meanwhile; nothing was written. "
                "Import the workbook again.")))
            return report
        report.written = True
    return report


# --- reading --------------------------------------------------------------------------------
def _plan(book: Book, actor: Actor, office: Office | None, report: Report) -> list[Pending]:
    """Read every sheet of the workbook in dependency order; return the rows to write."""
    sheets = _sheets_of(book, report)
    lookups = Lookups()
    labels = _label_index()
    plan: list[Pending] = []
    for sheet in IMPORT_SHEETS:
        title = sheets.get(sheet.name)
        if title is None:
            continue
        try:
            rows = _read_sheet(book, title, sheet, lookups, labels, actor, office, report)
        except WorkbookError as error:
            report.problems.append(Problem(str(error), sheet=sheet.name))
            continue
        plan.extend(_decide(sheet, rows, lookups, report))
        report.step("checked", len(rows))
    # counterparts not on file go in first: the meetings link to them
    for pending in lookups.new_counterparts.values():
        report.rows.append(RowResult("partners", pending.row, CREATED, pending.values["name_ar"], _(
            "Named as a counterpart on row %(row)d of the meetings sheet and not on file: "
            "added as “contact only”.", row=pending.row)))
    return [*lookups.new_counterparts.values(), *plan]


def _sheets_of(book: Book, report: Report) -> dict[str, str]:
    """Sheet name -> the workbook's title for it; other sheets holding data are problems."""
    found: dict[str, str] = {}
    names = ", ".join(sheet.name for sheet in IMPORT_SHEETS)
    for title in book.titles:
        name = title.strip().casefold()
        if name in IMPORT_SHEETS_BY_NAME and name not in found:
            found[name] = title
        elif name not in (INSTRUCTIONS, LISTS) and book.has_data(title):
            report.problems.append(Problem(
                _("Unknown sheet “%(title)s”: name it after one of the template's sheets "
                  "(%(names)s), or remove it.", title=title, names=names), sheet=title))
    if not found and not report.problems:
        report.problems.append(Problem(_("The workbook has none of the template's sheets "
                                         "(%(names)s).", names=names)))
    return found


def _label_index() -> dict[str, dict[str, set[str]]]:
    """Sheet -> field key -> its folded labels in every language (a header may use them)."""
    index: dict[str, dict[str, set[str]]] = {
        sheet.name: {f.key: {fold(f.key)} for f in sheet.fields} for sheet in IMPORT_SHEETS}
    for language in (*current_app.config.get("LANGUAGES", ("ar", "en")), "en"):
        with force_locale(language):
            for sheet in IMPORT_SHEETS:
                for f in sheet.fields:
                    index[sheet.name][f.key].add(fold(str(f.label)))
    return index


def _header(sheet: ImportSheet, row_number: int, cells: tuple, labels: dict[str, set[str]],
            report: Report) -> tuple[dict[int, ImportColumn], bool]:
    """The columns named by a header row (by field key, or by label); unknown ones reported."""
    by_label = {folded: sheet.by_key[key] for key, folds in labels.items() for folded in folds}
    columns: dict[int, ImportColumn] = {}
    keys_only = True
    for index, cell in enumerate(cells):
        if is_blank(cell):
            continue
        text = as_text(cell)
        found = sheet.by_key.get(text.casefold())
        if found is None:
            keys_only = False
            found = by_label.get(fold(text))
        letter = get_column_letter(index + 1)
        if found is None:
            report.problems.append(Problem(
                _("Unknown column “%(name)s”: use the field keys of the template's first row.",
                  name=text), sheet=sheet.name, row=row_number, column=letter))
        elif found in columns.values():
            report.problems.append(Problem(
                _("The column “%(name)s” appears twice.", name=found.key), sheet=sheet.name,
                row=row_number, column=letter, field=found.key))
        else:
            columns[index] = found
    for f in sheet.fields:
        if f.required and f.read_as != OFFICE and f not in columns.values():
            report.problems.append(Problem(
                _("The column “%(name)s” is missing; it is required.", name=f.key),
                sheet=sheet.name, row=row_number, field=f.key, label=str(f.label)))
    return columns, keys_only


def _is_label_row(cells: tuple, columns: dict[int, ImportColumn],
                  labels: dict[str, set[str]]) -> bool:
    """True for the template's second row: every filled cell is its column's label."""
    filled = [(index, cell) for index, cell in enumerate(cells) if not is_blank(cell)]
    return bool(filled) and all(
        index in columns and fold(as_text(cell)) in labels[columns[index].key]
        for index, cell in filled)


def _read_sheet(book: Book, title: str, sheet: ImportSheet, lookups: Lookups,
                labels: dict[str, dict[str, set[str]]], actor: Actor, office: Office | None,
                report: Report) -> list[tuple[int, dict]]:
    """The checked values of every filled row of a sheet; each bad cell becomes a problem."""
    reader: _RowReader | None = None
    check_label_row = False
    checked: list[tuple[int, dict]] = []
    may_import = actor.may_import(sheet.kind)
    for number, cells in book.rows(title):
        report.step("read", 1)
        if all(is_blank(cell) for cell in cells):
            continue
        if reader is None:
            columns, check_label_row = _header(sheet, number, cells, labels[sheet.name], report)
            reader = _RowReader(sheet, columns, book.formula_cells(title), lookups, actor,
                                office, report)
            continue
        if check_label_row:
            check_label_row = False
            if _is_label_row(cells, reader.columns, labels[sheet.name]):
                continue
        if not may_import:
            report.problems.append(Problem(
                _("Your role may not import these records."), sheet=sheet.name, row=number))
            break
        values = reader.read(number, cells)
        if values is not None:
            checked.append((number, values))
    return checked


@dataclass
class _RowReader:
    """Reads the rows of one sheet once its header is known."""

    sheet: ImportSheet
    columns: dict[int, ImportColumn]
    formulas: set[tuple[int, int]]
    lookups: Lookups
    actor: Actor
    office: Office | None
    report: Report

    def __post_init__(self) -> None:
        self.letters = {f.key: get_column_letter(index + 1) for index, f in self.columns.items()}
        self.lengths = {f.key: max_length(self.sheet, f) for f in self.sheet.fields}
        #: (index, column, its reader, its longest text) of each column read: looked up once,
        #: not per cell
        self.read_columns = [(index, f, cell_reader(f), self.lengths[f.key])
                             for index, f in self.columns.items()]
        self.all_keys = frozenset(f.key for f in self.sheet.fields)
        #: the fields a row must give, or that take the chosen office when it does not
        self.needed = [f for f in self.sheet.fields
                       if f.required or (f.read_as == OFFICE and self.sheet.office_work)]

    def problem(self, number: int, f: ImportColumn, message: str) -> None:
        """Report a bad cell with its sheet, row and column."""
        self.report.problems.append(Problem(
            message, sheet=self.sheet.name, row=number, column=self.letters.get(f.key, ""),
            field=f.key, label=str(f.label)))

    def read(self, number: int, cells: tuple) -> dict | None:
        """The values of a row, or None if any of its cells is wrong (each one reported)."""
        sheet, office = self.sheet, self.office
        self.lookups.row = (sheet.name, number)
        values: dict[str, Any] = {}
        bad: set[str] = set()

        def refuse(f: ImportColumn, message: str) -> None:
            self.problem(number, f, message)
            bad.add(f.key)

        width, lookups = len(cells), self.lookups
        for index, f, read_cell, length in self.read_columns:
            cell = cells[index] if index < width else None
            if cell is None:
                if (number, index + 1) in self.formulas:
                    refuse(f, _("This cell holds a formula with no saved result. Formulas are "
                                "never run here: type the value, or open and save the file in "
                                "Excel so that its result is stored."))
            elif not is_blank(cell):
                try:
                    values[f.target] = read_cell(cell, f, lookups, length)
                except CellError as error:
                    refuse(f, str(error))
        for f in self.needed:
            if f.key in bad or f.target in values:
                continue
            if f.read_as == OFFICE and sheet.office_work:
                if office is not None:
                    values[f.target] = office.id
                else:
                    refuse(f, _("Give the office (its code or its name), or choose the office "
                                "to import into."))
            elif f.required:
                refuse(f, str(REQUIRED))
        office_field = sheet.by_key.get("office")
        if office_field is not None and office_field.key not in bad:
            office_id = values.get("office_id")
            if sheet.office_work and office is not None and office_id != office.id:
                refuse(office_field, _("Only records of %(office)s can be imported here.",
                                       office=office))
            elif not self.actor.may_write(sheet.kind, office_id):
                refuse(office_field, _("Your role may not import records of this office."))
        elif office_field is None and not self.actor.may_write(sheet.kind, None):
            refuse(sheet.fields[0], _("Your role may not import records of this office."))
        given = self.all_keys - bad if bad else self.all_keys
        for key, message in sheet.check(values, given):
            if key not in bad:
                refuse(sheet.by_key[key], message)
        dated_by = sheet.model.fields.dated_by
        if lookups.locked and dated_by in values and values.get("office_id") and not bad:
            month = first_day(values[dated_by])
            if (values["office_id"], month) in self.lookups.locked:
                refuse(sheet.by_key[dated_by], locked_message(
                    db.session.get(Office, values["office_id"]), month))
        return None if bad else values


# --- matching -------------------------------------------------------------------------------
def _folded(parts: Iterable) -> tuple:
    """A natural key with its text folded, so spelling variants compare equal."""
    return tuple(fold(part) if isinstance(part, str) else part for part in parts)


def _defaults(model) -> dict[str, Any]:
    """The model's plain column defaults: what a blank cell becomes."""
    defaults = {}
    for prop in model.__mapper__.column_attrs:
        default = prop.columns[0].default
        if default is not None and default.is_scalar:
            defaults[prop.key] = default.arg
    return defaults


def _summary(sheet: ImportSheet, values: dict) -> str:
    """A few words that let the user recognise the row in the report (with its date)."""
    if sheet.model is Contact:
        return " — ".join(v for v in (values.get("name"), values.get("organisation")) if v)
    if sheet.model is Partner:
        return values.get("name_ar", "")
    return values.get("title") or values.get("topic") or ""


def _result(sheet: ImportSheet, number: int, action: str, values: dict,
            reason: str = "") -> RowResult:
    """What happened to a row of a sheet of records, as the report shows it."""
    return RowResult(sheet.name, number, action, _summary(sheet, values), reason,
                     values.get(sheet.date_attr) if sheet.date_attr else None)


def _existing(sheet: ImportSheet, rows: list[tuple[int, dict]], defaults: dict) -> list[tuple]:
    """(id, natural key) of the records already there that rows of the sheet may match."""
    model = sheet.model
    query = select(model.id, *(getattr(model, attr) for attr in sheet.natural_key)).where(
        model.deleted_at.is_(None))
    if sheet.office_work:
        query = query.where(model.office_id.in_({values["office_id"] for _n, values in rows}))
    if sheet.date_attr:
        days = [values[sheet.date_attr] for _n, values in rows]
        query = query.where(getattr(model, sheet.date_attr).between(min(days), max(days)))
    return [(rid, _folded(parts)) for rid, *parts in db.session.execute(query)]


def _decide(sheet: ImportSheet, rows: list[tuple[int, dict]], lookups: Lookups,
            report: Report) -> list[Pending]:
    """Match the rows to what is there: create, update (contacts) or skip each."""
    if not rows:
        return []
    if sheet.duplicates == UPDATE:
        return _decide_contacts(sheet, rows, report)
    defaults = _defaults(sheet.model)
    keys = [(number, values, _folded(values[attr] if attr in values else defaults.get(attr)
                                     for attr in sheet.natural_key))
            for number, values in rows]
    existing = _existing(sheet, rows, defaults)
    plan: list[Pending] = []
    if sheet.duplicates == COUNTED:
        # identical rows are distinct records: skip only as many as are already there
        there = Counter(key for _id, key in existing)
        for number, values, key in keys:
            if there[key] > 0:
                there[key] -= 1
                report.rows.append(_result(sheet, number, SKIPPED, values,
                                           _("Already recorded.")))
            else:
                plan.append(Pending(sheet, number, values))
                report.rows.append(_result(sheet, number, CREATED, values))
        return plan
    ids: dict[tuple, int] = {}
    for rid, key in existing:
        ids.setdefault(key, rid)
    first: dict[tuple, Pending | int] = {}
    for number, values, key in keys:
        if key in ids:
            ref: Pending | int = ids[key]
            report.rows.append(_result(sheet, number, SKIPPED, values, _("Already recorded.")))
        elif key in first:
            ref = first[key]
            row = ref.row if isinstance(ref, Pending) else number
            report.rows.append(_result(sheet, number, SKIPPED, values,
                                       _("Same as row %(row)d of this sheet.", row=row)))
        else:
            ref = Pending(sheet, number, values)
            plan.append(ref)
            report.rows.append(_result(sheet, number, CREATED, values))
        first.setdefault(key, ref)
        if sheet.model is Partner:
            lookups.add_partner((values.get("name_ar", ""), values.get("name_latin", "")), ref)
    return plan


def _decide_contacts(sheet: ImportSheet, rows: list[tuple[int, dict]], report: Report
                     ) -> list[Pending]:
    """Contacts: one per folded name and organisation; new non-empty values update it."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, values in rows:
        key = contact_key(values.get("name"), values.get("organisation"))
        groups.setdefault(key, []).append((number, values))
    existing: dict[str, Contact] = {}
    keys = list(groups)
    for start in range(0, len(keys), _CHUNK):
        for contact in db.session.scalars(
                select(Contact).where(Contact.match_key.in_(keys[start:start + _CHUNK]))):
            existing[contact.match_key] = contact
    labels = {f.target: f.label for f in sheet.fields}
    plan: list[Pending] = []
    for key, group in groups.items():
        (number, values), later = group[0], group[1:]
        merged = dict(values)
        for _number, more in later:  # later rows' non-empty values win, the identity stays
            merged.update({k: v for k, v in more.items() if k not in _CONTACT_IDENTITY})
        summary = _summary(sheet, values)
        record = existing.get(key)
        if record is None:
            plan.append(Pending(sheet, number, merged))
            report.rows.append(RowResult(sheet.name, number, CREATED, summary))
        elif record.deleted_at is not None:
            report.rows.append(RowResult(sheet.name, number, SKIPPED, summary, _(
                "In the directory's trash: restore it there if it is needed.")))
        else:
            changes = {k: v for k, v in merged.items()
                       if k not in _CONTACT_IDENTITY and getattr(record, k) != v}
            if changes:
                plan.append(Pending(sheet, number, changes, record=record))
                report.rows.append(RowResult(sheet.name, number, UPDATED, summary, _(
                    "Changed: %(fields)s", fields=", ".join(str(labels[k]) for k in changes))))
            else:
                report.rows.append(RowResult(sheet.name, number, SKIPPED, summary,
                                             _("Already in the directory; nothing new.")))
        for later_number, more in later:
            report.rows.append(RowResult(sheet.name, later_number, SKIPPED,
                                         _summary(sheet, more),
                                         _("Same as row %(row)d of this sheet.", row=number)))
    return plan

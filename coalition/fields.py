"""One declaration per record type: each field's label, help, choices, bounds and rules.

A model lists its fields once, in the order people fill them in:

    fields = Fields(Field("date", _l("Date"), required=True, listed=True), …, rules=check)

The record screens (labels, help, choices, filters, validators), the Excel import (sheet
columns, headers, dropdowns, checks), the list exports and the donor workbook (headers,
donor-safe columns), the details page and the history all read it, and a value gets the
same verdict and the same message on every path: `problems()` is the one check.
"""

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.choices import Choices

#: how a text reads; all of these read left to right, even inside an Arabic page
EMAIL, LINK, PHONE, CODE = "email", "link", "phone", "code"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LINK = re.compile(r"^https?://\S+$", re.I)
MASK = "•••"

#: a record's own rules: the values by field name -> [(field name, message)]
Rules = Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    """One field of a record type, as every screen, import and export sees it."""

    name: str
    label: Any
    help: Any = None
    choices: Choices | None = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: the longest text (None: the column's own length, or no limit)
    length: int | None = None
    #: how a text reads: EMAIL, LINK, PHONE or CODE (checked, and shown left to right)
    text: str = ""
    #: a number read with thousands separators (False: a year, which reads 1979, not 1,979)
    grouped: bool = True
    #: personal data: encrypted, masked in the history, never exported
    personal: bool = False
    #: may appear in the donor workbook
    donor: bool = False
    #: a column of the list screen; a filter of it; searched by its search box
    listed: bool = False
    filtered: bool = False
    searched: bool = False
    #: on the form; a column of the import sheet
    entered: bool = True
    imported: bool = True
    #: former import keys, still read
    aliases: tuple[str, ...] = ()
    #: for a list of related records: the columns their look-up searches
    lookup: tuple[str, ...] = ()
    #: the record's flag without which this value never leaves the app (a list export
    #: leaves it empty): a testimony's summary needs the witness's consent to reports
    released_by: str | None = None

    @property
    def ltr(self) -> bool:
        """True for text that reads left to right whatever the page's direction."""
        return bool(self.text)


@dataclass(frozen=True)
class Fields:
    """The ordered fields of a record type, and its own rules."""

    items: tuple[Field, ...]
    #: the record type's name, plural: its screen, sheet and export say it
    title: Any = None
    rules: Rules | None = None
    #: the date field that places a record in a reporting month (None: no month)
    dated_by: str | None = None
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __init__(self, *items: Field, title: Any = None, rules: Rules | None = None,
                 dated_by: str | None = None) -> None:
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "dated_by", dated_by)
        object.__setattr__(self, "by_name", {f.name: f for f in items})

    def __iter__(self) -> Iterator[Field]:
        return iter(self.items)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def get(self, name: str) -> Field | None:
        """The field of this name, or None."""
        return self.by_name.get(name)

    def names(self, **flags: bool) -> tuple[str, ...]:
        """The names of the fields whose flags have the given values, in order."""
        return tuple(f.name for f in self.items
                     if all(getattr(f, flag) == wanted for flag, wanted in flags.items()))

    def labels(self) -> dict[str, Any]:
        """Field name -> label."""
        return {f.name: f.label for f in self.items}

    def helps(self) -> dict[str, Any]:
        """Field name -> help text, for the fields that have one."""
        return {f.name: f.help for f in self.items if f.help}


# --- the fields every record, and every office's work, has -----------------------------------
RECORD_LABELS = {
    "created_at": _l("Created at"),
    "updated_at": _l("Last changed at"),
    "created_by": _l("Created by"),
    "updated_by": _l("Last changed by"),
    "created_by_id": _l("Created by"),
    "updated_by_id": _l("Last changed by"),
    "version": _l("Version"),
    "deleted_at": _l("Moved to the trash"),
}


def office_work(*, listed: tuple[str, ...] = ("office", "track")) -> tuple[Field, ...]:
    """The office, track and project of an office's work."""
    return (
        Field("office", _l("Office"), required=True, listed="office" in listed,
              filtered=True, donor=True),
        Field("track", _l("Track"), listed="track" in listed, filtered=True, donor=True),
        Field("project", _l("Project"), listed="project" in listed, filtered=True,
              donor=True),
    )


def campaign_work() -> Field:
    """The advocacy campaign a piece of work was done for (optional; its page lists it)."""
    return Field("campaign", _l("Campaign"), filtered=True,
                 help=_l("The advocacy campaign this work was done for, if any."))


# --- the one check ---------------------------------------------------------------------------
REQUIRED = _l("This is required.")


def is_blank(value: Any) -> bool:
    """True for a value that was not given."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def value_problem(f: Field, value: Any, length: int | None = None) -> str | None:
    """Why a single value does not fit its field (None if it does); blank values fit."""
    return None if is_blank(value) else _given_value_problem(f, value, length)


def _given_value_problem(f: Field, value: Any, length: int | None) -> str | None:
    """value_problem() of a value known not to be blank."""
    if isinstance(value, str):
        limit = f.length or length
        if limit and len(value) > limit:
            return _("Too long: at most %(n)d characters.", n=limit)
        if f.text == EMAIL and not _EMAIL.match(value):
            return _("Enter a valid email.")
        if f.text == LINK and not _LINK.match(value):
            return _("Enter a full link, e.g. https://…")
        if f.choices is not None and value not in f.choices:
            return _("Not one of the choices.")
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if isinstance(value, (float, Decimal)) and not math.isfinite(value):
            return _("Not a number.")  # NaN and infinity compare with nothing
        if f.minimum is not None and value < f.minimum:
            return (_("Must be zero or more.") if f.minimum == 0 else
                    _("Must be at least %(n)s.", n=format_decimal(f.minimum)))
        if f.maximum is not None and value > f.maximum:
            return _("Must be at most %(n)s.", n=format_decimal(f.maximum))
    return None


def problems(fields: Fields, values: Mapping[str, Any], *, given: Iterable[str] | None = None,
             lengths: Mapping[str, int | None] | None = None) -> list[tuple[str, str]]:
    """Every (field name, message) that stands in the way of saving these values.

    `given` names the fields the form or sheet has (the others are not judged); `lengths`
    gives the column lengths of text fields that declare none.
    """
    present = set(values) if given is None else (
        given if isinstance(given, set | frozenset) else set(given))
    found: list[tuple[str, str]] = []
    lengths = lengths or {}
    for f in fields:
        name = f.name
        if name not in present:
            continue
        value = values.get(name)
        if is_blank(value):
            if f.required:
                found.append((name, str(REQUIRED)))
            continue
        message = _given_value_problem(f, value, lengths.get(name))
        if message:
            found.append((f.name, message))
    if fields.rules is not None:
        bad = {name for name, _message in found}
        found.extend((name, message) for name, message in fields.rules(values)
                     if name not in bad)
    return found


def dates_in_order(values: Mapping[str, Any], start: str, end: str) -> list[tuple[str, str]]:
    """An end date before its start date, as a problem of the end field."""
    first, last = values.get(start), values.get(end)
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
        return [(end, _("The end date cannot be before the start."))]
    return []


# --- how a value reads --------------------------------------------------------------------
def yes_no(value: bool) -> str:
    """Yes or no in the user's language."""
    return _("Yes") if value else _("No")


def shown(f: Field | None, value: Any) -> str:
    """A stored value the way a person reads it: labels, yes/no, local dates, no codes."""
    if f is not None and f.personal:
        return MASK if not is_blank(value) else "—"
    if value is None or value == "":
        return "—"
    if f is not None and f.choices is not None and isinstance(value, str):
        return f.choices.label(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, "short")
    if isinstance(value, dt.date):
        return format_date(value, "medium")
    if isinstance(value, int | float | Decimal):
        return format_decimal(value) if f is None or f.grouped else str(value)
    if isinstance(value, list | tuple | set):
        return "; ".join(str(item) for item in value) or "—"
    return str(value)


def parse_stored(text: Any) -> Any:
    """A value as the audit trail stored it (ISO text for dates) back to a Python value."""
    if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?",
                                              text):
        return dt.datetime.fromisoformat(text)
    return text


# --- a declaration bound to its model's columns ----------------------------------------------
#: what kind of value a field holds, from its column or relationship
TEXT, DATE, COUNT, NUMBER, FLAG, CHOICE, ONE, MANY = (
    "text", "date", "count", "number", "flag", "choice", "one", "many")


@dataclass(frozen=True)
class Bound:
    """A declared field with what its model stores: the kind of value and where it goes."""

    field: Field
    kind: str
    #: the model attribute a value is written to (a relation's foreign key for ONE)
    attr: str
    #: the related model, for ONE and MANY
    target: type[Any] | None = None
    #: the column's own length, for text
    length: int | None = None


_BOUND: dict[type, tuple[Bound, ...]] = {}


def bound(model: type[Any]) -> tuple[Bound, ...]:
    """The model's declared fields with their storage, in the declaration's order."""
    if model not in _BOUND:
        from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, inspect

        mapper = inspect(model)
        result = []
        for f in model.fields:
            if f.name in mapper.relationships:
                relation = mapper.relationships[f.name]
                if relation.uselist:
                    result.append(Bound(f, MANY, f.name, relation.mapper.class_))
                else:
                    (column,) = relation.local_columns
                    attr = mapper.get_property_by_column(column).key
                    result.append(Bound(f, ONE, attr, relation.mapper.class_))
                continue
            column = mapper.columns[f.name] if f.name in mapper.columns else \
                mapper.attrs[f.name].columns[0]
            kind = column.type
            if isinstance(kind, Boolean):
                value = FLAG
            elif isinstance(kind, Date | DateTime):
                value = DATE
            elif isinstance(kind, Integer):
                value = COUNT
            elif isinstance(kind, Numeric):
                value = NUMBER
            else:
                value = CHOICE if f.choices is not None else TEXT
            result.append(Bound(f, value, f.name, None, getattr(kind, "length", None)))
        _BOUND[model] = tuple(result)
    return _BOUND[model]


def lengths(model: type[Any]) -> dict[str, int | None]:
    """Field name -> the longest text its column holds."""
    return {b.field.name: b.length for b in bound(model) if b.kind in (TEXT, CHOICE)}


def field_of_attribute(model: type[Any], attr: str) -> Field | None:
    """The declared field stored in a model attribute (`office_id` -> the office field)."""
    declared = getattr(model, "fields", None)
    if declared is None:
        return None
    if attr in declared:
        return declared.get(attr)
    return next((b.field for b in bound(model) if b.attr == attr), None)

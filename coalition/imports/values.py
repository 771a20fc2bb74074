"""Reading one cell: text, dates, numbers, yes/no, coded choices, offices and partners."""

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl.cell.cell import ERROR_CODES
from sqlalchemy import select

from coalition.choices import Choices
from coalition.database import db
from coalition.dates import FIRST_YEAR, LAST_YEAR, DateError, ascii_digits, parse_date
from coalition.imports.layout import (
    CAMPAIGN,
    CHOICE,
    COUNT,
    DATE,
    FLAG,
    IMPORT_SHEETS_BY_NAME,
    INDICATOR,
    NUMBER,
    OFFICE,
    PARTNERS,
    PLACE,
    PROJECT,
    TEXT,
    TRACK,
    YES_NO,
    ImportColumn,
)
from coalition.imports.writer import Pending
from coalition.monitoring.models import Campaign, Indicator, Place
from coalition.normalize import fold, without_bidi_controls
from coalition.offices.models import Office, Project, Track
from coalition.partners.models import Partner
from coalition.reporting.models import locked_months

#: words read as yes or no besides the labels of YES_NO in every language
_FLAG_WORDS = {"yes": True, "y": True, "true": True, "1": True, "نعم": True, "evet": True,
               "no": False, "n": False, "false": False, "0": False, "لا": False,
               "hayir": False}
_WHOLE = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_PARTNER_SEPARATORS = re.compile(r"[;؛]")
#: the sheet whose partners are counterparts met, added when not on file
COUNTERPARTS_SHEET = "meetings"
#: Numeric(7, 1) and a 32-bit integer column
MAX_NUMBER, MAX_COUNT = 999_999.9, 2_147_483_647


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    """fold(), remembered: the same office, code or label recurs on thousands of rows."""
    return fold(text)


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the user's language."""


def labels_in_every_language(choices: Choices) -> dict[str, str]:
    """Folded code or label (in each of the app's languages) -> code."""
    index: dict[str, str] = {}
    for language in (*current_app.config.get("LANGUAGES", ("ar", "en")), "en"):
        with force_locale(language):
            for code, label in choices:
                index.setdefault(fold(str(label)), code)
    for code in choices.codes:
        index[fold(code)] = code
    return index


def named_index(model: type[Any]) -> dict[str, int]:
    """Folded code, Arabic and English name -> id, for offices, tracks and projects."""
    index: dict[str, int] = {}
    rows: Any = db.session.execute(select(model.id, model.code, model.name_ar, model.name_en)
                              .where(model.deleted_at.is_(None)).order_by(model.id))
    for rid, code, name_ar, name_en in rows:
        index[fold(code)] = rid
        for name in (name_ar, name_en):
            if fold(name):
                index.setdefault(fold(name), rid)
    return index


class Lookups:
    """What rows refer to, each fetched once: offices, tracks, projects, partners, labels."""

    def __init__(self) -> None:
        self.offices = named_index(Office)
        self.tracks = named_index(Track)
        self.projects = named_index(Project)
        self.campaigns = named_index(Campaign)
        self.indicators = named_index(Indicator)
        self.places = named_index(Place)
        self.partners: dict[str, Any] = {}
        for pid, name_ar, name_latin in db.session.execute(
                select(Partner.id, Partner.name_ar, Partner.name_latin)
                .where(Partner.deleted_at.is_(None)).order_by(Partner.id)):
            for name in (name_ar, name_latin):
                if fold(name):
                    self.partners.setdefault(fold(name), pid)
        self.trashed_partners = {fold(name) for row in db.session.execute(
            select(Partner.name_ar, Partner.name_latin).where(Partner.deleted_at.is_not(None)))
            for name in row if fold(name)}
        #: partners a meeting names as counterparts that are not on file, once per folded name
        self.new_counterparts: dict[str, Pending] = {}
        #: (sheet, row) being read, for the report of the partners created on its behalf
        self.row: tuple[str, int] = ("", 0)
        self._choices: dict[int, dict[str, str]] = {}
        #: (office id, month) approved and locked: no row may be dated in one
        self.locked = locked_months(db.session)
        flags = {**_FLAG_WORDS}
        for word, code in labels_in_every_language(YES_NO).items():
            flags.setdefault(word, code == "yes")
        self.flags = flags

    def choice_index(self, choices: Choices) -> dict[str, str]:
        """The codes and labels of a coded choice, computed once per import."""
        if id(choices) not in self._choices:
            self._choices[id(choices)] = labels_in_every_language(choices)
        return self._choices[id(choices)]

    def counterpart(self, name: str) -> Any:
        """The partner a meeting names: on file, or a new "contact only" partner (once)."""
        key = _folded(name)
        if key in self.partners:
            return self.partners[key]
        if key in self.trashed_partners:
            raise CellError(_("“%(name)s” is in the partners' trash: an admin can restore it.",
                              name=name))
        pending = Pending(IMPORT_SHEETS_BY_NAME["partners"], self.row[1], {
            "name_ar": name, "partnership_status": "contact_only"})
        self.new_counterparts[key] = self.partners[key] = pending
        return pending

    def add_partner(self, names: tuple[str, ...], ref: Any) -> None:
        """Make a partner of the workbook's partners sheet known to later sheets."""
        for name in names:
            if fold(name):
                self.partners.setdefault(fold(name), ref)


def as_text(value: Any) -> str:
    """A cell as trimmed text; whole numbers lose their '.0', dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return without_bidi_controls(value.replace("\x00", "")).strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: Any) -> bool:
    """True for an empty cell or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_reader(field: ImportColumn) -> Callable[[Any, ImportColumn, Lookups, int | None], Any]:
    """What reads a non-blank cell for `field` into its Python value, or raises CellError
    (looked up once a column, not once a cell)."""
    read = _READERS[field.read_as]

    def read_or_refuse(value, field, lookups, max_length):
        if isinstance(value, str) and "#" in value and value.strip() in ERROR_CODES:
            raise CellError(_("This cell holds an error value (%(value)s).",
                              value=value.strip()))
        return read(value, field, lookups, max_length)

    return read_or_refuse


def _text(value, _field, _lookups, max_length):
    text = as_text(value)
    if max_length and len(text) > max_length:
        raise CellError(_("Too long: at most %(n)d characters.", n=max_length))
    return text


def _date(value, _field, _lookups, _max_length):
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = parse_date(as_text(value) if isinstance(value, str) else "")
        except DateError as error:
            raise CellError(str(error)) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CellError(_("The year must be between 1900 and 2100."))
    return day


def _number_text(value) -> str:
    text = as_text(value).replace("٫", ".").replace("٬", "").replace(" ", "")
    return text.replace(",", "") if "." in text else text.replace(",", ".")


def _count(value, _field, _lookups, _max_length):
    if isinstance(value, bool):
        raise CellError(_("Not a whole number."))
    if isinstance(value, int | float):
        number = value
    else:
        text = as_text(value).replace("٬", "").replace(",", "").replace(" ", "")
        if text.startswith("-") and _WHOLE.match(text[1:]):
            raise CellError(_("Must be zero or more."))
        if not _WHOLE.match(text):
            raise CellError(_("Not a whole number."))
        number = int(text)
    if isinstance(number, float):
        if not number.is_integer():
            raise CellError(_("Not a whole number."))
        number = int(number)
    if number < 0:
        raise CellError(_("Must be zero or more."))
    if number > MAX_COUNT:
        raise CellError(_("Too large."))
    return number


def _number(value, _field, _lookups, _max_length):
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _number_text(value)
        if text.startswith("-") and _DECIMAL.match(text[1:]):
            raise CellError(_("Must be zero or more."))
        if not _DECIMAL.match(text):
            raise CellError(_("Not a number."))
        number = float(ascii_digits(text))
    if number < 0:
        raise CellError(_("Must be zero or more."))
    if number > MAX_NUMBER:
        raise CellError(_("Too large."))
    return round(number, 1)




def _flag(value, _field, lookups, _max_length):
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    answer = lookups.flags.get(_folded(as_text(value)))
    if answer is None:
        raise CellError(_("Answer yes or no."))
    return answer


def _choice(value, field, lookups, _max_length):
    code = lookups.choice_index(field.choices).get(_folded(as_text(value)))
    if code is None:
        allowed = ", ".join(f"{code} ({label})" for code, label in field.choices)
        raise CellError(_("Unknown value “%(value)s”. Use a code or a label of the list: "
                          "%(allowed)s.", value=as_text(value), allowed=allowed))
    return code


def _named(kind: str, message):
    """A reader of an office, track or project given by its code or name."""

    def read(value, _field, lookups, _max_length):
        text = as_text(value)
        found = getattr(lookups, kind).get(_folded(text))
        if found is None:
            raise CellError(message(text))
        return found

    return read


def _partners(value, field, lookups, _max_length):
    refs, unknown = [], []
    for name in _PARTNER_SEPARATORS.split(as_text(value)):
        if not name.strip():
            continue
        if lookups.row[0] == COUNTERPARTS_SHEET:  # a meeting's counterpart: added if new
            ref = lookups.counterpart(name.strip())
        else:
            ref = lookups.partners.get(_folded(name))
        if ref is None:
            unknown.append(name.strip())
        elif ref not in refs:
            refs.append(ref)
    if unknown:
        raise CellError(_("No partner named “%(names)s”: add it on the partners sheet or to the "
                          "partners first. Separate several names with “;”.",
                          names="”, “".join(unknown)))
    return refs


_READERS = {
    TEXT: _text,
    DATE: _date,
    COUNT: _count,
    NUMBER: _number,
    FLAG: _flag,
    CHOICE: _choice,
    OFFICE: _named("offices", lambda text: _(
        "No office “%(value)s”: give its code or its name.", value=text)),
    TRACK: _named("tracks", lambda text: _(
        "No track “%(value)s”: give its code or its name.", value=text)),
    PROJECT: _named("projects", lambda text: _(
        "No project “%(value)s”: give its code or its name.", value=text)),
    PARTNERS: _partners,
    INDICATOR: _named("indicators", lambda text: _(
        "No indicator “%(value)s”: give its code or its name.", value=text)),
    PLACE: _named("places", lambda text: _(
        "No place “%(value)s”: give its code or its name.", value=text)),
    CAMPAIGN: _named("campaigns", lambda text: _(
        "No campaign “%(value)s”: give its code or its name (campaigns on this workbook's "
        "campaigns sheet are known once it is imported).", value=text)),
}

"""Dates as people type them: one reader for forms, list filters, the dashboard and the import.

Accepted everywhere: day/month/year (the order of Arabic and Turkish, and of the coalition's
English), ISO year-month-day, with Western, Arabic-Indic (٠–٩) or Eastern Arabic-Indic (۰–۹)
digits and "/", "-", "." or the Arabic date separator between the parts.
"""

import datetime as dt
import re

from babel import Locale
from babel.dates import get_day_names, get_month_names
from flask_babel import gettext as _

#: Arabic-Indic and Eastern Arabic-Indic (Persian) digits -> ASCII
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
#: direction marks that copying a formatted date brings along
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                "\u2068\u2069"))
_SEPARATOR = r"\s*[-/.\u060d]\s*"
_YEAR_FIRST = re.compile(rf"^(\d{{4}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{1,2}})$")
_DAY_FIRST = re.compile(rf"^(\d{{1,2}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{4}})$")
#: "from … to …" in a range filter, in any of the app's languages
RANGE_SEPARATOR = re.compile(r"\s+(?:to|إلى|ile|-|–|—)\s+")
FIRST_YEAR, LAST_YEAR = 1900, 2100
#: the territory whose calendar a language's users keep (first day of the week)
_TERRITORY = {"ar": "ar_SY", "tr": "tr_TR", "en": "en_GB"}
#: how a date is written back into a form field
INPUT_FORMAT = "%d/%m/%Y"


class DateError(ValueError):
    """Text that is not a date; str() is the reason in the user's language."""

    def __str__(self) -> str:
        return str(self.args[0])


def ascii_digits(text: str) -> str:
    """Western digits for Arabic-Indic ones, without the direction marks around them."""
    return text.translate(DIGITS).translate(_MARKS)


def parse_date(text: str) -> dt.date:
    """The date in `text` (day/month/year or year-month-day, any digits), or DateError."""
    value = ascii_digits(str(text)).strip()
    year_first, day_first = _YEAR_FIRST.match(value), _DAY_FIRST.match(value)
    try:
        if year_first:
            year, month, day = (int(part) for part in year_first.groups())
        elif day_first:
            day, month, year = (int(part) for part in day_first.groups())
        else:
            raise ValueError(value)
        result = dt.date(year, month, day)
    except ValueError:
        raise DateError(_("Not a date: write it as day/month/year or YYYY-MM-DD, e.g. "
                          "25/11/2024 or 2024-11-25.")) from None
    if not FIRST_YEAR <= result.year <= LAST_YEAR:
        raise DateError(_("The year must be between 1900 and 2100."))
    return result


def parse_range(text: str) -> list[dt.date]:
    """Two dates written "first to last" (in the app's languages), in order, or DateError."""
    parts = RANGE_SEPARATOR.split(ascii_digits(str(text)).strip())
    if len(parts) != 2:
        raise DateError(_("Give two dates: the first, “to”, then the last."))
    first, last = parse_date(parts[0]), parse_date(parts[1])
    if last < first:
        raise DateError(_("The end date cannot be before the start."))
    return [first, last]


def input_text(day: dt.date | None) -> str:
    """A date as a form field shows it: day/month/year."""
    return day.strftime(INPUT_FORMAT) if day else ""


def hint() -> str:
    """The expected format, shown beside every date field."""
    return _("Day/month/year, e.g. 25/11/2024 (or 2024-11-25)")


def placeholder() -> str:
    """The format in the field itself while it is empty."""
    return _("dd/mm/yyyy")


def picker_settings(language: str) -> dict:
    """What the date picker shows in `language`: month and day names, the week's first day."""
    locale = Locale.parse(_TERRITORY.get(language, language))
    names = get_day_names("short", locale=language)  # 0 is Monday
    return {
        "months": list(get_month_names("wide", locale=language).values()),
        "days": [names[(index + 6) % 7] for index in range(7)],  # from Sunday, as JS counts
        "firstDay": (locale.first_week_day + 1) % 7,
        "placeholder": placeholder(),
        "hint": hint(),
        "invalid": _("Not a date: write it as day/month/year or YYYY-MM-DD."),
        "today": _("Today"),
        "previous": _("Previous month"),
        "next": _("Next month"),
        "close": _("Close"),
        "to": _("to"),
    }

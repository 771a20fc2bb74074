"""What every record form and list shares: date fields and filters read the way people type
dates, left-to-right values inside right-to-left pages, fields kept out of browser drafts."""

import re
from types import SimpleNamespace
from typing import Any

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.filters import BaseDateFilter
from flask_admin.model.form import converts
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import DateField
from wtforms.widgets import TextInput

from coalition.dates import (
    DateError,
    hint,
    input_text,
    parse_date,
    parse_range,
    picker_settings,
    placeholder,
)

#: names of fields whose values read left to right in every language
_LTR_NAMES = re.compile(r"(^|_)(phone|mobile|fax|email|e_mail|url|link|website|web|id_number|"
                        r"passport|kimlik|iban|reference|code|username)($|_)")


def reads_left_to_right(name: str) -> bool:
    """True for phone numbers, e-mails, links, ID numbers and codes."""
    return bool(_LTR_NAMES.search(name or ""))


def ltr_value(value: Any) -> Markup:
    """A value isolated left-to-right, so "+90 532 …" is not reversed in an Arabic page."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr" class="ltr">{}</bdi>').format(value)


def mark_fields(form: Any, personal: tuple[str, ...] = ()) -> None:
    """Set each field's direction and whether a browser draft may keep it."""
    for field in form:
        attributes = dict(field.render_kw or {})
        if reads_left_to_right(field.short_name):
            attributes.update({"dir": "ltr", "data-ltr": ""})
        if field.short_name in personal or field.short_name.startswith("personal_"):
            attributes["data-personal"] = ""  # never written to the browser's storage
        if attributes:
            field.render_kw = attributes


class DateInput(TextInput):
    """A text box for a date with its expected format beside it; static/js/datepicker.js
    adds the calendar."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-role", "datepicker")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("placeholder", placeholder())
        kwargs.update({"dir": "ltr", "data-date-input": "", "aria-describedby": f"{field.id}-hint"})
        box = super().__call__(field, **kwargs)
        return box + Markup('<small class="form-text text-muted date-hint" id="{}">{}</small>'
                            ).format(f"{field.id}-hint", hint())


def date_box(name: str, value: str = "", **attributes: Any) -> Markup:
    """A date box outside a form class (the dashboard's period), drawn as DateInput draws a
    form's: text read as coalition.dates reads it, the format beside it, the picker."""
    field = SimpleNamespace(id=attributes.pop("id", name), name=name, _value=lambda: value)
    return DateInput()(field, **attributes)


class LocalDateField(DateField):
    """A date typed day/month/year or year-month-day, in any digits (coalition.dates)."""

    widget = DateInput()

    def process_formdata(self, valuelist: list) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = parse_date(text)
            except DateError as error:
                raise ValueError(str(error)) from None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return input_text(self.data)


class ModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, with our date field."""

    @converts("Date")
    def convert_date(self, field_args: dict, **extra: Any) -> Any:
        field_args.pop("widget", None)
        return LocalDateField(**field_args)

    @converts("EncryptedText")
    def convert_encrypted(self, field_args: Any, **extra: Any) -> Any:
        """Text encrypted at rest (a detainee's name, an informant's phone): a one-line box."""
        from wtforms import StringField

        return StringField(**field_args)


class _OneDate:
    """A list filter on one date, read as forms read it."""

    def clean(self, value: str):
        return parse_date(value)


class _TwoDates:
    """A list filter between two dates, read as forms read them."""

    def clean(self, value: str):
        return parse_range(value)

    def validate(self, value: str) -> bool:
        try:
            parse_range(value)
        except DateError:
            return False
        return True


def _date_filter(base):
    mixin = _TwoDates if issubclass(base, sqla_filters.DateBetweenFilter) else _OneDate
    if not issubclass(base, BaseDateFilter | sqla_filters.DateBetweenFilter):
        return base
    return type(base.__name__, (mixin, base), {"__doc__": base.__doc__})


class FilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's filter converter, with date filters that read typed dates."""

    date_filters = tuple(_date_filter(base) for base in sqla_filters.FilterConverter.date_filters)



def page_settings() -> dict:
    """What the page's scripts need (#app-settings): the picker's words, the look-ups' words,
    who is signed in (drafts are per user) and which draft a successful save just cleared."""
    from flask import session
    from flask_login import current_user

    from coalition.i18n import language

    saved = session.pop("draft_saved", None) if "draft_saved" in session else None
    return {
        "dates": picker_settings(language()),
        "user": current_user.get_id() if current_user.is_authenticated else None,
        "saved": saved,
        "drafts": {
            "offer": _("A draft of this form, typed in this browser on %(when)s, was not saved."),
            "restored": _("What you typed before signing in again is back in the form. Check "
                          "it and save."),
            "restore": _("Restore the draft"),
            "discard": _("Discard it"),
        },
        "lookups": {
            "noMatches": _("No matches found"),
            "searching": _("Searching…"),
            "tooShort": _("Type at least one letter"),
            "loadMore": _("Loading more results…"),
            "error": _("The search failed. Check the connection and try again."),
        },
    }

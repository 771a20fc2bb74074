"""Languages: which one a request is served in, its direction, and bilingual names."""

import os
from functools import cache, cached_property

from babel import support
from flask import Flask, Request, current_app, g, has_request_context, request
from flask_babel import Domain, get_babel, get_locale
from flask_login import current_user
from wtforms.i18n import messages_path

from coalition.choices import Choices
from coalition.extensions import babel

RTL_LANGUAGES = {"ar"}
LANGUAGE_NAMES = {"ar": "العربية", "en": "English", "tr": "Türkçe"}
#: the interface languages as a coded choice (each named in itself)
LANGUAGES = Choices(*LANGUAGE_NAMES.items())
LOCALE_COOKIE = "locale"


def select_locale() -> str:
    """The user's saved choice, then the language cookie, then Accept-Language, then Arabic."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI: COALITION_LANG, else the system's, else Arabic
        for wanted in (os.environ.get("COALITION_LANG"), os.environ.get("LANG")):
            if wanted and wanted[:2] in languages:
                return wanted[:2]
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if request.cookies.get(LOCALE_COOKIE) in languages:
        return request.cookies[LOCALE_COOKIE]
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def language() -> str:
    """The language code of the current request."""
    return str(get_locale() or "ar").split("_")[0]


def text_direction() -> str:
    """'rtl' for Arabic, 'ltr' otherwise."""
    return "rtl" if language() in RTL_LANGUAGES else "ltr"


def _arabic_first() -> bool:
    try:
        return language() == "ar"
    except RuntimeError:  # no request: Arabic first
        return True


def local_name(arabic: str, latin: str | None) -> str:
    """The name in the interface language (lists, menus); Arabic where there is no other."""
    return (arabic or latin or "") if _arabic_first() else (latin or arabic or "")


def other_name(arabic: str, latin: str | None) -> str:
    """The name in the other language, shown on hover ('' when there is none)."""
    other = (latin if _arabic_first() else arabic) or ""
    return "" if other == local_name(arabic, latin) else other


def bilingual(arabic: str, latin: str | None) -> str:
    """The name that fits the interface language first, the other form beside it."""
    if not latin or latin == arabic:
        return arabic or ""
    if not arabic:
        return latin
    try:
        first_is_arabic = language() == "ar"
    except RuntimeError:  # no request: Arabic first
        first_is_arabic = True
    # first-strong isolates keep "(Latin name)" whole inside right-to-left text and vice versa
    return (f"{arabic} \u2068({latin})\u2069" if first_is_arabic
            else f"{latin} \u2068({arabic})\u2069")


class KeptDomain(Domain):
    """Flask-Babel's domain, the catalogue it finds kept on the request beside the locale it
    was found for: a page asks for hundreds of words, and Flask-Babel looks the locale and
    the catalogue up again for each (a quarter of a millisecond in every hundred)."""

    def get_translations(self) -> support.NullTranslations:
        babel_context = g.get("_flask_babel") if g else None
        kept = getattr(babel_context, "coalition_catalogue", None)
        # force_locale() and refresh() put another locale object there: found afresh
        if kept is not None and kept[0] is getattr(babel_context, "babel_locale", None):
            return kept[1]
        translations = super().get_translations()
        if (babel_context := g.get("_flask_babel") if g else None) is not None:
            babel_context.coalition_catalogue = (getattr(babel_context, "babel_locale", None),
                                                 translations)
        return translations


@cache
def wtforms_catalogue(locale: str) -> support.NullTranslations:
    """WTForms' own messages in a language, read from disk once a process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class CoalitionRequest(Request):
    """A request whose WTForms catalogue is the process's: Flask-WTF would read it from
    disk for every page that builds a form (a list's delete buttons are forms)."""

    @cached_property
    def wtforms_translations(self) -> support.NullTranslations:
        return wtforms_catalogue(str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]))


def register_i18n(app: Flask) -> None:
    """Initialise Flask-Babel (Flask-Admin needs it once flask-babel is installed), with
    the catalogues kept (`KeptDomain`, `CoalitionRequest`)."""
    babel.init_app(app, locale_selector=select_locale)
    # Babel's domain is a cached_property of the extension: set, it is ours
    babel.__dict__["domain_instance"] = KeptDomain(domain=get_babel(app).default_domain)
    app.request_class = CoalitionRequest

    @app.context_processor
    def inject_language() -> dict:
        return {
            "lang": language(),
            "text_dir": text_direction(),
            "language_names": LANGUAGE_NAMES,
        }

"""Arabic, English and Turkish: complete catalogues, no unmarked text, right direction."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.helpers import ARTIFACTS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "coalition" / "translations"
LANGUAGES = ("ar", "en", "tr")
#: catalogues that must have every message translated (the acceptance of issue 5)
COMPLETE = ("ar", "en")
#: the options of `scripts/translations.sh extract`
EXTRACT = ["extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
           "-k", "lazy_ngettext:1,2"]
#: attributes a user reads or hears (data-confirm: our confirm dialogs); the rest is code
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
#: proper names that stay in Latin letters in every language (none so far)
ALLOWED_WORDS: set[str] = set()


def _catalogue(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(catalogue) -> set:
    return {m.id for m in catalogue if m.id}


def _translated(message) -> bool:
    strings = message.string if message.pluralizable else (message.string,)
    return all(strings)


# --- catalogues -----------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_compiled_complete_and_well_formed(lang):
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing; run: pybabel compile -d coalition/translations"
    catalogue = _catalogue(po)
    assert _ids(catalogue) == _ids(_catalogue(TRANSLATIONS / "messages.pot")), (
        f"{lang} is out of step with messages.pot; run: scripts/translations.sh extract")
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy messages in {lang}: {fuzzy}"
    if lang in COMPLETE:
        untranslated = [m.id for m in catalogue if m.id and not _translated(m)]
        assert not untranslated, f"untranslated messages in {lang}: {untranslated}"
    errors = [(m.id, str(e)) for m, errs in catalogue.check() for e in errs]
    assert not errors, f"placeholders or plurals that do not match in {lang}: {errors}"
    assert mo.stat().st_mtime >= po.stat().st_mtime, (
        f"{mo} is older than its catalogue; run: pybabel compile -d coalition/translations")


def test_messages_pot_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", *EXTRACT,
                    "-o", str(fresh), "."], cwd=ROOT, check=True)
    in_code = _ids(_catalogue(fresh))
    in_arabic = _ids(_catalogue(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po"))
    assert in_code == in_arabic, (
        "messages.pot is stale; run: scripts/translations.sh extract, then translate\n"
        f"new in the code: {sorted(in_code - in_arabic)}\n"
        f"gone from the code: {sorted(in_arabic - in_code)}")


# --- templates --------------------------------------------------------------------------------
def _blank(match: re.Match) -> str:
    """Replace a match by its line breaks only, so line numbers stay right."""
    return "\n" * match.group(0).count("\n")


def _visible_attributes(tag: re.Match) -> str:
    """The values a user sees in a tag: a title, a placeholder, a button's value…"""
    names = VISIBLE_ATTRIBUTES
    if re.match(r"""<input\b[^>]*\btype=["']?(submit|button|reset)\b""", tag.group(0)):
        names = (*names, "value")
    values = [a or b for name, a, b in re.findall(
        r"""\s([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag.group(0)) if name in names]
    return " ".join(values) + "\n" * tag.group(0).count("\n")


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """(line, words) of the text a template shows outside gettext calls."""
    for pattern in (r"\{#.*?#\}",  # Jinja comments
                    r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}",  # marked blocks
                    r"\{\{.*?\}\}", r"\{%.*?%\}",  # expressions and statements
                    r"<!--.*?-->", r"<(script|style)\b.*?</\1\s*>"):
        source = re.sub(pattern, _blank, source, flags=re.S | re.I)
    source = re.sub(r"<[^>]*>", _visible_attributes, source)
    source = re.sub(r"&#?\w+;", " ", source)
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        words = [w for w in re.findall(r"[^\W\d_]+", line) if w not in ALLOWED_WORDS]
        if words:
            found.append((number, " ".join(words)))
    return found


def test_the_scanner_finds_unmarked_text():
    template = ('{# a comment #}<a title="Edit me" href="/x" class="btn">{{ _("Yes") }}</a>\n'
                '<p data-x="code">{% if a > b %}{{ x }}{% endif %} Hello &amp; welcome</p>\n'
                "{% trans %}Marked{% endtrans %}<img alt=\"{{ _('Logo') }}\">\n"
                '<input type="submit" value="Send" name="go"><input type="text" value="code">')
    assert unmarked_text(template) == [(1, "Edit me"), (2, "Hello welcome"), (4, "Send")]


def test_templates_hold_no_unmarked_text():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert templates
    found = [f"{path.relative_to(ROOT)}:{line}: {words}"
             for path in templates for line, words in unmarked_text(path.read_text("utf-8"))]
    assert not found, "text outside {{ _('…') }} in templates:\n" + "\n".join(found)


# --- pages in each language -----------------------------------------------------------------
#: page -> language -> words its title must hold
TITLES = {
    "/login": {"ar": "تسجيل الدخول", "en": "Sign in", "tr": "Giriş yap"},
    "/": {"ar": "الرئيسية", "en": "Home", "tr": "Ana sayfa"},
    "/meetings/": {"ar": "اللقاءات", "en": "Meetings", "tr": "Görüşmeler"},
    "/meetings/new/": {"ar": "اللقاءات", "en": "Meetings", "tr": "Görüşmeler"},
    "/dashboard/": {"ar": "لوحة مؤشرات الأداء", "en": "KPI dashboard",
                    "tr": "Performans göstergeleri paneli"},
}
#: Flask-Admin's own words, from its shipped catalogues
ADMIN_WORDS = {
    "/meetings/": {"ar": ("قائمة", "إنشاء", "إضافة تصفية"), "tr": ("Liste", "Filtre Ekle")},
    "/meetings/new/": {"ar": ("حفظ", "حفظ وإضافة آخر"), "tr": ("Kaydet",)},
}
ENGLISH_ADMIN_WORDS = ("List", "Create", "Add Filter", "Save", "Save and Add Another", "Cancel")


def _page_in(lang: str, url: str, app, login):
    """The page as a user who chose `lang` sees it: the switcher, or Accept-Language."""
    if url == "/login":
        return app.test_client().get(url, headers={"Accept-Language": f"{lang};q=1.0"})
    client = login("admin")
    assert client.post(f"/language/{lang}", data={"next": url}).status_code == 302
    return client.get(url)


def _nav_words(page: str) -> list[str]:
    """Latin words in the main navigation, bar other-language labels and user data."""
    nav = re.search(r'<nav\b[^>]*\bid="main-nav".*?</nav>', page, re.S)
    assert nav, "no <nav id=\"main-nav\">"
    html = re.sub(r'<(\w+)\b[^>]*\blang="(?!ar")[^"]*"[^>]*>.*?</\1>', " ", nav.group(0),
                  flags=re.S)
    html = re.sub(r"<bdi\b.*?</bdi>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", html)
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in ALLOWED_WORDS]


def _text(page: str) -> str:
    """What a user reads on a page, buttons included."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", _visible_attributes, page))


@pytest.mark.parametrize("url", TITLES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_speak_the_chosen_language(app, login, lang, url):
    response = _page_in(lang, url, app, login)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert TITLES[url][lang] in title
    text = _text(page)
    for word in ADMIN_WORDS.get(url, {}).get(lang, ()):
        assert word in text, f"Flask-Admin's {word!r} is missing on {url} in {lang}"
    if lang != "en":
        left = [w for w in ENGLISH_ADMIN_WORDS if re.search(rf"\b{w}\b", text)]
        assert not left, f"English left on {url} in {lang}: {left}"
    if lang == "ar":
        assert _nav_words(page) == [], f"English in the Arabic navigation of {url}"


# --- right-to-left in a real Chromium: the screens mirrored in Arabic, screenshots kept ----
PAGES = {"dashboard": "/dashboard/", "meetings": "/meetings/", "meeting-form": "/meetings/new/"}
WIDTH = 1400


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_screens_are_mirrored_in_arabic(server, chromium, lang):
    context = chromium.new_context(locale=lang, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "coordinator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server}/")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in PAGES.items():
        page.goto(server + path)
        # every asset is this server's: the load event and the fonts are all there is to wait for
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        brand = page.locator("#main-nav .navbar-brand").bounding_box()
        menu = page.locator("#main-menu").bounding_box()
        user = page.locator("#user-menu").bounding_box()
        if lang == "ar":  # the brand and the menu start on the right, the user menu on the left
            assert brand["x"] > WIDTH / 2 and menu["x"] + menu["width"] > WIDTH / 2
            assert user["x"] < WIDTH / 2
        else:
            assert brand["x"] < WIDTH / 2 and user["x"] > WIDTH / 2
        if name == "meeting-form":  # labels sit on the reading side of their fields
            label = page.locator("label[for=topic]").bounding_box()
            field = page.locator("#topic").bounding_box()
            if lang == "ar":
                assert label["x"] + label["width"] > field["x"] + field["width"] - 40
            else:
                assert label["x"] < field["x"] + 40
        page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=False)
    assert not errors
    context.close()


# --- the catalogues kept on the request (coalition.i18n.KeptDomain, CoalitionRequest) -----
def test_words_follow_the_language_of_each_request_and_force_locale(app):
    from flask_babel import force_locale, gettext
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import InputRequired

    class Named(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("name", validators=[InputRequired()])

    ended = "Your session has ended. Sign in again."
    required = {"ar": "هذا الحقل مطلوب.", "en": "This field is required."}
    for lang in ("ar", "en", "ar"):  # one process, the languages in turn
        with app.test_request_context("/", method="POST", data={"name": ""},
                                      headers={"Cookie": f"locale={lang}"}):
            said = gettext(ended)
            assert (said == ended) == (lang == "en")
            assert gettext(ended) == said  # the kept catalogue, asked again
            other = "en" if lang == "ar" else "ar"
            with force_locale(other):
                assert (gettext(ended) == ended) == (other == "en")
            assert gettext(ended) == said  # the request's own language again
            form = Named()
            assert not form.validate()
            assert form.name.errors == [required[lang]]


def test_templates_are_compiled_once_for_every_worker_of_an_instance(tmp_path, monkeypatch):
    """Compiled templates are kept in the instance folder: another app (a worker started
    later) renders from them without compiling."""
    from jinja2 import Environment

    from app import create_app

    monkeypatch.setenv("COALITION_INSTANCE_PATH", str(tmp_path / "instance"))
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite", "SECRET_KEY": "x"}
    first = create_app(config)
    assert first.test_client().get("/login").status_code == 200
    assert list((tmp_path / "instance" / "template-cache").iterdir())
    later = create_app(config)
    compiled: list[str] = []
    compile_ = Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_(self, source, name, filename, raw, defer_init)

    later.jinja_env.compile = counted.__get__(later.jinja_env)
    assert later.test_client().get("/login").status_code == 200
    assert compiled == []
    # what Jinja compiles into a template besides its source picks another folder
    from coalition.templating import _compiled_under

    assert _compiled_under(Environment(autoescape=True)) != _compiled_under(
        Environment(autoescape=False))
    assert _compiled_under(Environment(extensions=["jinja2.ext.i18n"])) != _compiled_under(
        Environment())

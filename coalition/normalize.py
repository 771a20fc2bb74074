"""Folding of names so the same person or entity is recognised however it was typed."""

import re
import unicodedata
from functools import lru_cache
from typing import Any

# Arabic letter variants that people type interchangeably.
_ARABIC_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "İ": "i",
        "I": "i",  # Turkish capitals fold like their lower-case letters below
        "ı": "i",
        "\u0640": None,  # tatweel
    }
)
_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


#: every character with a combining class (accents once decomposed), dropped by translate()
#: in C rather than tested one by one in Python; Unicode assigns none beyond U+1FFFF
_COMBINING = dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))


def fold(text: str | None) -> str:
    """Fold letter variants, diacritics, case, punctuation and spacing."""
    if not text:
        return ""
    if text.isascii():  # nothing to normalise, no Arabic, no marks, no accents
        return " ".join(_PUNCT.sub(" ", text.casefold()).split())
    # word by word, each folded once: names and titles reuse the same words
    return " ".join(folded for word in text.split() if (folded := _fold_word(word)))


@lru_cache(maxsize=65536)
def _fold_word(text: str) -> str:
    """fold() of a text without spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLDS)
    text = _MARKS.sub("", text)
    # strip Latin accents (é -> e, ş -> s) after Arabic marks are gone
    text = unicodedata.normalize("NFKD", text).translate(_COMBINING)
    return " ".join(_PUNCT.sub(" ", text.casefold()).split())


def contact_key(name: str | None, organisation: str | None) -> str:
    """The unique key of a directory entry: folded name plus folded organisation."""
    return f"{fold(name)}|{fold(organisation)}"


#: the invisible controls that reorder text (embeddings, overrides, isolates, marks): from a
#: record they could make "exe.txt" read "txt.exe" or flip a figure; dropped on input
BIDI_CONTROLS = dict.fromkeys(
    (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))


_BIDI_CONTROL = re.compile("[" + "".join(map(chr, BIDI_CONTROLS)) + "]")


def without_bidi_controls(value: Any) -> Any:
    """A text without bidi control characters; other values as they are."""
    # rare: found before copied (none is ASCII, so ASCII text has none)
    if isinstance(value, str) and not value.isascii() and _BIDI_CONTROL.search(value):
        return value.translate(BIDI_CONTROLS)
    return value

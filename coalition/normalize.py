"""Folding of names so the same person or entity is recognised however it was typed."""

import re
import unicodedata

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


def fold(text: str | None) -> str:
    """Fold letter variants, diacritics, case, punctuation and spacing."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLDS)
    text = _MARKS.sub("", text)
    # strip Latin accents (é -> e, ş -> s) after Arabic marks are gone
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return " ".join(_PUNCT.sub(" ", text.casefold()).split())


def contact_key(name: str | None, organisation: str | None) -> str:
    """The unique key of a directory entry: folded name plus folded organisation."""
    return f"{fold(name)}|{fold(organisation)}"

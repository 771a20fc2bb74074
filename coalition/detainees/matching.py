"""Finding the same person reported twice: Arabic folding, blind indexes and a score.

Names are encrypted at rest, so matching works on blind indexes: a keyed HMAC of each name
part after Arabic folding (coalition.normalize.fold) with its spaces removed, so أسامة and
اسامه, عبد الله and عبدالله, مصطفى and مصطفي give the same index, and the database can find
candidates without ever holding a name in clear.
"""

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from coalition.normalize import fold

#: the name parts, in the order they are written
PARTS = ("first_name", "father_name", "family_name", "mother_name")
#: each name part's blind-index column
INDEXES = {part: f"bi_{part.split('_')[0]}" for part in PARTS}
#: what each component adds to the score when it matches
WEIGHTS = {"first_name": 0.25, "father_name": 0.2, "family_name": 0.2, "mother_name": 0.15,
           "birth_year": 0.1, "governorate": 0.05, "sex": 0.05}
#: what a component that contradicts takes away
PENALTIES = {"mother_name": 0.3, "birth_year": 0.2, "sex": 0.4, "first_name": 0.3}
#: birth years this far apart still match (estimates are often a year or two off)
YEARS_APART = 3
#: the score from which a pair is a candidate
MIN_SCORE = 0.75

LABELS = {
    "first_name": _l("first name"), "father_name": _l("father's name"),
    "family_name": _l("family name"), "mother_name": _l("mother's name"),
    "birth_year": _l("birth year"), "governorate": _l("governorate"), "sex": _l("sex"),
}


def index_key() -> bytes:
    """DETAINEE_INDEX_KEY, else a key kept once in the instance folder (back it up apart)."""
    cached = current_app.extensions.get("detainee_index_key")
    if cached:
        return cached
    if key := os.environ.get("DETAINEE_INDEX_KEY") or current_app.config.get(
            "DETAINEE_INDEX_KEY"):
        value = key.encode()
    else:
        path = Path(current_app.instance_path) / "detainee_index_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        value = path.read_text().strip().encode()
    current_app.extensions["detainee_index_key"] = value
    return value


def folded_part(part: str, text: str | None) -> str:
    """A name part folded for matching: letter variants, marks, spacing, and the family
    name's article (الحلبي = حلبي)."""
    value = fold(text).replace(" ", "")
    if part == "family_name" and value.startswith("ال") and len(value) > 4:
        value = value[2:]
    return value


def blind_index(part: str, text: str | None, key: bytes | None = None) -> str | None:
    """The keyed HMAC of a folded name part (None for an empty one)."""
    value = folded_part(part, text)
    if not value:
        return None
    digest = hmac.new(key or index_key(), f"{part}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass
class Candidate:
    """A possible duplicate: the other person, the score and what matched."""

    other: Any
    score: float
    matched: list[str] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)


def score(a: Any, b: Any) -> tuple[float, list[str], list[str]]:
    """How alike two persons are (0–1), what matched and what contradicts."""
    total, matched, differs = 0.0, [], []
    for part in PARTS:
        x, y = getattr(a, INDEXES[part]), getattr(b, INDEXES[part])
        if x and y:
            if x == y:
                total += WEIGHTS[part]
                matched.append(part)
            else:
                total -= PENALTIES.get(part, 0)
                differs.append(part)
        elif part == "mother_name":
            total += WEIGHTS[part] / 2  # a missing mother's name neither helps nor hurts much
    if a.birth_year and b.birth_year:
        if abs(a.birth_year - b.birth_year) <= YEARS_APART:
            total += WEIGHTS["birth_year"]
            matched.append("birth_year")
        else:
            total -= PENALTIES["birth_year"]
            differs.append("birth_year")
    else:
        total += WEIGHTS["birth_year"] / 2
    for name in ("governorate", "sex"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y and x == y:
            total += WEIGHTS[name]
            matched.append(name)
        elif x and y:
            total -= PENALTIES.get(name, 0)
            differs.append(name)
    return max(0.0, min(1.0, round(total, 3))), matched, differs

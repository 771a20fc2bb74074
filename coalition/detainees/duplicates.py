"""Likely duplicates among the documented persons; merging two files and undoing it."""

import json
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from typing import NamedTuple

from sqlalchemy import and_, or_, select

from coalition.database import db, utcnow
from coalition.detainees.matching import (
    MIN_SCORE,
    PENALTIES,
    WEIGHTS,
    YEARS_APART,
    Candidate,
    score,
)
from coalition.detainees.models import (
    PARTS_OF_PERSON,
    DetaineeMerge,
    NotSamePerson,
    Person,
)

#: the pairs of name parts two files must share to be compared at all
KEYS = (("bi_first", "bi_family"), ("bi_first", "bi_father"), ("bi_father", "bi_family"))


def _not_same(ids) -> set[tuple[int, int]]:
    """The pairs among (or touching) `ids` already judged to be different people."""
    query = select(NotSamePerson.low_id, NotSamePerson.high_id).where(
        NotSamePerson.deleted_at.is_(None))
    if ids is not None:
        ids = list(ids)
        query = query.where(or_(NotSamePerson.low_id.in_(ids), NotSamePerson.high_id.in_(ids)))
    return {(row[0], row[1]) for row in db.session.execute(query)}


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


#: the columns compared, read without decrypting anything
_COMPARED = (Person.id, Person.office_id, Person.bi_first, Person.bi_father, Person.bi_family,
             Person.bi_mother, Person.birth_year, Person.governorate, Person.sex)


class Compared(NamedTuple):
    """One row of the compared columns, as a light tuple (score() reads it 10× faster than a
    database row)."""

    id: int
    office_id: int
    bi_first: str | None
    bi_father: str | None
    bi_family: str | None
    bi_mother: str | None
    birth_year: int | None
    governorate: str | None
    sex: str | None


def candidates(person: Person, office_id: int | None = None, min_score: float = MIN_SCORE,
               limit: int = 20) -> list[Candidate]:
    """The files on record that may be the same person (within `office_id` if given), best
    first; pairs judged different are left out."""
    conditions = [and_(*(getattr(Person, column) == getattr(person, column)
                         for column in key))
                  for key in KEYS if all(getattr(person, column) for column in key)]
    if not conditions:
        return []
    # scored on the blind indexes; only the files listed are loaded (and their names decrypted)
    query = select(*_COMPARED).where(Person.deleted_at.is_(None), or_(*conditions))
    if person.id is not None:
        query = query.where(Person.id != person.id)
    if office_id is not None:
        query = query.where(Person.office_id == office_id)
    judged = _not_same([person.id]) if person.id is not None else set()
    scored = []
    for row in db.session.execute(query.limit(500)):
        other = Compared(*row)
        if person.id is not None and _pair(person.id, other.id) in judged:
            continue
        value, matched, differs = score(person, other)
        if value >= min_score:
            scored.append((value, other.id, matched, differs))
    scored.sort(key=lambda found: (-found[0], found[1]))
    scored = scored[:limit]
    files = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_([found[1] for found in scored])))} if scored else {}
    return [Candidate(files[other_id], value, matched, differs)
            for value, other_id, matched, differs in scored]


def _ruled_out_alone(component: str, min_score: float) -> bool:
    """True if a contradiction on this component alone keeps any pair below `min_score`."""
    return 1 - WEIGHTS[component] - PENALTIES.get(component, 0) < min_score


def _comparable(members: list[Compared], min_score: float) -> Iterator[tuple[int, int]]:
    """The pairs of a bucket that may reach `min_score`: where a different sex or birth years
    more than YEARS_APART apart rule a pair out by themselves, they are never scored."""
    by_sex: dict[str | None, list[Compared]] = defaultdict(list)
    split = _ruled_out_alone("sex", min_score)
    for row in members:
        by_sex[row.sex if split else None].append(row)
    if split and None in by_sex:  # no sex given: compared with everyone (not in our forms)
        unknown = by_sex.pop(None)
        groups = [unknown + rows for rows in by_sex.values()] or [unknown]
    else:
        groups = list(by_sex.values())
    window = _ruled_out_alone("birth_year", min_score)
    for group in groups:
        if not window:
            yield from ((a.id, b.id) for a, b in combinations(group, 2))
            continue
        dated = sorted(((r.birth_year, r) for r in group if r.birth_year),
                       key=lambda item: item[0])
        undated = [r for r in group if not r.birth_year]
        for n, (year, a) in enumerate(dated):
            for other_year, b in dated[n + 1:]:
                if other_year - year > YEARS_APART:
                    break
                yield a.id, b.id
        for n, a in enumerate(undated):
            yield from ((a.id, b.id) for b in (*undated[n + 1:], *(r for _y, r in dated)))


def all_pairs(min_score: float = MIN_SCORE, office_id: int | None = None
              ) -> list[tuple[int, int, float, list[str]]]:
    """Every candidate pair on record (a_id < b_id, score, what matched), best first."""
    query = select(*_COMPARED).where(Person.deleted_at.is_(None))
    if office_id is not None:
        query = query.where(Person.office_id == office_id)
    rows = {row.id: Compared(*row) for row in db.session.execute(query)}
    buckets: dict[tuple, list[Compared]] = defaultdict(list)
    for row in rows.values():
        for n, key in enumerate(KEYS):
            values = tuple(getattr(row, column) for column in key)
            if all(values):
                buckets[(n, *values)].append(row)
    judged = _not_same(None)
    seen: set[tuple[int, int]] = set()
    pairs = []
    for members in buckets.values():
        for pair in _comparable(members, min_score):
            a, b = _pair(*pair)
            if (a, b) in seen or (a, b) in judged:
                continue
            seen.add((a, b))
            value, matched, _differs = score(rows[a], rows[b])
            if value >= min_score:
                pairs.append((a, b, value, matched))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs


def merge(kept: Person, merged: Person) -> DetaineeMerge:
    """Make two files one: the kept file takes every status change, episode, informant,
    consent and support of the other, which goes to the trash; undoable."""
    if kept.id == merged.id:
        raise ValueError("a file cannot be merged with itself")
    moved: dict[str, list[int]] = {}
    for model in PARTS_OF_PERSON:
        parts = list(db.session.scalars(select(model).where(model.person_id == merged.id)))
        moved[model.__tablename__] = [part.id for part in parts]
        for part in parts:
            part.person = kept
    merged.merged_into_id = kept.id
    merged.deleted_at = utcnow()
    record = DetaineeMerge(kept=kept, merged=merged, office_id=kept.office_id,
                           moved=json.dumps(moved))
    db.session.add(record)
    db.session.flush()
    kept.refresh_figures()
    merged.refresh_figures()
    return record


def undo_merge(record: DetaineeMerge) -> None:
    """Give the merged file back everything it brought, and take it out of the trash."""
    if record.undone_at is not None:
        raise ValueError("this merge was already undone")
    merged = record.merged
    for model in PARTS_OF_PERSON:
        ids = record.moved_ids.get(model.__tablename__, [])
        for part in db.session.scalars(select(model).where(model.id.in_(ids))) if ids else ():
            part.person = merged
    merged.deleted_at = None
    merged.merged_into_id = None
    record.undone_at = utcnow()
    db.session.flush()
    record.kept.refresh_figures()
    merged.refresh_figures()


def not_same(a: Person, b: Person) -> NotSamePerson:
    """Remember that two files are different people, so the pair is not proposed again."""
    low, high = _pair(a.id, b.id)
    found = db.session.scalar(select(NotSamePerson).where(
        NotSamePerson.low_id == low, NotSamePerson.high_id == high))
    if found is None:
        found = NotSamePerson(low_id=low, high_id=high, office_id=a.office_id)
        db.session.add(found)
    found.deleted_at = None
    return found

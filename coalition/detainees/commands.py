"""`flask detainee-duplicates`: every likely pair of files of the same person."""

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from coalition.database import db
from coalition.detainees.duplicates import all_pairs
from coalition.detainees.matching import MIN_SCORE
from coalition.detainees.models import Person


@click.command("detainee-duplicates")
@with_appcontext
@click.option("--min-score", type=click.FloatRange(0, 1), default=MIN_SCORE, show_default=True,
              help="The score (0–1) from which a pair is listed.")
@click.option("--json", "as_json", is_flag=True, help="Print the pairs as JSON.")
@click.option("--reindex", is_flag=True,
              help="Recompute every blind index first (after DETAINEE_INDEX_KEY changed).")
def detainee_duplicates(min_score: float, as_json: bool, reindex: bool) -> None:
    """List the pairs of documented persons that may be the same person (names decrypted
    for the operator; the import never merges on its own)."""
    if reindex:
        for person in db.session.scalars(select(Person)):
            person.reindex()
        db.session.commit()
    pairs = all_pairs(min_score)
    ids = {i for a, b, _score, _matched in pairs for i in (a, b)}
    found = db.session.scalars(select(Person).where(Person.id.in_(ids))) if ids else ()
    persons: dict[int, Person] = {p.id: p for p in found}

    def side(person_id: int) -> dict:
        person = persons[person_id]
        return {"reference": person.reference, "name": person.name()}

    result = [{"a": side(a), "b": side(b), "score": value, "matched": matched}
              for a, b, value, matched in pairs]
    if as_json:
        click.echo(json.dumps({"pairs": result}, ensure_ascii=False))
        return
    for a, b, value, _matched in pairs:
        click.echo(f"{value:.2f}  {persons[a].reference} {persons[a].name()}  ~  "
                   f"{persons[b].reference} {persons[b].name()}")
    click.echo(_("%(n)d likely pairs.", n=len(result)))

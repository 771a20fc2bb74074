"""`flask reporting submit|approve|return|reopen OFFICE YYYY-MM` for operators."""

import datetime as dt

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from coalition.database import Refused, db
from coalition.offices.models import Office
from coalition.reporting.workflow import MOVES, move


@click.command("reporting")
@click.argument("action", type=click.Choice(tuple(MOVES)))
@click.argument("office")
@click.argument("month", metavar="YYYY-MM")
@click.option("--reason", default="", help="Why (needed to return or reopen a month).")
@with_appcontext
def reporting(action: str, office: str, month: str, reason: str) -> None:
    """Submit, approve, return or reopen an office's month (office by code or name)."""
    try:
        first = dt.datetime.strptime(month.strip(), "%Y-%m").date()
    except ValueError:
        raise click.UsageError(_("Give the month as YYYY-MM, e.g. 2024-03.")) from None
    found = db.session.scalars(select(Office).where(
        or_(Office.code == office, Office.name_ar == office, Office.name_en == office))).first()
    if found is None:
        raise click.UsageError(_("No office with code or name %(code)s.", code=office))
    try:
        move(None, action, found.id, first, reason)
    except Refused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(_("%(month)s of %(office)s: done.", month=month, office=found))

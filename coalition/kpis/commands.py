"""`flask kpis`: the same figures as the API, on the command line."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from coalition.access import RULES
from coalition.database import db
from coalition.kpis import rollups
from coalition.kpis.definitions import BY_KEY
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.targets.progress import targets_json
from coalition.kpis.visibility import Audience, Reader, figure_set


def _audience(username: str | None, role: str | None, office: int | None) -> Audience:
    """Whom the figures are for: a user, a role (and office), or the operator (everything)."""
    from coalition.accounts.models import User

    if username and role:
        raise click.UsageError("--user or --as-role, not both.")
    if username:
        user = db.session.scalars(select(User).filter_by(username=username)).one_or_none()
        if user is None:
            raise click.UsageError(f"--user: there is no user called {username}.")
        return Audience.of(user)
    if role:
        if role == "coordinator" and office is None:
            raise click.UsageError("--as-role coordinator needs --as-office.")
        return Audience.of(Reader(role, office))
    return Audience.operator()


@click.command("kpis")
@click.option("--year", help="The year (or, with --quarter, the quarter's year).")
@click.option("--quarter", help="1 to 4, with --year.")
@click.option("--month", help="1 to 12, with --year.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of the period.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of the period.")
@click.option("--office", help="Office id.")
@click.option("--track", help="Track id.")
@click.option("--project", help="Project id.")
@click.option("--campaign", help="Campaign id: only its work and the figures it cites.")
@click.option("--user", "username", help="Print what this user sees (default: everything).")
@click.option("--as-role", "role", type=click.Choice(sorted(RULES)),
              help="Print what this role sees (default: everything).")
@click.option("--as-office", "as_office", type=int, help="The office of --as-role coordinator.")
@click.option("--approved", is_flag=True, help="Only records in approved months.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def kpis(year: str | None, quarter: str | None, month: str | None, start: str | None,
         end: str | None, office: str | None, track: str | None, project: str | None,
         campaign: str | None, username: str | None, role: str | None,
         as_office: int | None, approved: bool, as_json: bool) -> None:
    """Print every KPI, computed from the records, under the filters given."""
    audience = _audience(username, role, as_office)
    args = {"year": year, "quarter": quarter, "month": month, "from": start, "to": end,
            "office": office, "track": track, "project": project, "campaign": campaign,
            "approved": "1" if approved else None}
    try:
        filters = Filters.parse({k: v for k, v in args.items() if v})
    except FilterError as error:  # in the default language, as every command speaks
        raise click.UsageError(str(error)) from None
    shown = figure_set(audience, filters)
    if as_json:
        click.echo(current_app.json.dumps({"filters": filters.as_dict(), **shown.as_json(),
                                           "targets": targets_json(filters, audience)}))
        return
    for key in shown.values:
        click.echo(f"{key:45} {shown.shown(key):>10}  {BY_KEY[key].label}")


@click.command("rebuild-rollups")
@click.option("--check", is_flag=True, help="Only report the differences; change nothing.")
@with_appcontext
def rebuild_rollups(check: bool) -> None:
    """Recompute the KPI rollups from the records and report any difference."""
    differences = rollups.rebuild(check_only=check)
    db.session.commit()
    for difference in differences:
        click.echo(f"{difference.table}: {difference.cells} cells differed")
        for column, (held, computed) in difference.figures.items():
            click.echo(f"  {column}: held {held:g}, records say {computed:g}")
    if not differences:
        click.echo("The rollups matched the records.")
    elif check:
        raise SystemExit(1)


def rebuild_stale() -> list[str]:
    """Recompute the rollups left stale by a schema or definitions change (after init-db's
    upgrade); say which."""
    models = rollups.stale()
    if models:
        rollups.rebuild(models)
        db.session.commit()
    return [f"{rollups.ROLLUPS[model].table.name}: recomputed" for model in models]

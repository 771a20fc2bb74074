"""`flask kpis`: the same figures as the API, on the command line."""

import click
from flask import current_app
from flask.cli import with_appcontext

from coalition.kpis.definitions import BY_KEY
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.queries import compute


@click.command("kpis")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of the period.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of the period.")
@click.option("--office", help="Office id.")
@click.option("--track", help="Track id.")
@click.option("--project", help="Project id.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def kpis(start: str | None, end: str | None, office: str | None, track: str | None,
         project: str | None, as_json: bool) -> None:
    """Print every KPI, computed from the records, under the filters given."""
    args = {"from": start, "to": end, "office": office, "track": track, "project": project}
    try:
        filters = Filters.parse({k: v for k, v in args.items() if v})
    except FilterError as error:  # in the default language, as every command speaks
        raise click.UsageError(str(error)) from None
    values = compute(filters)
    if as_json:
        click.echo(current_app.json.dumps({"filters": filters.as_dict(), "kpis": values}))
        return
    for key, value in values.items():
        click.echo(f"{key:45} {value:>10}  {BY_KEY[key].label}")

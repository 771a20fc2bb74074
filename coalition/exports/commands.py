"""`flask export-donor`: the donor workbook, written to a file from the command line."""

import getpass

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from coalition.exports.donor import DonorWorkbook
from coalition.i18n import language
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.visibility import suppress_below


@click.command("export-donor")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of the period.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of the period.")
@click.option("--office", help="Office id (default: the whole coalition).")
@click.option("--track", help="Track id.")
@click.option("--project", help="Project id.")
@click.option("--lang", help="Language of the labels: ar, en or tr (default: the language "
                                "commands speak: COALITION_LANG, else LANG, else Arabic).")
@click.option("--suppress-below", "below", type=click.IntRange(min=0),
              help="Hide case breakdowns below this, and enough others that they cannot be "
                   "worked out (0: off; default: DONOR_SUPPRESS_BELOW, else 5).")
@click.option("--approved", is_flag=True, help="Only records in approved months.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The .xlsx file to write.")
@with_appcontext
def export_donor(start: str | None, end: str | None, office: str | None, track: str | None,
                 project: str | None, lang: str | None, below: int | None,
                 approved: bool, output: str) -> None:
    """Write the donor workbook of a period (and an office, track or project) to a file."""
    languages = current_app.config["LANGUAGES"]
    lang = lang or language()
    if lang not in languages:
        raise click.UsageError(f"--lang: {', '.join(languages)}")
    args = {"from": start, "to": end, "office": office, "track": track, "project": project,
            "approved": "1" if approved else None}
    with force_locale(lang):
        try:
            filters = Filters.parse({k: v for k, v in args.items() if v})
        except FilterError as error:
            raise click.UsageError(str(error)) from None
        workbook = DonorWorkbook(filters, generated_by=f"{getpass.getuser()} (flask "
                                                       "export-donor)",
                                 below=suppress_below() if below is None else below)
        workbook.save(output)
        rows = sum(rows for _title, _about, rows in workbook.contents[1:])
        click.echo(_("Wrote %(file)s: %(sheets)d sheets, %(rows)d records.", file=output,
                     sheets=len(workbook.contents) + 1, rows=rows))

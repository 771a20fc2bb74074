"""`flask annual-report --year YYYY -o FILE.pdf`: the annual report as a PDF."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from coalition.database import db
from coalition.kpis.visibility import Audience
from coalition.offices.models import Office
from coalition.reports.annual import annual_report as build_report
from coalition.reports.pdf import PdfError, inline_css, write_pdf
from coalition.reports.routes import render_report


@click.command("annual-report")
@click.option("--year", type=click.IntRange(1900, 2999), required=True,
              help="The year of the report.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The PDF file to write.")
@click.option("--lang", type=click.Choice(["ar", "en", "tr"]), default="ar", show_default=True,
              help="The language of the report.")
@click.option("--office", default=None, help="An office's code: its report instead of the "
                                             "coalition's.")
@with_appcontext
def annual_report(year: int, output: Path, lang: str, office: str | None) -> None:
    """Write the annual report of YEAR as a PDF (printed by headless Chromium)."""
    chosen = None
    if office:
        chosen = db.session.scalar(select(Office).where(Office.code == office,
                                                        Office.deleted_at.is_(None)))
        if chosen is None:
            raise click.BadParameter(_("There is no office with the code %(code)s.", code=office),
                                     param_hint="--office")
    with current_app.test_request_context("/reports/annual", headers={
            "Accept-Language": lang}), force_locale(lang):
        report = build_report(year, Audience.operator(), chosen)
        html = render_report(report, pdf=True, inline_css=inline_css())
    try:
        write_pdf(html, output)
    except PdfError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("The annual report is written to %(file)s.", file=output))

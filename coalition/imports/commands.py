"""`flask import-template FILE` and `flask import FILE [--dry-run] [--office CODE]`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select

from coalition.accounts.models import User
from coalition.database import db
from coalition.imports.importer import (
    CREATED,
    SKIPPED,
    UPDATED,
    Actor,
    Report,
    import_workbook,
    own_office_only,
)
from coalition.imports.template import build_template
from coalition.imports.values import named_index
from coalition.imports.workbook import max_bytes
from coalition.normalize import fold
from coalition.offices.models import Office, Project, Track


def _language(lang: str | None) -> str:
    """--lang if given, else the language every command speaks (COALITION_LANG, LANG, Arabic)."""
    languages = current_app.config["LANGUAGES"]
    if lang is None:
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]).split("_")[0]
    if lang not in languages:
        raise click.UsageError(f"--lang: {', '.join(languages)}")
    return lang


def _live(model, order) -> list:
    return list(db.session.scalars(select(model).where(model.deleted_at.is_(None))
                                   .order_by(order)))


@click.command("import-template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", help="Language of the column labels (default: the commands' one).")
@with_appcontext
def import_template(path: Path, lang: str | None) -> None:
    """Write the import template workbook to PATH."""
    with force_locale(_language(lang)):
        data = build_template(_live(Office, Office.name_ar), _live(Track, Track.number),
                              _live(Project, Project.code))
        path.write_bytes(data)
        click.echo(_("Import template written to %(path)s.", path=path))


def _print(report: Report, verbose: bool) -> None:
    """The report on the terminal: problems on stderr, counts (and rows) on stdout."""
    for problem in report.problems:
        place = problem.where()
        click.echo(f"{place}: {problem.message}" if place else problem.message, err=True)
    if report.problems:
        click.echo(_("Nothing was written. Correct these problems and import the workbook "
                     "again."), err=True)
        click.echo(_("Problems found: %(n)d.", n=len(report.problems)), err=True)
        return
    actions = {CREATED: _("Created"), UPDATED: _("Updated"), SKIPPED: _("Skipped")}
    for name, counts in report.counts():
        click.echo(f"{name:14}" + "  ".join(f"{actions[action]}: {counts[action]:>6}"
                                            for action in actions))
    if verbose:
        for row in report.rows:
            reason = f" ({row.reason})" if row.reason else ""
            day = f"{format_date(row.day, 'medium')} — " if row.day else ""
            click.echo(f"{row.sheet}!{row.row}: {actions[row.action]} {day}{row.summary}{reason}")
    if not report.rows:
        click.echo(_("The workbook's sheets have no rows to import."))
    elif report.dry_run:
        click.echo(_("Check only: nothing was written. This is what the import would do."))
    else:
        click.echo(_("The workbook was imported."))


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--office", "office_ref",
              help="Code or name of the office to import into (rows without one get it).")
@click.option("--user", "username",
              help="Import as this user: their rights apply and the records are theirs.")
@click.option("--lang", help="Language of the messages (default: the commands' one).")
@click.option("--verbose", "-v", is_flag=True, help="List every row and what was done with it.")
@with_appcontext
def import_command(path: Path, dry_run: bool, office_ref: str | None, username: str | None,
                   lang: str | None, verbose: bool) -> None:
    """Import a filled template workbook: every row checked first, then all or nothing."""
    language = _language(lang)
    with path.open("rb") as handle:
        data = handle.read(max_bytes() + 1)
    # a request context only so that the user acting is known to the records' stamps
    with current_app.test_request_context(), force_locale(language):
        user = None
        if username:
            user = db.session.scalar(select(User).where(User.username == username,
                                                        User.deleted_at.is_(None)))
            if user is None or not user.active:
                raise click.UsageError(_("No active user %(name)s.", name=username))
            login_user(user)
        office = None
        if office_ref:
            office_id = named_index(Office).get(fold(office_ref))
            if office_id is None:
                raise click.UsageError(_("No office with code or id %(code)s.",
                                         code=office_ref))
            office = db.session.get(Office, office_id)
        elif user is not None and own_office_only(user):
            office = user.office
        report = import_workbook(data, actor=Actor(user), office=office, dry_run=dry_run)
        _print(report, verbose)
    if not report.ok:
        raise SystemExit(1)


"""`flask import-template FILE` and `flask import FILE [--dry-run] [--office CODE]`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_login import login_user
from sqlalchemy import select

from coalition.accounts.models import User
from coalition.extensions import db
from coalition.imports.importer import Actor, Report, import_workbook, own_office_only
from coalition.imports.template import build_template
from coalition.imports.values import named_index
from coalition.imports.workbook import max_bytes
from coalition.normalize import fold
from coalition.offices.models import Office, Project, Track


def _language(lang: str | None) -> str:
    """The language asked for, or the app's default; refuse one the app does not speak."""
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if lang not in languages:
        raise click.UsageError(f"--lang must be one of {', '.join(languages)}.")
    return lang


def _live(model, order) -> list:
    return list(db.session.scalars(select(model).where(model.deleted_at.is_(None))
                                   .order_by(order)))


@click.command("import-template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", help="Language of the column labels (default: the app's).")
@with_appcontext
def import_template(path: Path, lang: str | None) -> None:
    """Write the import template workbook to PATH."""
    language = _language(lang)
    with current_app.test_request_context(headers={"Accept-Language": language}):
        data = build_template(_live(Office, Office.name_ar), _live(Track, Track.number),
                              _live(Project, Project.code))
    path.write_bytes(data)
    click.echo(f"Import template written to {path}.")


def _print(report: Report, verbose: bool) -> None:
    """The report on the terminal: problems on stderr, counts (and rows) on stdout."""
    for problem in report.problems:
        place = problem.where()
        click.echo(f"{place}: {problem.message}" if place else problem.message, err=True)
    if report.problems:
        click.echo(f"Nothing was written: {len(report.problems)} problem(s).", err=True)
        return
    for name, counts in report.counts():
        click.echo(f"{name:14} created {counts['created']:>7}  updated {counts['updated']:>7}"
                   f"  skipped {counts['skipped']:>7}")
    if verbose:
        for row in report.rows:
            reason = f" ({row.reason})" if row.reason else ""
            click.echo(f"{row.sheet}!{row.row}: {row.action} {row.summary}{reason}")
    if report.dry_run:
        click.echo("Dry run: nothing was written.")
    elif report.rows:
        click.echo("Imported.")
    else:
        click.echo("Nothing to import: the workbook's sheets have no rows.")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--office", "office_ref",
              help="Code or name of the office to import into (rows without one get it).")
@click.option("--user", "username",
              help="Import as this user: their rights apply and the records are theirs.")
@click.option("--lang", help="Language of the messages (default: the app's).")
@click.option("--verbose", "-v", is_flag=True, help="List every row and what was done with it.")
@with_appcontext
def import_command(path: Path, dry_run: bool, office_ref: str | None, username: str | None,
                   lang: str | None, verbose: bool) -> None:
    """Import a filled template workbook: every row checked first, then all or nothing."""
    language = _language(lang)
    with path.open("rb") as handle:
        data = handle.read(max_bytes() + 1)
    with current_app.test_request_context(headers={"Accept-Language": language}):
        user = None
        if username:
            user = db.session.scalar(select(User).where(User.username == username,
                                                        User.deleted_at.is_(None)))
            if user is None or not user.active:
                raise click.UsageError(f"No active user {username!r}.")
            login_user(user)  # the records are stamped with this user
        office = None
        if office_ref:
            office_id = named_index(Office).get(fold(office_ref))
            if office_id is None:
                raise click.UsageError(f"No office with code or name {office_ref!r}.")
            office = db.session.get(Office, office_id)
        elif own_office_only(user):
            office = user.office
        report = import_workbook(data, actor=Actor(user), office=office, dry_run=dry_run)
        _print(report, verbose)
    if not report.ok:
        raise SystemExit(1)


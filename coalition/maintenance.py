"""Operator commands: backups, restores, erasing old personal details, rotating the key."""

import shutil
import sqlite3
import subprocess
from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import delete, select, text

from coalition.crypto import cipher
from coalition.database import db
from coalition.evidence.models import Evidence


def _sqlite_path() -> str | None:
    """The database file when the database is SQLite, else None."""
    url = db.engine.url
    return url.database if url.get_backend_name() == "sqlite" else None


def _pg_url() -> str:
    """The PostgreSQL URL in the form pg_dump understands."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup(file: str) -> None:
    """Write a consistent copy of the database to FILE while the app keeps running."""
    if path := _sqlite_path():
        # SQLite's online backup API copies a consistent snapshot even mid-write
        with sqlite3.connect(path) as source, sqlite3.connect(file) as target:
            source.backup(target)
    else:
        if not shutil.which("pg_dump"):
            raise click.ClickException(_("pg_dump is not installed."))
        subprocess.run(["pg_dump", "--format=custom", f"--file={file}", _pg_url()], check=True)
    click.echo(_("Backup written to %(file)s.", file=file))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(file: str, yes: bool) -> None:
    """Replace the database with the backup in FILE."""
    if not yes:
        click.confirm(_("This replaces every record with the backup's. Continue?"), abort=True)
    db.session.remove()
    db.engine.dispose()
    if path := _sqlite_path():
        with sqlite3.connect(file) as source, sqlite3.connect(path) as target:
            source.backup(target)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                        f"--dbname={_pg_url()}", file], check=True)
    click.echo(_("Database restored from %(file)s.", file=file))


@click.command("purge-personal-data")
@click.option("--older-than-months", type=click.IntRange(min=1), required=True)
@click.option("--dry-run", is_flag=True)
@with_appcontext
def purge_personal_data(older_than_months: int, dry_run: bool) -> None:
    """Erase the personal details of cases closed more than N months ago; keep the case."""
    from coalition.cases.models import Case, CasePersonal

    today = date.today()
    months = today.year * 12 + today.month - 1 - older_than_months
    cutoff = date(months // 12, months % 12 + 1, 1)
    rows = db.session.scalars(
        select(CasePersonal).join(Case).where(Case.status == "closed", Case.closed_on < cutoff)
    ).all()
    rows = [row for row in rows if row.full_name or row.phone or row.id_number or row.notes]
    if not dry_run:
        for row in rows:
            row.full_name = row.phone = row.id_number = row.notes = ""
        # a closed case's files are personal data too: erased with its details
        closed = select(Case.id).where(Case.status == "closed", Case.closed_on < cutoff)
        db.session.execute(delete(Evidence).where(Evidence.record_type == Case.__tablename__,
                                                  Evidence.record_id.in_(closed)))
        db.session.commit()
    message = (_("Would erase the personal details of %(n)d cases closed before %(date)s.")
               if dry_run else
               _("Erased the personal details of %(n)d cases closed before %(date)s."))
    click.echo(message % {"n": len(rows), "date": cutoff.isoformat()})


@click.command("rotate-case-key")
@with_appcontext
def rotate_case_key() -> None:
    """Re-encrypt every case's personal details with the newest key of CASE_DATA_KEYS."""
    from coalition.crypto import rotate

    # plain SQL reads the stored tokens as they are, without decrypting them
    rows = db.session.execute(
        text("SELECT id, full_name, phone, id_number, notes FROM case_personal")).all()
    for row in rows:
        db.session.execute(
            text("UPDATE case_personal SET full_name = :full_name, phone = :phone, "
                 "id_number = :id_number, notes = :notes WHERE id = :id"),
            {"id": row.id, **{name: rotate(getattr(row, name))
                              for name in ("full_name", "phone", "id_number", "notes")}})
    # testimonies' statements are kept under the same keys
    for row in db.session.execute(text("SELECT id, text FROM testimony_statements")).all():
        db.session.execute(text("UPDATE testimony_statements SET text = :text WHERE id = :id"),
                           {"id": row.id, "text": rotate(row.text)})
    files = db.session.execute(
        text("SELECT id, content FROM evidence WHERE encrypted = :yes"), {"yes": True}).all()
    for row in files:
        db.session.execute(text("UPDATE evidence SET content = :content WHERE id = :id"),
                           {"id": row.id, "content": cipher().rotate(bytes(row.content))})
    db.session.commit()
    click.echo(_("Re-encrypted the personal details of %(n)d cases with the newest key.",
                 n=len(rows)))

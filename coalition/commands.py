"""Command-line tasks: set up the database, add users, load the demo data."""

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade

from coalition.choices import ROLES
from coalition.database import db


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Bring the database to the current schema (creates it, or upgrades it in place)."""
    upgrade()
    # what the factory asks to follow an upgrade (the KPI rollups a change left stale)
    for step in current_app.extensions.get("after_upgrade", ()):
        for line in step():
            click.echo(line)
    click.echo(_("Database is at the current schema."))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES.codes), required=True)
@click.option("--office", "office_code", help="Office code or id (coordinators).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
def create_user(username: str, role: str, office_code: str | None, password: str,
                display_name: str) -> None:
    """Add a user with a role (and an office for coordinators)."""
    from coalition.accounts.models import User
    from coalition.accounts.passwords import password_problem
    from coalition.offices.models import Office

    if problem := password_problem(password):
        raise click.UsageError(problem)
    office = None
    if office_code:
        office = db.session.execute(db.select(Office).where(
            (Office.code == office_code) | (Office.id == (int(office_code)
                                                          if office_code.isdecimal() else -1))
        )).scalar_one_or_none()
        if office is None:
            raise click.UsageError(_("No office with code or id %(code)s.", code=office_code))
    if role == "coordinator" and office is None:
        raise click.UsageError(_("A coordinator needs --office."))
    if db.session.execute(db.select(User).where(User.username == username)).scalar():
        raise click.UsageError(_("User %(name)s already exists.", name=username))
    user = User(username=username, role=role, office=office, display_name=display_name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(_("Created %(role)s %(name)s.", role=ROLES.label(role), name=username))


@click.command("demo")
@with_appcontext
@click.option("--password", help="Password of the demo users (else a random one is printed).")
def demo(password: str | None) -> None:
    """Load the demo dataset of the annual report (running it twice adds nothing)."""
    from coalition.demo import load_demo

    password = password or secrets.token_urlsafe(12)
    if load_demo(password):
        click.echo(_("Demo data loaded."))
    else:
        click.echo(_("Demo data is already there; nothing added."))
    click.echo(_("Sign in at %(url)s as admin, leadership, coordinator or donor with the "
                 "password: %(password)s", url="http://127.0.0.1:5000/login", password=password))

"""`flask set-target KEY VALUE --year YYYY [--quarter Q] [--office CODE] [--project CODE]`."""

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from coalition.database import Refused, db
from coalition.fields import problems
from coalition.kpis.targets.models import Target
from coalition.kpis.targets.progress import find
from coalition.offices.models import Office, Project


def _named(model, code: str | None):
    """The office or project of this code (or name); None for none; a usage error if unknown."""
    if code is None:
        return None
    found = db.session.scalars(select(model).where(
        model.deleted_at.is_(None),
        or_(model.code == code, model.name_ar == code, model.name_en == code))).first()
    if found is None:
        what = "office" if model is Office else "project"
        raise click.UsageError(f"--{what}: there is no {what} with code or name {code}.")
    return found


@click.command("set-target")
@click.argument("key")
@click.argument("value", type=float)
@click.option("--year", type=int, required=True, help="The year of the target.")
@click.option("--quarter", type=click.IntRange(1, 4), help="1 to 4 (none: the whole year).")
@click.option("--office", help="Office code or name (none: the whole coalition).")
@click.option("--project", help="Project code or name.")
@with_appcontext
def set_target(key: str, value: float, year: int, quarter: int | None, office: str | None,
               project: str | None) -> None:
    """Set (or change) the target of a KPI for a year or quarter and a scope."""
    office_record, project_record = _named(Office, office), _named(Project, project)
    values = {"kpi": key, "year": year, "quarter": quarter, "value": value}
    found = problems(Target.fields, values)
    if found:
        raise click.UsageError("; ".join(f"{name}: {message}" for name, message in found))
    existing = find(year, quarter, office_record, project_record, keys=[key])
    target = existing[0] if existing else Target(kpi=key, year=year, quarter=quarter,
                                                 office=office_record,
                                                 project=project_record)
    before = None if not existing else target.value
    target.value = value
    db.session.add(target)
    try:
        db.session.commit()
    except Refused as refused:
        raise click.ClickException(str(refused)) from None
    period = f"{year}" + (f" Q{quarter}" if quarter else "")
    scope = " / ".join(str(r) for r in (office_record, project_record) if r) or "coalition"
    change = "set" if before is None else f"changed from {before:g}"
    click.echo(f"{key} {period} ({scope}): target {value:g} ({change}).")

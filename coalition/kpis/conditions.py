"""Conditions on a figure's records beyond its KPI definition, asked for by the filters.

- Approved months only (`Filters.approved`): only the records dated in a month their office
  has had approved (coalition.reporting), so a figure shown is one leadership has signed off;
  records not reported by month (partners, the directory) are counted as they are.
- With evidence (`Filters.evidenced`): only the records that have a file attached
  (coalition.evidence), for each card's evidence coverage.

Each is one more condition on the same KPI definitions (`record_conditions`), read from the
records: the rollups keep neither the reporting state nor the files.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists

from coalition.database import OfficeWork
from coalition.evidence.models import Evidence
from coalition.kpis.filters import Filters
from coalition.kpis.rollups import month_start
from coalition.reporting.models import APPROVED, ReportingMonth


def reported_by_month(model: Any) -> bool:
    """True for records an office reports month by month (and an approval locks)."""
    return issubclass(model, OfficeWork) and bool(model.fields.dated_by)


def approved_only(model: Any, filters: Filters) -> list:
    """The SQL condition keeping a model's records to approved office-months, if the filters
    ask for it (none otherwise, or for records not reported by month)."""
    if not getattr(filters, "approved", False) or not reported_by_month(model):
        return []
    day = getattr(model, model.fields.dated_by)
    return [exists().where(ReportingMonth.office_id == model.office_id,
                           ReportingMonth.month == month_start(day),
                           ReportingMonth.state == APPROVED,
                           ReportingMonth.deleted_at.is_(None))]


def with_evidence(model: Any, filters: Filters) -> list:
    """The SQL condition keeping a model's records to those with a file attached, if the
    filters ask for it."""
    if not getattr(filters, "evidenced", False):
        return []
    return [exists().where(Evidence.record_type == model.__tablename__,
                           Evidence.record_id == model.id, Evidence.deleted_at.is_(None))]


def record_conditions(model: Any, filters: Filters) -> list:
    """Every condition the filters put on a model's records beyond the KPI definitions."""
    return [*approved_only(model, filters), *with_evidence(model, filters)]


def approved_note() -> str:
    """What the dashboard and the donor workbook say when only approved months count."""
    return _("Only records in months their office has had approved are counted (monthly "
             "reporting); partnerships and the directory, which are not reported by month, "
             "are counted in full.")

"""Figures limited to approved months: only the records dated in a month their office has had
approved (coalition.reporting), so a figure shown is one leadership has signed off.

It is one more condition on the same KPI definitions (`approved_only`), read from the records
(the rollups do not keep the reporting state); records not reported by month (partners, the
directory) are counted as they are.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists

from coalition.database import OfficeWork
from coalition.kpis.rollups import month_start
from coalition.reporting.models import APPROVED, ReportingMonth


def reported_by_month(model: type) -> bool:
    """True for records an office reports month by month (and an approval locks)."""
    return issubclass(model, OfficeWork) and bool(model.fields.dated_by)


def approved_only(model: Any, filters: Any) -> list:
    """The SQL condition keeping a model's records to approved office-months, if the filters
    ask for it (none otherwise, or for records not reported by month)."""
    if not getattr(filters, "approved", False) or not reported_by_month(model):
        return []
    day = getattr(model, model.fields.dated_by)
    return [exists().where(ReportingMonth.office_id == model.office_id,
                           ReportingMonth.month == month_start(day),
                           ReportingMonth.state == APPROVED,
                           ReportingMonth.deleted_at.is_(None))]


def approved_note() -> str:
    """What the dashboard and the donor workbook say when only approved months count."""
    return _("Only records in months their office has had approved are counted (monthly "
             "reporting); partnerships and the directory, which are not reported by month, "
             "are counted in full.")

"""Conditions on a figure's records beyond its KPI definition, asked for by the filters.

- Approved months only (`Filters.approved`): only the records dated in a month their office
  has had approved (coalition.reporting), so a figure shown is one leadership has signed off;
  records not reported by month (partners, the directory) are counted as they are.
- With evidence (`Filters.evidenced`): only the records that have a file attached
  (coalition.evidence), for each card's evidence coverage.
- Published only (`Filters.published`, set by `visibility` for readers who may not read
  monitoring figures, and for donor files): only the figures marked publishable.
- A campaign (`Filters.campaign`): only the work done for it (the meetings, events,
  awareness activities, videos and publications that name it) and the monitoring figures it
  cites; no other kind of record is a campaign's work, so those figures are nought.

Each is one more condition on the same KPI definitions (`record_conditions`), read from the
records: the rollups keep neither the reporting state, nor the files, nor the campaigns, so
a figure under any of these conditions is computed with the direct SQL (`queries`), which
the rollups reproduce exactly without them.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, false

from coalition.database import OfficeWork
from coalition.evidence.models import Evidence
from coalition.kpis.filters import Filters
from coalition.kpis.rollups import month_start
from coalition.monitoring.models import MonitoringFigure, cited_by
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


def campaign_only(model: Any, filters: Filters) -> list:
    """The SQL condition keeping a model's records to a campaign's work (or the figures it
    cites), if the filters name a campaign; a kind of record that is never campaign work
    keeps none."""
    campaign = filters.ids("campaign") if getattr(filters, "campaign", None) else None
    if campaign is None:
        return []
    if hasattr(model, "campaign_id"):
        return [model.campaign_id == campaign]
    if model is MonitoringFigure:
        return [cited_by(campaign)]
    return [false()]


def published_only(model: Any, filters: Filters) -> list:
    """The SQL condition keeping monitoring figures to those marked publishable, for readers
    who may not read the figures themselves (a figure leaves the app only when it may)."""
    if not getattr(filters, "published", False) or model is not MonitoringFigure:
        return []
    return [MonitoringFigure.publishable.is_(True)]


def record_conditions(model: Any, filters: Filters) -> list:
    """Every condition the filters put on a model's records beyond the KPI definitions."""
    return [*approved_only(model, filters), *with_evidence(model, filters),
            *campaign_only(model, filters), *published_only(model, filters)]


def conditions_key(filters: Filters) -> tuple:
    """What decides `record_conditions` (asks that share it share the conditions)."""
    campaign = filters.ids("campaign") if getattr(filters, "campaign", None) else None
    return (getattr(filters, "approved", False), getattr(filters, "evidenced", False),
            campaign, getattr(filters, "published", False))


def approved_note() -> str:
    """What the dashboard and the donor workbook say when only approved months count."""
    return _("Only records in months their office has had approved are counted (monthly "
             "reporting); partnerships and the directory, which are not reported by month, "
             "are counted in full.")


def campaign_note(campaign: Any) -> str:
    """What the dashboard and the donor workbook say when one campaign's work is counted."""
    return _("Only the work done for the campaign “%(name)s” and the monitoring figures it "
             "cites are counted; other records are not a campaign’s work.", name=campaign)

"""Imports every domain's models, so SQLAlchemy and Alembic see all tables."""

from coalition.accounts.models import User
from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.audit.models import AuditEntry
from coalition.cases.models import Case, CasePersonal
from coalition.contacts.models import Contact
from coalition.detainees.models import (
    Consent,
    DetaineeMerge,
    DetentionEpisode,
    ExternalBody,
    FamilySupport,
    Informant,
    NotSamePerson,
    Person,
    StatusChange,
)
from coalition.evidence.models import Evidence
from coalition.jobs.models import Job, JobFile
from coalition.kpis.targets.models import Target
from coalition.meetings.models import Meeting
from coalition.monitoring.models import (
    Campaign,
    Indicator,
    MonitoringFigure,
    Place,
    Testimony,
    TestimonyStatement,
)
from coalition.offices.models import Office, Project, Track
from coalition.partners.models import Partner
from coalition.publications.models import AdvocacyIssue, Publication
from coalition.reporting.models import ReportingMonth

__all__ = [
    "AdvocacyIssue", "AuditEntry", "AwarenessActivity", "Campaign", "Case", "CasePersonal",
    "Contact", "Event", "Evidence", "Indicator", "Job", "JobFile", "Meeting", "MonitoringFigure",
    "Office", "Partner", "Place", "Project", "Publication", "ReportingMonth", "Target",
    "Testimony", "TestimonyStatement", "Track", "Training", "User", "Video",
    # the Detainees Office
    "Consent", "DetaineeMerge", "DetentionEpisode", "ExternalBody", "FamilySupport",
    "Informant", "NotSamePerson", "Person", "StatusChange",
]

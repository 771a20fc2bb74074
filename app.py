"""The coalition web application: the factory, read as a table of contents.

`create_app()` lists every blueprint, every screen (in the order the menu shows them) and
every command; nothing registers itself as a side effect of being imported.
"""

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

import coalition.models  # noqa: F401  every table, before the database is touched
from coalition import commands, maintenance
from coalition.accounts.admin import UserView
from coalition.accounts.models import User
from coalition.accounts.routes import bp as accounts_pages
from coalition.activities.admin import AwarenessActivityView, EventView, TrainingView, VideoView
from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.assets import register_assets
from coalition.audit.admin import AuditView, TrashView
from coalition.audit.models import AuditEntry
from coalition.cases.admin import CaseView
from coalition.cases.models import Case
from coalition.compression import register_compression
from coalition.config import load_config
from coalition.contacts.admin import ContactView
from coalition.contacts.models import Contact
from coalition.database import db
from coalition.detainees.admin import (
    ConsentView,
    EpisodeView,
    ExternalBodyView,
    InformantView,
    PersonView,
    SupportView,
)
from coalition.detainees.commands import detainee_duplicates
from coalition.detainees.models import (
    Consent,
    DetentionEpisode,
    ExternalBody,
    FamilySupport,
    Informant,
    Person,
)
from coalition.errors import register_errorhandlers
from coalition.evidence.routes import bp as evidence_pages
from coalition.evidence.routes import trashed_files
from coalition.exports.commands import export_donor
from coalition.exports.external import bp as external_exports
from coalition.exports.jobs import DONOR_JOB, LIST_JOB
from coalition.exports.routes import bp as export_pages
from coalition.extensions import register_extensions
from coalition.home import HomeView
from coalition.i18n import register_i18n
from coalition.imports.commands import import_command, import_template
from coalition.imports.job import IMPORT_JOB
from coalition.imports.views import ImportView
from coalition.jobs.commands import jobs_group, serve
from coalition.jobs.models import DONOR, IMPORT, LIST
from coalition.jobs.queue import init_jobs
from coalition.jobs.views import JobView
from coalition.kpis.api import bp as kpi_api
from coalition.kpis.commands import kpis, rebuild_rollups, rebuild_stale
from coalition.kpis.targets.admin import TargetView
from coalition.kpis.targets.commands import set_target
from coalition.kpis.targets.models import Target
from coalition.kpis.views import DashboardView
from coalition.meetings.admin import MeetingView
from coalition.meetings.models import Meeting
from coalition.monitoring.admin import (
    CampaignView,
    IndicatorView,
    MonitoringFigureView,
    PlaceView,
    TestimonyView,
)
from coalition.monitoring.models import (
    Campaign,
    Indicator,
    MonitoringFigure,
    Place,
    Testimony,
)
from coalition.offices.admin import OfficeView, ProjectView, TrackView
from coalition.offices.models import Office, Project, Track
from coalition.partners.admin import PartnerView
from coalition.partners.models import Partner
from coalition.publications.admin import AdvocacyIssueView, PublicationView
from coalition.publications.models import AdvocacyIssue, Publication
from coalition.reporting.admin import ReportingView
from coalition.reporting.commands import reporting
from coalition.reports.commands import annual_report
from coalition.reports.routes import bp as report_pages
from coalition.security import register_security
from coalition.templating import register_template_globals
from coalition.views import RecordView, make_admin

BLUEPRINTS = (accounts_pages, kpi_api, export_pages, evidence_pages, external_exports,
              report_pages)

COMMANDS = (
    commands.init_db, commands.create_user, commands.demo,
    kpis, rebuild_rollups, export_donor, import_template, import_command, reporting,
    maintenance.backup, maintenance.restore, maintenance.purge_personal_data,
    maintenance.rotate_case_key, jobs_group, serve, set_target,
    detainee_duplicates, annual_report,
)

#: what `flask init-db` does after bringing the schema up to date
AFTER_UPGRADE = (rebuild_stale,)

#: the work that runs off the web workers, and who may follow it
JOB_KINDS = {IMPORT: IMPORT_JOB, DONOR: DONOR_JOB, LIST: LIST_JOB}


def screens() -> list:
    """Every screen, in the order of the menu (new view objects for each app)."""
    work, directory = _l("Office work"), _l("Directory")
    advocacy, administration = _l("Publications and advocacy"), _l("Administration")
    return [
        DashboardView(name=_l("Dashboard"), endpoint="dashboard", url="/dashboard"),
        MeetingView(Meeting, endpoint="meetings", category=work),
        TrainingView(Training, endpoint="trainings", category=work),
        VideoView(Video, endpoint="videos", category=work),
        AwarenessActivityView(AwarenessActivity, endpoint="awareness_activities", category=work),
        EventView(Event, endpoint="events", category=work),
        CaseView(Case, endpoint="cases", category=work),
        *detainees_screens(),
        PartnerView(Partner, endpoint="partners", category=directory),
        ContactView(Contact, endpoint="contacts", category=directory),
        PublicationView(Publication, endpoint="publications", category=advocacy),
        AdvocacyIssueView(AdvocacyIssue, endpoint="advocacy_issues", category=advocacy),
        *monitoring_screens(),
        ImportView(name=_l("Import from Excel"), endpoint="imports", url="/import"),
        ReportingView(name=_l("Monthly reporting"), endpoint="reporting", url="/reporting"),
        TargetView(Target, endpoint="targets"),
        OfficeView(Office, endpoint="offices", category=administration),
        TrackView(Track, endpoint="tracks", category=administration),
        ProjectView(Project, endpoint="projects", category=administration),
        UserView(User, endpoint="users", category=administration),
        AuditView(AuditEntry, db, name=_l("Audit trail"), endpoint="audit", url="/audit",
                  category=administration),
        TrashView(record_views, trashed_files, name=_l("Trash"), endpoint="trash", url="/trash",
                  category=administration),
        JobView(name=_l("My imports and downloads"), endpoint="jobs", url="/jobs"),
    ]


def monitoring_screens() -> list:
    """The monitoring and advocacy screens: figures from sources, testimonies, the campaigns
    that cite them, and their look-up lists."""
    monitoring = _l("Monitoring")
    return [
        MonitoringFigureView(MonitoringFigure, endpoint="monitoring_figures",
                             category=monitoring),
        TestimonyView(Testimony, endpoint="testimonies", category=monitoring),
        CampaignView(Campaign, endpoint="campaigns", category=monitoring),
        IndicatorView(Indicator, endpoint="monitoring_indicators", category=monitoring),
        PlaceView(Place, endpoint="monitoring_places", category=monitoring),
    ]


def detainees_screens() -> list:
    """The Detainees Office's screens, together in the menu."""
    office = _l("Detainees Office")
    return [
        PersonView(Person, endpoint="detainees", category=office),
        EpisodeView(DetentionEpisode, endpoint="detention_episodes", category=office),
        InformantView(Informant, endpoint="detainee_informants", category=office),
        ConsentView(Consent, endpoint="detainee_consents", category=office),
        SupportView(FamilySupport, endpoint="family_support", category=office),
        ExternalBodyView(ExternalBody, endpoint="external_bodies", category=office),
    ]


def record_views(admin) -> list[RecordView]:
    """The screens of records (those the trash can restore to)."""
    return [view for view in admin._views if isinstance(view, RecordView)]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, pages, screens, commands."""
    # COALITION_INSTANCE_PATH moves the instance folder (keys, SQLite file) out of the checkout
    instance_path = os.environ.get("COALITION_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    register_extensions(app)
    register_i18n(app)
    register_template_globals(app)
    init_jobs(app, JOB_KINDS)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    admin = make_admin(app, HomeView(name=_l("Home"), url="/"))
    for screen in screens():
        admin.add_view(screen)
    register_errorhandlers(app)
    register_security(app)
    register_compression(app)
    register_assets(app)
    for command in COMMANDS:
        app.cli.add_command(command)
    app.extensions["after_upgrade"] = AFTER_UPGRADE
    return app


app = create_app()

"""KPIs: one definition per figure, computed by SQL; the dashboard, the API and the CLI."""

from flask_babel import lazy_gettext as _l


def register(admin) -> None:
    """Add the dashboard to the admin menu, and the KPI API and command to the app."""
    from coalition.kpis.api import bp
    from coalition.kpis.commands import kpis
    from coalition.kpis.views import DashboardView

    admin.add_view(DashboardView(name=_l("Dashboard"), endpoint="dashboard", url="/dashboard"))
    admin.app.register_blueprint(bp)
    admin.app.cli.add_command(kpis)

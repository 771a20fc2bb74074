"""KPIs: one definition per figure, computed by SQL; the dashboard, the API and the CLI."""

"""Blueprints of the pages outside the admin screens, and what every template may use."""

from flask import Flask

from coalition.choices import ROLES


def register_blueprints(app: Flask) -> None:
    """Sign-in and the other non-admin pages."""
    from coalition.accounts.routes import bp as accounts

    app.register_blueprint(accounts)

    @app.context_processor
    def template_globals() -> dict:
        return {"roles": ROLES, "available_endpoints": app.view_functions}

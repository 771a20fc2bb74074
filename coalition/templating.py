"""What every template may use."""

from flask import Flask

from coalition.choices import ROLES


def register_template_globals(app: Flask) -> None:
    """What every template may use: the roles and the endpoints that exist."""

    @app.context_processor
    def template_globals() -> dict:
        return {"roles": ROLES, "available_endpoints": app.view_functions}

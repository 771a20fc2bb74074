"""What every template may use."""

from flask import Flask

from coalition.choices import ROLES
from coalition.widgets import date_box, page_settings


def register_template_globals(app: Flask) -> None:
    """What every template may use: the roles, the endpoints that exist and the settings of
    the page's scripts."""

    @app.context_processor
    def template_globals() -> dict:
        return {"roles": ROLES, "available_endpoints": app.view_functions,
                "page_settings": page_settings, "date_box": date_box}

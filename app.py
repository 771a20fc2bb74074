"""The coalition web application: the factory, read as a table of contents."""

from flask import Flask

from coalition.admin import register_admin
from coalition.commands import register_commands
from coalition.config import load_config
from coalition.errors import register_errorhandlers
from coalition.extensions import register_extensions
from coalition.i18n import register_i18n
from coalition.security import register_security
from coalition.web import register_blueprints


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, screens, commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    register_extensions(app)
    register_i18n(app)
    register_blueprints(app)
    register_admin(app)
    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    return app


app = create_app()

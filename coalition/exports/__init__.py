"""Excel exports: the donor workbook (web and `flask export-donor`) and list exports."""


def register(admin) -> None:
    """Add the export routes, their template helpers and the command to the app."""
    from coalition.exports.commands import export_donor
    from coalition.exports.routes import bp

    admin.app.register_blueprint(bp)
    admin.app.cli.add_command(export_donor)

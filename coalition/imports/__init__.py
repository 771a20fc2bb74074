"""Import from Excel: the template workbook, the upload page and the `flask import` commands."""

from flask_babel import lazy_gettext as _l


def register(admin) -> None:
    """Add the import page to the admin menu, and the import commands to the app."""
    from coalition.imports.commands import import_command, import_template
    from coalition.imports.views import ImportView

    admin.add_view(ImportView(name=_l("Import from Excel"), endpoint="imports", url="/import"))
    admin.app.cli.add_command(import_template)
    admin.app.cli.add_command(import_command)

"""A record list's rows, written in Python rather than by Flask-Admin's row block.

Flask-Admin's template renders each row through a dozen nested blocks and macros, asking
for the same URLs, words and CSRF token again on every row: 0.25 ms a row, a third of a
list page's time, and 60 KB of whitespace for twenty rows. Here what is the same on every
row is worked out once a page, and each row is one join of strings, with the same markup
(classes, titles, the trash's confirmation) as the template's.
"""

from collections.abc import Callable
from typing import Any

from flask_admin.babel import gettext as admin_gettext
from flask_admin.model.template import DeleteRowAction, EditRowAction, ViewRowAction
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

#: the row actions written here; a screen with any other keeps Flask-Admin's template
WRITTEN = (ViewRowAction, EditRowAction, DeleteRowAction)


def _link(url: str, title: str, icon: str) -> str:
    return (f'<a class="icon" href="{url}" title="{title}">'
            f'<span class="{icon}"></span></a>')


def row_writer(view: Any, page: dict) -> Callable[[Any], Markup] | None:
    """A function writing one row of `page` (what Flask-Admin's index_view hands its list
    template), or None where the template must write them: an action or in-list editing
    this does not know."""
    actions = page.get("list_row_actions") or []
    if any(type(action) not in WRITTEN for action in actions) or page.get("list_forms"):
        return None
    get_url, get_pk = view.get_url, page["get_pk_value"]
    # the return address is the same for every row: its query is encoded once
    back = escape(get_url(".index_view", url=page["return_url"]).partition("?")[2])
    # each action's title, by its kind: the row actions offered
    titles = {type(action): escape(str(action.title or "")) for action in actions}
    view_url = get_url(".details_view") if ViewRowAction in titles else ""
    edit_url = get_url(".edit_view") if EditRowAction in titles else ""
    delete = ""
    if DeleteRowAction in titles:
        confirm = escape(_("Move this record to the trash?"))
        delete = (f'<form class="icon" method="POST" action="{get_url(".delete_view")}">'
                  '<input name="id" type="hidden" value="{id}">'
                  f'<input name="url" type="hidden" value="{escape(page["return_url"])}">'
                  f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
                  f'<button type="submit" data-confirm="{confirm}"'
                  f' title="{escape(_("Move to the trash"))}">'
                  '<span class="fa fa-trash" aria-hidden="true"></span></button></form>')
    checkbox = ('<td><input type="checkbox" name="rowid" class="action-checkbox" value="{id}"'
                f' title="{escape(admin_gettext("Select record"))}"></td>'
                if page.get("actions") else "")
    columns = [(name, f'<td class="col-{escape(name)}">') for name, _label in page["list_columns"]]
    buttons = view.column_display_actions
    get_value = view.get_list_value
    writable: dict[Any, bool] = {}  # may_write by the row's office: asked once an office
    # a column without a formatter of its own shows a function of its value alone (a date,
    # a yes or no, an office): each value is formatted once a page
    by_value = {name for name, _label in page["list_columns"]
                if name not in view.column_formatters and "." not in name}
    shown: dict[tuple, Any] = {}

    def cell(row: Any, name: str) -> Any:
        if name not in by_value:
            return get_value(None, row, name)
        value = getattr(row, name, None)
        try:
            return shown[name, type(value), value]
        except KeyError:
            shown[name, type(value), value] = found = get_value(None, row, name)
            return found
        except TypeError:  # a value that cannot be a key (a list)
            return get_value(None, row, name)

    def write(row: Any) -> Markup:
        pk = escape(get_pk(row))
        parts = [checkbox.replace("{id}", pk)] if checkbox else []
        if buttons:
            icons = []
            if view_url:
                icons.append(_link(f"{view_url}?id={pk}&amp;{back}", titles[ViewRowAction],
                                   "fa fa-eye glyphicon glyphicon-eye-open"))
            scope = row.office_scope
            if (edit_url or delete) and scope not in writable:
                writable[scope] = view.may_write(row)
            if edit_url and writable[scope]:
                icons.append(_link(f"{edit_url}?id={pk}&amp;{back}", titles[EditRowAction],
                                   "fa fa-pencil glyphicon glyphicon-pencil"))
            if delete and writable[scope]:
                icons.append(delete.replace("{id}", pk))
            # apart as the template sets them (its line breaks are a space between icons)
            parts += ('<td class="list-buttons-column">', " ".join(icons), "</td>")
        for name, opening in columns:
            parts += (opening, escape(cell(row, name)), "</td>")
        return Markup("".join(parts))

    return write

"""List exports: every row an admin list shows under its filters, search and sort.

The rows come from the view's own query (so its scope: no trash, a coordinator's cases
only their office's) with the list page's query arguments, streamed from the database
without a page limit. The columns are the list's, with its headings and coded labels.
"""

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from flask import current_app
from flask_admin.tools import rec_getattr
from openpyxl import Workbook
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text

from coalition.exports.cells import SheetWriter, csv_value, width_of, yes_no
from coalition.i18n import text_direction

#: rows loaded from the database at a time
BATCH = 1_000
#: columns never exported, whatever a list shows: personal details and secrets
NEVER = frozenset({"personal", "password_hash", "session_token"})


def record_view(endpoint: str) -> Any:
    """The record screen (a RecordView) with this endpoint, or None."""
    from coalition.views import RecordView

    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if isinstance(view, RecordView) and view.endpoint == endpoint:
                return view
    return None


class ListExport:
    """The rows of one admin list under the current request's list arguments."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self.columns = [(name, str(label)) for name, label in view._list_columns
                        if name.split(".")[0] not in NEVER]
        self.choices = {name: {code: str(label) for code, label in labels.items()}
                        for name, labels in view._column_choices_map.items()}

    def query(self) -> Any:
        """The list's query, as the list page builds it from the same arguments, unpaged."""
        view = self.view
        args = view._get_list_extra_args()
        sort = view._get_column_by_idx(args.sort)
        _count, query = view.get_list(0, sort[0] if sort else None, args.sort_desc,
                                      args.search, args.filters, execute=False, page_size=0)
        # rows stream in batches; a joined collection would need every row at once
        if not any(getattr(join.property, "uselist", False) for join in view._auto_joins):
            query = query.yield_per(BATCH)
        return query

    def value(self, model: Any, name: str) -> Any:
        """A cell's value: a coded value's label, a related record's name, or the value
        (none where the record withholds it: `Field.released_by`)."""
        declared = self.view.model.fields.get(name)
        if declared is not None and declared.released_by and not getattr(
                model, declared.released_by):
            return ""
        value = rec_getattr(model, name)
        if name in self.choices:
            return self.choices[name].get(value, value)
        if isinstance(value, list | tuple | set):
            return "; ".join(str(item) for item in value)
        return value

    def rows(self) -> Iterator[list]:
        """Every row of the list, as values."""
        for model in self.query():
            yield [self.value(model, name) for name, _label in self.columns]

    def widths(self) -> list[float]:
        """Column widths from the headings and what each column can hold."""
        widths = []
        for name, label in self.columns:
            if name in self.choices:
                data = max((len(label) for label in self.choices[name].values()), default=8)
            else:
                data = _room(getattr(self.view.model, name, None))
            widths.append(width_of([label, "x" * data]))
        return widths

    def xlsx(self, out: IO[bytes]) -> None:
        """Write the list as a workbook (write-only: rows go to disk as they come)."""
        workbook = Workbook(write_only=True)
        sheet = SheetWriter(workbook, str(self.view.name), rtl=text_direction() == "rtl")
        sheet.widths(self.widths())
        sheet.freeze(2)
        top = sheet.header([label for _name, label in self.columns])
        for row in self.rows():
            sheet.append(row)
        sheet.autofilter(top, len(self.columns))
        workbook.save(out)

    def csv(self) -> Iterator[bytes]:
        """The list as UTF-8 CSV with a byte-order mark (so Excel reads Arabic right)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(values) -> bytes:
            writer.writerow(values)
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text.encode("utf-8")

        yield "\ufeff".encode() + line([csv_value(label) for _name, label in self.columns])
        for row in self.rows():
            yield line([csv_value(value) for value in row])


def _room(attribute) -> int:
    """How many characters a column's values take, from its type."""
    prop = getattr(attribute, "property", None)
    columns = getattr(prop, "columns", None)
    if not columns:
        return 30  # a related record: its name
    kind = columns[0].type
    if isinstance(kind, Boolean):
        return max(len(yes_no(True)), len(yes_no(False)))
    if isinstance(kind, DateTime):
        return 16
    if isinstance(kind, Date):
        return 10
    if isinstance(kind, Integer | Numeric):
        return 10
    if isinstance(kind, String) and not isinstance(kind, Text) and kind.length:
        return min(kind.length, 50)
    return 50


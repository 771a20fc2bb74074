"""The donor workbook and long lists as background jobs, for whoever asked, while allowed."""

import io
import threading
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from coalition.exports.donor import DonorWorkbook
from coalition.exports.donor_sheets import DONOR_SHEETS
from coalition.exports.lists import ListExport, record_view
from coalition.exports.routes import (
    donor_file_name,
    list_file_name,
    may_download_donor_workbook,
    may_export_list,
)
from coalition.jobs import Kind, Refused
from coalition.jobs.models import RESULT, Job
from coalition.jobs.progress import Tracker
from coalition.jobs.store import put_file
from coalition.kpis.filters import FilterError, Filters
from coalition.kpis.visibility import Audience, suppress_below


def _donor_filters(user, job: Job) -> Filters | None:
    """The workbook's filters as asked, or None if they no longer parse."""
    try:
        return Filters.parse(job.params.get("args", {}), default_office=user.office_id)
    except FilterError:
        return None


def may_see_donor(user: Any, job: Job) -> bool:
    """Only whoever asked, while the rules still give them that workbook."""
    filters = _donor_filters(user, job)
    return (job.user_id == user.id and filters is not None
            and may_download_donor_workbook(user, filters))


def may_see_list(user: Any, job: Job) -> bool:
    """Only whoever asked, while they may still download that list."""
    return job.user_id == user.id and may_export_list(user, job.params.get("view", "")) is not None


def run_donor(job: Job, user: Any, tracker: Tracker) -> dict:
    """Build the donor workbook of the filters asked, if the user may still have it."""
    filters = _donor_filters(user, job)
    if filters is None or not may_download_donor_workbook(user, filters):
        raise Refused
    workbook = DonorWorkbook(filters, generated_by=str(user), below=suppress_below(),
                             audience=Audience.of(user))
    # the cover, the summary, one sheet per kind of record, then the targets' results
    total = len(DONOR_SHEETS) + 3
    tracker.set(sheets=0, sheets_total=total)
    out = io.BytesIO()
    with _watching(lambda: tracker.set(sheets=len(workbook.contents))):
        workbook.save(out)
    tracker.set(sheets=total)
    data = out.getvalue()
    put_file(job.id, RESULT, data, name=donor_file_name(filters))
    rows = sum(rows for _title, _about, rows in workbook.contents[1:])
    return {"sheets": total, "rows": rows, "size": len(data)}


def run_list(job: Job, user: Any, tracker: Tracker) -> dict:
    """Every row of a list under the list page's arguments, as xlsx or csv."""
    screen = may_export_list(user, job.params.get("view", ""))
    if screen is None:
        raise Refused

    class Counted(ListExport):
        """The list's rows, each one counted for the progress bar."""

        def rows(self):
            for row in super().rows():
                tracker("rows")
                yield row

    export = Counted(screen)
    tracker.set(rows=0, total=export.query().order_by(None).count())
    out = io.BytesIO()
    fmt = str(job.params.get("fmt"))
    if fmt == "csv":
        for chunk in export.csv():
            out.write(chunk)
    else:
        export.xlsx(out)
    tracker.flush()
    data = out.getvalue()
    put_file(job.id, RESULT, data, name=list_file_name(screen, fmt))
    return {"rows": tracker.counts.get("rows", 0), "size": len(data)}


def list_name(job: Job) -> str:
    """The name of the list a list export is of."""
    screen = record_view(job.params.get("view", ""))
    return str(screen.name) if screen is not None else ""


class _watching:
    """Call `look` twice a second in a thread while the block runs."""

    def __init__(self, look: Callable[[], None]) -> None:
        self.look = look
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self.look()

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join()


DONOR_JOB = Kind(run=run_donor, may_see=may_see_donor, title=_l("Donor workbook"))
LIST_JOB = Kind(run=run_list, may_see=may_see_list, title=_l("Download of a list"),
                subtitle=list_name)

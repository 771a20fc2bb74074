"""What each kind of job does, run as the user who asked, under the access rules again."""

import io
import re
import threading
import zipfile
from collections.abc import Callable

from coalition import access
from coalition.database import db
from coalition.jobs.models import DONOR, IMPORT, LIST, REPORT, RESULT, UPLOAD, Job
from coalition.jobs.progress import Tracker
from coalition.jobs.store import drop_file, put_file, read_file

#: the largest number of problems and rows an import's stored report keeps for its page
SHOWN_ROWS = 1000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
#: the most of a workbook's unpacked sheets read to count their rows (for the bar only)
_COUNT_AT_MOST = 64 * 1024 * 1024


class Refused(Exception):
    """The access rules no longer allow what was asked (asked again when the job runs)."""


def estimated_rows(data: bytes, names: set[str]) -> int | None:
    """About how many rows the workbook's import sheets hold (for the progress bar only).

    Each sheet's stated size (which the import itself never trusts), else its rows counted
    in its XML, up to a bound; None when there is no telling.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [(_attribute(tag, b"name"), _attribute(tag, b"r:id")) for tag in
                      _SHEET.findall(archive.read("xl/workbook.xml")[:1 << 20])]
            targets = {_attribute(tag, b"Id"): _attribute(tag, b"Target") for tag in
                       _RELATIONSHIP.findall(archive.read("xl/_rels/workbook.xml.rels")[:1 << 20])}
            total, budget = 0, _COUNT_AT_MOST
            for name, rel in sheets:
                target = targets.get(rel, b"").decode().lstrip("/")
                if name.decode(errors="replace").strip().casefold() not in names or not target:
                    continue
                part = target if target.startswith("xl/") else f"xl/{target}"
                with archive.open(part) as stream:
                    head = stream.read(4096)
                    found = _DIMENSION.search(head)
                    if found and int(found.group(1)) > 1:  # as Excel writes it
                        total += int(found.group(1))
                        continue
                    rows, tail = len(_ROW.findall(head)), head[-16:]
                    budget -= len(head)
                    while budget > 0 and (chunk := stream.read(1 << 20)):
                        rows += len(_ROW.findall(tail + chunk)) - len(_ROW.findall(tail))
                        tail, budget = chunk[-16:], budget - len(chunk)
                    if budget <= 0:
                        return None
                    total += rows
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        return None
    return min(total, 10_000_000) or None


def _attribute(tag: bytes, name: bytes) -> bytes:
    """The value of an attribute of an XML start tag, or b''."""
    found = re.search(rb"(?<![\w:])" + re.escape(name) + rb"=\"([^\"]*)\"", tag)
    return found.group(1) if found else b""


def stored_report(report) -> dict:
    """An import report as the job keeps it: every count, the first problems and rows."""
    from dataclasses import asdict

    return {
        "dry_run": report.dry_run, "written": report.written,
        "problems": [asdict(problem) for problem in report.problems[:SHOWN_ROWS]],
        "problem_count": len(report.problems),
        "rows": [asdict(row) for row in report.rows[:SHOWN_ROWS]],
        "row_count": len(report.rows),
        "counts": report.counts(),
    }


def run_import(job: Job, user, tracker: Tracker) -> dict:
    """Check the uploaded workbook and write it (or not: dry run), as the import page did."""
    import json

    from coalition.imports.importer import Actor, import_workbook
    from coalition.imports.sheets import SHEETS
    from coalition.offices.models import Office

    if not any(access.can(user, access.WRITE, sheet.kind, any_office=True) for sheet in SHEETS):
        raise Refused
    data = read_file(job.id, UPLOAD)
    office = db.session.get(Office, job.office_id) if job.office_id else None
    tracker.set(read=0, checked=0,
                total=estimated_rows(data, {sheet.name for sheet in SHEETS}) or 0)
    report = import_workbook(data, actor=Actor(user), office=office,
                             dry_run=bool(job.params.get("dry_run")), progress=tracker)
    del data
    drop_file(job.id, UPLOAD)
    stored = stored_report(report)
    put_file(job.id, REPORT, json.dumps(stored).encode())
    return {"written": report.written, "dry_run": report.dry_run,
            "problems": len(report.problems), "rows": len(report.rows)}


def run_donor(job: Job, user, tracker: Tracker) -> dict:
    """Build the donor workbook of the filters asked, if the user may still have it."""
    from coalition.exports.donor import DonorWorkbook, suppress_below
    from coalition.exports.routes import donor_file_name, may_download_donor_workbook
    from coalition.exports.sheets import SHEETS
    from coalition.kpis.filters import FilterError, Filters

    try:
        filters = Filters.parse(job.params.get("args", {}), default_office=user.office_id)
    except FilterError:
        raise Refused from None
    if not may_download_donor_workbook(user, filters):
        raise Refused
    workbook = DonorWorkbook(filters, generated_by=str(user), below=suppress_below())
    total = len(SHEETS) + 2  # the cover and the summary, then one per kind of record
    tracker.set(sheets=0, sheets_total=total)
    out = io.BytesIO()
    with _watching(lambda: tracker.set(sheets=len(workbook.contents))):
        workbook.save(out)
    tracker.set(sheets=total)
    data = out.getvalue()
    put_file(job.id, RESULT, data, name=donor_file_name(filters))
    rows = sum(rows for _title, _about, rows in workbook.contents[1:])
    return {"sheets": total, "rows": rows, "size": len(data)}


def run_list(job: Job, user, tracker: Tracker) -> dict:
    """Every row of a list under the list page's arguments, as xlsx or csv."""
    from coalition.exports.lists import ListExport
    from coalition.exports.routes import list_file_name, may_export_list

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
    query = export.query()
    tracker.set(rows=0, total=query.order_by(None).count())
    out = io.BytesIO()
    fmt = job.params.get("fmt")
    if fmt == "csv":
        for chunk in export.csv():
            out.write(chunk)
    else:
        export.xlsx(out)
    tracker.flush()
    data = out.getvalue()
    put_file(job.id, RESULT, data, name=list_file_name(screen, fmt))
    return {"rows": tracker.counts.get("rows", 0), "size": len(data)}


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


WORK: dict[str, Callable[[Job, object, Tracker], dict]] = {
    IMPORT: run_import, DONOR: run_donor, LIST: run_list}

"""The import as a background job: the uploaded workbook checked and written by the worker."""

import io
import json
import re
import zipfile
from dataclasses import asdict
from typing import Any

from flask_babel import lazy_gettext as _l

from coalition import access
from coalition.database import db
from coalition.imports.importer import Actor, Report, import_workbook
from coalition.imports.layout import IMPORT_SHEETS
from coalition.jobs import Kind, Refused
from coalition.jobs.models import REPORT, UPLOAD, Job
from coalition.jobs.progress import Tracker
from coalition.jobs.store import drop_file, put_file, read_file
from coalition.offices.models import Office

#: the largest number of problems and rows an import's stored report keeps for its page
SHOWN_ROWS = 1000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
#: the most of a workbook's unpacked sheets read to count their rows (for the bar only)
_COUNT_AT_MOST = 64 * 1024 * 1024


def may_import(user: Any) -> bool:
    """True if the user may import records of some kind into some office."""
    return any(access.can(user, access.WRITE, sheet.kind, any_office=True)
               for sheet in IMPORT_SHEETS)


def may_see_import(user: Any, job: Job) -> bool:
    """An import's report: whoever asked, and whoever may import into that office (an admin,
    a coordinator of the office), as long as they may import at all."""
    if not may_import(user):
        return False
    kind = next(sheet.kind for sheet in IMPORT_SHEETS if sheet.office_work)
    return (job.user_id == user.id or access.scope(user, access.WRITE, kind) == access.ALL
            or (job.office_id is not None and access.can(user, access.WRITE, kind, job.office_id)))


def _attribute(tag: bytes, name: bytes) -> bytes:
    """The value of an attribute of an XML start tag, or b''."""
    found = re.search(rb"(?<![\w:])" + re.escape(name) + rb"=\"([^\"]*)\"", tag)
    return found.group(1) if found else b""


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


def stored_report(report: Report) -> dict:
    """An import report as the job keeps it: every count, the first problems and rows."""
    return {
        "dry_run": report.dry_run, "written": report.written,
        "problems": [asdict(problem) for problem in report.problems[:SHOWN_ROWS]],
        "problem_count": len(report.problems),
        "rows": [{**asdict(row), "day": row.day and row.day.isoformat()}
                 for row in report.rows[:SHOWN_ROWS]],
        "row_count": len(report.rows),
        "counts": report.counts(),
    }


def run_import(job: Job, user: Any, tracker: Tracker) -> dict:
    """Check the uploaded workbook and write it (or not: dry run), as the import page did."""
    if not may_import(user):
        raise Refused
    data = read_file(job.id, UPLOAD)
    if data is None:  # cleaned up before the worker took the job
        raise Refused
    office = db.session.get(Office, job.office_id) if job.office_id else None
    tracker.set(read=0, checked=0,
                total=estimated_rows(data, {sheet.name for sheet in IMPORT_SHEETS}) or 0)
    report = import_workbook(data, actor=Actor(user), office=office,
                             dry_run=bool(job.params.get("dry_run")), progress=tracker)
    del data
    drop_file(job.id, UPLOAD)
    put_file(job.id, REPORT, json.dumps(stored_report(report)).encode())
    return {"written": report.written, "dry_run": report.dry_run,
            "problems": len(report.problems), "rows": len(report.rows)}


IMPORT_JOB = Kind(run=run_import, may_see=may_see_import, title=_l("Import from Excel"))

"""The job pages: progress while it runs, the result when done, and its file for who may."""

import datetime as dt
import io
import json
import re
from types import SimpleNamespace
from typing import Any

from flask import abort, make_response, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from coalition.database import db, utcnow
from coalition.jobs import kinds, progress
from coalition.jobs.models import DONE, DONOR, FAILED, IMPORT, QUEUED, REPORT, RESULT, Job
from coalition.jobs.store import file_name, read_file

_JOB_ID = re.compile(r"[0-9a-f]{32}")
#: seconds a job may wait before the page says no worker seems to be taking jobs
SLOW_START = 60
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv"}


def may_see(user: Any, job: Job) -> bool:
    """True if the user may follow this job and fetch what it made (asked at every request).

    The kind of job says who: for an import's report, whoever asked and whoever may import
    into that office; for an export, only whoever asked, while the rules still allow it.
    """
    if not (user and user.is_authenticated and user.active):
        return False
    kind = kinds().get(job.kind)
    return kind is not None and kind.may_see(user, job)


def counters_text(job: Job, counts: dict) -> str:
    """What the job has done so far, in words and the user's digits."""
    def n(key: str) -> str:
        return format_decimal(counts.get(key, 0))

    if job.kind == IMPORT:
        return _("Rows read: %(read)s · checked: %(checked)s · written: %(written)s",
                 read=n("read"), checked=n("checked"), written=n("written"))
    if job.kind == DONOR:
        return _("Sheets written: %(done)s of %(total)s", done=n("sheets"),
                 total=n("sheets_total"))
    return _("Rows written: %(done)s of %(total)s", done=n("rows"), total=n("total"))


def failure_text(job: Job) -> str:
    """Why the job failed, and what to do about it."""
    from flask import current_app

    if job.failure == "timeout":
        return _("The job took longer than its limit of %(minutes)s minutes and was stopped. "
                 "Ask for less at once (a shorter period, fewer rows) and try again.",
                 minutes=format_decimal(round(current_app.config["JOB_TIME_LIMIT"] / 60, 1)))
    if job.failure == "memory":
        return _("The job needed more memory than it may use and was stopped. Ask for less "
                 "at once (a shorter period, fewer rows) and try again.")
    if job.failure == "refused":
        return _("Your role no longer allows this; nothing was done.")
    return _("Something went wrong; the error was logged and nothing was written. Try "
             "again, or tell an admin.")


def stored_report(job: Job) -> SimpleNamespace | None:
    """The import's report as kept by the job, for the report's template."""
    data = read_file(job.id, REPORT)
    if data is None:
        return None
    report = json.loads(data)
    report["problems"] = [SimpleNamespace(**problem) for problem in report["problems"]]
    report["rows"] = [SimpleNamespace(**{**row, "day": row.get("day") and
                                         dt.date.fromisoformat(row["day"])})
                      for row in report["rows"]]
    return SimpleNamespace(**report)


class JobView(BaseView):
    """/jobs/<id>: a job's page, its progress as JSON, and the file it made."""

    def is_visible(self) -> bool:
        return False

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        return redirect(url_for("accounts.login", next=request.full_path))

    @staticmethod
    def _job(job_id: str) -> Job:
        """The job, if this user may see it (else 404: nothing says it exists); 410 if gone."""
        job = db.session.get(Job, job_id) if _JOB_ID.fullmatch(job_id) else None
        if job is None or not may_see(current_user, job):
            abort(404)
        if job.expired():
            abort(make_response(render_template(
                "error.html", code=410, title=_("Expired"),
                message=_("This job and its file were deleted after their time. Ask again.")),
                410))
        return job

    def _state(self, job: Job) -> dict:
        """The job's status, counters and how far along it is."""
        counts = self.admin.app.extensions["huey"].get(progress.key(job.id), peek=True) or {}
        done = job.status == DONE
        share = 1.0 if done else progress.fraction(job.kind, counts)
        waiting = (job.status == QUEUED
                   and (utcnow() - job.created_at).total_seconds() > SLOW_START)
        return {"status": job.status, "finished": job.finished,
                "status_text": _("Waiting for its turn…") if job.status == QUEUED
                else _("Working…"),
                "percent": None if share is None else round(100 * share),
                "text": counters_text(job, counts) if counts else "",
                "counts": counts, "waiting_long": waiting}

    @expose("/")
    def index(self) -> ResponseReturnValue:
        """The user's own jobs that have not expired, newest first."""
        jobs = db.session.scalars(select(Job).where(Job.user_id == current_user.id,
                                                    Job.expires_at > utcnow())
                                  .order_by(Job.created_at.desc()).limit(50))
        return self.render("jobs/index.html", kinds=kinds(),
                           jobs=[job for job in jobs if may_see(current_user, job)])

    @expose("/<job_id>")
    def show(self, job_id: str) -> ResponseReturnValue:
        job = self._job(job_id)
        report = stored_report(job) if job.kind == IMPORT and job.status == DONE else None
        page = self.render("jobs/show.html", job=job, state=self._state(job), report=report,
                           failure=failure_text(job) if job.status == FAILED else "",
                           file_name=file_name(job.id, RESULT) if job.status == DONE else None,
                           title=kinds()[job.kind].title, subtitle=self._subtitle(job),
                           expires=format_datetime(job.expires_at, "medium"),
                           numbers={key: format_decimal(value) for key, value in job.result.items()
                                    if isinstance(value, int) and not isinstance(value, bool)})
        # a refused import is bad input: the page says why, with a 4xx
        refused = report is not None and report.problem_count > 0
        return (page, 422) if refused else page

    @staticmethod
    def _subtitle(job: Job) -> str:
        """What the job is of, beside its title (a list's name)."""
        subtitle = kinds()[job.kind].subtitle
        return subtitle(job) if subtitle else ""

    @expose("/<job_id>/progress")
    def progress(self, job_id: str) -> ResponseReturnValue:
        return self._state(self._job(job_id))

    @expose("/<job_id>/file")
    def file(self, job_id: str) -> ResponseReturnValue:
        job = self._job(job_id)
        if job.kind == IMPORT or job.status != DONE:
            abort(404)
        data = read_file(job.id, RESULT)
        name = file_name(job.id, RESULT)
        if data is None or name is None:
            abort(404)
        mimetype = MIMETYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                         mimetype=mimetype, max_age=0)

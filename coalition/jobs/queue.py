"""The queue: Huey on a SQLite file (or Redis), its two tasks, and starting a job."""

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from flask_login import current_user
from sqlalchemy import func, select

from coalition.jobs import Kind, TooManyJobs

if TYPE_CHECKING:
    from huey import Huey

    from coalition.jobs.models import Job


#: settings, each from the environment variable of the same name, else this default
DEFAULTS = {
    "HUEY_REDIS_URL": "",  # e.g. redis://127.0.0.1:6379/0 for several machines
    "HUEY_SQLITE_PATH": "",  # default: instance/jobs-queue.sqlite
    "HUEY_IMMEDIATE": False,  # run each job at once in the asking request (tests only)
    "JOBS_ISOLATE": True,  # each job in a child process with its own limits
    "JOB_TIME_LIMIT": 900,  # seconds a job may run
    "JOB_MEMORY_MB": 2048,  # address space a job may take
    "JOB_EXPIRY_HOURS": 24,  # jobs and their files are gone after this
    "JOBS_PER_USER": 3,  # jobs a user may have waiting or running at once
}


def _setting(app: Flask, name: str, default):
    """A setting from the app's config, else the environment, typed like its default."""
    if name in app.config:
        return app.config[name]
    value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, bool):
        return value.lower() in ("1", "true", "yes", "on")
    return type(default)(value)


def make_huey(app: Flask) -> "Huey":
    """The queue: Redis when HUEY_REDIS_URL is set, else a SQLite file beside the database."""
    from huey import RedisHuey, SqliteHuey

    if app.config["HUEY_REDIS_URL"]:
        return RedisHuey("coalition", url=app.config["HUEY_REDIS_URL"], results=False,
                         immediate=app.config["HUEY_IMMEDIATE"])
    path = app.config["HUEY_SQLITE_PATH"] or str(Path(app.instance_path) / "jobs-queue.sqlite")
    return SqliteHuey("coalition", filename=path, results=False,
                      immediate=app.config["HUEY_IMMEDIATE"])


def init_jobs(app: Flask, kinds: dict[str, Kind]) -> None:
    """The queue, its tasks (run a job; clean up every ten minutes) and the kinds of job."""
    from huey import crontab

    from coalition.jobs.runner import cleanup, run_job

    for name, default in DEFAULTS.items():
        app.config[name] = _setting(app, name, default)
    huey = make_huey(app)

    @huey.task(name="coalition.run_job")
    def run_job_task(job_id: str) -> None:
        run_job(app, job_id)

    @huey.periodic_task(crontab(minute="*/10"), name="coalition.cleanup_jobs")
    def cleanup_task() -> None:
        cleanup(app)

    app.extensions["huey"] = huey
    app.extensions["coalition.run_job"] = run_job_task
    app.extensions["coalition.job_kinds"] = kinds


def start_job(kind: str, *, params: dict, office_id: int | None = None,
              files: dict[str, tuple[str, bytes]] | None = None) -> "Job":
    """Keep a job asked for by the signed-in user and queue it; return the Job.

    Raises TooManyJobs when the user already has JOBS_PER_USER jobs waiting or running.
    """
    from flask import current_app

    from coalition.database import db, utcnow
    from coalition.i18n import language
    from coalition.jobs.models import QUEUED, RUNNING, Job
    from coalition.jobs.store import put_file

    now = utcnow()
    waiting = db.session.scalar(select(func.count(Job.id)).where(
        Job.user_id == current_user.id, Job.status.in_((QUEUED, RUNNING)),
        Job.expires_at > now))
    if waiting >= current_app.config["JOBS_PER_USER"]:
        raise TooManyJobs
    job = Job(kind=kind, user_id=current_user.id, office_id=office_id,
              params={**params, "lang": language()}, created_at=now,
              expires_at=now + dt.timedelta(hours=current_app.config["JOB_EXPIRY_HOURS"]))
    db.session.add(job)
    db.session.flush()
    for role, (name, data) in (files or {}).items():
        put_file(job.id, role, data, name)
    db.session.commit()
    current_app.extensions["coalition.run_job"](job.id)
    return job

"""Running a job: in a child process with its own memory and time limits, then cleaning up.

The queue's worker forks one child per job. The child sets its limits (address space and
CPU time), runs the work as the user who asked, and sends its counters up a pipe; the
worker publishes them for the progress bar, kills the child when its time is up, and
records why a job failed.
"""

import datetime as dt
import gc
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable

from flask import Flask
from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import delete, select, update

from coalition.database import db, utcnow
from coalition.jobs import Refused, progress
from coalition.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job, JobFile
from coalition.jobs.progress import Tracker

TIMEOUT, MEMORY, REFUSED, ERROR = "timeout", "memory", "refused", "error"


def run_job(app: Flask, job_id: str) -> None:
    """Take a queued job and run it to its end, whatever happens in it."""
    with app.app_context():
        taken = db.session.execute(
            update(Job).where(Job.id == job_id, Job.status == QUEUED)
            .values(status=RUNNING, started_at=utcnow())).rowcount  # type: ignore[attr-defined]
        db.session.commit()
        db.session.remove()
    if not taken:  # gone (expired) or taken already
        return
    huey = app.extensions["huey"]

    def publish(counts: dict) -> None:
        huey.put(progress.key(job_id), counts)

    try:
        if app.config["JOBS_ISOLATE"]:
            failure = _in_child(app, job_id, publish)
        else:
            failure = execute(app, job_id, publish)
    except Exception:  # the job's row must not stay "running"
        app.logger.exception("Job %s could not run", job_id)
        failure = ERROR
    if failure:
        with app.app_context():
            db.session.execute(update(Job).where(Job.id == job_id, Job.status == RUNNING)
                               .values(status=FAILED, failure=failure,
                                       finished_at=utcnow()))
            db.session.commit()
            db.session.remove()


def execute(app: Flask, job_id: str, publish: Callable[[dict], None]) -> str:
    """Do the job's work as its user, in the language they asked in; '' or why it failed."""
    from coalition.accounts.models import User

    with app.app_context():
        try:
            job = db.session.get(Job, job_id)
            if job is None:  # expired while it waited
                raise Refused
            user = db.session.get(User, job.user_id)
            tracker = Tracker(publish)
            with app.test_request_context("/", query_string=job.params.get("args") or {}):
                if user is None or not user.active or not login_user(user):
                    raise Refused
                with force_locale(job.params.get("lang") or "ar"):
                    result = app.extensions["coalition.job_kinds"][job.kind].run(
                        job, user, tracker)
                tracker.flush()
                job.status, job.result, job.finished_at = DONE, result, utcnow()
                db.session.commit()
            return ""
        except Refused:
            db.session.rollback()
            return REFUSED
        except MemoryError:
            db.session.rollback()
            return MEMORY
        except Exception:
            db.session.rollback()
            app.logger.exception("Job %s failed", job_id)
            return ERROR
        finally:
            db.session.remove()


def _in_child(app: Flask, job_id: str, publish: Callable[[dict], None]) -> str:
    """Run the job in a forked child; kill it at its time limit; '' or why it failed."""
    receive, send = multiprocessing.Pipe(duplex=False)
    # what the worker holds is frozen for the child's cycle collector, which then walks only
    # what the job makes (a full walk of everything was a tenth of a large import), and
    # leaves the pages shared with the worker untouched
    gc.freeze()
    pid = os.fork()  # not multiprocessing: the queue's workers are daemons, which may not
    if pid:
        gc.unfreeze()
    else:
        code = 1
        try:
            receive.close()
            _child(app, job_id, send)
            code = 0
        finally:
            os._exit(code)
    send.close()
    deadline = time.monotonic() + app.config["JOB_TIME_LIMIT"]
    failure, status = None, None
    try:
        while status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                failure = failure or TIMEOUT
                break
            if receive.poll(min(left, 1.0)):
                try:
                    what, value = receive.recv()
                except EOFError:  # the child is gone
                    break
                if what == "outcome":
                    failure = value
                else:
                    publish(value)
            status = _exit_status(pid, wait=False)
    finally:
        receive.close()
        if status is None:
            status = _exit_status(pid, wait=True)
    if failure is None:  # died without a word: killed for its memory, or crashed
        failure = {-signal.SIGKILL: MEMORY, -signal.SIGXCPU: TIMEOUT}.get(status or 0, ERROR)
    return failure


def _exit_status(pid: int, wait: bool) -> int | None:
    """The child's exit code (negative: the signal that ended it); None while it runs."""
    done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if done else None


def _child(app: Flask, job_id: str, pipe) -> None:
    """The forked child: limits first, its own database connections, then the work."""
    memory = app.config["JOB_MEMORY_MB"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = int(app.config["JOB_TIME_LIMIT"]) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
    outcome = execute(app, job_id, lambda counts: pipe.send(("progress", counts)))
    pipe.send(("outcome", outcome))
    pipe.close()


def cleanup(app: Flask) -> int:
    """Forget expired jobs and their files; fail jobs left running by a stopped worker."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=app.config["JOB_TIME_LIMIT"] + 300)
    with app.app_context():
        expired = list(db.session.scalars(select(Job.id).where(Job.expires_at <= now)))
        for start in range(0, len(expired), 500):
            ids = expired[start:start + 500]
            db.session.execute(delete(JobFile).where(JobFile.job_id.in_(ids)))
            db.session.execute(delete(Job).where(Job.id.in_(ids)))
        db.session.execute(update(Job).where(Job.status == RUNNING, Job.started_at < stale)
                           .values(status=FAILED, failure=ERROR, finished_at=now))
        db.session.commit()
        db.session.remove()
    huey = app.extensions["huey"]
    for job_id in expired:
        huey.delete(progress.key(job_id))
    return len(expired)

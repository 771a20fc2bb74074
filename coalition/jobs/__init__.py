"""Background jobs: imports and large exports run off the web workers, with progress.

A page asks for the work (`start_job`), which is kept as a `Job` row with its files and
put on a Huey queue (a SQLite file by default, Redis with HUEY_REDIS_URL). What each kind
of job does, and who may see it, is declared by its domain (`Kind`: coalition.imports.job,
coalition.exports.jobs) and listed by the factory. The queue's worker (`flask jobs
worker`, started with the web server by `flask serve`) runs it in a child process with
memory and time limits; the job's page shows a progress bar and the result, and its file
is fetched from a link that asks the access rules again. Jobs and their files expire
(JOB_EXPIRY_HOURS).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app


class TooManyJobs(Exception):
    """The user already has as many unfinished jobs as allowed."""


class Refused(Exception):
    """The access rules no longer allow what was asked (asked again when the job runs)."""


@dataclass(frozen=True)
class Kind:
    """A kind of job, as its domain declares it (the factory hands them to `init_jobs`)."""

    #: (job, user, progress tracker) -> what the page shows when done; raises Refused
    run: Callable
    #: (user, job) -> whether this user may follow the job and fetch its file
    may_see: Callable
    title: str
    #: (job) -> what the job is of, shown beside the title (a list's name)
    subtitle: Callable | None = None


def kinds() -> dict[str, Kind]:
    """The kinds of job of the running app."""
    return current_app.extensions["coalition.job_kinds"]

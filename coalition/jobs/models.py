"""A background job: who asked for what, how far it got, and the files it read and wrote."""

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import Model, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: the kinds of work that run off the web workers
IMPORT, DONOR, LIST = "import", "donor", "list"
#: the files a job keeps: the uploaded workbook, the produced file, the import's report
UPLOAD, RESULT, REPORT = "upload", "result", "report"


def new_id() -> str:
    """A job id nobody can guess (the access rules are asked anyway)."""
    return uuid.uuid4().hex


class Job(Model):
    """One piece of long work asked for by a user; gone after its expiry."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    #: the office the work concerns (an import's office, a donor workbook's office), if one
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    #: what was asked: the filters, the list's arguments, the language, dry run or not
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    #: why a job failed: a code the page translates (timeout, memory, refused, error)
    failure: Mapped[str] = mapped_column(String(20), default="")
    #: what the page shows when done: counts, the file's name and size (nothing personal)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    @property
    def finished(self) -> bool:
        """True once the job has done or failed."""
        return self.status in (DONE, FAILED)

    def expired(self, now: dt.datetime | None = None) -> bool:
        """True once the job and its files are past their time."""
        return self.expires_at <= (now or utcnow())


class JobFile(Model):
    """A file of a job, encrypted like case personal details (it may hold them)."""

    __tablename__ = "job_files"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    #: a Fernet token of the file's bytes
    data: Mapped[bytes] = mapped_column(LargeBinary)

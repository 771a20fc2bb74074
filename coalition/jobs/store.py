"""A job's files, encrypted with the case-data keys: an upload may hold personal details."""

from sqlalchemy import delete, select

from coalition.crypto import cipher
from coalition.database import db
from coalition.jobs.models import JobFile


def put_file(job_id: str, role: str, data: bytes, name: str = "") -> None:
    """Keep a file of the job (replacing one of the same role); the caller commits."""
    db.session.execute(delete(JobFile).where(JobFile.job_id == job_id, JobFile.role == role))
    db.session.add(JobFile(job_id=job_id, role=role, name=name,
                           data=cipher().encrypt(data)))


def file_name(job_id: str, role: str) -> str | None:
    """The name a job's file is downloaded under, or None if it has no such file."""
    return db.session.scalar(select(JobFile.name).where(JobFile.job_id == job_id,
                                                        JobFile.role == role))


def read_file(job_id: str, role: str) -> bytes | None:
    """The bytes of a job's file, or None if it has none (not made, or cleaned up)."""
    token = db.session.scalar(select(JobFile.data).where(JobFile.job_id == job_id,
                                                         JobFile.role == role))
    return None if token is None else cipher().decrypt(bytes(token))


def drop_file(job_id: str, role: str) -> None:
    """Forget a file as soon as it is no longer needed (the caller commits)."""
    db.session.execute(delete(JobFile).where(JobFile.job_id == job_id, JobFile.role == role))

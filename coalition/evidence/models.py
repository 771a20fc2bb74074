"""An evidence file and the record it belongs to; files of personal records are encrypted."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import Record
from coalition.fields import Field, Fields


class Evidence(Record):
    """A file attached to a record: kept in the database, so backups carry it."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_record", "record_type", "record_id"),)

    #: the record it belongs to: its table and id (any record type may carry files)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    #: the office whose coordinators may change the record (None: coalition-wide)
    office_id: Mapped[int | None] = mapped_column(index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: the file itself, Fernet-encrypted when the record is personal data
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    encrypted: Mapped[bool] = mapped_column(default=False)

    fields = Fields(
        Field("file_name", _l("File")),
        Field("kind", _l("Type")),
        Field("size", _l("Size (bytes)")),
        Field("content", _l("Content"), personal=True, entered=False, imported=False),
        title=_l("Evidence files"),
    )

    @property
    def office_scope(self) -> int | None:
        return self.office_id

    def __str__(self) -> str:
        return self.file_name

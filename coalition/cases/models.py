"""Legal-protection cases: pseudonymous records, and the personal details kept apart."""

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.crypto import EncryptedText
from coalition.database import OfficeWork, Record

# no 0/O or 1/I, so a reference read out on the phone is not misheard
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A random pseudonymous case reference such as HM-7KQ2-9XPA."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"HM-{chars[:4]}-{chars[4:]}"


class Case(OfficeWork):
    """A case: what was asked, what was done and where it stands; no personal details."""

    __tablename__ = "cases"
    kind = "cases"

    reference: Mapped[str] = mapped_column(String(20), unique=True, default=new_reference)
    opened_on: Mapped[dt.date] = mapped_column(index=True)
    closed_on: Mapped[dt.date | None] = mapped_column(index=True)
    problem_category: Mapped[str] = mapped_column(String(20), default="other", index=True)
    consultation_outcome: Mapped[str | None] = mapped_column(String(30), index=True)
    mediation: Mapped[str] = mapped_column(String(20), default="none", index=True)
    court_referral: Mapped[str] = mapped_column(String(20), default="none", index=True)
    referral_result: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    consent_given: Mapped[bool] = mapped_column(default=False)
    consent_date: Mapped[dt.date | None]
    consent_scope: Mapped[str] = mapped_column(String(300), default="")

    personal = relationship(
        "CasePersonal", uselist=False, back_populates="case", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.reference


class CasePersonal(Record):
    """The personal details of a case, only for its office's coordinators and admins."""

    __tablename__ = "case_personal"
    kind = "personal"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str] = mapped_column(EncryptedText, default="")
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    id_number: Mapped[str] = mapped_column(EncryptedText, default="")
    notes: Mapped[str] = mapped_column(EncryptedText, default="")

    case = relationship("Case", back_populates="personal")

    @property
    def office_scope(self) -> int | None:
        return self.case.office_id if self.case else None

"""Legal-protection cases: pseudonymous records, and the personal details kept apart."""

import datetime as dt
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import (
    CASE_STATUSES,
    CONSULTATION_OUTCOMES,
    COURT_REFERRALS,
    MEDIATIONS,
    PROBLEM_CATEGORIES,
    REFERRAL_RESULTS,
)
from coalition.crypto import EncryptedText
from coalition.database import OfficeWork, Record
from coalition.fields import CODE, PHONE, Field, Fields, dates_in_order, office_work

# no 0/O or 1/I, so a reference read out on the phone is not misheard
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A random pseudonymous case reference such as HM-7KQ2-9XPA."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"HM-{chars[:4]}-{chars[4:]}"


#: the case form's personal fields -> the CasePersonal column each fills
PERSONAL_FIELDS = {
    "personal_name": "full_name",
    "personal_phone": "phone",
    "personal_id_number": "id_number",
    "personal_notes": "notes",
}


def _check_case(values) -> list[tuple[str, str]]:
    """Dates in order; a referral has its result; a closed case its date; consent first."""
    problems = [*dates_in_order(values, "opened_on", "closed_on"),
                *dates_in_order(values, "opened_on", "consent_date")]
    if values.get("court_referral") not in (None, "", "none") and not values.get(
            "referral_result"):
        problems.append(("referral_result", _(
            "Give the result of the court referral (it may be 'under follow-up').")))
    if values.get("status") == "closed" and not values.get("closed_on"):
        problems.append(("closed_on", _("A closed case needs its closing date.")))
    if any(values.get(name) for name in PERSONAL_FIELDS) and not values.get("consent_given"):
        problems.append(("consent_given", _(
            "Personal details can only be saved with the person's recorded consent.")))
    return problems


class Case(OfficeWork):
    """A case: what was asked, what was done and where it stands; no personal details."""

    __tablename__ = "cases"
    personal_access = "case_personal"

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

    fields = Fields(
        Field("reference", _l("Reference"), listed=True, searched=True, entered=False,
              imported=False, text=CODE),
        *office_work(listed=("office",)),
        Field("opened_on", _l("Opened on"), required=True, listed=True, filtered=True),
        Field("closed_on", _l("Closed on"), filtered=True),
        Field("problem_category", _l("Problem category"), choices=PROBLEM_CATEGORIES,
              listed=True, filtered=True),
        Field("consultation_outcome", _l("Consultation outcome"),
              choices=CONSULTATION_OUTCOMES, listed=True, filtered=True),
        Field("mediation", _l("Mediation"), choices=MEDIATIONS, listed=True, filtered=True),
        Field("court_referral", _l("Court referral"), choices=COURT_REFERRALS, listed=True,
              filtered=True),
        Field("referral_result", _l("Result of the referral"), choices=REFERRAL_RESULTS),
        Field("status", _l("Status"), choices=CASE_STATUSES, listed=True, filtered=True),
        Field("consent_given", _l("Consent given")),
        Field("consent_date", _l("Consent date")),
        Field("consent_scope", _l("What was consented to")),
        rules=_check_case,
        title=_l("Legal-protection cases"),
        dated_by="opened_on",
    )

    def __str__(self) -> str:
        return self.reference


class CasePersonal(Record):
    """The personal details of a case, only for its office's coordinators and admins."""

    __tablename__ = "case_personal"
    part_of = "case"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str] = mapped_column(EncryptedText, default="")
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    id_number: Mapped[str] = mapped_column(EncryptedText, default="")
    notes: Mapped[str] = mapped_column(EncryptedText, default="")

    case = relationship("Case", back_populates="personal")

    fields = Fields(
        Field("full_name", _l("Name"), length=200, personal=True, imported=False),
        Field("phone", _l("Phone"), length=50, text=PHONE, personal=True, imported=False),
        Field("id_number", _l("ID number"), length=50, text=CODE, personal=True,
              imported=False),
        Field("notes", _l("Personal notes"), personal=True, imported=False),
        title=_l("Personal details of cases"),
    )

    @property
    def office_scope(self) -> int | None:
        return self.case.office_id if self.case else None

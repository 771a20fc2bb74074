"""The documented persons, their status history, detention episodes, informants, consents
and the support their families receive; merges and "not the same person" decisions."""

import datetime as dt
import json
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from coalition.choices import (
    CONFIDENTIALITY,
    CONSENT_PURPOSES,
    DEATH_KNOWLEDGE,
    DETAINEE_STATUSES,
    DETAINING_PARTIES,
    GOVERNORATES,
    HOW_REACHED,
    INFORMANT_RELATIONSHIPS,
    INFORMANT_RELIABILITY,
    SEXES,
    SUPPORT_KINDS,
)
from coalition.crypto import EncryptedText
from coalition.database import Record
from coalition.detainees.matching import INDEXES, PARTS, blind_index
from coalition.fields import CODE, PHONE, Field, Fields, dates_in_order

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: under this age at arrest, a person counts among the children
ADULT_AGE = 18


def new_reference() -> str:
    """A random pseudonymous reference such as DT-7KQ2-9XPA (no 0/O or 1/I)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"DT-{chars[:4]}-{chars[4:]}"


def _office_field() -> Field:
    return Field("office", _l("Office"), required=True, listed=True, filtered=True, donor=True)


def _person_field() -> Field:
    return Field("person", _l("Documented person"), required=True, listed=True, imported=False)


def _check_person(values) -> list[tuple[str, str]]:
    """A death carries how it is known, and only a death does; a birth year is plausible."""
    problems = []
    if values.get("status") == "died_in_custody" and not values.get("death_knowledge"):
        problems.append(("death_knowledge", _(
            "Say how the death is known: reported by the civil registry, confirmed by "
            "remains, or unverified.")))
    if values.get("death_knowledge") and values.get("status") != "died_in_custody":
        problems.append(("death_knowledge", _(
            "How a death is known is given only for a person who died in custody.")))
    year = values.get("birth_year")
    if isinstance(year, int) and not isinstance(year, bool) and year > dt.date.today().year:
        problems.append(("birth_year", _("A birth year cannot be in the future.")))
    return problems


class Person(Record):
    """A detained, missing or forcibly disappeared person, documented from what the family
    tells; every identifying field is personal (encrypted, masked, never exported)."""

    __tablename__ = "detainees"
    personal_access = "detainee_personal"
    # blind indexes are keyed hashes of the names; each part of the file has its own history
    not_audited = frozenset({"bi_first", "bi_father", "bi_family", "bi_mother",
                             "minor_at_arrest", "episodes", "informants", "consents",
                             "supports", "status_changes"})
    __table_args__ = (
        Index("ix_detainees_bi_first_family", "bi_first", "bi_family"),
        Index("ix_detainees_bi_first_father", "bi_first", "bi_father"),
        Index("ix_detainees_bi_father_family", "bi_father", "bi_family"),
    )

    reference: Mapped[str] = mapped_column(String(20), unique=True, default=new_reference)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    documented_on: Mapped[dt.date] = mapped_column(index=True, default=dt.date.today)
    first_name: Mapped[str] = mapped_column(EncryptedText, default="")
    father_name: Mapped[str] = mapped_column(EncryptedText, default="")
    family_name: Mapped[str] = mapped_column(EncryptedText, default="")
    mother_name: Mapped[str] = mapped_column(EncryptedText, default="")
    latin_name: Mapped[str] = mapped_column(EncryptedText, default="")
    sex: Mapped[str] = mapped_column(String(10), index=True)
    birth_year: Mapped[int | None]
    birth_year_estimated: Mapped[bool] = mapped_column(default=False)
    governorate: Mapped[str | None] = mapped_column(String(20), index=True)
    town: Mapped[str] = mapped_column(EncryptedText, default="")
    civil_id: Mapped[str] = mapped_column(EncryptedText, default="")
    status: Mapped[str] = mapped_column(String(20), default="unknown", index=True)
    death_knowledge: Mapped[str | None] = mapped_column(String(20))
    status_source: Mapped[str] = mapped_column(String(300), default="")
    confidentiality: Mapped[str] = mapped_column(String(20), default="office")
    # blind indexes of the folded name parts (coalition.detainees.matching)
    bi_first: Mapped[str | None] = mapped_column(String(32))
    bi_father: Mapped[str | None] = mapped_column(String(32))
    bi_family: Mapped[str | None] = mapped_column(String(32), index=True)
    bi_mother: Mapped[str | None] = mapped_column(String(32))
    # the latest arrest, kept from the episodes (a new file's first episode is made from
    # them), for the figures and the import
    arrest_date: Mapped[dt.date | None] = mapped_column(index=True)
    detaining_party: Mapped[str | None] = mapped_column(String(20), index=True)
    minor_at_arrest: Mapped[bool] = mapped_column(default=False)
    #: the person this file was merged into (then it is in the trash)
    merged_into_id: Mapped[int | None]

    office = relationship("Office")
    episodes = relationship("DetentionEpisode", back_populates="person",
                            order_by="DetentionEpisode.arrested_on")
    informants = relationship("Informant", back_populates="person")
    consents = relationship("Consent", back_populates="person")
    supports = relationship("FamilySupport", back_populates="person",
                            order_by="FamilySupport.date")
    status_changes = relationship("StatusChange", back_populates="person",
                                  order_by="StatusChange.id")

    fields = Fields(
        Field("reference", _l("Reference"), listed=True, searched=True, entered=False,
              imported=False, text=CODE),
        _office_field(),
        Field("documented_on", _l("Documented on"), required=True, listed=True, filtered=True,
              imported=False),
        Field("first_name", _l("First name"), required=True, length=100, personal=True),
        Field("father_name", _l("Father's name"), length=100, personal=True),
        Field("family_name", _l("Family name"), required=True, length=100, personal=True),
        Field("mother_name", _l("Mother's name"), length=100, personal=True),
        Field("latin_name", _l("Name in Latin letters"), length=200, personal=True,
              imported=False),
        Field("sex", _l("Sex"), choices=SEXES, required=True, listed=True, filtered=True),
        Field("birth_year", _l("Birth year"), minimum=1900, maximum=2100, grouped=False),
        Field("birth_year_estimated", _l("Birth year estimated"), imported=False),
        Field("governorate", _l("Governorate of origin"), choices=GOVERNORATES, listed=True,
              filtered=True),
        Field("town", _l("Town of origin"), length=100, personal=True, imported=False),
        Field("civil_id", _l("Civil ID number"), length=50, text=CODE, personal=True,
              imported=False),
        Field("status", _l("Status"), choices=DETAINEE_STATUSES, required=True, listed=True,
              filtered=True),
        Field("death_knowledge", _l("How the death is known"), choices=DEATH_KNOWLEDGE,
              imported=False),
        Field("status_source", _l("Source of the status"), length=300,
              help=_l("Who or what the status comes from (a family visit, a released "
                      "detainee, the civil registry …)"), imported=False),
        Field("confidentiality", _l("Confidentiality"), choices=CONFIDENTIALITY,
              imported=False),
        Field("arrest_date", _l("Arrest date"),
              help=_l("Of the first arrest reported; further arrests are added as detention "
                      "episodes on the person's page.")),
        Field("detaining_party", _l("Detaining party"), choices=DETAINING_PARTIES,
              listed=True, filtered=True),
        rules=_check_person,
        title=_l("Documented persons"),
        dated_by="documented_on",
    )

    def __str__(self) -> str:
        return self.reference

    def name(self) -> str:
        """The four Arabic name parts as entered, the empty ones left out, single spaces."""
        return " ".join(" ".join((getattr(self, part) or "").split()) for part in PARTS
                        if (getattr(self, part) or "").strip())

    def reindex(self) -> None:
        """Recompute the blind indexes of the name parts."""
        for part in PARTS:
            setattr(self, INDEXES[part], blind_index(part, getattr(self, part)))

    def refresh_figures(self) -> None:
        """The party of the latest arrest, and whether any arrest was before 18."""
        episodes = [e for e in self.episodes if e.deleted_at is None and e.arrested_on]
        latest = max(episodes, key=lambda e: e.arrested_on, default=None)
        self.arrest_date = latest.arrested_on if latest else None
        self.detaining_party = latest.detaining_party if latest else None
        self.minor_at_arrest = bool(self.birth_year) and any(
            e.arrested_on.year - self.birth_year < ADULT_AGE for e in episodes)


class _PartOfPerson(Record):
    """A record about a documented person: it belongs to the person's office."""

    __abstract__ = True

    office_id: Mapped[int | None] = mapped_column(index=True)
    if TYPE_CHECKING:  # each part maps its own relationship to the person
        person: Any

    @property
    def office_scope(self) -> int | None:
        person = getattr(self, "person", None)
        return person.office_id if person is not None else self.office_id


class StatusChange(_PartOfPerson):
    """One change of a person's status: what it became, how a death is known, on what
    source; who and when are the record's own."""

    __tablename__ = "detainee_status_changes"

    person_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    death_knowledge: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300), default="")

    person = relationship("Person", back_populates="status_changes")

    fields = Fields(
        _person_field(),
        Field("status", _l("Status"), choices=DETAINEE_STATUSES),
        Field("death_knowledge", _l("How the death is known"), choices=DEATH_KNOWLEDGE),
        Field("source", _l("Source of the status")),
        title=_l("Status history"),
    )

    def __str__(self) -> str:
        return f"{self.person} — {DETAINEE_STATUSES.label(self.status)}"


def _check_episode(values) -> list[tuple[str, str]]:
    """Released after arrested."""
    return dates_in_order(values, "arrested_on", "released_on")


class DetentionEpisode(_PartOfPerson):
    """One arrest of a person, where they were held and how it ended."""

    __tablename__ = "detention_episodes"

    person_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    arrested_on: Mapped[dt.date | None] = mapped_column(index=True)
    arrest_estimated: Mapped[bool] = mapped_column(default=False)
    governorate: Mapped[str | None] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(200), default="")
    detaining_party: Mapped[str] = mapped_column(String(20), default="unknown", index=True)
    facility: Mapped[str] = mapped_column(String(200), default="")
    transfers: Mapped[str] = mapped_column(Text, default="")
    court: Mapped[str] = mapped_column(String(200), default="")
    released_on: Mapped[dt.date | None]

    person = relationship("Person", back_populates="episodes")

    fields = Fields(
        _person_field(),
        Field("arrested_on", _l("Arrest date"), required=True, listed=True, filtered=True),
        Field("arrest_estimated", _l("Arrest date estimated")),
        Field("governorate", _l("Governorate of arrest"), choices=GOVERNORATES, listed=True,
              filtered=True),
        Field("place", _l("Place of arrest"), length=200),
        Field("detaining_party", _l("Detaining party"), choices=DETAINING_PARTIES,
              required=True, listed=True, filtered=True),
        Field("facility", _l("Facility"), length=200, listed=True,
              help=_l("Where known: a security branch, Saydnaya military prison …")),
        Field("transfers", _l("Transfers")),
        Field("court", _l("Court"), length=200, help=_l("e.g. the military field court")),
        Field("released_on", _l("Release date")),
        rules=_check_episode,
        title=_l("Detention episodes"),
    )

    def __str__(self) -> str:
        return f"{self.person} — {self.arrested_on or '?'}"


class Informant(_PartOfPerson):
    """Who reported a person: a family member or another source, and how reliable."""

    __tablename__ = "detainee_informants"

    person_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    relationship_to_person: Mapped[str] = mapped_column(String(20), default="other")
    name: Mapped[str] = mapped_column(EncryptedText, default="")
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    how_reached: Mapped[str | None] = mapped_column(String(20))
    interviewed_on: Mapped[dt.date | None]
    interviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reliability: Mapped[str | None] = mapped_column(String(10))

    person = relationship("Person", back_populates="informants")

    fields = Fields(
        _person_field(),
        Field("relationship_to_person", _l("Relationship to the person"),
              choices=INFORMANT_RELATIONSHIPS, required=True, listed=True),
        Field("name", _l("Informant's name"), length=200, personal=True),
        Field("phone", _l("Informant's phone"), length=50, text=PHONE, personal=True),
        Field("how_reached", _l("How reached"), choices=HOW_REACHED, listed=True),
        Field("interviewed_on", _l("Interview date"), listed=True),
        Field("interviewed_by", _l("Interview taken by"), length=100),
        Field("reliability", _l("Reliability"), choices=INFORMANT_RELIABILITY, listed=True),
        title=_l("Informants"),
    )

    def __str__(self) -> str:
        return f"{self.person} — {INFORMANT_RELATIONSHIPS.label(self.relationship_to_person)}"


class ExternalBody(Record):
    """An external body a family may consent to share with (WGEID, ICRC, IIMP, ICMP …), and
    the person fields that sharing allows."""

    __tablename__ = "external_bodies"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: the person fields its export carries, comma-separated
    shared_fields: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(
        Field("code", _l("Code"), required=True, listed=True, text=CODE, length=20),
        Field("name_ar", _l("Name in Arabic"), required=True, listed=True, length=200),
        Field("name_en", _l("Name in English"), listed=True, length=200),
        Field("shared_fields", _l("Fields its export carries"),
              help=_l("Comma-separated: reference, first_name, father_name, family_name, "
                      "mother_name, latin_name, sex, birth_year, governorate, town, status, "
                      "death_knowledge, arrested_on, detaining_party, facility, court")),
        title=_l("External bodies"),
    )

    def __str__(self) -> str:
        return self.name_ar or self.code

    def names(self) -> tuple[str, str]:
        return self.name_ar, self.name_en


def _check_consent(values) -> list[tuple[str, str]]:
    """Sharing with an external body names it; a withdrawal follows the consent."""
    problems = list(dates_in_order(values, "given_on", "withdrawn_on"))
    if values.get("purpose") == "external_sharing" and not values.get("external_body"):
        problems.append(("external_body", _("Name the external body this consent is for.")))
    if values.get("external_body") and values.get("purpose") not in (None, "",
                                                                      "external_sharing"):
        problems.append(("external_body", _(
            "An external body is named only for sharing with an external body.")))
    return problems


class Consent(_PartOfPerson):
    """The family's answer for one purpose; a withdrawal takes effect at once everywhere."""

    __tablename__ = "detainee_consents"

    person_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    external_body_id: Mapped[int | None] = mapped_column(ForeignKey("external_bodies.id"))
    given: Mapped[bool] = mapped_column(default=False)
    given_on: Mapped[dt.date]
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    withdrawn_on: Mapped[dt.date | None]

    person = relationship("Person", back_populates="consents")
    external_body = relationship("ExternalBody")

    fields = Fields(
        _person_field(),
        Field("purpose", _l("Purpose"), choices=CONSENT_PURPOSES, required=True, listed=True,
              filtered=True),
        Field("external_body", _l("External body"), listed=True),
        Field("given", _l("Consent given"), listed=True,
              help=_l("Ticked: given; not ticked: refused.")),
        Field("given_on", _l("Date of the answer"), required=True, listed=True),
        Field("recorded_by", _l("Recorded by"), length=100),
        Field("withdrawn_on", _l("Withdrawn on"), listed=True),
        rules=_check_consent,
        title=_l("Consents"),
    )

    def __str__(self) -> str:
        return f"{self.person} — {CONSENT_PURPOSES.label(self.purpose)}"

    def in_force(self, on: dt.date | None = None) -> bool:
        """Given and not withdrawn (by `on`, default today)."""
        on = on or dt.date.today()
        return (self.given and self.deleted_at is None
                and (self.withdrawn_on is None or self.withdrawn_on > on))


def _check_support(values) -> list[tuple[str, str]]:
    """A group session counts its participants; an amount is for material support."""
    problems = []
    if values.get("kind") == "group_session" and not values.get("participants"):
        problems.append(("participants", _("Give the number of participants of the session.")))
    if values.get("amount") and values.get("kind") != "material":
        problems.append(("amount", _("An amount is given only for material support.")))
    return problems


class FamilySupport(_PartOfPerson):
    """Support given to the family of a documented person."""

    __tablename__ = "family_support"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    participants: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    outcome: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: the first support this family received (a family counts once among those supported)
    first_for_family: Mapped[bool] = mapped_column(default=False)

    office = relationship("Office")
    person = relationship("Person", back_populates="supports")

    fields = Fields(
        Field("date", _l("Date"), required=True, listed=True, filtered=True),
        _office_field(),
        _person_field(),
        Field("kind", _l("Kind of support"), choices=SUPPORT_KINDS, required=True,
              listed=True, filtered=True),
        Field("participants", _l("Participants"), minimum=1, maximum=10000),
        Field("amount", _l("Amount (USD)"), minimum=0, maximum=1_000_000),
        Field("outcome", _l("Outcome"), length=300),
        Field("notes", _l("Notes")),
        rules=_check_support,
        title=_l("Family support"),
        dated_by="date",
    )

    def __str__(self) -> str:
        return f"{self.person} — {SUPPORT_KINDS.label(self.kind)} — {self.date}"

    @property
    def office_scope(self) -> int | None:
        office = getattr(self, "office", None)
        return office.id if office is not None else self.office_id


class DetaineeMerge(Record):
    """Two files of the same person made one: what moved, so the merge can be undone."""

    __tablename__ = "detainee_merges"

    office_id: Mapped[int | None] = mapped_column(index=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    #: JSON: {table: [ids moved from the merged file to the kept one]}
    moved: Mapped[str] = mapped_column(Text, default="{}")
    undone_at: Mapped[dt.datetime | None]

    kept = relationship("Person", foreign_keys=[kept_id])
    merged = relationship("Person", foreign_keys=[merged_id])

    @property
    def moved_ids(self) -> dict[str, list[int]]:
        return json.loads(self.moved or "{}")


class NotSamePerson(Record):
    """A coordinator's decision that two files are different people: the pair is not
    proposed again."""

    __tablename__ = "detainee_not_same"
    __table_args__ = (UniqueConstraint("low_id", "high_id"),)

    office_id: Mapped[int | None] = mapped_column(index=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)
    high_id: Mapped[int] = mapped_column(ForeignKey("detainees.id"), index=True)


def prepare_import(row: dict) -> None:
    """A person's row of the import, completed as a form would be: a reference, the blind
    indexes and the figures' columns (the import inserts in bulk, past the ORM's hooks)."""
    row["reference"] = new_reference()
    row["documented_on"] = row.get("documented_on") or dt.date.today()
    for part in PARTS:
        row[INDEXES[part]] = blind_index(part, row.get(part))
    year, arrested = row.get("birth_year"), row.get("arrest_date")
    row["minor_at_arrest"] = bool(year and arrested and arrested.year - year < ADULT_AGE)
    if arrested and not row.get("detaining_party"):
        row["detaining_party"] = "unknown"


def after_import(ids: list[int]) -> None:
    """The imported persons' first status and, for those with an arrest, its episode."""
    from sqlalchemy import select

    from coalition.database import db

    for person in db.session.scalars(select(Person).where(Person.id.in_(ids))):
        db.session.add(StatusChange(person=person, office_id=person.office_id,
                                    status=person.status, source=_("Imported from Excel")))
        if person.arrest_date:
            db.session.add(DetentionEpisode(person=person, office_id=person.office_id,
                                            arrested_on=person.arrest_date,
                                            detaining_party=person.detaining_party))
    db.session.flush()


#: the records a merge moves from one file to the other
PARTS_OF_PERSON = (StatusChange, DetentionEpisode, Informant, Consent, FamilySupport)


@event.listens_for(Session, "before_flush", insert=True)  # before the rollups read it
def _keep_derived(session: Session, _context, _instances) -> None:
    """Blind indexes, the figures' columns, each part's office and the status history stay
    in step with every write, whatever screen, import or command made it."""
    from sqlalchemy import inspect

    touched: set[Person] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Person):
            touched.add(obj)
            state = inspect(obj)
            if obj in session.new or any(state.attrs[p].history.has_changes() for p in PARTS):
                obj.reindex()
            changed = obj in session.new or any(
                state.attrs[name].history.has_changes()
                for name in ("status", "death_knowledge"))
            if changed:
                last = obj.status_changes[-1] if obj.status_changes else None
                if last is None or (last.status, last.death_knowledge) != (
                        obj.status, obj.death_knowledge):
                    obj.status_changes.append(StatusChange(
                        status=obj.status, death_knowledge=obj.death_knowledge,
                        source=obj.status_source or ""))
        elif isinstance(obj, _PartOfPerson) and obj.person is not None:
            if not isinstance(obj, FamilySupport):
                obj.office_id = obj.person.office_id
            if isinstance(obj, DetentionEpisode):
                touched.add(obj.person)
    for person in touched:
        if person in session.new and not person.episodes and person.arrest_date:
            person.episodes.append(DetentionEpisode(
                arrested_on=person.arrest_date,
                detaining_party=person.detaining_party or "unknown"))
        person.refresh_figures()
        for part in person.status_changes + person.episodes + person.informants + \
                person.consents:
            if part.office_id != person.office_id:
                part.office_id = person.office_id
    _first_support(session)


def _first_support(session: Session) -> None:
    """Mark each family's first support, so `families.supported` counts a family once."""
    families = {obj.person for obj in (*session.new, *session.dirty)
                if isinstance(obj, FamilySupport) and obj.person is not None}
    for person in families:
        alive = sorted((s for s in person.supports if s.deleted_at is None and s.date),
                       key=lambda s: (s.date, s.id or 0))
        for support in person.supports:
            first = bool(alive) and support is alive[0]
            if support.first_for_family != first:
                support.first_for_family = first

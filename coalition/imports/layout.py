"""The import contract: one sheet per record type, and how each sheet matches what is there.

A sheet's columns, their keys (row 1 of the template: the contract with the offices'
spreadsheets, the same names as the form fields), labels, choices and checks are the record
type's declaration (`Model.fields`); this module adds only what is the import's own: the
sheet's name, its natural key and what a row that is already there does.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l

from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.cases.models import Case
from coalition.choices import Choices
from coalition.contacts.models import Contact
from coalition.detainees.models import Person, after_import, prepare_import
from coalition.fields import Field as Declared
from coalition.fields import Fields, bound, problems
from coalition.kpis.targets.models import Target
from coalition.meetings.models import Meeting
from coalition.monitoring.models import Campaign, MonitoringFigure, Testimony
from coalition.partners.models import Partner
from coalition.publications.models import Publication

#: kinds of column: how a cell is read
(TEXT, DATE, COUNT, NUMBER, FLAG, CHOICE, OFFICE, TRACK, PROJECT, PARTNERS, CAMPAIGN,
 INDICATOR, PLACE) = (
    "text", "date", "count", "number", "flag", "choice", "office", "track", "project",
    "partners", "campaign", "indicator", "place")

#: what a row with the same natural key as a record already there does
SKIP, UPDATE, COUNTED = "skip", "update", "counted"

YES_NO = Choices(("yes", _l("Yes")), ("no", _l("No")))


@dataclass(frozen=True)
class ImportColumn:
    """A column of a sheet: its key, how a cell is read, and the model attribute it fills."""

    key: str
    #: how a cell is read (TEXT, DATE, CHOICE …)
    read_as: str
    label: Any
    #: the model attribute the column fills
    target: str
    declared: Declared
    required: bool = False
    choices: Choices | None = None
    #: the longest text its column holds
    length: int | None = None


#: how a cell is read, by the kind of the declared field (or its related table)
_READ_AS = {"text": TEXT, "date": DATE, "count": COUNT, "number": NUMBER, "flag": FLAG,
            "choice": CHOICE, "offices": OFFICE, "tracks": TRACK, "projects": PROJECT,
            "partners": PARTNERS, "campaigns": CAMPAIGN,
            "monitoring_indicators": INDICATOR, "monitoring_places": PLACE}


def columns_of(model: type[Any]) -> tuple[ImportColumn, ...]:
    """The sheet columns of a record type: its declared fields that are imported."""
    columns = []
    for b in bound(model):
        if not (b.field.imported and b.field.entered):
            continue
        related = b.target.__tablename__ if b.target is not None else b.kind
        columns.append(ImportColumn(b.field.name, _READ_AS[related], b.field.label, b.attr, b.field,
                             b.field.required, b.field.choices, b.field.length or b.length))
    return tuple(columns)


@dataclass(frozen=True)
class ImportSheet:
    """An importable record type: the sheet's name, its model and its natural key."""

    name: str
    model: type[Any]
    #: the attributes that identify a record (text ones compared folded)
    natural_key: tuple[str, ...]
    duplicates: str = SKIP
    #: every record belongs to an office (as office work does), though it has no track
    own_office: bool = False
    #: completes a new record's row before the bulk insert (what the ORM's hooks would do)
    prepare: Callable[[dict], None] | None = None
    #: runs on the new records' ids once they are in (the records they bring with them)
    after: Callable[[list[int]], None] | None = None

    @property
    def kind(self) -> str:
        """The record type in the access rules."""
        return self.model.__tablename__

    @property
    def label(self) -> Any:
        """The record type's name, as its screen shows it."""
        return self.model.fields.title

    @cached_property
    def fields(self) -> tuple[ImportColumn, ...]:
        """The sheet's columns, from the record type's declaration."""
        return columns_of(self.model)

    @cached_property
    def office_work(self) -> bool:
        """True if every record belongs to an office (not the shared directory or partners)."""
        return self.own_office or hasattr(self.model, "track_id")

    @cached_property
    def by_key(self) -> dict[str, ImportColumn]:
        """The sheet's fields by key, and by the keys they had before."""
        keys = {f.key: f for f in self.fields}
        for f in self.fields:
            for alias in f.declared.aliases:
                keys.setdefault(alias, f)
        return keys

    @cached_property
    def date_attr(self) -> str | None:
        """The natural key's date, used to narrow the look-up of existing records (one every
        row has)."""
        return next((f.target for f in self.fields if f.read_as == DATE and f.required
                     and f.target in self.natural_key), None)

    @cached_property
    def _lengths(self) -> dict[str, int | None]:
        return {f.key: f.length for f in self.fields}

    def check(self, values: Mapping[str, Any], given: Iterable[str]) -> list[tuple[str, str]]:
        """The declaration's verdict on a row (values by attribute), by field key."""
        by_key = {f.key: values.get(f.target) for f in self.fields}
        declared: Fields = self.model.fields
        return problems(declared, by_key, given=given, lengths=self._lengths)


IMPORT_SHEETS: tuple[ImportSheet, ...] = (
    ImportSheet("contacts", Contact, ("name", "organisation"), UPDATE),
    ImportSheet("partners", Partner, ("name_ar",)),
    # a campaign is known by its code; the work done for it names it by code or name
    ImportSheet("campaigns", Campaign, ("code",)),
    ImportSheet("meetings", Meeting, ("date", "office_id", "topic")),
    ImportSheet("trainings", Training, ("start_date", "office_id", "title")),
    ImportSheet("videos", Video, ("published_on", "office_id", "title")),
    ImportSheet("activities", AwarenessActivity, ("date", "office_id", "title")),
    ImportSheet("events", Event, ("date", "office_id", "title")),
    ImportSheet("publications", Publication, ("date", "office_id", "title")),
    # Cases carry no name: identical rows are separate cases, so the key counts them.
    ImportSheet("cases", Case, ("opened_on", "office_id", "track_id", "project_id", "closed_on",
                          "problem_category", "consultation_outcome", "mediation",
                          "court_referral", "referral_result", "status", "consent_given",
                          "consent_date", "consent_scope"), COUNTED),
    # a figure is its source's statistic of an indicator, a place and a period or date;
    # a testimony is known by when it was taken and the witness's pseudonym (the statement
    # itself never comes in through a workbook)
    ImportSheet("monitoring_figures", MonitoringFigure, ("office_id", "indicator_id", "place_id",
                                                         "measure", "period_start", "period_end",
                                                         "as_of", "source_name")),
    ImportSheet("testimonies", Testimony, ("taken_on", "office_id", "witness_pseudonym")),
    # one target per figure, period and scope: a row for one already set is left as it is
    ImportSheet("targets", Target, ("kpi", "year", "quarter", "office_id", "project_id")),
    # Documented persons: a row exactly like a file already there (the same list imported
    # twice) is counted as there; any other row is a new file, however alike: the import
    # never merges persons, the duplicates review does, with a person deciding.
    ImportSheet("detainees", Person, ("office_id", "first_name", "father_name",
                                      "family_name", "mother_name", "sex", "birth_year",
                                      "governorate", "status", "arrest_date",
                                      "detaining_party"), COUNTED, own_office=True,
                prepare=prepare_import, after=after_import),
)

IMPORT_SHEETS_BY_NAME: dict[str, ImportSheet] = {sheet.name: sheet for sheet in IMPORT_SHEETS}

#: sheets of the template that hold no records
INSTRUCTIONS, LISTS = "instructions", "lists"


def max_length(sheet: ImportSheet, field: ImportColumn) -> int | None:
    """The longest text a text field's column holds (None: no limit)."""
    return field.length if field.read_as == TEXT else None

"""The donor workbook's record sheets: one per kind of work, donor-safe columns only.

The columns are the fields each record type declares donor-safe (`Field.donor`), with
their declared labels and choices.

A sheet lists exactly the records a KPI counts under the same filters (the conditions come
from the KPI definitions), so its rows add up to the figure on the Summary sheet. Free-text
notes, outcomes and follow-ups, contacts and the people met are never among the columns;
coded values show their labels.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, String, Text, func, literal, select, union_all

from coalition.activities.models import Event, Training, Video
from coalition.choices import EVENT_KINDS, Choices
from coalition.database import db
from coalition.fields import bound
from coalition.i18n import language
from coalition.kpis.conditions import record_conditions
from coalition.kpis.definitions import BY_KEY, DIMENSIONS, Kpi
from coalition.kpis.filters import Filters
from coalition.kpis.queries import condition, in_period
from coalition.meetings.models import Meeting
from coalition.offices.models import Office, Project, Track
from coalition.partners.models import Partner
from coalition.publications.models import Publication

#: rows fetched from the database at a time
BATCH = 2_000
#: an awareness activity shares the events' sheet, as a kind of its own
ACTIVITY_KINDS = Choices(("awareness_activity", _l("Awareness activity")), *EVENT_KINDS)
#: how a column's stored value is shown
PLAIN, CHOICE, YES_NO, OFFICE, TRACK, PROJECT, PARTNERS = (
    "plain", "choice", "yes_no", "office", "track", "project", "partners")
NAMED_MODELS = {OFFICE: Office, TRACK: Track, PROJECT: Project}


@dataclass(frozen=True)
class Column:
    """A column of a record sheet: a model attribute, its heading and how its value shows."""

    attribute: str
    label: Any
    show: str = PLAIN
    choices: Choices | None = None
    #: the code written for records whose model has no such attribute
    fallback: str | None = None


@dataclass(frozen=True)
class RecordSheet:
    """A sheet of the records behind one or more KPIs, in date order."""

    title: Any
    about: Any
    kpis: tuple[str, ...]
    columns: tuple[Column, ...]


#: how a declared field of a given kind (or related table) shows in a sheet
_SHOWN_AS = {"flag": YES_NO, "choice": CHOICE, "offices": OFFICE, "tracks": TRACK,
             "projects": PROJECT, "partners": PARTNERS}


def donor_columns(model: type[Any], *, dates_first: bool = True,
                  **choices: Choices) -> tuple[Column, ...]:
    """The donor-safe columns of a record type, from its declaration (never personal ones).

    A sheet in date order shows its dates first.

    `choices` gives a column other codes than its field's, with the first as the code of
    records whose model has no such column (awareness activities on the events' sheet).
    """
    columns = []
    fields = sorted(bound(model), key=lambda b: b.kind != "date") if dates_first else bound(model)
    for b in fields:
        if not b.field.donor or b.field.personal:
            continue
        related = b.target.__tablename__ if b.target is not None else b.kind
        own = choices.get(b.field.name)
        columns.append(Column(b.attr, b.field.label, _SHOWN_AS.get(related, PLAIN),
                              own or b.field.choices, own.codes[0] if own else None))
    return tuple(columns)


DONOR_SHEETS: tuple[RecordSheet, ...] = (
    RecordSheet(Meeting.fields.title,
                _l("Meetings held in the period, by counterpart category."),
                ("meetings.total",), donor_columns(Meeting)),
    RecordSheet(Training.fields.title,
                _l("Workshops, trainings and courses that started in the period."),
                ("trainings.total",), donor_columns(Training)),
    RecordSheet(Video.fields.title, _l("Videos published in the period, of every kind."),
                ("videos.total",), donor_columns(Video)),
    RecordSheet(_l("Awareness activities and events"),
                _l("Awareness activities and events held in the period."),
                ("awareness_activities.total", "events.total"),
                donor_columns(Event, event_kind=ACTIVITY_KINDS)),
    RecordSheet(_l("Partnerships"), _l("Partnerships active at some time in the period."),
                ("partnerships.total",), donor_columns(Partner, dates_first=False)),
    RecordSheet(Publication.fields.title,
                _l("Reports, policy papers, guides and studies of the period."),
                ("publications.total",), donor_columns(Publication)),
)


def behind(kpi: Kpi, filters: Filters) -> list:
    """The SQL conditions that pick the records a KPI counts under the filters."""
    model = kpi.model
    return [model.deleted_at.is_(None), *(condition(kpi, c) for c in kpi.where),
            *in_period(kpi, filters.start, filters.end),
            *(getattr(model, DIMENSIONS[name]) == filters.ids(name) for name in kpi.dimensions
              if filters.ids(name) is not None), *record_conditions(model, filters)]


def pick_name(arabic: str | None, latin: str | None, lang: str | None = None) -> str:
    """The Arabic or the Latin form of a name, whichever fits the export's language (`lang`,
    when the caller has asked it once for many names)."""
    return (latin if (lang or language()) != "ar" and latin else arabic or latin) or ""


def name_of(record: Any) -> str:
    """An office's, track's, project's or partner's name in the export's language."""
    return pick_name(record.name_ar, getattr(record, "name_en", None)
                     or getattr(record, "name_latin", None))


def names() -> dict[str, dict[int, str]]:
    """Every office, track and project by id (those in the trash too: records keep them)."""
    return {show: {record.id: name_of(record) for record in db.session.scalars(select(model))}
            for show, model in NAMED_MODELS.items()}


class Rows:
    """The rows of one record sheet under the filters, streamed from the database."""

    def __init__(self, sheet: RecordSheet, filters: Filters) -> None:
        self.sheet, self.filters = sheet, filters
        self.kpis = [BY_KEY[key] for key in sheet.kpis]

    def _column(self, kpi: Kpi, column: Column):
        """The SQL of one column for one KPI's model (a constant where it has none)."""
        if column.show == PARTNERS:
            return literal(None)
        attribute = getattr(kpi.model, column.attribute, None)
        return attribute if attribute is not None else literal(column.fallback)

    def statement(self) -> Any:
        """Every row, in date order: (source, id, date, *columns)."""
        parts = [
            select(literal(number).label("source"), kpi.model.id.label("id"),
                   kpi.day().label("day"),
                   *(self._column(kpi, c).label(f"c{i}") for i, c in
                     enumerate(self.sheet.columns)))
            .where(*behind(kpi, self.filters))
            for number, kpi in enumerate(self.kpis)
        ]
        if len(parts) == 1:
            model = self.kpis[0].model
            return parts[0].order_by(self.kpis[0].day(), model.id)
        union = union_all(*parts).subquery()
        return select(union).order_by(union.c.day, union.c.source, union.c.id)

    def batches(self) -> Iterator[Sequence]:
        """The rows, a batch at a time, read from the database as they are written."""
        result = db.session.execute(self.statement(), execution_options={"yield_per": BATCH})
        yield from result.partitions()

    def longest(self) -> dict[int, int]:
        """The length of the longest text in each text column, by column number."""
        found: dict[int, int] = defaultdict(int)
        for kpi in self.kpis:
            texts = {i: getattr(kpi.model, c.attribute) for i, c in
                     enumerate(self.sheet.columns) if c.show == PLAIN
                     and hasattr(kpi.model, c.attribute)
                     and isinstance(getattr(kpi.model, c.attribute).type, String | Text)}
            if not texts:
                continue
            row: Any = db.session.execute(
                select(*(func.max(func.length(column)) for column in texts.values()))
                .where(*behind(kpi, self.filters))).one()
            for i, length in zip(texts, row, strict=True):
                found[i] = max(found[i], int(length or 0))
        return found

    def is_date(self, number: int) -> bool:
        """True if the column holds dates."""
        column = self.sheet.columns[number]
        attribute = getattr(self.kpis[0].model, column.attribute, None)
        return attribute is not None and isinstance(attribute.type, Date | DateTime)

    def partners(self, batch: Sequence) -> dict[tuple[int, int], str]:
        """The partners of a batch's records, by (source, id): their names, joined."""
        if not any(c.show == PARTNERS for c in self.sheet.columns):
            return {}
        found: dict[tuple[int, int], list[str]] = defaultdict(list)
        lang = language()
        for number, kpi in enumerate(self.kpis):
            ids = [row.id for row in batch if row.source == number]
            relation = getattr(kpi.model, "partners", None)
            if not ids or relation is None:
                continue
            link = relation.property.secondary
            owner = next(c for c in link.c if c.references(kpi.model.__table__.c.id))
            partner = next(c for c in link.c if c.references(Partner.__table__.c.id))
            rows: Any = db.session.execute(
                select(owner, Partner.name_ar, Partner.name_latin)
                .join(Partner, Partner.id == partner)
                .where(owner.in_(ids), Partner.deleted_at.is_(None))
                .order_by(owner, Partner.name_ar))
            for owner_id, name_ar, name_latin in rows:
                found[(number, owner_id)].append(pick_name(name_ar, name_latin, lang))
        return {key: "; ".join(names) for key, names in found.items()}

"""Every KPI, defined once: what it counts or sums, in which records, over which dates.

The dashboard, the API, the CLI and the exports read these definitions; the SQL that
computes them (`queries`) and the admin list behind each figure (`drilldown`) are derived
from them, so a figure is never computed a second way.

Figures are read from pre-aggregated rollups (`coalition.kpis.rollups`) that every write
keeps exact in its own transaction; the direct SQL over the records stays as the reference.
A new KPI gets its rollup by declaring itself here, and nothing else:

1. add a `Kpi(...)` to `KPIS` (a new kind of record: its model, dated by one column; a
   breakdown by a column of its own: name the column in `BREAKDOWNS`);
2. `flask --app app db migrate -m "..."`: the rollup table of its kind of record,
   `rollup_<table>`, is derived from these definitions, so the migration adds the KPI's
   column (or the new kind's table) as for any schema change;
3. `flask --app app init-db` applies it and recomputes the rollups the change left stale
   (`flask --app app rebuild-rollups` does it on demand and reports any difference).

Until a rollup is recomputed, its figures are read with the direct SQL: never stale.
All the KPIs of one model share its date column and, if they have one, its `until` column.
"""

from dataclasses import dataclass
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.cases.models import Case
from coalition.choices import (
    CONSULTATION_OUTCOMES,
    COUNTERPART_CATEGORIES,
    CROSSINGS,
    DETAINEE_STATUSES,
    DETAINING_PARTIES,
)
from coalition.contacts.models import Contact
from coalition.detainees.models import FamilySupport, Person
from coalition.kpis import indexes  # noqa: F401  the tables' KPI indexes, for migrations
from coalition.meetings.models import Meeting
from coalition.monitoring.models import DEPORTATIONS, MonitoringFigure, Testimony
from coalition.partners.models import Partner
from coalition.publications.models import Publication

#: how a KPI reads the period: records dated in it; records still open at its end;
#: records whose [start, end] span meets it; every record whatever the period
DATED, OPEN_AT_END, ACTIVE, ALWAYS = "dated", "open_at_end", "active", "always"

#: what a figure says about the people behind it (Kpi.sensitive): nothing; how many there
#: were (a total, shown as it is to those who see aggregates only); or how they are split
#: (a breakdown, hidden from them when small, and so are enough others that it cannot be
#: worked out). Both are need-to-know: `visibility` asks the access rules of the records.
TOTAL, BREAKDOWN = "total", "breakdown"

#: the filters a record may honour, and the column that holds each
DIMENSIONS = {"office": "office_id", "track": "track_id", "project": "project_id"}


class Cond(NamedTuple):
    """A condition on a column: op is eq, ne, in or empty (value True: IS NULL), or code
    (`column` names a relation to a named record: the related record has that code)."""

    column: str
    op: str
    value: Any

    def sql(self, model: type[Any]) -> Any:
        """The condition in SQL, on `model`'s column."""
        column = getattr(model, self.column)
        if self.op == "eq":
            return column == self.value
        if self.op == "ne":
            return column != self.value
        if self.op == "in":
            return column.in_(self.value)
        if self.op == "empty":
            return column.is_(None) if self.value else column.is_not(None)
        if self.op == "code":
            target, local = self._related(model)
            return local.in_(select(target.id).where(target.code == self.value))
        raise ValueError(self.op)

    def _related(self, model: Any) -> tuple[Any, Any]:
        """The named model a "code" condition's relation points to, and its foreign key."""
        relation = getattr(model, self.column).property
        (local,) = relation.local_columns
        return relation.mapper.class_, getattr(model, local.key)

    def listed(self, model: Any) -> tuple:
        """(column, op, value) as an admin list filters it: a relation by its record's code."""
        if self.op == "code":
            return self._related(model)[0].code, "eq", self.value
        return getattr(model, self.column), self.op, self.value


@dataclass(frozen=True)
class Kpi:
    """One figure: a count (or a sum of `total`) of `model` records meeting `where`."""

    key: str
    label: Any
    model: type[Any]
    date: str | None
    where: tuple[Cond, ...] = ()
    total: str | None = None
    period: str = DATED
    #: the column that ends an OPEN_AT_END or ACTIVE record
    until: str | None = None
    #: None, TOTAL or BREAKDOWN: figures about people are need-to-know (see `visibility`)
    sensitive: str | None = None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The filters (office, track, project) this KPI honours: those its records have."""
        if self.period == ALWAYS:
            return ()
        return tuple(d for d, column in DIMENSIONS.items() if hasattr(self.model, column))

    def column(self, name: str) -> Any:
        """The model's attribute called `name`."""
        return getattr(self.model, name)

    def day(self) -> Any:
        """The model's column of the date the KPI counts by (every KPI over time has one)."""
        if self.date is None:
            raise ValueError(f"the KPI {self.key} has no date")
        return getattr(self.model, self.date)

    def end(self) -> Any:
        """The model's column of the date an OPEN_AT_END or ACTIVE record ends."""
        if self.until is None:
            raise ValueError(f"the KPI {self.key} has no end date")
        return getattr(self.model, self.until)


def _is(column: str, value: Any) -> tuple[Cond, ...]:
    return (Cond(column, "eq", value),)


CASE: dict[str, Any] = {"model": Case, "date": "opened_on", "sensitive": BREAKDOWN}
MEETING: dict[str, Any] = {"model": Meeting, "date": "date"}
TRAINING: dict[str, Any] = {"model": Training, "date": "start_date"}

# --- monitoring: flows add up over the period; stocks are never summed (see monitoring) ---
DEPORTATION_FLOWS: dict[str, Any] = {"model": MonitoringFigure, "date": "dated_on",
                                     "total": "value"}
_DEPORTED = (Cond("indicator", "code", DEPORTATIONS), Cond("measure", "eq", "flow"))
MONITORING: tuple[Kpi, ...] = (
    Kpi("deportations.total", _l("Deportations"), **DEPORTATION_FLOWS, where=_DEPORTED),
    *(Kpi(f"deportations.by_crossing.{code}", label, **DEPORTATION_FLOWS,
          where=(*_DEPORTED, Cond("place", "code", code))) for code, label in CROSSINGS),
)
TESTIMONY: dict[str, Any] = {"model": Testimony, "date": "taken_on", "sensitive": BREAKDOWN}
TESTIMONIES: tuple[Kpi, ...] = (
    Kpi("testimonies.total", _l("Testimonies taken"), Testimony, "taken_on", sensitive=TOTAL),
    Kpi("testimonies.anonymous", _l("Witnesses who asked to stay anonymous"), **TESTIMONY,
        where=_is("anonymous", True)),
    Kpi("testimonies.with_kimlik", _l("Witnesses who held temporary protection (kimlik)"),
        **TESTIMONY, where=_is("kimlik", True)),
    Kpi("testimonies.signed_voluntary_return",
        _l("Witnesses made to sign a voluntary-return paper"), **TESTIMONY,
        where=_is("signed_voluntary_return", True)),
)
CROSSING_KEYS = tuple(f"deportations.by_crossing.{code}" for code in CROSSINGS.codes)

KPIS: tuple[Kpi, ...] = (
    Kpi("cases.total", _l("Cases responded to"), Case, "opened_on", sensitive=TOTAL),
    *(Kpi(f"cases.by_outcome.{code}", label, **CASE, where=_is("consultation_outcome", code))
      for code, label in CONSULTATION_OUTCOMES),
    Kpi("cases.without_outcome", _l("No outcome recorded"), **CASE,
        where=(Cond("consultation_outcome", "empty", True),)),
    Kpi("cases.under_follow_up", _l("Cases still under follow-up"), **CASE,
        where=_is("status", "follow_up"), period=OPEN_AT_END, until="closed_on"),
    Kpi("cases.mediations", _l("Mediation efforts"), **CASE,
        where=(Cond("mediation", "ne", "none"),)),
    Kpi("cases.mediations.immigration", _l("Mediations with the immigration department"),
        **CASE, where=_is("mediation", "immigration")),
    Kpi("cases.court_referrals", _l("Referred to the courts"), **CASE,
        where=(Cond("court_referral", "ne", "none"),)),
    Kpi("meetings.total", _l("Meetings"), **MEETING),
    Kpi("meetings.government", _l("Official meetings with the government"), **MEETING,
        where=_is("government", True)),
    Kpi("meetings.comprehensive", _l("Comprehensive meetings within the tracks"), **MEETING,
        where=_is("comprehensive", True)),
    *(Kpi(f"meetings.by_counterpart.{code}", label, **MEETING,
          where=_is("counterpart_category", code))
      for code, label in COUNTERPART_CATEGORIES),
    Kpi("videos.published", _l("Awareness videos published"), Video, "published_on",
        where=_is("video_kind", "awareness_video")),
    Kpi("videos.total", _l("Videos of every kind"), Video, "published_on"),
    Kpi("awareness_activities.total", _l("Awareness activities"), AwarenessActivity, "date"),
    Kpi("workshops.total", _l("Workshops held within the tracks"), **TRAINING,
        where=_is("training_kind", "workshop")),
    Kpi("trainings.total", _l("Workshops, trainings and courses"), **TRAINING),
    Kpi("trainings.hours", _l("Training hours"), **TRAINING, total="hours"),
    Kpi("trainings.participants", _l("Training participants"), **TRAINING, total="participants"),
    Kpi("trainings.trainers", _l("Trainers"), **TRAINING, total="trainers"),
    # Partners have an office but no track or project: those two filters leave them alone.
    Kpi("partnerships.total", _l("Partnerships built"), Partner, "partnership_start",
        where=(Cond("partnership_status", "in", ("active", "ended")),), period=ACTIVE,
        until="partnership_end"),
    Kpi("contacts.total", _l("Entities and persons in the directory"), Contact, None,
        period=ALWAYS),
    Kpi("events.total", _l("Events"), Event, "date"),
    Kpi("publications.total", _l("Publications"), Publication, "date"),
    *MONITORING,
    *TESTIMONIES,
)

#: how many of the participants were women, men and under 18, where the record says
PARTS = ("women", "men", "under_18")
#: the kinds of record that count their participants, and the column of the whole
PARTICIPANTS: dict[str, tuple[dict, str, Any]] = {
    "trainings": (TRAINING, "participants", _l("Training participants")),
    "awareness_activities": ({"model": AwarenessActivity, "date": "date"}, "attendees",
                             _l("Awareness activity attendees")),
    "events": ({"model": Event, "date": "date"}, "attendees", _l("Event attendees")),
}
_PART_LABELS = {
    "trainings": (_l("Training participants: women"), _l("Training participants: men"),
                  _l("Training participants: under 18")),
    "awareness_activities": (_l("Awareness activity attendees: women"),
                             _l("Awareness activity attendees: men"),
                             _l("Awareness activity attendees: under 18")),
    "events": (_l("Event attendees: women"), _l("Event attendees: men"),
               _l("Event attendees: under 18")),
}
# a split of people by sex and age is hidden from donors when small (BREAKDOWN)
KPIS += (
    *(Kpi(f"{kind}.participants", label, **spec, total=whole)
      for kind, (spec, whole, label) in PARTICIPANTS.items() if kind != "trainings"),
    *(Kpi(f"{kind}.participants.{part}", _PART_LABELS[kind][n], **spec, total=part,
          sensitive=BREAKDOWN)
      for kind, (spec, _whole, _label) in PARTICIPANTS.items()
      for n, part in enumerate(PARTS)),
)
#: each kind's participants, then women, men and under 18, for the charts and the workbook
PARTICIPANT_KEYS: dict[str, tuple[str, ...]] = {
    kind: (f"{kind}.participants", *(f"{kind}.participants.{part}" for part in PARTS))
    for kind in PARTICIPANTS}
# --- the Detainees Office: every figure about people is need-to-know, like the cases' ------
PERSON: dict[str, Any] = {"model": Person, "date": "documented_on", "sensitive": BREAKDOWN}
SUPPORT: dict[str, Any] = {"model": FamilySupport, "date": "date", "sensitive": BREAKDOWN}
DETAINEE_KPIS: tuple[Kpi, ...] = (
    Kpi("detainees.total", _l("Persons documented"), Person, "documented_on", sensitive=TOTAL),
    *(Kpi(f"detainees.by_status.{code}", label, **PERSON, where=_is("status", code))
      for code, label in DETAINEE_STATUSES),
    *(Kpi(f"detainees.by_party.{code}", label, **PERSON, where=_is("detaining_party", code))
      for code, label in DETAINING_PARTIES),
    Kpi("detainees.without_episode", _l("No arrest recorded"), **PERSON,
        where=(Cond("detaining_party", "empty", True),)),
    Kpi("detainees.women", _l("Women and girls documented"), **PERSON,
        where=_is("sex", "female")),
    Kpi("detainees.children", _l("Children (under 18 at arrest)"), **PERSON,
        where=_is("minor_at_arrest", True)),
    Kpi("families.supported", _l("Families supported (first support in the period)"),
        **SUPPORT, where=_is("first_for_family", True)),
    Kpi("support.sessions", _l("Psychological support sessions"), **SUPPORT,
        where=(Cond("kind", "in", ("individual_psych", "group_session")),)),
    Kpi("support.referrals", _l("Referrals of families"), **SUPPORT,
        where=_is("kind", "referral")),
)
KPIS = (*KPIS, *DETAINEE_KPIS)

BY_KEY: dict[str, Kpi] = {kpi.key: kpi for kpi in KPIS}

#: the columns (besides office, track and project) the figures of a model are broken down
#: by; the rollups keep them, so those breakdowns are read from the rollups too
BREAKDOWNS: dict[type, tuple[str, ...]] = {Training: ("training_kind",), Partner: ("origin",),
                                           MonitoringFigure: ("place_id",)}

#: the annual report's ten figures, each with the figure shown beneath it (if any)
CARDS: tuple[tuple[str, str | None], ...] = (
    ("cases.total", None),
    ("cases.court_referrals", None),
    ("cases.mediations", "cases.mediations.immigration"),
    ("cases.under_follow_up", None),
    ("meetings.government", None),
    ("meetings.comprehensive", None),
    ("videos.published", None),
    ("awareness_activities.total", None),
    ("workshops.total", None),
    ("partnerships.total", None),
)

CARD_KEYS = tuple(key for card in CARDS for key in card if key)

#: the consultation outcomes, and the cases with none recorded, which together make cases.total
OUTCOME_KEYS = (*(f"cases.by_outcome.{code}" for code in CONSULTATION_OUTCOMES.codes),
                "cases.without_outcome")
#: a sensitive total and the breakdowns that add up to it exactly, so that hiding one of
#: them hides enough others that it cannot be worked out from the total
ADDS_UP: dict[str, tuple[str, ...]] = {"cases.total": OUTCOME_KEYS}
#: the Detainees Office's figures: a person has one status, and one party of latest arrest
#: (or none), so each breakdown adds up to the total
DETAINEE_STATUS_KEYS = tuple(f"detainees.by_status.{c}" for c in DETAINEE_STATUSES.codes)
DETAINEE_PARTY_KEYS = (*(f"detainees.by_party.{c}" for c in DETAINING_PARTIES.codes),
                       "detainees.without_episode")
DETAINEE_KEYS = tuple(kpi.key for kpi in DETAINEE_KPIS)
#: every total and a set of breakdowns that add up to it (a total may have several)
LINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    *ADDS_UP.items(),
    ("detainees.total", DETAINEE_STATUS_KEYS),
    ("detainees.total", DETAINEE_PARTY_KEYS),
)
COUNTERPART_KEYS = tuple(f"meetings.by_counterpart.{c}" for c in COUNTERPART_CATEGORIES.codes)
TRAINING_KEYS = ("trainings.hours", "trainings.participants", "trainings.trainers")
#: the office's logged work, by kind, for the charts over time and by office
ACTIVITY_KEYS = ("meetings.total", "trainings.total", "videos.total",
                 "awareness_activities.total", "events.total")
OFFICE_KEYS = (*ACTIVITY_KEYS, "cases.total")

"""Monitoring figures: indicators and places as data, flows that add up, stocks that never do."""

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ColumnElement, ForeignKey, String, Table, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.choices import (
    FIGURE_MEASURES,
    PLACE_KINDS,
    RELIABILITY,
    SOURCE_KINDS,
    TESTIMONY_SUBJECTS,
)
from coalition.crypto import EncryptedText
from coalition.database import OfficeWork, Record, db
from coalition.fields import CODE, Field, Fields, dates_in_order, office_work
from coalition.offices.models import NAMES, NamedRecord

#: the border crossings every coalition monitors (the KPIs name them, `CROSSINGS` in
#: choices); offices add others as data: (code, Arabic name, English name)
CROSSING_PLACES = (
    ("tel_abyad", "تل أبيض", "Tel Abyad"),
    ("bab_al_hawa", "باب الهوى", "Bab al-Hawa"),
    ("bab_al_salama", "باب السلامة", "Bab al-Salama"),
    ("jarablus", "جرابلس", "Jarablus"),
)
#: the indicator the deportation figures count
DEPORTATIONS = "deportations"


class Indicator(NamedRecord):
    """What a figure counts (deportations, deaths under torture …); offices add their own."""

    __tablename__ = "monitoring_indicators"

    description: Mapped[str] = mapped_column(Text, default="")

    fields = Fields(*NAMES, Field("description", _l("Description")),
                    title=_l("Monitoring indicators"))


class Place(NamedRecord):
    """Where a figure stands: a border crossing, a governorate, a city or a country."""

    __tablename__ = "monitoring_places"

    place_kind: Mapped[str] = mapped_column("kind", String(20), default="crossing", index=True)

    fields = Fields(*NAMES, Field("place_kind", _l("Kind of place"), choices=PLACE_KINDS,
                                  required=True, listed=True, filtered=True, aliases=("kind",)),
                    title=_l("Monitoring places"))


def _check_figure(values) -> list[tuple[str, str]]:
    """A flow covers a period (from, to); a stock stands at a date; never both."""
    measure = values.get("measure")
    if measure == "flow":
        found = [(name, _("A flow needs the first and last day of its period."))
                 for name in ("period_start", "period_end") if not values.get(name)]
        if values.get("as_of"):
            found.append(("as_of", _("A flow covers a period: leave the date it stands at "
                                     "empty.")))
        return found or dates_in_order(values, "period_start", "period_end")
    if measure == "stock":
        found = [] if values.get("as_of") else [
            ("as_of", _("A stock needs the date it stands at."))]
        found += [(name, _("A stock stands at a date: leave the period empty."))
                  for name in ("period_start", "period_end") if values.get(name)]
        return found
    return []


def _dated_on(context) -> dt.date | None:
    """The day a row inserted without the ORM's hooks (an import) is dated by."""
    values = context.get_current_parameters()
    return values.get("period_start") or values.get("as_of")


class MonitoringFigure(OfficeWork):
    """A statistic recorded from a source, in the source's own words."""

    __tablename__ = "monitoring_figures"

    indicator_id: Mapped[int] = mapped_column(ForeignKey("monitoring_indicators.id"),
                                              index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_places.id"),
                                                 index=True)
    measure: Mapped[str] = mapped_column(String(10), default="flow", index=True)
    period_start: Mapped[dt.date | None]
    period_end: Mapped[dt.date | None]
    as_of: Mapped[dt.date | None]
    #: the day that places the figure in time: its period's first day, or its date (kept
    #: by `_date_figure`, and for rows inserted in bulk by the column's default)
    dated_on: Mapped[dt.date] = mapped_column(default=_dated_on, index=True)
    value: Mapped[int] = mapped_column(default=0)
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_kind: Mapped[str | None] = mapped_column(String(30))
    source_wording: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reliability: Mapped[str | None] = mapped_column(String(20))
    publishable: Mapped[bool] = mapped_column(default=False)

    indicator = relationship("Indicator")
    place = relationship("Place")

    fields = Fields(
        Field("indicator", _l("Indicator"), required=True, listed=True, filtered=True,
              donor=True),
        Field("place", _l("Place"), listed=True, filtered=True, donor=True,
              help=_l("A border crossing, a governorate, a city or the country.")),
        Field("measure", _l("Flow or stock"), choices=FIGURE_MEASURES, required=True,
              listed=True, filtered=True, donor=True, help=_l(
                  "A flow is so many in a period and adds up; a stock is so many as of a "
                  "date and is never added up.")),
        Field("period_start", _l("Period from"), filtered=True, donor=True,
              help=_l("For a month, its first and last day.")),
        Field("period_end", _l("Period to"), donor=True),
        Field("as_of", _l("As of"), filtered=True, donor=True,
              help=_l("For a stock: the date the figure stands at.")),
        Field("dated_on", _l("Dated"), entered=False, imported=False, listed=True,
              filtered=True, donor=True,
              help=_l("The first day of a flow's period, or the date of a stock.")),
        Field("value", _l("Value"), required=True, minimum=0, listed=True, donor=True),
        *office_work(listed=("office",)),
        Field("source_name", _l("Source"), required=True, listed=True, searched=True,
              donor=True),
        Field("source_kind", _l("Kind of source"), choices=SOURCE_KINDS, filtered=True,
              donor=True),
        Field("source_wording", _l("The source's wording"), searched=True, donor=True,
              help=_l("The source's own term, e.g. “leaving Turkish territory”.")),
        Field("note", _l("Note"), donor=True),
        Field("reliability", _l("Reliability"), choices=RELIABILITY, listed=True,
              filtered=True, donor=True),
        Field("publishable", _l("May be published"), listed=True, filtered=True),
        rules=_check_figure,
        title=_l("Monitoring figures"),
    )

    def __str__(self) -> str:
        when = self.as_of or self.period_start
        return f"{self.indicator} — {self.place or ''} {when or ''}: {self.value}"


@event.listens_for(MonitoringFigure, "before_insert")
@event.listens_for(MonitoringFigure, "before_update")
def _date_figure(_mapper, _connection, figure: MonitoringFigure) -> None:
    """A figure is dated by its period's first day, or by the date a stock stands at."""
    day = figure.period_start or figure.as_of
    if day is not None:  # the rules ask for one; without it the database refuses the row
        figure.dated_on = day


def latest_stocks(end: dt.date | None, *, published_only: bool = True,
                  office_id: int | None = None,
                  campaign_id: int | None = None) -> list[MonitoringFigure]:
    """The latest stock of each indicator (and place) as of `end`, of those a campaign cites
    if one is given: stocks are never summed."""
    query = select(MonitoringFigure).where(MonitoringFigure.deleted_at.is_(None),
                                           MonitoringFigure.measure == "stock")
    if campaign_id is not None:
        query = query.where(cited_by(campaign_id))
    if end is not None:
        query = query.where(MonitoringFigure.as_of <= end)
    if published_only:
        query = query.where(MonitoringFigure.publishable.is_(True))
    if office_id is not None:
        query = query.where(MonitoringFigure.office_id == office_id)
    latest: dict[tuple, MonitoringFigure] = {}
    for figure in db.session.scalars(query.order_by(MonitoringFigure.as_of,
                                                    MonitoringFigure.id)):
        latest[(figure.indicator_id, figure.place_id)] = figure
    return sorted(latest.values(), key=lambda f: (f.indicator.code, str(f.place or "")))


# --- testimonies ------------------------------------------------------------------------------
def _check_testimony(values) -> list[tuple[str, str]]:
    """Consent comes first: to reports, then to a name; an anonymous witness is not named."""
    found = []
    if values.get("consent_reports") and not values.get("consent_given"):
        found.append(("consent_reports", _("Use in reports needs the witness's consent.")))
    if values.get("consent_named") and not values.get("consent_reports"):
        found.append(("consent_named", _("Quoting by name needs consent to use in reports.")))
    if values.get("consent_named") and values.get("anonymous"):
        found.append(("consent_named", _("A witness who asked to stay anonymous is not "
                                         "quoted by name.")))
    if values.get("personal_statement") and not values.get("consent_given"):
        found.append(("consent_given", _(
            "A statement can only be saved with the witness's recorded consent.")))
    return found


class Testimony(OfficeWork):
    """A testimony: what makes it countable and a publishable summary; the statement apart."""

    __tablename__ = "testimonies"
    personal_access = "testimony_statements"

    taken_on: Mapped[dt.date] = mapped_column(index=True)
    place_taken: Mapped[str] = mapped_column(String(200), default="")
    taken_by: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(30), default="forced_deportation", index=True)
    witness_pseudonym: Mapped[str] = mapped_column(String(100), default="")
    anonymous: Mapped[bool] = mapped_column(default=True)
    consent_given: Mapped[bool] = mapped_column(default=False)
    consent_reports: Mapped[bool] = mapped_column(default=False)
    consent_named: Mapped[bool] = mapped_column(default=False)
    kimlik: Mapped[bool] = mapped_column(default=False)
    signed_voluntary_return: Mapped[bool] = mapped_column(default=False)
    held_before_removal: Mapped[str] = mapped_column(String(300), default="")
    crossing_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_places.id"),
                                                    index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")

    crossing = relationship("Place")
    case = relationship("Case")
    statement = relationship("TestimonyStatement", uselist=False, back_populates="testimony",
                             cascade="all, delete-orphan")

    fields = Fields(
        Field("taken_on", _l("Taken on"), required=True, listed=True, filtered=True),
        Field("place_taken", _l("Where it was taken"), searched=True,
              help=_l("A city, or “online”.")),
        Field("taken_by", _l("Taken by")),
        *office_work(listed=("office",)),
        Field("subject", _l("What it is about"), choices=TESTIMONY_SUBJECTS, required=True,
              listed=True, filtered=True),
        Field("witness_pseudonym", _l("Witness's pseudonym"), required=True, listed=True,
              searched=True, help=_l("Never the real name: the statement keeps that apart.")),
        Field("anonymous", _l("Asked to stay anonymous"), listed=True, filtered=True),
        Field("consent_given", _l("Informed consent given"), filtered=True),
        Field("consent_reports", _l("Consents to use in reports"), listed=True, filtered=True,
              help=_l("Without it, the summary never leaves the app.")),
        Field("consent_named", _l("Consents to be quoted by name")),
        Field("kimlik", _l("Held temporary protection (kimlik)"), listed=True, filtered=True),
        Field("signed_voluntary_return", _l("Made to sign a voluntary-return paper"),
              listed=True, filtered=True),
        Field("held_before_removal", _l("Where held before removal")),
        Field("crossing", _l("Crossing removed through"), filtered=True),
        Field("case", _l("Legal-protection case"), imported=False),
        Field("summary", _l("Publishable summary"), listed=True, released_by="consent_reports",
              help=_l(
            "Free of anything that identifies the witness.")),
        rules=_check_testimony,
        title=_l("Testimonies"),
        dated_by="taken_on",
    )

    def __str__(self) -> str:
        return f"{self.witness_pseudonym} — {self.taken_on}"


class TestimonyStatement(Record):
    """A testimony's statement: encrypted, for its office's coordinators and admins only."""

    __tablename__ = "testimony_statements"
    part_of = "testimony"

    testimony_id: Mapped[int] = mapped_column(
        ForeignKey("testimonies.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(EncryptedText, default="")

    testimony = relationship("Testimony", back_populates="statement")

    fields = Fields(Field("text", _l("Statement"), personal=True, imported=False),
                    title=_l("Statements of testimonies"))

    @property
    def office_scope(self) -> int | None:
        return self.testimony.office_id if self.testimony else None


# --- campaigns --------------------------------------------------------------------------------
campaign_figures = Table(
    "campaign_figures",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("figure_id", ForeignKey("monitoring_figures.id", ondelete="CASCADE"),
           primary_key=True),
)


def cited_by(campaign_id: int) -> ColumnElement[bool]:
    """The SQL condition keeping the monitoring figures a campaign cites."""
    return MonitoringFigure.id.in_(select(campaign_figures.c.figure_id).where(
        campaign_figures.c.campaign_id == campaign_id))


#: the work done for a campaign, linked from the work's side (its `campaign` field): the
#: relationship of each kind, the model's name and the heading its page lists it under
CAMPAIGN_WORK = (
    ("events", "Event", _l("Events")),
    ("meetings", "Meeting", _l("Meetings")),
    ("awareness_activities", "AwarenessActivity", _l("Awareness activities")),
    ("videos", "Video", _l("Awareness videos")),
    ("publications", "Publication", _l("Publications")),
)


class Campaign(NamedRecord, OfficeWork):
    """An advocacy campaign: its aim, period and demands, the figures it cites, its work."""

    __tablename__ = "campaigns"

    aim: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date] = mapped_column(index=True)
    end_date: Mapped[dt.date | None]
    demands: Mapped[str] = mapped_column(Text, default="")

    figures = relationship("MonitoringFigure", secondary=campaign_figures,
                           order_by=MonitoringFigure.dated_on)
    # the work records point at the campaign; these read them for its page
    events = relationship("Event", viewonly=True, order_by="Event.date")
    meetings = relationship("Meeting", viewonly=True, order_by="Meeting.date")
    awareness_activities = relationship("AwarenessActivity", viewonly=True,
                                        order_by="AwarenessActivity.date")
    videos = relationship("Video", viewonly=True, order_by="Video.published_on")
    publications = relationship("Publication", viewonly=True, order_by="Publication.date")

    fields = Fields(
        Field("code", _l("Code"), required=True, listed=True, searched=True, text=CODE),
        Field("name_ar", _l("Name (Arabic)"), required=True, listed=True, searched=True),
        Field("name_en", _l("Name (English)"), searched=True),
        *office_work(listed=("office",)),
        Field("start_date", _l("Start date"), required=True, listed=True, filtered=True),
        Field("end_date", _l("End date"), listed=True,
              help=_l("Empty while the campaign goes on.")),
        Field("aim", _l("Aim"), searched=True),
        Field("demands", _l("Demands"), searched=True,
              help=_l("What the campaign asks for, one demand a line.")),
        Field("figures", _l("Monitoring figures it cites"), lookup=("source_name",),
              imported=False, help=_l("Type a source's name to find its figures.")),
        rules=lambda values: dates_in_order(values, "start_date", "end_date"),
        title=_l("Campaigns"),
    )

"""Covering indexes for the KPI queries, one per table the dashboard reads in bulk.

Each leads with the trash flag and the record's date, so a period is an index range, then
holds every column a KPI of that table filters on, groups by or sums: the KPI SELECTs and
breakdowns then read the index alone, never the wide table rows. `tests/test_kpis.py`
checks that they keep up with the definitions.
"""

from sqlalchemy import Index

from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.cases.models import Case
from coalition.meetings.models import Meeting
from coalition.publications.models import Publication


def _work(model, date) -> tuple:
    """Trash flag, date, then track, office and project: the order the breakdowns group by."""
    return model.deleted_at, date, model.track_id, model.office_id, model.project_id


def _split(model) -> tuple:
    """How many of the participants were women, men and under 18."""
    return model.women, model.men, model.under_18


KPI_INDEXES = (
    Index("ix_meetings_kpis", *_work(Meeting, Meeting.date), Meeting.government,
          Meeting.comprehensive, Meeting.counterpart_category),
    Index("ix_trainings_kpis", *_work(Training, Training.start_date), Training.training_kind,
          Training.hours, Training.participants, Training.trainers, *_split(Training)),
    Index("ix_videos_kpis", *_work(Video, Video.published_on), Video.video_kind),
    Index("ix_awareness_activities_kpis", *_work(AwarenessActivity, AwarenessActivity.date),
          AwarenessActivity.attendees, *_split(AwarenessActivity)),
    Index("ix_events_kpis", *_work(Event, Event.date), Event.attendees, *_split(Event)),
    Index("ix_publications_kpis", *_work(Publication, Publication.date)),
    Index("ix_cases_kpis", *_work(Case, Case.opened_on), Case.status, Case.closed_on,
          Case.consultation_outcome, Case.mediation, Case.court_referral),
)

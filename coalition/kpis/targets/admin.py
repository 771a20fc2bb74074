"""The targets screen, and its page of every target against its actual."""

from flask import request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from coalition.database import db
from coalition.kpis.targets.models import Target
from coalition.kpis.targets.progress import MARKS, TOLERANCE, find, progress
from coalition.kpis.visibility import Audience
from coalition.views import RecordView


class TargetView(RecordView):
    """Targets: leadership and admins set them, coordinators read them."""

    column_default_sort = [("year", True), ("quarter", False)]
    list_template = "targets/list.html"

    @expose("/progress/")
    def progress_view(self) -> str:
        """Every target (of a year, if one is chosen) with its actual, percentage and mark."""
        years = list(db.session.scalars(select(Target.year).distinct().where(
            Target.deleted_at.is_(None)).order_by(Target.year.desc())))
        asked = request.args.get("year", "")
        year = int(asked) if asked.isdecimal() and int(asked) in years else None
        rows = progress(find(year, every_scope=True), Audience.of(current_user))
        return self.render("targets/progress.html", rows=rows, years=years, year=year,
                           marks=MARKS, tolerance=TOLERANCE)

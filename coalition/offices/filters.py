"""List filters by office, track and project, for the screens of an office's work."""

from flask_babel import lazy_gettext as _l

from coalition.offices.models import Office, Project, Track
from coalition.views import relation_filter


def tag_filters() -> tuple:
    """Filters by office, track and project, for records of an office's work."""
    return (relation_filter(Office, _l("Office")), relation_filter(Track, _l("Track")),
            relation_filter(Project, _l("Project")))

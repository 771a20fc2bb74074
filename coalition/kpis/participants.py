"""The split of participants by women, men and under 18: the dashboard's chart of it and the
rows the donor workbook writes, from the figures as the reader may see them (a small split
is hidden from donors, and so are enough others that it cannot be worked out)."""

from flask_babel import lazy_gettext as _l

from coalition.kpis import charts
from coalition.kpis.definitions import BY_KEY, PARTICIPANT_KEYS, PARTS
from coalition.kpis.visibility import Figures

PART_NAMES = {"women": _l("Women"), "men": _l("Men"), "under_18": _l("Under 18")}


def participant_rows(values: Figures) -> list[tuple[str, list]]:
    """For trainings, awareness activities and events: the label of the whole, then the whole,
    women, men and under 18 as shown (a hidden one as the word that stands for it)."""
    return [(str(BY_KEY[keys[0]].label), [values.shown(key) for key in keys])
            for keys in PARTICIPANT_KEYS.values()]


def participants_chart(values: Figures, rtl: bool) -> charts.Figure:
    """Women, men and under 18 side by side for each kind of work (no bar where hidden)."""
    kinds = list(PARTICIPANT_KEYS.values())
    series = [(str(PART_NAMES[part]), [values[keys[n + 1]] for keys in kinds],
               [""] * len(kinds)) for n, part in enumerate(PARTS)]
    return charts.grouped([str(BY_KEY[keys[0]].label) for keys in kinds], series, rtl)

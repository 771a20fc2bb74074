"""Evidence coverage: of the records behind a figure, how many have a file attached
(attendance sheets, photos, reports). The same KPI definitions count both, the second with
the records' files as one more condition (`conditions.with_evidence`), and both are read as
the reader may see them."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from coalition.kpis.definitions import BY_KEY
from coalition.kpis.filters import Filters
from coalition.kpis.visibility import Audience, figures


@dataclass(frozen=True)
class Coverage:
    """How many of a figure's records have evidence: `documented` of `records`."""

    documented: int
    records: int

    @property
    def percent(self) -> int | None:
        """The share with evidence, in whole percent (None for no records)."""
        return round(100 * self.documented / self.records) if self.records else None


def evidence_coverage(audience: Audience, filters: Filters,
                      keys: Iterable[str]) -> dict[str, Coverage]:
    """The coverage of each figure named that counts records (not a sum of hours or people)
    and that the reader sees, both counts under the same filters."""
    counted = [key for key in keys if BY_KEY[key].total is None]
    every, documented = figures(audience, [(filters, counted),
                                           (replace(filters, evidenced=True), counted)])
    found = {}
    for key in counted:
        records, with_files = every[key], documented[key]
        if records is not None and with_files is not None:
            found[key] = Coverage(int(with_files), int(records))
    return found

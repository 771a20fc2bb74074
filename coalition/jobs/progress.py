"""How far a job got: counters kept in the queue's own store, read by the progress bar.

The counters live beside the queue (its SQLite file, or Redis), not in the app's
database: an import holds the database's write lock until it commits, and its progress
must still be readable meanwhile.
"""

import time
from collections.abc import Callable

#: seconds between two publications of a running job's counters
EVERY = 0.3


def key(job_id: str) -> str:
    """The store key of a job's counters."""
    return f"coalition-job-progress:{job_id}"


class Tracker:
    """Counts steps (rows read, checked, written; sheets written) and publishes them."""

    def __init__(self, publish: Callable[[dict], None], **counts: int) -> None:
        self.publish = publish
        self.counts: dict[str, int] = dict(counts)
        self._last = 0.0

    def __call__(self, step: str, count: int = 1) -> None:
        """Add to a counter; publish now and then."""
        self.counts[step] = self.counts.get(step, 0) + count
        if time.monotonic() - self._last >= EVERY:
            self.flush()

    def set(self, **counts: int) -> None:
        """Set counters outright (totals, phases) and publish them."""
        self.counts.update(counts)
        self.flush()

    def flush(self) -> None:
        """Publish the counters as they are."""
        self._last = time.monotonic()
        self.publish(dict(self.counts))


def fraction(kind: str, counts: dict) -> float | None:
    """How much of the work is done (0..1), or None while there is no telling."""
    from coalition.jobs.models import DONOR, IMPORT, LIST

    def part(done: int, total: int | None) -> float | None:
        return None if not total else min(1.0, done / total)

    if kind == IMPORT:
        total, written = counts.get("total"), counts.get("written")
        if written is not None:  # every row checked; now writing them
            return 0.6 + 0.4 * (part(written, counts.get("checked")) or 1.0)
        read = part(counts.get("read", 0), total)
        if read is None:
            return None
        return 0.5 * read + 0.1 * (part(counts.get("checked", 0), total) or 0.0)
    if kind == DONOR:
        return part(counts.get("sheets", 0), counts.get("sheets_total"))
    if kind == LIST:
        return part(counts.get("rows", 0), counts.get("total"))
    return None

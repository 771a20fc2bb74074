"""The cache of computed figures, keyed by what was asked, who asks and the data version.

Every write to the records moves the data version in its own transaction
(`coalition.versions`), so an answer kept under a version is the answer for
the records as they were at that version: a write makes every earlier answer unreachable at
once, in every worker, with no invalidation to forget. The version is read before the figures
are computed, so an answer is never older than the version it is kept under. It is a random
token rather than a count: a transaction rolled back after caching what it saw leaves a
version no later write will take again.

Answers are kept per `Audience` (`coalition.kpis.visibility`): two readers who may see
different figures never share one. The key also covers every filter (every field of
`Filters`, whatever is added to it), the KPIs and groupings asked, the small-cell threshold
and the definitions, so a deploy that changes a KPI never reads answers computed under the
old one (which matters with Redis, whose entries outlive a process).

Beneath those answers, what was read from one rollup is kept under that rollup's own version
(`rollups.usable`), so that after a write only the figures of the records written are read
again (`coalition.kpis.queries`).

Flask-Caching keeps the answers (`coalition.extensions.cache`): in the process by default
(`ProcessCache`), on Redis with CACHE_REDIS_URL. A cache that fails is skipped: the figures
are computed.
"""

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

from flask_caching.backends.simplecache import SimpleCache

from coalition import versions
from coalition.kpis.definitions import KPIS
from coalition.kpis.filters import Filters

T = TypeVar("T")

#: what the cached answers are; raise it when their form changes
FORM = 2
DEFINITIONS = hashlib.sha256(repr([
    FORM, *((k.key, k.model.__tablename__, k.date, k.where, k.total, k.period, k.until,
             k.sensitive, k.dimensions) for k in KPIS)]).encode()).hexdigest()[:16]


def plain(value: Any) -> Hashable:
    """A filter's value as plain data: a record (office, track, project) by its kind and id."""
    if value is None or isinstance(value, bool | int | str | date):
        return value
    return type(value).__name__, getattr(value, "id", repr(value))


def filters_key(filters: Filters) -> tuple:
    """Every filter, by name, as plain data."""
    return tuple((field.name, plain(getattr(filters, field.name))) for field in fields(filters))


def key(kind: str, parts: Hashable) -> str:
    """The cache key of an answer of `kind` (figures, breakdown) to `parts`, but for the
    version (`versions.kept_at` adds it)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"kpis:{kind}:{DEFINITIONS}:{digest}"


def cached(kind: str, parts: Hashable, compute: Callable[[], T]) -> T:
    """The answer to `parts` at the current data version: from the cache, else computed
    and kept."""
    return cached_at(versions.data_version(), kind, parts, compute)


def cached_at(version: str | None, kind: str, parts: Hashable,
              compute: Callable[[], T]) -> T:
    """The answer to `parts` at `version` (None: not to be kept): from the cache, else
    computed and kept. The version must be read before what `compute` reads."""
    return versions.kept_at(version, key(kind, parts), compute)


class ProcessCache(SimpleCache):
    """Flask-Caching's in-process cache, emptied a quarter at a time when full.

    Every write leaves the answers kept under the version before it unread, so the cache
    fills up in a busy worker; once full, cachelib sorts every answer to drop the oldest one
    on every answer kept (0.2 ms at 2,000, about twenty times a page). Dropping the oldest
    quarter at once sorts once for hundreds of answers.
    """

    def _remove_older(self) -> None:
        keep = self._threshold * 3 // 4
        oldest = sorted(self._cache.items(), key=lambda item: item[1][0])
        for name, _value in oldest[:max(0, len(self._cache) - keep)]:
            self._cache.pop(name, None)

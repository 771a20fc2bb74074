"""The cache of computed figures, keyed by what was asked, who asks and the data version.

The answers are kept under the data version every write moves (`coalition.versions`, which
says why that is never behind a write). They are kept per `Audience`
(`coalition.kpis.visibility`): two readers who may see different figures never share one.
The key also covers every filter (every field of `Filters`, whatever is added to it), the
KPIs and groupings asked, the small-cell threshold and the definitions, so a deploy that
changes a KPI never reads answers computed under the old one (which matters with Redis,
whose entries outlive a process).

Beneath those answers, what was read from one rollup is kept under that rollup's own version
(`rollups.usable`), so that after a write only the figures of the records written are read
again (`coalition.kpis.queries`).
"""

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

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

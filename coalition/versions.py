"""The data version every write moves, and answers kept under it until the next write.

`kpi_state` holds the data version (a random token, moved in the transaction of every write
of a record: `coalition.kpis.rollups`), the version of each table's rows (moved with it),
each rollup's own version and the fingerprint of the definitions each rollup was built
under. An answer worked out from the records — a figure, a list's count, a filter's
options — is kept under the version read before it was worked out: a write makes every
earlier answer unreachable at once, in every worker, with no invalidation to forget, and an
answer is never older than the version it is kept under.
It is a token rather than a count: a transaction rolled back after keeping what it saw
leaves a version no later write takes again.

The answers are kept by Flask-Caching (`coalition.extensions.cache`): in the process by
default (`ProcessCache`), on Redis with CACHE_REDIS_URL. A cache that fails is skipped: the
answer is worked out.
"""

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from cachelib.serializers import SimpleSerializer
from flask import current_app
from flask_caching.backends.simplecache import SimpleCache
from sqlalchemy import Column, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from coalition.database import db
from coalition.extensions import cache

T = TypeVar("T")

state = Table(
    "kpi_state", db.metadata,
    Column("name", String(60), primary_key=True),
    Column("value", String(80), nullable=False),
    comment="The data version every write moves, and each rollup's definitions fingerprint.",
)
VERSION = "version"
_READ = "kpi_states"


def set_state(connection: Connection, name: str, value: str) -> None:
    """Write one entry of `kpi_state` in the connection's transaction."""
    connection.info.pop(_READ, None)  # what this transaction read of it is out of date
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(state).values(name=name, value=value)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[state.c.name], set_={"value": statement.excluded.value}))


def move_version(connection: Connection) -> None:
    """A new data version: every answer kept before this write is out of date."""
    set_state(connection, VERSION, uuid.uuid4().hex)


def move_tables(connection: Connection, names: Iterable[str]) -> None:
    """A new version of each of these tables' rows (`table_version`), in the write's
    transaction."""
    for name in sorted(set(names)):
        set_state(connection, f"rows:{name}", uuid.uuid4().hex)


def states() -> dict[str, str]:
    """Every entry of `kpi_state`: read once a transaction (until it writes them), so that
    a page asking for many answers reads them once. Read before the answers, they are never
    newer than what is worked out under them."""
    connection = db.session.connection()
    transaction = connection.get_transaction()
    kept = connection.info.get(_READ)
    if kept is not None and kept[0] is transaction:
        return kept[1]
    read: dict[str, str] = dict(connection.execute(select(state.c.name, state.c.value)).all())
    connection.info[_READ] = (transaction, read)
    return read


def data_version() -> str | None:
    """The data version: it changes with every write of any record.
    None until the first write: a database filled some other way has no version to key on."""
    return states().get(VERSION)


def table_version(name: str) -> str | None:
    """The version of one table's rows: every write of a record of that table moves it, and
    writes of other tables leave it, so that what is read of a table that seldom changes
    (the offices of a filter's menu) is not read again after every meeting saved. The data
    version until the table's first write since its rows had versions."""
    read = states()
    return read.get(f"rows:{name}", read.get(VERSION))


#: how to count a table's live records, all or one office's, without reading them (None:
#: not so now), by model: set by `coalition.kpis.rollups`, whose counts are exact in the
#: transaction of every write
whole_counts: dict[type, Callable[[int | None], int | None]] = {}


def kept_at(version: str | None, name: str, compute: Callable[[], T]) -> T:
    """The answer kept as `name` at `version` (None: not to be kept), else worked out and
    kept. The version must be read before what `compute` reads."""
    if version is None:
        return compute()
    name = f"{name}:{version}"
    try:
        found = cache.get(name)
    except Exception:  # a cache that fails (Redis away) is no reason to fail the page
        current_app.logger.exception("the cache could not be read")
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(name, value)
    except Exception:
        current_app.logger.exception("the cache could not be written")
    return value


class _AsIs(SimpleSerializer):
    """Answers kept in the process as the objects they are: cachelib pickles every answer
    in and unpickles it out, a copy on every read of it (a twentieth of a busy dashboard's
    time). Nothing changes an answer once it is kept (figures, breakdowns, charts, counts
    and options are only read), as it could not change a copy on Redis."""

    def dumps(self, value: Any, protocol: int = 0) -> Any:
        return value

    def loads(self, bvalue: Any) -> Any:
        return bvalue


class ProcessCache(SimpleCache):
    """Flask-Caching's in-process cache, holding answers as they are (`_AsIs`), emptied a
    quarter at a time when full.

    Every write leaves the answers kept under the version before it unread, so the cache
    fills up in a busy worker; once full, cachelib sorts every answer to drop the oldest one
    on every answer kept (0.2 ms at 2,000, about twenty times a page). Dropping the oldest
    quarter at once sorts once for hundreds of answers.
    """

    serializer = _AsIs()

    def _remove_older(self) -> None:
        keep = self._threshold * 3 // 4
        oldest = sorted(self._cache.items(), key=lambda item: item[1][0])
        for name, _value in oldest[:max(0, len(self._cache) - keep)]:
            self._cache.pop(name, None)

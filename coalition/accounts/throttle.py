"""Sign-in throttling, with counters in the database so every worker and machine shares them.

Each attempt is counted before its password is checked, by a compare-and-set update that
two concurrent attempts cannot both win, under three separate kinds of key:

- the (account, address) pair: LOGIN_LIMIT failures block that pair for the window;
- the address: LOGIN_ADDRESS_LIMIT failures block the address, whatever account it tries;
- the account, from any address: after LOGIN_ACCOUNT_FREE attempts in an hour each attempt
  must wait twice as long as the one before, up to LOGIN_ACCOUNT_MAX_DELAY seconds, so that
  guesses at one account stay under about 100 an hour however many addresses send them,
  while its owner, who signs in from elsewhere, waits seconds instead of being locked out.

A successful sign-in gives its attempt back. Keys are HMACs of the name and address, so the
table never holds what someone typed as a user name.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from limits import parse
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from coalition.accounts.models import SignInCounter
from coalition.database import db, table_of, utcnow

ACCOUNT_WINDOW = timedelta(hours=1)
#: how long a counter is kept after its window ended
KEPT = timedelta(days=1)
_TRIES = 8


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not checked, and for how many seconds more."""

    seconds: int


def _key(kind: str, *parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = "\n".join((kind, *parts)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _limit(setting: str) -> tuple[int, timedelta]:
    item = parse(current_app.config[setting])
    return item.amount, timedelta(seconds=item.get_expiry())


def _delay(count: int) -> timedelta:
    """The wait before an account's next attempt, after its `count`-th in the hour."""
    free = int(current_app.config["LOGIN_ACCOUNT_FREE"])
    if count <= free:
        return timedelta(0)
    ceiling = int(current_app.config["LOGIN_ACCOUNT_MAX_DELAY"])
    return timedelta(seconds=min(2 ** (count - free - 1), ceiling))


def _take(key: str, limit: int | None, window: timedelta, now: datetime,
          delayed: bool = False) -> Refusal | None:
    """Count one attempt under `key`, unless it is over the limit or too early."""
    table = table_of(SignInCounter)
    for _try in range(_TRIES):
        with db.engine.connect() as connection:
            row: Any = connection.execute(select(table.c.count, table.c.window_start,
                                            table.c.next_at).where(table.c.key == key)).first()
        if row is None:
            try:
                with db.engine.begin() as connection:
                    connection.execute(insert(table).values(key=key, count=0, window_start=now))
            except IntegrityError:
                pass  # another attempt made it first: read it again
            continue
        count, start, next_at = row
        fresh_count, fresh_start = (0, now) if start <= now - window else (count, start)
        if next_at is not None and next_at > now:
            return Refusal(int((next_at - now).total_seconds()) + 1)
        if limit is not None and fresh_count >= limit:
            return Refusal(int((fresh_start + window - now).total_seconds()) + 1)
        # compare and set: of two attempts that read the same count, one only is counted
        with db.engine.begin() as connection:
            changed = connection.execute(
                update(table).where(table.c.key == key, table.c.count == count,
                                    table.c.window_start == start)
                .values(count=fresh_count + 1, window_start=fresh_start,
                        next_at=now + _delay(fresh_count + 1) if delayed else None))
        if changed.rowcount == 1:
            return None
    return Refusal(1)  # too many concurrent attempts on the same key: this one waits


def _give_back(key: str) -> None:
    table = table_of(SignInCounter)
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.key == key, table.c.count > 0)
                           .values(count=table.c.count - 1))


@dataclass
class Attempt:
    """One sign-in attempt: counted first, checked only if no key refuses it."""

    username: str
    address: str

    def __post_init__(self) -> None:
        name = self.username.strip().casefold()
        self.keys = {"address": _key("address", self.address),
                     "pair": _key("pair", name, self.address),
                     "account": _key("account", name)}

    def take(self, now: datetime | None = None) -> Refusal | None:
        """Count the attempt; a Refusal if it may not be checked now."""
        now = now or utcnow()
        pair, pair_window = _limit("LOGIN_LIMIT")
        address, address_window = _limit("LOGIN_ADDRESS_LIMIT")
        # the account's own delay is counted last: a refused pair or address leaves it alone
        return (_take(self.keys["address"], address, address_window, now)
                or _take(self.keys["pair"], pair, pair_window, now)
                or _take(self.keys["account"], None, ACCOUNT_WINDOW, now, delayed=True))

    def succeeded(self, now: datetime | None = None) -> None:
        """A right password uses up no allowance; old counters go."""
        for key in self.keys.values():
            _give_back(key)
        table = table_of(SignInCounter)
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(
                table.c.window_start < (now or utcnow()) - KEPT))

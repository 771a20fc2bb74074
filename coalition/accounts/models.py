"""The people who sign in, with their role and office."""

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.choices import ROLES
from coalition.database import Model, Record
from coalition.fields import CODE, EMAIL, Field, Fields
from coalition.i18n import LANGUAGES


def _check_user(values) -> list[tuple[str, str]]:
    """A coordinator belongs to an office."""
    if values.get("role") == "coordinator" and not values.get("office"):
        return [("office", _("A coordinator belongs to an office."))]
    return []


class User(Record):
    """A person who signs in; a coordinator belongs to one office."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20), default="coordinator")
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    #: changes on sign-out everywhere and on a new password, ending every session at once
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))

    # every page names the user's office: read with the user, in the same query
    office = relationship("Office", foreign_keys=[office_id], lazy="joined")

    fields = Fields(
        Field("username", _l("Username"), required=True, listed=True, searched=True, text=CODE),
        Field("display_name", _l("Name"), listed=True, searched=True),
        Field("email", _l("Email"), text=EMAIL, searched=True),
        Field("role", _l("Role"), choices=ROLES, required=True, listed=True, filtered=True),
        Field("office", _l("Office"), listed=True, filtered=True),
        Field("locale", _l("Language"), choices=LANGUAGES, listed=True),
        Field("active", _l("Active"), listed=True, filtered=True),
        rules=_check_user,
        title=_l("Users"),
    )

    def __str__(self) -> str:
        return self.display_name or self.username

    # Flask-Login
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Session id: user id plus the current token, so changing the token ends sessions."""
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        """Hash and store a new password and end the user's other sessions."""
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        """True if the password matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class SignInCounter(Model):
    """Sign-in attempts counted under one key (an address, an account, or both): see throttle."""

    __tablename__ = "sign_in_counters"

    #: an HMAC of the kind of key and its value, never the typed name itself
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(index=True)
    #: no attempt under this key is checked before then (an account's increasing delay)
    next_at: Mapped[datetime | None]

"""The people who sign in, with their role and office."""

import secrets

from flask import current_app
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.database import Record


class User(Record):
    """A person who signs in; a coordinator belongs to one office."""

    __tablename__ = "users"
    kind = "users"

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

    office = relationship("Office", foreign_keys=[office_id], lazy="selectin")

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

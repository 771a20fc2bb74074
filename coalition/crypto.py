"""Encryption at rest of case personal details, with keys from the environment."""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "fernet:"


def load_keys(instance_path: str) -> list[str]:
    """CASE_DATA_KEYS (newest first, comma-separated), else a key kept in the instance folder."""
    if keys := os.environ.get("CASE_DATA_KEYS"):
        return [key.strip() for key in keys.split(",") if key.strip()]
    path = Path(instance_path) / "case_data_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [path.read_text().strip()]


def cipher() -> MultiFernet:
    """Encrypts with the newest key, decrypts with any listed key."""
    return MultiFernet([Fernet(key) for key in current_app.config["CASE_DATA_KEYS"]])


class EncryptedText(TypeDecorator):
    """Text stored as a Fernet token, so a copied database file or backup reveals nothing."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return PREFIX + cipher().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return cipher().decrypt(value[len(PREFIX):].encode()).decode()
        except InvalidToken:
            # a key was removed too early: say so rather than show ciphertext or crash
            return "[encrypted with an unknown key]"


def rotate(token: str) -> str:
    """Re-encrypt a stored token with the newest key."""
    if not token or not token.startswith(PREFIX):
        return token
    return PREFIX + cipher().rotate(token[len(PREFIX):].encode()).decode()

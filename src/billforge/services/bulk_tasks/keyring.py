"""Secrets of saved logins and tasks: stored only as Fernet tokens, with a key derived from
``BILLFORGE_SECRET_KEY``."""

from __future__ import annotations

import base64
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from billforge.errors import RuleRestriction

KEY_REQUIRED: Final = (
    "BILLFORGE_SECRET_KEY is not set: billforge stores a target's password or client secret only "
    "encrypted with a key derived from it, and refuses to store one without it. Set BILLFORGE_SECRET_KEY "
    "(a long random string, the same for every billforge process) and restart, or use the local target"
)


class Keyring:
    """Encrypts and decrypts stored secrets: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived
    from ``BILLFORGE_SECRET_KEY`` by HKDF-SHA256."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("an empty secret key")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"billforge", info=b"bulk-task-credentials").derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def of(cls, secret_key: str | None) -> Keyring | None:
        return cls(secret_key) if secret_key else None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise RuleRestriction(
                "the stored credentials cannot be decrypted with this BILLFORGE_SECRET_KEY "
                "(was the key changed since they were saved?)"
            ) from None

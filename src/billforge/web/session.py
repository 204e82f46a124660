"""The web page's session: a signed cookie, and the CSRF token that forms carry.

The cookie holds who is logged in (user id, entity id, username), when the session ends, and a
random CSRF token, as base64url JSON followed by an HMAC-SHA256 of it. Nothing in it is secret;
the signature makes it impossible to forge or alter without the key. The key is derived from
``BILLFORGE_SECRET_KEY`` (HKDF-SHA256, its own ``info``, so it is not the key that encrypts stored
logins); without one, each process makes a random key at start, and sessions end when it stops
(several processes behind a load balancer need the secret key).

Every form that changes something carries the session's CSRF token in a hidden field, compared
in constant time. The login form, before there is a session, carries a token that must match a
short-lived cookie of its own (double submit).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE: Final = "billforge_session"
LOGIN_COOKIE: Final = "billforge_login"
COOKIE_PATH: Final = "/ui"
LIFETIME: Final = timedelta(hours=8)
LOGIN_FORM_LIFETIME: Final = timedelta(hours=1)


def session_key(secret_key: str | None) -> bytes:
    """The signing key: derived from the secret key, or random (this process only) without one."""
    if not secret_key:
        return secrets.token_bytes(32)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"billforge", info=b"web-session").derive(
        secret_key.encode()
    )


@dataclass(frozen=True, slots=True)
class Session:
    user_id: str
    entity_id: str
    username: str
    csrf: str
    expires: datetime

    def accepts(self, token: str | None) -> bool:
        """Whether a form's CSRF token is this session's."""
        return token is not None and hmac.compare_digest(token.encode("utf-8", "replace"), self.csrf.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("utf-8", "replace"), hashlib.sha256).digest())

    def new_session(self, *, user_id: str, entity_id: str, username: str, now: datetime) -> Session:
        return Session(user_id, entity_id, username, secrets.token_urlsafe(24), now + LIFETIME)

    def dump(self, session: Session) -> str:
        data = {
            "u": session.user_id,
            "e": session.entity_id,
            "n": session.username,
            "c": session.csrf,
            "x": int(session.expires.timestamp()),
        }
        payload = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def load(self, cookie: str | None, *, now: datetime) -> Session | None:
        """The session a cookie carries; ``None`` when it is missing, altered, or over."""
        if not cookie or cookie.count(".") != 1 or len(cookie) > 4096:
            return None
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac.encode("utf-8", "replace"), self._mac(payload).encode("ascii")):
            return None
        try:
            data = json.loads(_unb64(payload))
            expires = datetime.fromtimestamp(int(data["x"]), tz=now.tzinfo)
            session = Session(str(data["u"]), str(data["e"]), str(data["n"]), str(data["c"]), expires)
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            return None
        return session if session.expires > now else None

    def login_token(self, *, now: datetime) -> str:
        """A token for the login form (and its cookie): random, stamped with its end, signed."""
        payload = f"{secrets.token_urlsafe(18)}~{int((now + LOGIN_FORM_LIFETIME).timestamp())}"
        return f"{payload}.{self._mac(payload)}"

    def login_token_matches(self, form: str | None, cookie: str | None, *, now: datetime) -> bool:
        if (
            not form
            or not cookie
            or not hmac.compare_digest(form.encode("utf-8", "replace"), cookie.encode("utf-8", "replace"))
        ):
            return False
        payload, _, mac = cookie.rpartition(".")
        if not payload or not hmac.compare_digest(mac.encode("utf-8", "replace"), self._mac(payload).encode("ascii")):
            return False
        try:
            ends = int(payload.rsplit("~", 1)[1])
        except (IndexError, ValueError):
            return False
        return ends > now.timestamp()

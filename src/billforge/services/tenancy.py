"""Entities (tenants), API clients, API users, OAuth tokens and SOAP sessions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import AuthenticationFailed, InvalidValue, NotFound, RuleRestriction
from billforge.services.context import Clock, new_id
from billforge.services.tenant_defaults import seed_entity_defaults

DEFAULT_ENTITY = "Default"
CLIENT_SECRET_MAX = 42  # the official SDK refuses longer secrets
_ENTITY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    entity_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated API client and the entities it may act in."""

    client_id: str
    entity_ids: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    jti: str
    entity_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SoapSession:
    user_id: str
    username: str
    entity_id: str
    expires_at: datetime

    @property
    def email(self) -> str:
        """The user's e-mail address: the username when it is one (Zuora usernames usually are)."""
        local, at, domain = self.username.partition("@")
        return self.username if at and local and "." in domain.strip(".") else ""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- entities -----------------------------------------------------------------------------


def ensure_default_entity(*, db: Database, clock: Clock) -> Entity:
    """The entity clients and users belong to when none is named; created on first use."""
    with db.write() as conn:
        found = conn.execute(select(t.entities.c.id).where(t.entities.c.name == DEFAULT_ENTITY)).scalar()
        if found:
            return Entity(found, DEFAULT_ENTITY)
        return _insert_entity(conn, DEFAULT_ENTITY, clock)


def create_entity(*, db: Database, name: str, clock: Clock) -> Entity:
    if not _ENTITY_NAME.match(name):
        raise InvalidValue(
            "entity name must be 1-100 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit",
            field="name",
        )
    with db.write() as conn:
        if conn.execute(select(t.entities.c.id).where(t.entities.c.name == name)).scalar():
            raise RuleRestriction(f"an entity named {name!r} already exists", field="name")
        return _insert_entity(conn, name, clock)


def _insert_entity(conn: Connection, name: str, clock: Clock) -> Entity:
    entity = Entity(new_id(), name)
    conn.execute(insert(t.entities).values(id=entity.id, name=name, display_name=name, created_at=clock.now()))
    seed_entity_defaults(conn, entity_id=entity.id, now=clock.now())
    return entity


def list_entities(*, db: Database) -> list[Entity]:
    with db.read() as conn:
        rows = conn.execute(select(t.entities.c.id, t.entities.c.name).order_by(t.entities.c.created_at))
        return [Entity(r.id, r.name) for r in rows]


def resolve_entities(conn: Connection, names_or_ids: list[str]) -> list[Entity]:
    """Entities by name or id, in the order given; an unknown one is an error naming it."""
    found: list[Entity] = []
    for key in names_or_ids:
        row = conn.execute(
            select(t.entities.c.id, t.entities.c.name).where((t.entities.c.name == key) | (t.entities.c.id == key))
        ).first()
        if row is None:
            raise NotFound(f"no entity named {key!r}; create it with `billforge entities create`", field="entity")
        found.append(Entity(row.id, row.name))
    return found


# --- API clients and OAuth tokens ---------------------------------------------------------


def create_client(
    *,
    db: Database,
    clock: Clock,
    client_id: str | None = None,
    client_secret: str | None = None,
    entities: list[str] | None = None,
    description: str | None = None,
) -> ClientCredentials:
    """An OAuth client (client-credentials grant). Ids are UUIDs; secrets at most 42 characters."""
    if client_id is None:
        client_id = str(uuid.uuid4())
    else:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            raise InvalidValue("client id must be a UUID (36 characters with hyphens)", field="client_id") from None
    if client_secret is None:
        client_secret = secrets.token_urlsafe(30)  # 40 characters
    elif not 1 <= len(client_secret) <= CLIENT_SECRET_MAX:
        raise InvalidValue(f"client secret must be 1 to {CLIENT_SECRET_MAX} characters", field="client_secret")
    ensure_default_entity(db=db, clock=clock)
    with db.write() as conn:
        chosen = resolve_entities(conn, entities or [DEFAULT_ENTITY])
        if conn.execute(select(t.api_clients.c.id).where(t.api_clients.c.id == client_id)).scalar():
            raise RuleRestriction(f"a client with id {client_id} already exists", field="client_id")
        conn.execute(
            insert(t.api_clients).values(
                id=client_id, secret_hash=_digest(client_secret), description=description, created_at=clock.now()
            )
        )
        conn.execute(insert(t.api_client_entities), [{"client_id": client_id, "entity_id": e.id} for e in chosen])
    return ClientCredentials(client_id, client_secret, tuple(e.id for e in chosen))


def issue_token(*, db: Database, clock: Clock, client_id: str, client_secret: str, ttl_seconds: int) -> IssuedToken:
    """Client-credentials grant: a bearer token valid for ``ttl_seconds``."""
    with db.write() as conn:
        row = conn.execute(select(t.api_clients.c.secret_hash).where(t.api_clients.c.id == client_id)).first()
        if row is None or not hmac.compare_digest(row.secret_hash, _digest(client_secret)):
            raise AuthenticationFailed("invalid client credentials", field="client_id")
        token = secrets.token_urlsafe(32)
        jti = new_id()
        now = clock.now()
        conn.execute(
            insert(t.access_tokens).values(
                token_hash=_digest(token),
                client_id=client_id,
                jti=jti,
                expires_at=now + timedelta(seconds=ttl_seconds),
                created_at=now,
            )
        )
        conn.execute(delete(t.access_tokens).where(t.access_tokens.c.expires_at < now))
        entity_ids = _client_entities(conn, client_id)
    return IssuedToken(token, ttl_seconds, jti, entity_ids)


def authenticate_token(*, db: Database, clock: Clock, token: str) -> Principal:
    """The client behind a bearer token; expired or unknown tokens are refused."""
    with db.read() as conn:
        row = conn.execute(
            select(t.access_tokens.c.client_id, t.access_tokens.c.expires_at).where(
                t.access_tokens.c.token_hash == _digest(token)
            )
        ).first()
        if row is None:
            raise AuthenticationFailed("Authentication error: the bearer token is not valid")
        if row.expires_at <= clock.now():
            raise AuthenticationFailed("Authentication error: the bearer token has expired")
        return Principal(row.client_id, _client_entities(conn, row.client_id), row.expires_at)


def _client_entities(conn: Connection, client_id: str) -> tuple[str, ...]:
    rows = conn.execute(
        select(t.api_client_entities.c.entity_id)
        .where(t.api_client_entities.c.client_id == client_id)
        .order_by(t.api_client_entities.c.entity_id)
    )
    return tuple(r.entity_id for r in rows)


# --- API users and SOAP sessions ----------------------------------------------------------

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${key.hex()}"


def _password_matches(password: str, stored: str) -> bool:
    _, salt, key = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), key)


def create_user(*, db: Database, clock: Clock, username: str, password: str, entity: str | None = None) -> str:
    """An API user (SOAP ``login`` and the web page). Returns the user id."""
    if not username or len(username) > 255:
        raise InvalidValue("username must be 1 to 255 characters", field="username")
    if len(password) < 8:
        raise InvalidValue("password must be at least 8 characters", field="password")
    ensure_default_entity(db=db, clock=clock)
    with db.write() as conn:
        (chosen,) = resolve_entities(conn, [entity or DEFAULT_ENTITY])
        if conn.execute(select(t.users.c.id).where(t.users.c.username == username)).scalar():
            raise RuleRestriction(f"a user named {username!r} already exists", field="username")
        user_id = new_id()
        conn.execute(
            insert(t.users).values(
                id=user_id,
                entity_id=chosen.id,
                username=username,
                password_hash=_hash_password(password),
                created_at=clock.now(),
            )
        )
    return user_id


def verify_user(*, db: Database, username: str, password: str) -> tuple[str, str]:
    """(user id, entity id) for a correct username and password."""
    with db.read() as conn:
        row = conn.execute(
            select(t.users.c.id, t.users.c.entity_id, t.users.c.password_hash).where(t.users.c.username == username)
        ).first()
    if row is None or not _password_matches(password, row.password_hash):
        raise AuthenticationFailed("Invalid login. User name and password do not match.", field="username")
    return row.id, row.entity_id


def open_soap_session(*, db: Database, clock: Clock, username: str, password: str, ttl_seconds: int) -> str:
    user_id, entity_id = verify_user(db=db, username=username, password=password)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with db.write() as conn:
        conn.execute(
            insert(t.soap_sessions).values(
                token_hash=_digest(token),
                user_id=user_id,
                entity_id=entity_id,
                expires_at=now + timedelta(seconds=ttl_seconds),
                created_at=now,
            )
        )
        conn.execute(delete(t.soap_sessions).where(t.soap_sessions.c.expires_at < now))
    return token


def find_soap_session(*, db: Database, clock: Clock, token: str) -> SoapSession:
    with db.read() as conn:
        row = conn.execute(
            select(
                t.soap_sessions.c.user_id, t.soap_sessions.c.entity_id, t.soap_sessions.c.expires_at, t.users.c.username
            )
            .join(t.users, t.users.c.id == t.soap_sessions.c.user_id)
            .where(t.soap_sessions.c.token_hash == _digest(token))
        ).first()
    if row is None or row.expires_at <= clock.now():
        raise AuthenticationFailed("invalid or expired session")
    return SoapSession(row.user_id, row.username, row.entity_id, row.expires_at)

"""Saved logins to ``rest:`` and ``soap:`` targets (their secrets sealed by the ``Keyring``), and the
checks of a login's text fields that a task's own credentials share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, insert, select

from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_target_logins
from billforge.errors import BillforgeError, InternalError, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services.bulk_tasks.keyring import KEY_REQUIRED, Keyring
from billforge.services.bulk_tasks.targets import SOAP, TargetSpec, credential_names, parse_target
from billforge.services.context import Context, new_id
from billforge.services.settings import raise_all, usable_key

LOGIN_NAME_MAX: Final = 100
PRINCIPAL_MAX: Final = 255
SECRET_MAX: Final = 1000


@dataclass(frozen=True, slots=True)
class LoginInput:
    name: str | None
    target: str | None
    principal: str | None  # client id (rest) or username (soap)
    secret: str | None  # client secret (rest) or password (soap)


@dataclass(frozen=True, slots=True)
class LoginView:
    id: str
    name: str
    kind: str
    url: str
    principal: str
    created_at: datetime

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.url}"


def _login_view(row: Any) -> LoginView:
    return LoginView(row.id, row.name, row.kind, row.url, row.principal, row.created_at)


def required_text(value: str | None, name: str, limit: int, problems: list[BillforgeError], *, what: str) -> str | None:
    """``value`` when it is given and fits; otherwise ``None``, with the problem added to ``problems``."""
    if value is None or not value.strip():
        problems.append(MissingValue(f"'{name}' is required: {what}", field=name))
        return None
    if len(value) > limit:
        problems.append(InvalidValue(f"'{name}' must be at most {limit} characters", field=name))
        return None
    if "\x00" in value:
        problems.append(InvalidValue(f"'{name}' must not contain NUL characters", field=name))
        return None
    return value


def create_login(*, db: Database, ctx: Context, data: LoginInput, keyring: Keyring | None) -> LoginView:
    """Save a login to a ``rest:`` or ``soap:`` target (its secret encrypted)."""
    problems: list[BillforgeError] = []
    name = required_text(data.name, "name", LOGIN_NAME_MAX, problems, what="the login's name, shown in the Target list")
    spec: TargetSpec | None = None
    if data.target is None or not data.target.strip():
        problems.append(MissingValue("'target' is required: rest:URL or soap:URL", field="target"))
    else:
        try:
            spec = parse_target(data.target, remote_only=True)
        except InvalidValue as error:
            problems.append(error)
    who, secret_name = credential_names(spec.scheme if spec else SOAP)
    principal = required_text(data.principal, who, PRINCIPAL_MAX, problems, what="who the target logs in")
    secret = required_text(data.secret, secret_name, SECRET_MAX, problems, what="the login's secret")
    raise_all(problems)
    if spec is None or name is None or principal is None or secret is None:
        raise InternalError("a login passed its checks without its values")
    if keyring is None:
        raise RuleRestriction(KEY_REQUIRED, field=secret_name)
    now = ctx.now()
    login_id = new_id()
    with db.write() as conn:
        taken = conn.execute(
            select(bulk_target_logins.c.id).where(
                bulk_target_logins.c.entity_id == ctx.entity_id, bulk_target_logins.c.name == name.strip()
            )
        ).first()
        if taken is not None:
            raise RuleRestriction(f"'name': a login named {name.strip()!r} already exists", field="name")
        conn.execute(
            insert(bulk_target_logins).values(
                id=login_id,
                entity_id=ctx.entity_id,
                name=name.strip(),
                kind=spec.scheme,
                url=spec.url,
                principal=principal.strip(),
                secret=keyring.seal(secret),
                created_at=now,
                created_by_id=ctx.actor_id,
            )
        )
        row = conn.execute(select(bulk_target_logins).where(bulk_target_logins.c.id == login_id)).one()
    return _login_view(row)


def list_logins(*, db: Database, ctx: Context) -> list[LoginView]:
    with db.read() as conn:
        rows = conn.execute(
            select(bulk_target_logins)
            .where(bulk_target_logins.c.entity_id == ctx.entity_id)
            .order_by(bulk_target_logins.c.name)
        )
        return [_login_view(r) for r in rows]


def delete_login(*, db: Database, ctx: Context, login_id: str) -> None:
    """Forget a saved login; tasks made with it keep their own copy of the credentials."""
    usable_key(login_id, field="login-id", obj="", what="login")
    with db.write() as conn:
        result = conn.execute(
            delete(bulk_target_logins).where(
                bulk_target_logins.c.entity_id == ctx.entity_id, bulk_target_logins.c.id == login_id
            )
        )
    if not result.rowcount:
        raise NotFound(f"'login-id': no login with id {login_id!r}", field="login-id")

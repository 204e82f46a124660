"""The catalog's rows, as products, rate plans and charges read and write them: lookups in the caller's
entity, natural keys (unique, or generated), audit stamps, and the rule that a subscribed object
stays."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, distinct, func, select
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.domain.catalog_rules import OBJECT_NAMES, duplicate, invalid
from billforge.errors import BillforgeError, ErrorCode, NotFound, RuleRestriction
from billforge.services import counters
from billforge.services.context import Context

E = TypeVar("E", bound=StrEnum)


def optional(enum: type[E], value: Any) -> E | None:
    """A stored enum value, or ``None`` when the column is null."""
    return enum(value) if value is not None else None


def time_zone(conn: Connection, entity_id: str) -> str:
    zone = t.tenant_settings.c.time_zone
    return str(conn.execute(select(zone).where(t.tenant_settings.c.entity_id == entity_id)).scalar_one())


def json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    """Verbatim fields for a JSON column: decimals become their exact text, enums their value."""

    def safe(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, dict):
            return {k: safe(v) for k, v in value.items()}
        if isinstance(value, list):
            return [safe(v) for v in value]
        return value

    return {k: safe(v) for k, v in values.items()}


def generate_key(conn: Connection, entity_id: str, kind: str, column: Any) -> str:
    """``SKU-00000001``, ``PC-00000001``, ...: the next number of ``kind`` not already used."""
    (key,) = counters.free_keys(conn, entity_id=entity_id, kind=kind, render=lambda n: f"{kind}-{n:08d}", column=column)
    return key


def _key_taken(conn: Connection, entity_id: str, column: Any, value: str, except_id: str | None) -> bool:
    table = column.table
    query = select(table.c.id).where(table.c.entity_id == entity_id, column == value)
    if except_id is not None:
        query = query.where(table.c.id != except_id)
    return conn.execute(query).first() is not None


def key_problem(
    conn: Connection, entity_id: str, column: Any, where: str, value: str | None, except_id: str | None, obj: str
) -> BillforgeError | None:
    """A natural key (SKU, number) that is blank or already used by another object of its kind."""
    if value is None:
        return None
    if not value.strip():
        return invalid(where, "must not be blank", obj)
    if _key_taken(conn, entity_id, column, value, except_id):
        return duplicate(where, value, OBJECT_NAMES[obj], obj)
    return None


def find(conn: Connection, table: Any, entity_id: str, object_id: str, *, obj: str) -> Row[Any]:
    row = conn.execute(select(table).where(table.c.entity_id == entity_id, table.c.id == object_id)).first()
    if row is None:
        raise NotFound(f"no {OBJECT_NAMES[obj]} with id {object_id!r}", field="Id", obj=obj)
    return row


def refuse_if_subscribed(
    conn: Connection, entity_id: str, obj: str, *, plan_ids: Any = None, charge_id: str = ""
) -> None:
    """A catalog object that a subscription uses cannot be deleted (Zuora's rule): it would leave
    the subscription's rate plans pointing at nothing. ``plan_ids`` is a list or a subquery."""
    if plan_ids is not None:
        users = select(func.count(distinct(tb.rate_plans.c.subscription_id))).where(
            tb.rate_plans.c.entity_id == entity_id, tb.rate_plans.c.product_rate_plan_id.in_(plan_ids)
        )
    else:
        users = select(func.count(distinct(tb.rate_plan_charges.c.subscription_id))).where(
            tb.rate_plan_charges.c.entity_id == entity_id,
            tb.rate_plan_charges.c.product_rate_plan_charge_id == charge_id,
        )
    count = int(conn.execute(users).scalar_one())
    if count:
        what = OBJECT_NAMES[obj]
        plural = "subscription uses" if count == 1 else "subscriptions use"
        message = f"the {what} cannot be deleted: {count} {plural} it"
        raise RuleRestriction(message, field="Id", obj=obj, code=ErrorCode.CANNOT_DELETE)


def audit(ctx: Context, *, created: bool) -> dict[str, Any]:
    now = ctx.now()
    values: dict[str, Any] = {"updated_at": now, "updated_by_id": ctx.actor_id}
    if created:
        values.update(created_at=now, created_by_id=ctx.actor_id)
    return values


def write(conn: Connection, statement: Any, where: str, value: object, obj: str) -> None:
    """Run an insert or update; a unique key taken meanwhile by a concurrent request is a duplicate."""
    try:
        conn.execute(statement)
    except IntegrityError:
        raise duplicate(where, str(value), OBJECT_NAMES[obj], obj) from None

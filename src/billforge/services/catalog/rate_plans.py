"""Product rate plans: create, update, delete (with their charges and tiers) and read.

The rules are ``domain.catalog_rules``'s; this module adds the ones that need other rows: the
product is one of this entity's, the plan's name is unique within it, and so is its number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.catalog_inputs import RatePlanInput, merged
from billforge.domain.catalog_rules import (
    PLAN,
    duplicate,
    invalid,
    is_blank,
    plan_problems,
    plan_required_problems,
    raise_all,
)
from billforge.errors import BillforgeError
from billforge.services import tenant_settings
from billforge.services.catalog.rows import (
    audit,
    find,
    generate_key,
    json_safe,
    key_problem,
    refuse_if_subscribed,
    time_zone,
    write,
)
from billforge.services.catalog.views import ObjectView
from billforge.services.context import Context, new_id


def _plan_problems(conn: Connection, entity_id: str, data: RatePlanInput, plan_id: str | None) -> list[BillforgeError]:
    plans, products = t.product_rate_plans, t.products
    problems = plan_required_problems(data)
    if not is_blank(data.product_id):
        product = select(products.c.id).where(products.c.entity_id == entity_id, products.c.id == data.product_id)
        if conn.execute(product).first() is None:
            problems.append(invalid("ProductId", f"{data.product_id!r} is not a product of this tenant", PLAN))
        elif data.name is not None:
            same_name = select(plans.c.id).where(
                plans.c.entity_id == entity_id, plans.c.product_id == data.product_id, plans.c.name == data.name
            )
            if conn.execute(same_name.where(plans.c.id != (plan_id or ""))).first() is not None:
                problems.append(duplicate("Name", data.name, "rate plan of this product", PLAN))
    active = tenant_settings.load(conn, entity_id).active_currencies if data.active_currencies is not None else {}
    problems += plan_problems(data, active)
    number = key_problem(
        conn,
        entity_id,
        plans.c.product_rate_plan_number,
        "ProductRatePlanNumber",
        data.product_rate_plan_number,
        plan_id,
        PLAN,
    )
    return problems + ([number] if number is not None else [])


def _plan_values(data: RatePlanInput) -> dict[str, Any]:
    return {
        "product_id": data.product_id,
        "name": data.name,
        "description": data.description,
        "effective_start_date": data.effective_start_date,
        "effective_end_date": data.effective_end_date,
        "product_rate_plan_number": data.product_rate_plan_number,
        "grade": data.grade,
        "active_currencies": list(data.active_currencies or []),
        "extra": json_safe(data.extra),
    }


def create_rate_plan(*, db: Database, ctx: Context, data: RatePlanInput) -> str:
    with db.write() as conn:
        raise_all(_plan_problems(conn, ctx.entity_id, data, None))
        if data.product_rate_plan_number is None:
            number = generate_key(conn, ctx.entity_id, "PRP", t.product_rate_plans.c.product_rate_plan_number)
            data = replace(data, product_rate_plan_number=number)
        plan_id = new_id()
        values = {"id": plan_id, "entity_id": ctx.entity_id, **_plan_values(data), **audit(ctx, created=True)}
        write(
            conn,
            insert(t.product_rate_plans).values(**values),
            "ProductRatePlanNumber",
            data.product_rate_plan_number,
            PLAN,
        )
        return plan_id


def _plan_input(row: Row[Any]) -> RatePlanInput:
    return RatePlanInput(
        name=row.name,
        product_id=row.product_id,
        description=row.description,
        effective_start_date=row.effective_start_date,
        effective_end_date=row.effective_end_date,
        product_rate_plan_number=row.product_rate_plan_number,
        grade=row.grade,
        active_currencies=list(row.active_currencies or []),
        extra=dict(row.extra or {}),
    )


def update_rate_plan(*, db: Database, ctx: Context, plan_id: str, changes: Mapping[str, Any]) -> str:
    """Apply the fields sent and check the plan as a whole (a number sent as null keeps the stored one)."""
    with db.write() as conn:
        current = find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        data = merged(_plan_input(current), changes)
        data.product_rate_plan_number = data.product_rate_plan_number or current.product_rate_plan_number
        raise_all(_plan_problems(conn, ctx.entity_id, data, plan_id))
        plans = t.product_rate_plans
        statement = update(plans).where(plans.c.id == plan_id).values(**_plan_values(data), **audit(ctx, created=False))
        write(conn, statement, "ProductRatePlanNumber", data.product_rate_plan_number, PLAN)
        return plan_id


def delete_plans(conn: Connection, entity_id: str, plan_ids: Any) -> None:
    """Delete the plans ``plan_ids`` (a list or a subquery) with their charges and tiers."""
    plans, charges, tiers = t.product_rate_plans, t.product_rate_plan_charges, t.product_rate_plan_charge_tiers
    charge_ids = select(charges.c.id).where(
        charges.c.entity_id == entity_id, charges.c.product_rate_plan_id.in_(plan_ids)
    )
    conn.execute(delete(tiers).where(tiers.c.entity_id == entity_id, tiers.c.charge_id.in_(charge_ids)))
    conn.execute(delete(charges).where(charges.c.entity_id == entity_id, charges.c.product_rate_plan_id.in_(plan_ids)))
    conn.execute(delete(plans).where(plans.c.entity_id == entity_id, plans.c.id.in_(plan_ids)))


def delete_rate_plan(*, db: Database, ctx: Context, plan_id: str) -> None:
    with db.write() as conn:
        find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        refuse_if_subscribed(conn, ctx.entity_id, PLAN, plan_ids=[plan_id])
        delete_plans(conn, ctx.entity_id, [plan_id])


def get_rate_plan(*, db: Database, ctx: Context, plan_id: str) -> ObjectView:
    with db.read() as conn:
        row = find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        return ObjectView(row, time_zone(conn, ctx.entity_id))

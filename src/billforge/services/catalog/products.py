"""Products: create, update, delete (with their rate plans, charges and tiers) and read.

The rules are ``domain.catalog_rules``'s; this module adds the ones that need other rows: the SKU
and the product number are unique in the entity (generated when left out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.catalog import ProductCategory
from billforge.domain.catalog_inputs import ProductInput, merged
from billforge.domain.catalog_rules import PRODUCT, product_problems, raise_all
from billforge.errors import BillforgeError
from billforge.services.catalog.rate_plans import delete_plans
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


def _product_problems(
    conn: Connection, entity_id: str, data: ProductInput, product_id: str | None
) -> list[BillforgeError]:
    products = t.products
    found = (
        key_problem(conn, entity_id, products.c.sku, "SKU", data.sku, product_id, PRODUCT),
        key_problem(
            conn, entity_id, products.c.product_number, "ProductNumber", data.product_number, product_id, PRODUCT
        ),
    )
    return product_problems(data) + [p for p in found if p is not None]


def _product_values(data: ProductInput) -> dict[str, Any]:
    return {
        "name": data.name,
        "sku": data.sku,
        "product_number": data.product_number,
        "category": data.category.value if data.category else None,
        "description": data.description,
        "effective_start_date": data.effective_start_date,
        "effective_end_date": data.effective_end_date,
        "allow_feature_changes": bool(data.allow_feature_changes),
        "extra": json_safe(data.extra),
    }


def create_product(*, db: Database, ctx: Context, data: ProductInput) -> str:
    with db.write() as conn:
        raise_all(_product_problems(conn, ctx.entity_id, data, None))
        if data.sku is None:
            data = replace(data, sku=generate_key(conn, ctx.entity_id, "SKU", t.products.c.sku))
        if data.product_number is None:
            data = replace(data, product_number=generate_key(conn, ctx.entity_id, "PC", t.products.c.product_number))
        product_id = new_id()
        values = {"id": product_id, "entity_id": ctx.entity_id, **_product_values(data), **audit(ctx, created=True)}
        write(conn, insert(t.products).values(**values), "SKU", data.sku, PRODUCT)
        return product_id


def _product_input(row: Row[Any]) -> ProductInput:
    return ProductInput(
        name=row.name,
        effective_start_date=row.effective_start_date,
        effective_end_date=row.effective_end_date,
        sku=row.sku,
        product_number=row.product_number,
        category=ProductCategory(row.category) if row.category else None,
        description=row.description,
        allow_feature_changes=row.allow_feature_changes,
        extra=dict(row.extra or {}),
    )


def update_product(*, db: Database, ctx: Context, product_id: str, changes: Mapping[str, Any]) -> str:
    """Apply the fields the client sent (by ``ProductInput`` name) and check the product as a whole.
    A SKU or product number sent as null keeps the stored one."""
    with db.write() as conn:
        current = find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        data = merged(_product_input(current), changes)
        data.sku = data.sku if data.sku is not None else current.sku
        data.product_number = data.product_number if data.product_number is not None else current.product_number
        raise_all(_product_problems(conn, ctx.entity_id, data, product_id))
        statement = (
            update(t.products)
            .where(t.products.c.id == product_id)
            .values(**_product_values(data), **audit(ctx, created=False))
        )
        write(conn, statement, "SKU", data.sku, PRODUCT)
        return product_id


def delete_product(*, db: Database, ctx: Context, product_id: str) -> None:
    """Delete a product with its rate plans, their charges and tiers (set-wise, children first)."""
    with db.write() as conn:
        find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        plans = t.product_rate_plans
        plan_ids = select(plans.c.id).where(plans.c.entity_id == ctx.entity_id, plans.c.product_id == product_id)
        refuse_if_subscribed(conn, ctx.entity_id, PRODUCT, plan_ids=plan_ids)
        delete_plans(conn, ctx.entity_id, plan_ids)
        conn.execute(delete(t.products).where(t.products.c.entity_id == ctx.entity_id, t.products.c.id == product_id))


def get_product(*, db: Database, ctx: Context, product_id: str) -> ObjectView:
    with db.read() as conn:
        row = find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        return ObjectView(row, time_zone(conn, ctx.entity_id))

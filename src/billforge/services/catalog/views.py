"""Reading the catalog: one stored object for the Object API, and the catalog view of
``GET /v1/catalog/products`` (products with their rate plans, charges and tiers, a page at a time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.catalog_rules import PLAN, PRODUCT
from billforge.errors import InvalidValue, NotFound
from billforge.services.catalog.rows import find, time_zone
from billforge.services.context import Context

DEFAULT_PAGE_SIZE: Final = 10
MAX_PAGE_SIZE: Final = 40


@dataclass(frozen=True, slots=True)
class ObjectView:
    """One stored object (``row``), its tiers for a charge, and the tenant's time zone."""

    row: Row[Any]
    time_zone: str
    tiers: tuple[Row[Any], ...] = ()


@dataclass(frozen=True, slots=True)
class CatalogCharge:
    row: Row[Any]
    tiers: tuple[Row[Any], ...]


@dataclass(frozen=True, slots=True)
class CatalogPlan:
    row: Row[Any]
    charges: tuple[CatalogCharge, ...]


@dataclass(frozen=True, slots=True)
class CatalogProduct:
    row: Row[Any]
    plans: tuple[CatalogPlan, ...]


@dataclass(frozen=True, slots=True)
class CatalogPage:
    products: tuple[CatalogProduct, ...]
    page: int
    page_size: int
    has_next: bool
    today: date


def _plans_of(conn: Connection, entity_id: str, product_ids: Sequence[str]) -> dict[str, tuple[CatalogPlan, ...]]:
    """Each product's rate plans with their charges and tiers: one query per table."""
    plans_t, charges_t, tiers_t = t.product_rate_plans, t.product_rate_plan_charges, t.product_rate_plan_charge_tiers
    plans = list(
        conn.execute(
            select(plans_t)
            .where(plans_t.c.entity_id == entity_id, plans_t.c.product_id.in_(product_ids))
            .order_by(plans_t.c.created_at, plans_t.c.id)
        )
    )
    charges = (
        list(
            conn.execute(
                select(charges_t)
                .where(charges_t.c.entity_id == entity_id, charges_t.c.product_rate_plan_id.in_([p.id for p in plans]))
                .order_by(charges_t.c.created_at, charges_t.c.id)
            )
        )
        if plans
        else []
    )
    tiers_by_charge: dict[str, list[Row[Any]]] = {}
    if charges:
        for row in conn.execute(
            select(tiers_t)
            .where(tiers_t.c.entity_id == entity_id, tiers_t.c.charge_id.in_([c.id for c in charges]))
            .order_by(tiers_t.c.currency, tiers_t.c.tier)
        ):
            tiers_by_charge.setdefault(row.charge_id, []).append(row)
    charges_by_plan: dict[str, list[CatalogCharge]] = {}
    for row in charges:
        charges_by_plan.setdefault(row.product_rate_plan_id, []).append(
            CatalogCharge(row, tuple(tiers_by_charge.get(row.id, ())))
        )
    by_product: dict[str, list[CatalogPlan]] = {}
    for row in plans:
        by_product.setdefault(row.product_id, []).append(CatalogPlan(row, tuple(charges_by_plan.get(row.id, ()))))
    return {pid: tuple(by_product.get(pid, ())) for pid in product_ids}


def _today(conn: Connection, ctx: Context) -> date:
    """Today in the tenant's time zone (a rate plan's status depends on it)."""
    return ctx.now().astimezone(ZoneInfo(time_zone(conn, ctx.entity_id))).date()


def list_catalog(*, db: Database, ctx: Context, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> CatalogPage:
    if page < 1:
        raise InvalidValue("'page' must be 1 or more", field="page", obj=PRODUCT)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidValue(f"'pageSize' must be between 1 and {MAX_PAGE_SIZE}", field="pageSize", obj=PRODUCT)
    with db.read() as conn:
        products = list(
            conn.execute(
                select(t.products)
                .where(t.products.c.entity_id == ctx.entity_id)
                .order_by(t.products.c.created_at, t.products.c.id)
                .offset((page - 1) * page_size)
                .limit(page_size + 1)
            )
        )
        has_next = len(products) > page_size
        products = products[:page_size]
        plans = _plans_of(conn, ctx.entity_id, [p.id for p in products])
        today = _today(conn, ctx)
    return CatalogPage(tuple(CatalogProduct(p, plans[p.id]) for p in products), page, page_size, has_next, today)


def get_catalog_product(*, db: Database, ctx: Context, key: str) -> tuple[CatalogProduct, date]:
    """A product by id, SKU or product number, with its rate plans, charges and tiers."""
    with db.read() as conn:
        products = t.products
        row = conn.execute(
            select(products).where(
                products.c.entity_id == ctx.entity_id,
                (products.c.id == key) | (products.c.sku == key) | (products.c.product_number == key),
            )
        ).first()
        if row is None:
            raise NotFound(f"no product with id, SKU or product number {key!r}", field="product-key", obj=PRODUCT)
        return CatalogProduct(row, _plans_of(conn, ctx.entity_id, [row.id])[row.id]), _today(conn, ctx)


def get_catalog_rate_plan(*, db: Database, ctx: Context, plan_id: str) -> tuple[Row[Any], date]:
    with db.read() as conn:
        row = find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        return row, _today(conn, ctx)

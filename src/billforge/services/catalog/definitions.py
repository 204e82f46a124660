"""The catalog's charges as the rest of billforge reads them (``ChargeDefinition``): set-based, for
any number of rate plans at once (subscriptions copy their charges from them)."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Row, select

from billforge.db import tables as t
from billforge.domain.catalog import (
    ApplyDiscountTo,
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    DiscountLevel,
    EndDateCondition,
    ListPriceBase,
    PriceFormat,
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.domain.charge_definitions import ChargeDefinition, ChargeTier
from billforge.domain.tax import TaxMode
from billforge.services.catalog.rows import optional


def load_charges(
    conn: Connection, *, entity_id: str, product_rate_plan_ids: Iterable[str]
) -> dict[str, list[ChargeDefinition]]:
    """The charges of each rate plan (in creation order), with their tiers by currency.

    Set-based: one query per table (plans, products, charges, tiers). A plan id that is not one
    of this entity's rate plans is absent from the answer; a plan without charges maps to ``[]``.
    """
    ids = sorted(set(product_rate_plan_ids))
    if not ids:
        return {}
    plans_t, products_t = t.product_rate_plans, t.products
    charges_t, tiers_t = t.product_rate_plan_charges, t.product_rate_plan_charge_tiers
    plans: dict[str, Any] = {
        r.id: r
        for r in conn.execute(
            select(plans_t.c.id, plans_t.c.name, plans_t.c.product_id).where(
                plans_t.c.entity_id == entity_id, plans_t.c.id.in_(ids)
            )
        )
    }
    if not plans:
        return {}
    products: dict[str, Any] = {
        r.id: r
        for r in conn.execute(
            select(products_t.c.id, products_t.c.name, products_t.c.sku).where(
                products_t.c.entity_id == entity_id, products_t.c.id.in_({p.product_id for p in plans.values()})
            )
        )
    }
    charges = list(
        conn.execute(
            select(charges_t)
            .where(charges_t.c.entity_id == entity_id, charges_t.c.product_rate_plan_id.in_(list(plans)))
            .order_by(charges_t.c.created_at, charges_t.c.id)
        )
    )
    tiers: dict[str, dict[str, list[ChargeTier]]] = {}
    if charges:
        for r in conn.execute(
            select(tiers_t)
            .where(tiers_t.c.entity_id == entity_id, tiers_t.c.charge_id.in_([c.id for c in charges]))
            .order_by(tiers_t.c.charge_id, tiers_t.c.currency, tiers_t.c.tier)
        ):
            tiers.setdefault(r.charge_id, {}).setdefault(r.currency, []).append(
                ChargeTier(
                    tier=r.tier,
                    currency=r.currency,
                    price=r.price,
                    price_format=PriceFormat(r.price_format),
                    starting_unit=r.starting_unit,
                    ending_unit=r.ending_unit,
                    is_overage_price=r.is_overage_price,
                    discount_amount=r.discount_amount,
                    discount_percentage=r.discount_percentage,
                )
            )
    result: dict[str, list[ChargeDefinition]] = {plan_id: [] for plan_id in plans}
    for row in charges:
        plan = plans[row.product_rate_plan_id]
        product = products[plan.product_id]
        by_currency = tiers.get(row.id, {})
        result[plan.id].append(_definition(row, plan, product, {c: tuple(v) for c, v in by_currency.items()}))
    return result


def _definition(
    row: Row[Any], plan: Row[Any], product: Row[Any], tiers: dict[str, tuple[ChargeTier, ...]]
) -> ChargeDefinition:
    apply_to = optional(ApplyDiscountTo, row.apply_discount_to)
    return ChargeDefinition(
        id=row.id,
        number=row.product_rate_plan_charge_number,
        name=row.name,
        description=row.description,
        product_rate_plan_id=plan.id,
        rate_plan_name=plan.name,
        product_id=product.id,
        product_name=product.name,
        sku=product.sku,
        charge_type=ChargeType(row.charge_type),
        charge_model=ChargeModel(row.charge_model),
        uom=row.uom,
        bill_cycle_type=BillCycleType(row.bill_cycle_type),
        bill_cycle_day=row.bill_cycle_day,
        weekly_bill_cycle_day=optional(Weekday, row.weekly_bill_cycle_day),
        billing_period=optional(BillingPeriod, row.billing_period),
        specific_billing_period=row.specific_billing_period,
        billing_timing=optional(BillingTiming, row.billing_timing),
        billing_period_alignment=optional(BillingPeriodAlignment, row.billing_period_alignment),
        list_price_base=optional(ListPriceBase, row.list_price_base),
        trigger_event=TriggerEvent(row.trigger_event),
        end_date_condition=EndDateCondition(row.end_date_condition),
        up_to_periods=row.up_to_periods,
        up_to_periods_type=optional(UpToPeriodsType, row.up_to_periods_type),
        rating_group=optional(RatingGroup, row.rating_group),
        default_quantity=row.default_quantity,
        included_units=row.included_units,
        discount_level=optional(DiscountLevel, row.discount_level),
        apply_discount_to=apply_to.charge_types if apply_to else frozenset(),
        taxable=row.taxable,
        tax_code=row.tax_code,
        tax_mode=optional(TaxMode, row.tax_mode),
        tiers=MappingProxyType(tiers),
    )

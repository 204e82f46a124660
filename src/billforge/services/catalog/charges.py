"""Product rate plan charges and their tiers: create, update, delete and read.

A charge is checked as a whole, on create and on every update, by ``domain.catalog_rules`` (its
fields) and ``domain.tier_rules`` (its tiers); this module adds the checks that need other rows (the
rate plan is one of this entity's, the name is unique within it, the number is unique, the tax
code is active) and stores the charge with Zuora's defaults applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
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
from billforge.domain.catalog_inputs import ChargeInput, TierInput, merged
from billforge.domain.catalog_rules import (
    CHARGE,
    FEATURES,
    TIER,
    TIERS,
    charge_input_problems,
    charge_problems,
    duplicate,
    invalid,
    is_blank,
    raise_all,
    with_defaults,
)
from billforge.domain.charge_definitions import ChargeTier
from billforge.domain.tax import TaxMode
from billforge.domain.tier_rules import as_tier_error, check_tiers
from billforge.errors import BillforgeError
from billforge.services import tenant_settings
from billforge.services.catalog.rows import (
    audit,
    find,
    generate_key,
    json_safe,
    key_problem,
    optional,
    refuse_if_subscribed,
    time_zone,
    write,
)
from billforge.services.catalog.views import ObjectView
from billforge.services.context import Context, new_id

#: The fields of a tier that ``update_tier`` changes.
TIER_CHANGES: Final = frozenset(
    {"price", "price_format", "starting_unit", "ending_unit", "discount_amount", "discount_percentage"}
)

_INPUT_COLUMNS: Final = (
    "product_rate_plan_id",
    "name",
    "charge_type",
    "charge_model",
    "bill_cycle_type",
    "bill_cycle_day",
    "weekly_bill_cycle_day",
    "billing_period",
    "specific_billing_period",
    "billing_timing",
    "billing_period_alignment",
    "list_price_base",
    "trigger_event",
    "uom",
    "default_quantity",
    "included_units",
    "end_date_condition",
    "up_to_periods",
    "up_to_periods_type",
    "rating_group",
    "tax_code",
    "tax_mode",
    "description",
    "discount_level",
    "accounting_code",
    "product_rate_plan_charge_number",
)


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    """A charge that passed every rule: its column values and its tiers."""

    values: dict[str, Any]
    tiers: list[ChargeTier]


def _check_charge(conn: Connection, entity_id: str, data: ChargeInput, charge_id: str | None) -> _Checked:
    """The charge's column values and tiers, or an error listing every rule it breaks."""
    problems = charge_input_problems(data)
    raise_all(problems)  # the rules below read the required fields and rely on their meaning
    tenant = tenant_settings.load(conn, entity_id)
    problems += charge_problems(data)
    problems += _tax_code_problems(conn, entity_id, data)
    problems += _reference_problems(conn, entity_id, data, charge_id)
    assert data.charge_model is not None  # noqa: S101 - checked as required
    tiers, tier_problems = check_tiers(
        data.charge_model, data.tiers or [], tenant.active_currencies, tenant.default_currency
    )
    raise_all(problems + tier_problems)
    return _Checked(_charge_values(with_defaults(data)), tiers)


def _tax_code_problems(conn: Connection, entity_id: str, data: ChargeInput) -> list[BillforgeError]:
    if is_blank(data.tax_code):
        return []
    codes = t.tax_codes
    active = select(codes.c.id).where(
        codes.c.entity_id == entity_id, codes.c.name == data.tax_code, codes.c.active.is_(True)
    )
    if conn.execute(active).first() is None:
        return [invalid("TaxCode", f"{data.tax_code!r} is not an active tax code of this tenant")]
    return []


def _reference_problems(
    conn: Connection, entity_id: str, data: ChargeInput, charge_id: str | None
) -> list[BillforgeError]:
    plans, charges = t.product_rate_plans, t.product_rate_plan_charges
    problems: list[BillforgeError] = []
    plan = select(plans.c.id).where(plans.c.entity_id == entity_id, plans.c.id == data.product_rate_plan_id)
    if conn.execute(plan).first() is None:
        why = f"{data.product_rate_plan_id!r} is not a product rate plan of this tenant"
        problems.append(invalid("ProductRatePlanId", why))
    else:
        same_name = select(charges.c.id).where(
            charges.c.entity_id == entity_id,
            charges.c.product_rate_plan_id == data.product_rate_plan_id,
            charges.c.name == data.name,
            charges.c.id != (charge_id or ""),
        )
        if conn.execute(same_name).first() is not None:
            problems.append(duplicate("Name", str(data.name), "charge of this rate plan", CHARGE))
    number = data.product_rate_plan_charge_number
    column = charges.c.product_rate_plan_charge_number
    problem = key_problem(conn, entity_id, column, "ProductRatePlanChargeNumber", number, charge_id, CHARGE)
    return problems + ([problem] if problem is not None else [])


# --- storing -------------------------------------------------------------------------------


def _charge_values(data: ChargeInput) -> dict[str, Any]:
    """The column values of a charge whose defaults are applied (``catalog_rules.with_defaults``);
    the ``FEATURES`` settings sent are kept with the verbatim fields."""
    values = {name: getattr(data, name) for name in _INPUT_COLUMNS}
    values = {name: v.value if isinstance(v, StrEnum) else v for name, v in values.items()}
    values["apply_discount_to"] = data.apply_discount_to.value if data.apply_discount_to else None
    values["taxable"] = bool(data.taxable)
    values["deferred_revenue_accounting_code"] = data.deferred_revenue_account
    values["recognized_revenue_accounting_code"] = data.recognized_revenue_account
    values["extra"] = json_safe({**data.extra, **{k: v for k, v in data.features.items() if v is not None}})
    return values


def _tier_rows(
    ctx: Context, charge_id: str, tiers: Sequence[ChargeTier], kept: Mapping[tuple[str, int], Row[Any]]
) -> list[dict[str, Any]]:
    """Rows for the tiers; a tier whose (currency, number) existed keeps its id and creation stamp."""
    rows = []
    for tier in tiers:
        old = kept.get((tier.currency, tier.tier))
        stamps = audit(ctx, created=True)
        if old is not None:
            stamps.update(created_at=old.created_at, created_by_id=old.created_by_id)
        rows.append(
            {
                "id": old.id if old is not None else new_id(),
                "entity_id": ctx.entity_id,
                "charge_id": charge_id,
                "tier": tier.tier,
                "currency": tier.currency,
                "price": tier.price,
                "price_format": tier.price_format.value,
                "starting_unit": tier.starting_unit,
                "ending_unit": tier.ending_unit,
                "is_overage_price": tier.is_overage_price,
                "discount_amount": tier.discount_amount,
                "discount_percentage": tier.discount_percentage,
                **stamps,
            }
        )
    return rows


def _store_charge(
    conn: Connection,
    ctx: Context,
    data: ChargeInput,
    current: Row[Any] | None = None,
    old_tiers: Sequence[Row[Any]] = (),
) -> str:
    """Check ``data`` as a whole and store it, as a new charge or over ``current``; the tiers are
    replaced (a tier keeps its id when its currency and number stay)."""
    charge_id = current.id if current is not None else new_id()
    checked = _check_charge(conn, ctx.entity_id, data, current.id if current is not None else None)
    charges, tiers = t.product_rate_plan_charges, t.product_rate_plan_charge_tiers
    values = checked.values
    if values["product_rate_plan_charge_number"] is None:
        values["product_rate_plan_charge_number"] = (
            current.product_rate_plan_charge_number
            if current is not None
            else generate_key(conn, ctx.entity_id, "PRPC", charges.c.product_rate_plan_charge_number)
        )
    if current is None:
        statement: Any = insert(charges).values(
            id=charge_id, entity_id=ctx.entity_id, **values, **audit(ctx, created=True)
        )
    else:
        statement = update(charges).where(charges.c.id == charge_id).values(**values, **audit(ctx, created=False))
        conn.execute(delete(tiers).where(tiers.c.entity_id == ctx.entity_id, tiers.c.charge_id == charge_id))
    write(conn, statement, "ProductRatePlanChargeNumber", values["product_rate_plan_charge_number"], CHARGE)
    kept = {(r.currency, r.tier): r for r in old_tiers}
    conn.execute(insert(tiers), _tier_rows(ctx, charge_id, checked.tiers, kept))
    return str(charge_id)


def create_charge(*, db: Database, ctx: Context, data: ChargeInput) -> str:
    with db.write() as conn:
        return _store_charge(conn, ctx, data)


# --- reading back, to change -----------------------------------------------------------------


def _tier_inputs(rows: Iterable[Row[Any]]) -> list[TierInput]:
    return [
        TierInput(
            currency=r.currency,
            price=r.price,
            price_format=PriceFormat(r.price_format),
            starting_unit=r.starting_unit,
            ending_unit=r.ending_unit,
            is_overage_price=r.is_overage_price,
            discount_amount=r.discount_amount,
            discount_percentage=r.discount_percentage,
        )
        for r in rows
    ]


def _charge_input(row: Row[Any], tiers: Sequence[Row[Any]]) -> ChargeInput:
    """The stored charge as an input again, so that a change is checked with the whole charge."""
    extra = dict(row.extra or {})
    features = {name: extra.pop(name) for name in list(extra) if name in FEATURES}
    return ChargeInput(
        product_rate_plan_id=row.product_rate_plan_id,
        name=row.name,
        charge_type=ChargeType(row.charge_type),
        charge_model=ChargeModel(row.charge_model),
        bill_cycle_type=BillCycleType(row.bill_cycle_type),
        bill_cycle_day=row.bill_cycle_day,
        weekly_bill_cycle_day=optional(Weekday, row.weekly_bill_cycle_day),
        billing_period=optional(BillingPeriod, row.billing_period),
        specific_billing_period=row.specific_billing_period,
        billing_timing=optional(BillingTiming, row.billing_timing),
        billing_period_alignment=optional(BillingPeriodAlignment, row.billing_period_alignment),
        list_price_base=optional(ListPriceBase, row.list_price_base),
        trigger_event=TriggerEvent(row.trigger_event),
        uom=row.uom,
        default_quantity=row.default_quantity,
        included_units=row.included_units,
        end_date_condition=EndDateCondition(row.end_date_condition),
        up_to_periods=row.up_to_periods,
        up_to_periods_type=optional(UpToPeriodsType, row.up_to_periods_type),
        rating_group=optional(RatingGroup, row.rating_group),
        taxable=row.taxable,
        tax_code=row.tax_code,
        tax_mode=optional(TaxMode, row.tax_mode),
        description=row.description,
        discount_level=optional(DiscountLevel, row.discount_level),
        apply_discount_to=optional(ApplyDiscountTo, row.apply_discount_to),
        accounting_code=row.accounting_code,
        deferred_revenue_account=row.deferred_revenue_accounting_code,
        recognized_revenue_account=row.recognized_revenue_accounting_code,
        product_rate_plan_charge_number=row.product_rate_plan_charge_number,
        tiers=_tier_inputs(tiers),
        features=features,
        extra=extra,
    )


def _charge_tiers(conn: Connection, entity_id: str, charge_id: str) -> tuple[Row[Any], ...]:
    tiers = t.product_rate_plan_charge_tiers
    query = (
        select(tiers)
        .where(tiers.c.entity_id == entity_id, tiers.c.charge_id == charge_id)
        .order_by(tiers.c.currency, tiers.c.tier)
    )
    return tuple(conn.execute(query))


def update_charge(*, db: Database, ctx: Context, charge_id: str, changes: Mapping[str, Any]) -> str:
    """Apply the fields sent over the stored charge and check the result as a whole. Tiers sent
    (``tiers``) replace all the charge's tiers, as in Zuora."""
    with db.write() as conn:
        current = find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        old_tiers = _charge_tiers(conn, ctx.entity_id, charge_id)
        data = merged(_charge_input(current, old_tiers), changes)
        return _store_charge(conn, ctx, data, current, old_tiers)


def delete_charge(*, db: Database, ctx: Context, charge_id: str) -> None:
    with db.write() as conn:
        find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        refuse_if_subscribed(conn, ctx.entity_id, CHARGE, charge_id=charge_id)
        tiers, charges = t.product_rate_plan_charge_tiers, t.product_rate_plan_charges
        conn.execute(delete(tiers).where(tiers.c.entity_id == ctx.entity_id, tiers.c.charge_id == charge_id))
        conn.execute(delete(charges).where(charges.c.entity_id == ctx.entity_id, charges.c.id == charge_id))


def get_charge(*, db: Database, ctx: Context, charge_id: str) -> ObjectView:
    with db.read() as conn:
        row = find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        return ObjectView(row, time_zone(conn, ctx.entity_id), _charge_tiers(conn, ctx.entity_id, charge_id))


# --- one tier --------------------------------------------------------------------------------


def get_tier(*, db: Database, ctx: Context, tier_id: str) -> ObjectView:
    with db.read() as conn:
        row = find(conn, t.product_rate_plan_charge_tiers, ctx.entity_id, tier_id, obj=TIER)
        return ObjectView(row, time_zone(conn, ctx.entity_id))


def update_tier(*, db: Database, ctx: Context, tier_id: str, changes: Mapping[str, Any]) -> str:
    """Change one tier (``TIER_CHANGES`` fields); the charge's whole tier table is checked again
    with the change in it, and errors about the tier name its own fields (``Price``)."""
    if not set(changes) <= TIER_CHANGES:
        raise ValueError(f"tier fields that cannot change: {sorted(set(changes) - TIER_CHANGES)}")
    with db.write() as conn:
        tier = find(conn, t.product_rate_plan_charge_tiers, ctx.entity_id, tier_id, obj=TIER)
        charge = find(conn, t.product_rate_plan_charges, ctx.entity_id, tier.charge_id, obj=CHARGE)
        old_tiers = _charge_tiers(conn, ctx.entity_id, charge.id)
        data = _charge_input(charge, old_tiers)
        position = next(i for i, r in enumerate(old_tiers) if r.id == tier_id)
        assert data.tiers is not None  # noqa: S101 - read from the stored tiers
        data.tiers[position] = replace(data.tiers[position], **changes)
        try:
            _store_charge(conn, ctx, data, charge, old_tiers)
        except BillforgeError as error:
            raise as_tier_error(error, f"{TIERS}[{position}].") from None
        return tier_id

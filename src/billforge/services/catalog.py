"""The product catalog: products, their rate plans, the plans' charges and the charges' price tiers.

Everything lives in one entity and is looked up in the caller's entity only. The rules, as
Zuora's catalog applies them and as the billing engine needs them:

Products
- ``Name``, ``EffectiveStartDate`` and ``EffectiveEndDate`` are required; the end is after the start.
- ``SKU`` is unique in the entity; absent, one is generated (``SKU-00000001``), as is the
  ``ProductNumber`` (``PC-00000001``). Generated numbers only go up and skip keys already taken.
- Deleting a product deletes its rate plans, their charges and the charges' tiers; a product, rate
  plan or charge that a subscription uses cannot be deleted (CANNOT_DELETE).

Rate plans
- ``Name`` and ``ProductId`` are required; the product must be one of this entity's; the name is
  unique within the product; ``ProductRatePlanNumber`` is unique (generated ``PRP-00000001``).
- ``ActiveCurrencies``: at most 5 distinct currencies, each active in the tenant; ``Grade`` >= 1.

Charges (``ProductRatePlanChargeNumber`` generated ``PRPC-00000001``)
- ``ProductRatePlanId``, ``Name`` (unique within the plan), ``ChargeType``, ``ChargeModel``,
  ``BillCycleType``, ``TriggerEvent`` and at least one tier are required, and ``BillingPeriod`` for
  recurring and usage charges.
- A value of ``domain.catalog.UNSUPPORTED`` (``Delivery Pricing``, ``Specific Days``, ...) is refused
  as not supported, never stored; so is any setting of a feature the billing engine does not bill
  (prepaid drawdown, overage smoothing, price increases on renewal, ...): see ``FEATURES``.
- Discount models are for one-time and recurring charges; Overage and Tiered with Overage for
  usage charges. ``UOM`` is required by per-unit models, ``DefaultQuantity`` by one-time and
  recurring Per Unit charges, ``IncludedUnits`` by Overage.
- ``SpecificDayofMonth`` needs ``BillCycleDay`` 1-31 and a month-based period; ``SpecificDayofWeek``
  needs ``WeeklyBillCycleDay`` and the ``Week`` period; ``Specific Months`` needs
  ``SpecificBillingPeriod`` >= 1; ``FixedPeriod`` needs ``UpToPeriods`` 1-65534 (billing periods);
  ``OneTime`` ends only one-time charges; ``SpecificEndDate`` belongs to a subscription's charge.
- ``ListPriceBase`` (recurring only, default per billing period): per week needs the ``Week``
  period, per month and per year a month-based period. Usage charges are billed in arrears;
  recurring charges default to in advance.
- ``Taxable`` charges need ``TaxCode`` (an active tax code of the tenant) and ``TaxMode``.

Tiers (``ProductRatePlanChargeTierData``), grouped by currency; every currency must be active in
the tenant and the tenant's default currency must be priced; every currency has the same ranges:
- Flat Fee, Per Unit and Overage: one tier per currency with ``Price`` (Overage: the overage
  price, ``IsOveragePrice`` true); Discount-Fixed Amount: one tier with ``DiscountAmount`` > 0;
  Discount-Percentage: one tier with ``DiscountPercentage`` in (0, 100]. A tier carries only one of
  ``Price``, ``DiscountAmount`` and ``DiscountPercentage``.
- Tiered, Volume and Tiered with Overage: ordinary tiers with ``Price`` and ``StartingUnit``, listed
  in ascending order: the first starts at 0 or 1, each next one starts where the previous one ends
  (or one unit later, Zuora's whole-unit style: 0-100, 101-200), never with a gap or an overlap;
  only the last may be open-ended (not in Tiered with Overage, whose one ``IsOveragePrice`` tier
  prices every unit above the last ordinary tier). ``IsOveragePrice`` is for overage models only.
- Prices have at most 9 decimals (|price| < 10^9), units at most 6 (0 <= units < 10^12).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, delete, distinct, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.db.types import PRICE_MAX, PRICE_SCALE, QUANTITY_MAX, QUANTITY_SCALE
from billforge.domain.catalog import (
    DISCOUNT_MODELS,
    UNSUPPORTED,
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
    ProductCategory,
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.domain.tax import TaxMode
from billforge.errors import (
    BillforgeError,
    ErrorCode,
    ErrorList,
    InvalidValue,
    MissingValue,
    NotFound,
    RuleRestriction,
    Unsupported,
)
from billforge.services import counters, tenant_settings
from billforge.services.context import Context, new_id

E = TypeVar("E", bound=StrEnum)

PRODUCT: Final = "product"
PLAN: Final = "productRatePlan"
CHARGE: Final = "productRatePlanCharge"
TIER: Final = "productRatePlanChargeTier"
TIERS: Final = "ProductRatePlanChargeTierData.ProductRatePlanChargeTier"
OBJECT_NAMES: Final = MappingProxyType(
    {PRODUCT: "product", PLAN: "product rate plan", CHARGE: "product rate plan charge", TIER: "charge tier"}
)

MAX_ACTIVE_CURRENCIES: Final = 5
UP_TO_PERIODS_MAX: Final = 65534
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
DEFAULT_PAGE_SIZE: Final = 10
MAX_PAGE_SIZE: Final = 40

# Models that price per unit of measure, so need a UOM (Zuora's rule).
UOM_MODELS: Final = frozenset(
    {
        ChargeModel.PER_UNIT,
        ChargeModel.TIERED,
        ChargeModel.VOLUME,
        ChargeModel.OVERAGE,
        ChargeModel.TIERED_WITH_OVERAGE,
    }
)
USAGE_ONLY_MODELS: Final = frozenset({ChargeModel.OVERAGE, ChargeModel.TIERED_WITH_OVERAGE})
ONE_TIER_MODELS: Final = frozenset({ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT, ChargeModel.OVERAGE, *DISCOUNT_MODELS})
MONTHLY_PERIODS: Final = frozenset(
    {
        BillingPeriod.MONTH,
        BillingPeriod.QUARTER,
        BillingPeriod.SEMI_ANNUAL,
        BillingPeriod.ANNUAL,
        BillingPeriod.SPECIFIC_MONTHS,
    }
)
WEEKLY_PERIODS: Final = frozenset({BillingPeriod.WEEK, BillingPeriod.SPECIFIC_WEEKS})

#: Charge settings of features the billing engine does not bill: the values that leave the feature
#: off are accepted (and kept); any other value is refused as not supported. ``None`` means the
#: field must be absent or null.
FEATURES: Final[Mapping[str, tuple[frozenset[object] | None, str]]] = MappingProxyType(
    {
        "ChargeFunction": (frozenset({"Standard"}), "only standard charges are billed"),
        "ChargeModelConfiguration": (None, "charge model configurations are not billed"),
        "CommitmentType": (None, "commitments are not billed"),
        "CommitmentLevel": (None, "commitments are not billed"),
        "PrepaymentUnitType": (None, "prepayment is not billed"),
        "DrawdownScope": (None, "prepaid drawdown is not billed"),
        "CreditOption": (None, "prepaid drawdown is not billed"),
        "DeliverySchedule": (None, "delivery pricing is not billed"),
        "DrawdownPriority": (None, "prepaid drawdown is not billed"),
        "DrawdownRate": (None, "prepaid drawdown is not billed"),
        "DrawdownUom": (None, "prepaid drawdown is not billed"),
        "EligibleAccountConditions": (None, "calculated charges are not billed"),
        "EligibleChargeConditions": (None, "calculated charges are not billed"),
        "IsPrepaid": (frozenset({False}), "prepaid charges are not billed"),
        "IsRollover": (frozenset({False}), "rollover funds are not billed"),
        "IsStackedDiscount": (frozenset({False}), "stacked discounts are not billed"),
        "FundSupportAccountHierarchy": (frozenset({False}), "prepaid funds are not billed"),
        "NumberOfPeriod": (None, "overage smoothing is not billed"),
        "SmoothingModel": (None, "overage smoothing is not billed"),
        "OverageCalculationOption": (frozenset({"PerBillingPeriod"}), "overage smoothing is not billed"),
        "OverageUnusedUnitsCreditOption": (frozenset({"NoCredit"}), "credits for unused units are not billed"),
        "PrepaidOperationType": (None, "prepaid drawdown is not billed"),
        "PrepaidQuantity": (None, "prepaid charges are not billed"),
        "PrepaidTotalQuantity": (None, "prepaid charges are not billed"),
        "PrepaidUom": (None, "prepaid charges are not billed"),
        "PriceChangeOption": (frozenset({"NoChange"}), "price changes on renewal are not billed"),
        "PriceIncreaseOption": (None, "price increases on renewal are not billed"),
        "PriceIncreasePercentage": (None, "price increases on renewal are not billed"),
        "RolloverApply": (None, "rollover funds are not billed"),
        "RolloverPeriods": (None, "rollover funds are not billed"),
        "RolloverPeriodType": (None, "rollover funds are not billed"),
        "RolloverFundPriority": (None, "rollover funds are not billed"),
        "RolloverEndDateType": (None, "rollover funds are not billed"),
        "SpecificListPriceBase": (None, "a list price per specific months is not billed"),
        "UsageRecordRatingOption": (frozenset({"EndOfBillingPeriod"}), "usage is rated at the end of the period"),
        "ValidityPeriodType": (None, "prepaid validity periods are not billed"),
        "VpAlignment": (None, "prepaid validity periods are not billed"),
        "ValidityPeriodAlignment": (None, "prepaid validity periods are not billed"),
        "VpProrationOption": (None, "prepaid validity periods are not billed"),
        "ValidityPeriodProrationOption": (None, "prepaid validity periods are not billed"),
        "SpecificValidityPeriodLength": (None, "prepaid validity periods are not billed"),
    }
)


# --- inputs ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ProductInput:
    """A product as the client describes it; ``None`` means not given (required ones are checked)."""

    name: str | None = None
    effective_start_date: date | None = None
    effective_end_date: date | None = None
    sku: str | None = None
    product_number: str | None = None
    category: ProductCategory | None = None
    description: str | None = None
    allow_feature_changes: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RatePlanInput:
    name: str | None = None
    product_id: str | None = None
    description: str | None = None
    effective_start_date: date | None = None
    effective_end_date: date | None = None
    product_rate_plan_number: str | None = None
    grade: int | None = None
    active_currencies: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class TierInput:
    currency: str | None = None
    price: Decimal | None = None
    price_format: PriceFormat | None = None
    starting_unit: Decimal | None = None
    ending_unit: Decimal | None = None
    is_overage_price: bool | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    minimum_amount: Decimal | None = None
    maximum_amount: Decimal | None = None


@dataclass(slots=True)
class ChargeInput:
    """A product rate plan charge. ``features`` holds the ``FEATURES`` fields the client sent (by
    their Zuora names); ``extra`` the fields kept verbatim (custom, NetSuite, revenue settings)."""

    product_rate_plan_id: str | None = None
    name: str | None = None
    charge_type: ChargeType | None = None
    charge_model: ChargeModel | None = None
    bill_cycle_type: BillCycleType | None = None
    bill_cycle_day: int | None = None
    weekly_bill_cycle_day: Weekday | None = None
    billing_period: BillingPeriod | None = None
    specific_billing_period: int | None = None
    billing_timing: BillingTiming | None = None
    billing_period_alignment: BillingPeriodAlignment | None = None
    list_price_base: ListPriceBase | None = None
    trigger_event: TriggerEvent | None = None
    uom: str | None = None
    default_quantity: Decimal | None = None
    included_units: Decimal | None = None
    end_date_condition: EndDateCondition | None = None
    up_to_periods: int | None = None
    up_to_periods_type: UpToPeriodsType | None = None
    rating_group: RatingGroup | None = None
    taxable: bool | None = None
    tax_code: str | None = None
    tax_mode: TaxMode | None = None
    description: str | None = None
    discount_level: DiscountLevel | None = None
    apply_discount_to: ApplyDiscountTo | None = None
    accounting_code: str | None = None
    deferred_revenue_account: str | None = None
    recognized_revenue_account: str | None = None
    product_rate_plan_charge_number: str | None = None
    tiers: list[TierInput] | None = None
    features: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


# --- what the billing engine reads ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChargeTier:
    """One price tier of a catalog charge, in one currency (tiers are numbered from 1 per currency)."""

    tier: int
    currency: str
    price: Decimal | None
    price_format: PriceFormat
    starting_unit: Decimal | None = None
    ending_unit: Decimal | None = None
    is_overage_price: bool = False
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChargeDefinition:
    """A product rate plan charge with every field that decides what it bills, and its tiers by
    currency. Defaults are already applied (a recurring charge always has a billing timing and a
    list price base; a discount its level and the charge types it applies to)."""

    id: str
    number: str | None
    name: str
    description: str | None
    product_rate_plan_id: str
    rate_plan_name: str
    product_id: str
    product_name: str
    sku: str
    charge_type: ChargeType
    charge_model: ChargeModel
    uom: str | None
    bill_cycle_type: BillCycleType
    bill_cycle_day: int | None
    weekly_bill_cycle_day: Weekday | None
    billing_period: BillingPeriod | None
    specific_billing_period: int | None
    billing_timing: BillingTiming | None
    billing_period_alignment: BillingPeriodAlignment | None
    list_price_base: ListPriceBase | None
    trigger_event: TriggerEvent
    end_date_condition: EndDateCondition
    up_to_periods: int | None
    up_to_periods_type: UpToPeriodsType | None
    rating_group: RatingGroup | None
    default_quantity: Decimal | None
    included_units: Decimal | None
    discount_level: DiscountLevel | None
    apply_discount_to: frozenset[ChargeType]
    taxable: bool
    tax_code: str | None
    tax_mode: TaxMode | None
    tiers: Mapping[str, tuple[ChargeTier, ...]]

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(self.tiers)

    def tiers_for(self, currency: str) -> tuple[ChargeTier, ...]:
        """The tiers priced in ``currency`` (empty when the charge has no price in it)."""
        return self.tiers.get(currency, ())

    def price_for(self, currency: str) -> Decimal | None:
        """The one price of a Flat Fee, Per Unit or Overage charge in ``currency``."""
        tiers = self.tiers_for(currency)
        return tiers[0].price if len(tiers) == 1 else None


# --- views ---------------------------------------------------------------------------------


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


# --- small helpers -------------------------------------------------------------------------


def _invalid(where: str, why: str, obj: str = CHARGE, code: ErrorCode | None = None) -> BillforgeError:
    """``'Field' why``: every message starts with the field as the client named it."""
    return InvalidValue(f"'{where}' {why}", field=where, obj=obj, code=code)


def _missing(where: str, why: str = "is required", obj: str = CHARGE) -> BillforgeError:
    return MissingValue(f"'{where}' {why}", field=where, obj=obj)


def _duplicate(where: str, value: str, what: str, obj: str) -> BillforgeError:
    return _invalid(where, f"{value!r} is already used by another {what}", obj, ErrorCode.DUPLICATE_VALUE)


def _shown(value: StrEnum) -> str:
    """A value as the Object API spells it (its list price bases have spaces: ``Per Billing Period``)."""
    return value.value.replace("_", " ") if isinstance(value, ListPriceBase) else value.value


def _unsupported(where: str, value: StrEnum | None, obj: str = CHARGE) -> BillforgeError | None:
    if value is not None and value in UNSUPPORTED:
        why = f"value {_shown(value)!r} is not supported: billforge cannot bill it"
        return Unsupported(f"'{where}' {why}", field=where, obj=obj)
    return None


def _n(value: Decimal) -> str:
    """A number in a message as a person writes it: ``10``, not ``10.000000`` or ``1E+1``."""
    return format(value.normalize(), "f")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _time_zone(conn: Connection, entity_id: str) -> str:
    zone = t.tenant_settings.c.time_zone
    return str(conn.execute(select(zone).where(t.tenant_settings.c.entity_id == entity_id)).scalar_one())


def _raise(problems: Sequence[BillforgeError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ErrorList(problems)


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
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


def _decimal_problem(
    where: str, value: Decimal | None, *, scale: int, maximum: Decimal, minimum: Decimal | None = None
) -> BillforgeError | None:
    """A number the catalog's exact columns cannot hold, or one below ``minimum``."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if abs(value) > maximum:
        return _invalid(where, f"{_n(value)} is too large (at most {maximum})")
    if isinstance(exponent, int) and exponent < -scale:
        return _invalid(where, f"{_n(value)} has more than {scale} decimal places")
    if minimum is not None and value < minimum:
        return _invalid(where, f"must be {minimum} or more, got {_n(value)}")
    return None


def _generate_key(conn: Connection, entity_id: str, kind: str, column: Any) -> str:
    """``SKU-00000001``, ``PC-00000001``, ...: the next number of ``kind`` not already used."""
    (key,) = counters.free_keys(conn, entity_id=entity_id, kind=kind, render=lambda n: f"{kind}-{n:08d}", column=column)
    return key


def _key_taken(conn: Connection, entity_id: str, column: Any, value: str, except_id: str | None) -> bool:
    table = column.table
    query = select(table.c.id).where(table.c.entity_id == entity_id, column == value)
    if except_id is not None:
        query = query.where(table.c.id != except_id)
    return conn.execute(query).first() is not None


def _key_problem(
    conn: Connection, entity_id: str, column: Any, where: str, value: str | None, except_id: str | None, obj: str
) -> BillforgeError | None:
    """A natural key (SKU, number) that is blank or already used by another object of its kind."""
    if value is None:
        return None
    if not value.strip():
        return _invalid(where, "must not be blank", obj)
    if _key_taken(conn, entity_id, column, value, except_id):
        return _duplicate(where, value, OBJECT_NAMES[obj], obj)
    return None


def _find(conn: Connection, table: Any, entity_id: str, object_id: str, *, obj: str) -> Row[Any]:
    row = conn.execute(select(table).where(table.c.entity_id == entity_id, table.c.id == object_id)).first()
    if row is None:
        raise NotFound(f"no {OBJECT_NAMES[obj]} with id {object_id!r}", field="Id", obj=obj)
    return row


def _refuse_if_subscribed(
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


def _audit(ctx: Context, *, created: bool) -> dict[str, Any]:
    now = ctx.now()
    values: dict[str, Any] = {"updated_at": now, "updated_by_id": ctx.actor_id}
    if created:
        values.update(created_at=now, created_by_id=ctx.actor_id)
    return values


def _write(conn: Connection, statement: Any, where: str, value: object, obj: str) -> None:
    """Run an insert or update; a unique key taken meanwhile by a concurrent request is a duplicate."""
    try:
        conn.execute(statement)
    except IntegrityError:
        raise _duplicate(where, str(value), OBJECT_NAMES[obj], obj) from None


def _merged(current: Any, changes: Mapping[str, Any]) -> Any:
    """``current`` with ``changes`` applied; ``extra`` and ``features`` add to the stored ones."""
    changes = dict(changes)
    added = {name: changes.pop(name) for name in ("extra", "features") if name in changes}
    merged = replace(current, **changes)
    for name, values in added.items():
        setattr(merged, name, {**getattr(current, name), **values})
    return merged


# --- products ------------------------------------------------------------------------------


def _dates_problem(start: date | None, end: date | None, obj: str) -> BillforgeError | None:
    if start is not None and end is not None and end <= start:
        return _invalid("EffectiveEndDate", f"{end} must be after 'EffectiveStartDate' {start}", obj)
    return None


def _product_problems(
    conn: Connection, entity_id: str, data: ProductInput, product_id: str | None
) -> list[BillforgeError]:
    products = t.products
    problems = [
        _missing(name, obj=PRODUCT)
        for value, name in (
            (data.name, "Name"),
            (data.effective_start_date, "EffectiveStartDate"),
            (data.effective_end_date, "EffectiveEndDate"),
        )
        if _blank(value)
    ]
    found = (
        _dates_problem(data.effective_start_date, data.effective_end_date, PRODUCT),
        _key_problem(conn, entity_id, products.c.sku, "SKU", data.sku, product_id, PRODUCT),
        _key_problem(
            conn, entity_id, products.c.product_number, "ProductNumber", data.product_number, product_id, PRODUCT
        ),
    )
    return problems + [p for p in found if p is not None]


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
        "extra": _json_safe(data.extra),
    }


def create_product(*, db: Database, ctx: Context, data: ProductInput) -> str:
    with db.write() as conn:
        _raise(_product_problems(conn, ctx.entity_id, data, None))
        if data.sku is None:
            data = replace(data, sku=_generate_key(conn, ctx.entity_id, "SKU", t.products.c.sku))
        if data.product_number is None:
            data = replace(data, product_number=_generate_key(conn, ctx.entity_id, "PC", t.products.c.product_number))
        product_id = new_id()
        values = {"id": product_id, "entity_id": ctx.entity_id, **_product_values(data), **_audit(ctx, created=True)}
        _write(conn, insert(t.products).values(**values), "SKU", data.sku, PRODUCT)
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
        current = _find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        data = _merged(_product_input(current), changes)
        data.sku = data.sku if data.sku is not None else current.sku
        data.product_number = data.product_number if data.product_number is not None else current.product_number
        _raise(_product_problems(conn, ctx.entity_id, data, product_id))
        statement = (
            update(t.products)
            .where(t.products.c.id == product_id)
            .values(**_product_values(data), **_audit(ctx, created=False))
        )
        _write(conn, statement, "SKU", data.sku, PRODUCT)
        return product_id


def delete_product(*, db: Database, ctx: Context, product_id: str) -> None:
    """Delete a product with its rate plans, their charges and tiers (set-wise, children first)."""
    with db.write() as conn:
        _find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        plans = t.product_rate_plans
        plan_ids = select(plans.c.id).where(plans.c.entity_id == ctx.entity_id, plans.c.product_id == product_id)
        _refuse_if_subscribed(conn, ctx.entity_id, PRODUCT, plan_ids=plan_ids)
        _delete_plans(conn, ctx.entity_id, plan_ids)
        conn.execute(delete(t.products).where(t.products.c.entity_id == ctx.entity_id, t.products.c.id == product_id))


def get_product(*, db: Database, ctx: Context, product_id: str) -> ObjectView:
    with db.read() as conn:
        row = _find(conn, t.products, ctx.entity_id, product_id, obj=PRODUCT)
        return ObjectView(row, _time_zone(conn, ctx.entity_id))


# --- rate plans ----------------------------------------------------------------------------


def _plan_problems(conn: Connection, entity_id: str, data: RatePlanInput, plan_id: str | None) -> list[BillforgeError]:
    plans, products = t.product_rate_plans, t.products
    problems = [
        _missing(name, obj=PLAN)
        for value, name in ((data.name, "Name"), (data.product_id, "ProductId"))
        if _blank(value)
    ]
    if not _blank(data.product_id):
        product = select(products.c.id).where(products.c.entity_id == entity_id, products.c.id == data.product_id)
        if conn.execute(product).first() is None:
            problems.append(_invalid("ProductId", f"{data.product_id!r} is not a product of this tenant", PLAN))
        elif data.name is not None:
            same_name = select(plans.c.id).where(
                plans.c.entity_id == entity_id, plans.c.product_id == data.product_id, plans.c.name == data.name
            )
            if conn.execute(same_name.where(plans.c.id != (plan_id or ""))).first() is not None:
                problems.append(_duplicate("Name", data.name, "rate plan of this product", PLAN))
    if data.grade is not None and data.grade < 1:
        problems.append(_invalid("Grade", f"must be a positive integer, got {data.grade}", PLAN))
    if data.active_currencies is not None:
        problems += _active_currency_problems(conn, entity_id, data.active_currencies)
    found = (
        _dates_problem(data.effective_start_date, data.effective_end_date, PLAN),
        _key_problem(
            conn,
            entity_id,
            plans.c.product_rate_plan_number,
            "ProductRatePlanNumber",
            data.product_rate_plan_number,
            plan_id,
            PLAN,
        ),
    )
    return problems + [p for p in found if p is not None]


def _active_currency_problems(conn: Connection, entity_id: str, codes: Sequence[str]) -> list[BillforgeError]:
    active = tenant_settings.load(conn, entity_id).active_currencies
    problems: list[BillforgeError] = []
    if len(codes) > MAX_ACTIVE_CURRENCIES:
        why = f"may list at most {MAX_ACTIVE_CURRENCIES} currencies, got {len(codes)}"
        problems.append(_invalid("ActiveCurrencies", why, PLAN))
    if len(set(codes)) != len(codes):
        problems.append(_invalid("ActiveCurrencies", "lists a currency twice", PLAN))
    return problems + [
        _invalid(f"ActiveCurrencies[{i}]", f"{code!r} is not an active currency of this tenant {_listed(active)}", PLAN)
        for i, code in enumerate(codes)
        if code not in active
    ]


def _listed(active: Iterable[str]) -> str:
    return f"(active: {', '.join(sorted(active))})"


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
        "extra": _json_safe(data.extra),
    }


def create_rate_plan(*, db: Database, ctx: Context, data: RatePlanInput) -> str:
    with db.write() as conn:
        _raise(_plan_problems(conn, ctx.entity_id, data, None))
        if data.product_rate_plan_number is None:
            number = _generate_key(conn, ctx.entity_id, "PRP", t.product_rate_plans.c.product_rate_plan_number)
            data = replace(data, product_rate_plan_number=number)
        plan_id = new_id()
        values = {"id": plan_id, "entity_id": ctx.entity_id, **_plan_values(data), **_audit(ctx, created=True)}
        _write(
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
        current = _find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        data = _merged(_plan_input(current), changes)
        data.product_rate_plan_number = data.product_rate_plan_number or current.product_rate_plan_number
        _raise(_plan_problems(conn, ctx.entity_id, data, plan_id))
        plans = t.product_rate_plans
        statement = (
            update(plans).where(plans.c.id == plan_id).values(**_plan_values(data), **_audit(ctx, created=False))
        )
        _write(conn, statement, "ProductRatePlanNumber", data.product_rate_plan_number, PLAN)
        return plan_id


def _delete_plans(conn: Connection, entity_id: str, plan_ids: Any) -> None:
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
        _find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        _refuse_if_subscribed(conn, ctx.entity_id, PLAN, plan_ids=[plan_id])
        _delete_plans(conn, ctx.entity_id, [plan_id])


def get_rate_plan(*, db: Database, ctx: Context, plan_id: str) -> ObjectView:
    with db.read() as conn:
        row = _find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        return ObjectView(row, _time_zone(conn, ctx.entity_id))


# --- charges: the rules --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    """A charge that passed every rule: its column values and its tiers."""

    values: dict[str, Any]
    tiers: list[ChargeTier]


def _check_charge(conn: Connection, entity_id: str, data: ChargeInput, charge_id: str | None) -> _Checked:
    """The charge's column values and tiers, or an error listing every rule it breaks."""
    problems = _required_problems(data) + _unsupported_problems(data)
    _raise(problems)  # the rules below read the required fields and rely on their meaning
    tenant = tenant_settings.load(conn, entity_id)
    problems += _model_problems(data)
    problems += _schedule_problems(data)
    problems += _tax_problems(conn, entity_id, data)
    problems += _reference_problems(conn, entity_id, data, charge_id)
    assert data.charge_model is not None  # noqa: S101 - checked as required
    tiers, tier_problems = _tier_problems(
        data.charge_model, data.tiers or [], tenant.active_currencies, tenant.default_currency
    )
    _raise(problems + tier_problems)
    return _Checked(_charge_values(data), tiers)


def _required_problems(data: ChargeInput) -> list[BillforgeError]:
    required: tuple[tuple[object, str], ...] = (
        (data.product_rate_plan_id, "ProductRatePlanId"),
        (data.name, "Name"),
        (data.charge_type, "ChargeType"),
        (data.charge_model, "ChargeModel"),
        (data.bill_cycle_type, "BillCycleType"),
        (data.trigger_event, "TriggerEvent"),
    )
    problems = [_missing(name) for value, name in required if _blank(value)]
    if data.charge_type in (ChargeType.RECURRING, ChargeType.USAGE) and data.billing_period is None:
        problems.append(_missing("BillingPeriod", f"is required for {data.charge_type.value} charges"))
    if not data.tiers:
        problems.append(_missing(TIERS, "is required: a charge is priced by at least one tier"))
    return problems


def _unsupported_problems(data: ChargeInput) -> list[BillforgeError]:
    """Recognised values the billing engine cannot bill, and settings of features it does not bill."""
    enums: tuple[tuple[StrEnum | None, str], ...] = (
        (data.charge_type, "ChargeType"),
        (data.charge_model, "ChargeModel"),
        (data.bill_cycle_type, "BillCycleType"),
        (data.billing_period, "BillingPeriod"),
        (data.billing_period_alignment, "BillingPeriodAlignment"),
        (data.list_price_base, "ListPriceBase"),
        (data.trigger_event, "TriggerEvent"),
        (data.end_date_condition, "EndDateCondition"),
        (data.up_to_periods_type, "UpToPeriodsType"),
        (data.rating_group, "RatingGroup"),
    )
    problems = [p for value, name in enums if (p := _unsupported(name, value)) is not None]
    for name, value in data.features.items():
        neutral, reason = FEATURES[name]
        if isinstance(value, StrEnum) and (problem := _unsupported(name, value)) is not None:
            problems.append(problem)
        elif value is not None and (neutral is None or value not in neutral):
            shown = str(value).lower() if isinstance(value, bool) else repr(value)
            problems.append(Unsupported(f"'{name}' value {shown} is not supported: {reason}", field=name, obj=CHARGE))
    return problems


def _model_problems(data: ChargeInput) -> list[BillforgeError]:
    """Which charge types a model allows, and what each model needs besides its tiers."""
    model, kind = data.charge_model, data.charge_type
    assert model is not None and kind is not None  # noqa: S101 - checked as required
    problems: list[BillforgeError] = []
    if model in DISCOUNT_MODELS and kind is ChargeType.USAGE:
        problems.append(
            _invalid("ChargeModel", f"{model.value} is for one-time and recurring charges, not usage charges")
        )
    if model in USAGE_ONLY_MODELS and kind is not ChargeType.USAGE:
        problems.append(_invalid("ChargeModel", f"{model.value} is for usage charges only, not {kind.value} charges"))
    if model in UOM_MODELS and _blank(data.uom):
        problems.append(_missing("UOM", f"is required for {model.value}"))
    if model is ChargeModel.PER_UNIT and kind is not ChargeType.USAGE and data.default_quantity is None:
        problems.append(_missing("DefaultQuantity", f"is required for {kind.value} charges priced with {model.value}"))
    if model is ChargeModel.OVERAGE and data.included_units is None:
        problems.append(_missing("IncludedUnits", f"is required for {model.value}"))
    for value, name in ((data.default_quantity, "DefaultQuantity"), (data.included_units, "IncludedUnits")):
        if (p := _decimal_problem(name, value, scale=QUANTITY_SCALE, maximum=QUANTITY_MAX, minimum=ZERO)) is not None:
            problems.append(p)
    return problems


def _schedule_problems(data: ChargeInput) -> list[BillforgeError]:
    """Bill cycle, billing period and timing: their combinations (for recurring and usage charges)."""
    kind, period, cycle, day = data.charge_type, data.billing_period, data.bill_cycle_type, data.bill_cycle_day
    periodic = kind in (ChargeType.RECURRING, ChargeType.USAGE) and period is not None
    problems: list[BillforgeError] = []
    if day is not None and not 1 <= day <= 31:
        problems.append(_invalid("BillCycleDay", f"must be between 1 and 31, got {day}"))
    if cycle is BillCycleType.SPECIFIC_DAY_OF_MONTH:
        if day is None:
            problems.append(_missing("BillCycleDay", "is required when 'BillCycleType' is SpecificDayofMonth"))
        if periodic and period in WEEKLY_PERIODS:
            why = f"SpecificDayofMonth needs a month-based billing period, not {period}"
            problems.append(_invalid("BillCycleType", why))
    if cycle is BillCycleType.SPECIFIC_DAY_OF_WEEK:
        if data.weekly_bill_cycle_day is None:
            problems.append(_missing("WeeklyBillCycleDay", "is required when 'BillCycleType' is SpecificDayofWeek"))
        if periodic and period not in WEEKLY_PERIODS:
            problems.append(_invalid("BillCycleType", f"SpecificDayofWeek needs the Week billing period, not {period}"))
    if periodic and period is BillingPeriod.SPECIFIC_MONTHS:
        months = data.specific_billing_period
        if months is None:
            problems.append(_missing("SpecificBillingPeriod", "is required when 'BillingPeriod' is Specific Months"))
        elif months < 1:
            problems.append(_invalid("SpecificBillingPeriod", f"must be a positive number of months, got {months}"))
    if kind is ChargeType.USAGE and data.billing_timing is BillingTiming.IN_ADVANCE:
        problems.append(_invalid("BillingTiming", "In Advance is not possible: usage charges are billed in arrears"))
    return problems + _list_price_base_problems(data) + _end_date_problems(data)


def _list_price_base_problems(data: ChargeInput) -> list[BillforgeError]:
    base, period = data.list_price_base, data.billing_period
    if base is None or data.charge_type is not ChargeType.RECURRING or period is None or base in UNSUPPORTED:
        return []
    fits = (
        base is ListPriceBase.PER_BILLING_PERIOD
        or (base is ListPriceBase.PER_WEEK and period in WEEKLY_PERIODS)
        or (base in (ListPriceBase.PER_MONTH, ListPriceBase.PER_YEAR) and period in MONTHLY_PERIODS)
    )
    return [] if fits else [_invalid("ListPriceBase", f"{_shown(base)} does not fit the {period.value} billing period")]


def _end_date_problems(data: ChargeInput) -> list[BillforgeError]:
    condition, periods = data.end_date_condition, data.up_to_periods
    if condition is EndDateCondition.FIXED_PERIOD and periods is None:
        return [_missing("UpToPeriods", "is required when 'EndDateCondition' is FixedPeriod")]
    if condition is EndDateCondition.FIXED_PERIOD and periods is not None and not 1 <= periods <= UP_TO_PERIODS_MAX:
        return [_invalid("UpToPeriods", f"must be between 1 and {UP_TO_PERIODS_MAX}, got {periods}")]
    if condition is EndDateCondition.ONE_TIME and data.charge_type is not ChargeType.ONE_TIME:
        return [_invalid("EndDateCondition", "OneTime is for one-time charges only")]
    if condition is EndDateCondition.SPECIFIC_END_DATE:
        why = (
            "SpecificEndDate belongs to a subscription's charge, which has the date; a catalog charge ends "
            "with the subscription (SubscriptionEnd) or after a fixed period (FixedPeriod)"
        )
        return [_invalid("EndDateCondition", why)]
    return []


def _tax_problems(conn: Connection, entity_id: str, data: ChargeInput) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if data.taxable and _blank(data.tax_code):
        problems.append(_missing("TaxCode", "is required when 'Taxable' is true"))
    if data.taxable and data.tax_mode is None:
        problems.append(_missing("TaxMode", "is required when 'Taxable' is true"))
    if not _blank(data.tax_code):
        codes = t.tax_codes
        active = select(codes.c.id).where(
            codes.c.entity_id == entity_id, codes.c.name == data.tax_code, codes.c.active.is_(True)
        )
        if conn.execute(active).first() is None:
            problems.append(_invalid("TaxCode", f"{data.tax_code!r} is not an active tax code of this tenant"))
    return problems


def _reference_problems(
    conn: Connection, entity_id: str, data: ChargeInput, charge_id: str | None
) -> list[BillforgeError]:
    plans, charges = t.product_rate_plans, t.product_rate_plan_charges
    problems: list[BillforgeError] = []
    plan = select(plans.c.id).where(plans.c.entity_id == entity_id, plans.c.id == data.product_rate_plan_id)
    if conn.execute(plan).first() is None:
        why = f"{data.product_rate_plan_id!r} is not a product rate plan of this tenant"
        problems.append(_invalid("ProductRatePlanId", why))
    else:
        same_name = select(charges.c.id).where(
            charges.c.entity_id == entity_id,
            charges.c.product_rate_plan_id == data.product_rate_plan_id,
            charges.c.name == data.name,
            charges.c.id != (charge_id or ""),
        )
        if conn.execute(same_name).first() is not None:
            problems.append(_duplicate("Name", str(data.name), "charge of this rate plan", CHARGE))
    number = data.product_rate_plan_charge_number
    column = charges.c.product_rate_plan_charge_number
    problem = _key_problem(conn, entity_id, column, "ProductRatePlanChargeNumber", number, charge_id, CHARGE)
    return problems + ([problem] if problem is not None else [])


# --- charges: the tiers --------------------------------------------------------------------


def _tier_problems(
    model: ChargeModel, tiers: Sequence[TierInput], active: Mapping[str, object], default_currency: str
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """The tiers, numbered per currency, and every problem found in them."""
    problems: list[BillforgeError] = []
    by_currency: dict[str, list[tuple[int, TierInput]]] = {}
    for index, tier in enumerate(tiers):
        where = f"{TIERS}[{index}]"
        problems += _tier_amount_problems(where, tier)
        if tier.currency is None:
            problems.append(_missing(f"{where}.Currency"))
        elif tier.currency not in active:
            why = f"{tier.currency!r} is not an active currency of this tenant {_listed(active)}"
            problems.append(_invalid(f"{where}.Currency", why))
        else:
            by_currency.setdefault(tier.currency, []).append((index, tier))
    if tiers and not problems and default_currency not in by_currency:
        problems.append(_missing(TIERS, f"must price the tenant's default currency {default_currency}"))
    checked: list[ChargeTier] = []
    shapes: dict[str, tuple[tuple[object, ...], ...]] = {}
    for currency, entries in by_currency.items():
        single = model in ONE_TIER_MODELS
        rows, found = (_single_tier if single else _tier_table)(model, currency, entries)
        problems += found
        checked += rows
        shapes[currency] = tuple((r.starting_unit, r.ending_unit, r.is_overage_price, r.price_format) for r in rows)
    if not problems and len(set(shapes.values())) > 1:
        first = next(iter(shapes))
        differing = ", ".join(sorted(c for c, shape in shapes.items() if shape != shapes[first]))
        why = f"must give every currency the same ranges and price formats: {differing} differ from {first}"
        problems.append(_invalid(TIERS, why))
    return checked, problems


def _tier_amount_problems(where: str, tier: TierInput) -> list[BillforgeError]:
    checks = (
        ("Price", tier.price, PRICE_SCALE, PRICE_MAX, None),
        ("StartingUnit", tier.starting_unit, QUANTITY_SCALE, QUANTITY_MAX, ZERO),
        ("EndingUnit", tier.ending_unit, QUANTITY_SCALE, QUANTITY_MAX, ZERO),
        ("DiscountAmount", tier.discount_amount, PRICE_SCALE, PRICE_MAX, None),
        ("DiscountPercentage", tier.discount_percentage, PRICE_SCALE, PRICE_MAX, None),
    )
    problems = [
        p
        for name, value, scale, maximum, minimum in checks
        if (p := _decimal_problem(f"{where}.{name}", value, scale=scale, maximum=maximum, minimum=minimum))
    ]
    for name, value in (("MinimumAmount", tier.minimum_amount), ("MaximumAmount", tier.maximum_amount)):
        if value is not None:
            why = "is not supported: billforge does not bill minimum or maximum tier amounts"
            problems.append(Unsupported(f"'{where}.{name}' {why}", field=f"{where}.{name}", obj=CHARGE))
    return problems


def _price_fields_problems(where: str, tier: TierInput, model: ChargeModel) -> list[BillforgeError]:
    """A tier carries exactly the one amount its model prices with: Price, DiscountAmount or DiscountPercentage."""
    wanted = {
        ChargeModel.DISCOUNT_FIXED_AMOUNT: "DiscountAmount",
        ChargeModel.DISCOUNT_PERCENTAGE: "DiscountPercentage",
    }.get(model, "Price")
    given = {
        "Price": tier.price,
        "DiscountAmount": tier.discount_amount,
        "DiscountPercentage": tier.discount_percentage,
    }
    problems = [
        _invalid(f"{where}.{name}", f"does not apply to {model.value}: its tiers carry {wanted} only")
        for name, value in given.items()
        if name != wanted and value is not None
    ]
    amount, percentage = tier.discount_amount, tier.discount_percentage
    if given[wanted] is None:
        problems.append(_missing(f"{where}.{wanted}", f"is required for {model.value}"))
    elif wanted == "DiscountAmount" and amount is not None and amount <= 0:
        problems.append(_invalid(f"{where}.DiscountAmount", f"must be more than 0, got {_n(amount)}"))
    elif wanted == "DiscountPercentage" and percentage is not None and not 0 < percentage <= HUNDRED:
        why = f"must be more than 0 and at most 100, got {_n(percentage)}"
        problems.append(_invalid(f"{where}.DiscountPercentage", why))
    return problems


def _overage_flag_problem(where: str, model: ChargeModel) -> BillforgeError:
    why = f"can be true only in Overage Pricing and Tiered with Overage Pricing, not {model.value}"
    return _invalid(f"{where}.IsOveragePrice", why)


def _single_tier(
    model: ChargeModel, currency: str, entries: Sequence[tuple[int, TierInput]]
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """Flat Fee, Per Unit, Overage and the discounts: one tier per currency."""
    if len(entries) > 1:
        where = f"{TIERS}[{entries[1][0]}]"
        return [], [_invalid(where, f"is a second tier for {currency}: {model.value} takes one tier per currency")]
    index, tier = entries[0]
    where = f"{TIERS}[{index}]"
    problems = _price_fields_problems(where, tier, model)
    overage = model is ChargeModel.OVERAGE
    if overage and tier.is_overage_price is False:
        why = f"must be true: the tier of {model.value} is its overage price"
        problems.append(_invalid(f"{where}.IsOveragePrice", why))
    if not overage and tier.is_overage_price:
        problems.append(_overage_flag_problem(where, model))
    flat = model in (ChargeModel.FLAT_FEE, ChargeModel.DISCOUNT_FIXED_AMOUNT)
    row = ChargeTier(
        tier=1,
        currency=currency,
        price=tier.price if model not in DISCOUNT_MODELS else None,
        price_format=PriceFormat.FLAT_FEE if flat else PriceFormat.PER_UNIT,
        is_overage_price=overage,
        discount_amount=tier.discount_amount if model is ChargeModel.DISCOUNT_FIXED_AMOUNT else None,
        discount_percentage=tier.discount_percentage if model is ChargeModel.DISCOUNT_PERCENTAGE else None,
    )
    return [row], problems


def _tier_table(
    model: ChargeModel, currency: str, entries: Sequence[tuple[int, TierInput]]
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """Tiered, Volume and Tiered with Overage: contiguous ordinary tiers, plus the overage tier."""
    problems: list[BillforgeError] = []
    ordinary = [(i, tier) for i, tier in entries if not tier.is_overage_price]
    overage = [(i, tier) for i, tier in entries if tier.is_overage_price]
    with_overage = model is ChargeModel.TIERED_WITH_OVERAGE
    if not with_overage:
        problems += [_overage_flag_problem(f"{TIERS}[{i}]", model) for i, _ in overage]
        overage = []
    elif len(overage) != 1:
        why = f"must have exactly one overage tier (IsOveragePrice true) for {currency}, got {len(overage)}"
        problems.append(_invalid(TIERS, why))
    if not ordinary:
        problems.append(_missing(TIERS, f"needs at least one tier that is not an overage price for {currency}"))
    rows: list[ChargeTier] = []
    previous_end: Decimal | None = None
    for position, (index, tier) in enumerate(ordinary):
        where = f"{TIERS}[{index}]"
        closed_because = None
        if position < len(ordinary) - 1:
            closed_because = "only the last tier may be open-ended"
        elif with_overage:
            closed_because = "the overage tier prices the units above the last tier"
        problems += _price_fields_problems(where, tier, model)
        problems += _range_problems(where, tier, position, closed_because, previous_end)
        previous_end = tier.ending_unit
        price_format = tier.price_format or PriceFormat.PER_UNIT
        rows.append(ChargeTier(position + 1, currency, tier.price, price_format, tier.starting_unit, tier.ending_unit))
    for index, tier in overage[:1]:
        where = f"{TIERS}[{index}]"
        problems += _price_fields_problems(where, tier, model)
        if tier.price_format is PriceFormat.FLAT_FEE:
            problems.append(_invalid(f"{where}.PriceFormat", "must be Per Unit: the overage price is charged per unit"))
        rows.append(ChargeTier(len(ordinary) + 1, currency, tier.price, PriceFormat.PER_UNIT, is_overage_price=True))
    return rows, problems


def _range_problems(
    where: str, tier: TierInput, position: int, closed_because: str | None, previous_end: Decimal | None
) -> list[BillforgeError]:
    """Tier ``position`` (0-based) starts where the previous one ends, or one unit later (0-100,
    101-200). ``closed_because`` says why the tier needs an ``EndingUnit`` (``None``: it may be open)."""
    start, end = tier.starting_unit, tier.ending_unit
    if start is None:
        return [_missing(f"{where}.StartingUnit")]
    problems: list[BillforgeError] = []
    if end is None and closed_because is not None:
        problems.append(_missing(f"{where}.EndingUnit", f"is required: {closed_because}"))
    if end is not None and end < start:
        problems.append(_invalid(f"{where}.EndingUnit", f"{_n(end)} is below its StartingUnit {_n(start)}"))
    if position == 0 and start not in (ZERO, ONE):
        problems.append(_invalid(f"{where}.StartingUnit", f"must be 0 or 1 for the first tier, got {_n(start)}"))
    if position > 0 and previous_end is not None and start not in (previous_end, previous_end + ONE):
        relation = "leaves a gap after" if start > previous_end + ONE else "overlaps"
        why = (
            f"{_n(start)} {relation} the previous tier, which ends at {_n(previous_end)}: "
            "tiers must be listed in ascending order, contiguous and not overlapping"
        )
        problems.append(_invalid(f"{where}.StartingUnit", why))
    return problems


# --- charges: storing and reading ----------------------------------------------------------


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


def _charge_values(data: ChargeInput) -> dict[str, Any]:
    """Column values, with Zuora's defaults where the client left a field out: recurring charges
    bill in advance, per billing period; usage in arrears; periodic charges align to the charge;
    charges end with the subscription; discounts apply at rate plan level to every charge type;
    Tiered and Volume one-time and recurring charges default to quantity 0."""
    values = {name: getattr(data, name) for name in _INPUT_COLUMNS}
    values = {name: v.value if isinstance(v, StrEnum) else v for name, v in values.items()}
    kind, model = data.charge_type, data.charge_model
    if kind is ChargeType.RECURRING:
        values["billing_timing"] = (data.billing_timing or BillingTiming.IN_ADVANCE).value
        values["list_price_base"] = (data.list_price_base or ListPriceBase.PER_BILLING_PERIOD).value
    elif kind is ChargeType.USAGE:
        values["billing_timing"] = BillingTiming.IN_ARREARS.value
    if kind is not ChargeType.ONE_TIME:
        values["billing_period_alignment"] = (
            data.billing_period_alignment or BillingPeriodAlignment.ALIGN_TO_CHARGE
        ).value
    values["end_date_condition"] = (data.end_date_condition or EndDateCondition.SUBSCRIPTION_END).value
    apply_to = data.apply_discount_to
    if model in DISCOUNT_MODELS:
        values["discount_level"] = (data.discount_level or DiscountLevel.RATE_PLAN).value
        apply_to = apply_to or ApplyDiscountTo.ONE_TIME_RECURRING_USAGE
    values["apply_discount_to"] = apply_to.value if apply_to else None
    if model in (ChargeModel.TIERED, ChargeModel.VOLUME) and kind is not ChargeType.USAGE:
        values["default_quantity"] = data.default_quantity if data.default_quantity is not None else ZERO
    values["taxable"] = bool(data.taxable)
    values["deferred_revenue_accounting_code"] = data.deferred_revenue_account
    values["recognized_revenue_accounting_code"] = data.recognized_revenue_account
    values["extra"] = _json_safe({**data.extra, **{k: v for k, v in data.features.items() if v is not None}})
    return values


def _tier_rows(
    ctx: Context, charge_id: str, tiers: Sequence[ChargeTier], kept: Mapping[tuple[str, int], Row[Any]]
) -> list[dict[str, Any]]:
    """Rows for the tiers; a tier whose (currency, number) existed keeps its id and creation stamp."""
    rows = []
    for tier in tiers:
        old = kept.get((tier.currency, tier.tier))
        audit = _audit(ctx, created=True)
        if old is not None:
            audit.update(created_at=old.created_at, created_by_id=old.created_by_id)
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
                **audit,
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
            else _generate_key(conn, ctx.entity_id, "PRPC", charges.c.product_rate_plan_charge_number)
        )
    if current is None:
        statement: Any = insert(charges).values(
            id=charge_id, entity_id=ctx.entity_id, **values, **_audit(ctx, created=True)
        )
    else:
        statement = update(charges).where(charges.c.id == charge_id).values(**values, **_audit(ctx, created=False))
        conn.execute(delete(tiers).where(tiers.c.entity_id == ctx.entity_id, tiers.c.charge_id == charge_id))
    _write(conn, statement, "ProductRatePlanChargeNumber", values["product_rate_plan_charge_number"], CHARGE)
    kept = {(r.currency, r.tier): r for r in old_tiers}
    conn.execute(insert(tiers), _tier_rows(ctx, charge_id, checked.tiers, kept))
    return str(charge_id)


def create_charge(*, db: Database, ctx: Context, data: ChargeInput) -> str:
    with db.write() as conn:
        return _store_charge(conn, ctx, data)


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


def _optional(enum: type[E], value: Any) -> E | None:
    return enum(value) if value is not None else None


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
        weekly_bill_cycle_day=_optional(Weekday, row.weekly_bill_cycle_day),
        billing_period=_optional(BillingPeriod, row.billing_period),
        specific_billing_period=row.specific_billing_period,
        billing_timing=_optional(BillingTiming, row.billing_timing),
        billing_period_alignment=_optional(BillingPeriodAlignment, row.billing_period_alignment),
        list_price_base=_optional(ListPriceBase, row.list_price_base),
        trigger_event=TriggerEvent(row.trigger_event),
        uom=row.uom,
        default_quantity=row.default_quantity,
        included_units=row.included_units,
        end_date_condition=EndDateCondition(row.end_date_condition),
        up_to_periods=row.up_to_periods,
        up_to_periods_type=_optional(UpToPeriodsType, row.up_to_periods_type),
        rating_group=_optional(RatingGroup, row.rating_group),
        taxable=row.taxable,
        tax_code=row.tax_code,
        tax_mode=_optional(TaxMode, row.tax_mode),
        description=row.description,
        discount_level=_optional(DiscountLevel, row.discount_level),
        apply_discount_to=_optional(ApplyDiscountTo, row.apply_discount_to),
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
        current = _find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        old_tiers = _charge_tiers(conn, ctx.entity_id, charge_id)
        data = _merged(_charge_input(current, old_tiers), changes)
        return _store_charge(conn, ctx, data, current, old_tiers)


def delete_charge(*, db: Database, ctx: Context, charge_id: str) -> None:
    with db.write() as conn:
        _find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        _refuse_if_subscribed(conn, ctx.entity_id, CHARGE, charge_id=charge_id)
        tiers, charges = t.product_rate_plan_charge_tiers, t.product_rate_plan_charges
        conn.execute(delete(tiers).where(tiers.c.entity_id == ctx.entity_id, tiers.c.charge_id == charge_id))
        conn.execute(delete(charges).where(charges.c.entity_id == ctx.entity_id, charges.c.id == charge_id))


def get_charge(*, db: Database, ctx: Context, charge_id: str) -> ObjectView:
    with db.read() as conn:
        row = _find(conn, t.product_rate_plan_charges, ctx.entity_id, charge_id, obj=CHARGE)
        return ObjectView(row, _time_zone(conn, ctx.entity_id), _charge_tiers(conn, ctx.entity_id, charge_id))


def get_tier(*, db: Database, ctx: Context, tier_id: str) -> ObjectView:
    with db.read() as conn:
        row = _find(conn, t.product_rate_plan_charge_tiers, ctx.entity_id, tier_id, obj=TIER)
        return ObjectView(row, _time_zone(conn, ctx.entity_id))


TIER_CHANGES: Final = frozenset(
    {"price", "price_format", "starting_unit", "ending_unit", "discount_amount", "discount_percentage"}
)


def update_tier(*, db: Database, ctx: Context, tier_id: str, changes: Mapping[str, Any]) -> str:
    """Change one tier (``TIER_CHANGES`` fields); the charge's whole tier table is checked again
    with the change in it, and errors about the tier name its own fields (``Price``)."""
    if not set(changes) <= TIER_CHANGES:
        raise ValueError(f"tier fields that cannot change: {sorted(set(changes) - TIER_CHANGES)}")
    with db.write() as conn:
        tier = _find(conn, t.product_rate_plan_charge_tiers, ctx.entity_id, tier_id, obj=TIER)
        charge = _find(conn, t.product_rate_plan_charges, ctx.entity_id, tier.charge_id, obj=CHARGE)
        old_tiers = _charge_tiers(conn, ctx.entity_id, charge.id)
        data = _charge_input(charge, old_tiers)
        position = next(i for i, r in enumerate(old_tiers) if r.id == tier_id)
        assert data.tiers is not None  # noqa: S101 - read from the stored tiers
        data.tiers[position] = replace(data.tiers[position], **changes)
        try:
            _store_charge(conn, ctx, data, charge, old_tiers)
        except BillforgeError as error:
            raise _as_tier_error(error, f"{TIERS}[{position}].") from None
        return tier_id


def _as_tier_error(error: BillforgeError, prefix: str) -> BillforgeError:
    for problem in error.errors if isinstance(error, ErrorList) else [error]:
        if problem.field and problem.field.startswith(prefix):
            problem.field = problem.field.removeprefix(prefix)
            problem.message = problem.message.replace(f"'{prefix}", "'")
            problem.obj = TIER
    return ErrorList(error.errors) if isinstance(error, ErrorList) else error


# --- the catalog view (GET /v1/catalog/...) ------------------------------------------------


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
    return ctx.now().astimezone(ZoneInfo(_time_zone(conn, ctx.entity_id))).date()


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
        row = _find(conn, t.product_rate_plans, ctx.entity_id, plan_id, obj=PLAN)
        return row, _today(conn, ctx)


# --- for the billing engine ----------------------------------------------------------------


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
    apply_to = _optional(ApplyDiscountTo, row.apply_discount_to)
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
        weekly_bill_cycle_day=_optional(Weekday, row.weekly_bill_cycle_day),
        billing_period=_optional(BillingPeriod, row.billing_period),
        specific_billing_period=row.specific_billing_period,
        billing_timing=_optional(BillingTiming, row.billing_timing),
        billing_period_alignment=_optional(BillingPeriodAlignment, row.billing_period_alignment),
        list_price_base=_optional(ListPriceBase, row.list_price_base),
        trigger_event=TriggerEvent(row.trigger_event),
        end_date_condition=EndDateCondition(row.end_date_condition),
        up_to_periods=row.up_to_periods,
        up_to_periods_type=_optional(UpToPeriodsType, row.up_to_periods_type),
        rating_group=_optional(RatingGroup, row.rating_group),
        default_quantity=row.default_quantity,
        included_units=row.included_units,
        discount_level=_optional(DiscountLevel, row.discount_level),
        apply_discount_to=apply_to.charge_types if apply_to else frozenset(),
        taxable=row.taxable,
        tax_code=row.tax_code,
        tax_mode=_optional(TaxMode, row.tax_mode),
        tiers=MappingProxyType(tiers),
    )

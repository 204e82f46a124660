"""The catalog's objects as a client describes them: a product, a rate plan, a charge and its tiers.

``None`` means "not given": which fields are required, and what a field left out defaults to, is
decided by ``domain.catalog_rules``. ``extra`` holds the fields kept verbatim (custom ``*__c``
fields, NetSuite ``*__NS`` fields, revenue settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

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
    ProductCategory,
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.domain.tax import TaxMode

InputT = TypeVar("InputT", "ProductInput", "RatePlanInput", "ChargeInput")


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


def merged(current: InputT, changes: Mapping[str, Any]) -> InputT:
    """``current`` with ``changes`` applied; ``extra`` and ``features`` add to the stored ones."""
    changes = dict(changes)
    added = {name: changes.pop(name) for name in ("extra", "features") if name in changes}
    result = replace(current, **changes)
    for name, values in added.items():
        setattr(result, name, {**getattr(current, name), **values})
    return result

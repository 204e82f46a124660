"""A subscription as the client asks for it: its account, terms and rate plans, each rate plan with
its ``chargeOverrides``; and the client's cancellation. ``None`` keeps the catalog's value or the
default; which fields are required, and how they combine, is ``domain.subscription_rules``'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from billforge.domain.catalog import (
    ApplyDiscountTo,
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    DiscountLevel,
    EndDateCondition,
    ListPriceBase,
    PriceFormat,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)


@dataclass(slots=True)
class TierOverride:
    tier: int
    price: Decimal
    starting_unit: Decimal | None = None
    ending_unit: Decimal | None = None
    price_format: PriceFormat | None = None


@dataclass(slots=True)
class ChargeOverride:
    """A ``chargeOverrides[]`` entry; ``None`` keeps the catalog's value."""

    product_rate_plan_charge_id: str | None = None
    product_rate_plan_charge_number: str | None = None
    number: str | None = None
    description: str | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    included_units: Decimal | None = None
    overage_price: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    discount_level: DiscountLevel | None = None
    apply_discount_to: ApplyDiscountTo | None = None
    bill_cycle_type: BillCycleType | None = None
    bill_cycle_day: int | None = None
    weekly_bill_cycle_day: Weekday | None = None
    billing_period: BillingPeriod | None = None
    specific_billing_period: int | None = None
    billing_timing: BillingTiming | None = None
    billing_period_alignment: BillingPeriodAlignment | None = None
    list_price_base: ListPriceBase | None = None
    trigger_event: TriggerEvent | None = None
    trigger_date: date | None = None
    end_date_condition: EndDateCondition | None = None
    up_to_periods: int | None = None
    up_to_periods_type: UpToPeriodsType | None = None
    specific_end_date: date | None = None
    tiers: list[TierOverride] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RatePlanRequest:
    product_rate_plan_id: str | None = None
    product_rate_plan_number: str | None = None
    charge_overrides: list[ChargeOverride] = field(default_factory=list)


@dataclass(slots=True)
class BillingRun:
    """Bill at once (``runBilling``/``invoice``) up to ``target_date``, dated ``document_date``."""

    run: bool = False
    target_date: date | None = None
    document_date: date | None = None
    collect: bool = False


@dataclass(slots=True)
class SubscriptionInput:
    account_key: str
    contract_effective_date: date
    term_type: str
    rate_plans: list[RatePlanRequest]
    initial_term: int | None = None
    initial_term_period_type: str | None = None
    renewal_term: int | None = None
    renewal_term_period_type: str | None = None
    renewal_setting: str | None = None
    auto_renew: bool = False
    service_activation_date: date | None = None
    customer_acceptance_date: date | None = None
    term_start_date: date | None = None
    invoice_separately: bool = False
    subscription_number: str | None = None
    invoice_owner_account_key: str | None = None
    notes: str | None = None
    billing: BillingRun = field(default_factory=BillingRun)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CancelInput:
    cancellation_policy: str | None
    cancellation_effective_date: date | None = None
    billing: BillingRun = field(default_factory=BillingRun)

"""What the billing core bills from: subscriptions, their rate plan charges, usage, and what was billed.

These frozen dataclasses are the billing core's whole input. The services layer builds them from
the database; the billing core never reads anything else. Vocabulary and defaults follow Zuora's
subscription and rate plan charge objects.

Date conventions (Zuora's):
- ``term_end_date`` and ``cancelled_date`` are *exclusive*: they are the first day that is no longer
  served (a 12-month term from 2024-01-01 ends 2025-01-01; a cancellation effective 2024-03-15
  serves through 2024-03-14);
- an item's ``service_start`` and ``service_end`` are *inclusive*, as on an invoice item;
- a charged-through date is exclusive: the first day not yet billed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from billforge.domain.catalog import (
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
    TriggerEvent,
    Weekday,
)
from billforge.domain.tax import TaxMode

#: A subscription's status: Active until it is cancelled.
ACTIVE: Final = "Active"
CANCELLED: Final = "Cancelled"


class TermType(StrEnum):
    TERMED = "TERMED"
    EVERGREEN = "EVERGREEN"


class ItemKind(StrEnum):
    """What an invoice item is: a charge, a discount on a charge, or a credit for service taken back."""

    CHARGE = "Charge"
    DISCOUNT = "Discount"
    CREDIT = "Credit"


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier of a tiered, volume or overage price table.

    Tiers are contiguous: tier n covers the units above tier n-1's ``ending_unit`` up to its own
    ``ending_unit`` (``None`` for the open last tier). The overage tier (``is_overage``) prices each
    unit beyond the last ordinary tier (Tiered with Overage) or beyond the included units (Overage).
    """

    tier: int
    starting_unit: Decimal
    ending_unit: Decimal | None
    price: Decimal
    price_format: PriceFormat = PriceFormat.PER_UNIT
    is_overage: bool = False


ALL_CHARGE_TYPES: frozenset[ChargeType] = frozenset(ChargeType)


@dataclass(frozen=True, slots=True)
class RatePlanCharge:
    """A subscription's rate plan charge, with every attribute that decides what it bills.

    ``price`` is the list price for one ``list_price_base`` (by default one billing period); tiered
    models price through ``tiers``. ``effective_start_date``, when set, overrides the trigger event
    (a charge added by an amendment, or a SpecificDate trigger). ``quantity`` is the subscribed
    quantity of one-time and recurring charges; usage charges rate the usage instead.
    """

    charge_id: str
    charge_number: str
    name: str
    charge_type: ChargeType
    charge_model: ChargeModel
    price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    quantity: Decimal = Decimal(1)
    included_units: Decimal = Decimal(0)
    discount_percentage: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_level: DiscountLevel = DiscountLevel.RATE_PLAN
    apply_discount_to: frozenset[ChargeType] = ALL_CHARGE_TYPES
    uom: str | None = None
    billing_period: BillingPeriod = BillingPeriod.MONTH
    specific_billing_period: int | None = None
    list_price_base: ListPriceBase = ListPriceBase.PER_BILLING_PERIOD
    billing_timing: BillingTiming = BillingTiming.IN_ADVANCE
    bill_cycle_type: BillCycleType = BillCycleType.DEFAULT_FROM_CUSTOMER
    bill_cycle_day: int | None = None
    weekly_bill_cycle_day: Weekday | None = None
    billing_period_alignment: BillingPeriodAlignment = BillingPeriodAlignment.ALIGN_TO_CHARGE
    trigger_event: TriggerEvent = TriggerEvent.CONTRACT_EFFECTIVE
    effective_start_date: date | None = None
    end_date_condition: EndDateCondition = EndDateCondition.SUBSCRIPTION_END
    up_to_periods: int | None = None
    specific_end_date: date | None = None
    tax_code: str | None = None
    tax_mode: TaxMode = TaxMode.EXCLUSIVE
    product_rate_plan_charge_id: str | None = None
    rate_plan_id: str = ""
    rate_plan_name: str = ""
    product_name: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as the billing core needs it.

    ``term_end_date`` is the end of the *current* term (exclusive); a renewal moves it. It is ignored
    for an evergreen subscription. ``cancelled_date`` is the cancellation's effective date
    (exclusive). ``term_start_date`` defaults to the contract effective date.
    """

    subscription_id: str
    number: str
    contract_effective_date: date
    service_activation_date: date | None = None
    customer_acceptance_date: date | None = None
    term_type: TermType = TermType.EVERGREEN
    term_start_date: date | None = None
    term_end_date: date | None = None
    cancelled_date: date | None = None
    invoice_separately: bool = False
    charges: tuple[RatePlanCharge, ...] = ()

    @property
    def current_term_start(self) -> date:
        return self.term_start_date or self.contract_effective_date


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """A usage record of a usage charge; it is rated in the billing period holding its start date."""

    usage_id: str
    charge_id: str
    start_date: date
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class BilledItem:
    """An item already billed for a charge, on an invoice that is not cancelled or deleted.

    ``amount`` is the item's rated amount as it was generated (for a tax-inclusive charge, tax
    included). ``quantity`` matters for usage items: late usage is billed as the difference.
    """

    charge_id: str
    service_start: date
    service_end: date
    amount: Decimal
    kind: ItemKind = ItemKind.CHARGE
    quantity: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Account:
    """The billed account: its bill cycle day (1-31) drives DefaultFromCustomer charges."""

    account_id: str
    bill_cycle_day: int = 1
    currency: str = "USD"
    account_number: str = ""

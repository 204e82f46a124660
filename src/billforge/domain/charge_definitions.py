"""A product rate plan charge as the rest of billforge reads it from the catalog: every field that
decides what it bills, with its price tiers by currency (subscriptions copy their charges from it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.domain.tax import TaxMode


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

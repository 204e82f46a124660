"""The product catalog's vocabulary: the enum values Zuora uses on the wire.

Every value Zuora publishes is recognised. Values the billing engine cannot bill are listed in
``UNSUPPORTED`` so that the catalog refuses them with a clear message instead of storing them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ChargeType(StrEnum):
    ONE_TIME = "OneTime"
    RECURRING = "Recurring"
    USAGE = "Usage"


class ChargeModel(StrEnum):
    FLAT_FEE = "Flat Fee Pricing"
    PER_UNIT = "Per Unit Pricing"
    TIERED = "Tiered Pricing"
    VOLUME = "Volume Pricing"
    OVERAGE = "Overage Pricing"
    TIERED_WITH_OVERAGE = "Tiered with Overage Pricing"
    DISCOUNT_FIXED_AMOUNT = "Discount-Fixed Amount"
    DISCOUNT_PERCENTAGE = "Discount-Percentage"
    DELIVERY = "Delivery Pricing"
    MULTI_ATTRIBUTE = "MultiAttributePricing"
    PRE_RATED_PER_UNIT = "PreratedPerUnit"
    PRE_RATED = "PreratedPricing"
    HIGH_WATERMARK_VOLUME = "HighWatermarkVolumePricing"
    HIGH_WATERMARK_TIERED = "HighWatermarkTieredPricing"


class BillCycleType(StrEnum):
    DEFAULT_FROM_CUSTOMER = "DefaultFromCustomer"
    SPECIFIC_DAY_OF_MONTH = "SpecificDayofMonth"
    SUBSCRIPTION_START_DAY = "SubscriptionStartDay"
    CHARGE_TRIGGER_DAY = "ChargeTriggerDay"
    SPECIFIC_DAY_OF_WEEK = "SpecificDayofWeek"
    TERM_START_DAY = "TermStartDay"
    TERM_END_DAY = "TermEndDay"


class BillingPeriod(StrEnum):
    MONTH = "Month"
    QUARTER = "Quarter"
    ANNUAL = "Annual"
    SEMI_ANNUAL = "Semi-Annual"
    SPECIFIC_MONTHS = "Specific Months"
    SUBSCRIPTION_TERM = "Subscription Term"
    WEEK = "Week"
    SPECIFIC_WEEKS = "Specific Weeks"
    SPECIFIC_DAYS = "Specific Days"


class BillingTiming(StrEnum):
    IN_ADVANCE = "In Advance"
    IN_ARREARS = "In Arrears"


class BillingPeriodAlignment(StrEnum):
    ALIGN_TO_CHARGE = "AlignToCharge"
    ALIGN_TO_SUBSCRIPTION_START = "AlignToSubscriptionStart"
    ALIGN_TO_TERM_START = "AlignToTermStart"
    ALIGN_TO_TERM_END = "AlignToTermEnd"


class TriggerEvent(StrEnum):
    CONTRACT_EFFECTIVE = "ContractEffective"
    SERVICE_ACTIVATION = "ServiceActivation"
    CUSTOMER_ACCEPTANCE = "CustomerAcceptance"
    SPECIFIC_DATE = "SpecificDate"


class PriceFormat(StrEnum):
    FLAT_FEE = "Flat Fee"
    PER_UNIT = "Per Unit"


class EndDateCondition(StrEnum):
    SUBSCRIPTION_END = "SubscriptionEnd"
    FIXED_PERIOD = "FixedPeriod"
    SPECIFIC_END_DATE = "SpecificEndDate"


class ListPriceBase(StrEnum):
    """What a recurring charge's list price is quoted for (Zuora's ``listPriceBase``).

    The billing core turns it into the price of one billing period: a price per month times the
    months of the period, a price per year times months / 12, a price per week times the weeks.
    """

    PER_BILLING_PERIOD = "Per_Billing_Period"
    PER_MONTH = "Per_Month"
    PER_WEEK = "Per_Week"
    PER_YEAR = "Per_Year"
    PER_SPECIFIC_MONTHS = "Per_Specific_Months"


class DiscountLevel(StrEnum):
    """Which charges a discount charge discounts: its rate plan's, its subscription's, the account's."""

    RATE_PLAN = "rateplan"
    SUBSCRIPTION = "subscription"
    ACCOUNT = "account"


class ProductCategory(StrEnum):
    BASE_PRODUCTS = "Base Products"
    ADD_ON_SERVICES = "Add On Services"
    MISCELLANEOUS_PRODUCTS = "Miscellaneous Products"


class Weekday(StrEnum):
    SUNDAY = "Sunday"
    MONDAY = "Monday"
    TUESDAY = "Tuesday"
    WEDNESDAY = "Wednesday"
    THURSDAY = "Thursday"
    FRIDAY = "Friday"
    SATURDAY = "Saturday"


#: Recognised on the wire, but the billing engine cannot bill them yet; refused with INVALID_VALUE.
UNSUPPORTED: Final[frozenset[StrEnum]] = frozenset(
    {
        ChargeModel.DELIVERY,
        ChargeModel.MULTI_ATTRIBUTE,
        ChargeModel.PRE_RATED_PER_UNIT,
        ChargeModel.PRE_RATED,
        ChargeModel.HIGH_WATERMARK_VOLUME,
        ChargeModel.HIGH_WATERMARK_TIERED,
        BillCycleType.TERM_START_DAY,
        BillCycleType.TERM_END_DAY,
        BillingPeriod.SUBSCRIPTION_TERM,
        BillingPeriod.SPECIFIC_WEEKS,
        BillingPeriod.SPECIFIC_DAYS,
        BillingPeriodAlignment.ALIGN_TO_TERM_END,
        TriggerEvent.SPECIFIC_DATE,
        ListPriceBase.PER_SPECIFIC_MONTHS,
    }
)

#: Charge models whose price lives in tiers rather than in one price.
TIERED_MODELS: Final = frozenset(
    {ChargeModel.TIERED, ChargeModel.VOLUME, ChargeModel.TIERED_WITH_OVERAGE, ChargeModel.OVERAGE}
)
DISCOUNT_MODELS: Final = frozenset({ChargeModel.DISCOUNT_FIXED_AMOUNT, ChargeModel.DISCOUNT_PERCENTAGE})

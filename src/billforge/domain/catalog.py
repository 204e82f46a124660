"""The product catalog's vocabulary: the enum values Zuora uses on the wire.

Every value Zuora publishes is recognised. Values the billing engine cannot bill are listed in
``UNSUPPORTED`` so that the catalog refuses them with a clear message instead of storing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
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
    CALCULATED = "Calculated"


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
    ONE_TIME = "OneTime"  # the end of a one-time charge: it ends when it is billed


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
    PER_VALIDITY_PERIOD = "Per_Validity_Period"


class DiscountLevel(StrEnum):
    """Which charges a discount charge discounts: its rate plan's, its subscription's, the account's."""

    RATE_PLAN = "rateplan"
    SUBSCRIPTION = "subscription"
    ACCOUNT = "account"


class ApplyDiscountTo(StrEnum):
    """The charge types a discount charge applies to (Zuora spells the combinations in capitals)."""

    ONE_TIME = "ONETIME"
    RECURRING = "RECURRING"
    USAGE = "USAGE"
    ONE_TIME_RECURRING = "ONETIMERECURRING"
    ONE_TIME_USAGE = "ONETIMEUSAGE"
    RECURRING_USAGE = "RECURRINGUSAGE"
    ONE_TIME_RECURRING_USAGE = "ONETIMERECURRINGUSAGE"

    @property
    def charge_types(self) -> frozenset[ChargeType]:
        """``ONETIMEUSAGE`` is one-time and usage charges."""
        parts = {"ONETIME": ChargeType.ONE_TIME, "RECURRING": ChargeType.RECURRING, "USAGE": ChargeType.USAGE}
        return frozenset(kind for word, kind in parts.items() if word in self.value)


class UpToPeriodsType(StrEnum):
    """The unit of ``UpToPeriods`` for a charge that ends after a fixed period."""

    BILLING_PERIODS = "Billing Periods"
    DAYS = "Days"
    WEEKS = "Weeks"
    MONTHS = "Months"
    YEARS = "Years"


class RatingGroup(StrEnum):
    """How usage records are grouped before a usage charge rates them."""

    BY_BILLING_PERIOD = "ByBillingPeriod"
    BY_USAGE_START_DATE = "ByUsageStartDate"
    BY_USAGE_RECORD = "ByUsageRecord"
    BY_USAGE_UPLOAD = "ByUsageUpload"
    BY_GROUP_ID = "ByGroupId"


class PriceChangeOption(StrEnum):
    """What happens to a termed subscription's price when it renews."""

    NO_CHANGE = "NoChange"
    SPECIFIC_PERCENTAGE_VALUE = "SpecificPercentageValue"
    USE_LATEST_PRODUCT_CATALOG_PRICING = "UseLatestProductCatalogPricing"


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
        ChargeModel.CALCULATED,
        BillCycleType.TERM_START_DAY,
        BillCycleType.TERM_END_DAY,
        BillingPeriod.SUBSCRIPTION_TERM,
        BillingPeriod.SPECIFIC_WEEKS,
        BillingPeriod.SPECIFIC_DAYS,
        BillingPeriodAlignment.ALIGN_TO_TERM_END,
        TriggerEvent.SPECIFIC_DATE,
        ListPriceBase.PER_SPECIFIC_MONTHS,
        ListPriceBase.PER_VALIDITY_PERIOD,
        UpToPeriodsType.DAYS,
        UpToPeriodsType.WEEKS,
        UpToPeriodsType.MONTHS,
        UpToPeriodsType.YEARS,
        RatingGroup.BY_USAGE_START_DATE,
        RatingGroup.BY_USAGE_RECORD,
        RatingGroup.BY_USAGE_UPLOAD,
        RatingGroup.BY_GROUP_ID,
        PriceChangeOption.SPECIFIC_PERCENTAGE_VALUE,
        PriceChangeOption.USE_LATEST_PRODUCT_CATALOG_PRICING,
    }
)

#: Values Zuora publishes for a field that have no member in its enum here, because the billing
#: engine could never bill them (``ChargeType`` ``Others``): recognised only to be refused as not
#: supported, like the members of ``UNSUPPORTED``.
UNSUPPORTED_VALUES: Final[Mapping[type[StrEnum], frozenset[str]]] = MappingProxyType(
    {ChargeType: frozenset({"Others"})}
)

#: Charge models whose price lives in tiers rather than in one price.
TIERED_MODELS: Final = frozenset(
    {ChargeModel.TIERED, ChargeModel.VOLUME, ChargeModel.TIERED_WITH_OVERAGE, ChargeModel.OVERAGE}
)
DISCOUNT_MODELS: Final = frozenset({ChargeModel.DISCOUNT_FIXED_AMOUNT, ChargeModel.DISCOUNT_PERCENTAGE})

"""The catalog's zObjects: Product, ProductRatePlan, ProductRatePlanCharge and its tiers (PascalCase,
the WSDL names), as the Object API (``/v1/object/product*``), ``/v1/action/create|update`` and SOAP
read them, turned into the catalog service's inputs.

Enum fields accept exactly Zuora's values (case-sensitive). Two spellings are accepted for the
list price base (``Per Billing Period`` as the Object API sends it, ``Per_Billing_Period`` as the
catalog shows it), and ``PreratedPricing``` (sic, the SDK's spelling) for ``PreratedPricing``.
Fields the billing engine does not use but Zuora's objects have (NetSuite ``*__NS`` fields,
revenue settings) are kept verbatim and returned by GET, as are custom fields (``*__c``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, TypeVar, get_args

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.domain.catalog import (
    UNSUPPORTED_VALUES,
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
    PriceChangeOption,
    PriceFormat,
    ProductCategory,
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.domain.catalog_inputs import ChargeInput, ProductInput, RatePlanInput, TierInput
from billforge.domain.catalog_rules import FEATURES
from billforge.domain.tax import TaxMode
from billforge.objects.fields import ZBool, ZDate, ZDecimal, ZInt, ZStr
from billforge.objects.model import ObjectModel, sent_fields

E = TypeVar("E", bound=StrEnum)


def _enum(enum: type[E], aliases: Mapping[str, E] | None = None) -> BeforeValidator:
    """Exactly one of the enum's values (or an alias); anything else names the allowed values. A
    value of ``UNSUPPORTED_VALUES`` is recognised and refused as not supported."""
    lookup: dict[str, E] = {member.value: member for member in enum}
    lookup.update(aliases or {})
    refused = UNSUPPORTED_VALUES.get(enum, frozenset())

    def parse(value: Any) -> E:
        if isinstance(value, str) and value in lookup:
            return lookup[value]
        if isinstance(value, str) and value in refused:
            why = "value {value} is not supported: billforge cannot bill it"
            raise PydanticCustomError("bf_unsupported", why, {"value": repr(value)})
        allowed = ", ".join(repr(v) for v in [*(member.value for member in enum), *sorted(refused)])
        raise PydanticCustomError(
            "bf_enum", "must be one of {allowed}, got {value}", {"allowed": allowed, "value": repr(value)}
        )

    return BeforeValidator(parse)


_LIST_PRICE_BASES = {base.value.replace("_", " "): base for base in ListPriceBase}

ZCategory = Annotated[ProductCategory, _enum(ProductCategory)]
ZChargeType = Annotated[ChargeType, _enum(ChargeType)]
ZChargeModel = Annotated[ChargeModel, _enum(ChargeModel, {"PreratedPricing`": ChargeModel.PRE_RATED})]
ZBillCycleType = Annotated[BillCycleType, _enum(BillCycleType)]
ZBillingPeriod = Annotated[BillingPeriod, _enum(BillingPeriod)]
ZBillingTiming = Annotated[BillingTiming, _enum(BillingTiming)]
ZAlignment = Annotated[BillingPeriodAlignment, _enum(BillingPeriodAlignment)]
ZListPriceBase = Annotated[ListPriceBase, _enum(ListPriceBase, _LIST_PRICE_BASES)]
ZTriggerEvent = Annotated[TriggerEvent, _enum(TriggerEvent)]
ZEndDateCondition = Annotated[EndDateCondition, _enum(EndDateCondition)]
ZUpToPeriodsType = Annotated[UpToPeriodsType, _enum(UpToPeriodsType)]
ZRatingGroup = Annotated[RatingGroup, _enum(RatingGroup)]
ZPriceChangeOption = Annotated[PriceChangeOption, _enum(PriceChangeOption)]
ZPriceFormat = Annotated[PriceFormat, _enum(PriceFormat)]
ZDiscountLevel = Annotated[DiscountLevel, _enum(DiscountLevel)]
ZApplyDiscountTo = Annotated[ApplyDiscountTo, _enum(ApplyDiscountTo)]
ZTaxMode = Annotated[TaxMode, _enum(TaxMode)]
ZWeekday = Annotated[Weekday, _enum(Weekday)]


# Strings with a length limit. The limit comes before ZStr's validator so that pydantic reports a
# string that is too long ("must be at most N characters"), not a sequence with too many items.
_STRING: Final = get_args(ZStr)[1]
Text25 = Annotated[str, Field(max_length=25), _STRING]
Text32 = Annotated[str, Field(max_length=32), _STRING]
Text50 = Annotated[str, Field(max_length=50), _STRING]
Text64 = Annotated[str, Field(max_length=64), _STRING]
Text100 = Annotated[str, Field(max_length=100), _STRING]
Text255 = Annotated[str, Field(max_length=255), _STRING]
Text500 = Annotated[str, Field(max_length=500), _STRING]


# --- products ------------------------------------------------------------------------------


class ProductRequest(ObjectModel):
    """``CreateProductRequest`` / ``UpdateProductRequest``: every field optional here; the
    service says which are required, so that an update is checked as a whole product."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(
        {"IntegrationId__NS", "IntegrationStatus__NS", "ItemType__NS", "SyncDate__NS"}
    )
    NAMES: ClassVar[Mapping[str, str]] = {}

    name: Text100 | None = None
    effective_start_date: ZDate | None = None
    effective_end_date: ZDate | None = None
    sku: Text50 | None = Field(default=None, alias="SKU")
    product_number: Text100 | None = None
    category: ZCategory | None = None
    description: Text500 | None = None
    allow_feature_changes: ZBool | None = None

    def to_input(self) -> ProductInput:
        return ProductInput(**sent_fields(self, self.NAMES), extra=self.kept_fields())

    def to_changes(self) -> dict[str, Any]:
        return {**sent_fields(self, self.NAMES), "extra": self.kept_fields()}


class CreateProductRequest(ProductRequest):
    name: Text100 | None = Field(...)
    effective_start_date: ZDate | None = Field(...)
    effective_end_date: ZDate | None = Field(...)


# --- rate plans ----------------------------------------------------------------------------


class RatePlanRequest(ObjectModel):
    """``CreateProductRatePlanRequest`` / ``UpdateProductRatePlanRequest``."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(
        {
            "BillingPeriod__NS",
            "Class__NS",
            "Department__NS",
            "IncludeChildren__NS",
            "IntegrationId__NS",
            "IntegrationStatus__NS",
            "ItemType__NS",
            "Location__NS",
            "MultiCurrencyPrice__NS",
            "Price__NS",
            "Subsidiary__NS",
            "SyncDate__NS",
            "ExternalRatePlanIds",
            "ExternalIdSourceSystem",
        }
    )
    NAMES: ClassVar[Mapping[str, str]] = {}

    name: Text255 | None = None
    product_id: Text32 | None = None
    description: Text500 | None = None
    effective_start_date: ZDate | None = None
    effective_end_date: ZDate | None = None
    product_rate_plan_number: Text100 | None = None
    grade: ZInt | None = None
    active_currencies: list[ZStr] | None = None

    def to_input(self) -> RatePlanInput:
        return RatePlanInput(**sent_fields(self, self.NAMES), extra=self.kept_fields())

    def to_changes(self) -> dict[str, Any]:
        return {**sent_fields(self, self.NAMES), "extra": self.kept_fields()}


class CreateRatePlanRequest(RatePlanRequest):
    name: Text255 | None = Field(...)
    product_id: Text32 | None = Field(...)


# --- charges -------------------------------------------------------------------------------


class TierRequest(ObjectModel):
    """``ProductRatePlanChargeTier`` inside a charge's ``ProductRatePlanChargeTierData``."""

    currency: ZStr | None = None
    price: ZDecimal | None = None
    price_format: ZPriceFormat | None = None
    starting_unit: ZDecimal | None = None
    ending_unit: ZDecimal | None = None
    is_overage_price: ZBool | None = None
    discount_amount: ZDecimal | None = None
    discount_percentage: ZDecimal | None = None
    minimum_amount: ZDecimal | None = None
    maximum_amount: ZDecimal | None = None

    def to_input(self) -> TierInput:
        return TierInput(**sent_fields(self, {}))


class TierDataRequest(ObjectModel):
    product_rate_plan_charge_tier: list[TierRequest] | None = None


# Revenue and accounting settings the Object API accepts; billforge keeps them verbatim.
_CHARGE_PASSTHROUGH: Final = frozenset(
    {
        "Class__NS",
        "DeferredRevAccount__NS",
        "Department__NS",
        "IncludeChildren__NS",
        "IntegrationId__NS",
        "IntegrationStatus__NS",
        "ItemType__NS",
        "Location__NS",
        "RecognizedRevAccount__NS",
        "RevRecEnd__NS",
        "RevRecStart__NS",
        "RevRecTemplateType__NS",
        "Subsidiary__NS",
        "SyncDate__NS",
        "ExcludeItemBillingFromRevenueAccounting",
        "ExcludeItemBookingFromRevenueAccounting",
        "RevenueRecognitionTiming",
        "RevenueAmortizationMethod",
        "LegacyRevenueReporting",
        "RevRecCode",
        "RevRecTriggerCondition",
        "RevenueRecognitionRuleName",
        "UseDiscountSpecificAccountingCode",
        "UseTenantDefaultForPriceChange",
        "MinQuantity",
        "MaxQuantity",
    }
)


class ChargeRequest(ObjectModel):
    """``CreateProductRatePlanChargeRequest`` / ``UpdateProductRatePlanChargeRequest``. The
    ``FEATURES`` fields (prepaid drawdown, smoothing, ...) are read from the body as sent and
    checked by the service; ``PriceChangeOption`` is one of them, typed as its enum."""

    PASSTHROUGH: ClassVar[frozenset[str]] = _CHARGE_PASSTHROUGH | (FEATURES.keys() - {"PriceChangeOption"})
    NAMES: ClassVar[Mapping[str, str]] = {"product_rate_plan_charge_tier_data": "tiers"}

    product_rate_plan_id: Text32 | None = None
    name: Text100 | None = None
    charge_type: ZChargeType | None = None
    charge_model: ZChargeModel | None = None
    bill_cycle_type: ZBillCycleType | None = None
    bill_cycle_day: ZInt | None = None
    weekly_bill_cycle_day: ZWeekday | None = None
    billing_period: ZBillingPeriod | None = None
    specific_billing_period: ZInt | None = None
    billing_timing: ZBillingTiming | None = None
    billing_period_alignment: ZAlignment | None = None
    list_price_base: ZListPriceBase | None = None
    trigger_event: ZTriggerEvent | None = None
    uom: Text25 | None = Field(default=None, alias="UOM")
    default_quantity: ZDecimal | None = None
    included_units: ZDecimal | None = None
    end_date_condition: ZEndDateCondition | None = None
    up_to_periods: ZInt | None = None
    up_to_periods_type: ZUpToPeriodsType | None = None
    rating_group: ZRatingGroup | None = None
    price_change_option: ZPriceChangeOption | None = None
    taxable: ZBool | None = None
    tax_code: Text64 | None = None
    tax_mode: ZTaxMode | None = None
    description: Text500 | None = None
    discount_level: ZDiscountLevel | None = None
    apply_discount_to: ZApplyDiscountTo | None = None
    accounting_code: Text100 | None = None
    deferred_revenue_account: Text100 | None = None
    recognized_revenue_account: Text100 | None = None
    product_rate_plan_charge_number: Text100 | None = None
    product_rate_plan_charge_tier_data: TierDataRequest | None = None

    def _fields(self) -> dict[str, Any]:
        values = sent_fields(self, self.NAMES)
        features = {name: value for name, value in (self.model_extra or {}).items() if name in FEATURES}
        if "price_change_option" in values:
            features["PriceChangeOption"] = values.pop("price_change_option")
        if "tiers" in values:
            data = values["tiers"]
            tiers = data.product_rate_plan_charge_tier if data is not None else None
            values["tiers"] = [tier.to_input() for tier in tiers] if tiers is not None else None
        kept = {name: value for name, value in self.kept_fields().items() if name not in FEATURES}
        return {**values, "features": features, "extra": kept}

    def to_input(self) -> ChargeInput:
        return ChargeInput(**self._fields())

    def to_changes(self) -> dict[str, Any]:
        return self._fields()


class CreateChargeRequest(ChargeRequest):
    product_rate_plan_id: Text32 | None = Field(...)
    name: Text100 | None = Field(...)
    charge_type: ZChargeType | None = Field(...)
    charge_model: ZChargeModel | None = Field(...)
    bill_cycle_type: ZBillCycleType | None = Field(...)
    trigger_event: ZTriggerEvent | None = Field(...)
    product_rate_plan_charge_tier_data: TierDataRequest | None = Field(...)


class UpdateTierRequest(ObjectModel):
    """``UpdateProductRatePlanChargeTierRequest`` (the SDK sends ``Price``; the other amounts and
    the range of a tier can change too)."""

    price: ZDecimal | None = None
    price_format: ZPriceFormat | None = None
    starting_unit: ZDecimal | None = None
    ending_unit: ZDecimal | None = None
    discount_amount: ZDecimal | None = None
    discount_percentage: ZDecimal | None = None

    def to_changes(self) -> dict[str, Any]:
        return sent_fields(self, {})

"""The catalog on the wire: Object API requests and records (PascalCase, ``/v1/object/product*``)
and the catalog views (camelCase, ``/v1/catalog/*``, ``/v1/product-rate-plans/{id}``).

Enum fields accept exactly Zuora's values (case-sensitive). Two spellings are accepted for the
list price base (``Per Billing Period`` as the Object API sends it, ``Per_Billing_Period`` as the
catalog shows it), and ``PreratedPricing``` (sic, the SDK's spelling) for ``PreratedPricing``.
Fields the billing engine does not use but Zuora's objects have (NetSuite ``*__NS`` fields,
revenue settings) are kept verbatim and returned by GET, as are custom fields (``*__c``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, TypeVar, get_args
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.api.object_api import ObjectModel, sent_fields
from billforge.api.validation import ZBool, ZDate, ZDecimal, ZInt, ZStr
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
from billforge.domain.tax import TaxMode
from billforge.services.catalog import (
    FEATURES,
    CatalogCharge,
    CatalogPlan,
    CatalogProduct,
    ChargeInput,
    ObjectView,
    ProductInput,
    RatePlanInput,
    TierInput,
)

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


# --- Object API records (GET /v1/object/...) ------------------------------------------------


def _number(value: Decimal | None) -> Decimal | None:
    """A stored decimal without the column's trailing zeros (10.000000000 is 10)."""
    return value.normalize() if value is not None else None


def _timestamp(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def _audit(row: Any, time_zone: str) -> dict[str, Any]:
    zone = ZoneInfo(time_zone)
    return {
        "CreatedById": row.created_by_id,
        "CreatedDate": _timestamp(row.created_at, zone),
        "UpdatedById": row.updated_by_id,
        "UpdatedDate": _timestamp(row.updated_at, zone),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def product_record(view: ObjectView) -> dict[str, Any]:
    """The Product object: every field, null ones included (``object_api.record`` drops them)."""
    row = view.row
    return {
        "Id": row.id,
        "Name": row.name,
        "SKU": row.sku,
        "ProductNumber": row.product_number,
        "Category": row.category,
        "Description": row.description,
        "EffectiveStartDate": _iso(row.effective_start_date),
        "EffectiveEndDate": _iso(row.effective_end_date),
        "AllowFeatureChanges": row.allow_feature_changes,
        **_audit(row, view.time_zone),
        **(row.extra or {}),
    }


def rate_plan_record(view: ObjectView) -> dict[str, Any]:
    row = view.row
    return {
        "Id": row.id,
        "ProductId": row.product_id,
        "Name": row.name,
        "Description": row.description,
        "EffectiveStartDate": _iso(row.effective_start_date),
        "EffectiveEndDate": _iso(row.effective_end_date),
        "ProductRatePlanNumber": row.product_rate_plan_number,
        "Grade": row.grade,
        "ActiveCurrencies": list(row.active_currencies or []),
        **_audit(row, view.time_zone),
        **(row.extra or {}),
    }


def tier_record(row: Any, time_zone: str) -> dict[str, Any]:
    return {
        "Id": row.id,
        "ProductRatePlanChargeId": row.charge_id,
        "Currency": row.currency,
        "Tier": row.tier,
        "Price": _number(row.price),
        "PriceFormat": row.price_format,
        "StartingUnit": _number(row.starting_unit),
        "EndingUnit": _number(row.ending_unit),
        "IsOveragePrice": row.is_overage_price,
        "DiscountAmount": _number(row.discount_amount),
        "DiscountPercentage": _number(row.discount_percentage),
        **_audit(row, time_zone),
    }


def _object_list_price_base(value: str | None) -> str | None:
    """The Object API spells the list price base with spaces (``Per Billing Period``)."""
    return value.replace("_", " ") if value is not None else None


TIER_DATA: Final = "ProductRatePlanChargeTierData"


def charge_record(view: ObjectView) -> dict[str, Any]:
    """The ProductRatePlanCharge object. Its tiers, with their ids (for
    ``/v1/object/product-rate-plan-charge-tier/{id}``), are under ``ProductRatePlanChargeTierData``,
    which GET returns when ``fields`` asks for it."""
    row = view.row
    return {
        "Id": row.id,
        "ProductRatePlanId": row.product_rate_plan_id,
        "Name": row.name,
        "ProductRatePlanChargeNumber": row.product_rate_plan_charge_number,
        "ChargeType": row.charge_type,
        "ChargeModel": row.charge_model,
        "BillCycleType": row.bill_cycle_type,
        "BillCycleDay": row.bill_cycle_day,
        "WeeklyBillCycleDay": row.weekly_bill_cycle_day,
        "BillingPeriod": row.billing_period,
        "SpecificBillingPeriod": row.specific_billing_period,
        "BillingTiming": row.billing_timing,
        "BillingPeriodAlignment": row.billing_period_alignment,
        "ListPriceBase": _object_list_price_base(row.list_price_base),
        "TriggerEvent": row.trigger_event,
        "UOM": row.uom,
        "DefaultQuantity": _number(row.default_quantity),
        "IncludedUnits": _number(row.included_units),
        "EndDateCondition": row.end_date_condition,
        "UpToPeriods": row.up_to_periods,
        "UpToPeriodsType": row.up_to_periods_type,
        "RatingGroup": row.rating_group,
        "Taxable": row.taxable,
        "TaxCode": row.tax_code,
        "TaxMode": row.tax_mode,
        "Description": row.description,
        "DiscountLevel": row.discount_level,
        "ApplyDiscountTo": row.apply_discount_to,
        "AccountingCode": row.accounting_code,
        "DeferredRevenueAccount": row.deferred_revenue_accounting_code,
        "RecognizedRevenueAccount": row.recognized_revenue_accounting_code,
        **_audit(row, view.time_zone),
        **(row.extra or {}),
        TIER_DATA: {
            "ProductRatePlanChargeTier": [
                {k: v for k, v in tier_record(tier, view.time_zone).items() if v is not None} for tier in view.tiers
            ]
        },
    }


# --- catalog views (GET /v1/catalog/..., camelCase) ------------------------------------------

_MODELS: Final = {
    ChargeModel.FLAT_FEE: "FlatFee",
    ChargeModel.PER_UNIT: "PerUnit",
    ChargeModel.TIERED: "Tiered",
    ChargeModel.VOLUME: "Volume",
    ChargeModel.OVERAGE: "Overage",
    ChargeModel.TIERED_WITH_OVERAGE: "TieredWithOverage",
    ChargeModel.DISCOUNT_FIXED_AMOUNT: "DiscountFixedAmount",
    ChargeModel.DISCOUNT_PERCENTAGE: "DiscountPercentage",
}
_END_CONDITIONS: Final = {
    EndDateCondition.SUBSCRIPTION_END: "Subscription_End",
    EndDateCondition.FIXED_PERIOD: "Fixed_Period",
    EndDateCondition.ONE_TIME: "One_Time",
}
_TIMINGS: Final = {BillingTiming.IN_ADVANCE: "IN_ADVANCE", BillingTiming.IN_ARREARS: "IN_ARREARS"}
_PRICE_FORMATS: Final = {PriceFormat.FLAT_FEE: "FlatFee", PriceFormat.PER_UNIT: "PerUnit"}


def _underscored(value: str | None) -> str | None:
    """The catalog's spelling of a period: ``Semi-Annual`` is ``Semi_Annual``."""
    return value.replace(" ", "_").replace("-", "_") if value is not None else None


def _billing_day(row: Any) -> str | None:
    """Zuora's ``billingDay``: the bill cycle type, with the day for the specific-day types."""
    if row.bill_cycle_type == BillCycleType.SPECIFIC_DAY_OF_MONTH:
        return f"SpecificDayofMonth({row.bill_cycle_day})"
    if row.bill_cycle_type == BillCycleType.SPECIFIC_DAY_OF_WEEK:
        return f"SpecificDayofWeek/{row.weekly_bill_cycle_day}"
    return str(row.bill_cycle_type)


def _status(start: date | None, end: date | None, today: date) -> str:
    if end is not None and end < today:
        return "Expired"
    if start is not None and start > today:
        return "NotStarted"
    return "Active"


def _pricing(charge: CatalogCharge) -> tuple[list[dict[str, Any]], list[str]]:
    """One ``pricing`` entry and one ``pricingSummary`` line per currency."""
    row, model = charge.row, ChargeModel(charge.row.charge_model)
    uom = row.uom or "unit"
    by_currency: dict[str, list[Any]] = {}
    for tier in charge.tiers:
        by_currency.setdefault(tier.currency, []).append(tier)
    pricing: list[dict[str, Any]] = []
    summary: list[str] = []
    for currency, tiers in by_currency.items():
        ordinary = [t for t in tiers if not t.is_overage_price]
        overage = next((t for t in tiers if t.is_overage_price), None)
        entry: dict[str, Any] = {
            "currency": currency,
            "price": None,
            "tiers": None,
            "includedUnits": _number(row.included_units) if model is ChargeModel.OVERAGE else None,
            "overagePrice": _number(overage.price) if overage is not None else None,
            "discountPercentage": _number(tiers[0].discount_percentage),
            "discountAmount": _number(tiers[0].discount_amount),
        }
        if model in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT):
            entry["price"] = _number(tiers[0].price)
        if model in (ChargeModel.TIERED, ChargeModel.VOLUME, ChargeModel.TIERED_WITH_OVERAGE):
            entry["tiers"] = [
                {
                    "tier": t.tier,
                    "startingUnit": _number(t.starting_unit),
                    "endingUnit": _number(t.ending_unit),
                    "price": _number(t.price),
                    "priceFormat": _PRICE_FORMATS[PriceFormat(t.price_format)],
                }
                for t in ordinary
            ]
        pricing.append(entry)
        summary.append(_summary(model, currency, uom, ordinary, entry))
    return pricing, summary


def _plain(value: Any) -> str:
    """A number as text without an exponent (``1E+1`` is ``10``)."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _summary(model: ChargeModel, currency: str, uom: str, tiers: list[Any], entry: Mapping[str, Any]) -> str:
    """A short description of the price for a customer, e.g. ``USD10/Seat``."""
    shown = {key: _plain(value) for key, value in entry.items() if value is not None and key != "tiers"}
    if model is ChargeModel.FLAT_FEE:
        return f"{currency}{shown['price']}"
    if model is ChargeModel.PER_UNIT:
        return f"{currency}{shown['price']}/{uom}"
    if model is ChargeModel.DISCOUNT_PERCENTAGE:
        return f"{shown['discountPercentage']}% discount"
    if model is ChargeModel.DISCOUNT_FIXED_AMOUNT:
        return f"{currency}{shown['discountAmount']} fixed discount"
    if model is ChargeModel.OVERAGE:
        return f"{shown['includedUnits']} {uom} included, then {currency}{shown['overagePrice']}/{uom}"
    parts = []
    for tier in tiers:
        start, end = _plain(_number(tier.starting_unit)), _number(tier.ending_unit)
        upto = f"{start} to {_plain(end)}" if end is not None else f"from {start}"
        per = " flat fee" if tier.price_format == PriceFormat.FLAT_FEE else f"/{uom}"
        parts.append(f"{upto} {uom}: {currency}{_plain(_number(tier.price))}{per}")
    if "overagePrice" in shown:
        parts.append(f"over: {currency}{shown['overagePrice']}/{uom}")
    return "; ".join(parts)


def catalog_charge(charge: CatalogCharge) -> dict[str, Any]:
    row = charge.row
    extra = dict(row.extra or {})
    pricing, summary = _pricing(charge)
    return {
        "id": row.id,
        "name": row.name,
        "type": row.charge_type,
        "model": _MODELS.get(ChargeModel(row.charge_model), row.charge_model),
        "uom": row.uom,
        "pricingSummary": summary,
        "pricing": pricing,
        "defaultQuantity": _number(row.default_quantity),
        "applyDiscountTo": row.apply_discount_to,
        "discountLevel": row.discount_level,
        "discountClass": None,
        "productDiscountApplyDetails": [],
        "endDateCondition": _END_CONDITIONS.get(EndDateCondition(row.end_date_condition), row.end_date_condition),
        "upToPeriods": row.up_to_periods,
        "upToPeriodsType": _underscored(row.up_to_periods_type),
        "billingDay": _billing_day(row),
        "listPriceBase": row.list_price_base,
        "specificListPriceBase": None,
        "billingTiming": _TIMINGS.get(BillingTiming(row.billing_timing)) if row.billing_timing else None,
        "ratingGroup": row.rating_group,
        "billingPeriod": _underscored(row.billing_period),
        "billingPeriodAlignment": row.billing_period_alignment,
        "specificBillingPeriod": row.specific_billing_period,
        "smoothingModel": None,
        "numberOfPeriods": None,
        "overageCalculationOption": None,
        "overageUnusedUnitsCreditOption": None,
        "unusedIncludedUnitPrice": None,
        "usageRecordRatingOption": None,
        "priceChangeOption": extra.get("PriceChangeOption"),
        "priceIncreasePercentage": None,
        "useTenantDefaultForPriceChange": extra.get("UseTenantDefaultForPriceChange"),
        "taxable": row.taxable,
        "taxCode": row.tax_code,
        "taxMode": row.tax_mode,
        "triggerEvent": row.trigger_event,
        "description": row.description,
        "revRecCode": extra.get("RevRecCode"),
        "revRecTriggerCondition": extra.get("RevRecTriggerCondition"),
        "revenueRecognitionRuleName": extra.get("RevenueRecognitionRuleName"),
        "useDiscountSpecificAccountingCode": extra.get("UseDiscountSpecificAccountingCode"),
        "financeInformation": {
            "deferredRevenueAccountingCode": row.deferred_revenue_accounting_code,
            "recognizedRevenueAccountingCode": row.recognized_revenue_accounting_code,
        },
        "isStackedDiscount": False,
        "productRatePlanChargeNumber": row.product_rate_plan_charge_number,
        **_custom(extra),
    }


def _custom(extra: Mapping[str, Any]) -> dict[str, Any]:
    """Custom (``*__c``) and NetSuite (``*__NS``) fields keep their names in the catalog view."""
    return {k: v for k, v in extra.items() if k.endswith(("__c", "__NS"))}


def _plan_view(row: Any, today: date) -> dict[str, Any]:
    extra = dict(row.extra or {})
    return {
        "id": row.id,
        "status": _status(row.effective_start_date, row.effective_end_date, today),
        "name": row.name,
        "description": row.description,
        "effectiveStartDate": _iso(row.effective_start_date),
        "effectiveEndDate": _iso(row.effective_end_date),
        "grade": row.grade,
        "externallyManagedPlanIds": extra.get("ExternalRatePlanIds") or [],
        "productRatePlanNumber": row.product_rate_plan_number,
        **_custom(extra),
    }


def catalog_rate_plan(plan: CatalogPlan, today: date) -> dict[str, Any]:
    """A rate plan inside a product of the catalog view, with its charges."""
    extra = plan.row.extra or {}
    return {
        **_plan_view(plan.row, today),
        "externalIdSourceSystem": extra.get("ExternalIdSourceSystem"),
        "productRatePlanCharges": [catalog_charge(c) for c in plan.charges],
    }


def rate_plan_response(row: Any, today: date) -> dict[str, Any]:
    """``GetProductRatePlanResponse`` (without the common fields)."""
    return {**_plan_view(row, today), "ExternalIdSourceSystem": (row.extra or {}).get("ExternalIdSourceSystem")}


def catalog_product(product: CatalogProduct, today: date) -> dict[str, Any]:
    row = product.row
    return {
        "id": row.id,
        "sku": row.sku,
        "name": row.name,
        "description": row.description,
        "category": row.category,
        "effectiveStartDate": _iso(row.effective_start_date),
        "effectiveEndDate": _iso(row.effective_end_date),
        "productNumber": row.product_number,
        "allowFeatureChanges": row.allow_feature_changes,
        **_custom(row.extra or {}),
        "productRatePlans": [catalog_rate_plan(plan, today) for plan in product.plans],
        "productFeatures": [],
    }

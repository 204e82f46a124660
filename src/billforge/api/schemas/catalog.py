"""The catalog on the wire, as the REST door answers it: Object API records (PascalCase,
``GET /v1/object/product*``) and the catalog views (camelCase, ``/v1/catalog/*``,
``/v1/product-rate-plans/{id}``). The request bodies (the catalog's zObjects, shared with the
actions and SOAP) are ``objects.catalog``'s.

Fields the billing engine does not use but Zuora's objects have (NetSuite ``*__NS`` fields,
revenue settings) are returned by GET as they were kept, as are custom fields (``*__c``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from billforge.domain.catalog import BillCycleType, BillingTiming, ChargeModel, EndDateCondition, PriceFormat
from billforge.services.catalog import CatalogCharge, CatalogPlan, CatalogProduct, ObjectView

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

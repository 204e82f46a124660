"""Subscription requests (``CreateSubscriptionRequest``, ``CancelSubscriptionRequest``,
``RenewSubscriptionRequest``) and the ``GetSubscriptionResponse`` answer.

The REST API spells charge settings its own way (``IN_ADVANCE``, ``Semi_Annual``, ``UCE``,
``Subscription_End``, ``FlatFee``); they are read here into the billing core's values. Either
spelling is accepted (the object API's ``In Advance`` too), and anything else is refused naming the
values allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.api.jsonio import iso_date
from billforge.api.validation import ZBool, ZDate, ZDecimal, ZInt, ZStr, ZuoraModel
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
    TriggerEvent,
    UpToPeriodsType,
    Weekday,
)
from billforge.services.subscriptions import (
    BillingRun,
    CancelInput,
    ChargeOverride,
    RatePlanRequest,
    SubscriptionInput,
    SubscriptionView,
    TierOverride,
)

E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], aliases: Mapping[str, E], shown: str) -> Callable[[Any], E]:
    """A reader of one of ``kind``'s values, by its REST spelling (``aliases``) or its own value."""
    by_name = {k.lower(): v for k, v in aliases.items()} | {m.value.lower(): m for m in kind}

    def read(value: Any) -> E:
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value.strip().lower() in by_name:
            return by_name[value.strip().lower()]
        raise PydanticCustomError(
            "bf_enum", "must be one of {allowed}, got {value}", {"allowed": shown, "value": repr(value)}
        )

    return read


_BILLING_PERIODS: Final = {
    "Month": BillingPeriod.MONTH,
    "Quarter": BillingPeriod.QUARTER,
    "Semi_Annual": BillingPeriod.SEMI_ANNUAL,
    "Annual": BillingPeriod.ANNUAL,
    "Specific_Months": BillingPeriod.SPECIFIC_MONTHS,
    "Subscription_Term": BillingPeriod.SUBSCRIPTION_TERM,
    "Week": BillingPeriod.WEEK,
    "Specific_Weeks": BillingPeriod.SPECIFIC_WEEKS,
    "Specific_Days": BillingPeriod.SPECIFIC_DAYS,
}
_TIMINGS: Final = {"IN_ADVANCE": BillingTiming.IN_ADVANCE, "IN_ARREARS": BillingTiming.IN_ARREARS}
_TRIGGERS: Final = {
    "UCE": TriggerEvent.CONTRACT_EFFECTIVE,
    "USA": TriggerEvent.SERVICE_ACTIVATION,
    "UCA": TriggerEvent.CUSTOMER_ACCEPTANCE,
    "USD": TriggerEvent.SPECIFIC_DATE,
}
_END_CONDITIONS: Final = {
    "Subscription_End": EndDateCondition.SUBSCRIPTION_END,
    "Fixed_Period": EndDateCondition.FIXED_PERIOD,
    "Specific_End_Date": EndDateCondition.SPECIFIC_END_DATE,
    "One_Time": EndDateCondition.ONE_TIME,
}
_UP_TO: Final = {
    "Billing_Periods": UpToPeriodsType.BILLING_PERIODS,
    "Days": UpToPeriodsType.DAYS,
    "Weeks": UpToPeriodsType.WEEKS,
    "Months": UpToPeriodsType.MONTHS,
    "Years": UpToPeriodsType.YEARS,
}
_PRICE_FORMATS: Final = {"FlatFee": PriceFormat.FLAT_FEE, "PerUnit": PriceFormat.PER_UNIT}

BillingPeriodName = Annotated[
    BillingPeriod, BeforeValidator(_enum(BillingPeriod, _BILLING_PERIODS, ", ".join(_BILLING_PERIODS)))
]
TimingName = Annotated[BillingTiming, BeforeValidator(_enum(BillingTiming, _TIMINGS, "IN_ADVANCE, IN_ARREARS"))]
TriggerName = Annotated[TriggerEvent, BeforeValidator(_enum(TriggerEvent, _TRIGGERS, "UCE, USA, UCA, USD"))]
EndConditionName = Annotated[
    EndDateCondition, BeforeValidator(_enum(EndDateCondition, _END_CONDITIONS, ", ".join(_END_CONDITIONS)))
]
UpToName = Annotated[UpToPeriodsType, BeforeValidator(_enum(UpToPeriodsType, _UP_TO, ", ".join(_UP_TO)))]
PriceFormatName = Annotated[PriceFormat, BeforeValidator(_enum(PriceFormat, _PRICE_FORMATS, "FlatFee, PerUnit"))]
BillCycleTypeName = Annotated[
    BillCycleType, BeforeValidator(_enum(BillCycleType, {}, ", ".join(m.value for m in BillCycleType)))
]
AlignmentName = Annotated[
    BillingPeriodAlignment,
    BeforeValidator(_enum(BillingPeriodAlignment, {}, ", ".join(m.value for m in BillingPeriodAlignment))),
]
ListPriceBaseName = Annotated[
    ListPriceBase, BeforeValidator(_enum(ListPriceBase, {}, ", ".join(m.value for m in ListPriceBase)))
]
DiscountLevelName = Annotated[
    DiscountLevel, BeforeValidator(_enum(DiscountLevel, {}, "rateplan, subscription, account"))
]
ApplyToName = Annotated[
    ApplyDiscountTo, BeforeValidator(_enum(ApplyDiscountTo, {}, ", ".join(m.value for m in ApplyDiscountTo)))
]
WeekdayName = Annotated[Weekday, BeforeValidator(_enum(Weekday, {}, ", ".join(m.value for m in Weekday)))]
Text = Annotated[ZStr, Field(max_length=255)]


class TierRequest(ZuoraModel):
    tier: ZInt
    price: ZDecimal
    starting_unit: ZDecimal | None = Field(default=None, alias="startingUnit")
    ending_unit: ZDecimal | None = Field(default=None, alias="endingUnit")
    price_format: PriceFormatName | None = Field(default=None, alias="priceFormat")


class ChargeOverrideRequest(ZuoraModel):
    product_rate_plan_charge_id: ZStr | None = Field(default=None, alias="productRatePlanChargeId")
    product_rate_plan_charge_number: ZStr | None = Field(default=None, alias="productRatePlanChargeNumber")
    number: ZStr | None = None
    description: Annotated[ZStr, Field(max_length=500)] | None = None
    price: ZDecimal | None = None
    quantity: ZDecimal | None = None
    included_units: ZDecimal | None = Field(default=None, alias="includedUnits")
    overage_price: ZDecimal | None = Field(default=None, alias="overagePrice")
    discount_amount: ZDecimal | None = Field(default=None, alias="discountAmount")
    discount_percentage: ZDecimal | None = Field(default=None, alias="discountPercentage")
    discount_level: DiscountLevelName | None = Field(default=None, alias="discountLevel")
    apply_discount_to: ApplyToName | None = Field(default=None, alias="applyDiscountTo")
    bill_cycle_type: BillCycleTypeName | None = Field(default=None, alias="billCycleType")
    bill_cycle_day: ZInt | None = Field(default=None, alias="billCycleDay")
    weekly_bill_cycle_day: WeekdayName | None = Field(default=None, alias="weeklyBillCycleDay")
    billing_period: BillingPeriodName | None = Field(default=None, alias="billingPeriod")
    specific_billing_period: ZInt | None = Field(default=None, alias="specificBillingPeriod")
    billing_timing: TimingName | None = Field(default=None, alias="billingTiming")
    billing_period_alignment: AlignmentName | None = Field(default=None, alias="billingPeriodAlignment")
    list_price_base: ListPriceBaseName | None = Field(default=None, alias="listPriceBase")
    trigger_event: TriggerName | None = Field(default=None, alias="triggerEvent")
    trigger_date: ZDate | None = Field(default=None, alias="triggerDate")
    end_date_condition: EndConditionName | None = Field(default=None, alias="endDateCondition")
    up_to_periods: ZInt | None = Field(default=None, alias="upToPeriods")
    up_to_periods_type: UpToName | None = Field(default=None, alias="upToPeriodsType")
    specific_end_date: ZDate | None = Field(default=None, alias="specificEndDate")
    tiers: list[TierRequest] | None = None

    def to_override(self) -> ChargeOverride:
        return ChargeOverride(
            product_rate_plan_charge_id=self.product_rate_plan_charge_id,
            product_rate_plan_charge_number=self.product_rate_plan_charge_number,
            number=self.number,
            description=self.description,
            price=self.price,
            quantity=self.quantity,
            included_units=self.included_units,
            overage_price=self.overage_price,
            discount_amount=self.discount_amount,
            discount_percentage=self.discount_percentage,
            discount_level=self.discount_level,
            apply_discount_to=self.apply_discount_to,
            bill_cycle_type=self.bill_cycle_type,
            bill_cycle_day=self.bill_cycle_day,
            weekly_bill_cycle_day=self.weekly_bill_cycle_day,
            billing_period=self.billing_period,
            specific_billing_period=self.specific_billing_period,
            billing_timing=self.billing_timing,
            billing_period_alignment=self.billing_period_alignment,
            list_price_base=self.list_price_base,
            trigger_event=self.trigger_event,
            trigger_date=self.trigger_date,
            end_date_condition=self.end_date_condition,
            up_to_periods=self.up_to_periods,
            up_to_periods_type=self.up_to_periods_type,
            specific_end_date=self.specific_end_date,
            tiers=[TierOverride(x.tier, x.price, x.starting_unit, x.ending_unit, x.price_format) for x in self.tiers]
            if self.tiers is not None
            else None,
            extra={k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")},
        )


class RatePlanRequestModel(ZuoraModel):
    product_rate_plan_id: ZStr | None = Field(default=None, alias="productRatePlanId")
    product_rate_plan_number: ZStr | None = Field(default=None, alias="productRatePlanNumber")
    charge_overrides: list[ChargeOverrideRequest] = Field(default_factory=list, alias="chargeOverrides")


def _billing_run(
    *,
    run_billing: bool | None,
    invoice: bool | None,
    invoice_collect: bool | None,
    collect: bool | None,
    target_date: date | None,
    invoice_target_date: date | None,
    document_date: date | None,
) -> BillingRun:
    run = bool(run_billing) or bool(invoice) or bool(invoice_collect)
    return BillingRun(
        run=run,
        target_date=target_date or invoice_target_date,
        document_date=document_date,
        collect=bool(collect) or bool(invoice_collect),
    )


class CreateSubscriptionRequest(ZuoraModel):
    account_key: ZStr = Field(alias="accountKey")
    contract_effective_date: ZDate = Field(alias="contractEffectiveDate")
    term_type: ZStr = Field(alias="termType")
    subscribe_to_rate_plans: list[RatePlanRequestModel] = Field(alias="subscribeToRatePlans")
    renewal_term: ZInt | None = Field(default=None, alias="renewalTerm")
    initial_term: ZInt | None = Field(default=None, alias="initialTerm")
    initial_term_period_type: ZStr | None = Field(default=None, alias="initialTermPeriodType")
    renewal_term_period_type: ZStr | None = Field(default=None, alias="renewalTermPeriodType")
    renewal_setting: ZStr | None = Field(default=None, alias="renewalSetting")
    auto_renew: ZBool = Field(default=False, alias="autoRenew")
    service_activation_date: ZDate | None = Field(default=None, alias="serviceActivationDate")
    customer_acceptance_date: ZDate | None = Field(default=None, alias="customerAcceptanceDate")
    term_start_date: ZDate | None = Field(default=None, alias="termStartDate")
    invoice_separately: ZBool = Field(default=False, alias="invoiceSeparately")
    subscription_number: ZStr | None = Field(default=None, alias="subscriptionNumber")
    invoice_owner_account_key: ZStr | None = Field(default=None, alias="invoiceOwnerAccountKey")
    notes: Annotated[ZStr, Field(max_length=1000)] | None = None
    run_billing: ZBool | None = Field(default=None, alias="runBilling")
    invoice: ZBool | None = None
    invoice_collect: ZBool | None = Field(default=None, alias="invoiceCollect")
    collect: ZBool | None = None
    target_date: ZDate | None = Field(default=None, alias="targetDate")
    invoice_target_date: ZDate | None = Field(default=None, alias="invoiceTargetDate")
    document_date: ZDate | None = Field(default=None, alias="documentDate")

    def to_input(self) -> SubscriptionInput:
        extra = {k: v for k, v in (self.model_extra or {}).items() if k.endswith(("__c", "__NS", "__QT"))}
        return SubscriptionInput(
            account_key=self.account_key,
            contract_effective_date=self.contract_effective_date,
            term_type=self.term_type,
            rate_plans=[
                RatePlanRequest(
                    product_rate_plan_id=p.product_rate_plan_id,
                    product_rate_plan_number=p.product_rate_plan_number,
                    charge_overrides=[o.to_override() for o in p.charge_overrides],
                )
                for p in self.subscribe_to_rate_plans
            ],
            initial_term=self.initial_term,
            initial_term_period_type=self.initial_term_period_type,
            renewal_term=self.renewal_term,
            renewal_term_period_type=self.renewal_term_period_type,
            renewal_setting=self.renewal_setting,
            auto_renew=self.auto_renew,
            service_activation_date=self.service_activation_date,
            customer_acceptance_date=self.customer_acceptance_date,
            term_start_date=self.term_start_date,
            invoice_separately=self.invoice_separately,
            subscription_number=self.subscription_number,
            invoice_owner_account_key=self.invoice_owner_account_key,
            notes=self.notes,
            billing=_billing_run(
                run_billing=self.run_billing,
                invoice=self.invoice,
                invoice_collect=self.invoice_collect,
                collect=self.collect,
                target_date=self.target_date,
                invoice_target_date=self.invoice_target_date,
                document_date=self.document_date,
            ),
            extra=extra,
        )


class CancelSubscriptionRequest(ZuoraModel):
    cancellation_policy: ZStr | None = Field(default=None, alias="cancellationPolicy")
    cancellation_effective_date: ZDate | None = Field(default=None, alias="cancellationEffectiveDate")
    run_billing: ZBool | None = Field(default=None, alias="runBilling")
    invoice: ZBool | None = None
    invoice_collect: ZBool | None = Field(default=None, alias="invoiceCollect")
    collect: ZBool | None = None
    target_date: ZDate | None = Field(default=None, alias="targetDate")
    invoice_target_date: ZDate | None = Field(default=None, alias="invoiceTargetDate")
    document_date: ZDate | None = Field(default=None, alias="documentDate")
    contract_effective_date: ZDate | None = Field(default=None, alias="contractEffectiveDate")
    booking_date: ZDate | None = Field(default=None, alias="bookingDate")

    def to_input(self) -> CancelInput:
        return CancelInput(
            cancellation_policy=self.cancellation_policy,
            cancellation_effective_date=self.cancellation_effective_date,
            billing=_billing_run(
                run_billing=self.run_billing,
                invoice=self.invoice,
                invoice_collect=self.invoice_collect,
                collect=self.collect,
                target_date=self.target_date,
                invoice_target_date=self.invoice_target_date,
                document_date=self.document_date,
            ),
        )


class RenewSubscriptionRequest(ZuoraModel):
    run_billing: ZBool | None = Field(default=None, alias="runBilling")
    invoice: ZBool | None = None
    invoice_collect: ZBool | None = Field(default=None, alias="invoiceCollect")
    collect: ZBool | None = None
    target_date: ZDate | None = Field(default=None, alias="targetDate")
    invoice_target_date: ZDate | None = Field(default=None, alias="invoiceTargetDate")
    document_date: ZDate | None = Field(default=None, alias="documentDate")

    def to_run(self) -> BillingRun:
        return _billing_run(
            run_billing=self.run_billing,
            invoice=self.invoice,
            invoice_collect=self.invoice_collect,
            collect=self.collect,
            target_date=self.target_date,
            invoice_target_date=self.invoice_target_date,
            document_date=self.document_date,
        )


# --- answers -------------------------------------------------------------------------------------

_MODEL_NAMES: Final = {
    ChargeModel.FLAT_FEE: "FlatFee",
    ChargeModel.PER_UNIT: "PerUnit",
    ChargeModel.TIERED: "Tiered",
    ChargeModel.VOLUME: "Volume",
    ChargeModel.OVERAGE: "Overage",
    ChargeModel.TIERED_WITH_OVERAGE: "TieredWithOverage",
    ChargeModel.DISCOUNT_FIXED_AMOUNT: "DiscountFixedAmount",
    ChargeModel.DISCOUNT_PERCENTAGE: "DiscountPercentage",
}
_PERIOD_NAMES: Final = {v: k for k, v in _BILLING_PERIODS.items()}
_TIMING_NAMES: Final = {v: k for k, v in _TIMINGS.items()}
_END_NAMES: Final = {v: k for k, v in _END_CONDITIONS.items()}
_UP_TO_NAMES: Final = {v: k for k, v in _UP_TO.items()}


def _n(value: Decimal | None) -> Decimal | None:
    """A price or quantity without the storage scale's trailing zeros (100, not 100.000000000)."""
    if value is None:
        return None
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _billing_day(row: Any) -> str:
    """Zuora's ``billingDay``: ``DefaultFromCustomer``, ``SpecificDayofMonth(5)``, ...."""
    kind = row.bill_cycle_type
    if kind == BillCycleType.SPECIFIC_DAY_OF_MONTH.value:
        return f"SpecificDayofMonth({row.bill_cycle_day})"
    if kind == BillCycleType.SPECIFIC_DAY_OF_WEEK.value:
        return f"SpecificDayofWeek/{row.weekly_bill_cycle_day}"
    return str(kind)


def _ts(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def _pricing_summary(row: Any, currency: str) -> str | None:
    model = ChargeModel(row.charge_model)
    if model is ChargeModel.DISCOUNT_PERCENTAGE and row.discount_percentage is not None:
        return f"{_n(row.discount_percentage)}% discount"
    if model is ChargeModel.DISCOUNT_FIXED_AMOUNT and row.discount_amount is not None:
        return f"{currency}{_n(row.discount_amount)} fixed discount"
    if row.price is not None:
        return f"{currency}{_n(row.price)}"
    return None


def _charge(view: SubscriptionView, row: Any) -> dict[str, Any]:
    dates = view.dates.get(row.id)
    domain = view.charges[row.id]
    model = ChargeModel(row.charge_model)
    trigger = TriggerEvent(row.trigger_event)
    start = row.trigger_date if trigger is TriggerEvent.SPECIFIC_DATE else _trigger_date(view.subscription, trigger)
    end = _end_date(view.subscription)
    through = dates.charged_through_date if dates else None
    tiers = [
        {
            "tier": x.tier,
            "startingUnit": _n(x.starting_unit),
            "endingUnit": _n(x.ending_unit),
            "price": _n(x.price),
            "priceFormat": "flat fee" if x.price_format is PriceFormat.FLAT_FEE else "per unit",
        }
        for x in domain.tiers
        if not x.is_overage
    ]
    overage = next((_n(x.price) for x in domain.tiers if x.is_overage), None)
    if model is ChargeModel.OVERAGE:
        overage = _n(row.price)
    done = through is not None and end is not None and through >= end
    if row.charge_type == ChargeType.ONE_TIME.value:
        done = through is not None
    return {
        "id": row.id,
        "originalChargeId": row.id,
        "number": row.charge_number,
        "name": row.name,
        "description": row.description,
        "type": row.charge_type,
        "model": _MODEL_NAMES.get(model, model.value),
        "productRatePlanChargeId": row.product_rate_plan_charge_id,
        "uom": row.uom,
        "version": 1,
        "segment": 1,
        "isLastSegment": True,
        "currency": view.currency,
        "price": _n(row.price) if model in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT) else None,
        "quantity": _n(row.quantity) if row.charge_type != ChargeType.USAGE.value else None,
        "tiers": tiers or None,
        "overagePrice": overage,
        "includedUnits": _n(row.included_units),
        "discountAmount": _n(row.discount_amount),
        "discountPercentage": _n(row.discount_percentage),
        "discountLevel": row.discount_level,
        "applyDiscountTo": row.apply_discount_to,
        "pricingSummary": _pricing_summary(row, view.currency),
        "billingDay": _billing_day(row) if row.charge_type != ChargeType.ONE_TIME.value else None,
        "billingPeriod": _PERIOD_NAMES.get(BillingPeriod(row.billing_period)) if row.billing_period else None,
        "specificBillingPeriod": row.specific_billing_period,
        "billingTiming": _TIMING_NAMES.get(BillingTiming(row.billing_timing)) if row.billing_timing else None,
        "billingPeriodAlignment": row.billing_period_alignment,
        "listPriceBase": row.list_price_base,
        "triggerEvent": trigger.value,
        "triggerDate": row.trigger_date,
        "endDateCondition": _END_NAMES.get(EndDateCondition(row.end_date_condition)),
        "upToPeriods": row.up_to_periods,
        "upToPeriodsType": _UP_TO_NAMES[UpToPeriodsType.BILLING_PERIODS] if row.up_to_periods else None,
        "specificEndDate": iso_date(row.specific_end_date),
        "effectiveStartDate": iso_date(start),
        "effectiveEndDate": iso_date(end),
        "chargedThroughDate": iso_date(through),
        "processedThroughDate": iso_date(dates.processed_through_date if dates else None),
        "done": done,
        "mrr": view.mrr.get(row.id),
        "dmrc": None,
        "tcv": None,
        "dtcv": None,
        "taxable": row.taxable,
        "taxCode": row.tax_code,
        "taxMode": row.tax_mode,
        "priceChangeOption": "NoChange",
        **(row.extra or {}),
    }


def _trigger_date(subscription: Any, trigger: TriggerEvent) -> date | None:
    if trigger is TriggerEvent.SERVICE_ACTIVATION:
        return subscription.service_activation_date  # type: ignore[no-any-return]
    if trigger is TriggerEvent.CUSTOMER_ACCEPTANCE:
        return subscription.customer_acceptance_date  # type: ignore[no-any-return]
    return subscription.contract_effective_date  # type: ignore[no-any-return]


def _end_date(subscription: Any) -> date | None:
    ends = [d for d in (subscription.cancelled_date,) if d is not None]
    if subscription.term_type == "TERMED" and subscription.term_end_date is not None:
        ends.append(subscription.term_end_date)
    return min(ends) if ends else None


def subscription_response(view: SubscriptionView) -> dict[str, Any]:
    """``GetSubscriptionResponse`` without the common fields."""
    row, account = view.subscription, view.account
    zone = ZoneInfo(view.time_zone)
    plans = []
    for plan in view.state.plans.values():
        plans.append(
            {
                "id": plan.id,
                "productId": plan.product_id,
                "productName": plan.product_name,
                "productSku": plan.product_sku,
                "productRatePlanId": plan.product_rate_plan_id,
                "productRatePlanNumber": plan.product_rate_plan_number,
                "ratePlanName": plan.name,
                "subscriptionProductFeatures": [],
                "lastChangeType": None,
                "contractedMrr": sum(
                    (view.mrr.get(c.id, Decimal(0)) for c in view.state.charges if c.rate_plan_id == plan.id),
                    Decimal(0),
                ),
                "ratePlanCharges": [_charge(view, c) for c in view.state.charges if c.rate_plan_id == plan.id],
            }
        )
    end = _end_date(row)
    return {
        "id": row.id,
        "subscriptionNumber": row.subscription_number,
        "accountId": account.id,
        "accountName": account.name,
        "accountNumber": account.account_number,
        "invoiceOwnerAccountId": account.id,
        "invoiceOwnerAccountName": account.name,
        "invoiceOwnerAccountNumber": account.account_number,
        "status": row.status,
        "version": row.version,
        "revision": f"{row.version}.0",
        "isLatestVersion": True,
        "termType": row.term_type,
        "contractEffectiveDate": iso_date(row.contract_effective_date),
        "serviceActivationDate": iso_date(row.service_activation_date),
        "customerAcceptanceDate": iso_date(row.customer_acceptance_date),
        "subscriptionStartDate": iso_date(row.contract_effective_date),
        "subscriptionEndDate": iso_date(end),
        "termStartDate": iso_date(row.term_start_date),
        "termEndDate": iso_date(row.term_end_date),
        "initialTerm": row.initial_term,
        "initialTermPeriodType": row.initial_term_period_type,
        "currentTerm": row.current_term,
        "currentTermPeriodType": row.current_term_period_type,
        "renewalTerm": row.renewal_term,
        "renewalTermPeriodType": row.renewal_term_period_type,
        "renewalSetting": row.renewal_setting,
        "autoRenew": row.auto_renew,
        "invoiceSeparately": row.invoice_separately,
        "currency": view.currency,
        "notes": row.notes,
        "cancelReason": None,
        "contractedMrr": view.contracted_mrr,
        "totalContractedValue": view.total_contracted_value,
        "createTime": _ts(row.created_at, zone),
        "updateTime": _ts(row.updated_at, zone),
        "ratePlans": plans,
        **(row.extra or {}),
    }

"""Subscriptions: create (copying charges from the catalog), read, cancel and renew.

A subscription belongs to an account and holds rate plans; each rate plan copies the charges of a
product rate plan, priced in the account's currency, with the client's ``chargeOverrides`` applied.
Numbers are Zuora's: subscriptions ``A-S00000001``, charges ``C-00000001`` (or the client's own,
unique in the entity).

Every charge is checked by asking the billing core what it would bill on its trigger date, so a
charge that the engine cannot bill (a bill cycle type that does not fit its period, a missing price
or tier) is refused when the subscription is created, naming the field, never at the first bill run.

Dates follow the billing core: ``termEndDate`` and the cancellation effective date are the first day
no longer served (a 12-month term from 2024-01-01 ends 2025-01-01).

``runBilling`` (or the older ``invoice``/``invoiceCollect``) bills the subscription in the same
transaction, up to ``targetDate`` (or ``invoiceTargetDate``; default today in the tenant's time zone),
dated ``documentDate`` (default the target date); nothing to bill then simply makes no invoice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import Connection, Row, insert, select, update

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.db.types import PRICE_MAX, QUANTITY_MAX
from billforge.domain.catalog import (
    DISCOUNT_MODELS,
    TIERED_MODELS,
    UNSUPPORTED,
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
from billforge.domain.money import ZERO, Currency, round_money
from billforge.domain.periods import months_per_period, prorate
from billforge.domain.rating import rate
from billforge.domain.schedule import billing_cycle, charge_trigger_date, due_items, price_factor
from billforge.domain.subscriptions import RatePlanCharge, Subscription, TermType, Tier
from billforge.errors import (
    BillforgeError,
    ErrorList,
    InvalidValue,
    MissingValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
    Unsupported,
    flatten,
)
from billforge.services import billing, catalog, counters, tenant_settings
from billforge.services.billing import (
    ACTIVE,
    CANCELLED,
    RENEW_TO_EVERGREEN,
    TERM_PERIOD_TYPES,
    BillingState,
    ChargeDates,
    GenerateOptions,
    NothingToBill,
    add_term,
    renewed_term,
)
from billforge.services.context import Context, new_id

OBJ: Final = "subscription"
RENEW_WITH_SPECIFIC_TERM: Final = "RENEW_WITH_SPECIFIC_TERM"
RENEWAL_SETTINGS: Final = (RENEW_WITH_SPECIFIC_TERM, RENEW_TO_EVERGREEN)
CANCELLATION_POLICIES: Final = ("EndOfCurrentTerm", "EndOfLastInvoicePeriod", "SpecificDate")
MAX_NUMBER: Final = 100
MAX_CHARGE_NUMBER: Final = 50
MONTHS_IN_TERM: Final = {"Month": Fraction(1), "Year": Fraction(12)}


# --- inputs ------------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class Created:
    subscription_id: str
    subscription_number: str
    invoice_id: str | None
    contracted_mrr: Decimal
    total_contracted_value: Decimal | None


@dataclass(frozen=True, slots=True)
class Cancelled:
    subscription_id: str
    cancelled_date: date
    invoice_id: str | None
    total_delta_mrr: Decimal
    total_delta_tcv: Decimal | None


@dataclass(frozen=True, slots=True)
class Renewed:
    subscription_id: str
    term_start_date: date
    term_end_date: date | None
    invoice_id: str | None
    total_delta_mrr: Decimal
    total_delta_tcv: Decimal | None


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription with everything ``GET /v1/subscriptions/{key}`` shows."""

    subscription: Row[Any]
    account: Row[Any]
    state: BillingState
    dates: dict[str, ChargeDates]
    charges: dict[str, RatePlanCharge]
    mrr: dict[str, Decimal]
    contracted_mrr: Decimal
    total_contracted_value: Decimal | None
    currency: str
    time_zone: str


# --- numbers -----------------------------------------------------------------------------------


def _numbers(conn: Connection, entity_id: str, *, name: str, pattern: str, column: Any, count: int) -> list[str]:
    """``count`` new numbers (``pattern`` % n) that no row of ``column``'s table uses yet."""
    return counters.free_keys(
        conn, entity_id=entity_id, kind=name, render=lambda n: pattern % n, column=column, count=count
    )


# --- reading -----------------------------------------------------------------------------------


def _today(tenant: tenant_settings.TenantSettings, ctx: Context) -> date:
    return ctx.now().astimezone(tenant.zone).date()


def find_subscription(
    conn: Connection, entity_id: str, key: str, *, lock: bool = False, field_name: str = "subscription-key"
) -> Row[Any]:
    """A subscription by id or number, in this entity only."""
    subs = tb.subscriptions
    query = select(subs).where(subs.c.entity_id == entity_id, (subs.c.id == key) | (subs.c.subscription_number == key))
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no subscription with id or number {key!r}", field=field_name, obj=OBJ)
    return row


def _account_row(conn: Connection, entity_id: str, account_id: str, *, lock: bool) -> Row[Any]:
    query = select(t.accounts).where(t.accounts.c.entity_id == entity_id, t.accounts.c.id == account_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).one()


def get_subscription(*, db: Database, ctx: Context, key: str) -> SubscriptionView:
    with db.read() as conn:
        row = find_subscription(conn, ctx.entity_id, key)
        account = _account_row(conn, ctx.entity_id, row.account_id, lock=False)
        return _view(conn, ctx, row, account)


def _view(conn: Connection, ctx: Context, row: Row[Any], account: Row[Any]) -> SubscriptionView:
    tenant = tenant_settings.load(conn, ctx.entity_id)
    state = billing.load_state(conn, entity_id=ctx.entity_id, subscription_ids=[row.id])
    currency = tenant.active_currencies.get(account.currency, Currency(account.currency))
    subscription = state.domain(row)
    charges = {c.charge_id: c for c in subscription.charges}
    mrr = {cid: _charge_mrr(c, subscription, account.bill_cycle_day, currency) for cid, c in charges.items()}
    contracted = sum(mrr.values(), ZERO)
    return SubscriptionView(
        subscription=row,
        account=account,
        state=state,
        dates=billing.charge_dates(state),
        charges=charges,
        mrr=mrr,
        contracted_mrr=contracted,
        total_contracted_value=_contract_value(row, charges.values(), contracted, currency),
        currency=account.currency,
        time_zone=tenant.time_zone,
    )


# --- MRR and TCV -------------------------------------------------------------------------------


def _charge_mrr(charge: RatePlanCharge, subscription: Subscription, bcd: int, currency: Currency) -> Decimal:
    """A recurring charge's monthly amount (Zuora's MRR): the rated period amount over the months of
    its period (a week is 12/52 of a month... inverted: 52/12 weeks a month). Others: zero."""
    if charge.charge_type is not ChargeType.RECURRING or charge.charge_model is ChargeModel.DISCOUNT_PERCENTAGE:
        return ZERO
    trigger = charge_trigger_date(charge, subscription) or subscription.contract_effective_date
    try:
        cycle = billing_cycle(charge, subscription, bcd, trigger)
        per_period = prorate(rate(charge.quantity, charge).amount, price_factor(charge, cycle))
    except BillforgeError:
        return ZERO
    months = months_per_period(charge.billing_period, charge.specific_billing_period)
    per_month = Fraction(1, months) if months is not None else Fraction(52, 12)
    return round_money(prorate(per_period, per_month), currency)


def _term_months(row: Row[Any] | dict[str, Any]) -> Fraction | None:
    data = row._mapping if isinstance(row, Row) else row
    if data["term_type"] != TermType.TERMED.value or data["current_term"] is None:
        return None
    per = MONTHS_IN_TERM.get(data["current_term_period_type"])
    return None if per is None else per * data["current_term"]


def _contract_value(
    row: Row[Any], charges: Iterable[RatePlanCharge], mrr: Decimal, currency: Currency
) -> Decimal | None:
    """Total contracted value of a termed subscription's current term in months or years: MRR x the
    term's months + its one-time charges. ``None`` for an evergreen term or one counted in days or weeks."""
    months = _term_months(row)
    if months is None:
        return None
    one_time = ZERO
    for charge in charges:
        if charge.charge_type is ChargeType.ONE_TIME:
            try:
                one_time += round_money(rate(charge.quantity, charge).amount, currency)
            except BillforgeError:
                continue
    return round_money(prorate(mrr, months), currency) + one_time


def contract_values(view: SubscriptionView) -> tuple[Decimal, Decimal | None]:
    """(contracted MRR, total contracted value) of a subscription view."""
    return view.contracted_mrr, view.total_contracted_value


# --- creating ----------------------------------------------------------------------------------


def _problem(kind: type[BillforgeError], where: str, message: str) -> BillforgeError:
    return kind(f"'{where}' {message}", field=where, obj=OBJ)


def _term_problems(data: SubscriptionInput) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if data.term_type not in (TermType.TERMED.value, TermType.EVERGREEN.value):
        problems.append(_problem(InvalidValue, "termType", f"must be TERMED or EVERGREEN, not {data.term_type!r}"))
    for name, value in (
        ("initialTermPeriodType", data.initial_term_period_type),
        ("renewalTermPeriodType", data.renewal_term_period_type),
    ):
        if value is not None and value not in TERM_PERIOD_TYPES:
            problems.append(
                _problem(InvalidValue, name, f"must be one of {', '.join(TERM_PERIOD_TYPES)}, not {value!r}")
            )
    if data.renewal_setting is not None and data.renewal_setting not in RENEWAL_SETTINGS:
        problems.append(
            _problem(
                InvalidValue,
                "renewalSetting",
                f"must be one of {', '.join(RENEWAL_SETTINGS)}, not {data.renewal_setting!r}",
            )
        )
    if data.term_type == TermType.TERMED.value:
        if data.initial_term is None:
            problems.append(_problem(MissingValue, "initialTerm", "is required when termType is TERMED"))
        elif data.initial_term < 1:
            problems.append(_problem(InvalidValue, "initialTerm", f"must be 1 or more, got {data.initial_term}"))
        if data.renewal_term is None:
            problems.append(_problem(MissingValue, "renewalTerm", "is required when termType is TERMED"))
    if data.renewal_term is not None and data.renewal_term < 0:
        problems.append(_problem(InvalidValue, "renewalTerm", f"must be 0 or more, got {data.renewal_term}"))
    if data.auto_renew and data.term_type == TermType.TERMED.value and data.renewal_term == 0:
        if data.renewal_setting != RENEW_TO_EVERGREEN:
            problems.append(
                _problem(
                    RuleRestriction,
                    "renewalTerm",
                    "must be 1 or more for a termed subscription that renews automatically",
                )
            )
    start = data.contract_effective_date
    for date_name, day in (
        ("serviceActivationDate", data.service_activation_date),
        ("customerAcceptanceDate", data.customer_acceptance_date),
    ):
        if day is not None and day < start:
            problems.append(
                _problem(InvalidValue, date_name, f"{day} must not be before 'contractEffectiveDate' {start}")
            )
    if (
        data.service_activation_date is not None
        and data.customer_acceptance_date is not None
        and data.customer_acceptance_date < data.service_activation_date
    ):
        problems.append(
            _problem(
                InvalidValue,
                "customerAcceptanceDate",
                f"{data.customer_acceptance_date} must not be before "
                f"'serviceActivationDate' {data.service_activation_date}",
            )
        )
    if data.subscription_number is not None:
        if not data.subscription_number.strip():
            problems.append(_problem(InvalidValue, "subscriptionNumber", "must not be blank"))
        elif len(data.subscription_number) > MAX_NUMBER:
            problems.append(_problem(InvalidValue, "subscriptionNumber", f"must be at most {MAX_NUMBER} characters"))
    if not data.rate_plans:
        problems.append(_problem(MissingValue, "subscribeToRatePlans", "must contain at least one rate plan"))
    return problems


@dataclass(frozen=True, slots=True)
class _Plan:
    """A resolved product rate plan with its product's dates and number."""

    id: str
    number: str | None
    name: str
    product_id: str
    product_name: str
    product_sku: str
    effective_start_date: date | None
    effective_end_date: date | None
    product_start: date
    product_end: date


def _resolve_plans(conn: Connection, entity_id: str, requests: Sequence[RatePlanRequest]) -> list[_Plan]:
    plans, products = t.product_rate_plans, t.products
    ids = {r.product_rate_plan_id for r in requests if r.product_rate_plan_id}
    numbers = {r.product_rate_plan_number for r in requests if r.product_rate_plan_number}
    if not ids and not numbers:
        return []
    rows = conn.execute(
        select(
            plans.c.id,
            plans.c.product_rate_plan_number,
            plans.c.name,
            plans.c.effective_start_date,
            plans.c.effective_end_date,
            products.c.id.label("product_id"),
            products.c.name.label("product_name"),
            products.c.sku,
            products.c.effective_start_date.label("product_start"),
            products.c.effective_end_date.label("product_end"),
        )
        .join(products, products.c.id == plans.c.product_id)
        .where(
            plans.c.entity_id == entity_id,
            plans.c.id.in_(ids) | plans.c.product_rate_plan_number.in_(numbers),
        )
    )
    return [
        _Plan(
            r.id,
            r.product_rate_plan_number,
            r.name,
            r.product_id,
            r.product_name,
            r.sku,
            r.effective_start_date,
            r.effective_end_date,
            r.product_start,
            r.product_end,
        )
        for r in rows
    ]


def _plan_for(request: RatePlanRequest, where: str, plans: Sequence[_Plan]) -> _Plan:
    if request.product_rate_plan_id is None and request.product_rate_plan_number is None:
        raise MissingValue(
            f"'{where}' needs 'productRatePlanId' or 'productRatePlanNumber'",
            field=f"{where}.productRatePlanId",
            obj=OBJ,
        )
    by_id = next((p for p in plans if p.id == request.product_rate_plan_id), None)
    by_number = next((p for p in plans if p.number and p.number == request.product_rate_plan_number), None)
    if request.product_rate_plan_id is not None and by_id is None:
        raise UnknownReference(
            f"'{where}.productRatePlanId' {request.product_rate_plan_id!r} is not a product rate plan of this tenant",
            field=f"{where}.productRatePlanId",
            obj=OBJ,
        )
    if request.product_rate_plan_number is not None and by_number is None:
        raise UnknownReference(
            f"'{where}.productRatePlanNumber' {request.product_rate_plan_number!r} "
            "is not a product rate plan of this tenant",
            field=f"{where}.productRatePlanNumber",
            obj=OBJ,
        )
    if by_id is not None and by_number is not None and by_id.id != by_number.id:
        raise InvalidValue(
            f"'{where}': productRatePlanId and productRatePlanNumber name different rate plans",
            field=f"{where}.productRatePlanNumber",
            obj=OBJ,
        )
    found = by_id or by_number
    assert found is not None  # noqa: S101 - one of the two was given and found
    return found


def _effective_problem(plan: _Plan, where: str, on: date) -> BillforgeError | None:
    starts = [d for d in (plan.product_start, plan.effective_start_date) if d is not None]
    ends = [d for d in (plan.product_end, plan.effective_end_date) if d is not None]
    if (starts and on < max(starts)) or (ends and on > min(ends)):
        window = f"{max(starts) if starts else '...'} to {min(ends) if ends else '...'}"
        return RuleRestriction(
            f"'{where}': rate plan {plan.name!r} of product {plan.product_name!r} is effective {window}, "
            f"not on the contract effective date {on}",
            field=f"{where}.productRatePlanId",
            obj=OBJ,
        )
    return None


@dataclass(slots=True)
class _NewCharge:
    """A rate plan charge row ready to insert, with its tiers and the domain view used to check it."""

    row: dict[str, Any]
    tiers: list[dict[str, Any]]
    where: str


def _pick(override: Any, catalog_value: Any) -> Any:
    return catalog_value if override is None else override


def _number_problem(
    value: Decimal | None, where: str, *, maximum: Decimal, minimum: Decimal | None = ZERO
) -> BillforgeError | None:
    if value is None:
        return None
    if abs(value) > maximum:
        return _problem(InvalidValue, where, f"{value} is too large (at most {maximum})")
    if minimum is not None and value < minimum:
        return _problem(InvalidValue, where, f"must be {minimum} or more, got {value}")
    if value != value.quantize(Decimal(1).scaleb(-9 if maximum == PRICE_MAX else -6)):
        return _problem(InvalidValue, where, f"{value} has too many decimal places")
    return None


def _override_problems(
    override: ChargeOverride, definition: catalog.ChargeDefinition, where: str
) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    model = definition.charge_model
    for name, value in (
        ("price", override.price),
        ("overagePrice", override.overage_price),
        ("discountAmount", override.discount_amount),
    ):
        problem = _number_problem(
            value, f"{where}.{name}", maximum=PRICE_MAX, minimum=None if name == "price" else ZERO
        )
        if problem:
            problems.append(problem)
    for name, value in (("quantity", override.quantity), ("includedUnits", override.included_units)):
        problem = _number_problem(value, f"{where}.{name}", maximum=QUANTITY_MAX)
        if problem:
            problems.append(problem)
    if override.discount_percentage is not None and not ZERO < override.discount_percentage <= Decimal(100):
        problems.append(
            _problem(
                InvalidValue,
                f"{where}.discountPercentage",
                f"must be more than 0 and at most 100, got {override.discount_percentage}",
            )
        )
    if override.price is not None and model not in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT):
        problems.append(
            _problem(
                InvalidValue,
                f"{where}.price",
                f"cannot be set on a {model.value} charge" + (": override its tiers" if model in TIERED_MODELS else ""),
            )
        )
    if override.tiers is not None and model not in TIERED_MODELS:
        problems.append(_problem(InvalidValue, f"{where}.tiers", f"cannot be set on a {model.value} charge"))
    if override.overage_price is not None and model not in (ChargeModel.OVERAGE, ChargeModel.TIERED_WITH_OVERAGE):
        problems.append(_problem(InvalidValue, f"{where}.overagePrice", f"cannot be set on a {model.value} charge"))
    if override.included_units is not None and model is not ChargeModel.OVERAGE:
        problems.append(_problem(InvalidValue, f"{where}.includedUnits", f"cannot be set on a {model.value} charge"))
    for name, value, wanted in (
        ("discountAmount", override.discount_amount, ChargeModel.DISCOUNT_FIXED_AMOUNT),
        ("discountPercentage", override.discount_percentage, ChargeModel.DISCOUNT_PERCENTAGE),
    ):
        if value is not None and model is not wanted:
            problems.append(_problem(InvalidValue, f"{where}.{name}", f"cannot be set on a {model.value} charge"))
    discount_fields: list[tuple[str, object]] = [
        ("discountLevel", override.discount_level),
        ("applyDiscountTo", override.apply_discount_to),
    ]
    for label, given in discount_fields:
        if given is not None and model not in DISCOUNT_MODELS:
            problems.append(
                _problem(InvalidValue, f"{where}.{label}", f"is only for discount charges, not {model.value}")
            )
    if override.quantity is not None and definition.charge_type is ChargeType.USAGE:
        problems.append(_problem(InvalidValue, f"{where}.quantity", "cannot be set on a usage charge: usage is rated"))
    if override.billing_timing is not None and definition.charge_type is not ChargeType.RECURRING:
        problems.append(_problem(InvalidValue, f"{where}.billingTiming", "is only for recurring charges"))
    if definition.charge_type is ChargeType.ONE_TIME:
        periodic: list[tuple[str, object]] = [
            ("billingPeriod", override.billing_period),
            ("billCycleType", override.bill_cycle_type),
            ("billCycleDay", override.bill_cycle_day),
        ]
        for label, given in periodic:
            if given is not None:
                problems.append(_problem(InvalidValue, f"{where}.{label}", "is not used by a one-time charge"))
    if override.bill_cycle_day is not None and not 1 <= override.bill_cycle_day <= 31:
        problems.append(
            _problem(InvalidValue, f"{where}.billCycleDay", f"must be between 1 and 31, got {override.bill_cycle_day}")
        )
    if override.trigger_event is TriggerEvent.SPECIFIC_DATE and override.trigger_date is None:
        problems.append(
            _problem(MissingValue, f"{where}.triggerDate", "is required when triggerEvent is USD (a specific date)")
        )
    if override.trigger_date is not None and override.trigger_event not in (None, TriggerEvent.SPECIFIC_DATE):
        problems.append(
            _problem(InvalidValue, f"{where}.triggerDate", "is only used with triggerEvent USD (a specific date)")
        )
    end = override.end_date_condition
    if end is EndDateCondition.SPECIFIC_END_DATE and override.specific_end_date is None:
        problems.append(
            _problem(MissingValue, f"{where}.specificEndDate", "is required when endDateCondition is Specific_End_Date")
        )
    if override.specific_end_date is not None and end is not EndDateCondition.SPECIFIC_END_DATE:
        problems.append(
            _problem(InvalidValue, f"{where}.specificEndDate", "is only used with endDateCondition Specific_End_Date")
        )
    if end is EndDateCondition.FIXED_PERIOD and override.up_to_periods is None and definition.up_to_periods is None:
        problems.append(
            _problem(MissingValue, f"{where}.upToPeriods", "is required when endDateCondition is Fixed_Period")
        )
    if override.up_to_periods is not None and not 1 <= override.up_to_periods <= 65534:
        problems.append(
            _problem(InvalidValue, f"{where}.upToPeriods", f"must be between 1 and 65534, got {override.up_to_periods}")
        )
    choices: list[tuple[str, StrEnum | None]] = [
        ("billCycleType", override.bill_cycle_type),
        ("billingPeriod", override.billing_period),
        ("billingPeriodAlignment", override.billing_period_alignment),
        ("listPriceBase", override.list_price_base),
        ("upToPeriodsType", override.up_to_periods_type),
        ("applyDiscountTo", override.apply_discount_to),
    ]
    for label, choice in choices:
        if choice is not None and choice in UNSUPPORTED:
            problems.append(
                _problem(Unsupported, f"{where}.{label}", f"{choice.value!r} is not supported by the billing engine")
            )
    if override.specific_billing_period is not None and override.specific_billing_period < 1:
        problems.append(_problem(InvalidValue, f"{where}.specificBillingPeriod", "must be 1 or more"))
    if override.number is not None and (not override.number.strip() or len(override.number) > MAX_CHARGE_NUMBER):
        problems.append(_problem(InvalidValue, f"{where}.number", f"must be 1 to {MAX_CHARGE_NUMBER} characters"))
    if override.tiers is not None:
        problems.extend(_tier_problems(override.tiers, f"{where}.tiers"))
    return problems


def _tier_problems(tiers: Sequence[TierOverride], where: str) -> list[BillforgeError]:
    if not tiers:
        return [_problem(MissingValue, where, "must contain at least one tier")]
    problems: list[BillforgeError] = []
    ordered = sorted(tiers, key=lambda x: x.tier)
    if [x.tier for x in ordered] != list(range(1, len(ordered) + 1)):
        problems.append(_problem(InvalidValue, where, "tiers must be numbered 1, 2, 3, ... without gaps or repeats"))
        return problems
    previous_end: Decimal | None = None
    for index, tier in enumerate(ordered):
        at = f"{where}[{index}]"
        problem = _number_problem(tier.price, f"{at}.price", maximum=PRICE_MAX, minimum=None)
        if problem:
            problems.append(problem)
        start = tier.starting_unit if tier.starting_unit is not None else (previous_end or ZERO)
        if tier.ending_unit is not None and tier.ending_unit <= start:
            problems.append(_problem(InvalidValue, f"{at}.endingUnit", f"must be more than startingUnit {start}"))
        if tier.ending_unit is None and index != len(ordered) - 1:
            problems.append(_problem(InvalidValue, f"{at}.endingUnit", "only the last tier may be open-ended"))
        if index > 0 and tier.starting_unit is not None and previous_end is not None:
            if tier.starting_unit not in (previous_end, previous_end + 1):
                problems.append(
                    _problem(
                        InvalidValue,
                        f"{at}.startingUnit",
                        f"must continue the previous tier, which ends at {previous_end}, got {tier.starting_unit}",
                    )
                )
        previous_end = tier.ending_unit
    return problems


def _charge_row(
    *,
    ctx: Context,
    definition: catalog.ChargeDefinition,
    override: ChargeOverride,
    currency: str,
    subscription_id: str,
    rate_plan_id: str,
    position: int,
    now: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The stored copy of a catalog charge, overrides applied, priced in the account's currency."""
    priced = definition.tiers_for(currency)
    ordinary = [x for x in priced if not x.is_overage_price]
    overage = [x for x in priced if x.is_overage_price]
    model = definition.charge_model
    price: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    if model in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT):
        price = _pick(override.price, ordinary[0].price if ordinary else None)
    elif model is ChargeModel.DISCOUNT_FIXED_AMOUNT:
        discount_amount = _pick(override.discount_amount, priced[0].discount_amount if priced else None)
    elif model is ChargeModel.DISCOUNT_PERCENTAGE:
        discount_percentage = _pick(override.discount_percentage, priced[0].discount_percentage if priced else None)
    elif model is ChargeModel.OVERAGE:
        price = _pick(
            override.overage_price, overage[0].price if overage else (ordinary[0].price if ordinary else None)
        )
    charge_id = new_id()
    tier_rows: list[dict[str, Any]] = []
    if model in TIERED_MODELS and model is not ChargeModel.OVERAGE:
        if override.tiers is not None:
            chosen = [
                (x.tier, x.starting_unit, x.ending_unit, x.price, x.price_format or PriceFormat.PER_UNIT, False)
                for x in override.tiers
            ]
        else:
            chosen = [
                (x.tier, x.starting_unit, x.ending_unit, x.price, x.price_format, False)
                for x in ordinary
                if x.price is not None
            ]
        overage_price = _pick(override.overage_price, overage[0].price if overage else None)
        if model is ChargeModel.TIERED_WITH_OVERAGE and overage_price is not None:
            chosen.append((len(chosen) + 1, None, None, overage_price, PriceFormat.PER_UNIT, True))
        for number, start, end, tier_price, price_format, is_overage in chosen:
            tier_rows.append(
                {
                    "id": new_id(),
                    "entity_id": ctx.entity_id,
                    "rate_plan_charge_id": charge_id,
                    "tier": number,
                    "starting_unit": start,
                    "ending_unit": end,
                    "price": tier_price,
                    "price_format": price_format.value,
                    "is_overage_price": is_overage,
                }
            )
    default_quantity = definition.default_quantity if definition.default_quantity is not None else Decimal(1)
    quantity = ZERO if definition.charge_type is ChargeType.USAGE else _pick(override.quantity, default_quantity)
    trigger = _pick(override.trigger_event, definition.trigger_event)
    apply_to = (
        override.apply_discount_to.value if override.apply_discount_to else _apply_to_text(definition.apply_discount_to)
    )
    row = {
        "id": charge_id,
        "entity_id": ctx.entity_id,
        "subscription_id": subscription_id,
        "rate_plan_id": rate_plan_id,
        "position": position,
        "charge_number": override.number or "",
        "product_rate_plan_charge_id": definition.id,
        "name": definition.name,
        "description": _pick(override.description, definition.description),
        "charge_type": definition.charge_type.value,
        "charge_model": model.value,
        "price": price,
        "quantity": quantity,
        "included_units": _pick(override.included_units, definition.included_units),
        "discount_percentage": discount_percentage,
        "discount_amount": discount_amount,
        "discount_level": _value(_pick(override.discount_level, definition.discount_level)),
        "apply_discount_to": apply_to if model in DISCOUNT_MODELS else None,
        "uom": definition.uom,
        "billing_period": _value(_pick(override.billing_period, definition.billing_period)),
        "specific_billing_period": _pick(override.specific_billing_period, definition.specific_billing_period),
        "list_price_base": _value(_pick(override.list_price_base, definition.list_price_base)),
        "billing_timing": _value(
            BillingTiming.IN_ARREARS
            if definition.charge_type is ChargeType.USAGE
            else _pick(override.billing_timing, definition.billing_timing)
        ),
        "bill_cycle_type": _pick(override.bill_cycle_type, definition.bill_cycle_type).value,
        "bill_cycle_day": _pick(override.bill_cycle_day, definition.bill_cycle_day),
        "weekly_bill_cycle_day": _value(_pick(override.weekly_bill_cycle_day, definition.weekly_bill_cycle_day)),
        "billing_period_alignment": _value(
            _pick(override.billing_period_alignment, definition.billing_period_alignment)
        ),
        "trigger_event": trigger.value,
        "trigger_date": override.trigger_date,
        "end_date_condition": _pick(override.end_date_condition, definition.end_date_condition).value,
        "up_to_periods": _pick(override.up_to_periods, definition.up_to_periods),
        "specific_end_date": override.specific_end_date,
        "tax_code": definition.tax_code,
        "tax_mode": _value(definition.tax_mode),
        "taxable": definition.taxable,
        "extra": dict(override.extra),
        "created_at": now,
        "updated_at": now,
        "created_by_id": ctx.actor_id,
        "updated_by_id": ctx.actor_id,
    }
    return row, tier_rows


def _value(value: Any) -> Any:
    return value.value if value is not None and hasattr(value, "value") else value


def _apply_to_text(types: Iterable[ChargeType]) -> str | None:
    kinds = set(types)
    if not kinds:
        return None
    order = ((ChargeType.ONE_TIME, "ONETIME"), (ChargeType.RECURRING, "RECURRING"), (ChargeType.USAGE, "USAGE"))
    return "".join(word for kind, word in order if kind in kinds)


def _check_charge(
    row: dict[str, Any],
    tiers: Sequence[dict[str, Any]],
    plan_row: dict[str, Any],
    subscription_row: dict[str, Any],
    account: Row[Any],
    tenant: tenant_settings.TenantSettings,
    where: str,
) -> list[BillforgeError]:
    """Ask the billing core what the charge bills on its trigger date: anything it cannot bill is
    refused now, naming the charge."""
    domain_tiers = [
        Tier(
            tier=x["tier"],
            starting_unit=x["starting_unit"] if x["starting_unit"] is not None else ZERO,
            ending_unit=x["ending_unit"],
            price=x["price"],
            price_format=PriceFormat(x["price_format"]),
            is_overage=x["is_overage_price"],
        )
        for x in tiers
    ]
    charge = billing.domain_charge(_FakeRow(row), _FakeRow(plan_row), domain_tiers)
    subscription = billing.domain_subscription(_FakeRow(subscription_row), [charge])
    currency = tenant.active_currencies[account.currency]
    target = charge_trigger_date(charge, subscription) or subscription.contract_effective_date
    try:
        due_items(
            charge=charge,
            subscription=subscription,
            rules=tenant.billing_rules,
            account_bill_cycle_day=account.bill_cycle_day,
            target_date=target,
            currency=currency,
        )
        rate(charge.quantity if charge.charge_type is not ChargeType.USAGE else ZERO, charge)
        if charge.charge_type is not ChargeType.ONE_TIME:
            price_factor(charge, billing_cycle(charge, subscription, account.bill_cycle_day, target))
    except BillforgeError as error:
        return [
            InvalidValue(
                f"'{where}' (charge {charge.name!r}): {e.message}",
                field=f"{where}.{e.field}" if e.field else where,
                obj=OBJ,
            )
            for e in flatten(error)
        ]
    return []


class _FakeRow:
    """Attribute access over a dict, so a row about to be inserted reads like a stored one."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def create_subscription(*, db: Database, ctx: Context, data: SubscriptionInput) -> Created:
    with db.write() as conn:
        return _create(conn, ctx, data)


def _find_account(conn: Connection, entity_id: str, key: str) -> Row[Any]:
    try:
        return billing.lock_account(conn, entity_id, key, field_name="accountKey")
    except NotFound:
        raise UnknownReference(
            f"'accountKey' {key!r} is not the id or number of an account of this tenant", field="accountKey", obj=OBJ
        ) from None


def _create(conn: Connection, ctx: Context, data: SubscriptionInput) -> Created:
    entity_id = ctx.entity_id
    problems = _term_problems(data)
    account = _find_account(conn, entity_id, data.account_key)
    if data.invoice_owner_account_key is not None and data.invoice_owner_account_key not in (
        account.id,
        account.account_number,
    ):
        problems.append(
            _problem(
                Unsupported,
                "invoiceOwnerAccountKey",
                "must be the subscription's own account: invoice owners are not supported",
            )
        )
    if account.status == "Canceled":
        problems.append(
            _problem(
                RuleRestriction, "accountKey", f"account {account.account_number} is Canceled: no new subscriptions"
            )
        )
    tenant = tenant_settings.load(conn, entity_id)
    if account.currency not in tenant.active_currencies:
        problems.append(
            _problem(InvalidValue, "accountKey", f"account bills in {account.currency}, not an active currency")
        )
    if data.subscription_number is not None and data.subscription_number.strip():
        taken = conn.execute(
            select(tb.subscriptions.c.id).where(
                tb.subscriptions.c.entity_id == entity_id,
                tb.subscriptions.c.subscription_number == data.subscription_number,
            )
        ).first()
        if taken is not None:
            problems.append(
                _problem(
                    RuleRestriction,
                    "subscriptionNumber",
                    f"{data.subscription_number!r} is already used by another subscription",
                )
            )
    if problems and any(p.field in ("termType", "subscribeToRatePlans") for p in problems):
        raise ErrorList(problems)

    now = ctx.now()
    subscription_id = new_id()
    term_type = data.term_type
    term_start = data.term_start_date or data.contract_effective_date
    initial_period = data.initial_term_period_type or "Month"
    termed = term_type == TermType.TERMED.value
    initial_term = data.initial_term if termed else None
    term_end = (
        add_term(term_start, initial_term, initial_period) if termed and initial_term and initial_term > 0 else None
    )
    service_activation = data.service_activation_date or data.contract_effective_date
    subscription_row: dict[str, Any] = {
        "id": subscription_id,
        "entity_id": entity_id,
        "account_id": account.id,
        "subscription_number": data.subscription_number or "",
        "status": ACTIVE,
        "term_type": term_type,
        "contract_effective_date": data.contract_effective_date,
        "service_activation_date": service_activation,
        "customer_acceptance_date": data.customer_acceptance_date or service_activation,
        "term_start_date": term_start,
        "term_end_date": term_end,
        "initial_term": initial_term,
        "initial_term_period_type": initial_period,
        "current_term": initial_term,
        "current_term_period_type": initial_period,
        "renewal_term": data.renewal_term or 0,
        "renewal_term_period_type": data.renewal_term_period_type or "Month",
        "renewal_setting": data.renewal_setting or RENEW_WITH_SPECIFIC_TERM,
        "auto_renew": data.auto_renew,
        "invoice_separately": data.invoice_separately,
        "notes": data.notes,
        "cancelled_date": None,
        "cancellation_policy": None,
        "version": 1,
        "extra": dict(data.extra),
        "created_at": now,
        "updated_at": now,
        "created_by_id": ctx.actor_id,
        "updated_by_id": ctx.actor_id,
    }

    plans = _resolve_plans(conn, entity_id, data.rate_plans)
    definitions = catalog.load_charges(conn, entity_id=entity_id, product_rate_plan_ids=[p.id for p in plans])
    plan_rows: list[dict[str, Any]] = []
    new_charges: list[_NewCharge] = []
    for index, request in enumerate(data.rate_plans):
        where = f"subscribeToRatePlans[{index}]"
        try:
            plan = _plan_for(request, where, plans)
        except BillforgeError as error:
            problems.append(error)
            continue
        effective = _effective_problem(plan, where, data.contract_effective_date)
        if effective is not None:
            problems.append(effective)
        plan_row: dict[str, Any] = {
            "id": new_id(),
            "entity_id": entity_id,
            "subscription_id": subscription_id,
            "position": index,
            "product_rate_plan_id": plan.id,
            "product_rate_plan_number": plan.number,
            "name": plan.name,
            "product_id": plan.product_id,
            "product_name": plan.product_name,
            "product_sku": plan.product_sku,
            "created_at": now,
            "updated_at": now,
            "created_by_id": ctx.actor_id,
            "updated_by_id": ctx.actor_id,
        }
        plan_rows.append(plan_row)
        charges = definitions.get(plan.id, [])
        overrides: dict[str, ChargeOverride] = {}
        override_at: dict[str, str] = {}
        for o_index, override in enumerate(request.charge_overrides):
            at = f"{where}.chargeOverrides[{o_index}]"
            definition = next(
                (
                    c
                    for c in charges
                    if (override.product_rate_plan_charge_id and c.id == override.product_rate_plan_charge_id)
                    or (
                        override.product_rate_plan_charge_id is None
                        and override.product_rate_plan_charge_number
                        and c.number == override.product_rate_plan_charge_number
                    )
                ),
                None,
            )
            if definition is None:
                key = override.product_rate_plan_charge_id or override.product_rate_plan_charge_number
                if key is None:
                    problems.append(_problem(MissingValue, f"{at}.productRatePlanChargeId", "is required"))
                else:
                    problems.append(
                        UnknownReference(
                            f"'{at}.productRatePlanChargeId' {key!r} is not a charge of "
                            f"product rate plan {plan.name!r}",
                            field=f"{at}.productRatePlanChargeId",
                            obj=OBJ,
                        )
                    )
                continue
            if definition.id in overrides:
                problems.append(
                    _problem(
                        InvalidValue,
                        f"{at}.productRatePlanChargeId",
                        "overrides a charge that an earlier override already overrides",
                    )
                )
                continue
            overrides[definition.id] = override
            override_at[definition.id] = at
            problems.extend(_override_problems(override, definition, at))
        for definition in charges:
            at = override_at.get(definition.id, where)
            if not definition.tiers_for(account.currency):
                problems.append(
                    _problem(
                        InvalidValue,
                        where,
                        f"charge {definition.name!r} of rate plan {plan.name!r} has no price "
                        f"in the account's currency {account.currency}",
                    )
                )
                continue
            row, tier_rows = _charge_row(
                ctx=ctx,
                definition=definition,
                override=overrides.get(definition.id, ChargeOverride()),
                currency=account.currency,
                subscription_id=subscription_id,
                rate_plan_id=plan_row["id"],
                position=len(new_charges),
                now=now,
            )
            new_charges.append(_NewCharge(row, tier_rows, at))
    if problems:
        raise ErrorList(problems)
    plan_by_id = {p["id"]: p for p in plan_rows}
    for new in new_charges:
        problems.extend(
            _check_charge(
                new.row, new.tiers, plan_by_id[new.row["rate_plan_id"]], subscription_row, account, tenant, new.where
            )
        )
    custom = [c.row["charge_number"] for c in new_charges if c.row["charge_number"]]
    if len(set(custom)) != len(custom):
        problems.append(_problem(InvalidValue, "subscribeToRatePlans", "two charges are given the same charge number"))
    elif custom:
        charges_t = tb.rate_plan_charges
        taken_numbers = set(
            conn.execute(
                select(charges_t.c.charge_number).where(
                    charges_t.c.entity_id == entity_id, charges_t.c.charge_number.in_(custom)
                )
            ).scalars()
        )
        for new in new_charges:
            if new.row["charge_number"] in taken_numbers:
                problems.append(
                    _problem(
                        RuleRestriction,
                        f"{new.where}.number",
                        f"charge number {new.row['charge_number']!r} is already used",
                    )
                )
    if problems:
        raise ErrorList(problems)

    if not subscription_row["subscription_number"]:
        (subscription_row["subscription_number"],) = _numbers(
            conn,
            entity_id,
            name="subscription",
            pattern="A-S%08d",
            column=tb.subscriptions.c.subscription_number,
            count=1,
        )
    unnumbered = [c for c in new_charges if not c.row["charge_number"]]
    for new, number in zip(
        unnumbered,
        _numbers(
            conn,
            entity_id,
            name="charge",
            pattern="C-%08d",
            column=tb.rate_plan_charges.c.charge_number,
            count=len(unnumbered),
        ),
        strict=True,
    ):
        new.row["charge_number"] = number
    conn.execute(insert(tb.subscriptions), [subscription_row])
    if plan_rows:
        conn.execute(insert(tb.rate_plans), plan_rows)
    if new_charges:
        conn.execute(insert(tb.rate_plan_charges), [c.row for c in new_charges])
    tier_rows = [x for c in new_charges for x in c.tiers]
    if tier_rows:
        conn.execute(insert(tb.rate_plan_charge_tiers), tier_rows)

    invoice_id = _bill_now(conn, ctx, account, tenant, subscription_id, data.billing)
    view = _view(conn, ctx, find_subscription(conn, entity_id, subscription_id), account)
    mrr, tcv = contract_values(view)
    return Created(subscription_id, subscription_row["subscription_number"], invoice_id, mrr, tcv)


def _bill_now(
    conn: Connection,
    ctx: Context,
    account: Row[Any],
    tenant: tenant_settings.TenantSettings,
    subscription_id: str,
    run: BillingRun,
) -> str | None:
    """Bill one subscription in the caller's transaction (``runBilling``); its first invoice's id."""
    if run.collect:
        raise Unsupported(
            "'collect' cannot be true: billforge has no payment gateways to collect a payment with "
            "(record a payment with POST /v1/payments instead)",
            field="collect",
            obj=OBJ,
        )
    if not run.run:
        return None
    target = run.target_date or _today(tenant, ctx)
    options = GenerateOptions(
        invoice_date=run.document_date or target,
        target_date=target,
        subscription_ids=(subscription_id,),
    )
    try:
        ids = billing.bill_account(conn, ctx, account=account, options=options)
    except NothingToBill:
        return None
    return ids[0]


# --- cancelling and renewing -------------------------------------------------------------------


@dataclass(slots=True)
class CancelInput:
    cancellation_policy: str | None
    cancellation_effective_date: date | None = None
    billing: BillingRun = field(default_factory=BillingRun)


def _check_active(row: Row[Any], action: str) -> None:
    if row.status != ACTIVE:
        raise RuleRestriction(
            f"subscription {row.subscription_number} is {row.status}: only an Active subscription can be {action}",
            field="status",
            obj=OBJ,
        )


def cancel_subscription(*, db: Database, ctx: Context, key: str, data: CancelInput) -> Cancelled:
    with db.write() as conn:
        found = find_subscription(conn, ctx.entity_id, key)
        account = billing.lock_account(conn, ctx.entity_id, found.account_id)
        row = find_subscription(conn, ctx.entity_id, found.id, lock=True)
        _check_active(row, "cancelled")
        obj = "subscriptionCancellation"
        policy = data.cancellation_policy
        if policy is None:
            raise MissingValue(
                f"'cancellationPolicy' is required: one of {', '.join(CANCELLATION_POLICIES)}",
                field="cancellationPolicy",
                obj=obj,
            )
        if policy not in CANCELLATION_POLICIES:
            raise InvalidValue(
                f"'cancellationPolicy' must be one of {', '.join(CANCELLATION_POLICIES)}, not {policy!r}",
                field="cancellationPolicy",
                obj=obj,
            )
        if policy != "SpecificDate" and data.cancellation_effective_date is not None:
            raise InvalidValue(
                "'cancellationEffectiveDate' is only used with cancellationPolicy SpecificDate",
                field="cancellationEffectiveDate",
                obj=obj,
            )
        before = _view(conn, ctx, row, account)
        mrr_before, tcv_before = contract_values(before)
        termed = row.term_type == TermType.TERMED.value
        if policy == "SpecificDate":
            if data.cancellation_effective_date is None:
                raise MissingValue(
                    "'cancellationEffectiveDate' is required when cancellationPolicy is SpecificDate",
                    field="cancellationEffectiveDate",
                    obj=obj,
                )
            effective = data.cancellation_effective_date
        elif policy == "EndOfCurrentTerm":
            if not termed or row.term_end_date is None:
                raise RuleRestriction(
                    f"subscription {row.subscription_number} is EVERGREEN: it has no current term end to cancel at; "
                    "use SpecificDate or EndOfLastInvoicePeriod",
                    field="cancellationPolicy",
                    obj=obj,
                )
            effective = row.term_end_date
        else:
            through = [d.charged_through_date for d in before.dates.values() if d.charged_through_date is not None]
            effective = max(through) if through else row.contract_effective_date
        if effective < row.contract_effective_date:
            raise InvalidValue(
                f"'cancellationEffectiveDate' {effective} is before the subscription's contract effective date "
                f"{row.contract_effective_date}",
                field="cancellationEffectiveDate",
                obj=obj,
            )
        if termed and row.term_end_date is not None and effective > row.term_end_date:
            raise InvalidValue(
                f"'cancellationEffectiveDate' {effective} is after the end of the current term {row.term_end_date}",
                field="cancellationEffectiveDate",
                obj=obj,
            )
        now = ctx.now()
        conn.execute(
            update(tb.subscriptions)
            .where(tb.subscriptions.c.id == row.id)
            .values(
                status=CANCELLED,
                cancelled_date=effective,
                cancellation_policy=policy,
                version=row.version + 1,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        tenant = tenant_settings.load(conn, ctx.entity_id)
        invoice_id = _bill_now(conn, ctx, account, tenant, row.id, data.billing)
        return Cancelled(
            row.id,
            effective,
            invoice_id,
            -mrr_before,
            -tcv_before if tcv_before is not None else None,
        )


def renew_subscription(*, db: Database, ctx: Context, key: str, billing_run: BillingRun) -> Renewed:
    with db.write() as conn:
        found = find_subscription(conn, ctx.entity_id, key)
        account = billing.lock_account(conn, ctx.entity_id, found.account_id)
        row = find_subscription(conn, ctx.entity_id, found.id, lock=True)
        _check_active(row, "renewed")
        if row.term_type != TermType.TERMED.value or row.term_end_date is None:
            raise RuleRestriction(
                f"subscription {row.subscription_number} is EVERGREEN: only a TERMED subscription can be renewed",
                field="termType",
                obj="subscriptionRenewal",
            )
        if row.renewal_term == 0 and row.renewal_setting != RENEW_TO_EVERGREEN:
            raise RuleRestriction(
                f"subscription {row.subscription_number} has a renewal term of 0: it cannot be renewed",
                field="renewalTerm",
                obj="subscriptionRenewal",
            )
        term = renewed_term(row)
        now = ctx.now()
        conn.execute(
            update(tb.subscriptions)
            .where(tb.subscriptions.c.id == row.id)
            .values(
                term_start_date=term.term_start_date,
                term_end_date=term.term_end_date,
                current_term=term.current_term,
                current_term_period_type=term.current_term_period_type,
                term_type=term.term_type,
                version=row.version + 1,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        renewed = find_subscription(conn, ctx.entity_id, row.id)
        view = _view(conn, ctx, renewed, account)
        mrr, tcv = contract_values(view)
        tenant = tenant_settings.load(conn, ctx.entity_id)
        invoice_id = _bill_now(conn, ctx, account, tenant, row.id, billing_run)
        return Renewed(row.id, term.term_start_date, term.term_end_date, invoice_id, mrr, tcv)

"""The rules of a subscription, as Zuora's ``POST /v1/subscriptions``, cancel and renew apply them.
Pure: each check takes the client's input and what the services read (the account, the catalog's
rate plans and charges, the stored subscription) and answers the problems, naming the client's
fields (``subscribeToRatePlans[0].chargeOverrides[1].price``).

- Terms: ``termType`` TERMED or EVERGREEN; a termed subscription has ``initialTerm`` >= 1 and a
  ``renewalTerm`` (>= 1 when it renews automatically, unless it renews to evergreen); period types
  and renewal settings are Zuora's; activation and acceptance dates are not before the contract.
- Rate plans are named by ``productRatePlanId`` or ``productRatePlanNumber`` (both: the same plan),
  effective on the contract effective date, and price every charge in the account's currency; what
  their ``chargeOverrides`` may set is ``domain.charge_override_rules``'s.
- A charge must be billable: the billing core is asked what it would bill on the charge's trigger
  date, and anything it cannot bill is refused now, never at the first bill run.
- Only an Active subscription is cancelled or renewed; only a TERMED one with a renewal term renews.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from billforge.domain.catalog import ChargeType
from billforge.domain.charge_definitions import ChargeDefinition
from billforge.domain.money import ZERO, Currency
from billforge.domain.rating import rate
from billforge.domain.rules import BillingRules
from billforge.domain.schedule import billing_cycle, charge_trigger_date, due_items, price_factor
from billforge.domain.subscription_inputs import CancelInput, RatePlanRequest, SubscriptionInput
from billforge.domain.subscriptions import ACTIVE, RatePlanCharge, Subscription, TermType
from billforge.domain.terms import RENEW_TO_EVERGREEN, RENEWAL_SETTINGS, TERM_PERIOD_TYPES
from billforge.errors import (
    BillforgeError,
    InvalidValue,
    MissingValue,
    RuleRestriction,
    UnknownReference,
    Unsupported,
    flatten,
)

OBJ: Final = "subscription"
CANCELLATION: Final = "subscriptionCancellation"
RENEWAL: Final = "subscriptionRenewal"
CANCELLATION_POLICIES: Final = ("EndOfCurrentTerm", "EndOfLastInvoicePeriod", "SpecificDate")
MAX_NUMBER: Final = 100


def problem(kind: type[BillforgeError], where: str, message: str) -> BillforgeError:
    """``'field' message``, of the subscription."""
    return kind(f"'{where}' {message}", field=where, obj=OBJ)


# --- terms and account ---------------------------------------------------------------------------


def term_problems(data: SubscriptionInput) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if data.term_type not in (TermType.TERMED.value, TermType.EVERGREEN.value):
        problems.append(problem(InvalidValue, "termType", f"must be TERMED or EVERGREEN, not {data.term_type!r}"))
    for name, value in (
        ("initialTermPeriodType", data.initial_term_period_type),
        ("renewalTermPeriodType", data.renewal_term_period_type),
    ):
        if value is not None and value not in TERM_PERIOD_TYPES:
            problems.append(
                problem(InvalidValue, name, f"must be one of {', '.join(TERM_PERIOD_TYPES)}, not {value!r}")
            )
    if data.renewal_setting is not None and data.renewal_setting not in RENEWAL_SETTINGS:
        problems.append(
            problem(
                InvalidValue,
                "renewalSetting",
                f"must be one of {', '.join(RENEWAL_SETTINGS)}, not {data.renewal_setting!r}",
            )
        )
    if data.term_type == TermType.TERMED.value:
        if data.initial_term is None:
            problems.append(problem(MissingValue, "initialTerm", "is required when termType is TERMED"))
        elif data.initial_term < 1:
            problems.append(problem(InvalidValue, "initialTerm", f"must be 1 or more, got {data.initial_term}"))
        if data.renewal_term is None:
            problems.append(problem(MissingValue, "renewalTerm", "is required when termType is TERMED"))
    if data.renewal_term is not None and data.renewal_term < 0:
        problems.append(problem(InvalidValue, "renewalTerm", f"must be 0 or more, got {data.renewal_term}"))
    if data.auto_renew and data.term_type == TermType.TERMED.value and data.renewal_term == 0:
        if data.renewal_setting != RENEW_TO_EVERGREEN:
            problems.append(
                problem(
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
                problem(InvalidValue, date_name, f"{day} must not be before 'contractEffectiveDate' {start}")
            )
    if (
        data.service_activation_date is not None
        and data.customer_acceptance_date is not None
        and data.customer_acceptance_date < data.service_activation_date
    ):
        problems.append(
            problem(
                InvalidValue,
                "customerAcceptanceDate",
                f"{data.customer_acceptance_date} must not be before "
                f"'serviceActivationDate' {data.service_activation_date}",
            )
        )
    if data.subscription_number is not None:
        if not data.subscription_number.strip():
            problems.append(problem(InvalidValue, "subscriptionNumber", "must not be blank"))
        elif len(data.subscription_number) > MAX_NUMBER:
            problems.append(problem(InvalidValue, "subscriptionNumber", f"must be at most {MAX_NUMBER} characters"))
    if not data.rate_plans:
        problems.append(problem(MissingValue, "subscribeToRatePlans", "must contain at least one rate plan"))
    return problems


def account_problems(
    data: SubscriptionInput,
    *,
    account_id: str,
    account_number: str,
    status: str,
    currency: str,
    active_currencies: Collection[str],
) -> list[BillforgeError]:
    """The subscribing account: the invoice owner (itself), its status and its currency."""
    problems: list[BillforgeError] = []
    if data.invoice_owner_account_key is not None and data.invoice_owner_account_key not in (
        account_id,
        account_number,
    ):
        problems.append(
            problem(
                Unsupported,
                "invoiceOwnerAccountKey",
                "must be the subscription's own account: invoice owners are not supported",
            )
        )
    if status == "Canceled":
        problems.append(
            problem(RuleRestriction, "accountKey", f"account {account_number} is Canceled: no new subscriptions")
        )
    if currency not in active_currencies:
        problems.append(problem(InvalidValue, "accountKey", f"account bills in {currency}, not an active currency"))
    return problems


# --- rate plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductRatePlan:
    """A product rate plan a subscription can name, with its product's name, SKU and dates."""

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


def plan_for(request: RatePlanRequest, where: str, plans: Sequence[ProductRatePlan]) -> ProductRatePlan:
    """The rate plan ``request`` names, among the ``plans`` found by its id or number."""
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


def effective_problem(plan: ProductRatePlan, where: str, on: date) -> BillforgeError | None:
    """A rate plan (or its product) that is not effective on the contract effective date ``on``."""
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


def price_problem(definition: ChargeDefinition, plan_name: str, where: str, currency: str) -> BillforgeError | None:
    """A charge of the plan that has no price in the account's currency."""
    if definition.tiers_for(currency):
        return None
    return problem(
        InvalidValue,
        where,
        f"charge {definition.name!r} of rate plan {plan_name!r} has no price in the account's currency {currency}",
    )


# --- what the billing core can bill --------------------------------------------------------------


def billable_problems(
    charge: RatePlanCharge,
    subscription: Subscription,
    *,
    rules: BillingRules,
    bill_cycle_day: int,
    currency: Currency,
    where: str,
) -> list[BillforgeError]:
    """Ask the billing core what the charge bills on its trigger date: anything it cannot bill is
    refused now, naming the charge."""
    target = charge_trigger_date(charge, subscription) or subscription.contract_effective_date
    try:
        due_items(
            charge=charge,
            subscription=subscription,
            rules=rules,
            account_bill_cycle_day=bill_cycle_day,
            target_date=target,
            currency=currency,
        )
        rate(charge.quantity if charge.charge_type is not ChargeType.USAGE else ZERO, charge)
        if charge.charge_type is not ChargeType.ONE_TIME:
            price_factor(charge, billing_cycle(charge, subscription, bill_cycle_day, target))
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


# --- cancelling and renewing ---------------------------------------------------------------------


def check_active(status: str, number: str, action: str) -> None:
    if status != ACTIVE:
        raise RuleRestriction(
            f"subscription {number} is {status}: only an Active subscription can be {action}",
            field="status",
            obj=OBJ,
        )


def cancellation_policy(data: CancelInput) -> str:
    """The cancellation policy asked for, checked before anything is read."""
    policy = data.cancellation_policy
    if policy is None:
        raise MissingValue(
            f"'cancellationPolicy' is required: one of {', '.join(CANCELLATION_POLICIES)}",
            field="cancellationPolicy",
            obj=CANCELLATION,
        )
    if policy not in CANCELLATION_POLICIES:
        raise InvalidValue(
            f"'cancellationPolicy' must be one of {', '.join(CANCELLATION_POLICIES)}, not {policy!r}",
            field="cancellationPolicy",
            obj=CANCELLATION,
        )
    if policy != "SpecificDate" and data.cancellation_effective_date is not None:
        raise InvalidValue(
            "'cancellationEffectiveDate' is only used with cancellationPolicy SpecificDate",
            field="cancellationEffectiveDate",
            obj=CANCELLATION,
        )
    return policy


def cancellation_date(
    policy: str,
    requested: date | None,
    *,
    number: str,
    term_type: str,
    term_end_date: date | None,
    contract_effective_date: date,
    charged_through: Sequence[date],
) -> date:
    """The cancellation's effective date: the date asked for (SpecificDate), the end of the current
    term (EndOfCurrentTerm), or the end of what was billed (EndOfLastInvoicePeriod); within the
    subscription's current term."""
    termed = term_type == TermType.TERMED.value
    if policy == "SpecificDate":
        if requested is None:
            raise MissingValue(
                "'cancellationEffectiveDate' is required when cancellationPolicy is SpecificDate",
                field="cancellationEffectiveDate",
                obj=CANCELLATION,
            )
        effective = requested
    elif policy == "EndOfCurrentTerm":
        if not termed or term_end_date is None:
            raise RuleRestriction(
                f"subscription {number} is EVERGREEN: it has no current term end to cancel at; "
                "use SpecificDate or EndOfLastInvoicePeriod",
                field="cancellationPolicy",
                obj=CANCELLATION,
            )
        effective = term_end_date
    else:
        effective = max(charged_through) if charged_through else contract_effective_date
    if effective < contract_effective_date:
        raise InvalidValue(
            f"'cancellationEffectiveDate' {effective} is before the subscription's contract effective date "
            f"{contract_effective_date}",
            field="cancellationEffectiveDate",
            obj=CANCELLATION,
        )
    if termed and term_end_date is not None and effective > term_end_date:
        raise InvalidValue(
            f"'cancellationEffectiveDate' {effective} is after the end of the current term {term_end_date}",
            field="cancellationEffectiveDate",
            obj=CANCELLATION,
        )
    return effective


def check_renewable(
    *, number: str, term_type: str, term_end_date: date | None, renewal_term: int, renewal_setting: str
) -> None:
    """Only a TERMED subscription renews, and only with a renewal term (or to evergreen)."""
    if term_type != TermType.TERMED.value or term_end_date is None:
        raise RuleRestriction(
            f"subscription {number} is EVERGREEN: only a TERMED subscription can be renewed",
            field="termType",
            obj=RENEWAL,
        )
    if renewal_term == 0 and renewal_setting != RENEW_TO_EVERGREEN:
        raise RuleRestriction(
            f"subscription {number} has a renewal term of 0: it cannot be renewed",
            field="renewalTerm",
            obj=RENEWAL,
        )

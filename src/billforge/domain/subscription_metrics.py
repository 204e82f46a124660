"""What a subscription is worth, as Zuora reports it: each recurring charge's monthly amount (MRR),
their sum (contracted MRR), and the total contracted value of a termed subscription's current term."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final

from billforge.domain.catalog import ChargeModel, ChargeType
from billforge.domain.money import ZERO, Currency, round_money
from billforge.domain.periods import months_per_period, prorate
from billforge.domain.rating import rate
from billforge.domain.schedule import billing_cycle, charge_trigger_date, price_factor
from billforge.domain.subscriptions import RatePlanCharge, Subscription, TermType
from billforge.errors import BillforgeError

MONTHS_IN_TERM: Final = {"Month": Fraction(1), "Year": Fraction(12)}


def charge_mrr(charge: RatePlanCharge, subscription: Subscription, bcd: int, currency: Currency) -> Decimal:
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


def term_months(term_type: str, current_term: int | None, current_term_period_type: str | None) -> Fraction | None:
    """The months of a termed subscription's current term; ``None`` for an evergreen term or one
    counted in days or weeks."""
    if term_type != TermType.TERMED.value or current_term is None:
        return None
    per = MONTHS_IN_TERM.get(current_term_period_type) if current_term_period_type is not None else None
    return None if per is None else per * current_term


def contract_value(
    months: Fraction | None, charges: Iterable[RatePlanCharge], mrr: Decimal, currency: Currency
) -> Decimal | None:
    """Total contracted value of a current term of ``months`` months: MRR x the term's months + its
    one-time charges. ``None`` when the term is not counted in months (see ``term_months``)."""
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

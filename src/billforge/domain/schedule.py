"""What one charge owes by a target date, and its charged-through date.

``due_items`` is a pure function of the charge, its subscription, the tenant's billing rules, the
account's bill cycle day, the target date, the charge's usage and what was already billed for it.
It answers only what is *not yet billed*, so generating at T1 and then at T2 bills exactly what one
generation at T2 would.

How a charge is scheduled (Zuora's "Billing timing", "Bill cycle day" and "Proration" pages):

- The charge starts on its trigger date: the subscription's contract effective, service activation
  or customer acceptance date, as its trigger event says, unless the charge has its own effective
  start date. No such date yet: the charge is not triggered and bills nothing.
- It ends (exclusively) at the earliest of the current term's end (termed subscriptions), the
  cancellation's effective date, the end of its fixed number of periods (``FixedPeriod``, counted
  from the trigger date) and its specific end date.
- One-time: billed once, for its trigger date, when the target date reaches it.
- Recurring: billed per full billing period of its grid (see ``periods``), each clipped to the
  charge's active dates and prorated when partial. In advance, a period is due on its first day
  (target date >= start); in arrears, once it has ended (target date >= the day after its last day,
  i.e. the next bill cycle date).
- Usage: always in arrears; the usage records of a period (by start date) are summed and rated
  together. Usage that arrives after its period was billed is billed later as the difference
  (quantity and amount) against what was billed, so tiers stay right.

Not yet billed means: per full period, each day the charge is active should be covered by exactly
one billed item. Days active but uncovered bill as a charge item; days covered but no longer active
(a cancellation inside a period already billed in advance) come back as a negative ``Credit`` item
for that part, prorated like any partial period. An invoice that was cancelled or deleted is simply
not among the billed items, so its periods bill again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    EndDateCondition,
    ListPriceBase,
    TriggerEvent,
    Weekday,
)
from billforge.domain.money import ZERO, Currency, round_money
from billforge.domain.periods import (
    ONE_DAY,
    BillingCycle,
    Period,
    add_months,
    months_per_period,
    prorate,
    proration_fraction,
    weekday_of,
)
from billforge.domain.rating import rate
from billforge.domain.rules import BillingRules
from billforge.domain.subscriptions import (
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    TermType,
    UsageRecord,
)
from billforge.errors import Unsupported


class UnsupportedScheduleError(Unsupported):
    """The charge's timing attributes are a combination the billing core cannot bill."""


@dataclass(frozen=True, slots=True)
class DueItem:
    """One item a charge owes: service dates inclusive, amount rounded to the currency."""

    charge_id: str
    service_start: date
    service_end: date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    kind: ItemKind = ItemKind.CHARGE
    is_prorated: bool = False
    period_start: date | None = None

    @property
    def discount_date(self) -> date:
        """The day a percentage discount must be active on to discount this item: its service start,
        or for a credit, the start of the billed period it gives back."""
        return self.period_start or self.service_start


@dataclass(frozen=True, slots=True)
class ChargeSchedule:
    """What a charge owes now, and its charged-through date once those items are billed."""

    items: tuple[DueItem, ...]
    charged_through_date: date | None


class ServicedItem(Protocol):
    @property
    def service_start(self) -> date: ...
    @property
    def service_end(self) -> date: ...
    @property
    def kind(self) -> ItemKind: ...


# --- dates of a charge -------------------------------------------------------------------------


def _subscription_trigger_date(charge: RatePlanCharge, subscription: Subscription) -> date | None:
    if charge.trigger_event is TriggerEvent.CONTRACT_EFFECTIVE:
        return subscription.contract_effective_date
    if charge.trigger_event is TriggerEvent.SERVICE_ACTIVATION:
        return subscription.service_activation_date
    if charge.trigger_event is TriggerEvent.CUSTOMER_ACCEPTANCE:
        return subscription.customer_acceptance_date
    return None


def charge_trigger_date(charge: RatePlanCharge, subscription: Subscription) -> date | None:
    """The date the charge starts billing from, or ``None`` while it is not triggered."""
    if charge.effective_start_date is not None:
        return charge.effective_start_date
    return _subscription_trigger_date(charge, subscription)


def charge_end_date(charge: RatePlanCharge, subscription: Subscription, trigger: date) -> date | None:
    """The first day the charge no longer serves (``None``: open-ended)."""
    ends: list[date] = []
    if subscription.term_type is TermType.TERMED and subscription.term_end_date is not None:
        ends.append(subscription.term_end_date)
    if subscription.cancelled_date is not None:
        ends.append(subscription.cancelled_date)
    if charge.end_date_condition is EndDateCondition.FIXED_PERIOD:
        if charge.up_to_periods is None or charge.up_to_periods < 1:
            raise UnsupportedScheduleError(
                f"charge {charge.charge_number}: FixedPeriod needs up_to_periods >= 1", field="upToPeriods"
            )
        months = months_per_period(charge.billing_period, charge.specific_billing_period)
        if months is None:
            ends.append(trigger + 7 * charge.up_to_periods * ONE_DAY)
        else:
            ends.append(add_months(trigger, months * charge.up_to_periods))
    elif charge.end_date_condition is EndDateCondition.SPECIFIC_END_DATE:
        if charge.specific_end_date is None:
            raise UnsupportedScheduleError(
                f"charge {charge.charge_number}: SpecificEndDate needs a date", field="specificEndDate"
            )
        ends.append(charge.specific_end_date)
    return min(ends) if ends else None


def charge_bill_cycle_day(
    charge: RatePlanCharge, subscription: Subscription, account_bill_cycle_day: int, trigger: date
) -> int:
    """The day of the month a monthly-based charge's periods start on (Zuora's BillCycleType)."""
    kind = charge.bill_cycle_type
    if kind is BillCycleType.DEFAULT_FROM_CUSTOMER:
        return account_bill_cycle_day
    if kind is BillCycleType.SPECIFIC_DAY_OF_MONTH:
        if charge.bill_cycle_day is None:
            raise UnsupportedScheduleError(
                f"charge {charge.charge_number}: SpecificDayofMonth needs a bill cycle day", field="billCycleDay"
            )
        return charge.bill_cycle_day
    if kind is BillCycleType.SUBSCRIPTION_START_DAY:
        return (_subscription_trigger_date(charge, subscription) or subscription.contract_effective_date).day
    if kind is BillCycleType.CHARGE_TRIGGER_DAY:
        return trigger.day
    period = charge.billing_period.value
    raise UnsupportedScheduleError(
        f"charge {charge.charge_number}: bill cycle type {kind.value} cannot bill a {period} period",
        field="billCycleType",
    )


def charge_weekday(charge: RatePlanCharge, subscription: Subscription, trigger: date) -> Weekday:
    """The weekday a weekly charge's periods start on.

    SpecificDayofWeek uses the charge's weekly bill cycle day; SubscriptionStartDay the weekday the
    subscription started; ChargeTriggerDay and DefaultFromCustomer (an account has no weekly bill
    cycle day) the weekday of the charge's trigger date.
    """
    kind = charge.bill_cycle_type
    if kind is BillCycleType.SPECIFIC_DAY_OF_WEEK:
        if charge.weekly_bill_cycle_day is None:
            raise UnsupportedScheduleError(
                f"charge {charge.charge_number}: SpecificDayofWeek needs a weekday", field="weeklyBillCycleDay"
            )
        return charge.weekly_bill_cycle_day
    if kind is BillCycleType.SUBSCRIPTION_START_DAY:
        return weekday_of(_subscription_trigger_date(charge, subscription) or subscription.contract_effective_date)
    if kind in (BillCycleType.CHARGE_TRIGGER_DAY, BillCycleType.DEFAULT_FROM_CUSTOMER):
        return weekday_of(trigger)
    raise UnsupportedScheduleError(
        f"charge {charge.charge_number}: bill cycle type {kind.value} is not weekly", field="billCycleType"
    )


def billing_cycle(
    charge: RatePlanCharge, subscription: Subscription, account_bill_cycle_day: int, trigger: date
) -> BillingCycle:
    """The grid of full billing periods of a recurring or usage charge.

    The grid starts on the first bill cycle date on or after the alignment date: the charge's
    trigger date (AlignToCharge), the subscription's start (AlignToSubscriptionStart) or the
    current term's start (AlignToTermStart).
    """
    alignment = charge.billing_period_alignment
    if alignment is BillingPeriodAlignment.ALIGN_TO_CHARGE:
        anchor = trigger
    elif alignment is BillingPeriodAlignment.ALIGN_TO_SUBSCRIPTION_START:
        anchor = subscription.contract_effective_date
    elif alignment is BillingPeriodAlignment.ALIGN_TO_TERM_START:
        anchor = subscription.current_term_start
    else:
        raise UnsupportedScheduleError(
            f"billing period alignment {alignment.value} is not supported", field="billingPeriodAlignment"
        )
    months = months_per_period(charge.billing_period, charge.specific_billing_period)
    if months is None:
        return BillingCycle.weekly(aligned_to=anchor, weekday=charge_weekday(charge, subscription, trigger))
    bcd = charge_bill_cycle_day(charge, subscription, account_bill_cycle_day, trigger)
    return BillingCycle.monthly(aligned_to=anchor, bill_cycle_day=bcd, months=months)


def price_factor(charge: RatePlanCharge, cycle: BillingCycle) -> Fraction:
    """How many list prices one billing period costs (Zuora's list price base)."""
    base = charge.list_price_base
    if base is ListPriceBase.PER_BILLING_PERIOD:
        return Fraction(1)
    if cycle.months is None and base is ListPriceBase.PER_WEEK:
        return Fraction(1)
    if cycle.months is not None and base is ListPriceBase.PER_MONTH:
        return Fraction(cycle.months)
    if cycle.months is not None and base is ListPriceBase.PER_YEAR:
        return Fraction(cycle.months, 12)
    raise UnsupportedScheduleError(
        f"charge {charge.charge_number}: list price base {base.value} with a {charge.billing_period.value} period",
        field="listPriceBase",
    )


# --- coverage: what is billed, day by day ------------------------------------------------------


def _coverage(items: Iterable[ServicedItem]) -> Counter[date]:
    """Net number of billed items covering each day: charges and discounts +1, credits -1."""
    cover: Counter[date] = Counter()
    for item in items:
        step = -1 if item.kind is ItemKind.CREDIT else 1
        day = item.service_start
        while day <= item.service_end:
            cover[day] += step
            day += ONE_DAY
    return cover


def charged_through_date(items: Iterable[ServicedItem]) -> date | None:
    """The day after the last day still billed (net of credits); ``None`` when nothing is billed."""
    covered = [day for day, count in _coverage(items).items() if count > 0]
    return max(covered) + ONE_DAY if covered else None


def _runs(full: Period, entitled: Period | None, cover: Counter[date]) -> list[tuple[Period, int]]:
    """Split a full period into runs of days with the same non-zero need (active minus covered)."""
    runs: list[tuple[Period, int]] = []
    run_start: date | None = None
    run_need = 0
    day = full.start
    while day <= full.end:
        need = 0
        if day < full.end:
            need = (1 if entitled is not None and day in entitled else 0) - cover.get(day, 0)
        if need != run_need:
            if run_need != 0 and run_start is not None:
                runs.append((Period(run_start, day), run_need))
            run_start, run_need = day, need
        day += ONE_DAY
    return runs


def _is_due(timing: BillingTiming, run: Period, target_date: date) -> bool:
    if timing is BillingTiming.IN_ADVANCE:
        return run.start <= target_date
    return run.end <= target_date


# --- the schedule ------------------------------------------------------------------------------


def due_items(
    *,
    charge: RatePlanCharge,
    subscription: Subscription,
    rules: BillingRules,
    account_bill_cycle_day: int,
    target_date: date,
    currency: Currency,
    usage: Sequence[UsageRecord] = (),
    billed: Sequence[BilledItem] = (),
) -> ChargeSchedule:
    """Everything this charge owes on or before the target date that is not billed yet.

    Discount-Percentage charges owe nothing by themselves: the generator applies them to the items
    they discount. ``billed`` and ``usage`` may hold other charges' records; they are filtered.
    """
    own_billed = [b for b in billed if b.charge_id == charge.charge_id]
    trigger = charge_trigger_date(charge, subscription)
    items: list[DueItem] = []
    if trigger is not None and charge.charge_model is not ChargeModel.DISCOUNT_PERCENTAGE:
        end = charge_end_date(charge, subscription, trigger)
        if end is None or trigger < end:
            if charge.charge_type is ChargeType.ONE_TIME:
                items = _one_time(charge, trigger, target_date, currency, own_billed)
            elif charge.charge_type is ChargeType.RECURRING:
                cycle = billing_cycle(charge, subscription, account_bill_cycle_day, trigger)
                items = _recurring(charge, cycle, rules, trigger, end, target_date, currency, own_billed)
            else:
                cycle = billing_cycle(charge, subscription, account_bill_cycle_day, trigger)
                own_usage = [u for u in usage if u.charge_id == charge.charge_id]
                items = _usage(charge, cycle, trigger, end, target_date, currency, own_usage, own_billed)
    return ChargeSchedule(tuple(items), charged_through_date([*own_billed, *items]))


def _item_kind(charge: RatePlanCharge) -> ItemKind:
    return ItemKind.DISCOUNT if charge.charge_model is ChargeModel.DISCOUNT_FIXED_AMOUNT else ItemKind.CHARGE


def _one_time(
    charge: RatePlanCharge, trigger: date, target_date: date, currency: Currency, billed: Sequence[BilledItem]
) -> list[DueItem]:
    if trigger > target_date:
        return []
    if sum(-1 if b.kind is ItemKind.CREDIT else 1 for b in billed) > 0:
        return []
    rated = rate(charge.quantity, charge)
    amount = round_money(rated.amount, currency)
    return [DueItem(charge.charge_id, trigger, trigger, charge.quantity, rated.unit_price, amount, _item_kind(charge))]


def _recurring(
    charge: RatePlanCharge,
    cycle: BillingCycle,
    rules: BillingRules,
    start: date,
    end: date | None,
    target_date: date,
    currency: Currency,
    billed: Sequence[BilledItem],
) -> list[DueItem]:
    rated = rate(charge.quantity, charge)
    factor = price_factor(charge, cycle)
    cover = _coverage(billed)
    scan_start = min([start, *(b.service_start for b in billed)])
    scan_end = max([target_date, *(b.service_end for b in billed)]) + ONE_DAY
    items: list[DueItem] = []
    for full in cycle.periods(scan_start, scan_end):
        entitled = full.intersect(start, end)
        runs = _runs(full, entitled, cover)
        period_items: list[DueItem] = []
        complete = True  # does this call leave the period exactly billed (every active day once)?
        for run, need in runs:
            if need > 0 and not _is_due(charge.billing_timing, run, target_date):
                complete = False
                continue
            if need < 0 and run.start > target_date:
                complete = False
                continue
            if abs(need) != 1:
                complete = False
            amount = round_money(prorate(rated.amount, factor * proration_fraction(run, full, cycle, rules)), currency)
            kind = _item_kind(charge) if need > 0 else ItemKind.CREDIT
            item = DueItem(
                charge.charge_id,
                run.start,
                run.last_day,
                charge.quantity,
                rated.unit_price,
                amount if need > 0 else -amount,
                kind,
                is_prorated=run != full,
                period_start=None if need > 0 else max(full.start, start),
            )
            period_items.extend([item] * abs(need))
        if complete and period_items:
            period_items[-1] = _settle(
                period_items[-1], full, entitled, billed, period_items, rated.amount, factor, cycle, rules, currency
            )
        items.extend(period_items)
    return items


def _settle(
    last: DueItem,
    full: Period,
    entitled: Period | None,
    billed: Sequence[BilledItem],
    new: Sequence[DueItem],
    price: Decimal,
    factor: Fraction,
    cycle: BillingCycle,
    rules: BillingRules,
    currency: Currency,
) -> DueItem:
    """When a period ends up billed in several pieces, the last piece takes the rounding: the
    period's pieces then sum to exactly what billing it in one go gives (round once, not per piece),
    so that generating at T1 then T2 bills what one generation at T2 bills.

    Only for pieces of one grid: when a billed item overlaps the period but does not lie inside it
    (it was billed on another grid, before the account's bill cycle day changed), the period was
    never billed as a whole, so there is no whole to settle against; each new piece keeps its own
    prorated amount (Zuora's "Change BCD after subscription activation": 07/01..07/09 of the new
    period 04/10..07/09 bills $300 x 9/91 = $29.67)."""
    overlapping = [b for b in billed if b.service_start < full.end and b.service_end >= full.start]
    if any(b.service_start < full.start or b.service_end >= full.end for b in overlapping):
        return last
    whole = (
        ZERO
        if entitled is None
        else round_money(prorate(price, factor * proration_fraction(entitled, full, cycle, rules)), currency)
    )
    earlier = sum((b.amount for b in billed if full.start <= b.service_start and b.service_end < full.end), ZERO)
    pieces = sum((item.amount for item in new), ZERO)
    gap = whole - earlier - pieces
    if gap == ZERO:
        return last
    return replace(last, amount=last.amount + gap)


def _usage(
    charge: RatePlanCharge,
    cycle: BillingCycle,
    start: date,
    end: date | None,
    target_date: date,
    currency: Currency,
    usage: Sequence[UsageRecord],
    billed: Sequence[BilledItem],
) -> list[DueItem]:
    stop = target_date if end is None else min(end, target_date)
    if stop <= start:
        return []
    items: list[DueItem] = []
    for full in cycle.periods(start, stop):
        segment = full.intersect(start, end)
        if segment is None or segment.end > target_date:
            continue
        records = [u for u in usage if u.start_date in segment]
        quantity = sum((u.quantity for u in records), ZERO)
        prior = [
            b
            for b in billed
            if b.kind is not ItemKind.CREDIT and b.service_start < segment.end and b.service_end >= segment.start
        ]
        rated = rate(quantity, charge)
        total = round_money(rated.amount, currency)
        if prior:
            new_quantity = quantity - sum((b.quantity for b in prior), ZERO)
            if new_quantity <= ZERO:
                continue
            amount = total - sum((b.amount for b in prior), ZERO)
        else:
            if not records and charge.charge_model is not ChargeModel.FLAT_FEE:
                continue
            new_quantity, amount = quantity, total
        items.append(DueItem(charge.charge_id, segment.start, segment.last_day, new_quantity, rated.unit_price, amount))
    return items

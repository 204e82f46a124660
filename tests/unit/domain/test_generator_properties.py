"""Exactly once: generating in steps bills exactly what one generation bills, and nothing twice.

For random subscriptions (every charge type, model, billing period, bill cycle type, alignment,
timing, trigger event and end condition, termed or evergreen, cancelled or not), random usage,
random billing rules and random target dates T1 < ... < Tn: generating at each Ti with the items
of the earlier runs as already billed produces the same multiset of items as one generation at Tn.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    DiscountLevel,
    EndDateCondition,
    PriceFormat,
    TriggerEvent,
    Weekday,
)
from billforge.domain.generator import GeneratedInvoice, generate
from billforge.domain.money import JPY, USD, Currency
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.domain.subscriptions import (
    Account,
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    TermType,
    Tier,
    UsageRecord,
)

EPOCH = date(2023, 11, 1)


def days(lo: int, hi: int) -> st.SearchStrategy[date]:
    return st.integers(lo, hi).map(lambda n: EPOCH + timedelta(days=n))


def sometimes_none(strategy: st.SearchStrategy[date]) -> st.SearchStrategy[date | None]:
    """Mostly a date, a quarter of the time ``None``."""
    return st.one_of(st.none(), strategy, strategy, strategy)


prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("999.9999"), places=4)
quantities = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[Tier, ...]:
    ends = sorted(set(draw(st.lists(st.integers(1, 60), min_size=0, max_size=3))))
    fmt = st.sampled_from(list(PriceFormat))
    tiers = []
    lower = 0
    for n, end in enumerate(ends, start=1):
        tiers.append(Tier(n, Decimal(lower), Decimal(end), draw(prices), draw(fmt)))
        lower = end + 1
    tiers.append(Tier(len(ends) + 1, Decimal(lower), None, draw(prices), draw(fmt)))
    return tuple(tiers)


MODELS = {
    ChargeType.ONE_TIME: [ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT, ChargeModel.TIERED, ChargeModel.VOLUME],
    ChargeType.RECURRING: [
        ChargeModel.FLAT_FEE,
        ChargeModel.PER_UNIT,
        ChargeModel.TIERED,
        ChargeModel.VOLUME,
        ChargeModel.DISCOUNT_FIXED_AMOUNT,
        ChargeModel.DISCOUNT_PERCENTAGE,
    ],
    ChargeType.USAGE: [
        ChargeModel.FLAT_FEE,
        ChargeModel.PER_UNIT,
        ChargeModel.TIERED,
        ChargeModel.VOLUME,
        ChargeModel.OVERAGE,
        ChargeModel.TIERED_WITH_OVERAGE,
    ],
}


@st.composite
def charges(draw: st.DrawFn, sub_index: int, index: int) -> RatePlanCharge:
    charge_type = draw(st.sampled_from(list(ChargeType)))
    model = draw(st.sampled_from(MODELS[charge_type]))
    period = draw(
        st.sampled_from(
            [
                BillingPeriod.MONTH,
                BillingPeriod.QUARTER,
                BillingPeriod.SEMI_ANNUAL,
                BillingPeriod.ANNUAL,
                BillingPeriod.WEEK,
                BillingPeriod.SPECIFIC_MONTHS,
            ]
        )
    )
    if period is BillingPeriod.WEEK:
        cycle = draw(
            st.sampled_from(
                [
                    BillCycleType.SPECIFIC_DAY_OF_WEEK,
                    BillCycleType.CHARGE_TRIGGER_DAY,
                    BillCycleType.DEFAULT_FROM_CUSTOMER,
                ]
            )
        )
    else:
        cycle = draw(
            st.sampled_from(
                [
                    BillCycleType.DEFAULT_FROM_CUSTOMER,
                    BillCycleType.SPECIFIC_DAY_OF_MONTH,
                    BillCycleType.SUBSCRIPTION_START_DAY,
                    BillCycleType.CHARGE_TRIGGER_DAY,
                ]
            )
        )
    end_condition = draw(st.sampled_from(list(EndDateCondition)))
    tiers: tuple[Tier, ...] = ()
    if model in (ChargeModel.TIERED, ChargeModel.VOLUME, ChargeModel.TIERED_WITH_OVERAGE):
        tiers = draw(tier_tables())
    if model is ChargeModel.TIERED_WITH_OVERAGE:
        tiers = tuple(t for t in tiers if t.ending_unit is not None) or (Tier(1, Decimal(0), Decimal(10), Decimal(1)),)
        tiers += (Tier(len(tiers) + 1, Decimal(0), None, draw(prices), is_overage=True),)
    kw: dict[str, Any] = {
        "price": draw(prices),
        "tiers": tiers,
        "quantity": draw(quantities),
        "included_units": draw(quantities),
        "discount_percentage": draw(st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)),
        "discount_amount": draw(prices),
        "discount_level": draw(st.sampled_from(list(DiscountLevel))),
        "billing_period": period,
        "specific_billing_period": draw(st.integers(1, 4)),
        "billing_timing": draw(st.sampled_from(list(BillingTiming))),
        "bill_cycle_type": cycle,
        "bill_cycle_day": draw(st.integers(1, 31)),
        "weekly_bill_cycle_day": draw(st.sampled_from(list(Weekday))),
        "billing_period_alignment": draw(
            st.sampled_from(
                [
                    BillingPeriodAlignment.ALIGN_TO_CHARGE,
                    BillingPeriodAlignment.ALIGN_TO_SUBSCRIPTION_START,
                    BillingPeriodAlignment.ALIGN_TO_TERM_START,
                ]
            )
        ),
        "trigger_event": draw(
            st.sampled_from(
                [TriggerEvent.CONTRACT_EFFECTIVE, TriggerEvent.SERVICE_ACTIVATION, TriggerEvent.CUSTOMER_ACCEPTANCE]
            )
        ),
        "effective_start_date": draw(st.none() | st.none() | days(0, 200)),
        "end_date_condition": end_condition,
        "up_to_periods": draw(st.integers(1, 5)),
        "specific_end_date": draw(days(30, 500)),
        "rate_plan_id": draw(st.sampled_from(["rp1", "rp2"])),
    }
    return RatePlanCharge(f"c{sub_index}-{index}", f"C-{sub_index}-{index:02d}", "charge", charge_type, model, **kw)


@st.composite
def subscriptions(draw: st.DrawFn, index: int) -> Subscription:
    start = draw(days(0, 150))
    termed = draw(st.booleans())
    return Subscription(
        subscription_id=f"s{index}",
        number=f"S-{index}",
        contract_effective_date=start,
        service_activation_date=draw(sometimes_none(days(0, 200))),
        customer_acceptance_date=draw(sometimes_none(days(0, 200))),
        term_type=TermType.TERMED if termed else TermType.EVERGREEN,
        term_start_date=draw(st.none() | days(0, 200)),
        term_end_date=start + timedelta(days=draw(st.integers(20, 500))),
        cancelled_date=draw(st.none() | st.none() | days(10, 500)),
        invoice_separately=draw(st.booleans()),
        charges=tuple(draw(charges(index, n)) for n in range(draw(st.integers(1, 4)))),
    )


@st.composite
def accounts(draw: st.DrawFn) -> dict[str, Any]:
    subs = [draw(subscriptions(n)) for n in range(draw(st.integers(1, 3)))]
    usage_charges = [c.charge_id for s in subs for c in s.charges if c.charge_type is ChargeType.USAGE]
    usage: list[UsageRecord] = []
    if usage_charges:
        for n in range(draw(st.integers(0, 20))):
            usage.append(
                UsageRecord(f"u{n}", draw(st.sampled_from(usage_charges)), draw(days(0, 500)), draw(quantities))
            )
    targets = sorted(set(draw(st.lists(days(0, 560), min_size=2, max_size=4))))
    return {
        "subscriptions": subs,
        "usage": usage,
        "targets": targets,
        "account": Account("acc", bill_cycle_day=draw(st.integers(1, 31))),
        "rules": BillingRules(
            proration_unit=draw(st.sampled_from(list(ProrationUnit))),
            day_count=draw(st.sampled_from(list(DayCountRule))),
        ),
        "currency": draw(st.sampled_from([USD, JPY])),
    }


Key = tuple[str, date, date, Decimal, ItemKind, Decimal]


def _keys(invoices: list[GeneratedInvoice]) -> list[Key]:
    return [
        (i.charge_id, i.service_start, i.service_end, i.amount, i.kind, i.quantity)
        for inv in invoices
        for i in inv.items
    ]


def _generate(case: dict[str, Any], target: date, billed: list[BilledItem]) -> list[GeneratedInvoice]:
    currency: Currency = case["currency"]
    return generate(
        account=case["account"],
        subscriptions=case["subscriptions"],
        usage=case["usage"],
        billed=billed,
        target_date=target,
        rules=case["rules"],
        currency=currency,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(accounts())
def test_generating_in_steps_bills_exactly_what_one_generation_bills(case: dict[str, Any]) -> None:
    targets: list[date] = case["targets"]
    billed: list[BilledItem] = []
    stepped: list[Key] = []
    for target in targets:
        invoices = _generate(case, target, billed)
        assert all(inv.items for inv in invoices), "an empty invoice was returned"
        stepped.extend(_keys(invoices))
        billed.extend(i.as_billed() for inv in invoices for i in inv.items)

    at_once = _keys(_generate(case, targets[-1], []))
    assert Counter(stepped) == Counter(at_once)

    per_charge_stepped: Counter[str] = Counter()
    per_charge_once: Counter[str] = Counter()
    for key in stepped:
        per_charge_stepped[key[0]] += key[3]  # type: ignore[assignment]
    for key in at_once:
        per_charge_once[key[0]] += key[3]  # type: ignore[assignment]
    assert per_charge_stepped == per_charge_once

    # A last generation at the same target finds nothing left to bill.
    assert _generate(case, targets[-1], billed) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(accounts())
def test_no_day_is_billed_twice(case: dict[str, Any]) -> None:
    invoices = _generate(case, case["targets"][-1], [])
    charges = {c.charge_id: c for s in case["subscriptions"] for c in s.charges}
    covered: Counter[tuple[str, date]] = Counter()
    for inv in invoices:
        for item in inv.items:
            charge = charges[item.charge_id]
            if charge.charge_model is ChargeModel.DISCOUNT_PERCENTAGE:
                continue  # one discount item per discounted item, checked through the items themselves
            assert item.kind is not ItemKind.CREDIT
            day = item.service_start
            while day <= item.service_end:
                covered[(item.charge_id, day)] += 1
                day += timedelta(days=1)
    assert not [key for key, count in covered.items() if count > 1]

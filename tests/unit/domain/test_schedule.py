"""What one charge owes by a target date: triggers, bill cycle days, alignment, timing, end dates,
cancellation credits, renewals, usage, and the charged-through date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    EndDateCondition,
    ListPriceBase,
    PriceFormat,
    TriggerEvent,
    Weekday,
)
from billforge.domain.money import JPY, USD, Currency
from billforge.domain.rules import BillingRules
from billforge.domain.schedule import (
    ChargeSchedule,
    DueItem,
    UnsupportedScheduleError,
    charge_trigger_date,
    charged_through_date,
    due_items,
)
from billforge.domain.subscriptions import (
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    TermType,
    Tier,
    UsageRecord,
)

D = Decimal
RULES = BillingRules()


def charge(**kw: Any) -> RatePlanCharge:
    defaults: dict[str, Any] = {
        "charge_id": "c1",
        "charge_number": "C-00000001",
        "name": "Base",
        "charge_type": ChargeType.RECURRING,
        "charge_model": ChargeModel.FLAT_FEE,
        "price": D("100"),
    }
    defaults.update(kw)
    return RatePlanCharge(**defaults)


def sub(c: RatePlanCharge, start: date = date(2024, 3, 1), **kw: Any) -> Subscription:
    return Subscription("s1", "A-S00000001", start, charges=(c,), **kw)


def due(
    c: RatePlanCharge,
    s: Subscription,
    target: date,
    *,
    bcd: int = 1,
    billed: list[BilledItem] | None = None,
    usage: list[UsageRecord] | None = None,
    rules: BillingRules = RULES,
    currency: Currency = USD,
) -> ChargeSchedule:
    return due_items(
        charge=c,
        subscription=s,
        rules=rules,
        account_bill_cycle_day=bcd,
        target_date=target,
        currency=currency,
        usage=usage or [],
        billed=billed or [],
    )


def rows(schedule: ChargeSchedule) -> list[tuple[date, date, Decimal, ItemKind]]:
    return [(i.service_start, i.service_end, i.amount, i.kind) for i in schedule.items]


def as_billed(items: tuple[DueItem, ...]) -> list[BilledItem]:
    return [BilledItem(i.charge_id, i.service_start, i.service_end, i.amount, i.kind, i.quantity) for i in items]


C = ItemKind.CHARGE


# --- trigger events ----------------------------------------------------------------------------


def test_missing_activation_date_means_not_triggered() -> None:
    c = charge(trigger_event=TriggerEvent.SERVICE_ACTIVATION)
    s = sub(c)
    assert charge_trigger_date(c, s) is None
    schedule = due(c, s, date(2024, 12, 31))
    assert schedule.items == ()
    assert schedule.charged_through_date is None


def test_service_activation_trigger() -> None:
    c = charge(trigger_event=TriggerEvent.SERVICE_ACTIVATION)
    s = sub(c, service_activation_date=date(2024, 3, 10))
    # 100.00 * 22/31 = 70.967.. -> 70.97
    assert rows(due(c, s, date(2024, 3, 10))) == [(date(2024, 3, 10), date(2024, 3, 31), D("70.97"), C)]
    assert due(c, s, date(2024, 3, 9)).items == ()


def test_customer_acceptance_trigger() -> None:
    c = charge(trigger_event=TriggerEvent.CUSTOMER_ACCEPTANCE)
    s = sub(c, service_activation_date=date(2024, 3, 10), customer_acceptance_date=date(2024, 4, 1))
    assert rows(due(c, s, date(2024, 4, 1))) == [(date(2024, 4, 1), date(2024, 4, 30), D("100.00"), C)]


def test_effective_start_date_overrides_the_trigger_event() -> None:
    c = charge(effective_start_date=date(2024, 5, 1))
    assert rows(due(c, sub(c), date(2024, 5, 1))) == [(date(2024, 5, 1), date(2024, 5, 31), D("100.00"), C)]


# --- one-time charges --------------------------------------------------------------------------


def test_one_time_bills_once_on_its_trigger_date() -> None:
    c = charge(charge_type=ChargeType.ONE_TIME, charge_model=ChargeModel.PER_UNIT, price=D("10"), quantity=D("3"))
    s = sub(c)
    assert due(c, s, date(2024, 2, 29)).items == ()
    first = due(c, s, date(2024, 3, 1))
    # 3 * 10.00 = 30.00
    assert rows(first) == [(date(2024, 3, 1), date(2024, 3, 1), D("30.00"), C)]
    assert first.items[0].quantity == D("3")
    assert first.charged_through_date == date(2024, 3, 2)
    assert due(c, s, date(2024, 9, 1), billed=as_billed(first.items)).items == ()


def test_one_time_cancelled_before_its_trigger_bills_nothing() -> None:
    c = charge(charge_type=ChargeType.ONE_TIME, trigger_event=TriggerEvent.SERVICE_ACTIVATION)
    s = sub(c, service_activation_date=date(2024, 4, 1), cancelled_date=date(2024, 4, 1))
    assert due(c, s, date(2024, 5, 1)).items == ()


# --- bill cycle types --------------------------------------------------------------------------


def test_default_from_customer_uses_the_account_bcd() -> None:
    c = charge()
    # Billing month Feb 15..Mar 14 2024 has 29 days: 100.00 * 14/29 = 48.275.. -> 48.28
    assert rows(due(c, sub(c), date(2024, 3, 1), bcd=15)) == [(date(2024, 3, 1), date(2024, 3, 14), D("48.28"), C)]


def test_specific_day_of_month() -> None:
    c = charge(bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH, bill_cycle_day=20)
    # Billing month Feb 20..Mar 19 has 29 days: 100.00 * 19/29 = 65.517.. -> 65.52
    assert rows(due(c, sub(c), date(2024, 3, 1), bcd=15)) == [(date(2024, 3, 1), date(2024, 3, 19), D("65.52"), C)]


def test_specific_day_of_month_needs_a_day() -> None:
    c = charge(bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH)
    with pytest.raises(UnsupportedScheduleError, match="bill cycle day"):
        due(c, sub(c), date(2024, 3, 1))


def test_subscription_start_day() -> None:
    c = charge(bill_cycle_type=BillCycleType.SUBSCRIPTION_START_DAY, effective_start_date=date(2024, 3, 1))
    s = sub(c, start=date(2024, 1, 10))
    # BCD 10; billing month Feb 10..Mar 9 has 29 days: 100.00 * 9/29 = 31.034.. -> 31.03
    assert rows(due(c, s, date(2024, 3, 1))) == [(date(2024, 3, 1), date(2024, 3, 9), D("31.03"), C)]


def test_charge_trigger_day_never_prorates_the_start() -> None:
    c = charge(bill_cycle_type=BillCycleType.CHARGE_TRIGGER_DAY)
    assert rows(due(c, sub(c, start=date(2024, 3, 7)), date(2024, 3, 7))) == [
        (date(2024, 3, 7), date(2024, 4, 6), D("100.00"), C)
    ]


def test_specific_day_of_week() -> None:
    c = charge(
        price=D("70"),
        billing_period=BillingPeriod.WEEK,
        bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_WEEK,
        weekly_bill_cycle_day=Weekday.MONDAY,
    )
    # 2024-03-06 is a Wednesday: Wed..Sun is 5 days, 70.00 * 5/7 = 50.00; then Mon 11 .. Sun 17.
    assert rows(due(c, sub(c, start=date(2024, 3, 6)), date(2024, 3, 11))) == [
        (date(2024, 3, 6), date(2024, 3, 10), D("50.00"), C),
        (date(2024, 3, 11), date(2024, 3, 17), D("70.00"), C),
    ]


def test_weekly_charge_trigger_day() -> None:
    c = charge(billing_period=BillingPeriod.WEEK, bill_cycle_type=BillCycleType.CHARGE_TRIGGER_DAY)
    assert rows(due(c, sub(c, start=date(2024, 3, 6)), date(2024, 3, 6))) == [
        (date(2024, 3, 6), date(2024, 3, 12), D("100.00"), C)
    ]


def test_weekly_bill_cycle_type_on_a_monthly_charge_is_refused() -> None:
    c = charge(bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_WEEK, weekly_bill_cycle_day=Weekday.MONDAY)
    with pytest.raises(UnsupportedScheduleError, match="SpecificDayofWeek"):
        due(c, sub(c), date(2024, 3, 1))


# --- billing period alignment ------------------------------------------------------------------


def _quarterly(alignment: BillingPeriodAlignment) -> RatePlanCharge:
    return charge(
        price=D("300"),
        billing_period=BillingPeriod.QUARTER,
        billing_period_alignment=alignment,
        effective_start_date=date(2024, 2, 15),
    )


def test_align_to_charge() -> None:
    c = _quarterly(BillingPeriodAlignment.ALIGN_TO_CHARGE)
    # The grid starts on the first BCD after the charge: Mar 1. Feb 15..29 is 15 of Feb's 29 days:
    # 300.00 * (15/29) / 3 = 51.724.. -> 51.72
    assert rows(due(c, sub(c, start=date(2024, 1, 1)), date(2024, 3, 1))) == [
        (date(2024, 2, 15), date(2024, 2, 29), D("51.72"), C),
        (date(2024, 3, 1), date(2024, 5, 31), D("300.00"), C),
    ]


def test_align_to_subscription_start() -> None:
    c = _quarterly(BillingPeriodAlignment.ALIGN_TO_SUBSCRIPTION_START)
    # Quarter Jan 1..Mar 31: 300.00 * (15/29 + 1) / 3 = 151.724.. -> 151.72
    assert rows(due(c, sub(c, start=date(2024, 1, 1)), date(2024, 3, 1))) == [
        (date(2024, 2, 15), date(2024, 3, 31), D("151.72"), C),
    ]


def test_align_to_term_start() -> None:
    c = _quarterly(BillingPeriodAlignment.ALIGN_TO_TERM_START)
    s = sub(c, start=date(2024, 1, 1), term_start_date=date(2024, 2, 1))
    # Quarter Feb 1..Apr 30: 300.00 * (15/29 + 2) / 3 = 251.724.. -> 251.72
    assert rows(due(c, s, date(2024, 3, 1))) == [(date(2024, 2, 15), date(2024, 4, 30), D("251.72"), C)]


def test_align_to_term_end_is_refused() -> None:
    c = _quarterly(BillingPeriodAlignment.ALIGN_TO_TERM_END)
    with pytest.raises(UnsupportedScheduleError, match="AlignToTermEnd"):
        due(c, sub(c), date(2024, 3, 1))


# --- billing timing ----------------------------------------------------------------------------


def test_in_advance_is_due_on_the_period_start() -> None:
    c = charge()
    s = sub(c)
    assert len(due(c, s, date(2024, 3, 31)).items) == 1
    assert len(due(c, s, date(2024, 4, 1)).items) == 2


def test_in_arrears_is_due_the_day_after_the_period_ends() -> None:
    c = charge(billing_timing=BillingTiming.IN_ARREARS)
    s = sub(c)
    assert due(c, s, date(2024, 3, 31)).items == ()
    assert rows(due(c, s, date(2024, 4, 1))) == [(date(2024, 3, 1), date(2024, 3, 31), D("100.00"), C)]


def test_in_arrears_cancelled_period_is_due_once_it_ended() -> None:
    c = charge(billing_timing=BillingTiming.IN_ARREARS)
    s = sub(c, cancelled_date=date(2024, 3, 15))
    assert due(c, s, date(2024, 3, 14)).items == ()
    # 100.00 * 14/31 = 45.161.. -> 45.16
    assert rows(due(c, s, date(2024, 3, 15))) == [(date(2024, 3, 1), date(2024, 3, 14), D("45.16"), C)]


# --- end dates, renewal, cancellation ----------------------------------------------------------


def test_termed_subscription_prorates_its_last_period_and_stops() -> None:
    c = charge()
    s = sub(c, term_type=TermType.TERMED, term_end_date=date(2024, 6, 15))
    schedule = due(c, s, date(2024, 12, 31))
    # Jun 1..14 of a 30-day June: 100.00 * 14/30 = 46.666.. -> 46.67
    assert rows(schedule)[-1] == (date(2024, 6, 1), date(2024, 6, 14), D("46.67"), C)
    assert len(schedule.items) == 4
    assert schedule.items[-1].is_prorated
    assert schedule.charged_through_date == date(2024, 6, 15)


def test_evergreen_ignores_a_term_end() -> None:
    c = charge()
    s = sub(c, term_type=TermType.EVERGREEN, term_end_date=date(2024, 4, 1))
    assert len(due(c, s, date(2024, 6, 1)).items) == 4


def test_renewal_mid_period_bills_the_rest_of_the_period() -> None:
    c = charge()
    first = due(c, sub(c, term_type=TermType.TERMED, term_end_date=date(2024, 6, 15)), date(2024, 6, 1))
    renewed = sub(c, term_type=TermType.TERMED, term_end_date=date(2025, 6, 15))
    later = due(c, renewed, date(2024, 7, 1), billed=as_billed(first.items))
    # Jun 15..30 of June: 100.00 * 16/30 = 53.333.. -> 53.33
    assert rows(later) == [
        (date(2024, 6, 15), date(2024, 6, 30), D("53.33"), C),
        (date(2024, 7, 1), date(2024, 7, 31), D("100.00"), C),
    ]


def test_cancellation_before_billing_prorates_the_last_period() -> None:
    c = charge()
    # 100.00 * 14/31 = 45.161.. -> 45.16
    assert rows(due(c, sub(c, cancelled_date=date(2024, 3, 15)), date(2024, 3, 20))) == [
        (date(2024, 3, 1), date(2024, 3, 14), D("45.16"), C)
    ]


def test_cancellation_after_billing_in_advance_credits_the_unused_part() -> None:
    c = charge()
    billed = as_billed(due(c, sub(c), date(2024, 3, 1)).items)
    cancelled = sub(c, cancelled_date=date(2024, 3, 15))
    assert due(c, cancelled, date(2024, 3, 14), billed=billed).items == ()
    credit = due(c, cancelled, date(2024, 3, 15), billed=billed)
    # Mar 15..31 is 17 of 31 days: -(100.00 * 17/31) = -54.838.. -> -54.84
    assert rows(credit) == [(date(2024, 3, 15), date(2024, 3, 31), D("-54.84"), ItemKind.CREDIT)]
    assert credit.charged_through_date == date(2024, 3, 15)
    # Given once, the credit is not given again.
    assert due(c, cancelled, date(2024, 9, 1), billed=billed + as_billed(credit.items)).items == ()


def test_cancellation_credit_of_a_quarter() -> None:
    c = charge(price=D("300"), billing_period=BillingPeriod.QUARTER)
    s = sub(c, start=date(2024, 1, 1))
    billed = as_billed(due(c, s, date(2024, 1, 1)).items)
    cancelled = sub(c, start=date(2024, 1, 1), cancelled_date=date(2024, 2, 15))
    # Feb 15..29 is 15/29 of February, March is whole: -(300.00 * (15/29 + 1) / 3) = -151.724.. -> -151.72
    assert rows(due(c, cancelled, date(2024, 2, 15), billed=billed)) == [
        (date(2024, 2, 15), date(2024, 3, 31), D("-151.72"), ItemKind.CREDIT)
    ]


def test_cancelled_invoice_is_billed_again() -> None:
    c = charge()
    s = sub(c)
    first = due(c, s, date(2024, 4, 1))
    # Its invoice was cancelled: the items are no longer billed, so the same periods are due again.
    assert due(c, s, date(2024, 4, 1), billed=[]).items == first.items


def test_fixed_period_ends_after_its_periods() -> None:
    c = charge(
        end_date_condition=EndDateCondition.FIXED_PERIOD, up_to_periods=3, effective_start_date=date(2024, 1, 16)
    )
    schedule = due(c, sub(c, start=date(2024, 1, 1)), date(2024, 12, 1))
    # Ends Apr 16 (three months after Jan 16). Jan 16..31: 100.00 * 16/31 = 51.612.. -> 51.61;
    # Apr 1..15: 100.00 * 15/30 = 50.00
    assert rows(schedule) == [
        (date(2024, 1, 16), date(2024, 1, 31), D("51.61"), C),
        (date(2024, 2, 1), date(2024, 2, 29), D("100.00"), C),
        (date(2024, 3, 1), date(2024, 3, 31), D("100.00"), C),
        (date(2024, 4, 1), date(2024, 4, 15), D("50.00"), C),
    ]


def test_fixed_weekly_periods() -> None:
    c = charge(
        billing_period=BillingPeriod.WEEK,
        bill_cycle_type=BillCycleType.CHARGE_TRIGGER_DAY,
        end_date_condition=EndDateCondition.FIXED_PERIOD,
        up_to_periods=2,
    )
    assert len(due(c, sub(c), date(2024, 12, 1)).items) == 2


def test_fixed_period_needs_periods() -> None:
    c = charge(end_date_condition=EndDateCondition.FIXED_PERIOD)
    with pytest.raises(UnsupportedScheduleError, match="up_to_periods"):
        due(c, sub(c), date(2024, 3, 1))


def test_specific_end_date() -> None:
    c = charge(end_date_condition=EndDateCondition.SPECIFIC_END_DATE, specific_end_date=date(2024, 4, 10))
    # Apr 1..9: 100.00 * 9/30 = 30.00
    assert rows(due(c, sub(c), date(2024, 12, 1)))[-1] == (date(2024, 4, 1), date(2024, 4, 9), D("30.00"), C)
    with pytest.raises(UnsupportedScheduleError, match="SpecificEndDate"):
        bad = charge(end_date_condition=EndDateCondition.SPECIFIC_END_DATE)
        due(bad, sub(bad), date(2024, 3, 1))


# --- prices ------------------------------------------------------------------------------------


def test_per_unit_recurring_uses_the_quantity() -> None:
    c = charge(charge_model=ChargeModel.PER_UNIT, price=D("12.5"), quantity=D("4"))
    item = due(c, sub(c), date(2024, 3, 1)).items[0]
    assert (item.quantity, item.unit_price, item.amount) == (D("4"), D("12.5"), D("50.00"))


def test_list_price_per_month_on_a_quarter() -> None:
    c = charge(price=D("100"), billing_period=BillingPeriod.QUARTER, list_price_base=ListPriceBase.PER_MONTH)
    assert rows(due(c, sub(c, start=date(2024, 1, 1)), date(2024, 1, 1))) == [
        (date(2024, 1, 1), date(2024, 3, 31), D("300.00"), C)
    ]


def test_list_price_per_year_on_a_month() -> None:
    c = charge(price=D("1000"), list_price_base=ListPriceBase.PER_YEAR)
    # 1000.00 * 1/12 = 83.333.. -> 83.33
    assert due(c, sub(c), date(2024, 3, 1)).items[0].amount == D("83.33")


def test_list_price_per_week_on_a_month_is_refused() -> None:
    c = charge(list_price_base=ListPriceBase.PER_WEEK)
    with pytest.raises(UnsupportedScheduleError, match="Per_Week"):
        due(c, sub(c), date(2024, 3, 1))


def test_jpy_rounds_to_whole_yen() -> None:
    c = charge(price=D("1000"))
    # 1000 * 14/31 = 451.61.. -> 452
    assert due(c, sub(c, cancelled_date=date(2024, 3, 15)), date(2024, 4, 1), currency=JPY).items[0].amount == D("452")


def test_fixed_amount_discount_is_a_negative_recurring_item() -> None:
    c = charge(charge_model=ChargeModel.DISCOUNT_FIXED_AMOUNT, price=None, discount_amount=D("10"))
    # -10.00 * 17/31 = -5.483.. -> -5.48
    assert rows(due(c, sub(c, start=date(2024, 3, 15)), date(2024, 3, 15))) == [
        (date(2024, 3, 15), date(2024, 3, 31), D("-5.48"), ItemKind.DISCOUNT)
    ]


def test_percentage_discount_owes_nothing_by_itself() -> None:
    c = charge(charge_model=ChargeModel.DISCOUNT_PERCENTAGE, price=None, discount_percentage=D("10"))
    assert due(c, sub(c), date(2024, 6, 1)).items == ()


def test_other_charges_billed_items_are_ignored() -> None:
    c = charge()
    other = BilledItem("other", date(2024, 3, 1), date(2024, 3, 31), D("100"))
    assert len(due(c, sub(c), date(2024, 3, 1), billed=[other]).items) == 1


# --- usage -------------------------------------------------------------------------------------


def _usage_charge(**kw: Any) -> RatePlanCharge:
    base: dict[str, Any] = {
        "charge_id": "u1",
        "charge_type": ChargeType.USAGE,
        "charge_model": ChargeModel.PER_UNIT,
        "price": D("0.5"),
    }
    base.update(kw)
    return charge(**base)


USAGE = [
    UsageRecord("r1", "u1", date(2024, 3, 5), D("10")),
    UsageRecord("r2", "u1", date(2024, 3, 31), D("4")),
    UsageRecord("r3", "u1", date(2024, 4, 2), D("1")),
    UsageRecord("r4", "other", date(2024, 3, 2), D("1000")),
]


def test_usage_is_summed_per_period_and_billed_in_arrears() -> None:
    c = _usage_charge()
    s = sub(c)
    assert due(c, s, date(2024, 3, 31), usage=USAGE).items == ()
    schedule = due(c, s, date(2024, 4, 1), usage=USAGE)
    # (10 + 4) * 0.50 = 7.00; the April record waits for April to end.
    assert rows(schedule) == [(date(2024, 3, 1), date(2024, 3, 31), D("7.00"), C)]
    assert schedule.items[0].quantity == D("14")
    assert schedule.charged_through_date == date(2024, 4, 1)


def test_late_usage_bills_the_difference() -> None:
    c = _usage_charge()
    s = sub(c)
    billed = as_billed(due(c, s, date(2024, 4, 1), usage=USAGE).items)
    late = [*USAGE, UsageRecord("r5", "u1", date(2024, 3, 20), D("6"))]
    schedule = due(c, s, date(2024, 5, 1), usage=late, billed=billed)
    # March now has 20 units: 20 * 0.50 - 7.00 = 3.00 for the 6 late units; April 1 * 0.50 = 0.50
    assert [(i.service_start, i.quantity, i.amount) for i in schedule.items] == [
        (date(2024, 3, 1), D("6"), D("3.00")),
        (date(2024, 4, 1), D("1"), D("0.50")),
    ]


def test_tiered_usage_restarts_each_period() -> None:
    tiers = (Tier(1, D("0"), D("10"), D("2")), Tier(2, D("11"), None, D("1")))
    c = _usage_charge(charge_model=ChargeModel.TIERED, price=None, tiers=tiers)
    usage = [UsageRecord("a", "u1", date(2024, 3, 3), D("15")), UsageRecord("b", "u1", date(2024, 4, 3), D("5"))]
    # March: 10 * 2 + 5 * 1 = 25.00; April: 5 * 2 = 10.00
    assert [i.amount for i in due(c, sub(c), date(2024, 5, 1), usage=usage).items] == [D("25.00"), D("10.00")]


def test_usage_flat_fee_bills_without_usage() -> None:
    c = _usage_charge(charge_model=ChargeModel.FLAT_FEE, price=D("20"))
    assert [i.amount for i in due(c, sub(c), date(2024, 5, 1)).items] == [D("20.00"), D("20.00")]


def test_usage_without_records_bills_nothing() -> None:
    c = _usage_charge()
    assert due(c, sub(c), date(2024, 5, 1)).items == ()


def test_usage_outside_the_charge_dates_is_ignored() -> None:
    c = _usage_charge()
    s = sub(c, cancelled_date=date(2024, 3, 20))
    usage = [UsageRecord("a", "u1", date(2024, 3, 19), D("2")), UsageRecord("b", "u1", date(2024, 3, 25), D("9"))]
    # Only Mar 1..19 is served; due once it has ended (target >= Mar 20): 2 * 0.50 = 1.00
    assert rows(due(c, s, date(2024, 3, 20), usage=usage)) == [(date(2024, 3, 1), date(2024, 3, 19), D("1.00"), C)]


def test_usage_tiered_flat_fee_first_tier() -> None:
    tiers = (Tier(1, D("0"), D("100"), D("5"), PriceFormat.FLAT_FEE), Tier(2, D("101"), None, D("0.1")))
    c = _usage_charge(charge_model=ChargeModel.VOLUME, price=None, tiers=tiers)
    usage = [UsageRecord("a", "u1", date(2024, 3, 3), D("40"))]
    assert due(c, sub(c), date(2024, 4, 1), usage=usage).items[0].amount == D("5.00")


# --- charged-through date ----------------------------------------------------------------------


def test_charged_through_date_is_net_of_credits() -> None:
    items = [
        BilledItem("c1", date(2024, 3, 1), date(2024, 3, 31), D("100")),
        BilledItem("c1", date(2024, 3, 15), date(2024, 3, 31), D("-54.84"), ItemKind.CREDIT),
    ]
    assert charged_through_date(items) == date(2024, 3, 15)
    assert charged_through_date([]) is None

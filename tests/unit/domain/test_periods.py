"""Billing periods, bill cycle dates and proration fractions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from billforge.domain.catalog import BillingPeriod, Weekday
from billforge.domain.periods import (
    BillingCycle,
    Period,
    add_months,
    bill_cycle_date,
    days_30_360,
    first_bill_cycle_date,
    first_weekday,
    month_fraction,
    months_per_period,
    prorate,
    proration_fraction,
    weekday_of,
)
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.errors import InvalidValue, Unsupported

ACTUAL = DayCountRule.ACTUAL_DAYS
A360 = DayCountRule.THIRTY_DAYS_ACTUAL_360
STRICT = DayCountRule.STRICT_30_360


def test_period_is_half_open() -> None:
    p = Period(date(2024, 1, 1), date(2024, 2, 1))
    assert p.days == 31
    assert p.last_day == date(2024, 1, 31)
    assert date(2024, 1, 31) in p
    assert date(2024, 2, 1) not in p
    assert Period.inclusive(date(2024, 1, 1), date(2024, 1, 31)) == p


def test_period_refuses_no_days() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        Period(date(2024, 1, 1), date(2024, 1, 1))


def test_period_intersect() -> None:
    p = Period(date(2024, 1, 1), date(2024, 2, 1))
    assert p.intersect(date(2024, 1, 15), None) == Period(date(2024, 1, 15), date(2024, 2, 1))
    assert p.intersect(date(2023, 1, 1), date(2024, 1, 10)) == Period(date(2024, 1, 1), date(2024, 1, 10))
    assert p.intersect(date(2024, 2, 1), None) is None


@pytest.mark.parametrize(
    ("year", "month", "bcd", "expected"),
    [
        (2021, 2, 31, date(2021, 2, 28)),
        (2024, 2, 31, date(2024, 2, 29)),
        (2024, 2, 29, date(2024, 2, 29)),
        (2021, 2, 29, date(2021, 2, 28)),
        (2021, 3, 31, date(2021, 3, 31)),
        (2021, 4, 31, date(2021, 4, 30)),
        (2021, 4, 15, date(2021, 4, 15)),
    ],
)
def test_bill_cycle_date_clamps_to_month_end(year: int, month: int, bcd: int, expected: date) -> None:
    assert bill_cycle_date(year, month, bcd) == expected


@pytest.mark.parametrize("bcd", [0, 32])
def test_bill_cycle_day_out_of_range(bcd: int) -> None:
    with pytest.raises(InvalidValue, match="between 1 and 31"):
        bill_cycle_date(2024, 1, bcd)


def test_add_months_keeps_day_or_bcd() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 1) == date(2024, 3, 29)
    assert add_months(date(2024, 2, 29), 1, bill_cycle_day=31) == date(2024, 3, 31)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 1, 15), -2) == date(2023, 11, 15)


def test_first_bill_cycle_date() -> None:
    assert first_bill_cycle_date(date(2021, 2, 10), 31) == date(2021, 2, 28)
    assert first_bill_cycle_date(date(2021, 3, 1), 31) == date(2021, 3, 31)
    assert first_bill_cycle_date(date(2021, 1, 31), 31) == date(2021, 1, 31)
    assert first_bill_cycle_date(date(2021, 1, 16), 15) == date(2021, 2, 15)
    assert first_bill_cycle_date(date(2021, 12, 16), 1) == date(2022, 1, 1)


def test_weekdays() -> None:
    # 2018-01-01 is a Monday.
    assert weekday_of(date(2018, 1, 1)) is Weekday.MONDAY
    assert first_weekday(date(2018, 1, 1), Weekday.WEDNESDAY) == date(2018, 1, 3)
    assert first_weekday(date(2018, 1, 3), Weekday.WEDNESDAY) == date(2018, 1, 3)
    assert first_weekday(date(2018, 1, 4), Weekday.WEDNESDAY) == date(2018, 1, 10)
    assert first_weekday(date(2018, 1, 1), Weekday.SUNDAY) == date(2018, 1, 7)


@pytest.mark.parametrize(
    ("period", "specific", "months"),
    [
        (BillingPeriod.MONTH, None, 1),
        (BillingPeriod.QUARTER, None, 3),
        (BillingPeriod.SEMI_ANNUAL, None, 6),
        (BillingPeriod.ANNUAL, None, 12),
        (BillingPeriod.SPECIFIC_MONTHS, 5, 5),
        (BillingPeriod.WEEK, None, None),
    ],
)
def test_months_per_period(period: BillingPeriod, specific: int | None, months: int | None) -> None:
    assert months_per_period(period, specific) == months


def test_months_per_period_refuses() -> None:
    with pytest.raises(InvalidValue, match="Specific Months") as missing:
        months_per_period(BillingPeriod.SPECIFIC_MONTHS, None)
    assert missing.value.field == "specificBillingPeriod"
    with pytest.raises(Unsupported, match="not supported"):
        months_per_period(BillingPeriod.SUBSCRIPTION_TERM)


def test_monthly_grid_bcd_31_goes_back_to_31_after_february() -> None:
    cycle = BillingCycle.monthly(aligned_to=date(2021, 1, 31), bill_cycle_day=31, months=1)
    periods = list(cycle.periods(date(2021, 1, 31), date(2021, 5, 1)))
    assert periods == [
        Period(date(2021, 1, 31), date(2021, 2, 28)),
        Period(date(2021, 2, 28), date(2021, 3, 31)),
        Period(date(2021, 3, 31), date(2021, 4, 30)),
        Period(date(2021, 4, 30), date(2021, 5, 31)),
    ]


def test_grid_before_its_anchor() -> None:
    cycle = BillingCycle.monthly(aligned_to=date(2024, 1, 16), bill_cycle_day=1, months=3)
    assert cycle.anchor == date(2024, 2, 1)
    assert cycle.period_of(date(2024, 1, 16)) == Period(date(2023, 11, 1), date(2024, 2, 1))
    assert cycle.period_of(date(2024, 5, 1)) == Period(date(2024, 5, 1), date(2024, 8, 1))
    assert cycle.index_of(date(2023, 10, 31)) == -2


def test_weekly_grid() -> None:
    cycle = BillingCycle.weekly(aligned_to=date(2018, 1, 1), weekday=Weekday.WEDNESDAY)
    assert cycle.period_of(date(2018, 1, 1)) == Period(date(2017, 12, 27), date(2018, 1, 3))
    assert cycle.period_of(date(2018, 1, 9)) == Period(date(2018, 1, 3), date(2018, 1, 10))
    with pytest.raises(ValueError, match="weekly"):
        list(cycle.billing_months(Period(date(2018, 1, 3), date(2018, 1, 10))))


def test_billing_months_follow_the_bcd() -> None:
    cycle = BillingCycle.monthly(aligned_to=date(2021, 1, 31), bill_cycle_day=31, months=3)
    months = list(cycle.billing_months(cycle.period_of(date(2021, 1, 31))))
    assert months == [
        Period(date(2021, 1, 31), date(2021, 2, 28)),
        Period(date(2021, 2, 28), date(2021, 3, 31)),
        Period(date(2021, 3, 31), date(2021, 4, 30)),
    ]


# "Prorating - 30 days or actual days": the table of proration ratios for the three rules.
@pytest.mark.parametrize(
    ("start", "end", "actual", "a360", "strict"),
    [
        (date(2021, 1, 27), date(2021, 1, 31), Fraction(5, 31), Fraction(5, 30), Fraction(4, 30)),
        (date(2021, 2, 27), date(2021, 2, 28), Fraction(2, 28), Fraction(2, 30), Fraction(4, 30)),
        (date(2020, 2, 1), date(2020, 2, 29), Fraction(29, 29), Fraction(29, 30), Fraction(30, 30)),
        (date(2021, 4, 21), date(2021, 4, 29), Fraction(9, 30), Fraction(9, 30), Fraction(9, 30)),
    ],
)
def test_month_fraction_matches_zuora_table(
    start: date, end: date, actual: Fraction, a360: Fraction, strict: Fraction
) -> None:
    month_days = (date(end.year + end.month // 12, end.month % 12 + 1, 1) - date(end.year, end.month, 1)).days
    assert month_fraction(start, end, day_count=ACTUAL, days_in_billing_month=month_days) == actual
    assert month_fraction(start, end, day_count=A360, days_in_billing_month=month_days) == a360
    assert month_fraction(start, end, day_count=STRICT, days_in_billing_month=month_days) == strict


def test_days_30_360_across_months() -> None:
    # Jan 15..Feb 9: Jan counts 30 - 15 + 1 = 16 days, Feb 9 days -> 25.
    assert days_30_360(date(2021, 1, 15), date(2021, 2, 9)) == 25
    # A 31st counts as the 30th: Jan 31..Jan 31 is one day.
    assert days_30_360(date(2021, 1, 31), date(2021, 1, 31)) == 1
    # A whole year is 360 days.
    assert days_30_360(date(2021, 1, 1), date(2021, 12, 31)) == 360


def _rules(day_count: DayCountRule, unit: ProrationUnit = ProrationUnit.BY_MONTH_FIRST) -> BillingRules:
    return BillingRules(proration_unit=unit, day_count=day_count)


QUARTER = BillingCycle.monthly(aligned_to=date(2018, 1, 1), bill_cycle_day=1, months=3)
Q1 = Period(date(2018, 1, 1), date(2018, 4, 1))
FROM_16_JAN = Period(date(2018, 1, 16), date(2018, 4, 1))


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # By month first: Feb and Mar whole, 16 days of January.
        (_rules(ACTUAL), (2 + Fraction(16, 31)) / 3),
        (_rules(A360), (2 + Fraction(16, 30)) / 3),
        # Strict 30/360: Jan 16..Jan 31 counts 30 - 16 + 1 = 15 days.
        (_rules(STRICT), (2 + Fraction(15, 30)) / 3),
        # By day: 75 of the quarter's 90 days; 30-day rules: over 3 x 30 days.
        (_rules(ACTUAL, ProrationUnit.BY_DAY), Fraction(75, 90)),
        (_rules(A360, ProrationUnit.BY_DAY), Fraction(75, 90)),
        (_rules(STRICT, ProrationUnit.BY_DAY), Fraction(75, 90)),
    ],
)
def test_quarter_proration(rules: BillingRules, expected: Fraction) -> None:
    assert proration_fraction(FROM_16_JAN, Q1, QUARTER, rules) == expected


def test_full_period_is_never_prorated() -> None:
    assert proration_fraction(Q1, Q1, QUARTER, _rules(A360)) == 1


def test_by_day_actual_360_is_capped_at_one() -> None:
    # Jul 2..Sep 30 is 91 actual days; 91 / 90 would bill more than the full quarter.
    cycle = BillingCycle.monthly(aligned_to=date(2018, 7, 1), bill_cycle_day=1, months=3)
    full = Period(date(2018, 7, 1), date(2018, 10, 1))
    part = Period(date(2018, 7, 2), date(2018, 10, 1))
    assert proration_fraction(part, full, cycle, _rules(A360, ProrationUnit.BY_DAY)) == 1
    assert proration_fraction(part, full, cycle, _rules(ACTUAL, ProrationUnit.BY_DAY)) == Fraction(91, 92)


def test_partial_month_uses_its_billing_month() -> None:
    # BCD 15: the billing month Jan 15..Feb 14 has 31 days; a cancellation from Feb 10 leaves 26 days.
    cycle = BillingCycle.monthly(aligned_to=date(2021, 1, 15), bill_cycle_day=15, months=1)
    full = Period(date(2021, 1, 15), date(2021, 2, 15))
    part = Period(date(2021, 1, 15), date(2021, 2, 10))
    assert proration_fraction(part, full, cycle, _rules(ACTUAL)) == Fraction(26, 31)
    assert proration_fraction(part, full, cycle, _rules(A360)) == Fraction(26, 30)
    assert proration_fraction(part, full, cycle, _rules(STRICT)) == Fraction(25, 30)


def test_weekly_proration_is_by_seven_days() -> None:
    cycle = BillingCycle.weekly(aligned_to=date(2018, 1, 1), weekday=Weekday.WEDNESDAY)
    full = Period(date(2017, 12, 27), date(2018, 1, 3))
    part = Period(date(2018, 1, 1), date(2018, 1, 3))
    assert proration_fraction(part, full, cycle, _rules(A360)) == Fraction(2, 7)


def test_prorate_is_exact_until_the_last_division() -> None:
    assert prorate(Decimal("0.09"), Fraction(1, 2)) == Decimal("0.045")
    assert prorate(Decimal("100"), Fraction(1)) == Decimal("100")
    # 0.45 * 1/3 is exactly 0.15, not 0.1499..
    assert prorate(Decimal("0.45"), Fraction(1, 3)) == Decimal("0.15")

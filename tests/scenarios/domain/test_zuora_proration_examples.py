"""Proration stories: Zuora's worked examples of partial periods, reproduced to the cent.

Each story bills one subscription through ``generate``; the expected amounts are the documented
figures (the page is named in the test) or, where marked, computed by hand with the page's formula.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    ChargeModel,
    ChargeType,
    ListPriceBase,
    Weekday,
)
from billforge.domain.generator import GeneratedInvoice, generate
from billforge.domain.money import USD
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.domain.subscriptions import Account, RatePlanCharge, Subscription, TermType

D = Decimal
ACTUAL = DayCountRule.ACTUAL_DAYS
A360 = DayCountRule.THIRTY_DAYS_ACTUAL_360
STRICT = DayCountRule.STRICT_30_360
BY_MONTH = ProrationUnit.BY_MONTH_FIRST
BY_DAY = ProrationUnit.BY_DAY


def per_unit(**kw: Any) -> RatePlanCharge:
    return RatePlanCharge("c1", "C-00000001", "Subscription fee", ChargeType.RECURRING, ChargeModel.PER_UNIT, **kw)


def bill(
    charge: RatePlanCharge,
    start: date,
    target: date,
    *,
    rules: BillingRules,
    account_bcd: int = 1,
    **sub: Any,
) -> GeneratedInvoice:
    subscription = Subscription("s1", "A-S00000001", start, charges=(charge,), **sub)
    invoices = generate(
        account=Account("acc", bill_cycle_day=account_bcd),
        subscriptions=[subscription],
        target_date=target,
        rules=rules,
        currency=USD,
    )
    assert len(invoices) == 1
    return invoices[0]


def periods(invoice: GeneratedInvoice) -> list[tuple[date, date, Decimal]]:
    return [(i.service_start, i.service_end, i.amount) for i in invoice.items]


# "Calculating Total Amount with Partial Period Proration" (partial month): Per Unit, $100 a month,
# 1 unit, monthly, term 01/01/2018 for 12 months, bill day the 15th (Specific Day of Month), Align to
# Charge, target date 02/14/2018.
@pytest.mark.parametrize(
    ("day_count", "partial", "total"),
    [
        # 30 days in a month: $100 * (1 + 14/30) = $146.67
        (A360, D("46.67"), D("146.67")),
        # actual days: $100 * (1 + 14/31) = $145.16
        (ACTUAL, D("45.16"), D("145.16")),
        # strict 30/360: Jan 1..14 counts 14 days as well: $100 * (1 + 14/30) = $146.67
        (STRICT, D("46.67"), D("146.67")),
    ],
)
def test_partial_month_with_bill_day_15(day_count: DayCountRule, partial: Decimal, total: Decimal) -> None:
    charge = per_unit(price=D("100"), bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH, bill_cycle_day=15)
    invoice = bill(
        charge,
        date(2018, 1, 1),
        date(2018, 2, 14),
        rules=BillingRules(day_count=day_count),
        term_type=TermType.TERMED,
        term_end_date=date(2019, 1, 1),
    )
    assert periods(invoice) == [
        (date(2018, 1, 1), date(2018, 1, 14), partial),
        (date(2018, 1, 15), date(2018, 2, 14), D("100.00")),
    ]
    assert invoice.amount == total


def test_partial_week_with_billing_day_wednesday() -> None:
    # Same page, partial week: Per Unit, $100 a week, weekly, start 01/01/2018 (a Monday), billing day
    # Wednesday, Align to Charge, target 01/31/2018: $100 * (5 + 2/7) = $528.57.
    # The page gives the term as 5 weeks yet bills 5 whole weeks after the 2 prorated days (through
    # 02/06/2018), so the subscription here is evergreen: a 5-week term would end 02/04/2018 and
    # prorate the last week.
    charge = per_unit(
        price=D("100"),
        billing_period=BillingPeriod.WEEK,
        bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_WEEK,
        weekly_bill_cycle_day=Weekday.WEDNESDAY,
    )
    invoice = bill(charge, date(2018, 1, 1), date(2018, 1, 31), rules=BillingRules())
    # 100 * 2/7 = 28.571.. -> 28.57
    assert periods(invoice)[0] == (date(2018, 1, 1), date(2018, 1, 2), D("28.57"))
    assert [p[2] for p in periods(invoice)[1:]] == [D("100.00")] * 5
    assert periods(invoice)[-1][:2] == (date(2018, 1, 31), date(2018, 2, 6))
    assert invoice.amount == D("528.57")


# Partial quarter, computed by hand with the formulas of "Calculating Total Amount with Partial
# Period (Quarter, Semi-annual, or Annual billing Periods)": $100 a month (list price base Month),
# quarterly, subscription from 01/01/2018, charge effective 01/16/2018, bill cycle day 1, periods
# aligned to the subscription start, so the first quarter is 01/01..03/31 and the charge serves
# 01/16..03/31 of it.
@pytest.mark.parametrize(
    ("unit", "day_count", "amount"),
    [
        # by month: $100 * (2 + 16/31) = 251.612.. -> $251.61
        (BY_MONTH, ACTUAL, D("251.61")),
        # by month, 30 days: $100 * (2 + 16/30) = 253.333.. -> $253.33
        (BY_MONTH, A360, D("253.33")),
        # by month, strict 30/360: Jan 16..31 counts 15 days: $100 * (2 + 15/30) = $250.00
        (BY_MONTH, STRICT, D("250.00")),
        # by day: $300 * 75/90 days of the quarter = $250.00
        (BY_DAY, ACTUAL, D("250.00")),
        # by day with 30-day months: $300 * 75/(3 * 30) = $250.00
        (BY_DAY, A360, D("250.00")),
        (BY_DAY, STRICT, D("250.00")),
    ],
)
def test_partial_quarter(unit: ProrationUnit, day_count: DayCountRule, amount: Decimal) -> None:
    charge = per_unit(
        price=D("100"),
        list_price_base=ListPriceBase.PER_MONTH,
        billing_period=BillingPeriod.QUARTER,
        billing_period_alignment=BillingPeriodAlignment.ALIGN_TO_SUBSCRIPTION_START,
        effective_start_date=date(2018, 1, 16),
    )
    invoice = bill(
        charge,
        date(2018, 1, 1),
        date(2018, 1, 16),
        rules=BillingRules(proration_unit=unit, day_count=day_count),
        term_type=TermType.TERMED,
        term_end_date=date(2019, 1, 1),
    )
    assert periods(invoice) == [(date(2018, 1, 16), date(2018, 3, 31), amount)]


# Zuora community thread "On an update product amendment quote, Quote metrics total is not calculated
# as expected": an annual Per Unit charge of $0.41 a unit a month for 1500 units (list price base
# Month, so $615 a month, $7380 a year), bill cycle day 1 from the account, Align to Charge, starting
# 07/05/2019 until 07/05/2020, prorated by day:
#   07/05/2019..07/31/2019: 7380 * 27/365 = 545.917.. -> 545.92 (period 08/01/2018..07/31/2019)
#   08/01/2019..07/04/2020: 7380 * 339/366 = 6835.573.. -> 6835.57 (period 08/01/2019..07/31/2020)
#   total 7381.49
ANNUAL = per_unit(
    price=D("0.41"),
    quantity=D("1500"),
    list_price_base=ListPriceBase.PER_MONTH,
    billing_period=BillingPeriod.ANNUAL,
    effective_start_date=date(2019, 7, 5),
)


def test_partial_years_prorated_by_day() -> None:
    invoice = bill(
        ANNUAL,
        date(2019, 7, 5),
        date(2019, 8, 1),
        rules=BillingRules(proration_unit=BY_DAY),
        term_type=TermType.TERMED,
        term_end_date=date(2020, 7, 5),
    )
    assert periods(invoice) == [
        (date(2019, 7, 5), date(2019, 7, 31), D("545.92")),
        (date(2019, 8, 1), date(2020, 7, 4), D("6835.57")),
    ]
    assert invoice.amount == D("7381.49")


def test_partial_years_prorated_by_month_first() -> None:
    # Hand-computed for contrast: 615 * 27/31 = 535.645.. -> 535.65;
    # 615 * (11 + 4/31) = 6844.354.. -> 6844.35 (Aug..Jun whole, Jul 1..4 of 31 days)
    invoice = bill(
        ANNUAL,
        date(2019, 7, 5),
        date(2019, 8, 1),
        rules=BillingRules(proration_unit=BY_MONTH),
        term_type=TermType.TERMED,
        term_end_date=date(2020, 7, 5),
    )
    assert [p[2] for p in periods(invoice)] == [D("535.65"), D("6844.35")]


# "Prorating - 30 days or actual days": the ratios of its table, billed. Bill cycle day 1, $100 a month.
@pytest.mark.parametrize(
    ("start", "day_count", "amount"),
    [
        # 2021-01-27..2021-01-31: 5/31, 5/30, 4/30 -> 16.13, 16.67, 13.33
        (date(2021, 1, 27), ACTUAL, D("16.13")),
        (date(2021, 1, 27), A360, D("16.67")),
        (date(2021, 1, 27), STRICT, D("13.33")),
        # 2021-02-27..2021-02-28: 2/28, 2/30, 4/30 -> 7.14, 6.67, 13.33
        (date(2021, 2, 27), ACTUAL, D("7.14")),
        (date(2021, 2, 27), A360, D("6.67")),
        (date(2021, 2, 27), STRICT, D("13.33")),
    ],
)
def test_prorating_table_start_of_charge(start: date, day_count: DayCountRule, amount: Decimal) -> None:
    invoice = bill(per_unit(price=D("100")), start, start, rules=BillingRules(day_count=day_count))
    assert periods(invoice)[0][2] == amount


@pytest.mark.parametrize("day_count", [ACTUAL, A360, STRICT])
def test_prorating_table_april(day_count: DayCountRule) -> None:
    # 2021-04-21..2021-04-29 (the charge starts 04/21, the cancellation takes effect 04/30): 9/30 under
    # all three rules -> $30.00
    charge = per_unit(price=D("100"), effective_start_date=date(2021, 4, 21))
    invoice = bill(
        charge,
        date(2021, 4, 1),
        date(2021, 5, 1),
        rules=BillingRules(day_count=day_count),
        cancelled_date=date(2021, 4, 30),
    )
    assert periods(invoice) == [(date(2021, 4, 21), date(2021, 4, 29), D("30.00"))]

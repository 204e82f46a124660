"""Billing cycle stories: in advance vs in arrears, bill cycle day 31 through February, cancellation
credit and renewal, told as a sequence of generations where each one sees what the earlier billed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from billforge.domain.catalog import BillCycleType, BillingPeriod, BillingTiming, ChargeModel, ChargeType
from billforge.domain.generator import GeneratedInvoice, generate
from billforge.domain.money import USD
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.domain.subscriptions import (
    Account,
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    TermType,
)
from billforge.domain.tax import TaxRate, TaxRateType

D = Decimal


def monthly(charge_id: str = "c1", number: str = "C-00000001", **kw: Any) -> RatePlanCharge:
    defaults: dict[str, Any] = {"price": D("100")}
    defaults.update(kw)
    return RatePlanCharge(charge_id, number, "Monthly fee", ChargeType.RECURRING, ChargeModel.PER_UNIT, **defaults)


class Ledger:
    """An account's invoices over time: each generation sees the items billed before it."""

    def __init__(self, *, rules: BillingRules | None = None, tax_rates: dict[str, list[TaxRate]] | None = None):
        self.billed: list[BilledItem] = []
        self.rules = rules or BillingRules()
        self.tax_rates = tax_rates or {}
        self.bill_cycle_day = 1  # the account's; a story may change it between bill runs

    def generate(self, subscriptions: Sequence[Subscription], target: date) -> list[GeneratedInvoice]:
        invoices = generate(
            account=Account("acc", bill_cycle_day=self.bill_cycle_day),
            subscriptions=subscriptions,
            billed=self.billed,
            target_date=target,
            rules=self.rules,
            currency=USD,
            tax_rates=self.tax_rates,
        )
        self.billed.extend(i.as_billed() for inv in invoices for i in inv.items)
        return invoices


def items(invoices: list[GeneratedInvoice]) -> list[tuple[date, date, Decimal]]:
    return [(i.service_start, i.service_end, i.amount) for inv in invoices for i in inv.items]


# Zuora community "Set 'Billing Timing = In Arrears', why did the charge still be billed in advance?":
# evergreen, monthly Per Unit, quantity 1, account bill cycle day 1, contract effective 08/03/2020,
# in arrears: the service period is 08/03/2020..08/31/2020; a bill run with target date 08/04/2020
# bills nothing, one with target date 09/01/2020 bills it. Price $100 here:
# 100 * 29/31 = 93.548.. -> 93.55.
def test_in_arrears_bills_after_the_period_ends() -> None:
    sub = Subscription("s1", "S-1", date(2020, 8, 3), charges=(monthly(billing_timing=BillingTiming.IN_ARREARS),))
    ledger = Ledger()
    assert ledger.generate([sub], date(2020, 8, 4)) == []
    assert ledger.generate([sub], date(2020, 8, 31)) == []
    assert items(ledger.generate([sub], date(2020, 9, 1))) == [(date(2020, 8, 3), date(2020, 8, 31), D("93.55"))]


def test_in_advance_bills_at_the_period_start() -> None:
    sub = Subscription("s1", "S-1", date(2020, 8, 3), charges=(monthly(),))
    ledger = Ledger()
    assert items(ledger.generate([sub], date(2020, 8, 3))) == [(date(2020, 8, 3), date(2020, 8, 31), D("93.55"))]
    assert ledger.generate([sub], date(2020, 8, 31)) == []
    assert items(ledger.generate([sub], date(2020, 9, 1))) == [(date(2020, 9, 1), date(2020, 9, 30), D("100.00"))]


def test_bill_cycle_day_31_through_february_and_back() -> None:
    # Bill cycle day 31 bills on the last day of shorter months and returns to the 31st after them.
    charge = monthly(bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH, bill_cycle_day=31)
    sub = Subscription("s1", "S-1", date(2021, 1, 31), charges=(charge,))
    assert items(Ledger().generate([sub], date(2021, 4, 30))) == [
        (date(2021, 1, 31), date(2021, 2, 27), D("100.00")),
        (date(2021, 2, 28), date(2021, 3, 30), D("100.00")),
        (date(2021, 3, 31), date(2021, 4, 29), D("100.00")),
        (date(2021, 4, 30), date(2021, 5, 30), D("100.00")),
    ]


def test_bill_cycle_day_31_partial_february() -> None:
    # Starting 02/10/2021 with bill cycle day 31: first period 02/10..02/27 of the billing month
    # 01/31..02/27 (28 days): 100 * 18/28 = 64.285.. -> 64.29; then 02/28..03/30 whole.
    charge = monthly(bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH, bill_cycle_day=31)
    sub = Subscription("s1", "S-1", date(2021, 2, 10), charges=(charge,))
    assert items(Ledger().generate([sub], date(2021, 2, 28))) == [
        (date(2021, 2, 10), date(2021, 2, 27), D("64.29")),
        (date(2021, 2, 28), date(2021, 3, 30), D("100.00")),
    ]
    # The same in a leap year: 02/10..02/28 of 01/31..02/28 (29 days): 100 * 19/29 = 65.517.. -> 65.52
    leap = Subscription("s1", "S-1", date(2024, 2, 10), charges=(charge,))
    assert items(Ledger().generate([leap], date(2024, 2, 10))) == [(date(2024, 2, 10), date(2024, 2, 28), D("65.52"))]
    # Assume 30 days: 100 * 18/30 = 60.00 (strict 30/360 counts 27 - 10 + 1 = 18 days too)
    for rule in (DayCountRule.THIRTY_DAYS_ACTUAL_360, DayCountRule.STRICT_30_360):
        thirty = Ledger(rules=BillingRules(day_count=rule))
        assert items(thirty.generate([sub], date(2021, 2, 10))) == [(date(2021, 2, 10), date(2021, 2, 27), D("60.00"))]


# Zuora "Change BCD after subscription activation": $300 a quarter from 01/01/2020 for 12 months, bill
# cycle day 1, billed 01/01 and 04/01. On 06/30/2020 the bill cycle day becomes the 10th. The rest of
# the term bills on the new grid, prorated by day (the page's figures):
#   07/01..07/09 of the period 04/10..07/09 (91 days): 300 * 9/91 = 29.670.. -> 29.67
#   07/10..10/09: a whole quarter, 300.00
#   10/10..12/31 of the period 10/10..01/09 (92 days): 300 * 83/92 = 270.652.. -> 270.65
#   together 29.67 + 300.00 + 270.65 = 600.32 for Q3 and Q4 (600.00 before the change).
def test_bill_cycle_day_change_after_activation() -> None:
    quarterly = RatePlanCharge(
        "c1",
        "C-00000001",
        "Basic storage",
        ChargeType.RECURRING,
        ChargeModel.FLAT_FEE,
        price=D("300"),
        billing_period=BillingPeriod.QUARTER,
    )
    sub = Subscription(
        "s1", "S-1", date(2020, 1, 1), term_type=TermType.TERMED, term_end_date=date(2021, 1, 1), charges=(quarterly,)
    )
    ledger = Ledger(rules=BillingRules(proration_unit=ProrationUnit.BY_DAY))
    assert items(ledger.generate([sub], date(2020, 1, 1))) == [(date(2020, 1, 1), date(2020, 3, 31), D("300.00"))]
    assert items(ledger.generate([sub], date(2020, 4, 1))) == [(date(2020, 4, 1), date(2020, 6, 30), D("300.00"))]
    ledger.bill_cycle_day = 10
    after = ledger.generate([sub], date(2020, 10, 10))
    assert items(after) == [
        (date(2020, 7, 1), date(2020, 7, 9), D("29.67")),
        (date(2020, 7, 10), date(2020, 10, 9), D("300.00")),
        (date(2020, 10, 10), date(2020, 12, 31), D("270.65")),
    ]
    assert after[0].amount == D("600.32")
    assert ledger.generate([sub], date(2021, 1, 1)) == []


def test_bill_cycle_day_change_of_a_monthly_charge() -> None:
    # Hand-computed with the same rule, by month first with actual days: $100 a month in advance from
    # 01/01/2024, January billed on bill cycle day 1, then the bill cycle day becomes the 15th. The
    # run at 02/15 bills 02/01..02/14, 14 days of the billing month 01/15..02/14 (31 days):
    # 100 * 14/31 = 45.161.. -> 45.16 (never a whole 100.00 again for days already paid), then
    # 02/15..03/14 whole.
    sub = Subscription("s1", "S-1", date(2024, 1, 1), charges=(monthly(),))
    ledger = Ledger()
    assert items(ledger.generate([sub], date(2024, 1, 1))) == [(date(2024, 1, 1), date(2024, 1, 31), D("100.00"))]
    ledger.bill_cycle_day = 15
    assert items(ledger.generate([sub], date(2024, 2, 15))) == [
        (date(2024, 2, 1), date(2024, 2, 14), D("45.16")),
        (date(2024, 2, 15), date(2024, 3, 14), D("100.00")),
    ]


def test_cancellation_inside_a_period_billed_in_advance_is_credited() -> None:
    # Monthly $100 in advance with 10% tax and a one-time setup fee; billed for January to March, then
    # cancelled effective 03/15/2024: the bill run at 03/15 credits 03/15..03/31,
    # -(100 * 17/31) = -54.838.. -> -54.84, with its tax -(54.84 * 0.10) = -5.484 -> -5.48.
    tax = {"STD": [TaxRate("VAT", D("0.10"), TaxRateType.PERCENTAGE, "STD")]}
    setup = RatePlanCharge("setup", "C-00000002", "Setup", ChargeType.ONE_TIME, ChargeModel.FLAT_FEE, price=D("50"))
    charges = (monthly(tax_code="STD"), setup)
    active = Subscription("s1", "S-1", date(2024, 1, 1), charges=charges)
    ledger = Ledger(tax_rates=tax)
    january = ledger.generate([active], date(2024, 1, 1))
    assert items(january) == [
        (date(2024, 1, 1), date(2024, 1, 31), D("100.00")),
        (date(2024, 1, 1), date(2024, 1, 1), D("50.00")),
    ]
    assert january[0].amount == D("160.00")  # 100 + 10 tax + 50
    ledger.generate([active], date(2024, 3, 1))

    cancelled = Subscription("s1", "S-1", date(2024, 1, 1), cancelled_date=date(2024, 3, 15), charges=charges)
    credit = ledger.generate([cancelled], date(2024, 3, 15))
    assert items(credit) == [(date(2024, 3, 15), date(2024, 3, 31), D("-54.84"))]
    item = credit[0].items[0]
    assert (item.kind, item.tax_amount, credit[0].amount) == (ItemKind.CREDIT, D("-5.48"), D("-60.32"))
    assert credit[0].charged_through_dates["c1"] == date(2024, 3, 15)
    # Nothing more, ever.
    assert ledger.generate([cancelled], date(2025, 1, 1)) == []
    # Net for March: 100.00 - 54.84 = 45.16, what a subscription cancelled before March was billed
    # would have been billed: 100 * 14/31 = 45.16.
    assert items(Ledger().generate([cancelled], date(2024, 3, 15)))[-2] == (
        date(2024, 3, 1),
        date(2024, 3, 14),
        D("45.16"),
    )


def test_renewal_of_a_term_ending_mid_period() -> None:
    # A 6-month term from 01/10/2024 (ends 07/10) on bill cycle day 1: July is billed 07/01..07/09,
    # 100 * 9/31 = 29.032.. -> 29.03. Renewed for 6 more months before the next bill run: the rest of
    # July, 07/10..07/31, 100 * 22/31 = 70.967.. -> 70.97, then August. 29.03 + 70.97 = 100.00.
    def sub(term_end: date) -> Subscription:
        return Subscription(
            "s1", "S-1", date(2024, 1, 10), term_type=TermType.TERMED, term_end_date=term_end, charges=(monthly(),)
        )

    ledger = Ledger()
    first = ledger.generate([sub(date(2024, 7, 10))], date(2024, 7, 1))
    assert items(first)[0] == (date(2024, 1, 10), date(2024, 1, 31), D("70.97"))
    assert items(first)[-1] == (date(2024, 7, 1), date(2024, 7, 9), D("29.03"))
    assert ledger.generate([sub(date(2024, 7, 10))], date(2024, 12, 31)) == []
    renewed = ledger.generate([sub(date(2025, 1, 10))], date(2024, 8, 1))
    assert items(renewed) == [
        (date(2024, 7, 10), date(2024, 7, 31), D("70.97")),
        (date(2024, 8, 1), date(2024, 8, 31), D("100.00")),
    ]


def test_generating_month_by_month_equals_generating_once() -> None:
    # The exactly-once rule of product.md: 31 Jan then 28 Feb bills what one run at 28 Feb bills.
    sub = Subscription(
        "s1",
        "S-1",
        date(2024, 1, 15),
        charges=(monthly(), monthly("c2", "C-2", billing_timing=BillingTiming.IN_ARREARS)),
    )
    ledger = Ledger()
    stepped = items(ledger.generate([sub], date(2024, 1, 31))) + items(ledger.generate([sub], date(2024, 2, 28)))
    assert sorted(stepped) == sorted(items(Ledger().generate([sub], date(2024, 2, 28))))


def test_semi_annual_and_specific_months_periods() -> None:
    # Semi-annual $600 from 03/16/2024 on bill cycle day 1: the grid's half-years start 04/01 and 10/01,
    # so 03/16..03/31 is 16 of March's 31 days in one of six months: 600 * (16/31) / 6 = 51.612.. -> 51.61;
    # then 04/01..09/30 whole, due on 04/01 (in advance).
    half_year = RatePlanCharge(
        "c1",
        "C-1",
        "Half-year",
        ChargeType.RECURRING,
        ChargeModel.FLAT_FEE,
        price=D("600"),
        billing_period=BillingPeriod.SEMI_ANNUAL,
    )
    sub = Subscription("s1", "S-1", date(2024, 3, 16), charges=(half_year,))
    assert items(Ledger().generate([sub], date(2024, 7, 1))) == [
        (date(2024, 3, 16), date(2024, 3, 31), D("51.61")),
        (date(2024, 4, 1), date(2024, 9, 30), D("600.00")),
    ]
    # Specific Months of 2, $200 from 01/15/2024: 01/15..01/31 is 17 of January's 31 days in one of two
    # months: 200 * (17/31) / 2 = 54.838.. -> 54.84; then 02/01..03/31 whole.
    two_months = RatePlanCharge(
        "c1",
        "C-1",
        "Bimonthly",
        ChargeType.RECURRING,
        ChargeModel.FLAT_FEE,
        price=D("200"),
        billing_period=BillingPeriod.SPECIFIC_MONTHS,
        specific_billing_period=2,
    )
    sub = Subscription("s1", "S-1", date(2024, 1, 15), charges=(two_months,))
    assert items(Ledger().generate([sub], date(2024, 2, 1))) == [
        (date(2024, 1, 15), date(2024, 1, 31), D("54.84")),
        (date(2024, 2, 1), date(2024, 3, 31), D("200.00")),
    ]

"""Billing periods, bill cycle day alignment, and proration of partial periods.

A recurring or usage charge bills over a grid of full billing periods. Every period starts on a
*bill cycle date*: the bill cycle day (BCD) of a month, clamped to the month's last day (BCD 31 is
28 February, then 31 March again), or a weekday for weekly charges. The grid is anchored on the
first bill cycle date on or after the alignment date (the charge's start, the subscription's start
or the term's start). A charge that starts or ends between two bill cycle dates bills a *partial*
period: the part of one full period it is active, prorated.

Proration follows Zuora's billing rules ("Proration", "Prorating - 30 days or actual days",
"Calculating Total Amount with Partial Period Proration"):

- a partial month is worth ``days / days of that billing month`` (Use actual number of days),
  ``days / 30`` (Assume 30 days - Actual/360) or ``30/360 days / 30`` (Assume 30 days - Strict
  30/360, where the last day of a month is its 30th day and every month has 30 days);
- a period longer than a month is prorated *by month first* (whole billing months count 1, the
  partial months by the rule above, divided by the months of the period) or *by day* (days of the
  partial period over days of the full period; under the 30-day rules, over 30 days a month);
- a weekly period is prorated by days over 7.

Billing months are the one-month slices of the full period that start on bill cycle dates, so the
"month" of a partial month is the BCD-to-BCD month it lies in (for BCD 1, the calendar month).

Fractions are exact ``Fraction``s of day counts; money is only multiplied by them in ``prorate``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from billforge.domain.catalog import BillingPeriod, Weekday
from billforge.domain.money import MONEY_CONTEXT
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.errors import InvalidValue, Unsupported

ONE_DAY = timedelta(days=1)

_WEEKDAY_NUMBER: dict[Weekday, int] = {
    Weekday.MONDAY: 0,
    Weekday.TUESDAY: 1,
    Weekday.WEDNESDAY: 2,
    Weekday.THURSDAY: 3,
    Weekday.FRIDAY: 4,
    Weekday.SATURDAY: 5,
    Weekday.SUNDAY: 6,
}

_MONTHS: dict[BillingPeriod, int] = {
    BillingPeriod.MONTH: 1,
    BillingPeriod.QUARTER: 3,
    BillingPeriod.SEMI_ANNUAL: 6,
    BillingPeriod.ANNUAL: 12,
}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A run of days ``[start, end)``: ``end`` is the first day after the period."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period must hold at least one day: {self.start} .. {self.end}")

    @property
    def last_day(self) -> date:
        """The period's last day, as an invoice item's inclusive service end date shows it."""
        return self.end - ONE_DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def intersect(self, start: date, end: date | None) -> Period | None:
        """The part of this period within ``[start, end)`` (``end=None``: open-ended), if any."""
        lo = max(self.start, start)
        hi = self.end if end is None else min(self.end, end)
        return Period(lo, hi) if lo < hi else None

    @classmethod
    def inclusive(cls, start: date, last_day: date) -> Period:
        return cls(start, last_day + ONE_DAY)


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def bill_cycle_date(year: int, month: int, bill_cycle_day: int) -> date:
    """The bill cycle date of a month: the BCD, or the month's last day when the month is shorter.

    >>> bill_cycle_date(2021, 2, 31), bill_cycle_date(2021, 3, 31)
    (datetime.date(2021, 2, 28), datetime.date(2021, 3, 31))
    """
    if not 1 <= bill_cycle_day <= 31:
        raise InvalidValue(f"a bill cycle day is between 1 and 31, not {bill_cycle_day}", field="billCycleDay")
    return date(year, month, min(bill_cycle_day, days_in_month(year, month)))


def add_months(day: date, months: int, *, bill_cycle_day: int | None = None) -> date:
    """Move a date by whole months, keeping its day (or the given BCD), clamped to the month's end.

    >>> add_months(date(2024, 1, 31), 1), add_months(date(2024, 2, 29), 1, bill_cycle_day=31)
    (datetime.date(2024, 2, 29), datetime.date(2024, 3, 31))
    """
    year, month = _shift_month(day.year, day.month, months)
    return bill_cycle_date(year, month, bill_cycle_day or day.day)


def first_bill_cycle_date(on_or_after: date, bill_cycle_day: int) -> date:
    """The first bill cycle date on or after a date."""
    this_month = bill_cycle_date(on_or_after.year, on_or_after.month, bill_cycle_day)
    if this_month >= on_or_after:
        return this_month
    return add_months(this_month, 1, bill_cycle_day=bill_cycle_day)


def first_weekday(on_or_after: date, weekday: Weekday) -> date:
    """The first date on or after a date that falls on a weekday."""
    return on_or_after + timedelta(days=(_WEEKDAY_NUMBER[weekday] - on_or_after.weekday()) % 7)


def weekday_of(day: date) -> Weekday:
    return next(name for name, number in _WEEKDAY_NUMBER.items() if number == day.weekday())


def months_per_period(billing_period: BillingPeriod, specific_months: int | None = None) -> int | None:
    """Months in one billing period; ``None`` for a weekly period."""
    if billing_period is BillingPeriod.WEEK:
        return None
    if billing_period is BillingPeriod.SPECIFIC_MONTHS:
        if specific_months is None or specific_months < 1:
            raise InvalidValue(
                "a Specific Months billing period needs a number of months of at least 1", field="specificBillingPeriod"
            )
        return specific_months
    if billing_period in _MONTHS:
        return _MONTHS[billing_period]
    raise Unsupported(f"billing period {billing_period.value!r} is not supported", field="billingPeriod")


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """The grid of full billing periods of a charge.

    Period ``k`` runs from bill cycle date ``k`` to bill cycle date ``k + 1``; date 0 is ``anchor``,
    itself a bill cycle date. Monthly grids compute every date from the BCD (never by chaining), so
    BCD 31 gives 31 Jan, 28 Feb, 31 Mar. Weekly grids step by 7 days.
    """

    anchor: date
    months: int | None
    bill_cycle_day: int = 1

    @classmethod
    def monthly(cls, *, aligned_to: date, bill_cycle_day: int, months: int) -> BillingCycle:
        return cls(first_bill_cycle_date(aligned_to, bill_cycle_day), months, bill_cycle_day)

    @classmethod
    def weekly(cls, *, aligned_to: date, weekday: Weekday) -> BillingCycle:
        return cls(first_weekday(aligned_to, weekday), None)

    def boundary(self, k: int) -> date:
        if self.months is None:
            return self.anchor + timedelta(days=7 * k)
        year, month = _shift_month(self.anchor.year, self.anchor.month, k * self.months)
        return bill_cycle_date(year, month, self.bill_cycle_day)

    def index_of(self, day: date) -> int:
        """The index of the full period that holds a day."""
        if self.months is None:
            return (day - self.anchor).days // 7
        elapsed = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
        k = elapsed // self.months
        while self.boundary(k) > day:
            k -= 1
        while self.boundary(k + 1) <= day:
            k += 1
        return k

    def period(self, k: int) -> Period:
        return Period(self.boundary(k), self.boundary(k + 1))

    def period_of(self, day: date) -> Period:
        return self.period(self.index_of(day))

    def periods(self, start: date, end: date) -> Iterator[Period]:
        """The full periods that overlap ``[start, end)``, in order."""
        k = self.index_of(start)
        while self.boundary(k) < end:
            yield self.period(k)
            k += 1

    def billing_months(self, full: Period) -> Iterator[Period]:
        """The BCD-to-BCD months of a full monthly-based period."""
        if self.months is None:
            raise ValueError("a weekly period has no billing months")
        start = full.start
        while start < full.end:
            end = add_months(start, 1, bill_cycle_day=self.bill_cycle_day)
            yield Period(start, end)
            start = end


def days_30_360(start: date, last_day: date) -> int:
    """Days from ``start`` to ``last_day`` inclusive, counting every month as 30 days (Strict 30/360).

    A month's last day counts as its 30th, and the 31st as the 30th. ("Prorating - 30 days or
    actual days": 2021-01-27..2021-01-31 is 4 days, 2021-02-27..2021-02-28 is 4 days.)
    """
    d1 = min(start.day, 30)
    d2 = 30 if last_day.day == days_in_month(last_day.year, last_day.month) else min(last_day.day, 30)
    return 360 * (last_day.year - start.year) + 30 * (last_day.month - start.month) + d2 - d1 + 1


def month_fraction(start: date, last_day: date, *, day_count: DayCountRule, days_in_billing_month: int) -> Fraction:
    """The part of a month that the days ``start..last_day`` (inclusive) are worth.

    ``days_in_billing_month`` is the actual length of the month they lie in; only the "Use actual
    number of days" rule reads it.
    """
    actual = (last_day - start).days + 1
    if day_count is DayCountRule.ACTUAL_DAYS:
        return Fraction(actual, days_in_billing_month)
    if day_count is DayCountRule.THIRTY_DAYS_ACTUAL_360:
        return Fraction(actual, 30)
    return Fraction(days_30_360(start, last_day), 30)


def proration_fraction(segment: Period, full: Period, cycle: BillingCycle, rules: BillingRules) -> Fraction:
    """The part of the full period's price that a partial period (``segment`` within ``full``) bills.

    Examples (BCD 1, a quarter of 2018-01-01..2018-03-31, the charge active from 2018-01-16):
    by month first with actual days, (2 + 16/31) / 3; with Assume 30 days - Actual/360,
    (2 + 16/30) / 3; by day with actual days, 75/90.
    """
    if segment == full:
        return Fraction(1)
    if cycle.months is None:
        return Fraction(segment.days, full.days)
    if rules.proration_unit is ProrationUnit.BY_DAY and cycle.months > 1:
        if rules.day_count is DayCountRule.ACTUAL_DAYS:
            return Fraction(segment.days, full.days)
        if rules.day_count is DayCountRule.THIRTY_DAYS_ACTUAL_360:
            return min(Fraction(1), Fraction(segment.days, 30 * cycle.months))
        return min(Fraction(1), Fraction(days_30_360(segment.start, segment.last_day), 30 * cycle.months))
    months = Fraction(0)
    for month in cycle.billing_months(full):
        part = month.intersect(segment.start, segment.end)
        if part is None:
            continue
        if part == month:
            months += 1
        else:
            months += min(
                Fraction(1),
                month_fraction(part.start, part.last_day, day_count=rules.day_count, days_in_billing_month=month.days),
            )
    return months / cycle.months


def prorate(amount: Decimal, fraction: Fraction) -> Decimal:
    """``amount * fraction`` exactly up to one final division (so exact halves stay exact); unrounded."""
    if fraction == 1:
        return amount
    product = MONEY_CONTEXT.multiply(amount, Decimal(fraction.numerator))
    return MONEY_CONTEXT.divide(product, Decimal(fraction.denominator))

"""The tenant's billing rules that the billing core reads (Zuora's "Define Billing Rules")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProrationUnit(StrEnum):
    """When prorating periods longer than a month: by month first, or by day."""

    BY_MONTH_FIRST = "ProrateByMonthFirst"
    BY_DAY = "ProrateByDay"


class DayCountRule(StrEnum):
    """How a partial month is counted ("When prorating a month, assume 30 days or use actual days?")."""

    ACTUAL_DAYS = "UseActualDays"
    THIRTY_DAYS_ACTUAL_360 = "Assume30DaysActual360"
    STRICT_30_360 = "Assume30DaysStrict30360"


@dataclass(frozen=True, slots=True)
class BillingRules:
    """Tenant defaults: proration by month first with actual days; bill cycle day 1."""

    proration_unit: ProrationUnit = ProrationUnit.BY_MONTH_FIRST
    day_count: DayCountRule = DayCountRule.ACTUAL_DAYS
    default_bill_cycle_day: int = 1
    invoice_settlement: bool = False

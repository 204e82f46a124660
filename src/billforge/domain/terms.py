"""A subscription's terms: the period types a term is counted in, what happens when a term ends
(renew with a specific term, or become evergreen), and where a term ends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from billforge.domain.periods import add_months

TERM_PERIOD_TYPES: Final = ("Month", "Year", "Day", "Week")
RENEW_WITH_SPECIFIC_TERM: Final = "RENEW_WITH_SPECIFIC_TERM"
RENEW_TO_EVERGREEN: Final = "RENEW_TO_EVERGREEN"
RENEWAL_SETTINGS: Final = (RENEW_WITH_SPECIFIC_TERM, RENEW_TO_EVERGREEN)


def add_term(start: date, length: int, period_type: str) -> date:
    """The first day after a term of ``length`` periods from ``start`` (12 Month from 2024-01-01 is
    2025-01-01; 1 Month from 2024-01-31 is 2024-02-29)."""
    if period_type == "Year":
        return add_months(start, 12 * length)
    if period_type == "Day":
        return start + timedelta(days=length)
    if period_type == "Week":
        return start + timedelta(days=7 * length)
    return add_months(start, length)

"""Currencies and the one function that rounds money.

Prices and quantities are never rounded; amounts are rounded once, to the currency's
minor units, with the currency's rounding mode (half-up unless the tenant says otherwise).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

ROUNDING_MODES: Final[dict[str, str]] = {
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
}

# Exact arithmetic context for every money computation: 40 significant digits is far beyond
# any amount billforge accepts, so no intermediate result is ever silently rounded.
MONEY_CONTEXT: Final = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation])

ZERO: Final = Decimal(0)

# What billforge stores, on every database: amounts with at most 4 decimals and 14 integer
# digits; prices and rates with at most 9 decimals and 9 integer digits; quantities with at most
# 6 decimals and 12 integer digits. Anything beyond is refused as input, never rounded.
AMOUNT_DECIMALS: Final = 4
AMOUNT_LIMIT: Final = Decimal("99999999999999.9999")
PRICE_DECIMALS: Final = 9
PRICE_LIMIT: Final = Decimal("999999999.999999999")
QUANTITY_DECIMALS: Final = 6
QUANTITY_LIMIT: Final = Decimal("999999999999.999999")


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency as the tenant configured it."""

    code: str
    minor_units: int = 2
    rounding_mode: str = "HALF_UP"

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.minor_units)


USD: Final = Currency("USD", 2)
EUR: Final = Currency("EUR", 2)
GBP: Final = Currency("GBP", 2)
JPY: Final = Currency("JPY", 0)

DEFAULT_CURRENCIES: Final = (USD, EUR, GBP, JPY)


def round_money(amount: Decimal, currency: Currency) -> Decimal:
    """Round an amount to the currency's minor units with its rounding mode.

    This is the only place billforge rounds money.

    >>> round_money(Decimal("10.005"), USD)
    Decimal('10.01')
    >>> round_money(Decimal("1234.5"), JPY)
    Decimal('1235')
    """
    return amount.quantize(currency.quantum, rounding=ROUNDING_MODES[currency.rounding_mode], context=MONEY_CONTEXT)


def has_at_most_minor_units(amount: Decimal, currency: Currency) -> bool:
    """True when the amount needs no rounding in this currency (e.g. 10.50 in USD, not 10.505)."""
    return round_money(amount, currency) == amount

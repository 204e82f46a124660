"""Numbers, money and dates as the invoice's locale writes them (Babel, CLDR data).

Amounts are shown with the currency's minor units (``$1,234.56``, ``1.234,56 €``, ``￥1,235``);
prices and quantities keep every significant decimal they have (``$0.0125``), never fewer than
the currency's. Nothing here rounds money except through ``domain.money.round_money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from billforge.domain.money import Currency, round_money

FALLBACK_LOCALE: Final = "en_US"
# Territories that print on US Letter paper; everyone else uses A4.
LETTER_TERRITORIES: Final = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "PR"})
# Babel writes some locales' group and currency separators as narrow or thin spaces, and the yen
# as a full-width sign, which the PDF's standard fonts do not have; a no-break space (which never
# splits a number) and the plain yen sign read the same.
_SPACES: Final = str.maketrans({"\u202f": "\u00a0", "\u2009": "\u00a0", "\u2007": "\u00a0", "\uffe5": "\u00a5"})


@lru_cache(maxsize=64)
def parse_locale(name: str | None) -> Locale:
    """The locale for ``name`` (``en_US``, ``de_DE``); the fallback for a missing or unknown one."""
    try:
        return Locale.parse(name or FALLBACK_LOCALE)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


def uses_letter_paper(locale: Locale) -> bool:
    return locale.territory in LETTER_TERRITORIES


def _plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros, never in exponent form (``10.500`` -> ``10.5``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass(frozen=True, slots=True)
class Formats:
    """How one invoice writes its values: its currency, in the tenant's locale."""

    locale: Locale
    currency: Currency

    @classmethod
    def of(cls, locale: str | None, currency: Currency) -> Formats:
        return cls(parse_locale(locale), currency)

    def money(self, value: Decimal | int | None) -> str:
        """An amount in the invoice currency, rounded to its minor units: ``$1,234.56``."""
        if value is None:
            return ""
        amount = round_money(Decimal(value), self.currency)
        return _spaces(format_currency(amount, self.currency.code, locale=self.locale, decimal_quantization=False))

    def price(self, value: Decimal | int | None) -> str:
        """A unit price: every significant decimal, at least the currency's (``$0.0125``, ``$10.00``)."""
        if value is None:
            return ""
        return _spaces(
            format_currency(_plain(Decimal(value)), self.currency.code, locale=self.locale, decimal_quantization=False)
        )

    def number(self, value: Decimal | int | None) -> str:
        """A quantity or any other number, with every significant decimal: ``1,234.5``."""
        if value is None:
            return ""
        return _spaces(format_decimal(_plain(Decimal(value)), locale=self.locale, decimal_quantization=False))

    def percent(self, value: Decimal | int | None) -> str:
        """A rate given as a fraction, as Zuora keeps tax rates (``0.0725`` -> ``7.25%``)."""
        if value is None:
            return ""
        return _spaces(format_percent(_plain(Decimal(value)), locale=self.locale, decimal_quantization=False))

    def date(self, value: date | datetime | None, style: str = "medium") -> str:
        """A date in the locale's ``short``, ``medium`` (``Jan 15, 2024``, ``15.01.2024``) or ``long`` form."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        if style not in ("short", "medium", "long", "full"):
            style = "medium"
        return _spaces(format_date(value, style, locale=self.locale))


def _spaces(text: str) -> str:
    return text.translate(_SPACES)

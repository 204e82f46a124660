"""Amounts, prices, quantities, rates and dates in the invoice's currency and locale (Babel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billforge.domain.money import EUR, JPY, USD, Currency
from billforge.pdf.formatting import Formats, parse_locale, uses_letter_paper

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("locale", "currency", "amount", "expected"),
    [
        ("en_US", USD, "1234.56", "$1,234.56"),
        ("en_US", USD, "1234.5600", "$1,234.56"),  # stored with 4 decimals, shown with the currency's 2
        ("en_US", USD, "-34.56", "-$34.56"),
        ("en_US", USD, "0", "$0.00"),
        ("de_DE", EUR, "1234.56", f"1.234,56{NBSP}€"),
        ("fr_FR", EUR, "1234.56", f"1{NBSP}234,56{NBSP}€"),  # the narrow space becomes a no-break space
        ("en_GB", Currency("GBP"), "99.5", "£99.50"),
        ("ja_JP", JPY, "1234", "¥1,234"),  # the full-width yen becomes the yen sign the fonts have
        ("en_US", USD, "10.005", "$10.01"),  # rounded half-up by the one rounding function
    ],
)
def test_money(locale: str, currency: Currency, amount: str, expected: str) -> None:
    assert Formats.of(locale, currency).money(Decimal(amount)) == expected


def test_prices_and_quantities_keep_their_decimals() -> None:
    us = Formats.of("en_US", USD)
    assert us.price(Decimal("0.025000000")) == "$0.025"
    assert us.price(Decimal("10.000000000")) == "$10.00"
    assert us.price(Decimal("1234.5")) == "$1,234.50"
    assert us.number(Decimal("10000.000000")) == "10,000"
    assert us.number(Decimal("1.5")) == "1.5"
    assert Formats.of("de_DE", EUR).number(Decimal("10000.25")) == "10.000,25"
    assert us.money(None) == us.price(None) == us.number(None) == us.percent(None) == us.date(None) == ""


def test_rates_are_fractions() -> None:
    assert Formats.of("en_US", USD).percent(Decimal("0.0725")) == "7.25%"
    assert Formats.of("en_US", USD).percent(Decimal("0.060000000")) == "6%"
    assert Formats.of("de_DE", EUR).percent(Decimal("0.19")) == f"19{NBSP}%"


def test_dates() -> None:
    us, de = Formats.of("en_US", USD), Formats.of("de_DE", EUR)
    assert us.date(date(2024, 1, 15)) == "Jan 15, 2024"
    assert us.date(date(2024, 1, 15), "short") == "1/15/24"
    assert us.date(date(2024, 1, 15), "long") == "January 15, 2024"
    assert us.date(date(2024, 1, 15), "nonsense") == "Jan 15, 2024"
    assert de.date(date(2024, 1, 15)) == "15.01.2024"
    assert us.date(datetime(2024, 1, 15, 23, 0, tzinfo=UTC)) == "Jan 15, 2024"


def test_unknown_locales_fall_back_and_paper_follows_the_territory() -> None:
    assert str(parse_locale("xx_YY")) == "en_US"
    assert str(parse_locale(None)) == "en_US"
    assert uses_letter_paper(parse_locale("en_US")) and uses_letter_paper(parse_locale("en_CA"))
    assert not uses_letter_paper(parse_locale("de_DE")) and not uses_letter_paper(parse_locale("en_GB"))

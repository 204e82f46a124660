"""Invoice-number padding and tax-rate matching: the pure rules behind the settings services."""

from __future__ import annotations

from datetime import date

import pytest

from billforge.services.numbering import format_invoice_number
from billforge.services.settings import valid_locale, valid_time_zone
from billforge.services.taxes import rate_applies


@pytest.mark.parametrize(
    ("prefix", "number", "expected"),
    [
        # 1 padded to 8 digits: 7 zeros then 1.
        ("INV", 1, "INV00000001"),
        # 42 padded to 8 digits: 6 zeros then 42.
        ("INV", 42, "INV00000042"),
        # 99,999,999 already has 8 digits: no padding.
        ("INV", 99_999_999, "INV99999999"),
        # 100,000,000 has 9 digits: written in full, never truncated.
        ("INV", 100_000_000, "INV100000000"),
        # A start number with more digits than the padding keeps them all.
        ("EU-", 123_456_789_012, "EU-123456789012"),
        # The longest prefix (16) and number (16 digits) fit invoices.invoice_number (32).
        ("P" * 16, 10**16 - 1, "P" * 16 + "9" * 16),
    ],
)
def test_invoice_number_is_prefix_and_number_padded_to_eight_digits(prefix: str, number: int, expected: str) -> None:
    assert format_invoice_number(prefix, number) == expected


def _applies(
    *,
    start: date | None = None,
    end: date | None = None,
    rate_country: str | None = None,
    rate_state: str | None = None,
    on: date = date(2024, 3, 15),
    country: str | None = "United States",
    state: str | None = "CA",
) -> bool:
    return rate_applies(
        effective_start_date=start,
        effective_end_date=end,
        rate_country=rate_country,
        rate_state=rate_state,
        on_date=on,
        country=country,
        state=state,
    )


def test_a_rate_without_dates_or_place_applies_everywhere_always() -> None:
    assert _applies()
    assert _applies(country=None, state=None)


def test_effective_dates_are_inclusive_at_both_ends() -> None:
    # Effective 2024-03-15 to 2024-03-31: the 14th is before, the 15th and 31st inside, April 1st after.
    assert not _applies(start=date(2024, 3, 15), end=date(2024, 3, 31), on=date(2024, 3, 14))
    assert _applies(start=date(2024, 3, 15), end=date(2024, 3, 31), on=date(2024, 3, 15))
    assert _applies(start=date(2024, 3, 15), end=date(2024, 3, 31), on=date(2024, 3, 31))
    assert not _applies(start=date(2024, 3, 15), end=date(2024, 3, 31), on=date(2024, 4, 1))
    # Open at one end.
    assert _applies(start=date(2020, 1, 1), on=date(2099, 1, 1))
    assert _applies(end=date(2099, 1, 1), on=date(2020, 1, 1))


def test_country_and_state_match_ignoring_case_and_spaces() -> None:
    assert _applies(rate_country="united states", rate_state=" ca ")
    assert _applies(rate_country="UNITED STATES")
    assert not _applies(rate_country="Canada")
    assert not _applies(rate_country="United States", rate_state="NY")


def test_a_rate_for_a_place_does_not_apply_to_a_contact_without_one() -> None:
    assert not _applies(rate_country="Germany", country=None)
    assert not _applies(rate_state="CA", state=None)
    # An empty or blank rule is no rule.
    assert _applies(rate_country="", rate_state="  ", country=None, state=None)


def test_time_zones_are_iana_names() -> None:
    assert valid_time_zone("UTC")
    assert valid_time_zone("Europe/Paris")
    assert not valid_time_zone("Mars/Olympus")
    assert not valid_time_zone("../etc/passwd")
    assert not valid_time_zone("")


def test_locales_are_babel_identifiers() -> None:
    assert valid_locale("en_US")
    assert valid_locale("de_CH")
    assert valid_locale("fr")
    assert not valid_locale("en-US")
    assert not valid_locale("english")
    assert not valid_locale("xx_YY")
    assert not valid_locale("")

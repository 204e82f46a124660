"""XSD values read leniently (booleans in any case, dates from dateTimes) and written canonically."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billforge.errors import InvalidValue
from billforge.soap import values


@pytest.mark.parametrize(
    ("text", "expected"),
    [("True", True), ("true", True), (" TRUE ", True), ("1", True), ("False", False), ("false", False), ("0", False)],
)
def test_booleans_in_any_case(text: str, expected: bool) -> None:
    assert values.read_bool(text, field="IncludesUsage") is expected


@pytest.mark.parametrize("text", ["yes", "", "t", "2"])
def test_other_words_are_not_booleans(text: str) -> None:
    with pytest.raises(InvalidValue, match="IncludesUsage must be true or false"):
        values.read_bool(text, field="IncludesUsage")


@pytest.mark.parametrize(
    "text",
    [
        "2016-07-07",
        "2016-07-07T00:00:00",
        "2016-07-07T23:59:59.125",
        "2016-07-07T00:00:00-08:00",
        "2016-07-07T10:00:00Z",
    ],
)
def test_a_date_field_takes_a_date_or_a_datetime(text: str) -> None:
    assert values.read_date(text, field="InvoiceDate") == date(2016, 7, 7)


@pytest.mark.parametrize("text", ["07/07/2016", "2016-02-30", "2016-07-07T25:00:00", "", "1467849600"])
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(InvalidValue, match="InvoiceDate must be a date"):
        values.read_date(text, field="InvoiceDate")


def test_datetimes_keep_their_offset_and_a_date_is_midnight() -> None:
    assert values.read_datetime("2024-01-15T10:30:00-08:00", field="x") == datetime(
        2024, 1, 15, 10, 30, tzinfo=timezone(timedelta(hours=-8))
    )
    assert values.read_datetime("2024-01-15T10:30:00Z", field="x") == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert values.read_datetime("2024-01-15", field="x") == datetime(2024, 1, 15)  # noqa: DTZ001 - naive on purpose


def test_numbers() -> None:
    assert values.read_decimal(" 2.50 ", field="Price") == Decimal("2.50")
    assert values.read_decimal("-.5", field="Price") == Decimal("-0.5")
    assert values.read_int("+12", field="BillCycleDay") == 12
    for text in ("1e3", "NaN", "1,5", "1" * 41):
        with pytest.raises(InvalidValue):
            values.read_decimal(text, field="Price")
    with pytest.raises(InvalidValue):
        values.read_int("1.0", field="BillCycleDay")


def test_writing() -> None:
    assert values.write(True) == "true"
    assert values.write(Decimal("1E+2")) == "100"
    assert values.write(Decimal("100.50")) == "100.50"
    assert values.write(date(2024, 1, 31)) == "2024-01-31T00:00:00"  # a date, as the WSDL's dateTime
    assert values.write(datetime(2024, 1, 31, 9, 5, tzinfo=UTC)) == "2024-01-31T09:05:00+00:00"
    assert values.write(7) == "7"

"""Java-style date patterns: parsing, formatting, and the messages for bad formats and values."""

from __future__ import annotations

from datetime import date

import pytest

from billforge.bulk.dates import DatePattern, DatePatternError, DateValueError

TODAY = date(2026, 6, 15)


def pattern(text: str) -> DatePattern:
    return DatePattern(text, today=TODAY)


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("yyyy-MM-dd", "2024-03-07", date(2024, 3, 7)),
        ("MM/dd/yyyy", "03/07/2024", date(2024, 3, 7)),
        ("dd.MM.yyyy", "07.03.2024", date(2024, 3, 7)),
        ("M/d/yyyy", "3/7/2024", date(2024, 3, 7)),
        ("M/d/yyyy", "12/31/2024", date(2024, 12, 31)),
        ("M/d/yyyy", "03/07/2024", date(2024, 3, 7)),  # one-letter fields accept a leading zero
        ("yyyyMMdd", "20240229", date(2024, 2, 29)),  # abutting fixed-width fields; 2024 is a leap year
        ("dd MMM yyyy", "07 Mar 2024", date(2024, 3, 7)),
        ("dd MMM yyyy", "07 mar 2024", date(2024, 3, 7)),  # month names in any case
        ("dd MMM yyyy", "07 March 2024", date(2024, 3, 7)),  # Java accepts the long name for MMM too
        ("MMMM d, yyyy", "September 1, 2023", date(2023, 9, 1)),
        ("MMMM d, yyyy", "Sep 1, 2023", date(2023, 9, 1)),
        ("yyyy-MM-dd'T'", "2024-03-07T", date(2024, 3, 7)),  # quoted literal text
        ("'le' d MMMM yyyy", "le 7 March 2024", date(2024, 3, 7)),
        ("yyyy''MM''dd", "2024'03'07", date(2024, 3, 7)),  # '' is one quote
        ("'it''s' yyyy-MM-dd", "it's 2024-03-07", date(2024, 3, 7)),  # '' inside quoted text too
    ],
)
def test_parse(fmt: str, text: str, expected: date) -> None:
    assert pattern(fmt).parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Java's window for yy, anchored on 2026-06-15: years from 1946 (2026 - 80) to 2045.
        ("01/02/46", date(1946, 1, 2)),
        ("01/02/45", date(2045, 1, 2)),
        ("01/02/99", date(1999, 1, 2)),
        ("01/02/00", date(2000, 1, 2)),
        ("01/02/26", date(2026, 1, 2)),
    ],
)
def test_two_digit_years_use_javas_window(text: str, expected: date) -> None:
    assert pattern("MM/dd/yy").parse(text) == expected


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("yyyy-MM-dd", "2023-02-29", "'2023-02-29': February 2023 has no day 29"),
        ("yyyy-MM-dd", "2024-04-31", "'2024-04-31': April 2024 has no day 31"),
        ("yyyy-MM-dd", "2024-13-01", "'2024-13-01': month 13 does not exist (1 to 12)"),
        ("yyyy-MM-dd", "2024-00-10", "'2024-00-10': month 0 does not exist (1 to 12)"),
        ("yyyy-MM-dd", "2024-03-00", "'2024-03-00': March 2024 has no day 0"),
        ("yyyy-MM-dd", "0000-03-01", "'0000-03-01': year 0000 does not exist"),
        (
            "yyyy-MM-dd",
            "03/07/2024",
            "'03/07/2024' does not match the date format yyyy-MM-dd (for example 2024-03-07)",
        ),
        ("yyyy-MM-dd", "2024-3-7", "'2024-3-7' does not match the date format yyyy-MM-dd (for example 2024-03-07)"),
        (
            "yyyy-MM-dd",
            "2024-03-07 ",
            "'2024-03-07 ' does not match the date format yyyy-MM-dd (for example 2024-03-07)",
        ),
        ("dd.MM.yyyy", "07-03-2024", "'07-03-2024' does not match the date format dd.MM.yyyy (for example 07.03.2024)"),
        (
            "dd MMM yyyy",
            "07 Mrz 2024",
            "'07 Mrz 2024' does not match the date format dd MMM yyyy (for example 07 Mar 2024)",
        ),
        ("yyyy-MM-dd", "２０２４-03-07", "does not match"),  # only ASCII digits
    ],
)
def test_bad_values(fmt: str, text: str, message: str) -> None:
    with pytest.raises(DateValueError) as caught:
        pattern(fmt).parse(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("", "the date format is empty; the default is yyyy-MM-dd"),
        ("yyyy-MM-dd HH:mm", "the letter 'H' is not supported"),
        ("EEE yyyy-MM-dd", "the letter 'E' is not supported"),
        ("yyy-MM-dd", "'yyy' is not supported; use yyyy or yy"),
        ("yyyy-MMMMM-dd", "'MMMMM' is not supported; use M, MM, MMM or MMMM"),
        ("yyyy-MM-ddd", "'ddd' is not supported; use d or dd"),
        ("yyyy-MM", "has no day (d or dd)"),
        ("MM-dd", "has no year (yyyy or yy)"),
        ("yyyy-dd", "has no month (M, MM, MMM or MMMM)"),
        ("yyyy-MM-dd yyyy", "has more than one year"),
        ("yyyy-MM-dd 'T", "the quote at position 12 is never closed"),
    ],
)
def test_bad_patterns(fmt: str, message: str) -> None:
    with pytest.raises(DatePatternError) as caught:
        pattern(fmt)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("yyyy-MM-dd", "2024-03-07"),
        ("M/d/yy", "3/7/24"),
        ("dd.MM.yyyy", "07.03.2024"),
        ("d MMM yyyy", "7 Mar 2024"),
        ("MMMM d, yyyy", "March 7, 2024"),
        ("'day' dd 'of' MMMM", None),  # no year: refused when compiled
    ],
)
def test_format(fmt: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(DatePatternError):
            pattern(fmt)
        return
    assert pattern(fmt).format(date(2024, 3, 7)) == expected
    assert pattern(fmt).example == expected

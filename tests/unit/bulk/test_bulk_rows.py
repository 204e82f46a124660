"""Row rules of the template: accounts, booleans, dates, character limits, the header."""

from __future__ import annotations

from datetime import date

import pytest

from billforge.bulk.dates import DatePattern
from billforge.bulk.results import RESULT_COLUMNS
from billforge.bulk.rows import HeaderError, InvoiceRow, RowProblem, is_blank, parse_row, read_header
from billforge.bulk.template import COLUMNS

ID = "8a8ae4b122561fc00122562fbc3d0002"  # the seed's account id: 32 characters
ISO = DatePattern("yyyy-MM-dd", today=date(2026, 1, 1))
HEADER = read_header(list(COLUMNS))


def row(**values: str) -> list[str]:
    names = {
        "id": 0,
        "number": 1,
        "one_time": 2,
        "recurring": 3,
        "usage": 4,
        "date": 5,
        "target": 6,
        "post": 7,
    }
    cells = [""] * 8
    for name, value in values.items():
        cells[names[name]] = value
    return cells


def problem(cells: list[str]) -> RowProblem:
    parsed = parse_row(cells, HEADER, ISO)
    assert isinstance(parsed, RowProblem)
    return parsed


def test_defaults_blank_includes_are_true_blank_post_is_false_date_is_target_date() -> None:
    parsed = parse_row(row(id=ID, target="2024-01-31"), HEADER, ISO)
    assert parsed == InvoiceRow(
        account_id=ID,
        account_number=None,
        includes_one_time=True,
        includes_recurring=True,
        includes_usage=True,
        invoice_date=date(2024, 1, 31),
        target_date=date(2024, 1, 31),
        post=False,
    )


def test_booleans_in_any_case_and_an_explicit_invoice_date() -> None:
    parsed = parse_row(
        row(
            number="A-1",
            one_time="false",
            recurring="True",
            usage="FALSE",
            date="2024-02-01",
            target="2024-01-31",
            post="tRuE",
        ),
        HEADER,
        ISO,
    )
    assert isinstance(parsed, InvoiceRow)
    assert (parsed.account_id, parsed.account_number) == (None, "A-1")
    assert (parsed.includes_one_time, parsed.includes_recurring, parsed.includes_usage, parsed.post) == (
        False,
        True,
        False,
        True,
    )
    assert parsed.invoice_date == date(2024, 2, 1)


def test_spaces_around_values_do_not_matter() -> None:
    parsed = parse_row(row(id=f" {ID} ", target=" 2024-01-31 ", post=" TRUE "), HEADER, ISO)
    assert isinstance(parsed, InvoiceRow)
    assert (parsed.account_id, parsed.target_date, parsed.post) == (ID, date(2024, 1, 31), True)


def test_an_all_digit_id_is_a_zuora_id() -> None:
    assert isinstance(parse_row(row(id="12345", target="2024-01-31"), HEADER, ISO), InvoiceRow)


def test_both_account_fields_are_kept_for_the_resolution_check() -> None:
    parsed = parse_row(row(id=ID, number="A-1", target="2024-01-31"), HEADER, ISO)
    assert isinstance(parsed, InvoiceRow)
    assert (parsed.account_id, parsed.account_number) == (ID, "A-1")


@pytest.mark.parametrize(
    ("cells", "code", "message"),
    [
        (row(target="2024-01-31"), "MISSING_REQUIRED_VALUE", "Invoice.AccountId or Invoice.AccountNumber is required"),
        (row(id=ID), "MISSING_REQUIRED_VALUE", "Invoice.TargetDate is required"),
        (
            row(id=ID + "0", target="2024-01-31"),
            "INVALID_VALUE",
            f"Invoice.AccountId '{ID}0' is longer than 32 characters",
        ),
        (
            row(id="8a8ae4b1-2256", target="2024-01-31"),
            "INVALID_VALUE",
            "Invoice.AccountId '8a8ae4b1-2256' is not a Zuora id (32 letters and digits, or only digits)",
        ),
        (
            row(number="N" * 33, target="2024-01-31"),
            "INVALID_VALUE",
            f"Invoice.AccountNumber '{'N' * 33}' is longer than 32 characters",
        ),
        (
            row(id=ID, target="2024-01-31", post="yes"),
            "INVALID_VALUE",
            "Invoice.Post must be TRUE or FALSE, not 'yes'",
        ),
        (
            row(id=ID, target="2024-01-31", usage="FALSE!"),
            "INVALID_VALUE",
            "Invoice.IncludesUsage 'FALSE!' is longer than 5 characters: use TRUE or FALSE",
        ),
        (
            row(id=ID, target="2024-01-31", one_time="1"),
            "INVALID_VALUE",
            "Invoice.IncludesOneTime must be TRUE or FALSE, not '1'",
        ),
        (
            row(id=ID, target="2024-02-30"),
            "INVALID_VALUE",
            "Invoice.TargetDate '2024-02-30': February 2024 has no day 30",
        ),
        (
            row(id=ID, target="2024-01-31", date="31/01/2024"),
            "INVALID_VALUE",
            "Invoice.Date '31/01/2024' does not match the date format yyyy-MM-dd (for example 2024-03-07)",
        ),
        (
            row(id=ID, target="2024-01-31" + " " * 19 + "x"),  # 30 characters
            "INVALID_VALUE",
            "Invoice.TargetDate '2024-01-31                   x' is longer than 29 characters",
        ),
    ],
)
def test_one_problem(cells: list[str], code: str, message: str) -> None:
    found = problem(cells)
    assert (found.code, found.message) == (code, message)


def test_every_problem_of_a_row_is_named_once_first_code_wins() -> None:
    found = problem(row(id="bad", post="maybe", target="2024-13-01"))
    assert found.code == "INVALID_VALUE"
    assert found.message == (
        "Invoice.AccountId 'bad' is not a Zuora id (32 letters and digits, or only digits); "
        "Invoice.Post must be TRUE or FALSE, not 'maybe'; "
        "Invoice.TargetDate '2024-13-01': month 13 does not exist (1 to 12)"
    )


def test_a_row_longer_than_the_header_fails() -> None:
    found = problem([*row(id=ID, target="2024-01-31"), "extra"])
    assert found.message == "the row has 9 values but the header has 8 columns"


def test_a_short_row_reads_missing_cells_as_blank() -> None:
    parsed = parse_row([ID, "", "", "", "", "", "2024-01-31"], HEADER, ISO)  # no Invoice.Post cell
    assert isinstance(parsed, InvoiceRow)
    assert parsed.post is False


def test_blank_lines_are_not_rows() -> None:
    assert is_blank([])
    assert is_blank(["", " ", "", "", "", "", "", ""])
    assert not is_blank(["", "", "", "", "", "", "2024-01-31", ""])


def test_header_in_another_order_with_extra_and_result_columns() -> None:
    header = read_header(
        [" invoice.targetdate", "Note", "Invoice.AccountNumber", "Status", "Invoice.Post"], reserved=RESULT_COLUMNS
    )
    assert header.positions == {"Invoice.TargetDate": 0, "Invoice.AccountNumber": 2, "Invoice.Post": 4}
    assert header.carried == (0, 1, 2, 4)  # the old Status column is dropped: the results write their own
    assert header.carried_names == [" invoice.targetdate", "Note", "Invoice.AccountNumber", "Invoice.Post"]
    assert header.warnings == (
        "column 2 (Note) is not a template column: it is copied to the results",
        "column 4 (Status) is a result column: the results replace it",
    )
    parsed = parse_row(["2024-01-31", "hello", "A-1", "", "TRUE"], header, ISO)
    assert isinstance(parsed, InvoiceRow)
    assert (parsed.account_number, parsed.target_date, parsed.post) == ("A-1", date(2024, 1, 31), True)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["Invoice.AccountId", "Invoice.Post"], "the header has no Invoice.TargetDate column"),
        (["Invoice.TargetDate", "Invoice.Post"], "the header has neither Invoice.AccountId nor Invoice.AccountNumber"),
        (
            ["Invoice.AccountId", "Invoice.TargetDate", "invoice.accountid"],
            "the header names the column Invoice.AccountId twice (columns 1 and 3)",
        ),
    ],
)
def test_unusable_headers(names: list[str], message: str) -> None:
    with pytest.raises(HeaderError) as caught:
        read_header(names)
    assert message in str(caught.value)

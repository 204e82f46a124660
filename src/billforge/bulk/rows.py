"""Row rules of the Invoice API Generator's CSV (the seed's template fields).

- ``Invoice.AccountId`` or ``Invoice.AccountNumber`` (each at most 32 characters); an id has the
  WSDL's ``zns:ID`` shape (32 letters and digits, or only digits). When both are given, the
  number must resolve to that id (checked once numbers are resolved through the target).
- ``Invoice.IncludesOneTime``, ``Invoice.IncludesRecurring``, ``Invoice.IncludesUsage``: TRUE or
  FALSE in any case, blank is TRUE (the generate call's default). ``Invoice.Post``: TRUE or FALSE,
  blank is FALSE (the seed's default). At most 5 characters.
- ``Invoice.TargetDate`` required, ``Invoice.Date`` defaults to it; both in the run's date format,
  at most 29 characters.

A row that breaks a rule fails alone, with every problem it has in one message; it never stops
the run. Only a header the run cannot work with (no target date column, duplicate columns) does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from billforge.bulk import template as col
from billforge.bulk.dates import DatePattern, DateValueError

ID_MAX: Final = 32
BOOLEAN_MAX: Final = 5
DATE_MAX: Final = 29
_ZUORA_ID: Final = re.compile(r"[A-Za-z0-9]{32}|[0-9]+")

MISSING: Final = "MISSING_REQUIRED_VALUE"
INVALID: Final = "INVALID_VALUE"


class HeaderError(ValueError):
    """The file's header line makes the whole file unusable."""


@dataclass(frozen=True, slots=True)
class Header:
    """Where each template column sits in the file, and which columns the results copy."""

    names: tuple[str, ...]  # as written in the file
    positions: dict[str, int]  # template column -> index in a row
    carried: tuple[int, ...]  # indexes of the columns copied into the results, in file order
    warnings: tuple[str, ...]

    @property
    def carried_names(self) -> list[str]:
        return [self.names[i] for i in self.carried]


def read_header(cells: Sequence[str], *, reserved: Collection[str] = ()) -> Header:
    """Match the header to the template's columns (spaces around names and letter case do not
    matter). Columns named like a result column (``reserved``) are dropped from the copy, so a
    results file can be fed back in; other unknown columns are copied and otherwise ignored."""
    names = tuple(cells)
    known = {name.lower(): name for name in col.COLUMNS}
    reserved_lower = {name.lower() for name in reserved}
    positions: dict[str, int] = {}
    carried: list[int] = []
    warnings: list[str] = []
    for index, raw in enumerate(names):
        name = raw.strip()
        canonical = known.get(name.lower())
        if canonical is not None:
            if canonical in positions:
                raise HeaderError(
                    f"the header names the column {canonical} twice "
                    f"(columns {positions[canonical] + 1} and {index + 1})"
                )
            positions[canonical] = index
            carried.append(index)
        elif name.lower() in reserved_lower:
            warnings.append(f"column {index + 1} ({name}) is a result column: the results replace it")
        else:
            if name:
                warnings.append(f"column {index + 1} ({name}) is not a template column: it is copied to the results")
            carried.append(index)
    if col.TARGET_DATE not in positions:
        raise HeaderError(
            f"the header has no {col.TARGET_DATE} column (the template's columns: {', '.join(col.COLUMNS)})"
        )
    if col.ACCOUNT_ID not in positions and col.ACCOUNT_NUMBER not in positions:
        raise HeaderError(f"the header has neither {col.ACCOUNT_ID} nor {col.ACCOUNT_NUMBER}: one of them is required")
    return Header(names, positions, tuple(carried), tuple(warnings))


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One valid row: one invoice to generate (and maybe post)."""

    account_id: str | None
    account_number: str | None
    includes_one_time: bool
    includes_recurring: bool
    includes_usage: bool
    invoice_date: date
    target_date: date
    post: bool


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row cannot run: a Zuora-style error code and a message naming every problem."""

    code: str
    message: str


def is_blank(cells: Sequence[str]) -> bool:
    """A line with no values at all (spreadsheets leave ``,,,,,,,`` lines behind): not a row."""
    return all(not cell.strip() for cell in cells)


def parse_row(cells: Sequence[str], header: Header, pattern: DatePattern) -> InvoiceRow | RowProblem:
    problems: list[tuple[str, str]] = []
    if len(cells) > len(header.names):
        problems.append((INVALID, f"the row has {len(cells)} values but the header has {len(header.names)} columns"))

    def value(column: str) -> str:
        index = header.positions.get(column)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    account_id = _identifier(col.ACCOUNT_ID, value(col.ACCOUNT_ID), problems, zuora_id=True)
    account_number = _identifier(col.ACCOUNT_NUMBER, value(col.ACCOUNT_NUMBER), problems, zuora_id=False)
    if not value(col.ACCOUNT_ID) and not value(col.ACCOUNT_NUMBER):
        problems.append((MISSING, f"{col.ACCOUNT_ID} or {col.ACCOUNT_NUMBER} is required"))
    one_time = _boolean(col.INCLUDES_ONE_TIME, value(col.INCLUDES_ONE_TIME), True, problems)
    recurring = _boolean(col.INCLUDES_RECURRING, value(col.INCLUDES_RECURRING), True, problems)
    usage = _boolean(col.INCLUDES_USAGE, value(col.INCLUDES_USAGE), True, problems)
    post = _boolean(col.POST, value(col.POST), False, problems)
    target_date = _date(col.TARGET_DATE, value(col.TARGET_DATE), pattern, problems, required=True)
    invoice_date = _date(col.INVOICE_DATE, value(col.INVOICE_DATE), pattern, problems, required=False)
    if problems or target_date is None:
        code = problems[0][0] if problems else MISSING
        return RowProblem(code, "; ".join(message for _, message in problems))
    return InvoiceRow(
        account_id=account_id,
        account_number=account_number,
        includes_one_time=one_time,
        includes_recurring=recurring,
        includes_usage=usage,
        invoice_date=invoice_date or target_date,
        target_date=target_date,
        post=post,
    )


def _identifier(column: str, text: str, problems: list[tuple[str, str]], *, zuora_id: bool) -> str | None:
    if not text:
        return None
    if len(text) > ID_MAX:
        problems.append((INVALID, f"{column} {_shown(text)} is longer than {ID_MAX} characters"))
        return None
    if zuora_id and not _ZUORA_ID.fullmatch(text):
        problems.append((INVALID, f"{column} {text!r} is not a Zuora id (32 letters and digits, or only digits)"))
        return None
    return text


def _boolean(column: str, text: str, default: bool, problems: list[tuple[str, str]]) -> bool:
    if not text:
        return default
    if len(text) > BOOLEAN_MAX:
        problems.append(
            (INVALID, f"{column} {_shown(text)} is longer than {BOOLEAN_MAX} characters: use TRUE or FALSE")
        )
        return default
    upper = text.upper()
    if upper not in ("TRUE", "FALSE"):
        problems.append((INVALID, f"{column} must be TRUE or FALSE, not {text!r}"))
        return default
    return upper == "TRUE"


def _date(
    column: str, text: str, pattern: DatePattern, problems: list[tuple[str, str]], *, required: bool
) -> date | None:
    if not text:
        if required:
            problems.append((MISSING, f"{column} is required"))
        return None
    if len(text) > DATE_MAX:
        problems.append((INVALID, f"{column} {_shown(text)} is longer than {DATE_MAX} characters"))
        return None
    try:
        return pattern.parse(text)
    except DateValueError as error:
        problems.append((INVALID, f"{column} {error}"))
        return None


def _shown(text: str) -> str:
    """A value quoted for a message, cut short when it is long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")

"""The Invoice API Generator's CSV template: the seed's fields, in the seed's order."""

from __future__ import annotations

import csv
import io
from typing import Final

ACCOUNT_ID: Final = "Invoice.AccountId"
ACCOUNT_NUMBER: Final = "Invoice.AccountNumber"
INCLUDES_ONE_TIME: Final = "Invoice.IncludesOneTime"
INCLUDES_RECURRING: Final = "Invoice.IncludesRecurring"
INCLUDES_USAGE: Final = "Invoice.IncludesUsage"
INVOICE_DATE: Final = "Invoice.Date"
TARGET_DATE: Final = "Invoice.TargetDate"
POST: Final = "Invoice.Post"

COLUMNS: Final = (
    ACCOUNT_ID,
    ACCOUNT_NUMBER,
    INCLUDES_ONE_TIME,
    INCLUDES_RECURRING,
    INCLUDES_USAGE,
    INVOICE_DATE,
    TARGET_DATE,
    POST,
)


def template_csv() -> str:
    """The template: the header line only (CRLF, as spreadsheets write CSV)."""
    out = io.StringIO()
    csv.writer(out).writerow(COLUMNS)
    return out.getvalue()

"""The results file: the input's columns plus what happened, one line per input row, in input order.

    Status          Success, Failed or Skipped
    InvoiceId       the generated invoice (also on a row that failed after generation)
    InvoiceNumber
    Posted          TRUE or FALSE
    ErrorCode       a Zuora error code (INVALID_VALUE, ...) or one of the bulk runner's own below
    ErrorMessage    why, in words; on a Skipped row, what the earlier run recorded

The file is written to a temporary name and moved into place, so a reader never sees half of it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from billforge.bulk.spool import FAILED, GENERATED, PENDING, SKIPPED, SUCCESS, UNFINISHED, ResultRow

RESULT_COLUMNS: Final = ("Status", "InvoiceId", "InvoiceNumber", "Posted", "ErrorCode", "ErrorMessage")

# The runner's own error codes (the others come from the row rules or the target).
CREDIT_MEMO_REQUIRED: Final = "CREDIT_MEMO_REQUIRED"
OUTCOME_UNKNOWN: Final = "OUTCOME_UNKNOWN"
NOT_PROCESSED: Final = "NOT_PROCESSED"


def status_of(state: str) -> str:
    if state == SUCCESS:
        return "Success"
    if state in (FAILED, UNFINISHED):
        return "Failed"
    return "Skipped"  # skipped, and rows a stopped run never finished (pending, generated)


def write_results(
    path: Path,
    columns: list[str],
    rows: Iterable[ResultRow],
    *,
    stopped: str | None,
    hint: str = "run again with --resume to finish it",
) -> None:
    """Write the results file. ``stopped`` is why the run ended early, and ``hint`` what to do, for
    rows it never finished."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, *RESULT_COLUMNS])
        for row in rows:
            code, message = row.code, row.message
            if row.state in (PENDING, GENERATED):
                code = NOT_PROCESSED
                what = "generated but not posted yet" if row.state == GENERATED else "not processed"
                message = f"{what}: {stopped or 'the run stopped'}; {hint}"
            cells = row.cells + [""] * (len(columns) - len(row.cells))
            writer.writerow(
                [
                    *cells,
                    status_of(row.state),
                    row.invoice_id or "",
                    row.invoice_number or "",
                    "TRUE" if row.posted else "FALSE",
                    code or "",
                    message or "",
                ]
            )
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


@dataclass(frozen=True, slots=True)
class Summary:
    name: str
    rows: int
    success: int
    failed: int
    skipped: int
    posted: int
    seconds: float
    results: Path
    stopped: str | None = None

    @property
    def rate(self) -> float:
        done = self.success + self.failed
        return done / self.seconds if self.seconds > 0 else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{self.name}: {self.rows} rows: {self.success} Success, {self.failed} Failed, {self.skipped} Skipped; "
            f"{self.posted} invoices posted",
            f"{self.seconds:.1f} s, {self.rate:.1f} rows/s; results in {self.results}",
        ]
        if self.stopped:
            out.append(f"the run stopped early: {self.stopped}; run again with --resume to finish it")
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "rows": self.rows,
            "success": self.success,
            "failed": self.failed,
            "skipped": self.skipped,
            "posted": self.posted,
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
        }


def summarize(
    name: str, counts: dict[str, int], posted: int, seconds: float, results: Path, stopped: str | None
) -> Summary:
    return Summary(
        name=name,
        rows=sum(counts.values()),
        success=counts.get(SUCCESS, 0),
        failed=counts.get(FAILED, 0) + counts.get(UNFINISHED, 0),
        skipped=counts.get(SKIPPED, 0) + counts.get(PENDING, 0) + counts.get(GENERATED, 0),
        posted=posted,
        seconds=seconds,
        results=results,
        stopped=stopped,
    )

"""The rows of a run, spooled to an SQLite file beside the results so memory does not grow with the
number of rows: the runner reads one account's rows at a time, and the results are written by
streaming the table in input order.

The spool is a scratch copy, rebuilt from the input file on every run (and on ``--resume``, from the
input file plus the journal): it needs no durability of its own, so SQLite runs without a rollback
journal or fsync here. The journal (``journal.py``) is what survives a crash.

Row states:

    pending     to generate
    generated   generated, waiting to be posted (Invoice.Post=TRUE)
    success     finished: generated (and posted if asked)
    failed      finished: the row could not be billed (bad value, refused by the target, ...)
    unfinished  attempted in this run without a known outcome (the run stopped): resume to settle it
    skipped     finished before a resume; carries what that run recorded
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from billforge.bulk.dates import DatePattern
from billforge.bulk.rows import Header, InvoiceRow, RowProblem, is_blank, parse_row, read_header
from billforge.bulk.target import InvoiceRequest

PENDING: Final = "pending"
GENERATED: Final = "generated"
SUCCESS: Final = "success"
FAILED: Final = "failed"
UNFINISHED: Final = "unfinished"
SKIPPED: Final = "skipped"
FINAL_STATES: Final = frozenset({SUCCESS, FAILED})

_INSERT_CHUNK: Final = 1000

_SCHEMA: Final = """
CREATE TABLE rows (
    idx INTEGER PRIMARY KEY,   -- position among the data rows, from 0
    line INTEGER NOT NULL,     -- line of the file where the row ends (the header is line 1)
    cells TEXT NOT NULL,       -- JSON list: the row's values in the columns the results copy
    account_id TEXT,
    account_number TEXT,
    account TEXT,              -- the account's id once known: the grouping key
    one_time INTEGER,
    recurring INTEGER,
    usage INTEGER,
    invoice_date TEXT,
    target_date TEXT,
    post INTEGER,
    state TEXT NOT NULL,
    invoice_id TEXT,
    invoice_number TEXT,
    posted INTEGER NOT NULL DEFAULT 0,
    code TEXT,
    message TEXT
);
CREATE INDEX rows_by_account ON rows (account, target_date, idx);
CREATE INDEX rows_by_number ON rows (account_number);
CREATE INDEX rows_by_invoice ON rows (invoice_id);
CREATE TABLE accounts (seq INTEGER PRIMARY KEY, account TEXT NOT NULL UNIQUE);
"""


@dataclass(frozen=True, slots=True)
class SpooledRow:
    """A row as the runner sees it: what to generate, and how far it got."""

    idx: int
    line: int
    account: str | None
    account_number: str | None
    includes_one_time: bool
    includes_recurring: bool
    includes_usage: bool
    invoice_date: date
    target_date: date
    post: bool
    state: str
    invoice_id: str | None
    invoice_number: str | None

    @property
    def request(self) -> InvoiceRequest:
        if self.account is None:
            raise ValueError(f"row {self.idx + 1} has no account id yet")
        return InvoiceRequest(
            account_id=self.account,
            invoice_date=self.invoice_date,
            target_date=self.target_date,
            includes_one_time=self.includes_one_time,
            includes_recurring=self.includes_recurring,
            includes_usage=self.includes_usage,
        )


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What happened to a row: a new state, and the invoice and error that go with it."""

    idx: int
    state: str
    invoice_id: str | None = None
    invoice_number: str | None = None
    posted: bool = False
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.idx, "state": self.state}
        for name in ("invoice_id", "invoice_number", "code", "message"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.posted:
            data["posted"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowOutcome:
        return cls(
            idx=int(data["row"]),
            state=str(data["state"]),
            invoice_id=data.get("invoice_id"),
            invoice_number=data.get("invoice_number"),
            posted=bool(data.get("posted", False)),
            code=data.get("code"),
            message=data.get("message"),
        )


@dataclass(frozen=True, slots=True)
class ResultRow:
    cells: list[str]
    state: str
    invoice_id: str | None
    invoice_number: str | None
    posted: bool
    code: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class LoadStats:
    header: Header
    rows: int
    invalid: int
    blank_lines: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that failed before reaching the target (for ``--dry-run`` listings)."""

    idx: int
    line: int
    code: str
    message: str


class Spool:
    """One SQLite file; every method may be called from any thread."""

    def __init__(self, path: Path) -> None:
        """Start a fresh spool at ``path`` (an old one there is replaced)."""
        self.path = path
        for leftover in (path, path.with_name(path.name + "-journal")):
            leftover.unlink(missing_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.executescript(_SCHEMA)

    def close(self, *, delete: bool = False) -> None:
        with self._lock:
            self._conn.close()
        if delete:
            self.path.unlink(missing_ok=True)

    # --- loading ------------------------------------------------------------------------------

    def load(self, source: Path, pattern: DatePattern, *, reserved: Collection[str]) -> LoadStats:
        """Read the input CSV (UTF-8, with or without a byte order mark), check every row, and
        spool it. Raises ``HeaderError`` when the header is unusable."""
        with source.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                header = read_header(next(reader), reserved=reserved)
            except StopIteration:
                from billforge.bulk.rows import HeaderError

                raise HeaderError("the file is empty: it needs the template's header line") from None
            rows = invalid = blank = 0
            chunk: list[tuple[Any, ...]] = []
            for cells in reader:
                if is_blank(cells):
                    blank += 1
                    continue
                parsed = parse_row(cells, header, pattern)
                carried = json.dumps([cells[i] if i < len(cells) else "" for i in header.carried])
                chunk.append(_row_values(rows, reader.line_num, carried, parsed))
                invalid += isinstance(parsed, RowProblem)
                rows += 1
                if len(chunk) >= _INSERT_CHUNK:
                    self._insert(chunk)
                    chunk = []
            self._insert(chunk)
        return LoadStats(header, rows, invalid, blank)

    def _insert(self, chunk: list[tuple[Any, ...]]) -> None:
        if not chunk:
            return
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT INTO rows (idx, line, cells, account_id, account_number, account, one_time, recurring, usage,"
                " invoice_date, target_date, post, state, code, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                chunk,
            )
            self._conn.execute("COMMIT")

    # --- account numbers ----------------------------------------------------------------------

    def numbers_to_resolve(self, batch_size: int) -> Iterator[list[str]]:
        """Distinct account numbers of rows still to run, in batches (resolution fills ``account``)."""
        last = ""
        while True:
            with self._lock:
                found = [
                    r[0]
                    for r in self._conn.execute(
                        "SELECT DISTINCT account_number FROM rows WHERE account_number > ? AND state IN (?, ?)"
                        " ORDER BY account_number LIMIT ?",
                        (last, PENDING, GENERATED, batch_size),
                    )
                ]
            if not found:
                return
            yield found
            last = found[-1]

    def apply_resolution(self, numbers: Sequence[str], resolved: dict[str, str]) -> None:
        """Give rows with these numbers their account id, or fail them: unknown number, or a number
        that is another account than the row's AccountId."""
        with self._lock:
            self._conn.execute("BEGIN")
            for number in numbers:
                account = resolved.get(number)
                if account is None:
                    self._conn.execute(
                        "UPDATE rows SET state = ?, code = 'INVALID_VALUE', message = ? "
                        "WHERE account_number = ? AND state IN (?, ?)",
                        (
                            FAILED,
                            f"Invoice.AccountNumber {number!r}: no account has this number",
                            number,
                            PENDING,
                            GENERATED,
                        ),
                    )
                    continue
                self._conn.execute(
                    "UPDATE rows SET account = ? WHERE account_number = ? AND account_id IS NULL AND state IN (?, ?)",
                    (account, number, PENDING, GENERATED),
                )
                self._conn.execute(
                    "UPDATE rows SET state = ?, code = 'INVALID_VALUE', message = "
                    "'Invoice.AccountId ' || quote(account_id) || ' and Invoice.AccountNumber ' "
                    "|| quote(account_number) || ' are different accounts (that number is account ' || ? || ')' "
                    "WHERE account_number = ? AND account_id IS NOT NULL AND account_id <> ? AND state IN (?, ?)",
                    (FAILED, account, number, account, PENDING, GENERATED),
                )
            self._conn.execute("COMMIT")

    def build_accounts(self) -> int:
        """List the accounts with rows to run, earliest target date first (then file order): the
        order in which threads take them."""
        with self._lock:
            self._conn.execute("DELETE FROM accounts")
            self._conn.execute(
                "INSERT INTO accounts (account) SELECT account FROM rows WHERE account IS NOT NULL AND state IN (?, ?)"
                " GROUP BY account ORDER BY MIN(target_date), MIN(idx)",
                (PENDING, GENERATED),
            )
            return int(self._conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0])

    def next_accounts(self, after: int, limit: int) -> list[tuple[int, str]]:
        with self._lock:
            return [
                (int(seq), str(account))
                for seq, account in self._conn.execute(
                    "SELECT seq, account FROM accounts WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
                )
            ]

    # --- running ------------------------------------------------------------------------------

    def account_rows(self, account: str) -> list[SpooledRow]:
        """The account's rows still to run, earliest target date first, then in file order."""
        with self._lock:
            cursor = self._conn.execute(
                "SELECT idx, line, account, account_number, one_time, recurring, usage, invoice_date, target_date,"
                " post, state, invoice_id, invoice_number FROM rows WHERE account = ? AND state IN (?, ?)"
                " ORDER BY target_date, idx",
                (account, PENDING, GENERATED),
            )
            return [_spooled(r) for r in cursor]

    def rows(self, indexes: Collection[int]) -> list[SpooledRow]:
        placeholders = ",".join("?" * len(indexes))
        columns = "idx, line, account, account_number, one_time, recurring, usage, invoice_date, target_date, post"
        query = f"SELECT {columns}, state, invoice_id, invoice_number FROM rows WHERE idx IN ({placeholders})"  # noqa: S608 (only "?" placeholders are put in)
        query += " ORDER BY target_date, idx"
        with self._lock:
            cursor = self._conn.execute(query, tuple(indexes))
            return [_spooled(r) for r in cursor]

    def record(self, outcomes: Sequence[RowOutcome]) -> None:
        if not outcomes:
            return
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "UPDATE rows SET state = ?, invoice_id = ?, invoice_number = ?, posted = ?, code = ?, message = ?"
                " WHERE idx = ?",
                [(o.state, o.invoice_id, o.invoice_number, int(o.posted), o.code, o.message, o.idx) for o in outcomes],
            )
            self._conn.execute("COMMIT")

    def claimed(self, invoice_ids: Collection[str]) -> set[str]:
        """Which of these invoices already belong to a row."""
        if not invoice_ids:
            return set()
        with self._lock:
            cursor = self._conn.execute(
                f"SELECT invoice_id FROM rows WHERE invoice_id IN ({','.join('?' * len(invoice_ids))})",  # noqa: S608 (placeholders only)
                tuple(invoice_ids),
            )
            return {str(r[0]) for r in cursor}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {str(s): int(n) for s, n in self._conn.execute("SELECT state, COUNT(*) FROM rows GROUP BY state")}

    def posted_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM rows WHERE posted = 1").fetchone()[0])

    def problems(self, limit: int) -> list[Problem]:
        """Rows that failed before reaching the target, in file order."""
        with self._lock:
            return [
                Problem(int(i), int(line), str(code), str(message))
                for i, line, code, message in self._conn.execute(
                    "SELECT idx, line, code, message FROM rows WHERE state = ? ORDER BY idx LIMIT ?", (FAILED, limit)
                )
            ]

    def account_sizes(self) -> Iterator[tuple[str, int, int, str, str]]:
        """Per account, in the order threads take them: (account, rows to generate, rows to post,
        earliest target date, latest target date)."""
        after = 0
        while True:
            batch = self.next_accounts(after, 500)
            if not batch:
                return
            for seq, account in batch:
                with self._lock:
                    n, posts, first, last = self._conn.execute(
                        "SELECT COUNT(*), SUM(post), MIN(target_date), MAX(target_date) FROM rows"
                        " WHERE account = ? AND state = ?",
                        (account, PENDING),
                    ).fetchone()
                yield account, int(n), int(posts or 0), str(first), str(last)
                after = seq

    def results(self) -> Iterator[ResultRow]:
        """Every row in input order, streamed in pages."""
        after = -1
        while True:
            with self._lock:
                page = self._conn.execute(
                    "SELECT idx, cells, state, invoice_id, invoice_number, posted, code, message FROM rows"
                    " WHERE idx > ? ORDER BY idx LIMIT 1000",
                    (after,),
                ).fetchall()
            if not page:
                return
            for idx, cells, state, invoice_id, number, posted, code, message in page:
                yield ResultRow(json.loads(cells), state, invoice_id, number, bool(posted), code, message)
                after = idx


def _row_values(idx: int, line: int, cells: str, parsed: InvoiceRow | RowProblem) -> tuple[Any, ...]:
    if isinstance(parsed, RowProblem):
        return (
            idx,
            line,
            cells,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            FAILED,
            parsed.code,
            parsed.message,
        )
    return (
        idx,
        line,
        cells,
        parsed.account_id,
        parsed.account_number,
        parsed.account_id,
        int(parsed.includes_one_time),
        int(parsed.includes_recurring),
        int(parsed.includes_usage),
        parsed.invoice_date.isoformat(),
        parsed.target_date.isoformat(),
        int(parsed.post),
        PENDING,
        None,
        None,
    )


def _spooled(r: tuple[Any, ...]) -> SpooledRow:
    idx, line, account, number, one_time, recurring, usage, invoice_date, target_date, post, state, inv, num = r
    return SpooledRow(
        idx=int(idx),
        line=int(line),
        account=account,
        account_number=number,
        includes_one_time=bool(one_time),
        includes_recurring=bool(recurring),
        includes_usage=bool(usage),
        invoice_date=date.fromisoformat(invoice_date),
        target_date=date.fromisoformat(target_date),
        post=bool(post),
        state=str(state),
        invoice_id=inv,
        invoice_number=num,
    )

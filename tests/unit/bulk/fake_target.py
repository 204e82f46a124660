"""A fake billing target for the bulk runner's tests.

It keeps its invoices in SQLite (``:memory:``, or a file so that a ``billforge bulk generate``
subprocess and the test see the same state), bills every object it is given WITHOUT any protection
against billing twice (so a duplicate proves the runner sent an object twice), and misbehaves on
cue, deterministically:

    refuse          {"ACCOUNT|YYYY-MM-DD": "message"}   those objects fail with INVALID_VALUE
    amounts         {"ACCOUNT|YYYY-MM-DD": "-5.00"}     invoice amounts (default 100.00)
    throttle_calls  [n, ...]                            generate call n answers 429 (Retry-After 7)
    lose_calls      [n, ...]                            generate call n bills, then loses its answer
    drop_calls      [n, ...]                            generate call n loses its answer without billing
    crash_after_call n                                  raises Crash (a BaseException, like a kill)
                                                        right after generate call n billed
    kill_after_call n                                   the process kills itself (SIGKILL) right
                                                        after generate call n billed, before answering
    lose_post_calls [n, ...]                            post call n posts, then loses its answer
    crash_after_post_call n                             raises Crash right after post call n posted
    throttle_objects ["ACCOUNT|DATE"]                   that object is refused with
                                                        REQUEST_EXCEEDED_LIMIT the first time
    refuse_post     ["ACCOUNT|DATE"]                    posting that invoice fails
    delay           seconds per generate call
    limit           the concurrency limit it announces (None: none)
    unannounced     the cap when it announces none (a SOAP target's 20)
    settlement      true / false / null (does not say)
    accounts        {"A-1": "account id"}               account numbers

Generate calls are numbered from 1 across processes (the counter is in the database).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billforge.bulk.target import (
    FoundInvoice,
    Generated,
    GenerateResult,
    InvoiceRequest,
    OutcomeUnknown,
    PostResult,
    Refused,
    Retryable,
    Target,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS config (value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, number TEXT NOT NULL, account TEXT NOT NULL,
    invoice_date TEXT NOT NULL, target_date TEXT NOT NULL,
    one_time INTEGER NOT NULL, recurring INTEGER NOT NULL, usage INTEGER NOT NULL,
    amount TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_by_account ON invoices (account);
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, account TEXT, size INTEGER NOT NULL,
    thread TEXT NOT NULL, key TEXT, dates TEXT NOT NULL
);
"""


class Crash(BaseException):
    """Stands for the process dying: nothing of the runner's error handling should swallow it."""


class FakeTarget:
    def __init__(self, path: str = ":memory:", config: dict[str, Any] | None = None) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()
        if config is not None:
            self._conn.execute("DELETE FROM config")
            self._conn.execute("INSERT INTO config VALUES (?)", (json.dumps(config),))
        row = self._conn.execute("SELECT value FROM config").fetchone()
        self.config: dict[str, Any] = json.loads(row[0]) if row else {}
        self.active = 0
        self.most_active = 0
        self.opened = False
        self.closed = False
        self.discarded: list[str] = []

    # --- protocol ------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return "fake"

    @property
    def unannounced_limit(self) -> int | None:
        value = self.config.get("unannounced")
        return int(value) if value is not None else None

    def open(self) -> None:
        self.opened = True

    def close(self) -> None:
        self.closed = True

    def concurrency_limit(self) -> int | None:
        value = self.config.get("limit")
        return int(value) if value is not None else None

    def invoice_settlement(self) -> bool | None:
        value = self.config.get("settlement", False)
        return None if value is None else bool(value)

    def resolve_accounts(self, numbers: Sequence[str]) -> dict[str, str]:
        known: dict[str, str] = self.config.get("accounts", {})
        return {n: known[n] for n in numbers if n in known}

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            if self.config.get("delay"):
                time.sleep(float(self.config["delay"]))
            accounts = {o.account_id for o in objects}
            assert len(accounts) == 1, "a generate call mixed accounts"
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                number = self._next("generate")
                self._conn.execute(
                    "INSERT INTO calls (op, account, size, thread, key, dates) VALUES ('generate', ?, ?, ?, ?, ?)",
                    (
                        objects[0].account_id,
                        len(objects),
                        threading.current_thread().name,
                        key,
                        json.dumps([o.target_date.isoformat() for o in objects]),
                    ),
                )
                if number in self.config.get("throttle_calls", []):
                    self._conn.execute("COMMIT")
                    raise Retryable("429 too many requests", retry_after=7)
                if number in self.config.get("drop_calls", []):
                    self._conn.execute("COMMIT")
                    raise OutcomeUnknown("read timeout")
                results = [self._bill(o) for o in objects]
                self._conn.execute("COMMIT")
            if number == self.config.get("kill_after_call"):
                os.kill(os.getpid(), signal.SIGKILL)
            if number == self.config.get("crash_after_call"):
                raise Crash(f"crashed after generate call {number}")
            if number in self.config.get("lose_calls", []):
                raise OutcomeUnknown("connection reset after the request was sent")
            return results
        finally:
            with self._lock:
                self.active -= 1

    def _next(self, name: str) -> int:
        self._conn.execute("INSERT OR IGNORE INTO counters VALUES (?, 0)", (name,))
        self._conn.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
        return int(self._conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0])

    def _bill(self, o: InvoiceRequest) -> GenerateResult:
        where = f"{o.account_id}|{o.target_date.isoformat()}"
        refused = self.config.get("refuse", {}).get(where)
        if refused:
            return Refused("INVALID_VALUE", refused)
        if where in self.config.get("throttle_objects", []) and self._next(f"throttled {where}") == 1:
            return Refused("REQUEST_EXCEEDED_LIMIT", "too many requests")
        seq = self._next("invoice")
        invoice_id = f"{seq:032x}"
        self._conn.execute(
            "INSERT INTO invoices (id, number, account, invoice_date, target_date, one_time, recurring, usage, amount,"
            " status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Draft', ?)",
            (
                invoice_id,
                f"INV{seq:08d}",
                o.account_id,
                o.invoice_date.isoformat(),
                o.target_date.isoformat(),
                int(o.includes_one_time),
                int(o.includes_recurring),
                int(o.includes_usage),
                self.config.get("amounts", {}).get(where, "100.00"),
                datetime.now(UTC).isoformat(),
            ),
        )
        return Generated(invoice_id)

    def post(self, invoice_ids: Sequence[str], *, key: str) -> list[PostResult]:
        out: list[PostResult] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            number = self._next("post")
            first = self._conn.execute("SELECT account FROM invoices WHERE id = ?", (invoice_ids[0],)).fetchone()
            self._conn.execute(
                "INSERT INTO calls (op, account, size, thread, key, dates) VALUES ('post', ?, ?, ?, ?, '[]')",
                (first[0] if first else None, len(invoice_ids), threading.current_thread().name, key),
            )
            for invoice_id in invoice_ids:
                row = self._conn.execute(
                    "SELECT account, target_date, status FROM invoices WHERE id = ?", (invoice_id,)
                ).fetchone()
                if row is None:
                    out.append(Refused("INVALID_ID", f"no invoice {invoice_id}"))
                elif f"{row[0]}|{row[1]}" in self.config.get("refuse_post", []):
                    out.append(Refused("INVALID_VALUE", "the accounting period is closed"))
                elif row[2] != "Draft":
                    out.append(Refused("INVALID_VALUE", f"the invoice is {row[2]}, not Draft"))
                else:
                    self._conn.execute("UPDATE invoices SET status = 'Posted' WHERE id = ?", (invoice_id,))
                    out.append(None)
            self._conn.execute("COMMIT")
        if number in self.config.get("lose_post_calls", []):
            raise OutcomeUnknown("the post call's answer was lost")
        if number == self.config.get("crash_after_post_call"):
            raise Crash(f"crashed after post call {number}")
        return out

    def find_invoices(
        self, account_id: str, *, target_dates: Collection[date] = (), ids: Collection[str] = ()
    ) -> list[FoundInvoice]:
        dates = {d.isoformat() for d in target_dates}
        with self._lock:
            rows = self._conn.execute("SELECT * FROM invoices WHERE account = ? ORDER BY seq", (account_id,)).fetchall()
        return [_found(r) for r in rows if r[5] in dates or r[1] in ids]

    def discard(self, invoice_ids: Sequence[str]) -> None:
        with self._lock:
            for invoice_id in invoice_ids:
                self._conn.execute("DELETE FROM invoices WHERE id = ?", (invoice_id,))
                self.discarded.append(invoice_id)

    # --- for tests ------------------------------------------------------------------------------

    def reconfigure(self, **changes: Any) -> None:
        self.config.update(changes)
        with self._lock:
            self._conn.execute("DELETE FROM config")
            self._conn.execute("INSERT INTO config VALUES (?)", (json.dumps(self.config),))

    def invoices(self) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._conn.execute("SELECT * FROM invoices ORDER BY seq")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def calls(self, op: str = "generate") -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._conn.execute("SELECT * FROM calls WHERE op = ? ORDER BY seq", (op,))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _found(r: tuple[Any, ...]) -> FoundInvoice:
    (
        _seq,
        invoice_id,
        number,
        account,
        invoice_date,
        target_date,
        one_time,
        recurring,
        usage,
        amount,
        status,
        created,
    ) = r
    return FoundInvoice(
        invoice_id=invoice_id,
        invoice_number=number,
        account_id=account,
        invoice_date=date.fromisoformat(invoice_date),
        target_date=date.fromisoformat(target_date),
        amount=Decimal(amount),
        status=status,
        created=datetime.fromisoformat(created),
        includes_one_time=bool(one_time),
        includes_recurring=bool(recurring),
        includes_usage=bool(usage),
    )


def register() -> None:
    """Let ``--target fake:PATH`` name a file-backed fake (for subprocess tests)."""
    from billforge.bulk import targets

    def factory(rest: str, _options: targets.TargetOptions) -> Target:
        return FakeTarget(rest)

    targets.SCHEMES["fake"] = factory

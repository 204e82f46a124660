"""Crash safety: a ``billforge bulk generate`` process killed with SIGKILL mid-run, then resumed with
``--resume``; every row must be billed exactly once and every row accounted for in the results.

The runs are real subprocesses of the bulk command group. Two targets: the fake target (file
backed, and deliberately WITHOUT any protection against billing twice, so a duplicate would show),
and ``local`` on the test database with billforge's billing engine.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

FAKE_DIR = Path(__file__).resolve().parents[1] / "unit" / "bulk"
sys.path.insert(0, str(FAKE_DIR))

from fake_target import FakeTarget  # noqa: E402
from test_bulk_support import HEADER, make_plan, subscribed_accounts  # noqa: E402

from billforge.domain.catalog import ChargeType  # noqa: E402
from billforge.services import invoices  # noqa: E402

# The bulk command group, with --target fake:PATH available.
WITH_FAKE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import fake_target; fake_target.register(); "
    "from billforge.bulk.cli import bulk; bulk(prog_name='billforge bulk')"
)
PLAIN = "from billforge.bulk.cli import bulk; bulk(prog_name='billforge bulk')"


def launch(
    tmp_path: Path, args: list[str], *, fake: bool, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    code = [WITH_FAKE, str(FAKE_DIR)] if fake else [PLAIN]
    log = (tmp_path / f"run-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-c", *code, "generate", *args],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )


def journal_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line cut short by the kill
    return out


def kill_after_rows(process: subprocess.Popen[bytes], journal: Path, rows: int, *, timeout: float = 40) -> None:
    """SIGKILL the run once the journal has recorded ``rows`` row outcomes."""
    deadline = time.monotonic() + timeout
    while sum(1 for e in journal_lines(journal) if e["e"] == "row") < rows:
        assert process.poll() is None, "the run ended before it could be killed mid-run"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=20) == -signal.SIGKILL


def finish(process: subprocess.Popen[bytes], *, timeout: float = 50) -> int:
    return process.wait(timeout=timeout)


def results_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def fake_csv(tmp_path: Path, accounts: int, months: list[str]) -> tuple[Path, list[tuple[str, str, bool]]]:
    rows = [(f"{n:032x}", month, m % 2 == 1) for m, month in enumerate(months) for n in range(1, accounts + 1)]
    source = tmp_path / "in.csv"
    source.write_text(
        "\n".join([HEADER, *(f"{acc},,,,,,{month},{'TRUE' if post else ''}" for acc, month, post in rows)]) + "\n"
    )
    return source, rows


def check_exactly_once(fake: FakeTarget, rows: list[tuple[str, str, bool]], results: list[dict[str, str]]) -> None:
    billed = Counter((i["account"], i["target_date"]) for i in fake.invoices())
    assert len(fake.invoices()) == len(rows)
    assert set(billed.values()) == {1}, "a row was billed twice"
    by_id = {i["id"]: i for i in fake.invoices()}
    assert len(results) == len(rows)
    for (account, month, post), result in zip(rows, results, strict=True):
        assert result["Status"] in ("Success", "Skipped"), result
        invoice = by_id[result["InvoiceId"]]
        assert (invoice["account"], invoice["target_date"]) == (account, month)
        assert result["Posted"] == ("TRUE" if post else "FALSE")
        assert invoice["status"] == ("Posted" if post else "Draft")
    assert len({r["InvoiceId"] for r in results}) == len(rows)


def test_sigkill_mid_run_then_resume_bills_every_row_exactly_once(tmp_path: Path) -> None:
    store = tmp_path / "fake.sqlite"
    fake = FakeTarget(str(store), {"delay": 0.02})
    source, rows = fake_csv(tmp_path, 30, ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"])  # 120 rows
    results = tmp_path / "out.csv"
    journal = tmp_path / "out.csv.journal"
    args = [str(source), "--name", "crash", "--target", f"fake:{store}", "--results", str(results)]
    args += ["--max-threads", "3", "--max-zobjects", "1"]

    kill_after_rows(launch(tmp_path, args, fake=True), journal, 20)
    assert not any(e["e"] == "done" for e in journal_lines(journal))
    billed_before = len(fake.invoices())
    assert 0 < billed_before < len(rows)

    assert finish(launch(tmp_path, [*args, "--resume"], fake=True)) == 0
    final = results_of(results)
    check_exactly_once(fake, rows, final)
    skipped = sum(r["Status"] == "Skipped" for r in final)
    assert skipped >= 10  # rows the killed run had finished are not done again
    assert journal_lines(journal)[-1]["e"] == "done"


def test_killed_after_billing_but_before_journaling_is_reconciled(tmp_path: Path) -> None:
    store = tmp_path / "fake.sqlite"
    # Generate call 5 bills its 2 objects, then the process dies before it hears the answer.
    fake = FakeTarget(str(store), {"kill_after_call": 5})
    source, rows = fake_csv(tmp_path, 4, ["2024-01-31", "2024-02-29", "2024-03-31"])  # 12 rows, 2 per call
    results = tmp_path / "out.csv"
    journal = tmp_path / "out.csv.journal"
    args = [
        str(source),
        "--name",
        "crash",
        "--target",
        f"fake:{store}",
        "--results",
        str(results),
        "--max-zobjects",
        "2",
    ]

    assert finish(launch(tmp_path, args, fake=True)) == -signal.SIGKILL
    lines = journal_lines(journal)
    in_flight = {e["call"] for e in lines if e["e"] == "call"} - {e["call"] for e in lines if e["e"] == "end"}
    assert len(in_flight) == 1
    # Accounts go in file order, 3 rows each at 2 per call (2 + 1): calls 1-2 are account 1, 3-4
    # account 2, call 5 account 3's first two rows. Billed: 2 + 1 + 2 + 1 + 2 = 8 invoices.
    assert len(fake.invoices()) == 8

    fake.reconfigure(kill_after_call=None)
    assert finish(launch(tmp_path, [*args, "--resume"], fake=True)) == 0
    check_exactly_once(fake, rows, results_of(results))
    # The in-flight call 5 was settled by the reconciliation query, not sent again; what was left:
    # account 3's last row (1 call) and account 4's three rows (2 calls). 5 + 3 = 8 calls.
    assert len(fake.calls()) == 8


def test_sigterm_stops_cleanly_with_results_and_resume_finishes(tmp_path: Path) -> None:
    store = tmp_path / "fake.sqlite"
    fake = FakeTarget(str(store), {"delay": 0.02})
    source, rows = fake_csv(tmp_path, 20, ["2024-01-31", "2024-02-29", "2024-03-31"])  # 60 rows
    results = tmp_path / "out.csv"
    journal = tmp_path / "out.csv.journal"
    args = [
        str(source),
        "--name",
        "term",
        "--target",
        f"fake:{store}",
        "--results",
        str(results),
        "--max-zobjects",
        "1",
    ]

    process = launch(tmp_path, args, fake=True)
    deadline = time.monotonic() + 40
    while sum(1 for e in journal_lines(journal) if e["e"] == "row") < 10:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    assert finish(process) == 1  # stopped early
    stopped = results_of(results)  # the calls in flight finished and the results were written
    assert len(stopped) == len(rows)
    assert {r["Status"] for r in stopped} == {"Success", "Skipped"}
    assert {r["ErrorCode"] for r in stopped if r["Status"] == "Skipped"} == {"NOT_PROCESSED"}
    assert "interrupted (Ctrl-C or SIGTERM)" in next(r for r in stopped if r["Status"] == "Skipped")["ErrorMessage"]

    assert finish(launch(tmp_path, [*args, "--resume"], fake=True)) == 0
    check_exactly_once(fake, rows, results_of(results))


@pytest.mark.slow
def test_local_target_sigkill_and_resume_bill_exactly_once(
    tmp_path: Path, database_url: str, db: Any, tenant: Any
) -> None:
    ctx = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    accounts = subscribed_accounts(db, ctx, plan, 40)
    months = ["2024-01-01", "2024-02-01", "2024-03-01"]
    source = tmp_path / "in.csv"
    source.write_text(
        "\n".join(
            [
                HEADER,
                *(
                    f"{a.id},,,,,,{month},{'TRUE' if m == 1 else ''}"
                    for m, month in enumerate(months)
                    for a in accounts
                ),
            ]
        )
        + "\n"
    )
    results = tmp_path / "out.csv"
    journal = tmp_path / "out.csv.journal"
    env = {"BILLFORGE_DATABASE_URL": database_url}
    args = [str(source), "--name", "local crash", "--target", "local", "--entity", tenant.entity_name]
    args += ["--results", str(results), "--max-threads", "2", "--max-zobjects", "1"]

    kill_after_rows(launch(tmp_path, args, fake=False, env=env), journal, 10)
    assert finish(launch(tmp_path, [*args, "--resume"], fake=False, env=env)) == 0

    final = results_of(results)
    assert {r["Status"] for r in final} <= {"Success", "Skipped"}
    assert len({r["InvoiceId"] for r in final}) == 120  # 40 accounts x 3 months, each its own invoice
    for account in accounts:
        page, _ = invoices.list_account_invoices(db=db, ctx=ctx, account_key=account.id, page_size=40)
        # Monthly in advance from 1 January: one invoice per target date, 100.00 each, none twice.
        assert sorted((r.target_date.isoformat(), str(r.amount)) for r in page.rows) == [
            ("2024-01-01", "100.00"),
            ("2024-02-01", "100.00"),
            ("2024-03-01", "100.00"),
        ]
    for (m, _month), result in zip([(m, x) for m, x in enumerate(months) for _ in accounts], final, strict=True):
        row, _ = invoices.get_invoice(db=db, ctx=ctx, key=result["InvoiceId"])
        assert row.status == ("Posted" if m == 1 else "Draft")

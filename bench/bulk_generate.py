"""Benchmark: the Invoice API Generator (``billforge bulk generate``) on a large file.

Accounts (10,000 by default) each subscribed from 1 January 2024 to a 100.00 monthly fee billed in
advance; the file has one row per account and target date (the 1st of 10 consecutive months by
default: 100,000 rows), so each invoice bills one month. The runner is the real command, in a
process of its own, against ``local`` (this database, in-process) and ``rest:`` (one ``billforge
serve`` process on the same database, background workers off), on SQLite and on PostgreSQL.

Printed per configuration: rows, wall time of the runner process, rows per second, and the runner
process's peak memory (``ru_maxrss`` from ``wait4``), then a check that every row succeeded and
the database holds exactly one invoice per row.

    .venv/bin/python bench/bulk_generate.py [--backend sqlite|postgresql|both] [--target local|rest|both]
        [--accounts 10000] [--dates 10] [--threads 4] [--zobjects 50]

Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))

from batch_create import drop_database, free_port, fresh_database  # noqa: E402 - the sibling script

from billforge.db import tables as t  # noqa: E402
from billforge.db.migrate import upgrade  # noqa: E402
from billforge.db.session import Database  # noqa: E402
from billforge.domain.catalog import BillCycleType, BillingPeriod, ChargeModel, ChargeType, TriggerEvent  # noqa: E402
from billforge.services import accounts, catalog, subscriptions, tenancy  # noqa: E402
from billforge.services.context import Context, SystemClock  # noqa: E402

START = date(2024, 1, 1)


@dataclass(frozen=True)
class Prepared:
    entity: str
    client_id: str
    client_secret: str
    rows: int
    setup_seconds: float


def month(n: int) -> date:
    return date(START.year + (START.month - 1 + n) // 12, (START.month - 1 + n) % 12 + 1, 1)


def prepare(url: str, accounts_count: int, dates: int, source: Path) -> Prepared:
    started = time.perf_counter()
    upgrade(url)
    db = Database(url, pool_size=5)
    clock = SystemClock()
    tenancy.ensure_default_entity(db=db, clock=clock)
    client = tenancy.create_client(db=db, clock=clock)
    ctx = Context(entity_id=client.entity_ids[0], actor_id=client.client_id)
    product = catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(
            name="Bench", effective_start_date=date(2000, 1, 1), effective_end_date=date(2099, 1, 1)
        ),
    )
    plan = catalog.create_rate_plan(db=db, ctx=ctx, data=catalog.RatePlanInput(name="Monthly", product_id=product))
    catalog.create_charge(
        db=db,
        ctx=ctx,
        data=catalog.ChargeInput(
            product_rate_plan_id=plan,
            name="Monthly",
            charge_type=ChargeType.RECURRING,
            charge_model=ChargeModel.FLAT_FEE,
            bill_cycle_type=BillCycleType.DEFAULT_FROM_CUSTOMER,
            billing_period=BillingPeriod.MONTH,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            tiers=[catalog.TierInput(currency="USD", price=Decimal("100"))],
        ),
    )
    ids = []
    for n in range(accounts_count):
        account = accounts.create_account(
            db=db,
            ctx=ctx,
            data=accounts.AccountInput(
                name=f"Bench {n}", currency="USD", bill_cycle_day=1, bill_to=accounts.ContactInput("A", "B")
            ),
        )
        subscriptions.create_subscription(
            db=db,
            ctx=ctx,
            data=subscriptions.SubscriptionInput(
                account_key=account.id,
                contract_effective_date=START,
                term_type="EVERGREEN",
                rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan)],
            ),
        )
        ids.append(account.id)
    db.dispose()
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Invoice.AccountId",
                "Invoice.AccountNumber",
                "Invoice.IncludesOneTime",
                "Invoice.IncludesRecurring",
                "Invoice.IncludesUsage",
                "Invoice.Date",
                "Invoice.TargetDate",
                "Invoice.Post",
            ]
        )
        for account_id in ids:
            for n in range(dates):
                writer.writerow([account_id, "", "", "", "", "", month(n).isoformat(), ""])
    return Prepared(
        ctx.entity_id, client.client_id, client.client_secret, accounts_count * dates, time.perf_counter() - started
    )


def wait_for(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/health", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def run_bulk(args: list[str], env: dict[str, str]) -> tuple[int, float, int]:
    """The runner as its own process: (exit code, seconds, peak resident memory in KiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "billforge", "bulk", "generate", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, int(usage.ru_maxrss)


def check(url: str, entity: str, results: Path, rows: int) -> str:
    with results.open(newline="", encoding="utf-8") as handle:
        statuses = Counter(r["Status"] for r in csv.DictReader(handle))
    db = Database(url, pool_size=1)
    with db.read() as conn:
        invoices = conn.execute(select(func.count()).select_from(t.invoices).where(t.invoices.c.entity_id == entity))
        count = int(invoices.scalar_one())
        amounts = conn.execute(
            select(func.min(t.invoices.c.amount), func.max(t.invoices.c.amount)).where(t.invoices.c.entity_id == entity)
        ).one()
    db.dispose()
    ok = statuses == Counter({"Success": rows}) and count == rows and tuple(amounts) == (Decimal("100"), Decimal("100"))
    return f"{'ok' if ok else 'MISMATCH'}: {dict(statuses)}, {count} invoices, amounts {amounts[0]} to {amounts[1]}"


def bench(backend: str, target: str, options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="billforge-bench-") as folder:
        work = Path(folder)
        url = fresh_database(backend, work)
        server: subprocess.Popen[bytes] | None = None
        try:
            source = work / "in.csv"
            prepared = prepare(url, options.accounts, options.dates, source)
            env = {**os.environ, "BILLFORGE_DATABASE_URL": url, "BILLFORGE_WORKERS": "0"}
            args = [
                str(source),
                "--name",
                "bench",
                "--results",
                str(work / "out.csv"),
                "--max-threads",
                str(options.threads),
                "--max-zobjects",
                str(options.zobjects),
            ]
            if target == "local":
                args += ["--target", "local", "--entity", prepared.entity]
            else:
                port = free_port()
                server = subprocess.Popen(
                    [sys.executable, "-m", "billforge", "serve", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                wait_for(f"http://127.0.0.1:{port}")
                args += ["--target", f"rest:http://127.0.0.1:{port}"]
                env = {
                    **env,
                    "BILLFORGE_CLIENT_ID": prepared.client_id,
                    "BILLFORGE_CLIENT_SECRET": prepared.client_secret,
                }
            code, seconds, peak = run_bulk(args, env)
            verdict = check(url, prepared.entity, work / "out.csv", prepared.rows)
            rate = prepared.rows / seconds
            print(
                f"{backend:10s} {target:5s} {prepared.rows:7d} rows  {seconds:8.1f} s  {rate:7.1f} rows/s"
                f"  peak {peak / 1024:6.1f} MiB  exit {code}  (setup {prepared.setup_seconds:.0f} s)  {verdict}",
                flush=True,
            )
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--target", choices=("local", "rest", "both"), default="both")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--dates", type=int, default=10, help="target dates per account (months)")
    parser.add_argument("--threads", type=int, default=4, help="--max-threads of the run")
    parser.add_argument("--zobjects", type=int, default=50, help="--max-zobjects of the run")
    options = parser.parse_args()
    print(
        f"{options.accounts} accounts x {options.dates} target dates = {options.accounts * options.dates} rows; "
        f"--max-threads {options.threads} --max-zobjects {options.zobjects}",
        flush=True,
    )
    for backend in ("sqlite", "postgresql") if options.backend == "both" else (options.backend,):
        for target in ("local", "rest") if options.target == "both" else (options.target,):
            bench(backend, target, options)


if __name__ == "__main__":
    main()

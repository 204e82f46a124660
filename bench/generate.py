"""Benchmark: invoice generation throughput (accounts per second).

Each account has 3 subscriptions of mixed charges (a monthly flat fee in advance, a one-time
fee, tiered usage in arrears, a quarterly per-unit charge), started 12 months back, and is billed
once up to today. Measured in-process (the service called directly) and over HTTP
(``POST /v1/action/generate`` against one ``billforge serve`` process, 4 concurrent clients),
on SQLite and on PostgreSQL.

    .venv/bin/python bench/generate.py [--backend sqlite|postgresql|both] [--accounts 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from batch_create import drop_database, free_port, fresh_database  # noqa: E402 - the sibling script

from billforge.db.migrate import upgrade  # noqa: E402
from billforge.db.session import Database  # noqa: E402
from billforge.domain.catalog import (  # noqa: E402
    BillCycleType,
    BillingPeriod,
    BillingTiming,
    ChargeModel,
    ChargeType,
    PriceFormat,
    TriggerEvent,
)
from billforge.services import accounts, billing, catalog, subscriptions, tenancy, usage  # noqa: E402
from billforge.services.context import Context, SystemClock  # noqa: E402

CLIENTS = 4
TODAY = date(2025, 1, 15)
START = date(2024, 1, 10)


def _catalog(db: Database, ctx: Context) -> str:
    product = catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(
            name="Bench", effective_start_date=date(2020, 1, 1), effective_end_date=date(2030, 1, 1)
        ),
    )
    plan = catalog.create_rate_plan(db=db, ctx=ctx, data=catalog.RatePlanInput(name="Mixed", product_id=product))
    base = {"product_rate_plan_id": plan, "bill_cycle_type": BillCycleType.DEFAULT_FROM_CUSTOMER}
    flat = [catalog.TierInput(currency="USD", price=Decimal("49.00"), price_format=PriceFormat.FLAT_FEE)]
    charges = [
        catalog.ChargeInput(
            name="Monthly",
            charge_type=ChargeType.RECURRING,
            charge_model=ChargeModel.FLAT_FEE,
            billing_period=BillingPeriod.MONTH,
            billing_timing=BillingTiming.IN_ADVANCE,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            tiers=flat,
            **base,  # type: ignore[arg-type]
        ),
        catalog.ChargeInput(
            name="Setup",
            charge_type=ChargeType.ONE_TIME,
            charge_model=ChargeModel.FLAT_FEE,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            tiers=flat,
            **base,  # type: ignore[arg-type]
        ),
        catalog.ChargeInput(
            name="Calls",
            charge_type=ChargeType.USAGE,
            charge_model=ChargeModel.TIERED,
            billing_period=BillingPeriod.MONTH,
            billing_timing=BillingTiming.IN_ARREARS,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            uom="Each",
            tiers=[
                catalog.TierInput(
                    currency="USD",
                    price=Decimal("0.01"),
                    price_format=PriceFormat.PER_UNIT,
                    starting_unit=Decimal(0),
                    ending_unit=Decimal(100),
                ),
                catalog.TierInput(
                    currency="USD",
                    price=Decimal("0.005"),
                    price_format=PriceFormat.PER_UNIT,
                    starting_unit=Decimal(100),
                ),
            ],
            **base,  # type: ignore[arg-type]
        ),
        catalog.ChargeInput(
            name="Seats",
            charge_type=ChargeType.RECURRING,
            charge_model=ChargeModel.PER_UNIT,
            billing_period=BillingPeriod.QUARTER,
            billing_timing=BillingTiming.IN_ADVANCE,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            uom="Seat",
            default_quantity=Decimal(5),
            tiers=[catalog.TierInput(currency="USD", price=Decimal("12.50"), price_format=PriceFormat.PER_UNIT)],
            **base,  # type: ignore[arg-type]
        ),
    ]
    for charge in charges:
        catalog.create_charge(db=db, ctx=ctx, data=charge)
    return plan


def prepare(url: str, count: int) -> tuple[Database, Context, list[str], tuple[str, str]]:
    upgrade(url)
    db = Database(url, pool_size=20)
    clock = SystemClock()
    tenancy.ensure_default_entity(db=db, clock=clock)
    client = tenancy.create_client(db=db, clock=clock)
    ctx = Context(entity_id=client.entity_ids[0], actor_id=client.client_id)
    plan = _catalog(db, ctx)
    numbers = []
    for n in range(count):
        number = f"B{n:06d}"
        accounts.create_account(
            db=db,
            ctx=ctx,
            data=accounts.AccountInput(
                name=number, currency="USD", account_number=number, bill_to=accounts.ContactInput("A", "B")
            ),
        )
        for s in range(3):
            created = subscriptions.create_subscription(
                db=db,
                ctx=ctx,
                data=subscriptions.SubscriptionInput(
                    account_key=number,
                    contract_effective_date=START + timedelta(days=s),
                    term_type="EVERGREEN",
                    rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan)],
                ),
            )
            for month in range(12):
                usage.create_usage(
                    db=db,
                    ctx=ctx,
                    data=usage.UsageInput(
                        account_number=number,
                        subscription_number=created.subscription_number,
                        uom="Each",
                        quantity=Decimal(150),
                        start_date_time=datetime.combine(date(2024, month + 1, 20), clock_time(12)),
                    ),
                )
        numbers.append(number)
    return db, ctx, numbers, (client.client_id, client.client_secret)


def in_process(db: Database, ctx: Context, numbers: list[str]) -> float:
    started = time.perf_counter()
    for number in numbers:
        billing.generate_invoices(db=db, ctx=ctx, account_key=number, invoice_date=TODAY, target_date=TODAY)
    return len(numbers) / (time.perf_counter() - started)


def over_http(url: str, numbers: list[str], credentials: tuple[str, str]) -> float:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "billforge", "serve", "--port", str(port)],
        env={**os.environ, "BILLFORGE_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        token = httpx.post(
            f"{base}/oauth/token",
            data={"client_id": credentials[0], "client_secret": credentials[1], "grant_type": "client_credentials"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        pending = iter(numbers)
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                while True:
                    with lock:
                        number = next(pending, None)
                    if number is None:
                        return
                    body = {
                        "type": "Invoice",
                        "objects": [{"AccountId": number, "InvoiceDate": str(TODAY), "TargetDate": str(TODAY)}],
                    }
                    answer = http.post("/v1/action/generate", content=json.dumps(body))
                    if answer.status_code != 200 or not answer.json()[0]["Success"]:
                        failures.append(answer.text[:300])

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} failed, e.g. {failures[0]}")
        return len(numbers) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    print(f"{args.accounts} accounts x 3 subscriptions (4 charges each), 12 months back, billed once")
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        with tempfile.TemporaryDirectory() as folder:
            urls = []
            try:
                for name in ("direct", "http"):
                    (Path(folder) / name).mkdir()
                    urls.append(fresh_database(backend, Path(folder) / name))
                db, ctx, numbers, _ = prepare(urls[0], args.accounts)
                direct = in_process(db, ctx, numbers)
                db.dispose()
                db, _, numbers, credentials = prepare(urls[1], args.accounts)
                db.dispose()
                http = over_http(urls[1], numbers, credentials)
            finally:
                for url in urls:
                    drop_database(url)
        print(f"{backend:10s}  in-process {direct:7.1f} accounts/s   http (4 clients) {http:7.1f} accounts/s")


if __name__ == "__main__":
    main()

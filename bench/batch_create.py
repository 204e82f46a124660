"""Benchmark: standalone invoice batches over HTTP against one `billforge serve` process.

Batches of 50 invoices x 5 items (``POST /v1/invoices/batch``), sent by 4 concurrent clients,
on SQLite and on PostgreSQL. Printed beside it: the raw insert rate of the same rows (invoice,
items) into the same database with a plain ``executemany``, committed per batch of 50 (as the
server commits each request) and in one transaction, and the ratio of each.

    .venv/bin/python bench/batch_create.py [--backend sqlite|postgresql|both] [--batches 200]

Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Table, create_engine, text
from sqlalchemy.pool import NullPool

from billforge.db import tables as t
from billforge.db.migrate import upgrade
from billforge.db.session import Database
from billforge.services import tenancy
from billforge.services.context import SystemClock

INVOICES_PER_BATCH = 50
ITEMS_PER_INVOICE = 5
CLIENTS = 4
ADMIN_URL = os.environ.get("BILLFORGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def batch_body(account_ids: list[str], offset: int) -> bytes:
    invoices = []
    for n in range(INVOICES_PER_BATCH):
        items = [
            {
                "amount": f"{10 + i}.50",
                "serviceStartDate": "2024-01-01",
                "serviceEndDate": "2024-01-31",
                "chargeName": f"Line {i}",
                "quantity": "1",
                "unitPrice": f"{10 + i}.50",
            }
            for i in range(ITEMS_PER_INVOICE)
        ]
        invoices.append(
            {
                "accountId": account_ids[(offset + n) % len(account_ids)],
                "invoiceDate": "2024-01-31",
                "invoiceItems": items,
            }
        )
    return json.dumps({"invoices": invoices}).encode()


def fresh_database(backend: str, folder: Path | None) -> str:
    if backend == "sqlite":
        if folder is None:
            raise ValueError("a SQLite benchmark database needs a folder")
        return f"sqlite:///{folder / 'bench.db'}"
    name = f"billforge_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str) -> tuple[str, str, list[str]]:
    """Migrate, create a client and 100 accounts; returns (client id, secret, account ids)."""
    upgrade(url)
    db = Database(url)
    clock = SystemClock()
    tenancy.ensure_default_entity(db=db, clock=clock)
    client = tenancy.create_client(db=db, clock=clock)
    from billforge.services.accounts import AccountInput, ContactInput, create_account
    from billforge.services.context import Context

    ctx = Context(entity_id=client.entity_ids[0], actor_id=client.client_id)
    accounts = [
        create_account(
            db=db, ctx=ctx, data=AccountInput(name=f"Bench {n}", currency="USD", bill_to=ContactInput("A", "B"))
        ).id
        for n in range(100)
    ]
    db.dispose()
    return client.client_id, client.client_secret, accounts


def run_http(url: str, batches: int) -> float:
    """Invoices per second through one server process and CLIENTS concurrent clients."""
    client_id, secret, accounts = prepare(url)
    port = free_port()
    env = {**os.environ, "BILLFORGE_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "billforge", "serve", "--port", str(port)],
        env=env,
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
            data={"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"},
        ).json()["access_token"]
        bodies = [batch_body(accounts, n * INVOICES_PER_BATCH) for n in range(8)]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        # Warm up: one batch per client.
        with httpx.Client(base_url=base, headers=headers, timeout=120) as warm:
            warm.post("/v1/invoices/batch", content=bodies[0]).raise_for_status()
        counter = iter(range(batches))
        lock = threading.Lock()
        failures: list[str] = []

        def client_loop() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                while True:
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    response = http.post("/v1/invoices/batch", content=bodies[n % len(bodies)])
                    if response.status_code != 200 or not all(i["success"] for i in response.json()["invoices"]):
                        failures.append(response.text[:300])

        threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} failed batches, e.g. {failures[0]}")
        return batches * INVOICES_PER_BATCH / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_raw(url: str, invoices: int, chunk: int) -> float:
    """Invoices per second for a plain executemany of the same rows (invoice + 5 items), committed
    every ``chunk`` invoices."""
    upgrade(url)
    db = Database(url)
    clock = SystemClock()
    entity = tenancy.ensure_default_entity(db=db, clock=clock)
    from billforge.services.accounts import AccountInput, ContactInput, create_account
    from billforge.services.context import Context

    ctx = Context(entity_id=entity.id, actor_id="bench")
    account = create_account(
        db=db, ctx=ctx, data=AccountInput(name="Raw", currency="USD", bill_to=ContactInput("A", "B"))
    )
    now = datetime.now(UTC)
    amount = sum(Decimal(f"{10 + i}.50") for i in range(ITEMS_PER_INVOICE))
    invoice_rows = []
    item_rows = []
    for n in range(invoices):
        invoice_id = secrets.token_hex(16)
        invoice_rows.append(
            {
                "id": invoice_id,
                "entity_id": entity.id,
                "account_id": account.id,
                "invoice_number": f"RAW{n:08d}",
                "status": "Draft",
                "currency": "USD",
                "invoice_date": date(2024, 1, 31),
                "target_date": None,
                "due_date": date(2024, 1, 31),
                "payment_term": "Due Upon Receipt",
                "amount": amount,
                "amount_without_tax": amount,
                "tax_amount": 0,
                "tax_exempt_amount": 0,
                "discount": 0,
                "payment_amount": 0,
                "refund_amount": 0,
                "adjustment_amount": 0,
                "credit_balance_adjustment_amount": 0,
                "credit_memo_amount": 0,
                "balance": amount,
                "auto_pay": False,
                "includes_one_time": True,
                "includes_recurring": False,
                "includes_usage": False,
                "source": "API",
                "source_type": "Standalone",
                "regenerate_pdf_count": 0,
                "extra": {},
                "created_at": now,
                "updated_at": now,
            }
        )
        for i in range(ITEMS_PER_INVOICE):
            item_rows.append(
                {
                    "id": secrets.token_hex(16),
                    "entity_id": entity.id,
                    "invoice_id": invoice_id,
                    "position": i,
                    "processing_type": "Charge",
                    "charge_name": f"Line {i}",
                    "charge_amount": Decimal(f"{10 + i}.50"),
                    "tax_amount": 0,
                    "quantity": 1,
                    "unit_price": Decimal(f"{10 + i}.50"),
                    "service_start_date": date(2024, 1, 1),
                    "service_end_date": date(2024, 1, 31),
                    "extra": {},
                }
            )
    # Plain executemany on the driver's own connection: values converted once beforehand to what
    # the column stores, so only the database's own insert cost is measured.
    invoice_sql, invoice_values = _plain(db, t.invoices, invoice_rows)
    item_sql, item_values = _plain(db, t.invoice_items, item_rows)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for start in range(0, invoices, chunk):
            if db.is_sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(invoice_sql, invoice_values[start : start + chunk])
            cursor.executemany(item_sql, item_values[start * ITEMS_PER_INVOICE : (start + chunk) * ITEMS_PER_INVOICE])
            if db.is_sqlite:
                cursor.execute("COMMIT")
            else:
                raw.commit()
        elapsed = time.perf_counter() - started
    finally:
        raw.close()
    db.dispose()
    return invoices / elapsed


def _plain(db: Database, table: Table, rows: list[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The INSERT statement and the rows' values as the driver takes them."""
    dialect = db.engine.dialect
    columns = list(rows[0])
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)})"
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    values = [
        tuple(
            value if process is None else process(value)
            for value, process in zip(row.values(), processors, strict=True)
        )
        for row in rows
    ]
    return sql, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--batches", type=int, default=200, help="batches over HTTP (x 50 invoices)")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"batches of {INVOICES_PER_BATCH} invoices x {ITEMS_PER_INVOICE} items, {CLIENTS} clients, one server")
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            http_folder = Path(folder) / "http"
            http_folder.mkdir()
            http_url = fresh_database(backend, http_folder)
            invoices = args.batches * INVOICES_PER_BATCH
            raw_rates = []
            try:
                http_rate = run_http(http_url, args.batches)
                # The same rows committed per batch (as the server commits) and in one transaction.
                for label, chunk in (("batch", INVOICES_PER_BATCH), ("once", invoices)):
                    raw_folder = Path(folder) / f"raw-{label}"
                    raw_folder.mkdir()
                    raw_url = fresh_database(backend, raw_folder)
                    try:
                        raw_rates.append(run_raw(raw_url, invoices, chunk))
                    finally:
                        drop_database(raw_url)
            finally:
                drop_database(http_url)
        per_batch, once = raw_rates
        print(
            f"{backend:10s}  http {http_rate:8.0f} invoices/s   raw executemany {per_batch:8.0f} invoices/s"
            f" committed per batch (ratio {http_rate / per_batch:.3f}), {once:8.0f} invoices/s"
            f" in one transaction (ratio {http_rate / once:.3f})"
        )


if __name__ == "__main__":
    main()

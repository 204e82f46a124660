"""Benchmark: invoice PDFs per second for a typical 10-item invoice.

Two figures, one process, one core's worth of Python (reportlab is pure Python: threads share
the GIL, so PDFs per second grow with processes, not threads):

- render: template -> markup -> PDF in memory (``pdf.render_pdf``), the default template, a
  posted invoice with 10 charges, a discount, two taxes and a payment (``pdf.samples``);
- worker: the background path on an SQLite file, per PDF: claim the job, read the invoice from
  the database, render, store the file, complete the job (``WorkerPool.drain``); the invoices
  have 10 items with service periods and descriptions, and no tax, discount or payment.

    .venv/bin/python bench/pdf_render.py [--count 200]

Figures go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from billforge.db.migrate import upgrade
from billforge.db.session import Database
from billforge.domain.invoices import InvoiceStatus
from billforge.domain.standalone import ItemRequest
from billforge.jobs import registry
from billforge.jobs.worker import WorkerPool
from billforge.pdf import render_pdf, samples
from billforge.services import accounts, documents, tenancy
from billforge.services.context import Context, SystemClock
from billforge.services.standalone_invoices import StandaloneInvoice, create_invoices


def render_rate(count: int) -> tuple[float, int, float]:
    document = samples.posted_invoice(10)
    render_pdf(document)  # warm up: compile the template, load fonts
    times = []
    size = 0
    for _ in range(count):
        started = time.perf_counter()
        rendered = render_pdf(document)
        times.append(time.perf_counter() - started)
        size = len(rendered.content)
    return count / sum(times), size, statistics.median(times) * 1000


def worker_rate(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        try:
            entity = tenancy.ensure_default_entity(db=db, clock=SystemClock())
            ctx = Context(entity_id=entity.id, actor_id="bench")
            account = accounts.create_account(
                db=db,
                ctx=ctx,
                data=accounts.AccountInput(
                    name="Acme Corporation",
                    currency="USD",
                    bill_to=accounts.ContactInput(first_name="Ada", last_name="Lovelace", city="Oakland"),
                ),
            )
            items = [
                ItemRequest(
                    amount=Decimal(f"{10 + n}.50"),
                    service_start_date=date(2024, 1, 1),
                    service_end_date=date(2024, 1, 31),
                    charge_name=f"Service {n}",
                    description=f"Service {n}, January 2024",
                    quantity=Decimal(1),
                    unit_price=Decimal(f"{10 + n}.50"),
                )
                for n in range(10)
            ]
            invoices = [
                StandaloneInvoice(
                    invoice_date=date(2024, 1, 15),
                    items=items,
                    account_id=account.id,
                    status=InvoiceStatus.POSTED,
                )
                for _ in range(count)
            ]
            created = create_invoices(db=db, ctx=ctx, invoices=invoices, single_transaction=True, batch=False)
            ids = [c.row["id"] for c in created if c.row is not None]
            now = datetime.now(UTC)
            with db.write() as conn:
                documents.schedule_documents(conn, entity_id=entity.id, invoice_ids=ids, now=now)
            pool = WorkerPool(db, handlers=registry.handlers(), workers=0)
            started = time.perf_counter()
            ran = pool.drain()
            elapsed = time.perf_counter() - started
            if not ran == len(ids) == count:
                raise SystemExit(f"rendered {ran} of {len(ids)} invoices, expected {count}")
            return count / elapsed
        finally:
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    rate, size, median_ms = render_rate(args.count)
    print(f"render: {rate:.1f} PDFs/s ({median_ms:.1f} ms median, {size:,} bytes, 10-item invoice)")
    print(
        f"worker: {worker_rate(args.count):.1f} PDFs/s (claim, read, render, store, complete; SQLite; "
        "10 items with descriptions, no tax)"
    )


if __name__ == "__main__":
    main()

"""Setup for the invoice document tests (no tests here): the text of a PDF (``pdftotext``, from
poppler-utils), a billed invoice with contacts, discounts, taxes by jurisdiction and a seller, a
way to pause the test server's workers (so that a test decides when rendering happens), and
waiting for a worker."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from billforge.db.session import Database
from billforge.jobs import registry
from billforge.jobs.worker import WorkerPool
from billforge.services import settings as tenant_settings
from tests.conftest import ServerThread, Tenant


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as ``pdftotext -layout`` reads it, no-break spaces made plain."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (apt-get install -y poppler-utils)")
    assert pdf.startswith(b"%PDF-"), pdf[:40]
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8").replace("\u00a0", " ")


def pdf_pages(pdf: bytes) -> int:
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    for line in done.stdout.decode().splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "the worker") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def set_seller(db: Database, tenant: Tenant, *, locale: str = "en_US") -> None:
    tenant_settings.update_seller(
        db=db,
        ctx=tenant.ctx,
        changes=tenant_settings.SellerChanges(
            name="Northwind Billing Ltd",
            address1="1 Market Street",
            city="San Francisco",
            state="CA",
            postal_code="94105",
            country="United States",
            tax_id="US-12-3456789",
            email="billing@northwind.example",
            locale=locale,
        ),
    )


def new_account(http: httpx.Client, *, currency: str = "USD", **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Acme Corporation",
        "currency": currency,
        "paymentTerm": "Net 30",
        "billToContact": {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "address1": "12 Analytical Way",
            "city": "Oakland",
            "state": "CA",
            "zipCode": "94612",
            "country": "United States",
            "workEmail": "ada@acme.example",
        },
        "soldToContact": {
            "firstName": "Charles",
            "lastName": "Babbage",
            "address1": "5 Difference Street",
            "city": "London",
            "zipCode": "SW1A 1AA",
            "country": "United Kingdom",
        },
        **extra,
    }
    response = http.post("/v1/accounts", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _tax(name: str, jurisdiction: str, rate: str, amount: str) -> dict[str, Any]:
    return {
        "name": name,
        "jurisdiction": jurisdiction,
        "taxAmount": amount,
        "taxCode": "SALES",
        "taxDate": "2024-01-15",
        "taxRate": rate,
        "taxRateType": "Percentage",
        "taxMode": "TaxExclusive",
    }


def invoice_body(account_id: str, **extra: Any) -> dict[str, Any]:
    """Two charges, a discount and taxes in two jurisdictions. By hand:

    charges 1,234.56 + 250.00 = 1,484.56; discount -34.56; without tax 1,450.00;
    CA state tax 6 %: 1,234.56 x 0.06 = 74.0736 -> 74.07 and 250.00 x 0.06 = 15.00, together 89.07;
    Alameda county tax 2.25 %: 1,234.56 x 0.0225 = 27.7776 -> 27.78;
    tax 89.07 + 27.78 = 116.85; total 1,450.00 + 116.85 = 1,566.85.
    """
    return {
        "accountId": account_id,
        "invoiceDate": "2024-01-15",
        "invoiceItems": [
            {
                "amount": "1234.56",
                "chargeName": "Platform fee",
                "description": "Enterprise plan",
                "quantity": "1",
                "unitPrice": "1234.56",
                "serviceStartDate": "2024-01-01",
                "serviceEndDate": "2024-01-31",
                "taxItems": [
                    _tax("CA State Tax", "CALIFORNIA", "0.06", "74.07"),
                    _tax("Alameda County Tax", "ALAMEDA", "0.0225", "27.78"),
                ],
                "discountItems": [{"amount": "-34.56", "chargeName": "Loyalty discount"}],
            },
            {
                "amount": "250.00",
                "chargeName": "API calls",
                "quantity": "10000",
                "unitPrice": "0.025",
                "uom": "Call",
                "serviceStartDate": "2024-01-01",
                "serviceEndDate": "2024-01-31",
                "taxItems": [_tax("CA State Tax", "CALIFORNIA", "0.06", "15.00")],
            },
        ],
        **extra,
    }


@dataclass(frozen=True)
class Billed:
    account: dict[str, Any]
    invoice: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.invoice["id"])

    @property
    def number(self) -> str:
        return str(self.invoice["invoiceNumber"])


def billed_invoice(http: httpx.Client, *, currency: str = "USD", **extra: Any) -> Billed:
    account = new_account(http, currency=currency)
    response = http.post("/v1/invoices", json=invoice_body(account["accountId"], **extra))
    assert response.status_code == 200, response.text
    invoice = response.json()
    assert invoice["amount"] == 1566.85, invoice
    return Billed(account, invoice)


def post(http: httpx.Client, invoice_id: str) -> None:
    response = http.put(f"/v1/invoices/{invoice_id}/post", json={"invoiceDate": "2024-01-15"})
    assert response.status_code == 200 and response.json()["success"], response.text


def files_of(http: httpx.Client, key: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1/invoices/{key}/files")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["invoiceFiles"]
    return listed


def ready_files(http: httpx.Client, key: str, versions: int = 1) -> list[dict[str, Any]]:
    """The files listing once ``versions`` versions are Ready."""

    def ready() -> list[dict[str, Any]] | None:
        listed = files_of(http, key)
        done = [f for f in listed if f["status"] == "Ready"]
        return listed if len(done) >= versions else None

    found: list[dict[str, Any]] = wait_for(ready, what=f"{versions} ready PDF versions")
    return found


@pytest.fixture
def paused_workers(server: ServerThread) -> Iterator[WorkerPool]:
    """The test server's background workers, stopped for the test (and started again after it):
    nothing renders until the test runs jobs itself (``inline_pool(db).drain()``)."""
    workers: WorkerPool = server.server.config.app.state.workers
    workers.stop()
    try:
        yield workers
    finally:
        workers.start()


def inline_pool(db: Database) -> WorkerPool:
    """billforge's own handlers, to run due jobs in the test's thread (``drain``)."""
    return WorkerPool(db, handlers=registry.handlers(), workers=0)

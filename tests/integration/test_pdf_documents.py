"""Invoice documents end to end: PDFs made in the background on post, the files listing and
downloads, ``Body`` on demand, regeneration (at most 100), templates chosen and uploaded.

Every amount below comes from ``test_pdf_support.invoice_body`` (its docstring has the
arithmetic): total 1,566.85 = 1,484.56 of charges - 34.56 of discount + 116.85 of tax.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.tables_jobs import files, invoice_files
from billforge.errors import ErrorCode, NotFound, RuleRestriction
from billforge.services import documents, templates
from billforge.services.context import SystemClock
from tests.conftest import Tenant, make_tenant
from tests.integration.test_pdf_support import (
    billed_invoice,
    files_of,
    inline_pool,
    new_account,
    paused_workers,  # noqa: F401 - a fixture
    pdf_pages,
    pdf_text,
    post,
    ready_files,
    set_seller,
)

EXPECTED_USD = [
    "Northwind Billing Ltd",
    "1 Market Street",
    "San Francisco, CA 94105",
    "Tax ID: US-12-3456789",
    "Invoice number",
    "Invoice date",
    "Jan 15, 2024",
    "Due date",
    "Feb 14, 2024",  # Net 30: 2024-01-15 + 30 days
    "Payment term",
    "Net 30",
    "BILL TO",
    "Ada Lovelace",
    "12 Analytical Way",
    "Oakland, CA 94612",
    "ada@acme.example",
    "SOLD TO",
    "Charles Babbage",
    "SW1A 1AA London",
    "United Kingdom",
    "Platform fee",
    "Enterprise plan",
    "Jan 1, 2024 – Jan 31, 2024",
    "$1,234.56",
    "Discount: Loyalty discount",
    "-$34.56",
    "API calls",
    "10,000 Call",
    "$0.025",
    "$250.00",
    "Subtotal",
    "$1,484.56",
    "$116.85",
    "$1,566.85",
    "Balance due",
    "CALIFORNIA",
    "CA State Tax",
    "6%",
    "$89.07",  # 74.07 + 15.00
    "ALAMEDA",
    "2.25%",
    "$27.78",
]


@pytest.mark.usefixtures("paused_workers")
def test_posting_queues_a_pdf_that_a_worker_renders_in_the_background(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    set_seller(db, tenant)
    billed = billed_invoice(http)
    assert files_of(http, billed.id) == []  # a Draft has no PDF files
    started = time.monotonic()
    post(http, billed.id)
    assert time.monotonic() - started < 5  # the post answered without rendering anything
    listed = files_of(http, billed.number)
    assert [(f["versionNumber"], f["status"]) for f in listed] == [(1, "Pending")]
    assert "pdfFileUrl" not in listed[0]
    assert inline_pool(db).drain() >= 1  # the worker's turn
    (ready,) = files_of(http, billed.id)
    assert (ready["id"], ready["versionNumber"], ready["status"]) == (listed[0]["id"], 1, "Ready")
    assert ready["pdfFileUrl"].startswith("/v1/files/")
    download = http.get(ready["pdfFileUrl"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf;charset=UTF-8"
    text = pdf_text(download.content)
    for expected in [*EXPECTED_USD, billed.number]:
        assert expected in text, expected
    assert "DRAFT" not in text


def test_the_running_workers_render_posted_invoices(
    zuora: Any, http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    set_seller(db, tenant)
    billed = billed_invoice(http)
    post(http, billed.id)
    (ready,) = ready_files(http, billed.id)
    listing = zuora.invoices_api().get_invoice_files(billed.number)  # Zuora's SDK reads the listing
    (entry,) = listing.invoice_files
    assert (entry.id, entry.version_number, entry.pdf_file_url) == (ready["id"], 1, ready["pdfFileUrl"])
    content = zuora.files_api().get_files(entry.pdf_file_url.rsplit("/", 1)[1])
    assert "$1,566.85" in pdf_text(bytes(content))


@pytest.mark.usefixtures("paused_workers")
def test_posting_queues_the_pdf_and_the_sweep_catches_any_posting_that_did_not(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    billed = billed_invoice(http)
    post(http, billed.id)
    with db.read() as conn:  # the post itself queued the first version, in its own transaction
        versions = conn.execute(select(invoice_files).where(invoice_files.c.invoice_id == billed.id)).all()
    assert [(v.version_number, v.status, v.reason) for v in versions] == [(1, "Pending", "Post")]
    with db.write() as conn:  # as if a posting path had not queued it (e.g. a crash before an older release)
        conn.execute(delete(invoice_files).where(invoice_files.c.invoice_id == billed.id))
    queued = documents.PostedSweep()(db, SystemClock())  # what a worker's sweep does
    assert queued >= 1
    with db.read() as conn:
        versions = conn.execute(select(invoice_files).where(invoice_files.c.invoice_id == billed.id)).all()
    assert [(v.version_number, v.status, v.reason) for v in versions] == [(1, "Pending", "Post")]
    inline_pool(db).drain()
    assert [f["status"] for f in files_of(http, billed.id)] == ["Ready"]


@pytest.mark.usefixtures("paused_workers")
def test_body_of_a_posted_invoice_not_yet_rendered_is_rendered_then(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    set_seller(db, tenant)
    billed = billed_invoice(http)
    post(http, billed.id)
    pdf = documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=billed.id)
    assert "$1,566.85" in pdf_text(pdf)
    (listed,) = files_of(http, billed.id)  # stored as the invoice's first version
    assert (listed["versionNumber"], listed["status"]) == (1, "Ready")
    assert http.get(listed["pdfFileUrl"]).content == pdf
    assert inline_pool(db).drain() >= 0  # the queued job finds the version ready: nothing more
    assert [f["status"] for f in files_of(http, billed.id)] == ["Ready"]
    assert documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=billed.number) == pdf  # the stored one


def test_body_of_a_draft_is_rendered_on_demand_marked_draft_and_not_stored(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    billed = billed_invoice(http)
    text = pdf_text(documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=billed.id))
    assert "DRAFT" in text and "Draft" in text
    assert "$1,566.85" in text
    assert files_of(http, billed.id) == []
    body = documents.invoice_body_base64(db=db, ctx=tenant.ctx, invoice_id=billed.id)
    assert base64.b64decode(body).startswith(b"%PDF-")


def test_amounts_follow_the_currency_and_the_locale(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    set_seller(db, tenant, locale="de_DE")
    billed = billed_invoice(http, currency="EUR")
    text = pdf_text(documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=billed.id))
    for expected in (
        "1.234,56 €",
        "-34,56 €",
        "1.566,85 €",
        "116,85 €",
        "0,025 €",
        "10.000 Call",
        "15.01.2024",
        "2,25 %",
    ):
        assert expected in text, expected


def test_a_long_invoice_runs_over_pages_with_the_table_header_on_each(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    account = new_account(http)
    items = [
        {"amount": f"{n}.00", "chargeName": f"Line item {n:03d}", "serviceStartDate": "2024-01-01"}
        for n in range(1, 301)
    ]
    response = http.post(
        "/v1/invoices", json={"accountId": account["accountId"], "invoiceDate": "2024-01-15", "invoiceItems": items}
    )
    assert response.status_code == 200, response.text
    assert response.json()["amount"] == 45150.00  # 1 + 2 + ... + 300 = 300 x 301 / 2
    pdf = documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=response.json()["id"])
    pages = pdf_pages(pdf)
    assert pages >= 5
    text = pdf_text(pdf)
    # The items table's header row starts every page the table runs onto.
    pages_text = text.split("\f")
    with_items = [p for p in pages_text if "Line item" in p]
    assert len(with_items) >= 5
    for page in with_items:
        assert "Description" in page and "Unit price" in page
    for n in (1, 150, 300):
        assert f"Line item {n:03d}" in text
    assert "$45,150.00" in text
    assert f"Page {pages} of {pages}" in text


@pytest.mark.usefixtures("paused_workers")
def test_regeneration_makes_a_new_version_and_stops_at_100(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    billed = billed_invoice(http)
    post(http, billed.id)
    assert [f["status"] for f in files_of(http, billed.id)] == ["Pending"]
    inline_pool(db).drain()
    pay = http.post(
        "/v1/payments",
        json={
            "accountId": billed.account["accountId"],
            "amount": "500.00",
            "currency": "USD",
            "type": "External",
            "effectiveDate": "2024-01-20",
            "invoices": [{"invoiceId": billed.id, "amount": "500.00"}],
        },
    )
    assert pay.status_code == 200, pay.text
    version = documents.regenerate_pdf(db=db, ctx=tenant.ctx, invoice_id=billed.id)
    listed = files_of(http, billed.id)
    assert [(f["versionNumber"], f["status"]) for f in listed] == [(2, "Pending"), (1, "Ready")]
    assert listed[0]["id"] == version
    inline_pool(db).drain()
    newest, first = files_of(http, billed.id)
    assert (newest["versionNumber"], newest["status"]) == (2, "Ready")
    regenerated = pdf_text(http.get(newest["pdfFileUrl"]).content)
    # Balance = 1,566.85 - 500.00 = 1,066.85; the first version was made before the payment.
    assert "-$500.00" in regenerated and "$1,066.85" in regenerated
    assert "$1,066.85" not in pdf_text(http.get(first["pdfFileUrl"]).content)
    with db.read() as conn:
        count = conn.execute(select(t.invoices.c.regenerate_pdf_count).where(t.invoices.c.id == billed.id)).scalar()
    assert count == 1
    # Regenerations 2 to 99 stand for themselves here (each is the one counted above).
    with db.write() as conn:
        conn.execute(update(t.invoices).where(t.invoices.c.id == billed.id).values(regenerate_pdf_count=99))
    documents.regenerate_pdf(db=db, ctx=tenant.ctx, invoice_id=billed.id)  # the 100th
    with pytest.raises(RuleRestriction) as refused:
        documents.regenerate_pdf(db=db, ctx=tenant.ctx, invoice_id=billed.id)  # the 101st
    assert refused.value.field == "RegenerateInvoicePDF"
    assert refused.value.message == (
        f"invoice {billed.number}: its PDF has been regenerated 100 times, the most allowed for one invoice is 100"
    )
    with db.read() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(invoice_files).where(invoice_files.c.invoice_id == billed.id)
            ).scalar()
            == 3
        )  # versions 1, 2 and the 100th regeneration's; the refused one queued nothing


def test_body_is_queried_one_invoice_at_a_time() -> None:
    documents.check_body_query(1)
    with pytest.raises(Exception) as several:
        documents.check_body_query(2)
    assert getattr(several.value, "code", None) is ErrorCode.PDF_QUERY_ERROR


def test_query_bodies_refuses_several_invoices(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    one, two = billed_invoice(http), billed_invoice(http)
    (answer,) = documents.query_bodies(db=db, ctx=tenant.ctx, invoice_ids=[one.id]).values()
    assert base64.b64decode(answer).startswith(b"%PDF-")
    with pytest.raises(Exception) as refused:
        documents.query_bodies(db=db, ctx=tenant.ctx, invoice_ids=[one.id, two.id])
    assert getattr(refused.value, "code", None) is ErrorCode.PDF_QUERY_ERROR


TEMPLATE = """<h1>Custom layout for {{ account.name }}</h1>
<p>Number {{ invoice.invoice_number }}, total {{ invoice.amount|money }}</p>
<table class="grid" widths="70%,30%">
<thead><tr><th>What</th><th align="right">Amount</th></tr></thead>
{% for item in items %}<tr><td>{{ item.charge_name }}</td><td align="right">{{ item.amount|money }}</td></tr>
{% endfor %}
</table>
"""


def test_uploaded_templates_are_chosen_by_invoice_then_account(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    response = http.post("/v1/invoice-templates", json={"name": "Custom", "body": TEMPLATE, "description": "mine"})
    assert response.status_code == 200, response.text
    created = response.json()
    assert (created["success"], created["name"], created["engine"], created["default"]) == (
        True,
        "Custom",
        "Jinja2",
        False,
    )
    plain = billed_invoice(http)
    assert "Custom layout" not in pdf_text(documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=plain.id))
    chosen = billed_invoice(http, templateId=created["id"])
    text = pdf_text(documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=chosen.id))
    assert "Custom layout for Acme Corporation" in text
    assert f"Number {chosen.number}, total $1,566.85" in text
    account = new_account(http, invoiceTemplateId=created["id"])
    by_account = http.post(
        "/v1/invoices",
        json={
            "accountId": account["accountId"],
            "invoiceDate": "2024-01-15",
            "invoiceItems": [{"amount": "10.00", "chargeName": "Setup", "serviceStartDate": "2024-01-01"}],
        },
    ).json()
    text = pdf_text(documents.invoice_body(db=db, ctx=tenant.ctx, invoice_id=by_account["id"]))
    assert "Custom layout for Acme Corporation" in text and "$10.00" in text


def test_a_broken_template_is_refused_at_upload_with_its_line(http: httpx.Client) -> None:
    broken = "<h1>{{ invoice.invoice_number }}</h1>\n<p>{{ invoice.amount|money }</p>\n"
    response = http.post("/v1/invoice-templates", json={"name": "Broken", "body": broken})
    assert response.status_code == 400
    (reason,) = response.json()["reasons"]
    assert reason["message"] == "INVALID_TEMPLATE: 'body' line 2: unexpected '}'"
    unknown = http.post("/v1/invoice-templates", json={"name": "Typo", "body": "<p>\n\n{{ invoice.totl }}</p>"})
    assert unknown.json()["reasons"][0]["message"].startswith(
        "INVALID_TEMPLATE: 'body' line 3: 'invoice' has no field 'totl'"
    )
    escape = http.post(
        "/v1/invoice-templates",
        json={"name": "Escape", "body": "<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>"},
    )
    assert escape.json()["reasons"][0]["message"] == (
        "INVALID_TEMPLATE: 'body' line 1: not allowed: access to attribute '__class__' of 'str' object is unsafe."
    )
    # A row of 100 lines (100 x 11 pt + 5 pt of padding) on US Letter (678 pt of room): refused when
    # the sample invoices are laid out, at the row's line.
    tall = "<table>\n<tr>\n<td>{% for i in range(100) %}{{ i }}<br>{% endfor %}</td>\n</tr>\n</table>"
    layout = http.post("/v1/invoice-templates", json={"name": "Tall", "body": tall})
    assert layout.status_code == 400
    assert layout.json()["reasons"][0]["message"] == (
        "INVALID_TEMPLATE: 'body' line 2: a table row is taller than a page (1,105 pt high; a page has room for "
        "678 pt): split its content over several rows"
    )
    listed = [t["name"] for t in http.get("/v1/invoice-templates").json()["invoiceTemplates"]]
    assert listed == ["Default Template"]


def test_the_cli_refuses_a_broken_template(tmp_path: Path, db: Database, settings: Any) -> None:
    from billforge.settings_cli import settings as settings_group

    tenant = make_tenant(db)
    broken = tmp_path / "broken.html.j2"
    broken.write_text("<p>ok</p>\n{% for item in items %}\n<p>{{ item.charge_name }}</p>\n", encoding="utf-8")
    runner = CliRunner()
    env = {"BILLFORGE_DATABASE_URL": settings.database_url}
    result = runner.invoke(
        settings_group, ["template", "add", "Broken", str(broken), "--entity", tenant.entity_name], env=env
    )
    assert result.exit_code == 3, result.output
    assert "INVALID_TEMPLATE: 'body' line 3: Unexpected end of template" in result.output
    checked = runner.invoke(settings_group, ["template", "check", str(broken)], env=env)
    assert checked.exit_code == 3 and "line 3: Unexpected end of template" in checked.output
    good = tmp_path / "good.html.j2"
    good.write_text("<p>{{ invoice.invoice_number }}</p>", encoding="utf-8")
    result = runner.invoke(
        settings_group, ["template", "add", "Good", str(good), "--entity", tenant.entity_name], env=env
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["name"] == "Good"
    checked = runner.invoke(settings_group, ["template", "check", str(good)], env=env)
    assert checked.exit_code == 0 and "the template renders invoices" in checked.output


def test_files_belong_to_their_entity(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    billed = billed_invoice(http)
    post(http, billed.id)
    (ready,) = ready_files(http, billed.id)
    other = make_tenant(db)
    file_id = ready["pdfFileUrl"].rsplit("/", 1)[1]
    with pytest.raises(NotFound):
        documents.get_file(db=db, ctx=other.ctx, file_id=file_id)
    with pytest.raises(NotFound):
        documents.list_invoice_files(db=db, ctx=other.ctx, key=billed.id)
    assert http.get("/v1/files/00000000000000000000000000000000").status_code == 404
    missing = http.get("/v1/invoices/INV99999999/files")
    assert missing.status_code == 404


def test_deleting_an_invoice_deletes_its_files(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    billed = billed_invoice(http)
    documents.regenerate_pdf(db=db, ctx=tenant.ctx, invoice_id=billed.id)  # a draft's version, marked DRAFT
    (ready,) = ready_files(http, billed.id)
    assert "DRAFT" in pdf_text(http.get(ready["pdfFileUrl"]).content)
    assert http.delete(f"/v1/invoices/{billed.id}").status_code == 200
    with db.read() as conn:
        assert conn.execute(select(files).where(files.c.invoice_id == billed.id)).first() is None
        assert conn.execute(select(invoice_files).where(invoice_files.c.invoice_id == billed.id)).first() is None


def test_a_template_that_fails_on_one_invoice_falls_back_to_the_default(
    http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    # Fine for the samples (12 items and 1), a division by zero for an invoice of 2 items.
    body = "<p>{{ invoice.amount / (items|length - 2) }}</p>"
    template_id = templates.create_template(
        db=db, ctx=tenant.ctx, data=templates.TemplateInput(name="Fragile", body=body)
    )
    billed = billed_invoice(http, templateId=template_id)
    post(http, billed.id)
    (ready,) = ready_files(http, billed.id)
    assert "$1,566.85" in pdf_text(http.get(ready["pdfFileUrl"]).content)  # the default layout
    with db.read() as conn:
        version = conn.execute(select(invoice_files).where(invoice_files.c.id == ready["id"])).one()
    assert version.error == "line 1: division by zero"


def test_another_process_serves_what_a_worker_stored(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    """Files live in the database: a second Database handle (another API process) reads them."""
    billed = billed_invoice(http)
    post(http, billed.id)
    (ready,) = ready_files(http, billed.id)
    other = Database(db.url)
    try:
        stored = documents.get_file(db=other, ctx=tenant.ctx, file_id=ready["pdfFileUrl"].rsplit("/", 1)[1])
    finally:
        other.dispose()
    assert stored.content_type == "application/pdf" and stored.name == f"{billed.number}.pdf"
    assert "$1,566.85" in pdf_text(stored.content)

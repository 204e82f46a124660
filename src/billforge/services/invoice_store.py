"""Writing invoices: one set-based insert per table for any number of invoices.

Standalone creation and billing-run generation both end here, so an invoice is stored the same
way whatever made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from billforge.db import tables as t
from billforge.db.bulk import insert_rows
from billforge.domain.invoices import InvoiceStatus, ItemDraft, Totals
from billforge.domain.invoices import balance as invoice_balance
from billforge.domain.money import ZERO
from billforge.services import documents
from billforge.services.context import new_id


@dataclass(slots=True)
class NewInvoice:
    """A complete invoice ready to insert: header, totals and items (with their tax lines)."""

    account_id: str
    invoice_number: str
    currency: str
    invoice_date: date
    due_date: date
    totals: Totals
    items: Sequence[ItemDraft]
    source: str
    source_type: str
    status: InvoiceStatus = InvoiceStatus.DRAFT
    target_date: date | None = None
    payment_term: str | None = None
    auto_pay: bool = False
    comments: str | None = None
    includes_one_time: bool = True
    includes_recurring: bool = True
    includes_usage: bool = True
    bill_to_contact_id: str | None = None
    sold_to_contact_id: str | None = None
    ship_to_contact_id: str | None = None
    sequence_set_id: str | None = None
    template_id: str | None = None
    communication_profile_id: str | None = None
    source_id: str | None = None
    transferred_to_accounting: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    item_ids: list[str] = field(default_factory=list)


def invoice_row(invoice: NewInvoice, *, entity_id: str, actor_id: str, now: datetime) -> dict[str, Any]:
    posted = invoice.status is InvoiceStatus.POSTED
    return {
        "id": invoice.id,
        "entity_id": entity_id,
        "account_id": invoice.account_id,
        "invoice_number": invoice.invoice_number,
        "status": invoice.status.value,
        "currency": invoice.currency,
        "invoice_date": invoice.invoice_date,
        "target_date": invoice.target_date,
        "due_date": invoice.due_date,
        "payment_term": invoice.payment_term,
        "amount": invoice.totals.amount,
        "amount_without_tax": invoice.totals.amount_without_tax,
        "tax_amount": invoice.totals.tax_amount,
        "tax_exempt_amount": invoice.totals.tax_exempt_amount,
        "discount": invoice.totals.discount,
        "payment_amount": ZERO,
        "refund_amount": ZERO,
        "adjustment_amount": ZERO,
        "credit_balance_adjustment_amount": ZERO,
        "credit_memo_amount": ZERO,
        "balance": invoice_balance(amount=invoice.totals.amount),
        "auto_pay": invoice.auto_pay,
        "comments": invoice.comments,
        "includes_one_time": invoice.includes_one_time,
        "includes_recurring": invoice.includes_recurring,
        "includes_usage": invoice.includes_usage,
        "bill_to_contact_id": invoice.bill_to_contact_id,
        "sold_to_contact_id": invoice.sold_to_contact_id,
        "ship_to_contact_id": invoice.ship_to_contact_id,
        "sequence_set_id": invoice.sequence_set_id,
        "template_id": invoice.template_id,
        "communication_profile_id": invoice.communication_profile_id,
        "source": invoice.source,
        "source_id": invoice.source_id,
        "source_type": invoice.source_type,
        "transferred_to_accounting": invoice.transferred_to_accounting,
        "posted_date": now if posted else None,
        "posted_by_id": actor_id if posted else None,
        "canceled_date": None,
        "canceled_by_id": None,
        "last_email_sent_date": None,
        "regenerate_pdf_count": 0,
        "extra": invoice.extra,
        "created_at": now,
        "updated_at": now,
        "created_by_id": actor_id,
        "updated_by_id": actor_id,
    }


def item_rows(
    invoice_id: str, items: Sequence[ItemDraft], item_ids: Sequence[str], *, entity_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for ``invoice_items`` and ``taxation_items`` (item ids by position)."""
    items_out: list[dict[str, Any]] = []
    taxes_out: list[dict[str, Any]] = []
    for item, item_id in zip(items, item_ids, strict=True):
        items_out.append(
            {
                "id": item_id,
                "entity_id": entity_id,
                "invoice_id": invoice_id,
                "position": item.position,
                "processing_type": item.processing_type.value,
                "applied_to_item_id": item_ids[item.applied_to_position]
                if item.applied_to_position is not None
                else None,
                "charge_name": item.charge_name,
                "charge_type": item.charge_type,
                "description": item.description,
                "charge_amount": item.charge_amount,
                "tax_amount": item.tax_amount,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "uom": item.uom,
                "sku": item.sku,
                "service_start_date": item.service_start_date,
                "service_end_date": item.service_end_date,
                "charge_date": item.charge_date,
                "product_rate_plan_charge_id": item.product_rate_plan_charge_id,
                "product_id": item.product_id,
                "product_name": item.product_name,
                "subscription_id": item.subscription_id,
                "subscription_number": item.subscription_number,
                "rate_plan_charge_id": item.rate_plan_charge_id,
                "tax_code": item.tax_code,
                "tax_mode": item.tax_mode.value if item.tax_mode else None,
                "item_type": item.item_type,
                "purchase_order_number": item.purchase_order_number,
                "extra": item.extra,
            }
        )
        for line in item.tax_lines:
            taxes_out.append(
                {
                    "id": new_id(),
                    "entity_id": entity_id,
                    "invoice_id": invoice_id,
                    "invoice_item_id": item_id,
                    "name": line.name,
                    "tax_code": line.tax_code,
                    "tax_code_description": line.tax_code_description,
                    "tax_rate": line.tax_rate,
                    "tax_rate_type": line.tax_rate_type.value,
                    "tax_rate_description": line.tax_rate_description,
                    "tax_mode": line.tax_mode.value,
                    "tax_amount": line.tax_amount,
                    "exempt_amount": line.exempt_amount,
                    "tax_date": line.tax_date,
                    "jurisdiction": line.jurisdiction,
                    "location_code": line.location_code,
                }
            )
    return items_out, taxes_out


def insert_invoices(
    conn: Connection, invoices: Sequence[NewInvoice], *, entity_id: str, actor_id: str, now: datetime
) -> list[dict[str, Any]]:
    """Insert invoices with their items and tax lines; returns the invoice rows as stored."""
    if not invoices:
        return []
    header_rows: list[dict[str, Any]] = []
    all_items: list[dict[str, Any]] = []
    all_taxes: list[dict[str, Any]] = []
    for invoice in invoices:
        if not invoice.item_ids:
            invoice.item_ids = [new_id() for _ in invoice.items]
        header_rows.append(invoice_row(invoice, entity_id=entity_id, actor_id=actor_id, now=now))
        items, taxes = item_rows(invoice.id, invoice.items, invoice.item_ids, entity_id=entity_id)
        all_items.extend(items)
        all_taxes.extend(taxes)
    insert_rows(conn, t.invoices, header_rows)
    insert_rows(conn, t.invoice_items, all_items)
    insert_rows(conn, t.taxation_items, all_taxes)
    posted = [invoice.id for invoice in invoices if invoice.status is InvoiceStatus.POSTED]
    if posted:  # their PDFs are rendered in the background, queued in this same transaction
        documents.schedule_documents(conn, entity_id=entity_id, invoice_ids=posted, now=now, actor_id=actor_id)
    return header_rows

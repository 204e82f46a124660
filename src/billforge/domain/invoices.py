"""Invoices: items, tax lines, totals, balance and the life-cycle rules (product.md's table).

| status   | allowed                                                            | refused            |
| Draft    | edit fields and items, post, cancel, delete                        | -                  |
| Posted   | unpost (no payment applied), TransferredToAccounting, AutoPay, PDF | amounts, items,    |
|          |                                                                    | dates, comments,   |
|          |                                                                    | cancel, delete     |
| Canceled | delete                                                             | everything else    |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billforge.domain.money import MONEY_CONTEXT, ZERO
from billforge.domain.tax import TaxLine, TaxMode
from billforge.errors import ErrorCode, RuleRestriction


class InvoiceStatus(StrEnum):
    DRAFT = "Draft"
    POSTED = "Posted"
    CANCELED = "Canceled"
    GENERATING = "Generating"


class ProcessingType(StrEnum):
    CHARGE = "Charge"
    DISCOUNT = "Discount"


REGENERATE_PDF = "RegenerateInvoicePDF"
MAX_PDF_REGENERATIONS = 100  # the Invoice object page: at most 100 regenerations of one invoice's PDF
TRANSFERRED_TO_ACCOUNTING = ("Processing", "Yes", "Error", "Ignore", "No")
#: Over the object API and SOAP, ``No`` cannot be set (the Invoice object page).
TRANSFERRED_TO_ACCOUNTING_SETTABLE = ("Processing", "Yes", "Error", "Ignore")


@dataclass(frozen=True, slots=True)
class ItemDraft:
    """An invoice item before it is stored. ``charge_amount`` never includes tax."""

    position: int
    processing_type: ProcessingType
    charge_amount: Decimal
    service_start_date: date
    service_end_date: date | None = None
    charge_name: str | None = None
    charge_type: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    uom: str | None = None
    sku: str | None = None
    charge_date: datetime | None = None
    product_rate_plan_charge_id: str | None = None
    product_id: str | None = None
    product_name: str | None = None
    subscription_id: str | None = None
    subscription_number: str | None = None
    rate_plan_charge_id: str | None = None
    tax_code: str | None = None
    tax_mode: TaxMode | None = None
    item_type: str | None = None
    purchase_order_number: str | None = None
    applied_to_position: int | None = None  # a discount item's charge item
    tax_lines: tuple[TaxLine, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.tax_lines), ZERO)


@dataclass(frozen=True, slots=True)
class Totals:
    amount_without_tax: Decimal
    tax_amount: Decimal
    tax_exempt_amount: Decimal
    discount: Decimal
    amount: Decimal


def totals(items: Iterable[ItemDraft]) -> Totals:
    """Sum the (already rounded) items and tax lines; nothing is rounded here.

    ``discount`` is the sum of the discount items' charge amounts (negative, as the items are).
    """
    without_tax = tax = exempt = discount = ZERO
    for item in items:
        without_tax = MONEY_CONTEXT.add(without_tax, item.charge_amount)
        if item.processing_type is ProcessingType.DISCOUNT:
            discount = MONEY_CONTEXT.add(discount, item.charge_amount)
        for line in item.tax_lines:
            tax = MONEY_CONTEXT.add(tax, line.tax_amount)
            exempt = MONEY_CONTEXT.add(exempt, line.exempt_amount)
    return Totals(without_tax, tax, exempt, discount, MONEY_CONTEXT.add(without_tax, tax))


def balance(
    *,
    amount: Decimal,
    payment_amount: Decimal = ZERO,
    refund_amount: Decimal = ZERO,
    adjustment_amount: Decimal = ZERO,
    credit_balance_adjustment_amount: Decimal = ZERO,
) -> Decimal:
    """Balance = Amount - (PaymentAmount - RefundAmount) + AdjustmentAmount - CreditBalanceAdjustmentAmount.

    The Invoice object page's example: 1000 - (800 - 300) = 500.
    """
    paid = MONEY_CONTEXT.subtract(payment_amount, refund_amount)
    result = MONEY_CONTEXT.subtract(amount, paid)
    result = MONEY_CONTEXT.add(result, adjustment_amount)
    return MONEY_CONTEXT.subtract(result, credit_balance_adjustment_amount)


# --- life cycle ---------------------------------------------------------------------------


def _refuse(
    message: str, *, code: ErrorCode = ErrorCode.INVALID_VALUE, field: str | None = "status"
) -> RuleRestriction:
    return RuleRestriction(message, field=field, obj="invoice", code=code)


def check_editable(status: str, number: str) -> None:
    """Fields, items, dates and comments change only on a Draft."""
    if status != InvoiceStatus.DRAFT:
        raise _refuse(f"invoice {number} is {status}: only a Draft invoice can be edited")


def check_postable(status: str, number: str) -> None:
    if status != InvoiceStatus.DRAFT:
        raise _refuse(f"invoice {number} is {status}: only a Draft invoice can be posted")


def check_unpostable(status: str, number: str, payment_amount: Decimal) -> None:
    if status != InvoiceStatus.POSTED:
        raise _refuse(f"invoice {number} is {status}: only a Posted invoice can be unposted")
    if payment_amount != ZERO:
        raise _refuse(f"invoice {number} has payments applied ({payment_amount}): unapply them before unposting")


def check_cancelable(status: str, number: str) -> None:
    if status != InvoiceStatus.DRAFT:
        raise _refuse(f"invoice {number} is {status}: only a Draft invoice can be canceled")


def check_deletable(status: str, number: str) -> None:
    if status not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELED):
        raise _refuse(
            f"invoice {number} is {status}: only a Draft or Canceled invoice can be deleted",
            code=ErrorCode.CANNOT_DELETE,
        )


def check_posted_change(status: str, number: str, fields: Iterable[str]) -> None:
    """On a Posted invoice only ``TransferredToAccounting`` and ``AutoPay`` may change."""
    allowed = {"transferredToAccounting", "autoPay", "TransferredToAccounting", "AutoPay"}
    if status == InvoiceStatus.DRAFT:
        return
    if status == InvoiceStatus.CANCELED:
        raise _refuse(f"invoice {number} is Canceled: it can only be deleted")
    refused = sorted(set(fields) - allowed)
    if refused:
        raise _refuse(
            f"invoice {number} is Posted: {', '.join(refused)} cannot change "
            "(only transferredToAccounting and autoPay can)",
            field=refused[0],
        )


# --- RegenerateInvoicePDF -----------------------------------------------------------------


def check_pdf_regeneration(status: str, number: str, regenerations: int) -> None:
    """``RegenerateInvoicePDF=true`` asks for a new version of the PDF: not of a Canceled invoice,
    and at most 100 times for one invoice (``regenerations``: how many times it has been so far).
    The one rule for every door (object API, ``/v1/action/update``, SOAP ``update``)."""
    if status == InvoiceStatus.CANCELED:
        raise _refuse(f"invoice {number} is Canceled: its PDF cannot be regenerated", field=REGENERATE_PDF)
    if regenerations >= MAX_PDF_REGENERATIONS:
        raise _refuse(
            f"invoice {number}: its PDF has been regenerated {regenerations} times, the most allowed for one "
            f"invoice is {MAX_PDF_REGENERATIONS}",
            field=REGENERATE_PDF,
        )


def check_pdf_regeneration_alone(fields_sent: Iterable[str]) -> None:
    """``RegenerateInvoicePDF=true`` may not come with a change of any other field (the Invoice
    object page quotes Zuora's message). ``fields_sent``: every field of the update, custom ones and
    those in ``fieldsToNull`` included; ``Id`` names the invoice and is not a change."""
    others = sorted({name for name in fields_sent if name.lower() not in ("id", REGENERATE_PDF.lower())})
    if others:
        raise _refuse(
            f"When field {REGENERATE_PDF} is set to true to regenerate the invoice PDF file, changes on other "
            f"fields of the invoice are not allowed (also sent: {', '.join(others)})",
            field=REGENERATE_PDF,
        )

"""What an invoice document shows: plain frozen values, read from the database by
``services.documents`` and handed to templates (see ``pdf.templates`` for the field list).

Templates read these objects' attributes only; they are immutable and hold no database rows,
connections or callables, so a template cannot reach anything but the invoice's own values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from billforge.domain.money import ZERO

US_STYLE_COUNTRIES = frozenset({"united states", "usa", "us", "canada", "ca", "australia", "au"})


@dataclass(frozen=True, slots=True)
class Party:
    """A contact (bill-to, sold-to) or the seller."""

    name: str = ""  # the person's full name, or the seller's name
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None  # a contact's account name
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    county: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    tax_id: str | None = None

    @property
    def lines(self) -> list[str]:
        """The postal address as printed lines (street, street, town line, country)."""
        lines = [part for part in (self.address1, self.address2) if part]
        if (self.country or "").strip().lower() in US_STYLE_COUNTRIES:
            region = " ".join(part for part in (self.state, self.postal_code) if part)
            town = ", ".join(part for part in (self.city, region) if part)
        else:
            town = " ".join(part for part in (self.postal_code, self.city) if part)
            if self.state:
                town = f"{town}, {self.state}" if town else self.state
        if town:
            lines.append(town)
        if self.country:
            lines.append(self.country)
        return lines


@dataclass(frozen=True, slots=True)
class Line:
    """An invoice item: a charge, or a discount applied to one."""

    id: str
    position: int
    processing_type: str  # Charge | Discount
    charge_name: str | None
    amount: Decimal  # the item's charge amount, without tax
    tax_amount: Decimal = ZERO
    service_start_date: date | None = None
    service_end_date: date | None = None
    description: str | None = None
    charge_type: str | None = None
    product_name: str | None = None
    sku: str | None = None
    uom: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    subscription_number: str | None = None
    purchase_order_number: str | None = None
    tax_code: str | None = None
    applied_to_item_id: str | None = None
    discounts: tuple[Line, ...] = ()  # a charge's discount items

    @property
    def charge_amount(self) -> Decimal:
        """The same as ``amount`` (the REST name)."""
        return self.amount

    @property
    def is_discount(self) -> bool:
        return self.processing_type == "Discount"


@dataclass(frozen=True, slots=True)
class TaxLine:
    """The tax of the invoice for one jurisdiction, tax and rate."""

    jurisdiction: str | None
    name: str
    tax_code: str | None
    tax_rate: Decimal
    tax_rate_type: str  # Percentage | FlatFee
    tax_amount: Decimal
    exempt_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """A payment applied to the invoice."""

    number: str
    effective_date: date
    amount: Decimal  # applied to this invoice
    refunded: Decimal = ZERO  # of that, refunded since
    type: str = "External"


@dataclass(frozen=True, slots=True)
class InvoiceFields:
    """The invoice itself. ``subtotal`` + ``discount`` + ``tax_amount`` = ``amount``."""

    id: str
    invoice_number: str
    status: str
    currency: str
    invoice_date: date
    due_date: date
    amount: Decimal
    amount_without_tax: Decimal
    tax_amount: Decimal
    balance: Decimal
    target_date: date | None = None
    payment_term: str | None = None
    posted_date: datetime | None = None
    comments: str | None = None
    tax_exempt_amount: Decimal = ZERO
    discount: Decimal = ZERO  # the discount items' sum (zero or negative)
    payment_amount: Decimal = ZERO
    refund_amount: Decimal = ZERO
    adjustment_amount: Decimal = ZERO
    credit_balance_adjustment_amount: Decimal = ZERO

    @property
    def number(self) -> str:
        return self.invoice_number

    @property
    def subtotal(self) -> Decimal:
        """The charges before discounts and tax."""
        return self.amount_without_tax - self.discount

    @property
    def paid_amount(self) -> Decimal:
        """Payments applied less refunds of them."""
        return self.payment_amount - self.refund_amount

    @property
    def is_draft(self) -> bool:
        return self.status == "Draft"


@dataclass(frozen=True, slots=True)
class AccountFields:
    id: str
    account_number: str
    name: str
    currency: str
    payment_term: str | None = None
    bill_cycle_day: int | None = None
    crm_id: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """Everything an invoice's PDF shows."""

    invoice: InvoiceFields
    account: AccountFields
    seller: Party
    bill_to: Party
    sold_to: Party
    items: tuple[Line, ...]  # the charges, each with its discounts
    taxes: tuple[TaxLine, ...] = ()
    payments: tuple[PaymentLine, ...] = ()
    locale: str = "en_US"
    minor_units: int = 2  # the tenant's minor units for the invoice currency
    rounding_mode: str = "HALF_UP"

    @property
    def discounts(self) -> tuple[Line, ...]:
        return tuple(discount for item in self.items for discount in item.discounts)

    @property
    def watermark(self) -> str | None:
        """The word across every page: DRAFT for drafts, CANCELED for canceled invoices."""
        status = self.invoice.status
        if status == "Draft":
            return "DRAFT"
        if status == "Canceled":
            return "CANCELED"
        return None

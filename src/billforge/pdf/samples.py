"""Sample invoice documents: what a template is tried on before it is accepted, and what the
benchmark renders. Between them they give every field a value and leave every optional one out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billforge.pdf.model import AccountFields, InvoiceDocument, InvoiceFields, Line, Party, PaymentLine, TaxLine

SELLER = Party(
    name="Northwind Billing Ltd",
    address1="1 Market Street",
    address2="Suite 400",
    city="San Francisco",
    state="CA",
    postal_code="94105",
    country="United States",
    email="billing@northwind.example",
    phone="+1 415 555 0100",
    tax_id="US-12-3456789",
)


def _charge(position: int, name: str, quantity: str, price: str, *, discounts: tuple[Line, ...] = ()) -> Line:
    amount = Decimal(quantity) * Decimal(price)
    return Line(
        id=f"{position:032x}",
        position=position,
        processing_type="Charge",
        charge_name=name,
        amount=amount.quantize(Decimal("0.01")),
        tax_amount=Decimal("0.00"),
        service_start_date=date(2024, 1, 1),
        service_end_date=date(2024, 1, 31),
        description=f"{name}, January 2024",
        charge_type="Recurring",
        product_name="Cloud Platform",
        sku=f"SKU-{position:05d}",
        uom="Each",
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        subscription_number="A-S00000001",
        purchase_order_number="PO-1001",
        tax_code="SALES",
        discounts=discounts,
    )


def posted_invoice(items: int = 10) -> InvoiceDocument:
    """A posted invoice with ``items`` charges, a discount, taxes in two jurisdictions and a payment."""
    discount = Line(
        id=f"{9999:032x}",
        position=items + 1,
        processing_type="Discount",
        charge_name="Loyalty discount",
        amount=Decimal("-10.00"),
        service_start_date=date(2024, 1, 1),
        service_end_date=date(2024, 1, 31),
        description="10 off the platform fee",
        applied_to_item_id=f"{1:032x}",
    )
    lines = [
        _charge(n, f"Service {n}", str(1 + n % 4), f"{12.5 + n * 3.25:.2f}", discounts=(discount,) if n == 1 else ())
        for n in range(1, items + 1)
    ]
    charges = sum((line.amount for line in lines), Decimal(0))
    without_tax = charges + discount.amount
    state_tax = (without_tax * Decimal("0.06")).quantize(Decimal("0.01"))
    city_tax = (without_tax * Decimal("0.0225")).quantize(Decimal("0.01"))
    tax = state_tax + city_tax
    amount = without_tax + tax
    paid = Decimal("100.00")
    return InvoiceDocument(
        invoice=InvoiceFields(
            id="8a8aa0a4a7f24f5b8d3cbb6c4d2e1f00",
            invoice_number="INV00001234",
            status="Posted",
            currency="USD",
            invoice_date=date(2024, 2, 1),
            target_date=date(2024, 2, 1),
            due_date=date(2024, 3, 2),
            payment_term="Net 30",
            posted_date=datetime(2024, 2, 1, 9, 30, tzinfo=UTC),
            comments="Thank you for your business.",
            amount=amount,
            amount_without_tax=without_tax,
            tax_amount=tax,
            discount=discount.amount,
            payment_amount=paid,
            refund_amount=Decimal("0.00"),
            balance=amount - paid,
        ),
        account=AccountFields(
            id="2c92c0f8a7f24f5b8d3cbb6c4d2e1f00",
            account_number="A00000042",
            name="Acme Corporation",
            currency="USD",
            payment_term="Net 30",
            bill_cycle_day=1,
            crm_id="CRM-42",
        ),
        seller=SELLER,
        bill_to=Party(
            name="Ada Lovelace",
            first_name="Ada",
            last_name="Lovelace",
            company="Acme Corporation",
            address1="12 Analytical Way",
            city="Oakland",
            state="CA",
            postal_code="94612",
            country="United States",
            email="ada@acme.example",
            phone="+1 510 555 0142",
        ),
        sold_to=Party(
            name="Charles Babbage",
            first_name="Charles",
            last_name="Babbage",
            company="Acme Corporation",
            address1="5 Difference Street",
            city="London",
            postal_code="SW1A 1AA",
            country="United Kingdom",
        ),
        items=tuple(lines),
        taxes=(
            TaxLine("CALIFORNIA", "CA State Tax", "SALES", Decimal("0.06"), "Percentage", state_tax),
            TaxLine("ALAMEDA", "Alameda County Tax", "SALES", Decimal("0.0225"), "Percentage", city_tax),
        ),
        payments=(PaymentLine("P-00000007", date(2024, 2, 10), paid),),
        locale="en_US",
    )


def bare_draft() -> InvoiceDocument:
    """A draft with one charge and nothing optional: no contacts' details, seller, tax or payment."""
    item = Line(
        id=f"{1:032x}",
        position=1,
        processing_type="Charge",
        charge_name=None,
        amount=Decimal("100.00"),
    )
    return InvoiceDocument(
        invoice=InvoiceFields(
            id="00000000000000000000000000000001",
            invoice_number="INV00000001",
            status="Draft",
            currency="EUR",
            invoice_date=date(2024, 1, 15),
            due_date=date(2024, 1, 15),
            amount=Decimal("100.00"),
            amount_without_tax=Decimal("100.00"),
            tax_amount=Decimal("0.00"),
            balance=Decimal("100.00"),
        ),
        account=AccountFields(id="00000000000000000000000000000002", account_number="A1", name="A", currency="EUR"),
        seller=Party(),
        bill_to=Party(),
        sold_to=Party(),
        items=(item,),
        locale="de_DE",
    )


def samples() -> list[InvoiceDocument]:
    """The invoices every uploaded template must render."""
    return [posted_invoice(12), bare_draft()]

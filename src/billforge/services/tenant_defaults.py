"""What a new entity starts with: product.md's tenant defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Connection, insert

from billforge.db import tables as t
from billforge.domain.money import DEFAULT_CURRENCIES
from billforge.domain.rules import DayCountRule, ProrationUnit
from billforge.services.context import new_id

DEFAULT_TIME_ZONE: Final = "UTC"
DEFAULT_CURRENCY: Final = "USD"
DEFAULT_BILL_CYCLE_DAY: Final = 1
DUE_UPON_RECEIPT: Final = "Due Upon Receipt"
DEFAULT_PAYMENT_TERMS: Final = (
    (DUE_UPON_RECEIPT, 0),
    ("Net 15", 15),
    ("Net 30", 30),
    ("Net 45", 45),
    ("Net 60", 60),
    ("Net 90", 90),
)
DEFAULT_SEQUENCE_SET: Final = "Default"
DEFAULT_INVOICE_PREFIX: Final = "INV"
DEFAULT_INVOICE_START: Final = 1
DEFAULT_LOCALE: Final = "en_US"
DEFAULT_TEMPLATE_NAME: Final = "Default Template"
DEFAULT_TEMPLATE_ENGINE: Final = "Jinja2"
# The default invoice template: Jinja2, rendered by the PDF work with the invoice, its items, the
# account, the bill-to contact and the seller in scope.
DEFAULT_TEMPLATE_BODY: Final = """\
<h1>{{ seller.name or "Invoice" }}</h1>
<p>Invoice {{ invoice.invoice_number }} dated {{ invoice.invoice_date }}, due {{ invoice.due_date }}</p>
<p>Bill to: {{ bill_to.first_name }} {{ bill_to.last_name }}</p>
<table>
{% for item in items %}<tr><td>{{ item.charge_name }}</td><td>{{ item.charge_amount }}</td></tr>
{% endfor %}</table>
<p>Total {{ invoice.amount }} {{ invoice.currency }}</p>
"""


def seed_entity_defaults(conn: Connection, *, entity_id: str, now: datetime) -> None:
    conn.execute(
        insert(t.tenant_settings).values(
            entity_id=entity_id,
            time_zone=DEFAULT_TIME_ZONE,
            default_currency=DEFAULT_CURRENCY,
            default_bill_cycle_day=DEFAULT_BILL_CYCLE_DAY,
            default_payment_term=DUE_UPON_RECEIPT,
            proration_unit=ProrationUnit.BY_MONTH_FIRST.value,
            day_count=DayCountRule.ACTUAL_DAYS.value,
            invoice_settlement=False,
            locale=DEFAULT_LOCALE,
            updated_at=now,
        )
    )
    conn.execute(
        insert(t.currencies),
        [
            {
                "entity_id": entity_id,
                "code": c.code,
                "minor_units": c.minor_units,
                "rounding_mode": c.rounding_mode,
                "active": True,
            }
            for c in DEFAULT_CURRENCIES
        ],
    )
    conn.execute(
        insert(t.payment_terms),
        [
            {
                "id": new_id(),
                "entity_id": entity_id,
                "name": name,
                "due_days": days,
                "description": None,
                "active": True,
                "is_default": name == DUE_UPON_RECEIPT,
            }
            for name, days in DEFAULT_PAYMENT_TERMS
        ],
    )
    conn.execute(
        insert(t.sequence_sets).values(
            id=new_id(),
            entity_id=entity_id,
            name=DEFAULT_SEQUENCE_SET,
            invoice_prefix=DEFAULT_INVOICE_PREFIX,
            invoice_start_number=DEFAULT_INVOICE_START,
            documents={},
            is_default=True,
            created_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        insert(t.invoice_number_counters).values(
            entity_id=entity_id, prefix=DEFAULT_INVOICE_PREFIX, next_number=DEFAULT_INVOICE_START
        )
    )
    conn.execute(
        insert(t.invoice_templates).values(
            id=new_id(),
            entity_id=entity_id,
            name=DEFAULT_TEMPLATE_NAME,
            description="The template every entity starts with",
            engine=DEFAULT_TEMPLATE_ENGINE,
            body=DEFAULT_TEMPLATE_BODY,
            is_default=True,
            created_at=now,
            updated_at=now,
        )
    )

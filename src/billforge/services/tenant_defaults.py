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
DEFAULT_LOCALE: Final = "en_US"


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
            invoice_start_number=1,
            invoice_next_number=1,
            documents={},
            is_default=True,
            created_at=now,
            updated_at=now,
        )
    )

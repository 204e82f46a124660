"""Tables of payments and refunds: records that move an invoice's balance (no gateways).

An applied payment raises the invoice's PaymentAmount; refunding money that was applied to an
invoice raises its RefundAmount (the Invoice object's Balance formula keeps both).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String, Table

from billforge.db.tables import ACTOR, ID, metadata
from billforge.db.types import Amount, UTCDateTime

payments = Table(
    "payments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("number", String(32), nullable=False),
    Column("type", String(20), nullable=False),  # External
    Column("status", String(20), nullable=False),  # Processed
    Column("currency", String(3), nullable=False),
    Column("amount", Amount(), nullable=False),
    Column("applied_amount", Amount(), nullable=False),
    Column("unapplied_amount", Amount(), nullable=False),
    Column("refund_amount", Amount(), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("payment_method_id", String(ID)),
    Column("comment", String(255)),
    Column("reference_id", String(100)),
    Column("extra", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("created_by_id", String(ACTOR)),
    Column("updated_by_id", String(ACTOR)),
    Index("ix_payments_entity_number", "entity_id", "number", unique=True),
    Index("ix_payments_account_id", "account_id"),
)

payment_applications = Table(
    "payment_applications",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("payment_id", String(ID), ForeignKey("payments.id", ondelete="CASCADE"), nullable=False),
    Column("invoice_id", String(ID), ForeignKey("invoices.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("amount", Amount(), nullable=False),  # applied
    Column("refunded_amount", Amount(), nullable=False),  # of the applied amount, refunded since
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_payment_applications_payment_id", "payment_id"),
    Index("ix_payment_applications_invoice_id", "invoice_id"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("payment_id", String(ID), ForeignKey("payments.id"), nullable=False),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("number", String(32), nullable=False),
    Column("type", String(20), nullable=False),  # External
    Column("method_type", String(30)),
    Column("status", String(20), nullable=False),  # Processed
    Column("amount", Amount(), nullable=False),
    Column("refund_date", Date, nullable=False),
    Column("reason_code", String(100)),
    Column("comment", String(255)),
    Column("reference_id", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("created_by_id", String(ACTOR)),
    Column("updated_by_id", String(ACTOR)),
    Index("ix_refunds_entity_number", "entity_id", "number", unique=True),
    Index("ix_refunds_payment_id", "payment_id"),
)

refund_applications = Table(
    "refund_applications",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("refund_id", String(ID), ForeignKey("refunds.id", ondelete="CASCADE"), nullable=False),
    Column("invoice_id", String(ID), ForeignKey("invoices.id"), nullable=True),  # None: from unapplied money
    Column("amount", Amount(), nullable=False),
    Index("ix_refund_applications_refund_id", "refund_id"),
)

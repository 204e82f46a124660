"""Tables of the billing engine: subscriptions, their rate plans and charges, usage, and the
ledger of billed charge periods (the last line of defence against billing a period twice).

A subscription copies its charges from the catalog when it is created (Zuora's rate plan charges
are the subscription's own copies: later catalog changes do not reach them). Dates follow the
billing core (``domain.subscriptions``): ``term_end_date`` and ``cancelled_date`` are the first day
no longer served.

``charge_billings`` holds one row per invoice item that billing generated, while its invoice is
neither cancelled nor deleted (``services.invoices`` deletes an invoice's rows when it does either,
so those periods bill again). The unique key (charge, service start, kind, sequence) makes two
writers that billed the same period from the same snapshot collide: the second one fails instead of
billing the period twice. ``sequence`` numbers the rows a charge legitimately has for the same start
and kind (late usage billed as a difference, a percentage discount on two items of one period).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from billforge.db.tables import ACTOR, ID, metadata
from billforge.db.types import Amount, Price, Quantity, UTCDateTime


def _audit() -> list[Column[object]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("created_by_id", String(ACTOR)),
        Column("updated_by_id", String(ACTOR)),
    ]


subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("subscription_number", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # Active | Cancelled | Expired
    Column("term_type", String(10), nullable=False),  # TERMED | EVERGREEN
    Column("contract_effective_date", Date, nullable=False),
    Column("service_activation_date", Date),
    Column("customer_acceptance_date", Date),
    Column("term_start_date", Date, nullable=False),  # start of the current term
    Column("term_end_date", Date),  # end of the current term (exclusive); None when evergreen
    Column("initial_term", Integer),
    Column("initial_term_period_type", String(10), nullable=False),
    Column("current_term", Integer),
    Column("current_term_period_type", String(10), nullable=False),
    Column("renewal_term", Integer, nullable=False),
    Column("renewal_term_period_type", String(10), nullable=False),
    Column("renewal_setting", String(30), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("invoice_separately", Boolean, nullable=False),
    Column("notes", String(1000)),
    Column("cancelled_date", Date),  # cancellation effective date (exclusive)
    Column("cancellation_policy", String(30)),
    Column("version", Integer, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "subscription_number"),
    Index("ix_subscriptions_account_id", "account_id"),
)

rate_plans = Table(
    "rate_plans",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("subscription_id", String(ID), ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_rate_plan_id", String(ID), nullable=False),
    Column("product_rate_plan_number", String(100)),
    Column("name", String(255), nullable=False),
    Column("product_id", String(ID), nullable=False),
    Column("product_name", String(255), nullable=False),
    Column("product_sku", String(50)),
    *_audit(),
    Index("ix_rate_plans_subscription_id", "subscription_id"),
)

rate_plan_charges = Table(
    "rate_plan_charges",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("subscription_id", String(ID), ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("rate_plan_id", String(ID), ForeignKey("rate_plans.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("charge_number", String(50), nullable=False),
    Column("product_rate_plan_charge_id", String(ID), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", String(500)),
    Column("charge_type", String(20), nullable=False),
    Column("charge_model", String(40), nullable=False),
    Column("price", Price()),
    Column("quantity", Quantity(), nullable=False),
    Column("included_units", Quantity()),
    Column("discount_percentage", Price()),
    Column("discount_amount", Price()),
    Column("discount_level", String(20)),
    Column("apply_discount_to", String(60)),  # charge types, comma separated; None: all
    Column("uom", String(25)),
    Column("billing_period", String(30)),
    Column("specific_billing_period", Integer),
    Column("list_price_base", String(30)),
    Column("billing_timing", String(20)),
    Column("bill_cycle_type", String(30), nullable=False),
    Column("bill_cycle_day", Integer),
    Column("weekly_bill_cycle_day", String(10)),
    Column("billing_period_alignment", String(30)),
    Column("trigger_event", String(30), nullable=False),
    Column("trigger_date", Date),  # the charge's own start (SpecificDate trigger)
    Column("end_date_condition", String(30), nullable=False),
    Column("up_to_periods", Integer),
    Column("specific_end_date", Date),
    Column("tax_code", String(64)),
    Column("tax_mode", String(20)),
    Column("taxable", Boolean, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "charge_number"),
    Index("ix_rate_plan_charges_subscription_id", "subscription_id"),
)

rate_plan_charge_tiers = Table(
    "rate_plan_charge_tiers",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("rate_plan_charge_id", String(ID), ForeignKey("rate_plan_charges.id", ondelete="CASCADE"), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("starting_unit", Quantity()),
    Column("ending_unit", Quantity()),
    Column("price", Price(), nullable=False),
    Column("price_format", String(20), nullable=False),
    Column("is_overage_price", Boolean, nullable=False),
    UniqueConstraint("rate_plan_charge_id", "tier", "is_overage_price"),
)

usage_imports = Table(
    "usage_imports",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("file_name", String(255)),
    Column("size", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # Pending | Processing | Completed | Failed
    Column("record_count", Integer, nullable=False),
    Column("message", Text),
    *_audit(),
)

usage = Table(
    "usage",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("subscription_id", String(ID), ForeignKey("subscriptions.id")),
    Column("charge_id", String(ID), ForeignKey("rate_plan_charges.id")),
    Column("uom", String(25), nullable=False),
    Column("quantity", Quantity(), nullable=False),
    Column("start_date", Date, nullable=False),  # the day the usage is rated in
    Column("start_date_time", DateTime, nullable=False),  # wall-clock time in the tenant's time zone
    Column("end_date_time", DateTime),
    Column("description", String(255)),
    Column("unique_key", String(255)),
    Column("source_type", String(20), nullable=False),  # API | Import
    Column("import_id", String(ID), ForeignKey("usage_imports.id")),
    Column("invoice_id", String(ID)),  # the invoice that billed it, while that invoice holds its periods
    Column("extra", JSON, nullable=False),
    *_audit(),
    Index("ix_usage_account_id", "account_id", "start_date"),
)

charge_billings = Table(
    "charge_billings",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("subscription_id", String(ID), ForeignKey("subscriptions.id"), nullable=False),
    Column("rate_plan_charge_id", String(ID), ForeignKey("rate_plan_charges.id"), nullable=False),
    Column("invoice_id", String(ID), ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("invoice_item_id", String(ID), nullable=False),
    Column("kind", String(10), nullable=False),  # Charge | Credit | Discount
    Column("service_start", Date, nullable=False),
    Column("service_end", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("amount", Amount(), nullable=False),
    Column("quantity", Quantity(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("rate_plan_charge_id", "service_start", "kind", "sequence"),
    Index("ix_charge_billings_account_id", "account_id"),
    Index("ix_charge_billings_subscription_id", "subscription_id"),  # billing reads a subscription's ledger
    Index("ix_charge_billings_invoice_id", "invoice_id"),
)

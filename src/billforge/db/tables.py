"""The tables, as SQLAlchemy Core ``Table`` objects: services read and write them set-wise.

Every business row carries ``entity_id``: an entity is a tenant, and nothing of one entity is
visible through another's clients. Money columns use ``Amount``/``Price``/``Quantity`` (exact on
both backends, see ``db.types``). ``extra`` columns keep Zuora fields that billforge stores and
returns verbatim but never computes with (accounting codes, NetSuite ``__NS`` fields, ...).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from billforge.db.types import Amount, Price, Quantity, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = 32  # business ids: 32 lowercase hex characters
ACTOR = 36  # who did it: an API client id (a UUID) or a user id


def _id() -> Column[str]:
    return Column("id", String(ID), primary_key=True)


def _entity() -> Column[str]:
    return Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False)


def _audit() -> list[Column[object]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("created_by_id", String(ACTOR)),
        Column("updated_by_id", String(ACTOR)),
    ]


# --- tenancy and access -------------------------------------------------------------------

entities = Table(
    "entities",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("id", String(36), primary_key=True),  # a UUID with hyphens, as the SDK checks
    Column("secret_hash", String(128), nullable=False),
    Column("description", String(255)),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_client_entities = Table(
    "api_client_entities",
    metadata,
    Column("client_id", String(36), ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), primary_key=True),
)

users = Table(
    "users",
    metadata,
    _id(),
    _entity(),
    Column("username", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("full_name", String(255)),
    Column("email", String(255)),
    Column("created_at", UTCDateTime(), nullable=False),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("client_id", String(36), ForeignKey("api_clients.id", ondelete="CASCADE"), nullable=False),
    Column("jti", String(ID), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_access_tokens_expires_at", "expires_at"),
)

soap_sessions = Table(
    "soap_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("client_id", String(36), nullable=False),
    Column("entity_id", String(ID), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(2048), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(10), nullable=False),  # running | done
    Column("response_status", Integer),
    Column("response_body", LargeBinary),
    Column("response_content_type", String(100)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_idempotency_records_expires_at", "expires_at"),
)

# --- tenant settings ----------------------------------------------------------------------

tenant_settings = Table(
    "tenant_settings",
    metadata,
    Column("entity_id", String(ID), ForeignKey("entities.id"), primary_key=True),
    Column("time_zone", String(64), nullable=False),
    Column("default_currency", String(3), nullable=False),
    Column("default_bill_cycle_day", Integer, nullable=False),
    Column("default_payment_term", String(100), nullable=False),
    Column("proration_unit", String(30), nullable=False),
    Column("day_count", String(30), nullable=False),
    Column("invoice_settlement", Boolean, nullable=False),
    Column("seller_name", String(255)),
    Column("seller_address1", String(255)),
    Column("seller_address2", String(255)),
    Column("seller_city", String(100)),
    Column("seller_state", String(100)),
    Column("seller_postal_code", String(20)),
    Column("seller_country", String(64)),
    Column("seller_tax_id", String(64)),
    Column("seller_email", String(255)),
    Column("seller_phone", String(64)),
    Column("locale", String(20), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

currencies = Table(
    "currencies",
    metadata,
    Column("entity_id", String(ID), ForeignKey("entities.id"), primary_key=True),
    Column("code", String(3), primary_key=True),
    Column("minor_units", Integer, nullable=False),
    Column("rounding_mode", String(12), nullable=False),
    Column("active", Boolean, nullable=False),
)

payment_terms = Table(
    "payment_terms",
    metadata,
    _id(),
    _entity(),
    Column("name", String(100), nullable=False),
    Column("due_days", Integer, nullable=False),
    Column("description", String(255)),
    Column("active", Boolean, nullable=False),
    Column("is_default", Boolean, nullable=False),
    UniqueConstraint("entity_id", "name"),
)

sequence_sets = Table(
    "sequence_sets",
    metadata,
    _id(),
    _entity(),
    Column("name", String(100), nullable=False),
    Column("number", String(32)),  # Zuora's sequenceSetNumber, when the client gave one
    Column("invoice_prefix", String(32), nullable=False),
    Column("invoice_start_number", BigInteger, nullable=False),
    Column("documents", JSON, nullable=False),  # the other document types' {prefix, startNumber}
    Column("is_default", Boolean, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "name"),
)

# The next invoice number of each prefix: one number space per (entity, prefix), shared by every
# sequence set with that prefix and kept when a set is changed or deleted, so no number is reused.
invoice_number_counters = Table(
    "invoice_number_counters",
    metadata,
    Column("entity_id", String(ID), ForeignKey("entities.id"), primary_key=True),
    Column("prefix", String(32), primary_key=True),
    Column("next_number", BigInteger, nullable=False),
)

accounting_periods = Table(
    "accounting_periods",
    metadata,
    _id(),
    _entity(),
    Column("name", String(100), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(20), nullable=False),  # Open | Closed
    Column("fiscal_year", Integer, nullable=False),
    Column("fiscal_quarter", Integer),
    Column("notes", String(255)),
    *_audit(),
    UniqueConstraint("entity_id", "name"),
    Index("ix_accounting_periods_entity_dates", "entity_id", "start_date", "end_date"),
)

invoice_templates = Table(
    "invoice_templates",
    metadata,
    _id(),
    _entity(),
    Column("name", String(255), nullable=False),
    Column("description", String(255)),
    Column("engine", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("is_default", Boolean, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "name"),
)

tax_codes = Table(
    "tax_codes",
    metadata,
    _id(),
    _entity(),
    Column("name", String(64), nullable=False),
    Column("description", String(255)),
    Column("active", Boolean, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "name"),
)

tax_rates = Table(
    "tax_rates",
    metadata,
    _id(),
    _entity(),
    Column("tax_code_id", String(ID), ForeignKey("tax_codes.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # the order the rates were given in
    Column("name", String(128), nullable=False),
    Column("rate", Price(), nullable=False),
    Column("rate_type", String(20), nullable=False),  # Percentage | FlatFee
    Column("jurisdiction", String(100)),
    Column("country", String(64)),
    Column("state", String(64)),
    Column("location_code", String(64)),
    Column("description", String(255)),
    Column("effective_start_date", Date),
    Column("effective_end_date", Date),
    Index("ix_tax_rates_tax_code_id", "tax_code_id"),
)

# --- customers ----------------------------------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    _id(),
    _entity(),
    Column("account_number", String(70), nullable=False),
    Column("name", String(255), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bill_cycle_day", Integer, nullable=False),
    Column("payment_term", String(100), nullable=False),
    Column("auto_pay", Boolean, nullable=False),
    Column("invoice_template_id", String(ID)),
    Column("sequence_set_id", String(ID)),
    Column("bill_to_contact_id", String(ID)),
    Column("sold_to_contact_id", String(ID)),
    Column("ship_to_contact_id", String(ID)),
    Column("batch", String(20)),
    Column("crm_id", String(100)),
    Column("notes", String(65535)),
    Column("parent_id", String(ID)),
    Column("sales_rep", String(50)),
    Column("communication_profile_id", String(ID)),
    Column("invoice_delivery_prefs_email", Boolean, nullable=False),
    Column("invoice_delivery_prefs_print", Boolean, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "account_number"),
)

contacts = Table(
    "contacts",
    metadata,
    _id(),
    _entity(),
    Column("account_id", String(ID), ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("nickname", String(100)),
    Column("address1", String(255)),
    Column("address2", String(255)),
    Column("city", String(100)),
    Column("county", String(100)),
    Column("state", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(64)),
    Column("tax_region", String(32)),
    Column("work_email", String(80)),
    Column("personal_email", String(80)),
    Column("work_phone", String(40)),
    Column("home_phone", String(40)),
    Column("mobile_phone", String(40)),
    Column("fax", String(40)),
    Column("other_phone", String(40)),
    Column("other_phone_type", String(20)),
    Column("description", String(100)),
    Column("extra", JSON, nullable=False),
    *_audit(),
    Index("ix_contacts_account_id", "account_id"),
)

# --- product catalog ----------------------------------------------------------------------

products = Table(
    "products",
    metadata,
    _id(),
    _entity(),
    Column("name", String(255), nullable=False),
    Column("sku", String(50), nullable=False),
    Column("product_number", String(100)),
    Column("category", String(100)),
    Column("description", String(500)),
    Column("effective_start_date", Date, nullable=False),
    Column("effective_end_date", Date, nullable=False),
    Column("allow_feature_changes", Boolean, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "sku"),
    UniqueConstraint("entity_id", "product_number"),
)

product_rate_plans = Table(
    "product_rate_plans",
    metadata,
    _id(),
    _entity(),
    Column("product_id", String(ID), ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", String(500)),
    Column("effective_start_date", Date),
    Column("effective_end_date", Date),
    Column("product_rate_plan_number", String(100)),
    Column("grade", Integer),
    Column("active_currencies", JSON, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    Index("ix_product_rate_plans_product_id", "product_id"),
    UniqueConstraint("entity_id", "product_rate_plan_number"),
)

product_rate_plan_charges = Table(
    "product_rate_plan_charges",
    metadata,
    _id(),
    _entity(),
    Column(
        "product_rate_plan_id",
        String(ID),
        ForeignKey("product_rate_plans.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(100), nullable=False),
    Column("product_rate_plan_charge_number", String(100)),
    Column("charge_type", String(20), nullable=False),
    Column("charge_model", String(40), nullable=False),
    Column("billing_period", String(30)),
    Column("specific_billing_period", Integer),
    Column("billing_timing", String(20)),
    Column("bill_cycle_type", String(30), nullable=False),
    Column("bill_cycle_day", Integer),
    Column("weekly_bill_cycle_day", String(10)),
    Column("billing_period_alignment", String(30)),
    Column("list_price_base", String(30)),
    Column("rating_group", String(30)),
    Column("trigger_event", String(30), nullable=False),
    Column("uom", String(25)),
    Column("default_quantity", Quantity()),
    Column("included_units", Quantity()),
    Column("end_date_condition", String(30), nullable=False),
    Column("up_to_periods", Integer),
    Column("up_to_periods_type", String(30)),
    Column("tax_code", String(64)),
    Column("tax_mode", String(20)),
    Column("taxable", Boolean, nullable=False),
    Column("description", String(500)),
    Column("discount_level", String(20)),
    Column("apply_discount_to", String(40)),
    Column("accounting_code", String(100)),
    Column("deferred_revenue_accounting_code", String(100)),
    Column("recognized_revenue_accounting_code", String(100)),
    Column("extra", JSON, nullable=False),
    *_audit(),
    Index("ix_product_rate_plan_charges_plan_id", "product_rate_plan_id"),
    UniqueConstraint("entity_id", "product_rate_plan_charge_number"),
)

product_rate_plan_charge_tiers = Table(
    "product_rate_plan_charge_tiers",
    metadata,
    _id(),
    _entity(),
    Column(
        "charge_id",
        String(ID),
        ForeignKey("product_rate_plan_charges.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("tier", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("price", Price()),  # none for discount tiers, which carry a discount amount or percentage
    Column("price_format", String(20), nullable=False),
    Column("starting_unit", Quantity()),
    Column("ending_unit", Quantity()),
    Column("is_overage_price", Boolean, nullable=False),
    Column("discount_amount", Price()),
    Column("discount_percentage", Price()),
    *_audit(),
    UniqueConstraint("charge_id", "currency", "tier"),
)

# The next generated catalog key of each kind (SKU, PC, PRP, PRPC) in an entity: numbers only go up.
counters = Table(
    "counters",
    metadata,
    Column("entity_id", String(ID), ForeignKey("entities.id"), primary_key=True),
    Column("kind", String(40), primary_key=True),  # SKU, PRP, A (accounts), P (payments), ...
    Column("next_number", BigInteger, nullable=False),
)

# --- invoices -----------------------------------------------------------------------------

invoices = Table(
    "invoices",
    metadata,
    _id(),
    _entity(),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("invoice_number", String(32), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("target_date", Date),
    Column("due_date", Date, nullable=False),
    Column("payment_term", String(100)),
    Column("amount", Amount(), nullable=False),
    Column("amount_without_tax", Amount(), nullable=False),
    Column("tax_amount", Amount(), nullable=False),
    Column("tax_exempt_amount", Amount(), nullable=False),
    Column("discount", Amount(), nullable=False),
    Column("payment_amount", Amount(), nullable=False),
    Column("refund_amount", Amount(), nullable=False),
    Column("adjustment_amount", Amount(), nullable=False),
    Column("credit_balance_adjustment_amount", Amount(), nullable=False),
    Column("credit_memo_amount", Amount(), nullable=False),
    Column("balance", Amount(), nullable=False),
    Column("auto_pay", Boolean, nullable=False),
    Column("comments", String(255)),
    Column("includes_one_time", Boolean, nullable=False),
    Column("includes_recurring", Boolean, nullable=False),
    Column("includes_usage", Boolean, nullable=False),
    Column("bill_to_contact_id", String(ID)),
    Column("sold_to_contact_id", String(ID)),
    Column("ship_to_contact_id", String(ID)),
    Column("sequence_set_id", String(ID)),
    Column("template_id", String(ID)),
    Column("communication_profile_id", String(ID)),
    Column("source", String(15), nullable=False),
    Column("source_id", String(ID)),
    Column("source_type", String(16), nullable=False),
    Column("transferred_to_accounting", String(10)),
    Column("posted_date", UTCDateTime()),
    Column("posted_by_id", String(ACTOR)),
    Column("canceled_date", UTCDateTime()),
    Column("canceled_by_id", String(ACTOR)),
    Column("last_email_sent_date", UTCDateTime()),
    Column("regenerate_pdf_count", Integer, nullable=False),
    Column("extra", JSON, nullable=False),
    *_audit(),
    UniqueConstraint("entity_id", "invoice_number"),
    Index("ix_invoices_account_id", "account_id", "invoice_date"),
)

invoice_items = Table(
    "invoice_items",
    metadata,
    _id(),
    _entity(),
    Column("invoice_id", String(ID), ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("processing_type", String(20), nullable=False),  # Charge | Discount
    Column("applied_to_item_id", String(ID)),
    Column("charge_name", String(255)),
    Column("charge_type", String(20)),
    Column("description", String(2000)),
    Column("charge_amount", Amount(), nullable=False),  # never includes tax
    Column("tax_amount", Amount(), nullable=False),
    Column("quantity", Quantity()),
    Column("unit_price", Price()),
    Column("uom", String(25)),
    Column("sku", String(50)),
    Column("service_start_date", Date, nullable=False),
    Column("service_end_date", Date),
    Column("charge_date", UTCDateTime()),
    Column("product_rate_plan_charge_id", String(ID)),
    Column("product_id", String(ID)),
    Column("product_name", String(255)),
    Column("subscription_id", String(ID)),
    Column("subscription_number", String(100)),
    Column("rate_plan_charge_id", String(ID)),
    Column("tax_code", String(64)),
    Column("tax_mode", String(20)),
    Column("item_type", String(50)),
    Column("purchase_order_number", String(100)),
    Column("extra", JSON, nullable=False),
    Index("ix_invoice_items_invoice_id", "invoice_id", "position"),
)

taxation_items = Table(
    "taxation_items",
    metadata,
    _id(),
    _entity(),
    Column("invoice_id", String(ID), ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("invoice_item_id", String(ID), ForeignKey("invoice_items.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("tax_code", String(64), nullable=False),
    Column("tax_code_description", String(255)),
    Column("tax_rate", Price(), nullable=False),
    Column("tax_rate_type", String(20), nullable=False),
    Column("tax_rate_description", String(255)),
    Column("tax_mode", String(20), nullable=False),
    Column("tax_amount", Amount(), nullable=False),
    Column("exempt_amount", Amount(), nullable=False),
    Column("tax_date", Date, nullable=False),
    Column("jurisdiction", String(100)),
    Column("location_code", String(64)),
    Index("ix_taxation_items_invoice_id", "invoice_id"),
)

# The other table modules share this MetaData; importing them here makes it complete for
# migrations whichever module is imported first.
from billforge.db import (  # noqa: E402, F401 - registers their tables
    tables_billing,
    tables_bulk,
    tables_jobs,
    tables_payments,
    tables_queries,
)

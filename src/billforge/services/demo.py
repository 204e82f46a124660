"""``billforge demo``: a small catalog, three accounts and their subscriptions, billed up to
today, so that a new user sees invoices at once.

The catalog: "Cloud Platform" with a monthly plan (a flat fee in advance, an onboarding fee
once, and API calls per unit, tiered, in arrears). The accounts start on different days a few
months back, so their invoices show a prorated first month, full months and usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingTiming,
    ChargeModel,
    ChargeType,
    PriceFormat,
    ProductCategory,
    TriggerEvent,
)
from billforge.errors import RuleRestriction
from billforge.services import accounts, billing, catalog, invoices, subscriptions, usage
from billforge.services.context import Context

DEMO_PREFIX = "DEMO-"


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    account_number: str
    invoice_number: str
    amount: Decimal
    status: str


def load_demo(*, db: Database, ctx: Context, today: date) -> list[DemoInvoice]:
    """Create the demo data in the context's entity and bill it up to ``today``."""
    with db.read() as conn:
        existing = conn.execute(
            select(t.accounts.c.id).where(
                t.accounts.c.entity_id == ctx.entity_id, t.accounts.c.account_number.like(f"{DEMO_PREFIX}%")
            )
        ).first()
    if existing is not None:
        raise RuleRestriction("the demo data is already loaded in this entity", field="entity")
    plan_id = _catalog(db, ctx, today)
    made: list[DemoInvoice] = []
    customers = (
        ("Acme Corp", "Ada", "Lovelace", 95),
        ("Globex", "Grace", "Hopper", 80),
        ("Initech", "Alan", "Turing", 45),
    )
    for index, (name, first, last, days_ago) in enumerate(customers, start=1):
        number = f"{DEMO_PREFIX}{index:03d}"
        accounts.create_account(
            db=db,
            ctx=ctx,
            data=accounts.AccountInput(
                name=name,
                currency="USD",
                account_number=number,
                bill_to=accounts.ContactInput(first, last, city="San Francisco", state="CA", country="United States"),
                payment_term="Net 30",
            ),
        )
        start = today - timedelta(days=days_ago)
        created = subscriptions.create_subscription(
            db=db,
            ctx=ctx,
            data=subscriptions.SubscriptionInput(
                account_key=number,
                contract_effective_date=start,
                service_activation_date=start,
                customer_acceptance_date=start,
                term_type="EVERGREEN",
                rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan_id)],
            ),
        )
        _record_usage(db, ctx, number, created.subscription_number, start, today)
        for invoice_id in billing.generate_invoices(
            db=db, ctx=ctx, account_key=number, invoice_date=today, target_date=today
        ):
            row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
            if index == 1:  # the first customer's invoice is posted, the others stay drafts
                row = invoices.post_invoice(db=db, ctx=ctx, key=invoice_id)
            made.append(DemoInvoice(number, row.invoice_number, row.amount, row.status))
    return made


def _catalog(db: Database, ctx: Context, today: date) -> str:
    product_id = catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(
            name="Cloud Platform",
            sku=f"{DEMO_PREFIX}PLATFORM",
            category=ProductCategory.BASE_PRODUCTS,
            effective_start_date=date(today.year - 2, 1, 1),
            effective_end_date=date(today.year + 10, 12, 31),
            description="billforge demo product",
        ),
    )
    plan_id = catalog.create_rate_plan(
        db=db, ctx=ctx, data=catalog.RatePlanInput(name="Standard Monthly", product_id=product_id)
    )
    common = {
        "product_rate_plan_id": plan_id,
        "bill_cycle_type": BillCycleType.DEFAULT_FROM_CUSTOMER,
        "trigger_event": TriggerEvent.CONTRACT_EFFECTIVE,
    }
    charges = {
        "Platform fee": catalog.ChargeInput(
            name="Platform fee",
            charge_type=ChargeType.RECURRING,
            charge_model=ChargeModel.FLAT_FEE,
            billing_period=BillingPeriod.MONTH,
            billing_timing=BillingTiming.IN_ADVANCE,
            tiers=[catalog.TierInput(currency="USD", price=Decimal("99.00"), price_format=PriceFormat.FLAT_FEE)],
            **common,  # type: ignore[arg-type]  # the shared fields above
        ),
        "Onboarding": catalog.ChargeInput(
            name="Onboarding",
            charge_type=ChargeType.ONE_TIME,
            charge_model=ChargeModel.FLAT_FEE,
            tiers=[catalog.TierInput(currency="USD", price=Decimal("250.00"), price_format=PriceFormat.FLAT_FEE)],
            **common,  # type: ignore[arg-type]  # the shared fields above
        ),
        "API calls": catalog.ChargeInput(
            name="API calls",
            charge_type=ChargeType.USAGE,
            charge_model=ChargeModel.TIERED,
            billing_period=BillingPeriod.MONTH,
            billing_timing=BillingTiming.IN_ARREARS,
            uom="Each",
            tiers=[
                catalog.TierInput(
                    currency="USD",
                    price=Decimal("0.002"),
                    price_format=PriceFormat.PER_UNIT,
                    starting_unit=Decimal(0),
                    ending_unit=Decimal(10000),
                ),
                catalog.TierInput(
                    currency="USD",
                    price=Decimal("0.001"),
                    price_format=PriceFormat.PER_UNIT,
                    starting_unit=Decimal(10000),
                ),
            ],
            **common,  # type: ignore[arg-type]  # the shared fields above
        ),
    }
    for data in charges.values():
        catalog.create_charge(db=db, ctx=ctx, data=data)
    return plan_id


def _record_usage(
    db: Database, ctx: Context, account_number: str, subscription_number: str, start: date, today: date
) -> None:
    """Some API calls on the 5th and 20th of each month since the start."""
    day = start
    calls = 4_000
    while day < today:
        for when in (day.replace(day=5), day.replace(day=20)):
            if start <= when < today:
                usage.create_usage(
                    db=db,
                    ctx=ctx,
                    data=usage.UsageInput(
                        account_number=account_number,
                        subscription_number=subscription_number,
                        uom="Each",
                        quantity=Decimal(calls),
                        start_date_time=datetime.combine(when, time(12)),
                    ),
                )
                calls += 1_500
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)

"""Setup for the bulk runner's integration tests (no tests here): a one-charge catalog, accounts and
subscriptions made through billforge's services, and the CSV header."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from billforge.db.session import Database
from billforge.domain.catalog import BillCycleType, BillingPeriod, ChargeModel, ChargeType, TriggerEvent
from billforge.services import accounts, catalog, subscriptions
from billforge.services.context import Context

HEADER = (
    "Invoice.AccountId,Invoice.AccountNumber,Invoice.IncludesOneTime,Invoice.IncludesRecurring,"
    "Invoice.IncludesUsage,Invoice.Date,Invoice.TargetDate,Invoice.Post"
)
START = date(2024, 1, 1)


def make_plan(db: Database, ctx: Context, charge_type: ChargeType, price: str, *, name: str = "Plan") -> str:
    """A product with one rate plan and one flat-fee charge (monthly when recurring)."""
    product = catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(
            name=f"{name} product", effective_start_date=date(2000, 1, 1), effective_end_date=date(2099, 12, 31)
        ),
    )
    plan_id = catalog.create_rate_plan(db=db, ctx=ctx, data=catalog.RatePlanInput(name=name, product_id=product))
    catalog.create_charge(
        db=db,
        ctx=ctx,
        data=catalog.ChargeInput(
            product_rate_plan_id=plan_id,
            name=name,
            charge_type=charge_type,
            charge_model=ChargeModel.FLAT_FEE,
            bill_cycle_type=BillCycleType.DEFAULT_FROM_CUSTOMER,
            billing_period=BillingPeriod.MONTH if charge_type is ChargeType.RECURRING else None,
            trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
            tiers=[catalog.TierInput(currency="USD", price=Decimal(price))],
        ),
    )
    return plan_id


def subscribed_accounts(db: Database, ctx: Context, plan_id: str | None, count: int) -> list[accounts.CreatedAccount]:
    """``count`` accounts (bill cycle day 1) subscribed to the plan from 1 January 2024 (none if no plan)."""
    made = []
    for _ in range(count):
        account = accounts.create_account(
            db=db,
            ctx=ctx,
            data=accounts.AccountInput(
                name="Acme",
                currency="USD",
                bill_cycle_day=1,
                bill_to=accounts.ContactInput(first_name="Ada", last_name="Lovelace"),
            ),
        )
        if plan_id is None:
            made.append(account)
            continue
        subscriptions.create_subscription(
            db=db,
            ctx=ctx,
            data=subscriptions.SubscriptionInput(
                account_key=account.id,
                contract_effective_date=START,
                term_type="EVERGREEN",
                rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan_id)],
            ),
        )
        made.append(account)
    return made


def write_csv(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path

"""Reading a subscription (by id or number, in the caller's entity only), with what
``GET /v1/subscriptions/{key}`` shows: its charges as the billing core sees them, their billing
dates, each charge's MRR, the contracted MRR and the total contracted value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, select

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.money import ZERO, Currency
from billforge.domain.subscription_metrics import charge_mrr, contract_value, term_months
from billforge.domain.subscription_rules import OBJ
from billforge.domain.subscriptions import RatePlanCharge
from billforge.errors import NotFound
from billforge.services import billing, tenant_settings
from billforge.services.billing import BillingState, ChargeDates
from billforge.services.context import Context


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription with everything ``GET /v1/subscriptions/{key}`` shows."""

    subscription: Row[Any]
    account: Row[Any]
    state: BillingState
    dates: dict[str, ChargeDates]
    charges: dict[str, RatePlanCharge]
    mrr: dict[str, Decimal]
    contracted_mrr: Decimal
    total_contracted_value: Decimal | None
    currency: str
    time_zone: str


def find_subscription(
    conn: Connection, entity_id: str, key: str, *, lock: bool = False, field_name: str = "subscription-key"
) -> Row[Any]:
    """A subscription by id or number, in this entity only."""
    subs = tb.subscriptions
    query = select(subs).where(subs.c.entity_id == entity_id, (subs.c.id == key) | (subs.c.subscription_number == key))
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no subscription with id or number {key!r}", field=field_name, obj=OBJ)
    return row


def _account_row(conn: Connection, entity_id: str, account_id: str) -> Row[Any]:
    query = select(t.accounts).where(t.accounts.c.entity_id == entity_id, t.accounts.c.id == account_id)
    return conn.execute(query).one()


def get_subscription(*, db: Database, ctx: Context, key: str) -> SubscriptionView:
    with db.read() as conn:
        row = find_subscription(conn, ctx.entity_id, key)
        account = _account_row(conn, ctx.entity_id, row.account_id)
        return view_of(conn, ctx, row, account)


def view_of(conn: Connection, ctx: Context, row: Row[Any], account: Row[Any]) -> SubscriptionView:
    """The subscription ``row`` of ``account`` as it stands in the caller's transaction."""
    tenant = tenant_settings.load(conn, ctx.entity_id)
    state = billing.load_state(conn, entity_id=ctx.entity_id, subscription_ids=[row.id])
    currency = tenant.active_currencies.get(account.currency, Currency(account.currency))
    subscription = state.domain(row)
    charges = {c.charge_id: c for c in subscription.charges}
    mrr = {cid: charge_mrr(c, subscription, account.bill_cycle_day, currency) for cid, c in charges.items()}
    contracted = sum(mrr.values(), ZERO)
    months = term_months(row.term_type, row.current_term, row.current_term_period_type)
    return SubscriptionView(
        subscription=row,
        account=account,
        state=state,
        dates=billing.charge_dates(state),
        charges=charges,
        mrr=mrr,
        contracted_mrr=contracted,
        total_contracted_value=contract_value(months, charges.values(), contracted, currency),
        currency=account.currency,
        time_zone=tenant.time_zone,
    )


def contract_values(view: SubscriptionView) -> tuple[Decimal, Decimal | None]:
    """(contracted MRR, total contracted value) of a subscription view."""
    return view.contracted_mrr, view.total_contracted_value

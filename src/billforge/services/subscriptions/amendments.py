"""Cancelling and renewing a subscription, each in one write transaction that locks the account and
the subscription, and bills at once when asked (``runBilling``). The rules (which policy, which
date, what can renew) are ``domain.subscription_rules``'s; renewed terms are ``billing.renewed_term``.

Dates follow the billing core: the cancellation effective date is the first day no longer served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import update

from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.subscription_inputs import BillingRun, CancelInput
from billforge.domain.subscription_rules import cancellation_date, cancellation_policy, check_active, check_renewable
from billforge.domain.subscriptions import CANCELLED
from billforge.services import billing, tenant_settings
from billforge.services.billing import renewed_term
from billforge.services.context import Context
from billforge.services.subscriptions.billing_run import bill_now
from billforge.services.subscriptions.views import contract_values, find_subscription, view_of


@dataclass(frozen=True, slots=True)
class Cancelled:
    subscription_id: str
    cancelled_date: date
    invoice_id: str | None
    total_delta_mrr: Decimal
    total_delta_tcv: Decimal | None


@dataclass(frozen=True, slots=True)
class Renewed:
    subscription_id: str
    term_start_date: date
    term_end_date: date | None
    invoice_id: str | None
    total_delta_mrr: Decimal
    total_delta_tcv: Decimal | None


def cancel_subscription(*, db: Database, ctx: Context, key: str, data: CancelInput) -> Cancelled:
    with db.write() as conn:
        found = find_subscription(conn, ctx.entity_id, key)
        account = billing.lock_account(conn, ctx.entity_id, found.account_id)
        row = find_subscription(conn, ctx.entity_id, found.id, lock=True)
        check_active(row.status, row.subscription_number, "cancelled")
        policy = cancellation_policy(data)
        before = view_of(conn, ctx, row, account)
        mrr_before, tcv_before = contract_values(before)
        effective = cancellation_date(
            policy,
            data.cancellation_effective_date,
            number=row.subscription_number,
            term_type=row.term_type,
            term_end_date=row.term_end_date,
            contract_effective_date=row.contract_effective_date,
            charged_through=[
                d.charged_through_date for d in before.dates.values() if d.charged_through_date is not None
            ],
        )
        now = ctx.now()
        conn.execute(
            update(tb.subscriptions)
            .where(tb.subscriptions.c.id == row.id)
            .values(
                status=CANCELLED,
                cancelled_date=effective,
                cancellation_policy=policy,
                version=row.version + 1,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        tenant = tenant_settings.load(conn, ctx.entity_id)
        invoice_id = bill_now(conn, ctx, account, tenant, row.id, data.billing)
        return Cancelled(
            row.id,
            effective,
            invoice_id,
            -mrr_before,
            -tcv_before if tcv_before is not None else None,
        )


def renew_subscription(*, db: Database, ctx: Context, key: str, billing_run: BillingRun) -> Renewed:
    with db.write() as conn:
        found = find_subscription(conn, ctx.entity_id, key)
        account = billing.lock_account(conn, ctx.entity_id, found.account_id)
        row = find_subscription(conn, ctx.entity_id, found.id, lock=True)
        check_active(row.status, row.subscription_number, "renewed")
        check_renewable(
            number=row.subscription_number,
            term_type=row.term_type,
            term_end_date=row.term_end_date,
            renewal_term=row.renewal_term,
            renewal_setting=row.renewal_setting,
        )
        term = renewed_term(row)
        now = ctx.now()
        conn.execute(
            update(tb.subscriptions)
            .where(tb.subscriptions.c.id == row.id)
            .values(
                term_start_date=term.term_start_date,
                term_end_date=term.term_end_date,
                current_term=term.current_term,
                current_term_period_type=term.current_term_period_type,
                term_type=term.term_type,
                version=row.version + 1,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        renewed = find_subscription(conn, ctx.entity_id, row.id)
        view = view_of(conn, ctx, renewed, account)
        mrr, tcv = contract_values(view)
        tenant = tenant_settings.load(conn, ctx.entity_id)
        invoice_id = bill_now(conn, ctx, account, tenant, row.id, billing_run)
        return Renewed(row.id, term.term_start_date, term.term_end_date, invoice_id, mrr, tcv)

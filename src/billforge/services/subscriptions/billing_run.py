"""Billing one subscription at once, in the caller's transaction (``runBilling``, or the older
``invoice``/``invoiceCollect``): up to ``targetDate`` (default today in the tenant's time zone),
dated ``documentDate`` (default the target date); nothing to bill then simply makes no invoice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row

from billforge.domain.subscription_inputs import BillingRun
from billforge.domain.subscription_rules import OBJ
from billforge.errors import Unsupported
from billforge.services import billing, tenant_settings
from billforge.services.billing import GenerateOptions, NothingToBill
from billforge.services.context import Context


def bill_now(
    conn: Connection,
    ctx: Context,
    account: Row[Any],
    tenant: tenant_settings.TenantSettings,
    subscription_id: str,
    run: BillingRun,
) -> str | None:
    """Bill one subscription in the caller's transaction (``runBilling``); its first invoice's id."""
    if run.collect:
        raise Unsupported(
            "'collect' cannot be true: billforge has no payment gateways to collect a payment with "
            "(record a payment with POST /v1/payments instead)",
            field="collect",
            obj=OBJ,
        )
    if not run.run:
        return None
    target = run.target_date or ctx.now().astimezone(tenant.zone).date()
    options = GenerateOptions(
        invoice_date=run.document_date or target,
        target_date=target,
        subscription_ids=(subscription_id,),
    )
    try:
        ids = billing.bill_account(conn, ctx, account=account, options=options)
    except NothingToBill:
        return None
    return ids[0]

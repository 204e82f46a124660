"""Updating a subscription's details through Zuora's Subscription object (``update()``): its
``Notes`` and custom fields, which change nothing that is billed. Its terms, dates, status and rate
plans change by amendment in Zuora (billforge: ``PUT /v1/subscriptions/{key}/cancel`` and ``/renew``),
never here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.subscription_rules import OBJ
from billforge.errors import NotFound
from billforge.services.context import Context


@dataclass(slots=True)
class SubscriptionChanges:
    """``values``: the sent ``notes`` (None clears them); ``extra``: custom fields to set."""

    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def update_subscription(*, db: Database, ctx: Context, subscription_id: str, changes: SubscriptionChanges) -> str:
    """Set the notes and custom fields of the subscription with this id (a zObject's ``Id``)."""
    subs = tb.subscriptions
    with db.write() as conn:
        row = conn.execute(
            select(subs.c.id, subs.c.extra)
            .where(subs.c.entity_id == ctx.entity_id, subs.c.id == subscription_id)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no subscription with id {subscription_id!r}", field="Id", obj=OBJ)
        values: dict[str, Any] = dict(changes.values)
        if changes.extra:
            values["extra"] = {**row.extra, **changes.extra}
        conn.execute(
            update(subs).where(subs.c.id == row.id).values(**values, updated_at=ctx.now(), updated_by_id=ctx.actor_id)
        )
        return str(row.id)

"""Changing a recorded payment, as Zuora's Payment object allows (``update()`` / ``delete()``):

- ``Comment``, ``ReferenceId`` and custom fields, at any time;
- ``Status`` from Processed to Canceled: what the payment paid comes off its invoices (their
  PaymentAmount falls, their Balance rises again) and its applications are removed, so the invoices
  no longer list it (a Canceled payment has no InvoiceId and applies nothing). A payment with
  refunds cannot be canceled: the refunded money has left already;
- delete: only a Canceled payment (Zuora deletes only Canceled payments), so a payment applied to an
  invoice never simply vanishes.

A payment is named by its id here (a zObject's ``Id``), not by its number; the ``*_by_key`` functions
(``/v1/payments/{paymentKey}``) take its id or its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from billforge.db import tables as t
from billforge.db import tables_payments as tp
from billforge.db.session import Database
from billforge.domain.money import ZERO
from billforge.errors import ErrorCode, InvalidValue, NotFound, RuleRestriction
from billforge.services.context import Context
from billforge.services.payments import CANCELED, PROCESSED, payment_status, refresh_balances


@dataclass(slots=True)
class PaymentChanges:
    """What an update changes: ``values`` holds the sent ``comment`` / ``reference_id`` (None clears
    one), ``status`` the wanted status (None: unchanged), ``extra`` custom fields."""

    values: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _payment(conn: Connection, entity_id: str, payment_id: str) -> Row[Any]:
    row = conn.execute(
        select(tp.payments)
        .where(tp.payments.c.entity_id == entity_id, tp.payments.c.id == payment_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no payment with id {payment_id!r}", field="Id", obj="payment")
    return row


def _payment_by_key(conn: Connection, entity_id: str, key: str) -> Row[Any]:
    row = conn.execute(
        select(tp.payments)
        .where(tp.payments.c.entity_id == entity_id, (tp.payments.c.id == key) | (tp.payments.c.number == key))
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no payment with id or number {key!r}", field="paymentKey", obj="payment")
    return row


def update_payment(*, db: Database, ctx: Context, payment_id: str, changes: PaymentChanges) -> str:
    with db.write() as conn:
        return _update(conn, ctx, _payment(conn, ctx.entity_id, payment_id), changes)


def update_payment_by_key(*, db: Database, ctx: Context, key: str, changes: PaymentChanges) -> str:
    """``PUT /v1/payments/{paymentKey}``: the payment's id."""
    with db.write() as conn:
        return _update(conn, ctx, _payment_by_key(conn, ctx.entity_id, key), changes)


def cancel_payment_by_key(*, db: Database, ctx: Context, key: str) -> str:
    """``PUT /v1/payments/{paymentKey}/cancel``: only a Processed payment (a Canceled one is final)."""
    with db.write() as conn:
        payment = _payment_by_key(conn, ctx.entity_id, key)
        if payment.status != PROCESSED:
            raise RuleRestriction(
                f"payment {payment.number} is {payment.status}: only a Processed payment can be canceled",
                field="paymentKey",
                obj="payment",
            )
        return _update(conn, ctx, payment, PaymentChanges(status=CANCELED))


def _update(conn: Connection, ctx: Context, payment: Row[Any], changes: PaymentChanges) -> str:
    now = ctx.now()
    values: dict[str, Any] = dict(changes.values)
    if changes.extra:
        values["extra"] = {**payment.extra, **changes.extra}
    wanted = payment_status(changes.status, "Status") if changes.status is not None else payment.status
    if wanted != payment.status:
        if (payment.status, wanted) != (PROCESSED, CANCELED):
            raise InvalidValue(
                f"'Status' cannot change from {payment.status} to {wanted}: a Processed payment can only be "
                "Canceled, and a Canceled one is final",
                field="Status",
                obj="payment",
            )
        _cancel(conn, payment, now)
        values.update(status=CANCELED, applied_amount=ZERO, unapplied_amount=ZERO)
    conn.execute(
        update(tp.payments)
        .where(tp.payments.c.id == payment.id)
        .values(**values, updated_at=now, updated_by_id=ctx.actor_id)
    )
    return str(payment.id)


def _cancel(conn: Connection, payment: Row[Any], now: datetime) -> None:
    """Take what the payment paid off its invoices and remove its applications."""
    if payment.refund_amount != ZERO:
        raise RuleRestriction(
            f"payment {payment.number} has refunds ({payment.refund_amount}): a refunded payment cannot be canceled",
            field="Status",
            obj="payment",
        )
    applications = list(
        conn.execute(select(tp.payment_applications).where(tp.payment_applications.c.payment_id == payment.id))
    )
    invoice_ids = {a.invoice_id for a in applications}
    conn.execute(select(t.invoices.c.id).where(t.invoices.c.id.in_(invoice_ids)).with_for_update()).all()
    for application in applications:
        conn.execute(
            update(t.invoices)
            .where(t.invoices.c.id == application.invoice_id)
            .values(payment_amount=t.invoices.c.payment_amount - application.amount, updated_at=now)
        )
    conn.execute(delete(tp.payment_applications).where(tp.payment_applications.c.payment_id == payment.id))
    refresh_balances(conn, invoice_ids)


def delete_payment(*, db: Database, ctx: Context, payment_id: str) -> None:
    """Delete a Canceled payment (and nothing else: cancel it first)."""
    with db.write() as conn:
        _delete(conn, _payment(conn, ctx.entity_id, payment_id), "Id", "update its Status to Canceled first")


def delete_payment_by_key(*, db: Database, ctx: Context, key: str) -> None:
    """``DELETE /v1/payments/{paymentKey}``: as ``delete_payment``."""
    with db.write() as conn:
        payment = _payment_by_key(conn, ctx.entity_id, key)
        _delete(conn, payment, "paymentKey", f"cancel it first with PUT /v1/payments/{key}/cancel")


def _delete(conn: Connection, payment: Row[Any], field: str, how: str) -> None:
    if payment.status != CANCELED:
        raise RuleRestriction(
            f"payment {payment.number} is {payment.status}: only a Canceled payment can be deleted "
            f"({how}, which takes it off its invoices)",
            field=field,
            obj="payment",
            code=ErrorCode.CANNOT_DELETE,
        )
    conn.execute(delete(tp.payment_applications).where(tp.payment_applications.c.payment_id == payment.id))
    conn.execute(delete(tp.payments).where(tp.payments.c.id == payment.id))

"""Payments and refunds: external payments applied to posted invoices, and refunds of them.

A payment applied to an invoice raises its PaymentAmount; a refund takes money back, first from
what the payment left unapplied, then (with invoice settlement off, Zuora's classic behaviour)
from what it paid on invoices, most recent application first, raising their RefundAmount.
Balance = Amount - (PaymentAmount - RefundAmount) + AdjustmentAmount - CreditBalanceAdjustmentAmount.

``POST /v1/payments`` and the Payment zObject (``/v1/action/create``, SOAP ``create()``) both create
payments here; ``PaymentFields`` carries the names the client gave the fields, so that every message
names the field as that client wrote it. Changing, cancelling and deleting a payment is
``services.payment_changes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, select, update

from billforge.db import tables as t
from billforge.db import tables_payments as tp
from billforge.db.bulk import insert_rows
from billforge.db.session import Database
from billforge.domain.invoices import InvoiceStatus, balance
from billforge.domain.money import ZERO, has_at_most_minor_units
from billforge.errors import (
    BillforgeError,
    ErrorList,
    InvalidValue,
    MissingValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
    Unsupported,
)
from billforge.services import counters, tenant_settings
from billforge.services.accounts import find_account
from billforge.services.context import Context, new_id

PAYMENT_TYPES = ("External", "Electronic")
PROCESSED = "Processed"
CANCELED = "Canceled"
#: Zuora's payment statuses; billforge records payments Processed and can cancel them.
PAYMENT_STATUSES = ("Draft", "Processing", PROCESSED, "Error", CANCELED, "Posted")


@dataclass(frozen=True, slots=True)
class PaymentFields:
    """The names the client gave a payment's fields, for messages and error fields: ``POST
    /v1/payments``'s by default. ``invoice`` and ``applied`` name one invoice application
    (``{index}``: its position in the request)."""

    type: str = "type"
    account_id: str = "accountId"
    account_number: str = "accountNumber"
    currency: str = "currency"
    amount: str = "amount"
    status: str = "status"
    invoices: str = "invoices"
    invoice: str = "invoices[{index}]"
    applied: str = "invoices[{index}].amount"


@dataclass(slots=True)
class Application:
    amount: Decimal
    invoice_id: str | None = None
    invoice_number: str | None = None


@dataclass(slots=True)
class PaymentInput:
    amount: Decimal
    currency: str | None  # None: the account's currency
    type: str
    account_id: str | None = None
    account_number: str | None = None
    invoices: Sequence[Application] = ()
    effective_date: date | None = None
    payment_method_id: str | None = None
    comment: str | None = None
    reference_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    status: str = PROCESSED
    fields: PaymentFields = PaymentFields()


@dataclass(slots=True)
class RefundInput:
    total_amount: Decimal
    type: str = "External"
    refund_date: date | None = None
    method_type: str | None = None
    reason_code: str | None = None
    comment: str | None = None
    reference_id: str | None = None
    invoices: Sequence[Application] = ()  # refund-with-unapply: which invoices give the money back


@dataclass(frozen=True, slots=True)
class PaymentView:
    payment: Row[Any]
    account_number: str
    time_zone: str


def payment_status(value: str, label: str = "status") -> str:
    """A payment status as Zuora spells it (read in any case)."""
    known = {status.lower(): status for status in PAYMENT_STATUSES}
    found = known.get(value.strip().lower())
    if found is None:
        raise InvalidValue(
            f"'{label}' {value!r} is not a payment status (statuses: {', '.join(PAYMENT_STATUSES)})",
            field=label,
            obj="payment",
        )
    return found


def _find_payment(conn: Connection, entity_id: str, key: str, *, lock: bool = False) -> Row[Any]:
    query = select(tp.payments).where(
        tp.payments.c.entity_id == entity_id, (tp.payments.c.id == key) | (tp.payments.c.number == key)
    )
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no payment with id or number {key!r}", field="paymentKey", obj="payment")
    return row


def _view(conn: Connection, entity_id: str, payment_id: str) -> PaymentView:
    payment = _find_payment(conn, entity_id, payment_id)
    number = conn.execute(select(t.accounts.c.account_number).where(t.accounts.c.id == payment.account_id)).scalar_one()
    return PaymentView(payment, number, tenant_settings.load(conn, entity_id).time_zone)


def refresh_balances(conn: Connection, invoice_ids: set[str]) -> None:
    """Recompute Balance from the stored amounts (the Invoice object's formula)."""
    for row in conn.execute(select(t.invoices).where(t.invoices.c.id.in_(invoice_ids))):
        conn.execute(
            update(t.invoices)
            .where(t.invoices.c.id == row.id)
            .values(
                balance=balance(
                    amount=row.amount,
                    payment_amount=row.payment_amount,
                    refund_amount=row.refund_amount,
                    adjustment_amount=row.adjustment_amount,
                    credit_balance_adjustment_amount=row.credit_balance_adjustment_amount,
                )
            )
        )


def create_payment(*, db: Database, ctx: Context, data: PaymentInput) -> PaymentView:
    with db.write() as conn:
        tenant = tenant_settings.load(conn, ctx.entity_id)
        names = data.fields
        problems: list[BillforgeError] = []
        _check_kind(data)
        if data.account_id is None and data.account_number is None:
            raise MissingValue(
                f"one of '{names.account_id}' or '{names.account_number}' is required",
                field=names.account_id,
                obj="payment",
            )
        account = _account(conn, ctx.entity_id, data)
        code = data.currency or account.currency
        currency = tenant.active_currencies.get(code)
        if currency is None:
            raise InvalidValue(
                f"'{names.currency}' {code!r} is not an active currency", field=names.currency, obj="payment"
            )
        if code != account.currency:
            problems.append(
                InvalidValue(
                    f"'{names.currency}' {code} differs from the account's currency {account.currency}",
                    field=names.currency,
                    obj="payment",
                )
            )
        if data.amount <= ZERO:
            problems.append(InvalidValue(f"'{names.amount}' must be greater than 0", field=names.amount, obj="payment"))
        elif not has_at_most_minor_units(data.amount, currency):
            problems.append(
                InvalidValue(
                    f"'{names.amount}' {data.amount} has more decimal places than {currency.code} allows",
                    field=names.amount,
                    obj="payment",
                )
            )
        invoices = _invoices_to_pay(conn, ctx.entity_id, account, data, problems)
        applied = sum((a.amount for a in data.invoices), ZERO)
        if ZERO < data.amount < applied:  # (a payment that is not positive is refused above)
            problems.append(
                InvalidValue(
                    f"the amounts applied to invoices ({applied}) exceed the payment amount ({data.amount})",
                    field=names.invoices,
                    obj="payment",
                )
            )
        if problems:
            raise ErrorList(problems)
        now = ctx.now()
        payment_id = new_id()
        (number,) = counters.take_numbers(conn, entity_id=ctx.entity_id, kind="P")
        insert_rows(
            conn,
            tp.payments,
            [
                {
                    "id": payment_id,
                    "entity_id": ctx.entity_id,
                    "account_id": account.id,
                    "number": f"P-{number:08d}",
                    "type": data.type,
                    "status": PROCESSED,
                    "currency": code,
                    "amount": data.amount,
                    "applied_amount": applied,
                    "unapplied_amount": data.amount - applied,
                    "refund_amount": ZERO,
                    "effective_date": data.effective_date or now.astimezone(tenant.zone).date(),
                    "payment_method_id": data.payment_method_id,
                    "comment": data.comment,
                    "reference_id": data.reference_id,
                    "extra": data.extra,
                    "created_at": now,
                    "updated_at": now,
                    "created_by_id": ctx.actor_id,
                    "updated_by_id": ctx.actor_id,
                }
            ],
        )
        insert_rows(
            conn,
            tp.payment_applications,
            [
                {
                    "id": new_id(),
                    "entity_id": ctx.entity_id,
                    "payment_id": payment_id,
                    "invoice_id": invoice.id,
                    "position": position,
                    "amount": application.amount,
                    "refunded_amount": ZERO,
                    "created_at": now,
                }
                for position, (application, invoice) in enumerate(zip(data.invoices, invoices, strict=True))
            ],
        )
        for application, invoice in zip(data.invoices, invoices, strict=True):
            conn.execute(
                update(t.invoices)
                .where(t.invoices.c.id == invoice.id)
                .values(payment_amount=t.invoices.c.payment_amount + application.amount, updated_at=now)
            )
        refresh_balances(conn, {i.id for i in invoices})
        return _view(conn, ctx.entity_id, payment_id)


def _check_kind(data: PaymentInput) -> None:
    """An External payment, recorded Processed: billforge has no gateway and no payment runs."""
    names = data.fields
    if data.type not in PAYMENT_TYPES:
        raise InvalidValue(f"'{names.type}' must be one of {', '.join(PAYMENT_TYPES)}", field=names.type, obj="payment")
    if data.type == "Electronic":
        raise Unsupported(
            f"'{names.type}' Electronic needs a payment gateway, which billforge does not have; record External "
            "payments",
            field=names.type,
            obj="payment",
        )
    if payment_status(data.status, names.status) != PROCESSED:
        raise InvalidValue(
            f"'{names.status}' {data.status!r} cannot be given to a new payment: billforge records payments as "
            "Processed at once (it has no payment runs to process a Draft one later)",
            field=names.status,
            obj="payment",
        )


def _account(conn: Connection, entity_id: str, data: PaymentInput) -> Row[Any]:
    names = data.fields
    try:
        by_id = find_account(conn, entity_id, data.account_id, field_name=names.account_id) if data.account_id else None
        by_number = (
            find_account(conn, entity_id, data.account_number, field_name=names.account_number)
            if data.account_number
            else None
        )
    except NotFound as missing:
        raise UnknownReference(missing.message, field=missing.field, obj="payment") from None
    if by_id is not None and by_number is not None and by_id.id != by_number.id:
        raise InvalidValue(
            f"'{names.account_id}' and '{names.account_number}' refer to different accounts",
            field=names.account_number,
            obj="payment",
        )
    found = by_id or by_number
    assert found is not None  # noqa: S101 - one of the two was given and found
    return found


def _invoices_to_pay(
    conn: Connection,
    entity_id: str,
    account: Row[Any],
    data: PaymentInput,
    problems: list[BillforgeError],
) -> list[Row[Any]]:
    applications = data.invoices
    keys = [a.invoice_id or a.invoice_number for a in applications]
    rows = {
        key: row
        for row in conn.execute(
            select(t.invoices)
            .where(
                t.invoices.c.entity_id == entity_id,
                t.invoices.c.id.in_([k for k in keys if k]) | t.invoices.c.invoice_number.in_([k for k in keys if k]),
            )
            .with_for_update()
        )
        for key in (row.id, row.invoice_number)
    }
    found: list[Row[Any]] = []
    remaining: dict[str, Decimal] = {}
    for index, (application, key) in enumerate(zip(applications, keys, strict=True)):
        where = data.fields.invoice.format(index=index)
        applied_field = data.fields.applied.format(index=index)
        if not key:
            problems.append(
                MissingValue(f"'{where}.invoiceId' or invoiceNumber is required", field=where, obj="payment")
            )
            continue
        invoice = rows.get(key)
        if invoice is None:
            problems.append(UnknownReference(f"'{where}' {key!r} is not a known invoice", field=where, obj="payment"))
            continue
        found.append(invoice)
        if invoice.account_id != account.id:
            problems.append(
                RuleRestriction(f"'{where}' invoice {invoice.invoice_number} belongs to another account", field=where)
            )
        elif invoice.status != InvoiceStatus.POSTED:
            problems.append(
                RuleRestriction(
                    f"'{where}' invoice {invoice.invoice_number} is {invoice.status}: only Posted invoices can be paid",
                    field=where,
                    obj="payment",
                )
            )
        open_amount = remaining.setdefault(invoice.id, invoice.balance)
        if application.amount <= ZERO:
            problems.append(InvalidValue(f"'{applied_field}' must be greater than 0", field=applied_field))
        elif application.amount > open_amount:
            problems.append(
                RuleRestriction(
                    f"'{applied_field}' {application.amount} is more than the balance of invoice "
                    f"{invoice.invoice_number} ({open_amount})",
                    field=applied_field,
                    obj="payment",
                )
            )
        remaining[invoice.id] = open_amount - application.amount
    return found


def get_payment(*, db: Database, ctx: Context, key: str) -> PaymentView:
    with db.read() as conn:
        return _view(conn, ctx.entity_id, _find_payment(conn, ctx.entity_id, key).id)


@dataclass(frozen=True, slots=True)
class RefundView:
    refund: Row[Any]
    payment_number: str
    time_zone: str


def refund_payment(*, db: Database, ctx: Context, key: str, data: RefundInput) -> RefundView:
    with db.write() as conn:
        tenant = tenant_settings.load(conn, ctx.entity_id)
        payment = _find_payment(conn, ctx.entity_id, key, lock=True)
        if payment.status != PROCESSED:
            raise RuleRestriction(
                f"payment {payment.number} is {payment.status}: only a Processed payment can be refunded",
                field="paymentKey",
                obj="refund",
            )
        if data.type != "External":
            raise Unsupported(
                "'type' must be External: billforge records refunds but has no payment gateway",
                field="type",
                obj="refund",
            )
        refundable = payment.amount - payment.refund_amount
        if data.total_amount <= ZERO:
            raise InvalidValue("'totalAmount' must be greater than 0", field="totalAmount", obj="refund")
        if data.total_amount > refundable:
            raise RuleRestriction(
                f"'totalAmount' {data.total_amount} is more than payment {payment.number} can refund ({refundable})",
                field="totalAmount",
                obj="refund",
            )
        plan = _refund_plan(conn, payment, data, tenant.billing_rules.invoice_settlement)
        now = ctx.now()
        refund_id = new_id()
        (number,) = counters.take_numbers(conn, entity_id=ctx.entity_id, kind="R")
        insert_rows(
            conn,
            tp.refunds,
            [
                {
                    "id": refund_id,
                    "entity_id": ctx.entity_id,
                    "payment_id": payment.id,
                    "account_id": payment.account_id,
                    "number": f"R-{number:08d}",
                    "type": data.type,
                    "method_type": data.method_type,
                    "status": "Processed",
                    "amount": data.total_amount,
                    "refund_date": data.refund_date or now.astimezone(tenant.zone).date(),
                    "reason_code": data.reason_code,
                    "comment": data.comment,
                    "reference_id": data.reference_id,
                    "created_at": now,
                    "updated_at": now,
                    "created_by_id": ctx.actor_id,
                    "updated_by_id": ctx.actor_id,
                }
            ],
        )
        insert_rows(
            conn,
            tp.refund_applications,
            [
                {"id": new_id(), "refund_id": refund_id, "invoice_id": invoice_id, "amount": amount}
                for invoice_id, amount, _ in plan
            ],
        )
        from_unapplied = sum((amount for invoice_id, amount, _ in plan if invoice_id is None), ZERO)
        for invoice_id, amount, application_id in plan:
            if invoice_id is None:
                continue
            conn.execute(
                update(tp.payment_applications)
                .where(tp.payment_applications.c.id == application_id)
                .values(refunded_amount=tp.payment_applications.c.refunded_amount + amount)
            )
            conn.execute(
                update(t.invoices)
                .where(t.invoices.c.id == invoice_id)
                .values(refund_amount=t.invoices.c.refund_amount + amount, updated_at=now)
            )
        conn.execute(
            update(tp.payments)
            .where(tp.payments.c.id == payment.id)
            .values(
                refund_amount=payment.refund_amount + data.total_amount,
                unapplied_amount=payment.unapplied_amount - from_unapplied,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        refresh_balances(conn, {invoice_id for invoice_id, _, _ in plan if invoice_id})
        refund = conn.execute(select(tp.refunds).where(tp.refunds.c.id == refund_id)).one()
        return RefundView(refund, payment.number, tenant.time_zone)


def _refund_plan(
    conn: Connection, payment: Row[Any], data: RefundInput, invoice_settlement: bool
) -> list[tuple[str | None, Decimal, str | None]]:
    """Where the refunded money comes from: (invoice id or None for unapplied, amount, application id)."""
    applications = list(
        conn.execute(
            select(tp.payment_applications, t.invoices.c.invoice_number)
            .join(t.invoices, t.invoices.c.id == tp.payment_applications.c.invoice_id)
            .where(tp.payment_applications.c.payment_id == payment.id)
            .order_by(tp.payment_applications.c.position.desc())
        )
    )
    plan: list[tuple[str | None, Decimal, str | None]] = []
    if data.invoices:
        by_key = {key: a for a in applications for key in (a.invoice_id, a.invoice_number)}
        total = ZERO
        for index, wanted in enumerate(data.invoices):
            key = wanted.invoice_id or wanted.invoice_number or ""
            application = by_key.get(key)
            if application is None:
                raise InvalidValue(
                    f"'invoices[{index}]' {key!r} was not paid by payment {payment.number}",
                    field=f"invoices[{index}]",
                    obj="refund",
                )
            if wanted.amount > application.amount - application.refunded_amount:
                raise RuleRestriction(
                    f"'invoices[{index}].amount' {wanted.amount} is more than payment {payment.number} paid on "
                    f"invoice {application.invoice_number} and has not refunded "
                    f"({application.amount - application.refunded_amount})",
                    field=f"invoices[{index}].amount",
                    obj="refund",
                )
            plan.append((application.invoice_id, wanted.amount, application.id))
            total += wanted.amount
        rest = data.total_amount - total
        if rest < ZERO or rest > payment.unapplied_amount:
            raise InvalidValue(
                "'totalAmount' must equal the amounts taken back from invoices plus at most the unapplied amount "
                f"({payment.unapplied_amount})",
                field="totalAmount",
                obj="refund",
            )
        if rest > ZERO:
            plan.append((None, rest, None))
        return plan
    rest = data.total_amount
    take = min(rest, payment.unapplied_amount)
    if take > ZERO:
        plan.append((None, take, None))
        rest -= take
    if rest > ZERO and invoice_settlement:
        raise RuleRestriction(
            f"payment {payment.number} has only {payment.unapplied_amount} unapplied; with invoice settlement on, "
            "unapply it from invoices first (POST /v1/payments/{key}/refunds/unapply)",
            field="totalAmount",
            obj="refund",
        )
    for application in applications:
        if rest <= ZERO:
            break
        available = application.amount - application.refunded_amount
        take = min(rest, available)
        if take > ZERO:
            plan.append((application.invoice_id, take, application.id))
            rest -= take
    return plan

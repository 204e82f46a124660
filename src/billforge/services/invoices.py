"""Reading invoices and moving them through their life cycle (product.md's table).

Draft: edit, post, cancel, delete. Posted: unpost while unpaid; only TransferredToAccounting and
AutoPay change. Canceled: delete only. Each refusal is a rule restriction saying why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain import invoices as rules
from billforge.domain.invoices import InvoiceStatus, ItemDraft, ProcessingType, totals
from billforge.domain.standalone import DiscountItemRequest, ItemContext, ItemRequest, TaxItemRequest, build_items
from billforge.domain.tax import TaxMode, TaxRateType
from billforge.errors import BillforgeError, ErrorList, InvalidValue, NotFound, RuleRestriction, UnknownReference
from billforge.services import accounting_periods, documents, tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.invoice_store import item_rows

MAX_PAGE_SIZE = 40  # Zuora pages REST lists by at most 40
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row[Any]]
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class ItemsPage:
    items: list[Row[Any]]
    taxation: dict[str, list[Row[Any]]]
    page: int
    page_size: int
    has_next: bool


def find_invoice(conn: Connection, entity_id: str, key: str, *, lock: bool = False) -> Row[Any]:
    """An invoice by id or number, in this entity only."""
    query = select(t.invoices).where(
        t.invoices.c.entity_id == entity_id, (t.invoices.c.id == key) | (t.invoices.c.invoice_number == key)
    )
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no invoice with id or number {key!r}", field="invoiceKey", obj="invoice")
    return row


def time_zone(conn: Connection, entity_id: str) -> str:
    value = conn.execute(
        select(t.tenant_settings.c.time_zone).where(t.tenant_settings.c.entity_id == entity_id)
    ).scalar_one()
    return str(value)


def get_invoice(*, db: Database, ctx: Context, key: str) -> tuple[Row[Any], str]:
    with db.read() as conn:
        return find_invoice(conn, ctx.entity_id, key), time_zone(conn, ctx.entity_id)


def invoices_by_id(*, db: Database, ctx: Context, ids: Collection[str]) -> list[Row[Any]]:
    """The invoices of this entity among ``ids`` (unknown ids are left out), in one query."""
    if not ids:
        return []
    with db.read() as conn:
        query = select(t.invoices).where(t.invoices.c.entity_id == ctx.entity_id, t.invoices.c.id.in_(set(ids)))
        return list(conn.execute(query))


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise InvalidValue("'page' must be 1 or more", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidValue(f"'pageSize' must be between 1 and {MAX_PAGE_SIZE}", field="pageSize")
    return (page - 1) * page_size, page_size


def get_items(*, db: Database, ctx: Context, key: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> ItemsPage:
    offset, limit = _page_bounds(page, page_size)
    with db.read() as conn:
        invoice = find_invoice(conn, ctx.entity_id, key)
        rows = list(
            conn.execute(
                select(t.invoice_items)
                .where(t.invoice_items.c.invoice_id == invoice.id)
                .order_by(t.invoice_items.c.position)
                .offset(offset)
                .limit(limit + 1)
            )
        )
        has_next = len(rows) > limit
        rows = rows[:limit]
        taxation: dict[str, list[Row[Any]]] = defaultdict(list)
        if rows:
            for tax in conn.execute(
                select(t.taxation_items)
                .where(t.taxation_items.c.invoice_item_id.in_([r.id for r in rows]))
                .order_by(t.taxation_items.c.name)
            ):
                taxation[tax.invoice_item_id].append(tax)
    return ItemsPage(rows, dict(taxation), page, page_size, has_next)


def list_account_invoices(
    *, db: Database, ctx: Context, account_key: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> tuple[Page, str]:
    from billforge.services.accounts import find_account

    offset, limit = _page_bounds(page, page_size)
    with db.read() as conn:
        account = find_account(conn, ctx.entity_id, account_key, field_name="account-key")
        rows = list(
            conn.execute(
                select(t.invoices)
                .where(t.invoices.c.entity_id == ctx.entity_id, t.invoices.c.account_id == account.id)
                .order_by(t.invoices.c.invoice_date.desc(), t.invoices.c.invoice_number.desc())
                .offset(offset)
                .limit(limit + 1)
            )
        )
        return Page(rows[:limit], page, page_size, len(rows) > limit), time_zone(conn, ctx.entity_id)


# --- changes --------------------------------------------------------------------------------


@dataclass(slots=True)
class ItemChange:
    """One ``invoiceItems[]`` entry of an update: change an item (``id``), delete it, or add one."""

    id: str | None = None
    delete: bool = False
    values: dict[str, Any] = field(default_factory=dict)  # snake_case ItemRequest fields that were sent
    discount_items: tuple[DiscountItemRequest, ...] = ()
    tax_items: tuple[TaxItemRequest, ...] | None = None


@dataclass(slots=True)
class InvoiceChanges:
    """Fields to change (``None`` = unchanged) and the REST names of the fields that were sent."""

    sent: set[str] = field(default_factory=set)
    auto_pay: bool | None = None
    comments: str | None = None
    due_date: date | None = None
    invoice_date: date | None = None
    template_id: str | None = None
    transferred_to_accounting: str | None = None
    items: list[ItemChange] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def update_invoice(*, db: Database, ctx: Context, key: str, changes: InvoiceChanges) -> tuple[Row[Any], str]:
    with db.write() as conn:
        invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
        _apply_changes(conn, ctx, invoice, changes)
        return find_invoice(conn, ctx.entity_id, invoice.id), time_zone(conn, ctx.entity_id)


def update_invoices(
    *, db: Database, ctx: Context, changes: Sequence[tuple[str, InvoiceChanges] | BillforgeError]
) -> list[BillforgeError | str]:
    """Bulk update: each invoice in its own transaction; the result per entry, in order."""
    results: list[BillforgeError | str] = []
    for index, entry in enumerate(changes):
        if isinstance(entry, BillforgeError):
            results.append(entry)
            continue
        invoice_id, change = entry
        try:
            row, _ = update_invoice(db=db, ctx=ctx, key=invoice_id, changes=change)
            results.append(str(row.id))
        except BillforgeError as error:
            results.append(error.at(f"invoices[{index}]"))
    return results


def _apply_changes(conn: Connection, ctx: Context, invoice: Row[Any], changes: InvoiceChanges) -> None:
    rules.check_posted_change(invoice.status, invoice.invoice_number, changes.sent)
    now = ctx.now()
    values: dict[str, Any] = {"updated_at": now, "updated_by_id": ctx.actor_id}
    invoice_date = changes.invoice_date or invoice.invoice_date
    if changes.invoice_date is not None:
        accounting_periods.ensure_open(conn, entity_id=ctx.entity_id, day=changes.invoice_date)
        values["invoice_date"] = changes.invoice_date
    due = changes.due_date or invoice.due_date
    if (changes.due_date is not None or changes.invoice_date is not None) and due < invoice_date:
        raise InvalidValue("'dueDate' must be on or after 'invoiceDate'", field="dueDate", obj="invoice")
    if changes.due_date is not None:
        values["due_date"] = changes.due_date
    for name in ("auto_pay", "comments", "transferred_to_accounting"):
        value = getattr(changes, name)
        if value is not None:
            values[name] = value
    if changes.template_id is not None:
        found = conn.execute(
            select(t.invoice_templates.c.id).where(
                t.invoice_templates.c.entity_id == ctx.entity_id, t.invoice_templates.c.id == changes.template_id
            )
        ).first()
        if found is None:
            raise UnknownReference(
                f"'templateId' {changes.template_id!r} is not a known invoice template",
                field="templateId",
                obj="invoice",
            )
        values["template_id"] = changes.template_id
    if changes.extra:
        values["extra"] = {**invoice.extra, **changes.extra}
    if changes.items is not None:
        values.update(_rebuild_items(conn, ctx, invoice, changes.items, invoice_date))
    conn.execute(update(t.invoices).where(t.invoices.c.id == invoice.id).values(**values))


def _rebuild_items(
    conn: Connection, ctx: Context, invoice: Row[Any], changes: list[ItemChange], invoice_date: date
) -> dict[str, Any]:
    """Apply item changes to a Draft's items, recompute tax and totals, keep item ids."""
    from billforge.services.standalone_invoices import catalog_charges, look_up_rates

    existing = list(
        conn.execute(
            select(t.invoice_items)
            .where(t.invoice_items.c.invoice_id == invoice.id)
            .order_by(t.invoice_items.c.position)
        )
    )
    by_id = {r.id: r for r in existing}
    taxes = defaultdict(list)
    for tax in conn.execute(select(t.taxation_items).where(t.taxation_items.c.invoice_id == invoice.id)):
        taxes[tax.invoice_item_id].append(tax)
    requests: list[tuple[str | None, ItemRequest]] = [
        (r.id, _request_from_row(r, [d for d in existing if d.applied_to_item_id == r.id], taxes))
        for r in existing
        if r.processing_type == ProcessingType.CHARGE
    ]
    problems: list[BillforgeError] = []
    for index, change in enumerate(changes):
        where = f"invoiceItems[{index}]"
        if change.id is None:
            if change.delete:
                problems.append(
                    InvalidValue(f"'{where}.delete' needs the 'id' of the item to delete", field=f"{where}.id")
                )
                continue
            try:
                requests.append((None, _new_item(change, where)))
            except BillforgeError as error:
                problems.append(error)
            continue
        target = by_id.get(change.id)
        if target is None:
            problems.append(
                UnknownReference(
                    f"'{where}.id' {change.id!r} is not an item of this invoice", field=f"{where}.id", obj="invoiceItem"
                )
            )
            continue
        if target.processing_type == ProcessingType.DISCOUNT:
            parent = next(i for i, (rid, _) in enumerate(requests) if rid == target.applied_to_item_id)
            rid, request = requests[parent]
            kept = tuple(d for d in request.discount_items if d.extra.get("_id") != target.id)
            if not change.delete:
                old = next(d for d in request.discount_items if d.extra.get("_id") == target.id)
                kept = (*kept, _replace_discount(old, change.values))
            requests[parent] = (rid, _replace(request, discount_items=kept))
            continue
        slot = next(i for i, (rid, _) in enumerate(requests) if rid == change.id)
        if change.delete:
            requests.pop(slot)
            continue
        rid, request = requests[slot]
        updated = _replace(request, **change.values)
        if change.tax_items is not None:
            updated = _replace(updated, tax_items=change.tax_items)
        if change.discount_items:
            updated = _replace(updated, discount_items=(*updated.discount_items, *change.discount_items))
        requests[slot] = (rid, updated)
    if problems:
        raise ErrorList(problems)

    settings = tenant_settings.load(conn, ctx.entity_id)
    currency = settings.active_currencies.get(invoice.currency)
    if currency is None:
        raise InvalidValue(f"currency {invoice.currency} is no longer active", field="currency", obj="invoice")
    charge_ids = {
        cid
        for _, r in requests
        for cid in (r.product_rate_plan_charge_id, *(d.product_rate_plan_charge_id for d in r.discount_items))
        if cid
    }
    sold_to = conn.execute(select(t.contacts).where(t.contacts.c.id == invoice.sold_to_contact_id)).first()
    rates, active = look_up_rates(conn, ctx.entity_id, sold_to, invoice_date)
    drafts = build_items(
        [r for _, r in requests],
        ItemContext(
            currency=currency,
            invoice_date=invoice_date,
            catalog=catalog_charges(conn, ctx.entity_id, charge_ids),
            tax_rates=rates,
            active_tax_codes=active,
        ),
    )
    ids = _reuse_ids(requests, drafts)
    conn.execute(delete(t.taxation_items).where(t.taxation_items.c.invoice_id == invoice.id))
    conn.execute(delete(t.invoice_items).where(t.invoice_items.c.invoice_id == invoice.id))
    item_values, tax_values = item_rows(invoice.id, drafts, ids, entity_id=ctx.entity_id)
    conn.execute(insert(t.invoice_items), item_values)
    if tax_values:
        conn.execute(insert(t.taxation_items), tax_values)
    new_totals = totals(drafts)
    return {
        "amount": new_totals.amount,
        "amount_without_tax": new_totals.amount_without_tax,
        "tax_amount": new_totals.tax_amount,
        "tax_exempt_amount": new_totals.tax_exempt_amount,
        "discount": new_totals.discount,
        "balance": rules.balance(
            amount=new_totals.amount,
            payment_amount=invoice.payment_amount,
            refund_amount=invoice.refund_amount,
            adjustment_amount=invoice.adjustment_amount,
            credit_balance_adjustment_amount=invoice.credit_balance_adjustment_amount,
        ),
    }


def _reuse_ids(requests: list[tuple[str | None, ItemRequest]], drafts: list[ItemDraft]) -> list[str]:
    """Items keep their ids; discount items keep theirs (carried in ``extra['_id']``)."""
    ids: list[str] = []
    charge_index = -1
    for draft in drafts:
        if draft.processing_type is ProcessingType.CHARGE:
            charge_index += 1
            ids.append(requests[charge_index][0] or new_id())
        else:
            kept = draft.extra.pop("_id", None)
            ids.append(kept or new_id())
    return ids


def _replace(request: ItemRequest, **values: Any) -> ItemRequest:
    from dataclasses import replace

    return replace(request, **values)


def _replace_discount(request: DiscountItemRequest, values: dict[str, Any]) -> DiscountItemRequest:
    from dataclasses import replace

    allowed = {k: v for k, v in values.items() if k in DiscountItemRequest.__dataclass_fields__}
    return replace(request, **allowed)


def _new_item(change: ItemChange, where: str) -> ItemRequest:
    values = dict(change.values)
    for required in ("amount", "service_start_date"):
        if values.get(required) is None:
            from billforge.errors import MissingValue

            rest = {"amount": "amount", "service_start_date": "serviceStartDate"}[required]
            raise MissingValue(
                f"'{where}.{rest}' is required for a new item", field=f"{where}.{rest}", obj="invoiceItem"
            )
    allowed = {k: v for k, v in values.items() if k in ItemRequest.__dataclass_fields__}
    return ItemRequest(
        **allowed,
        tax_items=change.tax_items or (),
        discount_items=change.discount_items,
    )


def _request_from_row(row: Row[Any], discounts: list[Row[Any]], taxes: dict[str, list[Row[Any]]]) -> ItemRequest:
    """An item as it was requested, rebuilt from what was stored (the amount includes inclusive tax)."""
    external = bool(taxes.get(row.id)) and row.tax_code is None
    amount = row.charge_amount + (row.tax_amount if row.tax_mode == TaxMode.INCLUSIVE and not external else 0)
    return ItemRequest(
        amount=Decimal(amount),
        service_start_date=row.service_start_date,
        service_end_date=row.service_end_date,
        charge_name=row.charge_name,
        charge_date=row.charge_date,
        description=row.description,
        quantity=row.quantity if row.quantity is not None else Decimal(1),
        unit_price=row.unit_price,
        uom=row.uom,
        sku=row.sku,
        product_rate_plan_charge_id=row.product_rate_plan_charge_id,
        purchase_order_number=row.purchase_order_number,
        item_type=row.item_type,
        tax_code=row.tax_code,
        tax_mode=TaxMode(row.tax_mode) if row.tax_mode and not external else None,
        tax_items=tuple(_tax_request(tax) for tax in taxes.get(row.id, ())) if external else (),
        discount_items=tuple(_discount_from_row(d, taxes) for d in discounts),
        extra=dict(row.extra),
    )


def _tax_request(tax: Row[Any]) -> TaxItemRequest:
    return TaxItemRequest(
        name=tax.name,
        tax_amount=tax.tax_amount,
        tax_code=tax.tax_code,
        tax_date=tax.tax_date,
        tax_rate=tax.tax_rate,
        tax_rate_type=TaxRateType(tax.tax_rate_type),
        tax_mode=TaxMode(tax.tax_mode),
        exempt_amount=tax.exempt_amount,
        jurisdiction=tax.jurisdiction,
        location_code=tax.location_code,
        tax_code_description=tax.tax_code_description,
        tax_rate_description=tax.tax_rate_description,
    )


def _discount_from_row(row: Row[Any], taxes: dict[str, list[Row[Any]]]) -> DiscountItemRequest:
    external = bool(taxes.get(row.id)) and row.tax_code is None
    amount = row.charge_amount + (row.tax_amount if row.tax_mode == TaxMode.INCLUSIVE and not external else 0)
    return DiscountItemRequest(
        amount=Decimal(amount),
        charge_name=row.charge_name,
        charge_date=row.charge_date,
        description=row.description,
        sku=row.sku,
        unit_price=row.unit_price,
        product_rate_plan_charge_id=row.product_rate_plan_charge_id,
        item_type=row.item_type,
        purchase_order_number=row.purchase_order_number,
        tax_items=tuple(_tax_request(tax) for tax in taxes.get(row.id, ())) if external else (),
        extra={**row.extra, "_id": row.id},
    )


# --- transitions ----------------------------------------------------------------------------


def post_invoice(*, db: Database, ctx: Context, key: str, invoice_date: date | None = None) -> Row[Any]:
    with db.write() as conn:
        return _post(conn, ctx, key, invoice_date)


def _post(conn: Connection, ctx: Context, key: str, invoice_date: date | None) -> Row[Any]:
    invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
    rules.check_postable(invoice.status, invoice.invoice_number)
    accounting_periods.ensure_open(conn, entity_id=ctx.entity_id, day=invoice_date or invoice.invoice_date)
    now = ctx.now()
    values: dict[str, Any] = {
        "status": InvoiceStatus.POSTED.value,
        "posted_date": now,
        "posted_by_id": ctx.actor_id,
        "updated_at": now,
        "updated_by_id": ctx.actor_id,
    }
    if invoice_date is not None:
        values["invoice_date"] = invoice_date
        if invoice.due_date < invoice_date:
            values["due_date"] = invoice_date
    conn.execute(update(t.invoices).where(t.invoices.c.id == invoice.id).values(**values))
    # The PDF of the posted invoice is rendered in the background, queued in this transaction.
    documents.schedule_documents(
        conn, entity_id=ctx.entity_id, invoice_ids=[invoice.id], now=now, actor_id=ctx.actor_id
    )
    return find_invoice(conn, ctx.entity_id, invoice.id)


def post_invoices(
    *, db: Database, ctx: Context, entries: Sequence[tuple[str, date | None] | BillforgeError]
) -> list[BillforgeError | str]:
    """Bulk post: each invoice on its own; the result per entry, in order."""
    results: list[BillforgeError | str] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, BillforgeError):
            results.append(entry)
            continue
        try:
            with db.write() as conn:
                results.append(str(_post(conn, ctx, entry[0], entry[1]).id))
        except BillforgeError as error:
            results.append(error.at(f"invoices[{index}]"))
    return results


def unpost_invoice(*, db: Database, ctx: Context, key: str) -> tuple[Row[Any], str]:
    with db.write() as conn:
        invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
        rules.check_unpostable(invoice.status, invoice.invoice_number, invoice.payment_amount)
        now = ctx.now()
        conn.execute(
            update(t.invoices)
            .where(t.invoices.c.id == invoice.id)
            .values(
                status=InvoiceStatus.DRAFT.value,
                posted_date=None,
                posted_by_id=None,
                updated_at=now,
                updated_by_id=ctx.actor_id,
            )
        )
        return find_invoice(conn, ctx.entity_id, invoice.id), time_zone(conn, ctx.entity_id)


def cancel_invoice(*, db: Database, ctx: Context, key: str) -> Row[Any]:
    with db.write() as conn:
        return _cancel(conn, ctx, key)


def _cancel(conn: Connection, ctx: Context, key: str) -> Row[Any]:
    invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
    rules.check_cancelable(invoice.status, invoice.invoice_number)
    now = ctx.now()
    conn.execute(
        update(t.invoices)
        .where(t.invoices.c.id == invoice.id)
        .values(
            status=InvoiceStatus.CANCELED.value,
            canceled_date=now,
            canceled_by_id=ctx.actor_id,
            updated_at=now,
            updated_by_id=ctx.actor_id,
        )
    )
    _release_billing(conn, invoice.id)
    return find_invoice(conn, ctx.entity_id, invoice.id)


def delete_invoice(*, db: Database, ctx: Context, key: str) -> str:
    with db.write() as conn:
        invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
        rules.check_deletable(invoice.status, invoice.invoice_number)
        _release_billing(conn, invoice.id)
        conn.execute(delete(t.taxation_items).where(t.taxation_items.c.invoice_id == invoice.id))
        conn.execute(delete(t.invoice_items).where(t.invoice_items.c.invoice_id == invoice.id))
        conn.execute(delete(t.invoices).where(t.invoices.c.id == invoice.id))
        return str(invoice.id)


def _release_billing(conn: Connection, invoice_id: str) -> None:
    """Periods billed by this invoice may bill again (the billing engine's ledger, when present)."""
    ledger = t.metadata.tables.get("charge_billings")
    if ledger is not None:
        conn.execute(delete(ledger).where(ledger.c.invoice_id == invoice_id))


def count_invoices(*, db: Database, ctx: Context) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(t.invoices).where(t.invoices.c.entity_id == ctx.entity_id)
            ).scalar_one()
        )


# --- the Invoice object (object API, actions, SOAP) ------------------------------------------------


def change_invoice(
    *, db: Database, ctx: Context, key: str, changes: InvoiceChanges, status: InvoiceStatus | None = None
) -> Row[Any]:
    """Field changes, then a status change, in one transaction: the Invoice object's update.

    ``status`` Posted posts a Draft, Canceled cancels it (the same rules as the REST transitions); a
    status equal to the invoice's current one changes nothing; any other status change is refused.
    """
    with db.write() as conn:
        invoice = find_invoice(conn, ctx.entity_id, key, lock=True)
        if changes.sent or changes.extra:
            _apply_changes(conn, ctx, invoice, changes)
        if status is not None and status != invoice.status:
            if status is InvoiceStatus.POSTED:
                _post(conn, ctx, invoice.id, None)
            elif status is InvoiceStatus.CANCELED:
                _cancel(conn, ctx, invoice.id)
            else:
                raise RuleRestriction(
                    f"invoice {invoice.invoice_number} is {invoice.status}: its Status cannot be set to {status}; "
                    "a Draft invoice can be set to Posted or Canceled (unpost a Posted invoice with "
                    "PUT /v1/invoices/{id}/unpost)",
                    field="Status",
                    obj="invoice",
                )
        return find_invoice(conn, ctx.entity_id, invoice.id)

"""Creating standalone invoices, one at a time or in batches of up to 50.

The whole batch is looked up set-wise (accounts, contacts, catalog charges, tax rates, closed
periods, invoice numbers), assembled by the pure core, numbered with one sequence update per
sequence set and inserted with one statement per table.

``single_transaction=True``: all or nothing; the first failure names its invoice's position and
nothing is stored. ``False`` (Zuora's default): each invoice stands alone; the answer has one
entry per requested invoice, in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.invoices import InvoiceStatus, totals
from billforge.domain.money import Currency
from billforge.domain.standalone import (
    MAX_INVOICES_PER_BATCH,
    MAX_ITEMS_PER_REQUEST,
    CatalogCharge,
    DiscountItemRequest,
    ItemContext,
    ItemRequest,
    build_items,
    check_contacts,
    check_invoice_number,
    due_date,
)
from billforge.domain.tax import TaxMode, TaxRate
from billforge.errors import (
    BillforgeError,
    ErrorCode,
    ErrorList,
    InvalidValue,
    LimitExceeded,
    MissingValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
    flatten,
)
from billforge.services import accounting_periods, numbering, taxes, tenant_settings
from billforge.services.accounts import ContactInput, check_billable, contact_row
from billforge.services.context import Context, new_id
from billforge.services.invoice_store import NewInvoice, insert_invoices

SOURCE = "API"
SOURCE_TYPE = "Standalone"


@dataclass(slots=True)
class StandaloneInvoice:
    """One requested invoice, its shape already validated by the door."""

    invoice_date: date
    items: Sequence[ItemRequest]
    account_id: str | None = None
    account_number: str | None = None
    invoice_number: str | None = None
    due_date: date | None = None
    currency: str | None = None
    status: InvoiceStatus = InvoiceStatus.DRAFT
    payment_term: str | None = None
    sequence_set: str | None = None
    template_id: str | None = None
    auto_pay: bool = False
    comments: str | None = None
    transferred_to_accounting: str | None = None
    communication_profile_id: str | None = None
    bill_to_contact_id: str | None = None
    sold_to_contact_id: str | None = None
    ship_to_contact_id: str | None = None
    bill_to_contact: ContactInput | None = None
    sold_to_contact: ContactInput | None = None
    ship_to_contact: ContactInput | None = None
    sold_to_same_as_bill_to: bool = False
    ship_to_same_as_bill_to: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    """The stored invoice row (column names) for one requested invoice, or why it failed."""

    row: dict[str, Any] | None
    error: BillforgeError | None
    time_zone: str = "UTC"


def create_invoices(
    *,
    db: Database,
    ctx: Context,
    invoices: Sequence[StandaloneInvoice | BillforgeError],
    single_transaction: bool,
    batch: bool = True,
) -> list[Created]:
    """Create the invoices. Entries that already failed validation come in as errors, so that
    each answer keeps its position."""
    if batch:
        _check_batch_limits(invoices)
    if single_transaction or not batch:
        with db.write() as conn:
            results = _create(conn, ctx, list(invoices), prefix=batch)
            failures = [r.error for r in results if r.error is not None]
            if failures:
                raise ErrorList([e for f in failures for e in flatten(f)])
            return results
    try:
        with db.write() as conn:
            return _create(conn, ctx, list(invoices), prefix=True)
    except IntegrityError:
        # A concurrent writer took an invoice number between our check and insert: fall back to
        # one transaction per invoice, so that only the clashing invoice fails.
        separately: list[Created] = []
        for index, invoice in enumerate(invoices):
            try:
                with db.write() as conn:
                    (result,) = _create(conn, ctx, [invoice], prefix=False)
            except IntegrityError:
                result = Created(None, RuleRestriction("invoice number is already used", field="invoiceNumber"))
            if result.error is not None:
                result = Created(None, result.error.at(f"invoices[{index}]"))
            separately.append(result)
        return separately


def _check_batch_limits(invoices: Sequence[StandaloneInvoice | BillforgeError]) -> None:
    if not invoices:
        raise MissingValue("'invoices' must contain at least one invoice", field="invoices", obj="invoice")
    if len(invoices) > MAX_INVOICES_PER_BATCH:
        raise LimitExceeded(
            f"'invoices' has {len(invoices)} invoices; at most {MAX_INVOICES_PER_BATCH} are allowed per request",
            field="invoices",
            obj="invoice",
        )
    item_count = sum(len(i.items) for i in invoices if isinstance(i, StandaloneInvoice))
    if item_count > MAX_ITEMS_PER_REQUEST:
        raise LimitExceeded(
            f"the request has {item_count} invoice items; at most {MAX_ITEMS_PER_REQUEST} are allowed per request",
            field="invoices",
            obj="invoice",
        )


@dataclass(slots=True)
class _Lookups:
    tenant: tenant_settings.TenantSettings
    accounts_by_id: dict[str, Row[Any]]
    accounts_by_number: dict[str, Row[Any]]
    contacts: dict[str, Row[Any]]
    catalog: dict[str, CatalogCharge]
    active_tax_codes: frozenset[str]
    closed: dict[date, str]
    sequence_sets: dict[str, str]
    templates: set[str]
    taken_numbers: set[str]
    product_skus: frozenset[str]
    tax_rates: dict[tuple[str | None, str | None, date], dict[str, list[TaxRate]]] = field(default_factory=dict)


def _create(
    conn: Connection, ctx: Context, invoices: list[StandaloneInvoice | BillforgeError], *, prefix: bool
) -> list[Created]:
    wanted = [i for i in invoices if isinstance(i, StandaloneInvoice)]
    lookups = _look_up(conn, ctx.entity_id, wanted)
    results: list[Created | None] = []
    ready: list[tuple[int, NewInvoice, StandaloneInvoice]] = []
    numbers_in_batch: set[str] = set()
    for index, entry in enumerate(invoices):
        if isinstance(entry, BillforgeError):
            results.append(Created(None, entry.at(f"invoices[{index}]") if prefix else entry))
            continue
        try:
            invoice = _assemble(conn, ctx, entry, lookups, numbers_in_batch)
        except BillforgeError as error:
            results.append(Created(None, _prefixed(error, index) if prefix else error))
            continue
        results.append(None)
        ready.append((index, invoice, entry))

    _number(conn, ctx.entity_id, [invoice for _, invoice, _ in ready])
    now = ctx.now()
    rows = insert_invoices(
        conn, [invoice for _, invoice, _ in ready], entity_id=ctx.entity_id, actor_id=ctx.actor_id, now=now
    )
    for (index, _, _), row in zip(ready, rows, strict=True):
        results[index] = Created(row, None, lookups.tenant.time_zone)
    return [r for r in results if r is not None]


def _prefixed(error: BillforgeError, index: int) -> BillforgeError:
    if isinstance(error, ErrorList):
        return ErrorList([e.at(f"invoices[{index}]") for e in error.errors])
    return error.at(f"invoices[{index}]")


def _look_up(conn: Connection, entity_id: str, invoices: Sequence[StandaloneInvoice]) -> _Lookups:
    tenant = tenant_settings.load(conn, entity_id)
    ids = {i.account_id for i in invoices if i.account_id}
    numbers = {i.account_number for i in invoices if i.account_number}
    account_rows = list(
        conn.execute(
            select(t.accounts).where(
                t.accounts.c.entity_id == entity_id,
                t.accounts.c.id.in_(ids) | t.accounts.c.account_number.in_(numbers),
            )
        )
    )
    contact_ids = {
        cid
        for i in invoices
        for cid in (i.bill_to_contact_id, i.sold_to_contact_id, i.ship_to_contact_id)
        if cid is not None
    }
    contact_ids |= {cid for a in account_rows for cid in (a.bill_to_contact_id, a.sold_to_contact_id) if cid}
    contacts = {
        r.id: r
        for r in conn.execute(
            select(t.contacts).where(t.contacts.c.entity_id == entity_id, t.contacts.c.id.in_(contact_ids))
        )
    }
    charge_ids = {
        cid
        for i in invoices
        for item in i.items
        for cid in (item.product_rate_plan_charge_id, *(d.product_rate_plan_charge_id for d in item.discount_items))
        if cid is not None
    }
    custom_numbers = {i.invoice_number for i in invoices if i.invoice_number}
    taken = {
        r.invoice_number
        for r in conn.execute(
            select(t.invoices.c.invoice_number).where(
                t.invoices.c.entity_id == entity_id, t.invoices.c.invoice_number.in_(custom_numbers)
            )
        )
    }
    sequence_keys = {i.sequence_set for i in invoices if i.sequence_set}
    sequence_sets: dict[str, str] = {}
    for key in sequence_keys:
        try:
            sequence_sets[key] = numbering.resolve_sequence_set(conn, entity_id=entity_id, key=key)
        except NotFound:
            continue
    lines: list[ItemRequest | DiscountItemRequest] = []
    for invoice in invoices:
        for item in invoice.items:
            lines.append(item)
            lines.extend(item.discount_items)
    skus = {line.sku for line in lines if line.sku is not None and line.product_rate_plan_charge_id is None}
    product_skus = (
        frozenset(
            conn.execute(
                select(t.products.c.sku).where(t.products.c.entity_id == entity_id, t.products.c.sku.in_(skus))
            ).scalars()
        )
        if skus
        else frozenset()
    )
    template_ids = {i.template_id for i in invoices if i.template_id}
    known_templates = {
        r.id
        for r in conn.execute(
            select(t.invoice_templates.c.id).where(
                t.invoice_templates.c.entity_id == entity_id, t.invoice_templates.c.id.in_(template_ids)
            )
        )
    }
    return _Lookups(
        tenant=tenant,
        accounts_by_id={a.id: a for a in account_rows},
        accounts_by_number={a.account_number: a for a in account_rows},
        contacts=contacts,
        catalog=catalog_charges(conn, entity_id, charge_ids),
        active_tax_codes=frozenset(taxes.active_tax_codes(conn, entity_id=entity_id)),
        closed=accounting_periods.closed_period_for(
            conn, entity_id=entity_id, dates={i.invoice_date for i in invoices}
        ),
        sequence_sets=sequence_sets,
        templates=known_templates,
        taken_numbers=taken,
        product_skus=product_skus,
    )


def catalog_charges(conn: Connection, entity_id: str, charge_ids: Iterable[str]) -> dict[str, CatalogCharge]:
    ids = set(charge_ids)
    if not ids:
        return {}
    charge = t.product_rate_plan_charges
    plan = t.product_rate_plans
    product = t.products
    rows = conn.execute(
        select(
            charge.c.id,
            charge.c.name,
            charge.c.charge_type,
            charge.c.uom,
            charge.c.tax_code,
            charge.c.tax_mode,
            charge.c.taxable,
            charge.c.accounting_code,
            charge.c.deferred_revenue_accounting_code,
            charge.c.recognized_revenue_accounting_code,
            charge.c.extra,
            product.c.id.label("product_id"),
            product.c.name.label("product_name"),
            product.c.sku,
        )
        .join(plan, plan.c.id == charge.c.product_rate_plan_id)
        .join(product, product.c.id == plan.c.product_id)
        .where(charge.c.entity_id == entity_id, charge.c.id.in_(ids))
    )
    return {
        r.id: CatalogCharge(
            id=r.id,
            name=r.name,
            charge_type=r.charge_type,
            product_id=r.product_id,
            product_name=r.product_name,
            sku=r.sku,
            uom=r.uom,
            tax_code=r.tax_code if r.taxable is not False else None,
            tax_mode=TaxMode(r.tax_mode) if r.tax_mode and r.tax_code else None,
            accounting_codes={
                "accountingCode": r.accounting_code,
                "deferredRevenueAccountingCode": r.deferred_revenue_accounting_code,
                "recognizedRevenueAccountingCode": r.recognized_revenue_accounting_code,
            },
            use_discount_specific_accounting_code=_is_true((r.extra or {}).get("UseDiscountSpecificAccountingCode")),
        )
        for r in rows
    }


def _is_true(value: Any) -> bool:
    """A stored Object API flag: kept as sent, a JSON boolean or a string such as ``"true"``."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _assemble(
    conn: Connection,
    ctx: Context,
    request: StandaloneInvoice,
    lookups: _Lookups,
    numbers_in_batch: set[str],
) -> NewInvoice:
    problems: list[BillforgeError] = []
    account = _account_for(request, lookups.accounts_by_id, lookups.accounts_by_number)
    tenant = lookups.tenant

    currency_code = request.currency or account.currency
    currency: Currency | None = tenant.active_currencies.get(currency_code)
    if currency is None:
        problems.append(
            InvalidValue(
                f"'currency' {currency_code!r} is not an active currency of this tenant",
                field="currency",
                obj="invoice",
            )
        )
    closed = lookups.closed.get(request.invoice_date)
    if closed is not None:
        problems.append(accounting_periods.closed_period_error(request.invoice_date, closed))
    if request.invoice_number is not None:
        number_problem = check_invoice_number(request.invoice_number)
        if number_problem is not None:
            problems.append(number_problem)
        elif request.invoice_number in lookups.taken_numbers or request.invoice_number in numbers_in_batch:
            problems.append(
                RuleRestriction(
                    f"'invoiceNumber' {request.invoice_number!r} is already used by another invoice",
                    field="invoiceNumber",
                    obj="invoice",
                    code=ErrorCode.DUPLICATE_VALUE,
                )
            )
    payment_term = request.payment_term or account.payment_term
    term_days = _payment_term_days(conn, ctx.entity_id, payment_term, tenant)
    if term_days is None:
        problems.append(
            InvalidValue(
                f"'paymentTerm' {payment_term!r} is not an active payment term", field="paymentTerm", obj="invoice"
            )
        )
    invoice_due = request.due_date
    if invoice_due is not None and invoice_due < request.invoice_date:
        problems.append(InvalidValue("'dueDate' must be on or after 'invoiceDate'", field="dueDate", obj="invoice"))
    sequence_set_id = account.sequence_set_id
    if request.sequence_set is not None:
        sequence_set_id = lookups.sequence_sets.get(request.sequence_set)
        if sequence_set_id is None:
            problems.append(
                UnknownReference(
                    f"'sequenceSet' {request.sequence_set!r} is not a known sequence set",
                    field="sequenceSet",
                    obj="invoice",
                )
            )
    template_id = request.template_id or account.invoice_template_id
    if request.template_id is not None and request.template_id not in lookups.templates:
        problems.append(
            UnknownReference(
                f"'templateId' {request.template_id!r} is not a known invoice template",
                field="templateId",
                obj="invoice",
            )
        )
    problems.extend(
        check_contacts(
            bill_to_id=request.bill_to_contact_id,
            bill_to_new=request.bill_to_contact is not None,
            sold_to_id=request.sold_to_contact_id,
            sold_to_new=request.sold_to_contact is not None,
            ship_to_id=request.ship_to_contact_id,
            ship_to_new=request.ship_to_contact is not None,
            sold_to_same_as_bill_to=request.sold_to_same_as_bill_to,
            ship_to_same_as_bill_to=request.ship_to_same_as_bill_to,
        )
    )
    for name, contact_id in (
        ("billToContactId", request.bill_to_contact_id),
        ("soldToContactId", request.sold_to_contact_id),
        ("shipToContactId", request.ship_to_contact_id),
    ):
        if contact_id is None:
            continue
        contact = lookups.contacts.get(contact_id)
        if contact is None or contact.account_id != account.id:
            problems.append(
                InvalidValue(
                    f"'{name}' {contact_id!r} is not a contact of account {account.account_number}",
                    field=name,
                    obj="invoice",
                )
            )
    items = []
    if currency is not None:
        sold_to = _sold_to_contact(request, account, lookups)
        country = sold_to.country if isinstance(sold_to, Row | ContactInput) else None
        state = sold_to.state if isinstance(sold_to, Row | ContactInput) else None
        rates = _rates_for(conn, ctx.entity_id, lookups, country, state, request.invoice_date)
        try:
            items = build_items(
                request.items,
                ItemContext(
                    currency=currency,
                    invoice_date=request.invoice_date,
                    catalog=lookups.catalog,
                    tax_rates=rates,
                    active_tax_codes=lookups.active_tax_codes,
                    product_skus=lookups.product_skus,
                ),
            )
        except ErrorList as errors:
            problems.extend(errors.errors)
        except BillforgeError as error:
            problems.append(error)
    if problems:
        raise ErrorList(problems)
    assert term_days is not None and currency is not None  # noqa: S101 - checked above: problems would be raised

    if request.invoice_number is not None:
        numbers_in_batch.add(request.invoice_number)
    contacts = _contact_ids(conn, ctx, request, account)
    return NewInvoice(
        account_id=account.id,
        invoice_number=request.invoice_number or "",
        currency=currency.code,
        invoice_date=request.invoice_date,
        due_date=invoice_due or due_date(request.invoice_date, term_days),
        totals=totals(items),
        items=items,
        source=SOURCE,
        source_type=SOURCE_TYPE,
        status=request.status,
        payment_term=payment_term,
        auto_pay=request.auto_pay,
        comments=request.comments,
        includes_one_time=True,
        includes_recurring=False,
        includes_usage=False,
        bill_to_contact_id=contacts[0],
        sold_to_contact_id=contacts[1],
        ship_to_contact_id=contacts[2],
        sequence_set_id=sequence_set_id,
        template_id=template_id,
        communication_profile_id=request.communication_profile_id,
        transferred_to_accounting=request.transferred_to_accounting,
        extra=request.extra,
    )


def _account_for(
    request: StandaloneInvoice, by_ids: Mapping[str, Row[Any]], by_numbers: Mapping[str, Row[Any]]
) -> Row[Any]:
    if request.account_id is None and request.account_number is None:
        raise MissingValue("one of 'accountId' or 'accountNumber' is required", field="accountId", obj="invoice")
    by_id = by_ids.get(request.account_id) if request.account_id else None
    by_number = by_numbers.get(request.account_number) if request.account_number else None
    if request.account_id is not None and by_id is None:
        raise UnknownReference(
            f"'accountId' {request.account_id!r} is not a known account",
            field="accountId",
            obj="invoice",
        )
    if request.account_number is not None and by_number is None:
        raise UnknownReference(
            f"'accountNumber' {request.account_number!r} is not a known account",
            field="accountNumber",
            obj="invoice",
        )
    if by_id is not None and by_number is not None and by_id.id != by_number.id:
        raise InvalidValue(
            f"'accountId' {request.account_id!r} and 'accountNumber' {request.account_number!r} "
            "refer to different accounts",
            field="accountNumber",
            obj="invoice",
        )
    found = by_id or by_number
    assert found is not None  # noqa: S101 - one of the two was given and found
    check_billable(found, field_name="accountId" if by_id is not None else "accountNumber", obj="invoice")
    return found


def _payment_term_days(
    conn: Connection, entity_id: str, term: str, tenant: tenant_settings.TenantSettings
) -> int | None:
    """A payment term by name, or by id (the seed: "The ID or name of the payment term")."""
    if term in tenant.payment_terms:
        return tenant.payment_terms[term]
    row = conn.execute(
        select(t.payment_terms.c.due_days).where(
            t.payment_terms.c.entity_id == entity_id, t.payment_terms.c.id == term, t.payment_terms.c.active.is_(True)
        )
    ).first()
    return int(row.due_days) if row else None


def _sold_to_contact(
    request: StandaloneInvoice, account: Row[Any], lookups: _Lookups
) -> Row[Any] | ContactInput | None:
    if request.sold_to_contact is not None:
        return request.sold_to_contact
    if request.sold_to_contact_id is not None:
        return lookups.contacts.get(request.sold_to_contact_id)
    if request.sold_to_same_as_bill_to:
        if request.bill_to_contact is not None:
            return request.bill_to_contact
        if request.bill_to_contact_id is not None:
            return lookups.contacts.get(request.bill_to_contact_id)
    return lookups.contacts.get(account.sold_to_contact_id)


def look_up_rates(
    conn: Connection, entity_id: str, sold_to: Row[Any] | None, on: date
) -> tuple[Mapping[str, Sequence[TaxRate]], frozenset[str]]:
    """The tax rates that apply to a sold-to contact on a date, and the active tax codes."""
    active = frozenset(taxes.active_tax_codes(conn, entity_id=entity_id))
    rates = taxes.tax_rates_for(
        conn,
        entity_id=entity_id,
        tax_codes=active,
        on_date=on,
        country=sold_to.country if sold_to is not None else None,
        state=sold_to.state if sold_to is not None else None,
    )
    return rates, active


def _rates_for(
    conn: Connection, entity_id: str, lookups: _Lookups, country: str | None, state: str | None, on: date
) -> Mapping[str, Sequence[TaxRate]]:
    key = (country, state, on)
    if key not in lookups.tax_rates:
        lookups.tax_rates[key] = taxes.tax_rates_for(
            conn, entity_id=entity_id, tax_codes=lookups.active_tax_codes, on_date=on, country=country, state=state
        )
    return lookups.tax_rates[key]


def _contact_ids(
    conn: Connection, ctx: Context, request: StandaloneInvoice, account: Row[Any]
) -> tuple[str | None, str | None, str | None]:
    """The invoice's bill-to, sold-to and ship-to contacts; new contacts join the account."""
    now = ctx.now()
    created: list[dict[str, Any]] = []

    def new_contact(contact: ContactInput) -> str:
        contact_id = new_id()
        created.append(contact_row(contact_id, account.id, ctx, contact, now))
        return contact_id

    bill_to = request.bill_to_contact_id or (
        new_contact(request.bill_to_contact) if request.bill_to_contact else account.bill_to_contact_id
    )
    if request.sold_to_same_as_bill_to and (request.bill_to_contact_id or request.bill_to_contact):
        sold_to = bill_to
    else:
        sold_to = request.sold_to_contact_id or (
            new_contact(request.sold_to_contact) if request.sold_to_contact else account.sold_to_contact_id
        )
    if request.ship_to_same_as_bill_to:
        ship_to = bill_to
    else:
        ship_to = request.ship_to_contact_id or (
            new_contact(request.ship_to_contact) if request.ship_to_contact else account.ship_to_contact_id
        )
    if created:
        conn.execute(insert(t.contacts), created)
    return bill_to, sold_to, ship_to


def _number(conn: Connection, entity_id: str, invoices: Sequence[NewInvoice]) -> None:
    """Give every invoice without a custom number the next numbers of its sequence set."""
    by_set: dict[str | None, list[NewInvoice]] = defaultdict(list)
    for invoice in invoices:
        if not invoice.invoice_number:
            by_set[invoice.sequence_set_id].append(invoice)
    for set_id, group in by_set.items():
        numbers = numbering.allocate_invoice_numbers(
            conn, entity_id=entity_id, sequence_set_id=set_id, count=len(group)
        )
        for invoice, number in zip(group, numbers, strict=True):
            invoice.invoice_number = number

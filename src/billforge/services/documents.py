"""Invoice documents: the PDF of an invoice (its ``Body``), its versions, and the stored files.

When a PDF is made
    - When an invoice is posted: a background worker renders it (the request that posts never
      waits). A worker's sweep finds posted invoices without a PDF of their latest posting,
      whichever way they were posted (REST, bulk post, generate with auto-post, SOAP), and queues
      one version for each (``schedule_documents``; a posting path may also call it directly).
    - When ``RegenerateInvoicePDF`` is set (``request_regeneration``): a new version, queued for a
      worker; ``domain.invoices.check_pdf_regeneration`` is the rule (at most 100 per invoice).
    - When ``Body`` is asked for (``invoice_body``): a posted invoice answers its newest version,
      rendering it on the spot if no worker has yet (and storing it as that version); a draft is
      rendered afresh each time, marked DRAFT, and not stored (a draft still changes).

Versions (``invoice_files``) are Pending until rendered, then Ready with a file in ``files``;
the REST files listing shows them newest first (``list_invoice_files``), and ``get_file``
serves the bytes (``GET /v1/files/{file-id}``). Files live in the database, so every API
process serves what any worker made.

Templates: the invoice's ``templateId``, else its account's ``invoiceTemplateId``, else the
entity's default template. The template every entity is seeded with means the built-in
default layout (``pdf/templates/default.html.j2``).
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection, Row, and_, exists, func, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.tables_jobs import files, invoice_files
from billforge.db.tables_payments import payment_applications, payments
from billforge.domain.invoices import InvoiceStatus, ProcessingType, check_pdf_regeneration
from billforge.domain.money import ZERO
from billforge.errors import ErrorCode, InvalidValue, NotFound
from billforge.jobs import queue
from billforge.pdf import RenderedPdf, render_pdf
from billforge.pdf.model import AccountFields, InvoiceDocument, InvoiceFields, Line, Party, PaymentLine, TaxLine
from billforge.services.context import Clock, Context, new_id
from billforge.services.settings import usable_key
from billforge.services.tenant_defaults import DEFAULT_TEMPLATE_BODY

logger = logging.getLogger(__name__)

RENDER_JOB: Final = "invoice-pdf"
PDF_CONTENT_TYPE: Final = "application/pdf"
MAX_PAGE_SIZE: Final = 40
DEFAULT_PAGE_SIZE: Final = 20
SWEEP_BATCH: Final = 200
SWEEP_OVERLAP: Final = timedelta(minutes=10)  # a posting may commit this long after its PostedDate
FULL_SWEEP_EVERY: Final = timedelta(hours=1)


class FileStatus(StrEnum):
    PENDING = "Pending"
    READY = "Ready"
    FAILED = "Failed"


class Reason(StrEnum):
    POST = "Post"
    REGENERATE = "Regenerate"
    BODY = "Body"


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: str
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class FilesPage:
    versions: list[Row[Any]]
    page: int
    page_size: int
    has_next: bool


# --- rules other doors share ----------------------------------------------------------------


def check_body_query(invoice_count: int, *, by_id: bool = True) -> None:
    """Zuora returns the ``Body`` of one invoice per query, named by its id (``WHERE Id = '...'``):
    a query that does not name the invoice by id (``by_id``), or matches several, is refused."""
    if invoice_count > 1 or not by_id:
        raise InvalidValue(
            "'Body' can be queried for one invoice at a time: select it with WHERE Id = '<invoice id>' "
            f"(this query {'matches ' + str(invoice_count) + ' invoices' if by_id else 'does not filter on Id'})",
            field="Body",
            obj="invoice",
            code=ErrorCode.PDF_QUERY_ERROR,
        )


# --- reading an invoice as a document -------------------------------------------------------


def _find_invoice(conn: Connection, entity_id: str, invoice_id: str, *, lock: bool = False) -> Row[Any]:
    usable_key(invoice_id, field="Id", obj="invoice", what="invoice")
    query = select(t.invoices).where(
        t.invoices.c.entity_id == entity_id,
        (t.invoices.c.id == invoice_id) | (t.invoices.c.invoice_number == invoice_id),
    )
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no invoice with id or number {invoice_id!r}", field="Id", obj="invoice")
    return row


def _party(contact: Row[Any] | None, company: str | None) -> Party:
    if contact is None:
        return Party(company=company)
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return Party(
        name=name,
        first_name=contact.first_name,
        last_name=contact.last_name,
        company=company,
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        county=contact.county,
        state=contact.state,
        postal_code=contact.postal_code,
        country=contact.country,
        email=contact.work_email or contact.personal_email,
        phone=contact.work_phone or contact.mobile_phone or contact.home_phone,
    )


def _line(row: Row[Any], discounts: tuple[Line, ...] = ()) -> Line:
    return Line(
        id=row.id,
        position=row.position,
        processing_type=row.processing_type,
        charge_name=row.charge_name,
        amount=row.charge_amount,
        tax_amount=row.tax_amount,
        service_start_date=row.service_start_date,
        service_end_date=row.service_end_date,
        description=row.description,
        charge_type=row.charge_type,
        product_name=row.product_name,
        sku=row.sku,
        uom=row.uom,
        quantity=row.quantity,
        unit_price=row.unit_price,
        subscription_number=row.subscription_number,
        purchase_order_number=row.purchase_order_number,
        tax_code=row.tax_code,
        applied_to_item_id=row.applied_to_item_id,
        discounts=discounts,
    )


def _lines(rows: list[Row[Any]]) -> tuple[Line, ...]:
    """The charges in order, each with its discounts (a discount whose charge is gone stands alone)."""
    by_charge: dict[str, list[Line]] = defaultdict(list)
    charge_ids = {r.id for r in rows if r.processing_type != ProcessingType.DISCOUNT}
    for row in rows:
        if row.processing_type == ProcessingType.DISCOUNT and row.applied_to_item_id in charge_ids:
            by_charge[row.applied_to_item_id].append(_line(row))
    return tuple(
        _line(row, tuple(by_charge.get(row.id, ())))
        for row in rows
        if row.processing_type != ProcessingType.DISCOUNT or row.applied_to_item_id not in charge_ids
    )


def _taxes(rows: Iterable[Row[Any]]) -> tuple[TaxLine, ...]:
    """Tax items summed by jurisdiction, tax, code and rate, in the order they first appear."""
    totals: dict[tuple[Any, ...], list[Decimal]] = {}
    for row in rows:
        key = (row.jurisdiction, row.name, row.tax_code, row.tax_rate, row.tax_rate_type)
        amounts = totals.setdefault(key, [ZERO, ZERO])
        amounts[0] += row.tax_amount
        amounts[1] += row.exempt_amount
    return tuple(
        TaxLine(jurisdiction, name, code, rate, rate_type, amounts[0], amounts[1])
        for (jurisdiction, name, code, rate, rate_type), amounts in totals.items()
    )


def template_body(conn: Connection, *, entity_id: str, invoice: Row[Any], account: Row[Any]) -> str | None:
    """The Jinja2 body of the invoice's template, or ``None`` for the built-in default layout."""
    it = t.invoice_templates
    row = None
    for template_id in (invoice.template_id, account.invoice_template_id):
        if template_id:
            row = conn.execute(select(it).where(it.c.entity_id == entity_id, it.c.id == template_id)).first()
            if row is not None:
                break
    if row is None:
        row = conn.execute(select(it).where(it.c.entity_id == entity_id, it.c.is_default.is_(True)).limit(1)).first()
    if row is None or row.body == DEFAULT_TEMPLATE_BODY:
        return None
    return str(row.body)


def load_document(conn: Connection, *, entity_id: str, invoice_id: str) -> tuple[InvoiceDocument, str | None]:
    """Everything the invoice's PDF shows, and its template's body (``None``: the default)."""
    invoice = _find_invoice(conn, entity_id, invoice_id)
    account = conn.execute(
        select(t.accounts).where(t.accounts.c.entity_id == entity_id, t.accounts.c.id == invoice.account_id)
    ).one()
    settings = conn.execute(select(t.tenant_settings).where(t.tenant_settings.c.entity_id == entity_id)).one()
    currency = conn.execute(
        select(t.currencies).where(t.currencies.c.entity_id == entity_id, t.currencies.c.code == invoice.currency)
    ).first()
    bill_to_id = invoice.bill_to_contact_id or account.bill_to_contact_id
    sold_to_id = invoice.sold_to_contact_id or account.sold_to_contact_id
    contact_ids = [cid for cid in (bill_to_id, sold_to_id) if cid]
    contacts = (
        {
            r.id: r
            for r in conn.execute(
                select(t.contacts).where(t.contacts.c.entity_id == entity_id, t.contacts.c.id.in_(contact_ids))
            )
        }
        if contact_ids
        else {}
    )
    items = list(
        conn.execute(
            select(t.invoice_items)
            .where(t.invoice_items.c.entity_id == entity_id, t.invoice_items.c.invoice_id == invoice.id)
            .order_by(t.invoice_items.c.position)
        )
    )
    taxation = conn.execute(
        select(t.taxation_items)
        .where(t.taxation_items.c.entity_id == entity_id, t.taxation_items.c.invoice_id == invoice.id)
        .order_by(t.taxation_items.c.jurisdiction, t.taxation_items.c.name)
    )
    paid = conn.execute(
        select(
            payments.c.number,
            payments.c.effective_date,
            payments.c.type,
            payment_applications.c.amount,
            payment_applications.c.refunded_amount,
        )
        .join(payments, payments.c.id == payment_applications.c.payment_id)
        .where(payment_applications.c.entity_id == entity_id, payment_applications.c.invoice_id == invoice.id)
        .order_by(payments.c.effective_date, payments.c.number, payment_applications.c.position)
    )
    seller = Party(
        name=settings.seller_name or "",
        address1=settings.seller_address1,
        address2=settings.seller_address2,
        city=settings.seller_city,
        state=settings.seller_state,
        postal_code=settings.seller_postal_code,
        country=settings.seller_country,
        email=settings.seller_email,
        phone=settings.seller_phone,
        tax_id=settings.seller_tax_id,
    )
    document = InvoiceDocument(
        invoice=InvoiceFields(
            id=invoice.id,
            invoice_number=invoice.invoice_number,
            status=invoice.status,
            currency=invoice.currency,
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            amount=invoice.amount,
            amount_without_tax=invoice.amount_without_tax,
            tax_amount=invoice.tax_amount,
            balance=invoice.balance,
            target_date=invoice.target_date,
            payment_term=invoice.payment_term,
            posted_date=invoice.posted_date,
            comments=invoice.comments,
            tax_exempt_amount=invoice.tax_exempt_amount,
            discount=invoice.discount,
            payment_amount=invoice.payment_amount,
            refund_amount=invoice.refund_amount,
            adjustment_amount=invoice.adjustment_amount,
            credit_balance_adjustment_amount=invoice.credit_balance_adjustment_amount,
        ),
        account=AccountFields(
            id=account.id,
            account_number=account.account_number,
            name=account.name,
            currency=account.currency,
            payment_term=account.payment_term,
            bill_cycle_day=account.bill_cycle_day,
            crm_id=account.crm_id,
        ),
        seller=seller,
        bill_to=_party(contacts.get(bill_to_id) if bill_to_id else None, account.name),
        sold_to=_party(contacts.get(sold_to_id) if sold_to_id else None, account.name),
        items=_lines(items),
        taxes=_taxes(taxation),
        payments=tuple(
            PaymentLine(p.number, p.effective_date, p.amount, p.refunded_amount, p.type or "External") for p in paid
        ),
        locale=settings.locale,
        minor_units=currency.minor_units if currency is not None else 2,
        rounding_mode=currency.rounding_mode if currency is not None else "HALF_UP",
    )
    return document, template_body(conn, entity_id=entity_id, invoice=invoice, account=account)


def render_invoice(*, db: Database, ctx: Context, invoice_id: str) -> RenderedPdf:
    """The invoice's PDF as it is now (nothing stored)."""
    with db.read() as conn:
        document, body = load_document(conn, entity_id=ctx.entity_id, invoice_id=invoice_id)
    return render_pdf(document, template=body)


# --- versions -------------------------------------------------------------------------------


def _covered(invoice_id: Any, posted_date: Any) -> Any:
    """A version made for this posting of the invoice exists."""
    return exists().where(
        invoice_files.c.invoice_id == invoice_id, invoice_files.c.posted_date.is_not_distinct_from(posted_date)
    )


def schedule_documents(
    conn: Connection,
    *,
    entity_id: str,
    invoice_ids: Sequence[str],
    now: datetime,
    reason: Reason = Reason.POST,
    actor_id: str | None = None,
    only_uncovered: bool = True,
) -> dict[str, str]:
    """Queue a new PDF version of each invoice, in the caller's transaction; ``{invoice id:
    invoice file id}`` of those queued. With ``only_uncovered`` (the default), an invoice that
    is not posted, or already has a version of its latest posting, is left alone; invoices
    another transaction holds are skipped (on PostgreSQL) and left to the next sweep."""
    if not invoice_ids:
        return {}
    inv = t.invoices
    query = select(inv.c.id, inv.c.status, inv.c.posted_date).where(
        inv.c.entity_id == entity_id, inv.c.id.in_(sorted(set(invoice_ids)))
    )
    if only_uncovered:
        query = query.where(inv.c.status == InvoiceStatus.POSTED.value, ~_covered(inv.c.id, inv.c.posted_date))
    query = query.order_by(inv.c.id).with_for_update(skip_locked=only_uncovered)
    targets = list(conn.execute(query))
    if not targets:
        return {}
    latest = dict(
        conn.execute(  # rows of (invoice id, highest version)
            select(invoice_files.c.invoice_id, func.max(invoice_files.c.version_number))
            .where(invoice_files.c.invoice_id.in_([r.id for r in targets]))
            .group_by(invoice_files.c.invoice_id)
        ).all()
    )
    versions = [
        {
            "id": new_id(),
            "entity_id": entity_id,
            "invoice_id": r.id,
            "version_number": int(latest.get(r.id) or 0) + 1,
            "status": FileStatus.PENDING.value,
            "reason": reason.value,
            "posted_date": r.posted_date,
            "draft": r.status == InvoiceStatus.DRAFT,
            "file_id": None,
            "error": None,
            "requested_by_id": actor_id,
            "created_at": now,
            "ready_at": None,
        }
        for r in targets
    ]
    conn.execute(insert(invoice_files), versions)
    queue.enqueue_many(
        conn,
        [
            queue.NewJob(
                kind=RENDER_JOB,
                payload={"invoice_file_id": v["id"]},
                entity_id=entity_id,
                dedupe_key=f"{RENDER_JOB}:{v['id']}",
            )
            for v in versions
        ],
        now=now,
    )
    return {v["invoice_id"]: v["id"] for v in versions}


def request_regeneration(
    conn: Connection, *, entity_id: str, invoice_id: str, now: datetime, actor_id: str | None = None
) -> str:
    """``RegenerateInvoicePDF=true``: count the regeneration and queue a new version of the
    invoice's PDF, in the caller's transaction; the new invoice file id. The rule (not for a
    Canceled invoice, at most 100 times per invoice) is ``domain.invoices.check_pdf_regeneration``."""
    invoice = _find_invoice(conn, entity_id, invoice_id, lock=True)
    check_pdf_regeneration(invoice.status, invoice.invoice_number, invoice.regenerate_pdf_count)
    conn.execute(
        update(t.invoices)
        .where(t.invoices.c.id == invoice.id)
        .values(regenerate_pdf_count=t.invoices.c.regenerate_pdf_count + 1, updated_at=now, updated_by_id=actor_id)
    )
    queued = schedule_documents(
        conn,
        entity_id=entity_id,
        invoice_ids=[invoice.id],
        now=now,
        reason=Reason.REGENERATE,
        actor_id=actor_id,
        only_uncovered=False,
    )
    return queued[invoice.id]


def regenerate_pdf(*, db: Database, ctx: Context, invoice_id: str) -> str:
    """``request_regeneration`` in a transaction of its own (every door's ``RegenerateInvoicePDF``)."""
    with db.write() as conn:
        return request_regeneration(
            conn, entity_id=ctx.entity_id, invoice_id=invoice_id, now=ctx.now(), actor_id=ctx.actor_id
        )


def _store(conn: Connection, version: Row[Any], rendered: RenderedPdf, invoice_number: str, now: datetime) -> str:
    """Keep a rendered PDF as the content of a pending version; the file id."""
    file_id = new_id()
    conn.execute(
        insert(files).values(
            id=file_id,
            entity_id=version.entity_id,
            invoice_id=version.invoice_id,
            name=f"{invoice_number}.pdf",
            content_type=PDF_CONTENT_TYPE,
            size=len(rendered.content),
            content=rendered.content,
            created_at=now,
        )
    )
    conn.execute(
        update(invoice_files)
        .where(invoice_files.c.id == version.id)
        .values(status=FileStatus.READY.value, file_id=file_id, ready_at=now, error=rendered.fallback_error)
    )
    return file_id


def _version(conn: Connection, entity_id: str, version_id: str, *, lock: bool = False) -> Row[Any] | None:
    query = select(invoice_files).where(invoice_files.c.entity_id == entity_id, invoice_files.c.id == version_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).first()


def render_version(*, db: Database, clock: Clock, entity_id: str, invoice_file_id: str) -> bool:
    """Render a pending version and store it (the worker's job); whether it rendered one. A
    version that is already Ready (a ``Body`` request got there first) or gone (its invoice was
    deleted) is left as it is."""
    with db.read() as conn:
        version = _version(conn, entity_id, invoice_file_id)
        if version is None or version.status == FileStatus.READY:
            return False
        document, body = load_document(conn, entity_id=entity_id, invoice_id=version.invoice_id)
    rendered = render_pdf(document, template=body)
    with db.write() as conn:
        version = _version(conn, entity_id, invoice_file_id, lock=True)
        if version is None or version.status == FileStatus.READY:
            return False
        _store(conn, version, rendered, document.invoice.invoice_number, clock.now())
    return True


def mark_failed(*, db: Database, entity_id: str, invoice_file_id: str, error: str) -> None:
    """A version no worker could render (its job ran out of attempts)."""
    with db.write() as conn:
        conn.execute(
            update(invoice_files)
            .where(
                invoice_files.c.entity_id == entity_id,
                invoice_files.c.id == invoice_file_id,
                invoice_files.c.status == FileStatus.PENDING.value,
            )
            .values(status=FileStatus.FAILED.value, error=error[:4000])
        )


class PostedSweep:
    """The worker's periodic task: queue a PDF for each posted invoice that has none of its
    latest posting. It looks at recent postings each time and at all of them on its first run
    and once an hour (postings made while no worker ran)."""

    def __init__(self, batch: int = SWEEP_BATCH) -> None:
        self.batch = batch
        self._since: datetime | None = None
        self._last_full: datetime | None = None

    def __call__(self, db: Database, clock: Clock) -> int:
        started = clock.now()
        full = self._last_full is None or started - self._last_full >= FULL_SWEEP_EVERY
        queued = sweep_posted_invoices(db, now=started, since=None if full else self._since, batch=self.batch)
        if full:
            self._last_full = started
        self._since = started - SWEEP_OVERLAP
        return queued


def sweep_posted_invoices(
    db: Database, *, now: datetime, since: datetime | None = None, batch: int = SWEEP_BATCH
) -> int:
    """Queue PDFs for posted invoices (posted since ``since``, or any) without one of their latest
    posting; how many were queued."""
    inv = t.invoices
    queued = 0
    while True:
        query = select(inv.c.id, inv.c.entity_id).where(
            inv.c.status == InvoiceStatus.POSTED.value, ~_covered(inv.c.id, inv.c.posted_date)
        )
        if since is not None:
            query = query.where(inv.c.posted_date >= since)
        with db.read() as conn:
            found = list(conn.execute(query.order_by(inv.c.posted_date, inv.c.id).limit(batch)))
        if not found:
            return queued
        by_entity: dict[str, list[str]] = defaultdict(list)
        for row in found:
            by_entity[row.entity_id].append(row.id)
        made = 0
        for entity_id, ids in by_entity.items():
            with db.write() as conn:
                made += len(schedule_documents(conn, entity_id=entity_id, invoice_ids=ids, now=now))
        queued += made
        if len(found) < batch or made == 0:
            return queued


# --- Body -----------------------------------------------------------------------------------


def _latest(conn: Connection, invoice_id: str, *, lock: bool = False) -> Row[Any] | None:
    query = (
        select(invoice_files)
        .where(invoice_files.c.invoice_id == invoice_id)
        .order_by(invoice_files.c.version_number.desc())
        .limit(1)
    )
    return conn.execute(query.with_for_update() if lock else query).first()


def _content(conn: Connection, file_id: str) -> bytes:
    return bytes(conn.execute(select(files.c.content).where(files.c.id == file_id)).scalar_one())


def invoice_body(*, db: Database, ctx: Context, invoice_id: str) -> bytes:
    """The invoice's PDF (its ``Body``): a posted invoice's newest version, rendered now if no
    worker has yet; a draft's (or canceled invoice's) PDF rendered afresh, marked, not stored."""
    with db.read() as conn:
        invoice = _find_invoice(conn, ctx.entity_id, invoice_id)
        if invoice.status == InvoiceStatus.POSTED:
            latest = _latest(conn, invoice.id)
            if (
                latest is not None
                and latest.status == FileStatus.READY
                and latest.file_id is not None
                and latest.posted_date == invoice.posted_date
            ):
                return _content(conn, latest.file_id)
        document, body = load_document(conn, entity_id=ctx.entity_id, invoice_id=invoice.id)
    rendered = render_pdf(document, template=body)
    if invoice.status != InvoiceStatus.POSTED:
        return rendered.content
    with db.write() as conn:
        current = _find_invoice(conn, ctx.entity_id, invoice.id, lock=True)
        if current.status != InvoiceStatus.POSTED or current.posted_date != invoice.posted_date:
            return rendered.content  # unposted or posted again meanwhile: answer, keep nothing
        latest = _latest(conn, invoice.id, lock=True)  # a worker storing it meanwhile goes first
        if latest is None or latest.posted_date != invoice.posted_date:
            schedule_documents(
                conn, entity_id=ctx.entity_id, invoice_ids=[invoice.id], now=ctx.now(), reason=Reason.BODY
            )
            latest = _latest(conn, invoice.id, lock=True)
        if latest is not None and latest.status == FileStatus.READY and latest.file_id is not None:
            return _content(conn, latest.file_id)  # a worker finished it meanwhile
        if latest is not None:
            _store(conn, latest, rendered, invoice.invoice_number, ctx.now())
    return rendered.content


def invoice_body_base64(*, db: Database, ctx: Context, invoice_id: str) -> str:
    """``Body`` as the object API and SOAP carry it: the PDF in base64."""
    return base64.b64encode(invoice_body(db=db, ctx=ctx, invoice_id=invoice_id)).decode("ascii")


def query_bodies(*, db: Database, ctx: Context, invoice_ids: Sequence[str]) -> dict[str, str]:
    """``Body`` for a query's invoices: ``{invoice id: base64 PDF}``, refused with
    ``PDF_QUERY_ERROR`` when the query matches more than one invoice."""
    check_body_query(len(invoice_ids))
    return {invoice_id: invoice_body_base64(db=db, ctx=ctx, invoice_id=invoice_id) for invoice_id in invoice_ids}


# --- files ----------------------------------------------------------------------------------


def list_invoice_files(
    *, db: Database, ctx: Context, key: str, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> FilesPage:
    """The invoice's PDF versions, newest first. A posted invoice whose PDF no worker has queued
    yet gets its pending version now, so the listing shows it as pending until it is ready."""
    if page < 1:
        raise InvalidValue("'page' must be 1 or more", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidValue(f"'pageSize' must be between 1 and {MAX_PAGE_SIZE}", field="pageSize")
    with db.read() as conn:
        invoice = _find_invoice(conn, ctx.entity_id, key)
        uncovered = (
            invoice.status == InvoiceStatus.POSTED
            and not conn.execute(select(_covered(invoice.id, invoice.posted_date))).scalar()
        )
    if uncovered:
        with db.write() as conn:
            schedule_documents(conn, entity_id=ctx.entity_id, invoice_ids=[invoice.id], now=ctx.now())
    with db.read() as conn:
        rows = list(
            conn.execute(
                select(invoice_files)
                .where(invoice_files.c.entity_id == ctx.entity_id, invoice_files.c.invoice_id == invoice.id)
                .order_by(invoice_files.c.version_number.desc())
                .offset((page - 1) * page_size)
                .limit(page_size + 1)
            )
        )
    return FilesPage(rows[:page_size], page, page_size, len(rows) > page_size)


def get_file(*, db: Database, ctx: Context, file_id: str) -> StoredFile:
    """A stored file of the entity (``GET /v1/files/{file-id}``)."""
    usable_key(file_id, field="file-id", obj="file", what="file")
    with db.read() as conn:
        row = conn.execute(
            select(files.c.id, files.c.name, files.c.content_type, files.c.content).where(
                and_(files.c.entity_id == ctx.entity_id, files.c.id == file_id)
            )
        ).first()
    if row is None:
        raise NotFound(f"no file with id {file_id!r}", field="file-id", obj="file")
    return StoredFile(row.id, row.name, row.content_type, bytes(row.content))

"""The Invoice object (the seed ``soap-invoice-object.txt``): read, update and delete by id, for
``/v1/object/invoice/{id}``, ``/v1/action/update|delete`` and SOAP ``update``/``delete``.

Update rules (the seed's "Allowed Operations" and its field notes):

- ``Status``: a Draft invoice may be set to ``Posted`` (posts it) or ``Canceled`` (cancels it); the
  life-cycle rules are ``services.invoices``' (the same as the REST transitions).
- ``TransferredToAccounting``: ``Processing``, ``Yes``, ``Error`` or ``Ignore``; never ``No`` over
  the API (the seed: "You can't specify the value No, in the API").
- ``AutoPay``: true or false (on a Posted invoice too).
- ``RegenerateInvoicePDF``: true asks for the PDF again, at most 100 times per invoice, and must be
  alone in its update ("changes on other fields of the invoice are not allowed"): the rules are
  ``domain.invoices.check_pdf_regeneration`` and ``check_pdf_regeneration_alone``, one for every door.
- Every other field (``Comments`` included: "read-only in the API") is refused with ``INVALID_FIELD``.
- Custom fields (``*__c``) may be set.

``Body`` (the PDF, base64) is read only when asked for (``fields=Body``); ``RegenerateInvoicePDF``
queues a new version of it (``services.documents``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.invoices import TRANSFERRED_TO_ACCOUNTING_SETTABLE, InvoiceStatus, check_pdf_regeneration_alone
from billforge.errors import BillforgeError, ErrorCode, ErrorList, InvalidValue, NotFound, RuleRestriction
from billforge.services import documents, invoices
from billforge.services.context import Context
from billforge.services.queries import read_record
from billforge.zoql.objects import INVOICE, is_custom

OBJ: Final = "invoice"
UPDATABLE: Final = frozenset({"Status", "AutoPay", "TransferredToAccounting", "RegenerateInvoicePDF"})
#: The Invoice fields an update may not change (``Id`` names the invoice and is not a change).
READ_ONLY: Final = frozenset(INVOICE.field_names) - UPDATABLE - {"Id"}
#: What GET answers by default: every field but the PDF and the update-only instruction.
RECORD_FIELDS: Final = tuple(n for n in INVOICE.field_names if n not in ("Body", "RegenerateInvoicePDF"))
STATUSES: Final = {s.value: s for s in (InvoiceStatus.DRAFT, InvoiceStatus.POSTED, InvoiceStatus.CANCELED)}
_ATTRIBUTES: Final = {"AutoPay": "auto_pay", "TransferredToAccounting": "transferred_to_accounting"}


@dataclass(slots=True)
class InvoiceUpdate:
    """An Invoice object update, its values already of the right types. ``sent`` holds the field
    names the client sent (as it spelled them), so that read-only fields can be refused by name."""

    sent: frozenset[str] = frozenset()
    status: str | None = None
    auto_pay: bool | None = None
    transferred_to_accounting: str | None = None
    regenerate_invoice_pdf: bool | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    fields_to_null: tuple[str, ...] = ()


def _invalid(name: str, why: str, code: ErrorCode = ErrorCode.INVALID_VALUE) -> BillforgeError:
    return InvalidValue(f"'{name}' {why}", field=name, obj=OBJ, code=code)


def _problems(update: InvoiceUpdate) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    canonical = {name.lower(): name for name in INVOICE.field_names}
    for name in sorted(update.sent):
        known = canonical.get(name.lower(), name)
        if known in READ_ONLY:
            why = (
                "is read-only in the API (change the comments of a Draft invoice with PUT /v1/invoices/{id})"
                if known == "Comments"
                else "cannot be updated: only Status, AutoPay, TransferredToAccounting and RegenerateInvoicePDF can"
            )
            problems.append(RuleRestriction(f"'{known}' {why}", field=known, obj=OBJ, code=ErrorCode.INVALID_FIELD))
    for name in update.fields_to_null:
        if not is_custom(name):
            problems.append(_invalid("fieldsToNull", f"cannot set {name!r} to null on an Invoice"))
    if update.status is not None and update.status not in STATUSES:
        problems.append(_invalid("Status", f"must be Posted or Canceled (a Draft's new status), got {update.status!r}"))
    value = update.transferred_to_accounting
    if value == "No":
        problems.append(
            _invalid("TransferredToAccounting", "cannot be set to No through the API (only through the web UI)")
        )
    elif value is not None and value not in TRANSFERRED_TO_ACCOUNTING_SETTABLE:
        allowed = ", ".join(TRANSFERRED_TO_ACCOUNTING_SETTABLE)
        problems.append(_invalid("TransferredToAccounting", f"must be one of {allowed}, got {value!r}"))
    if update.regenerate_invoice_pdf:
        # A tenant's custom field (``*__c``) is a field of the invoice too: it may not change with it.
        try:
            check_pdf_regeneration_alone([*update.sent, *update.custom, *update.fields_to_null])
        except RuleRestriction as refusal:
            problems.append(refusal)
    return problems


def _require(invoice_id: str, *, db: Database, ctx: Context) -> None:
    """The invoice exists in this entity under this id (the object API names invoices by id only)."""
    with db.read() as conn:
        found = conn.execute(
            select(t.invoices.c.id).where(t.invoices.c.entity_id == ctx.entity_id, t.invoices.c.id == invoice_id)
        ).first()
    if found is None:
        raise NotFound(f"no invoice with id {invoice_id!r}", field="Id", obj=OBJ)


def update_invoice_object(*, db: Database, ctx: Context, invoice_id: str, update: InvoiceUpdate) -> str:
    """Apply an Invoice object update (the module's rules); answers the invoice id."""
    _require(invoice_id, db=db, ctx=ctx)
    problems = _problems(update)
    if problems:
        raise ErrorList(problems)
    if update.regenerate_invoice_pdf:
        documents.regenerate_pdf(db=db, ctx=ctx, invoice_id=invoice_id)
        return invoice_id
    sent = {name for name in ("AutoPay", "TransferredToAccounting") if getattr(update, _ATTRIBUTES[name]) is not None}
    custom = dict(update.custom)
    custom.update(dict.fromkeys(update.fields_to_null))
    changes = invoices.InvoiceChanges(
        sent=sent,
        auto_pay=update.auto_pay,
        transferred_to_accounting=update.transferred_to_accounting,
        extra=custom,
    )
    status = STATUSES[update.status] if update.status is not None else None
    return str(invoices.change_invoice(db=db, ctx=ctx, key=invoice_id, changes=changes, status=status).id)


def get_invoice_object(
    *, db: Database, ctx: Context, invoice_id: str, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    """The Invoice object: every field (null ones included, as None) and its custom fields, in XSD
    order. ``fields`` naming ``Body`` adds the invoice's PDF, base64 (``services.documents``: a draft's
    rendered afresh, a posted invoice's newest version, rendered now if no worker has yet)."""
    with db.read() as conn:
        values = read_record(conn, ctx.entity_id, INVOICE.name, invoice_id, RECORD_FIELDS, keep_nulls=True)
        if values is None:
            raise NotFound(f"no invoice with id {invoice_id!r}", field="Id", obj=OBJ)
        extra = conn.execute(select(t.invoices.c.extra).where(t.invoices.c.id == invoice_id)).scalar_one()
    kept = {k: v for k, v in (extra or {}).items() if k.endswith(("__c", "__NS"))}
    if fields is not None and any(name.strip().lower() == "body" for name in fields):
        values["Body"] = documents.invoice_body_base64(db=db, ctx=ctx, invoice_id=invoice_id)
    return {**values, **kept}


def delete_invoice_object(*, db: Database, ctx: Context, invoice_id: str) -> str:
    """Delete a Draft or Canceled invoice (a Posted one: ``CANNOT_DELETE``)."""
    _require(invoice_id, db=db, ctx=ctx)
    return invoices.delete_invoice(db=db, ctx=ctx, key=invoice_id)

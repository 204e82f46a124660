"""The Invoice object (``/v1/object/invoice/{id}``): GET one flat PascalCase object (``fields`` picks
fields; ``Body``, the PDF, only when asked for), PUT the seed's updatable fields (``Status``,
``AutoPay``, ``TransferredToAccounting``, ``RegenerateInvoicePDF``), DELETE a Draft or Canceled
invoice. The rules are ``services.invoice_objects``' (shared with ``/v1/action/*`` and SOAP)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database
from billforge.api.object_api import ObjectRoute, deleted, read_doc, read_object, record, saved, write_doc
from billforge.api.schemas.actions import wire_value
from billforge.objects.invoices import InvoiceObject
from billforge.services import invoice_objects

router = APIRouter(tags=["Invoices (Object API)"], route_class=ObjectRoute)

PATH = "/v1/object/invoice/{invoice_id}"


@router.get(PATH, response_class=ZuoraJSON, openapi_extra=read_doc())
async def get_invoice_object(request: Request, invoice_id: str) -> ZuoraJSON:
    """The Invoice object: every field with a value (``fields``: only those, and ``Id``)."""
    wanted = request.query_params.get("fields")
    names = [name for name in wanted.split(",") if name.strip()] if wanted else None
    values: dict[str, Any] = await call(
        invoice_objects.get_invoice_object,
        db=database(request),
        ctx=context(request),
        invoice_id=invoice_id,
        fields=names,
    )
    return record(request, {name: wire_value(value) for name, value in values.items()})


@router.put(PATH, response_class=ZuoraJSON, openapi_extra=write_doc(InvoiceObject))
async def update_invoice_object(request: Request, invoice_id: str) -> ZuoraJSON:
    """Post or cancel a Draft (``Status``), set ``AutoPay`` or ``TransferredToAccounting``, or ask for
    the PDF again (``RegenerateInvoicePDF``, alone)."""
    data = await read_object(request, InvoiceObject, obj=invoice_objects.OBJ)
    saved_id = await call(
        invoice_objects.update_invoice_object,
        db=database(request),
        ctx=context(request),
        invoice_id=invoice_id,
        update=data.to_update(),
    )
    return saved(saved_id)


@router.delete(PATH, response_class=ZuoraJSON)
async def delete_invoice_object(request: Request, invoice_id: str) -> ZuoraJSON:
    """Delete a Draft or Canceled invoice (a Posted one: ``CANNOT_DELETE``)."""
    await call(invoice_objects.delete_invoice_object, db=database(request), ctx=context(request), invoice_id=invoice_id)
    return deleted(invoice_id)

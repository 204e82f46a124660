"""``/v1/invoices``: standalone invoices (one or a batch), reading them, and their life cycle.

Operations Zuora answers with a job (post, cancel, delete, unpost) are finished before the
answer, which says ``jobStatus: "Completed"``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, request_id, success
from billforge.api.errors import common_response, process_id
from billforge.api.openapi import request_body
from billforge.api.schemas.invoice_views import invoice_item, invoice_response, update_response
from billforge.api.schemas.invoices import (
    BulkCreateInvoicesRequest,
    BulkPostEntry,
    BulkPostInvoicesRequest,
    BulkUpdateInvoicesRequest,
    CreateInvoiceRequest,
    InvoiceForBulkUpdate,
    PostInvoiceRequest,
    UpdateInvoiceItem,
    UpdateInvoiceRequest,
)
from billforge.api.validation import validate
from billforge.domain.invoices import InvoiceStatus
from billforge.errors import BillforgeError, InvalidValue, flatten
from billforge.services import invoices, standalone_invoices
from billforge.services.standalone_invoices import StandaloneInvoice

router = APIRouter(tags=["Invoices"])


def _to_standalone(model: CreateInvoiceRequest) -> StandaloneInvoice:
    return StandaloneInvoice(
        invoice_date=model.invoice_date,
        items=[item.to_request() for item in model.invoice_items],
        account_id=model.account_id,
        account_number=model.account_number,
        invoice_number=model.invoice_number,
        due_date=model.due_date,
        currency=model.currency,
        status=InvoiceStatus(model.status),
        payment_term=model.payment_term,
        sequence_set=model.sequence_set,
        template_id=model.template_id,
        auto_pay=model.auto_pay,
        comments=model.comments,
        transferred_to_accounting=model.transferred_to_accounting,
        communication_profile_id=model.communication_profile_id,
        bill_to_contact_id=model.bill_to_contact_id,
        sold_to_contact_id=model.sold_to_contact_id,
        ship_to_contact_id=model.ship_to_contact_id,
        bill_to_contact=model.bill_to_contact.to_input() if model.bill_to_contact else None,
        sold_to_contact=model.sold_to_contact.to_input() if model.sold_to_contact else None,
        ship_to_contact=model.ship_to_contact.to_input() if model.ship_to_contact else None,
        sold_to_same_as_bill_to=model.sold_to_same_as_bill_to,
        ship_to_same_as_bill_to=model.ship_to_same_as_bill_to,
        extra=model.pass_through(),
    )


def _parse_invoice(data: Any) -> StandaloneInvoice | BillforgeError:
    try:
        return _to_standalone(validate(CreateInvoiceRequest, data, obj="invoice"))
    except BillforgeError as error:
        return error


@router.post("/v1/invoices", response_class=ZuoraJSON, openapi_extra=request_body(CreateInvoiceRequest))
async def create_invoice(request: Request) -> ZuoraJSON:
    """Create one standalone invoice."""
    parsed = _parse_invoice(await json_body(request))
    if isinstance(parsed, BillforgeError):
        raise parsed
    (created,) = await call(
        standalone_invoices.create_invoices,
        db=database(request),
        ctx=context(request),
        invoices=[parsed],
        single_transaction=True,
        batch=False,
    )
    assert created.row is not None  # noqa: S101 - single_transaction raises on failure
    return ZuoraJSON(success(request, invoice_response(created.row, created.time_zone)))


@router.post("/v1/invoices/batch", response_class=ZuoraJSON, openapi_extra=request_body(BulkCreateInvoicesRequest))
async def create_invoices(request: Request) -> ZuoraJSON:
    """Create up to 50 standalone invoices, in one transaction or one transaction each."""
    body = validate(BulkCreateInvoicesRequest, await json_body(request), obj="invoice")
    parsed = [_parse_invoice(entry) for entry in body.invoices]
    results = await call(
        standalone_invoices.create_invoices,
        db=database(request),
        ctx=context(request),
        invoices=parsed,
        single_transaction=body.use_single_transaction,
    )
    rid = request_id(request)
    entries: list[dict[str, Any]] = []
    for result in results:
        if result.row is not None:
            entries.append({"success": True, **invoice_response(result.row, result.time_zone)})
        else:
            assert result.error is not None  # noqa: S101 - a result is a row or an error
            entries.append(common_response(flatten(result.error), rid))
    return ZuoraJSON(success(request, {"invoices": entries}))


@router.get("/v1/invoices/{invoice_key}", response_class=ZuoraJSON)
async def get_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    row, zone = await call(invoices.get_invoice, db=database(request), ctx=context(request), key=invoice_key)
    return ZuoraJSON(success(request, invoice_response(row._mapping, zone)))


def _paging(request: Request) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise InvalidValue(f"'{name}' must be an integer, got {raw!r}", field=name) from None

    return number("page", 1), number("pageSize", invoices.DEFAULT_PAGE_SIZE)


def _next_page(request: Request, page: int, page_size: int, has_next: bool) -> str | None:
    if not has_next:
        return None
    return f"{request.url.path}?page={page + 1}&pageSize={page_size}"


@router.get("/v1/invoices/{invoice_key}/items", response_class=ZuoraJSON)
async def get_invoice_items(request: Request, invoice_key: str) -> ZuoraJSON:
    page, size = _paging(request)
    result = await call(
        invoices.get_items, db=database(request), ctx=context(request), key=invoice_key, page=page, page_size=size
    )
    items = [invoice_item(r._mapping, [t._mapping for t in result.taxation.get(r.id, [])]) for r in result.items]
    payload: dict[str, Any] = {"invoiceItems": items}
    if result.has_next:
        payload["nextPage"] = _next_page(request, page, size, True)
    return ZuoraJSON(success(request, payload))


@router.get("/v1/transactions/invoices/accounts/{account_key}", response_class=ZuoraJSON)
async def get_account_invoices(request: Request, account_key: str) -> ZuoraJSON:
    """An account's invoices, newest first, paged."""
    page, size = _paging(request)
    result, zone = await call(
        invoices.list_account_invoices,
        db=database(request),
        ctx=context(request),
        account_key=account_key,
        page=page,
        page_size=size,
    )
    payload: dict[str, Any] = {"invoices": [invoice_response(r._mapping, zone) for r in result.rows]}
    if result.has_next:
        payload["nextPage"] = _next_page(request, page, size, True)
    return ZuoraJSON(success(request, payload))


_ITEM_FIELDS = {
    "amount": "amount",
    "serviceStartDate": "service_start_date",
    "serviceEndDate": "service_end_date",
    "chargeName": "charge_name",
    "chargeDate": "charge_date",
    "description": "description",
    "quantity": "quantity",
    "unitPrice": "unit_price",
    "uom": "uom",
    "sku": "sku",
    "productRatePlanChargeId": "product_rate_plan_charge_id",
    "purchaseOrderNumber": "purchase_order_number",
    "itemType": "item_type",
    "taxCode": "tax_code",
    "taxMode": "tax_mode",
}


def _sent(model: UpdateInvoiceRequest | UpdateInvoiceItem) -> set[str]:
    """The Zuora names of the declared fields the client sent (extra fields are not among them)."""
    fields = type(model).model_fields
    return {fields[name].alias or name for name in model.model_fields_set if name in fields}


def _item_change(model: UpdateInvoiceItem) -> invoices.ItemChange:
    from billforge.domain.tax import TaxMode

    sent = _sent(model)
    values: dict[str, Any] = {}
    for alias, attr in _ITEM_FIELDS.items():
        if alias in sent:
            value = getattr(model, attr)
            values[attr] = TaxMode(value) if attr == "tax_mode" and value else value
    return invoices.ItemChange(
        id=model.id,
        delete=model.delete,
        values=values,
        discount_items=tuple(d.to_request() for d in model.discount_items or ()),
        tax_items=tuple(t.to_request() for t in model.tax_items) if model.tax_items is not None else None,
    )


def _changes(model: UpdateInvoiceRequest) -> invoices.InvoiceChanges:
    sent = _sent(model) - {"id"}
    extra = {
        alias: getattr(model, attr)
        for alias, attr in (
            ("IntegrationId__NS", "integration_id_ns"),
            ("IntegrationStatus__NS", "integration_status_ns"),
            ("SyncDate__NS", "sync_date_ns"),
        )
        if alias in sent
    }
    return invoices.InvoiceChanges(
        sent=sent,
        auto_pay=model.auto_pay,
        comments=model.comments,
        due_date=model.due_date,
        invoice_date=model.invoice_date,
        template_id=model.template_id,
        transferred_to_accounting=model.transferred_to_accounting,
        items=[_item_change(i) for i in model.invoice_items] if model.invoice_items is not None else None,
        extra=extra,
    )


@router.put("/v1/invoices/{invoice_key}", response_class=ZuoraJSON, openapi_extra=request_body(UpdateInvoiceRequest))
async def update_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    model = validate(UpdateInvoiceRequest, await json_body(request), obj="invoice")
    row, zone = await call(
        invoices.update_invoice, db=database(request), ctx=context(request), key=invoice_key, changes=_changes(model)
    )
    return ZuoraJSON(success(request, update_response(row._mapping, zone)))


@router.put("/v1/invoices", response_class=ZuoraJSON, openapi_extra=request_body(BulkUpdateInvoicesRequest))
async def update_invoices(request: Request) -> ZuoraJSON:
    """Update several invoices; each one succeeds or fails on its own."""
    body = validate(BulkUpdateInvoicesRequest, await json_body(request), obj="invoice")
    entries: list[tuple[str, invoices.InvoiceChanges] | BillforgeError] = []
    for index, data in enumerate(body.invoices):
        try:
            model = validate(InvoiceForBulkUpdate, data, prefix=f"invoices[{index}]", obj="invoice")
            entries.append((model.id, _changes(model)))
        except BillforgeError as error:
            entries.append(error)
    results = await call(invoices.update_invoices, db=database(request), ctx=context(request), changes=entries)
    return ZuoraJSON(success(request, {"invoices": _per_entry(request, results)}))


def _per_entry(request: Request, results: list[BillforgeError | str]) -> list[dict[str, Any]]:
    rid = request_id(request)
    out: list[dict[str, Any]] = []
    for result in results:
        if isinstance(result, BillforgeError):
            out.append(common_response(flatten(result), rid))
        else:
            out.append({"success": True, "id": result, "processId": None, "reasons": None})
    return out


def _job(request: Request, invoice_id: str) -> dict[str, Any]:
    return success(request, {"id": invoice_id, "jobId": process_id().lower(), "jobStatus": "Completed"})


@router.put("/v1/invoices/{invoice_key}/post", response_class=ZuoraJSON, openapi_extra=request_body(PostInvoiceRequest))
async def post_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    raw = await request.body()
    model = validate(PostInvoiceRequest, await json_body(request), obj="invoice") if raw.strip() else None
    row = await call(
        invoices.post_invoice,
        db=database(request),
        ctx=context(request),
        key=invoice_key,
        invoice_date=model.invoice_date if model else None,
    )
    return ZuoraJSON(_job(request, row.id))


@router.post("/v1/invoices/bulk-post", response_class=ZuoraJSON, openapi_extra=request_body(BulkPostInvoicesRequest))
async def bulk_post_invoices(request: Request) -> ZuoraJSON:
    body = validate(BulkPostInvoicesRequest, await json_body(request), obj="invoiceBulkPost")
    entries: list[tuple[str, Any] | BillforgeError] = []
    for index, data in enumerate(body.invoices):
        try:
            entry = validate(BulkPostEntry, data, prefix=f"invoices[{index}]", obj="invoiceBulkPost")
            entries.append((entry.id, entry.invoice_date))
        except BillforgeError as error:
            entries.append(error)
    results = await call(invoices.post_invoices, db=database(request), ctx=context(request), entries=entries)
    return ZuoraJSON(success(request, {"invoices": _per_entry(request, results)}))


@router.put("/v1/invoices/{invoice_key}/unpost", response_class=ZuoraJSON)
async def unpost_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    row, zone = await call(invoices.unpost_invoice, db=database(request), ctx=context(request), key=invoice_key)
    return ZuoraJSON(
        success(
            request,
            {"jobId": process_id().lower(), "jobStatus": "Completed", "invoice": invoice_response(row._mapping, zone)},
        )
    )


@router.put("/v1/invoices/{invoice_key}/cancel", response_class=ZuoraJSON)
async def cancel_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    row = await call(invoices.cancel_invoice, db=database(request), ctx=context(request), key=invoice_key)
    return ZuoraJSON(_job(request, row.id))


@router.delete("/v1/invoices/{invoice_key}", response_class=ZuoraJSON)
async def delete_invoice(request: Request, invoice_key: str) -> ZuoraJSON:
    invoice_id = await call(invoices.delete_invoice, db=database(request), ctx=context(request), key=invoice_key)
    return ZuoraJSON(
        success(
            request,
            {
                "id": process_id().lower(),
                "objectId": invoice_id,
                "objectType": "Invoice",
                "operationType": "InvoiceDelete",
                "status": "Completed",
            },
        )
    )

"""Invoice documents over REST: uploading invoice templates, an invoice's PDF files, downloads.

- ``POST /v1/invoice-templates`` adds a template to the registry (``GET`` lists them, in
  ``routers/settings``): ``{"name", "body", "description", "default"}``. A body that would not
  render is refused (400) with a message that starts ``INVALID_TEMPLATE`` and names the line.
- ``GET /v1/invoices/{invoiceKey}/files``: Zuora's ``InvoiceFilesResponse``, the PDF versions
  newest first (``invoiceFiles[]`` with ``id``, ``versionNumber``, ``pdfFileUrl``), paged by
  ``page``/``pageSize``. billforge adds ``status`` (``Pending`` until a worker has rendered the
  version, then ``Ready``; ``Failed`` if it could not be); ``pdfFileUrl`` appears once Ready.
- ``GET /v1/files/{file-id}``: the file's bytes (``application/pdf`` for invoices).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, success
from billforge.api.openapi import request_body
from billforge.api.schemas.settings import invoice_template_answer
from billforge.api.validation import ZBool, ZStr, ZuoraModel, validate
from billforge.errors import InvalidValue
from billforge.services import documents, templates
from billforge.services import settings as tenant

router = APIRouter()


class CreateInvoiceTemplateRequest(ZuoraModel):
    """``POST /v1/invoice-templates`` (billforge's shape: Zuora uploads templates in its UI)."""

    name: ZStr
    body: ZStr = Field(max_length=templates.BODY_MAX)
    description: ZStr | None = None
    default: ZBool = False


@router.post(
    "/v1/invoice-templates",
    tags=["Invoice Templates"],
    response_class=ZuoraJSON,
    openapi_extra=request_body(CreateInvoiceTemplateRequest),
)
async def create_invoice_template(request: Request) -> ZuoraJSON:
    model = validate(CreateInvoiceTemplateRequest, await json_body(request), obj=templates.OBJ)
    db, ctx = database(request), context(request)
    data = templates.TemplateInput(
        name=model.name, body=model.body, description=model.description, is_default=model.default
    )
    template_id = await call(templates.create_template, db=db, ctx=ctx, data=data)
    rows = await call(templates.list_templates, db=db, ctx=ctx)
    current = await call(tenant.get_settings, db=db, ctx=ctx)
    created = next(row for row in rows if row.id == template_id)
    return ZuoraJSON(success(request, invoice_template_answer(created, current.time_zone)))


def _page(request: Request) -> tuple[int, int]:
    values = {"page": 1, "pageSize": documents.DEFAULT_PAGE_SIZE}
    for name in values:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        if not raw.strip().isdigit():
            raise InvalidValue(f"'{name}' must be a positive integer, got {raw[:20]!r}", field=name, obj="invoice")
        values[name] = int(raw)
    return values["page"], values["pageSize"]


def invoice_file(version: Any) -> dict[str, Any]:
    """One entry of ``invoiceFiles``."""
    answer: dict[str, Any] = {"id": version.id, "versionNumber": version.version_number, "status": version.status}
    if version.file_id is not None and version.status == documents.FileStatus.READY:
        answer["pdfFileUrl"] = f"/v1/files/{version.file_id}"
    return answer


@router.get("/v1/invoices/{invoice_key}/files", tags=["Invoices"], response_class=ZuoraJSON)
async def list_invoice_files(request: Request, invoice_key: str) -> ZuoraJSON:
    page, page_size = _page(request)
    found = await call(
        documents.list_invoice_files,
        db=database(request),
        ctx=context(request),
        key=invoice_key,
        page=page,
        page_size=page_size,
    )
    payload: dict[str, Any] = {"invoiceFiles": [invoice_file(v) for v in found.versions]}
    if found.has_next:
        payload["nextPage"] = f"/v1/invoices/{quote(invoice_key)}/files?page={page + 1}&pageSize={page_size}"
    return ZuoraJSON(success(request, payload))


@router.get("/v1/files/{file_id}", tags=["Files"], response_class=Response)
async def get_file(request: Request, file_id: str) -> Response:
    stored = await call(documents.get_file, db=database(request), ctx=context(request), file_id=file_id)
    return Response(
        stored.content,
        media_type=f"{stored.content_type};charset=UTF-8",
        headers={"Content-Disposition": f'inline; filename="{stored.name}"'},
    )

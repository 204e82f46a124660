"""Generating invoices: ``POST /v1/action/generate`` (the seed ``rest-action-generate.md``) and
``POST /v1/accounts/{key}/billing-documents/generate``. Both call ``billing.generate_invoices``.

``/v1/action/generate`` answers one result per object, in order: ``{"Success": true, "Id": ...}``
(the first invoice made) or ``{"Success": false, "Errors": [{"Code", "Message"}]}``. Problems with
the request as a whole (bad JSON, no ``type``, a type other than Invoice, no objects, more than 50)
are 400 ``{"FaultCode", "FaultMessage"}``; an unknown field with ``rejectUnknownFields=true`` is 400
``{"message": "Error - unrecognised fields"}``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, query_flag, success
from billforge.api.openapi import request_body
from billforge.api.schemas.billing import (
    INVOICE_FIELDS,
    MAX_GENERATE_OBJECTS,
    GenerateBillingDocumentRequest,
    GenerateInvoiceObject,
    GenerateRequest,
)
from billforge.api.validation import validate
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, MissingValue, flatten
from billforge.services import billing

router = APIRouter(tags=["Billing"])

UNRECOGNISED = {"message": "Error - unrecognised fields"}
_WSDL_VERSION = re.compile(r"^\d{1,4}(\.\d{1,4})?$")
_CHARGE_TYPES = ("onetime", "recurring", "usage")


def _unknown_fields(body: dict[str, Any]) -> bool:
    if set(body) - {"objects", "type"}:
        return True
    objects = body.get("objects")
    if not isinstance(objects, list):
        return False
    return any(
        isinstance(obj, dict) and any(k not in INVOICE_FIELDS and not k.endswith("__c") for k in obj) for obj in objects
    )


def _check_wsdl_version(request: Request) -> None:
    version = request.headers.get("X-Zuora-WSDL-Version")
    if version is not None and not _WSDL_VERSION.match(version.strip()):
        raise InvalidValue(
            f"X-Zuora-WSDL-Version must be a WSDL version number such as 79 or 79.0, not {version!r}",
            field="X-Zuora-WSDL-Version",
            code=ErrorCode.INVALID_VERSION,
        )


def _objects(body: Any) -> list[Any]:
    if not isinstance(body, dict):
        raise InvalidValue("the request body must be a JSON object with 'objects' and 'type'", field="body")
    kind = body.get("type")
    if kind is None:
        raise MissingValue("'type' is required and must be \"Invoice\"", field="type")
    if not isinstance(kind, str) or kind.lower() != "invoice":
        raise InvalidValue(
            f"'type' {kind!r} cannot be generated: generate supports only \"Invoice\"",
            field="type",
            code=ErrorCode.INVALID_TYPE,
        )
    objects = body.get("objects")
    if objects is None:
        raise MissingValue("'objects' is required: a list of Invoice objects", field="objects")
    if not isinstance(objects, list):
        raise InvalidValue("'objects' must be a JSON array of Invoice objects", field="objects")
    if not objects:
        raise MissingValue("'objects' must contain at least one Invoice object", field="objects")
    if len(objects) > MAX_GENERATE_OBJECTS:
        raise InvalidValue(
            f"'objects' has {len(objects)} objects; at most {MAX_GENERATE_OBJECTS} are allowed per call",
            field="objects",
            code=ErrorCode.MAX_RECORDS_EXCEEDED,
        )
    return objects


def _failure(error: BillforgeError) -> dict[str, Any]:
    return {"Success": False, "Errors": [{"Code": e.code.value, "Message": e.message} for e in flatten(error)]}


@router.post("/v1/action/generate", response_class=ZuoraJSON, openapi_extra=request_body(GenerateRequest))
async def action_generate(request: Request) -> ZuoraJSON:
    """Generate invoices for up to 50 Invoice objects, in order; one result per object."""
    _check_wsdl_version(request)
    body = await json_body(request)
    if query_flag(request, "rejectUnknownFields") and isinstance(body, dict) and _unknown_fields(body):
        return ZuoraJSON(UNRECOGNISED, status_code=400)
    objects = _objects(body)
    db, ctx = database(request), context(request)
    results: list[dict[str, Any]] = []
    for index, entry in enumerate(objects):
        try:
            if not isinstance(entry, dict):
                raise InvalidValue(f"objects[{index}] must be an Invoice object", field=f"objects[{index}]")
            wanted = validate(GenerateInvoiceObject, entry, obj="invoice")
            ids = await call(
                billing.generate_invoices,
                db=db,
                ctx=ctx,
                account_key=wanted.account_id,
                invoice_date=wanted.invoice_date,
                target_date=wanted.target_date,
                includes_one_time=wanted.includes_one_time,
                includes_recurring=wanted.includes_recurring,
                includes_usage=wanted.includes_usage,
                account_field="AccountId",
            )
        except BillforgeError as error:
            results.append(_failure(error))
            continue
        results.append({"Success": True, "Id": ids[0]})
    return ZuoraJSON(results)


@router.post(
    "/v1/accounts/{account_key}/billing-documents/generate",
    response_class=ZuoraJSON,
    openapi_extra=request_body(GenerateBillingDocumentRequest),
)
async def generate_billing_documents(request: Request, account_key: str) -> ZuoraJSON:
    """Generate the account's invoices up to the target date, dated the effective date."""
    data = validate(GenerateBillingDocumentRequest, await json_body(request), obj="billingDocument")
    excluded: set[str] = set()
    for index, name in enumerate(data.charge_type_to_exclude or ()):
        if name.lower() not in _CHARGE_TYPES:
            raise InvalidValue(
                f"'chargeTypeToExclude[{index}]' {name!r} must be one of OneTime, Recurring, Usage",
                field=f"chargeTypeToExclude[{index}]",
                obj="billingDocument",
            )
        excluded.add(name.lower())
    ids = await call(
        billing.generate_invoices,
        db=database(request),
        ctx=context(request),
        account_key=account_key,
        invoice_date=data.effective_date,
        target_date=data.target_date,
        includes_one_time="onetime" not in excluded,
        includes_recurring="recurring" not in excluded,
        includes_usage="usage" not in excluded,
        subscription_ids=data.subscription_ids,
        auto_post=data.auto_post,
        auto_renew=data.auto_renew,
    )
    return ZuoraJSON(success(request, {"invoices": [{"id": invoice_id} for invoice_id in ids]}))

"""Zuora's actions over JSON: ``POST /v1/action/query``, ``queryMore``, ``create``, ``update`` and
``delete`` (wire-facts section 3). The work is in ``services.queries`` and ``services.actions``, and the
zObjects are read by ``objects.inputs`` (the SOAP door uses all three too); this module only
translates JSON.

- query / queryMore answer ``{"records", "size", "done"[, "queryLocator"]}``;
- create / update answer ``[SaveResult]`` (``{"Success", "Id"}`` or ``{"Success": false, "Errors"}``),
  delete ``[DeleteResult]`` with lower-case keys; a problem with one object is that object's result;
- a problem with the call as a whole is 400 ``{"FaultCode", "FaultMessage"}`` (delete:
  ``{"code", "message"}``); with ``rejectUnknownFields=true``, a field the body or an object does not
  know is 400 ``{"message": "Error - unrecognised fields"}``; ``X-Zuora-WSDL-Version`` is accepted
  (a value that is not a version number is ``INVALID_VERSION``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, query_flag
from billforge.api.object_api import REJECT_UNKNOWN_FIELDS, UNRECOGNISED_BODY, write_doc
from billforge.api.schemas.actions import (
    CONF_FIELDS,
    ENVELOPE_FIELDS,
    CreateRequest,
    DeleteRequest,
    QueryMoreRequest,
    QueryRequest,
    UpdateRequest,
    delete_result,
    query_body,
    save_result,
)
from billforge.api.validation import validate
from billforge.errors import BillforgeError, ErrorCode, InvalidValue
from billforge.objects.inputs import parse_create, parse_update, unrecognised
from billforge.services import actions, queries
from billforge.services.actions import Operation

router = APIRouter(tags=["Actions"])

_WSDL_VERSION: Final = re.compile(r"^\d{1,4}(\.\d{1,4})?$")


def _check_wsdl_version(request: Request) -> None:
    version = request.headers.get("X-Zuora-WSDL-Version")
    if version is not None and not _WSDL_VERSION.match(version.strip()):
        raise InvalidValue(
            f"X-Zuora-WSDL-Version must be a WSDL version number such as 79 or 79.0, not {version!r}",
            field="X-Zuora-WSDL-Version",
            code=ErrorCode.INVALID_VERSION,
        )


def _unknown_envelope(body: Any, call_name: str) -> bool:
    if not isinstance(body, dict):
        return False
    if set(body) - ENVELOPE_FIELDS[call_name]:
        return True
    conf = body.get("conf")
    return isinstance(conf, dict) and bool(set(conf) - CONF_FIELDS)


async def _read(request: Request) -> tuple[Any, bool]:
    """The body, and whether unknown fields must be refused."""
    _check_wsdl_version(request)
    return await json_body(request), query_flag(request, REJECT_UNKNOWN_FIELDS)


def _unrecognised() -> ZuoraJSON:
    return ZuoraJSON(UNRECOGNISED_BODY, status_code=400)


@router.post("/v1/action/query", response_class=ZuoraJSON, openapi_extra=write_doc(QueryRequest))
async def action_query(request: Request) -> ZuoraJSON:
    """Run a ZOQL query: the first batch (``conf.batchSize``, 1 to 2000) and a locator for the rest."""
    body, strict = await _read(request)
    if strict and _unknown_envelope(body, "query"):
        return _unrecognised()
    data = validate(QueryRequest, body)
    result = await call(
        queries.query,
        db=database(request),
        ctx=context(request),
        query_string=data.query_string,
        batch_size=data.conf.batch_size if data.conf else None,
    )
    return ZuoraJSON(query_body(result))


@router.post("/v1/action/queryMore", response_class=ZuoraJSON, openapi_extra=write_doc(QueryMoreRequest))
async def action_query_more(request: Request) -> ZuoraJSON:
    """The next batch after a ``queryLocator``."""
    body, strict = await _read(request)
    if strict and _unknown_envelope(body, "queryMore"):
        return _unrecognised()
    data = validate(QueryMoreRequest, body)
    result = await call(
        queries.query_more,
        db=database(request),
        ctx=context(request),
        query_locator=data.query_locator,
        batch_size=data.conf.batch_size if data.conf else None,
    )
    return ZuoraJSON(query_body(result))


def _objects(
    body: Any, model: type[CreateRequest] | type[UpdateRequest], operation: Operation
) -> tuple[str, list[Any]]:
    data = validate(model, body)
    return actions.object_type(data.type, operation), list(body["objects"])


def _has_unknown(body: Any, call_name: str, type_name: str, operation: Operation) -> bool:
    if _unknown_envelope(body, call_name):
        return True
    return any(unrecognised(type_name, operation, raw) for raw in body.get("objects", []))


@router.post("/v1/action/create", response_class=ZuoraJSON, openapi_extra=write_doc(CreateRequest))
async def action_create(request: Request) -> ZuoraJSON:
    """Create up to 50 zObjects of one type, in order; one ``SaveResult`` each."""
    body, strict = await _read(request)
    type_name, objects = _objects(body, CreateRequest, Operation.CREATE)
    if strict and _has_unknown(body, "create", type_name, Operation.CREATE):
        return _unrecognised()
    actions.check_count(len(objects))
    inputs = [parse_create(type_name, raw, index) for index, raw in enumerate(objects)]
    results = await call(
        actions.create_objects, db=database(request), ctx=context(request), type_name=type_name, objects=inputs
    )
    return ZuoraJSON([save_result(result) for result in results])


@router.post("/v1/action/update", response_class=ZuoraJSON, openapi_extra=write_doc(UpdateRequest))
async def action_update(request: Request) -> ZuoraJSON:
    """Update up to 50 zObjects of one type (each names its ``Id``), in order; one ``SaveResult`` each."""
    body, strict = await _read(request)
    type_name, objects = _objects(body, UpdateRequest, Operation.UPDATE)
    if strict and _has_unknown(body, "update", type_name, Operation.UPDATE):
        return _unrecognised()
    actions.check_count(len(objects))
    changes = [parse_update(type_name, raw, index) for index, raw in enumerate(objects)]
    results = await call(
        actions.update_objects, db=database(request), ctx=context(request), type_name=type_name, objects=changes
    )
    return ZuoraJSON([save_result(result) for result in results])


@router.post("/v1/action/delete", response_class=ZuoraJSON, openapi_extra=write_doc(DeleteRequest))
async def action_delete(request: Request) -> ZuoraJSON:
    """Delete up to 50 objects of one type by id; one ``DeleteResult`` each. A problem with the call
    as a whole answers 400 ``{"code", "message"}`` (Zuora's ``FailedReason`` for this call)."""
    try:
        body, strict = await _read(request)
        if strict and _unknown_envelope(body, "delete"):
            return _unrecognised()
        data = validate(DeleteRequest, body)
        results = await call(
            actions.delete_objects, db=database(request), ctx=context(request), type_name=data.type, ids=data.ids
        )
    except BillforgeError as error:
        return ZuoraJSON({"code": error.code.value, "message": error.message}, status_code=400)
    return ZuoraJSON([delete_result(result) for result in results])

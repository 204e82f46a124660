"""Zuora's Object API conventions (``/v1/object/*``), shared by every object router.

- Fields are PascalCase (the WSDL names). Tenant custom fields (``*__c``) are always accepted.
- ``rejectUnknownFields=true`` (query): a body with a field the object does not know, at any
  depth, is refused with exactly 400 ``{"message": "Error - unrecognised fields"}``; without it,
  unknown fields are ignored. ``X-Zuora-WSDL-Version`` (header) is accepted.
- Create and update answer ``ProxyCreateOrModifyResponse`` ``{"Success": true, "Id": ...}``;
  delete answers ``ProxyDeleteResponse`` ``{"id": ..., "success": true}``.
- Validation failures answer 400 ``{"Success": false, "Errors": [{"Code", "Message"}]}`` (the
  application's error handler renders billforge errors so for ``/v1/object`` paths).
- GET answers one flat object; ``fields`` (query, comma-separated, case-insensitive) keeps only
  those fields, and ``Id`` always. A field the object does not have is refused (INVALID_FIELD).
  Nested additions (a charge's ``ProductRatePlanChargeTierData``) appear only when asked for.
- An unknown id (any ``NotFound`` raised while serving a route of ``ObjectRoute``) answers 404
  ``ProxyNoDataResponse`` ``{"done": true, "records": [], "size": 0}``. Services therefore report
  a missing *reference* in a body (a rate plan's ``ProductId``) as an invalid value, not NotFound.

A router opts in with ``APIRouter(route_class=ObjectRoute)``. The objects' request models are
shared with the actions and SOAP: they are in ``objects`` (``objects.model.ObjectModel``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Final, TypeVar

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from billforge.api.deps import ZuoraJSON, json_body, query_flag
from billforge.api.openapi import request_body
from billforge.api.validation import validate
from billforge.errors import NotFound, UnknownField
from billforge.objects.model import unrecognised_fields

M = TypeVar("M", bound=BaseModel)

REJECT_UNKNOWN_FIELDS: Final = "rejectUnknownFields"
UNRECOGNISED_BODY: Final = {"message": "Error - unrecognised fields"}
NO_DATA_BODY: Final = {"done": True, "records": [], "size": 0}


def _parameter(name: str, where: str, kind: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": where, "required": False, "schema": {"type": kind}, "description": description}


_WRITE_PARAMETERS: Final = [
    _parameter(REJECT_UNKNOWN_FIELDS, "query", "boolean", "Refuse a body with fields the object does not know."),
    _parameter("X-Zuora-WSDL-Version", "header", "string", "The WSDL version the client was written for."),
]
_READ_PARAMETERS: Final = [
    _parameter("fields", "query", "string", "Comma-separated field names to return (case-insensitive); Id always."),
]


def write_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a create or update: the body model and the Object API's parameters."""
    return {**request_body(model), "parameters": [dict(p) for p in _WRITE_PARAMETERS]}


def read_doc() -> dict[str, Any]:
    """OpenAPI for a GET of one object: the ``fields`` parameter."""
    return {"parameters": [dict(p) for p in _READ_PARAMETERS]}


class UnrecognisedFields(UnknownField):
    """The body has fields the object does not know, and the client asked for them to be refused."""


async def read_object(request: Request, model: type[M], *, obj: str) -> M:
    """The request body as ``model``; with ``rejectUnknownFields=true``, unknown fields are refused."""
    data = await json_body(request)
    if query_flag(request, REJECT_UNKNOWN_FIELDS):
        unknown = unrecognised_fields(model, data)
        if unknown:
            raise UnrecognisedFields(f"unrecognised fields: {', '.join(unknown)}", field=unknown[0], obj=obj)
    return validate(model, data, obj=obj)


def saved(object_id: str) -> ZuoraJSON:
    """``ProxyCreateOrModifyResponse``."""
    return ZuoraJSON({"Success": True, "Id": object_id})


def deleted(object_id: str) -> ZuoraJSON:
    """``ProxyDeleteResponse``."""
    return ZuoraJSON({"id": object_id, "success": True})


def record(request: Request, values: Mapping[str, Any], *, on_request: Iterable[str] = ()) -> ZuoraJSON:
    """One object for GET: its non-null fields, or those named by ``fields`` (``Id`` always).
    ``values`` has every field of the object, null ones included, so that a field without a value
    can still be asked for. ``on_request`` fields (billforge's additions, such as a charge's tiers)
    are left out unless ``fields`` names them, so that the default answer stays Zuora's flat object."""
    present = {name: value for name, value in values.items() if value is not None}
    wanted = request.query_params.get("fields")
    if wanted is None or not wanted.strip():
        hidden = set(on_request)
        return ZuoraJSON({name: value for name, value in present.items() if name not in hidden})
    by_lower = {name.lower(): name for name in values}
    chosen = {"Id"}
    for raw in wanted.split(","):
        name = raw.strip()
        if not name:
            continue
        if name.lower() not in by_lower:
            raise UnknownField(f"'fields': {name!r} is not a field of this object", field="fields")
        chosen.add(by_lower[name.lower()])
    return ZuoraJSON({name: value for name, value in present.items() if name in chosen})


class ObjectRoute(APIRoute):
    """A route of the Object API: answers unrecognised fields and unknown ids in Zuora's shapes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except UnrecognisedFields:
                return ZuoraJSON(UNRECOGNISED_BODY, status_code=400)
            except NotFound:
                return ZuoraJSON(NO_DATA_BODY, status_code=404)

        return guarded

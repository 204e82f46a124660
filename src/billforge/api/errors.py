"""Errors on the wire, once per endpoint family (product.md, "Wire conventions").

- ``/v1`` resources and ``/settings``: ``CommonResponse`` with Zuora's 8-digit codes
  (6-digit resource code + 2-digit category) and a 4xx status;
- ``/v1/action/*``: ``FaultResponse`` ``{"FaultCode", "FaultMessage"}`` with symbolic codes;
- ``/v1/object/*``: ``{"Success": false, "Errors": [{"Code", "Message"}]}``;
- ``/oauth/token``: ``{"code": int, "message"}``;
- everywhere: 401 ``{"message"}`` and 403 ``{"code": int, "message"}``.
"""

from __future__ import annotations

import secrets
from enum import Enum
from typing import Any

from billforge.api.resource_codes import resource_code
from billforge.errors import BillforgeError, Category, RateLimited, flatten


class Family(Enum):
    REST = "rest"
    ACTION = "action"
    OBJECT = "object"
    OAUTH = "oauth"
    OTHER = "other"


def family_of(path: str) -> Family:
    if path.startswith("/v1/action/"):
        return Family.ACTION
    if path.startswith("/v1/object/"):
        return Family.OBJECT
    if path.startswith("/oauth/"):
        return Family.OAUTH
    if path.startswith(("/v1/", "/settings/", "/bulk/")):
        return Family.REST
    return Family.OTHER


HTTP_STATUS: dict[Category, int] = {
    Category.PERMISSION: 403,
    Category.AUTHENTICATION: 401,
    Category.INVALID_VALUE: 400,
    Category.UNKNOWN_FIELD: 400,
    Category.MISSING_REQUIRED: 400,
    Category.RULE_RESTRICTION: 400,
    Category.NOT_FOUND: 404,
    Category.UNSUPPORTED: 400,
    Category.LOCK_CONTENTION: 409,
    Category.INTERNAL: 500,
    Category.LIMIT_EXCEEDED: 400,  # a request over a size limit; RateLimited is the 429
    Category.MALFORMED: 400,
}


def process_id() -> str:
    return secrets.token_hex(8).upper()


def rest_code(error: BillforgeError) -> int:
    """Zuora's 8-digit code: ``resource * 100 + category`` (e.g. 531003 and 20 give 53100320)."""
    return resource_code(error.obj, error.field) * 100 + int(error.category)


def common_response(errors: list[BillforgeError], request_id: str) -> dict[str, Any]:
    return {
        "success": False,
        "processId": process_id(),
        "requestId": request_id,
        "reasons": [{"code": rest_code(e), "message": e.message} for e in errors],
    }


def render(error: BillforgeError, family: Family, request_id: str, status: int | None = None) -> tuple[int, Any]:
    """The HTTP status and JSON body for an error raised while serving ``family``."""
    errors = flatten(error)
    status = status or (429 if isinstance(error, RateLimited) else HTTP_STATUS[error.category])
    if status == 401:
        return status, {"message": error.message}
    if status == 403 or family is Family.OAUTH:
        return status, {"code": rest_code(error), "message": error.message}
    if family is Family.ACTION:
        return status, {"FaultCode": error.code.value, "FaultMessage": error.message}
    if family is Family.OBJECT:
        return status, {"Success": False, "Errors": [{"Code": e.code.value, "Message": e.message} for e in errors]}
    return status, common_response(errors, request_id)

"""The SOAP endpoint ``/apps/services/a/{version}`` (mounted by ``api.app.create_app``).

    GET  ...?wsdl   billforge's WSDL, its ``soap:address`` the URL it was fetched from
    POST ...        one SOAP 1.1 call: answered 200 with the operation's response, or 500 with a fault

Any WSDL version from 43.0 on is served (``43``, ``52.0``, ``117.0``, ...); an older or malformed
one is an ``INVALID_VERSION`` fault. Every version serves the same operations: ``queryMore`` too,
which Zuora's 52.0 WSDL leaves out (a client generated from it cannot call it; the suds-based
zuora-client built on that WSDL calls it anyway, and billforge's own WSDL declares it).

Every operation but ``login`` needs a ``SessionHeader`` with a session from ``login``; a missing,
unknown or expired one is the fault ``fns:INVALID_SESSION``. The work runs in a worker thread
(services are blocking). The path is outside ``/v1``, so the bearer-token middleware does not
apply; the request size limit, gzip bodies, ``Zuora-Track-Id`` and the request id still do, and a
request they refuse is answered with a fault (``fault_body``), as every other SOAP error.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from billforge.config import Settings
from billforge.db.session import Database
from billforge.errors import BillforgeError, ErrorCode
from billforge.services import tenancy
from billforge.services.context import Clock
from billforge.soap import envelope, faults, operations, wsdl
from billforge.soap.faults import SoapFault

logger = logging.getLogger(__name__)

PATH: Final = "/apps/services/a/{version}"
OLDEST_VERSION: Final = Decimal(43)
_VERSION: Final = re.compile(r"^\d{1,4}(\.\d{1,4})?$")
FAULT_STATUS: Final = 500  # SOAP 1.1 over HTTP: a fault is answered with 500


def check_version(version: str) -> None:
    if not _VERSION.match(version) or Decimal(version) < OLDEST_VERSION:
        raise faults.unexpected(
            ErrorCode.INVALID_VERSION,
            f"WSDL version {version!r} is not supported: use /apps/services/a/<version> with a version "
            f"from {OLDEST_VERSION}.0 on, such as 52.0",
        )


def _fault_response(error: SoapFault, status: int = FAULT_STATUS) -> Response:
    return Response(envelope.fault(error), status_code=status, media_type=envelope.CONTENT_TYPE)


def fault_body(error: BillforgeError) -> bytes:
    """The fault envelope for an error that stopped a call before it reached this endpoint (a body
    over the size limit, bad gzip, a malformed ``Zuora-Track-Id``): SOAP clients read faults only."""
    return envelope.fault(faults.from_error(error))


def _session(call: envelope.Call, db: Database, clock: Clock) -> tenancy.SoapSession:
    header = call.headers.get("SessionHeader")
    parts = envelope.elements(header) if header is not None else []
    token = next((envelope.text_of(e).strip() for e in parts if envelope.local(e) == "session"), "")
    if not token:
        raise faults.invalid_session(
            f"{call.operation} needs a session: send <SessionHeader><session> with the Session that login returned"
        )
    try:
        return tenancy.find_soap_session(db=db, clock=clock, token=token)
    except BillforgeError:
        raise faults.invalid_session(
            "Invalid Session: the session is unknown or has expired; call login again"
        ) from None


def serve(*, db: Database, clock: Clock, settings: Settings, version: str, url: str, payload: bytes) -> Response:
    """One SOAP call, start to finish (runs in a worker thread)."""
    operation = ""
    try:
        check_version(version)
        call = envelope.read_call(payload)
        operation = call.operation
        handler = operations.HANDLERS.get(operation)
        if handler is None:
            served = ", ".join(operations.HANDLERS)
            raise faults.unexpected(
                ErrorCode.INVALID_VALUE, f"billforge does not serve the SOAP call {operation!r}; it serves {served}"
            )
        session = None if operation in operations.OPEN_OPERATIONS else _session(call, db, clock)
        exchange = operations.Exchange(
            db=db, clock=clock, settings=settings, server_url=url, call=call, session=session
        )
        answer = handler(exchange)
    except SoapFault as error:
        return _fault_response(error)
    except BillforgeError as error:
        return _fault_response(faults.from_error(error, default=operations.default_fault(operation)))
    return Response(envelope.serialize(answer), media_type=envelope.CONTENT_TYPE)


async def soap_endpoint(request: Request) -> Response:
    version = request.path_params["version"]
    url = str(request.url.replace(query="", fragment=""))
    if request.method in ("GET", "HEAD"):
        if not any(key.lower() == "wsdl" for key in request.query_params):
            return Response(
                "This is billforge's SOAP endpoint: POST SOAP 1.1 envelopes here; GET ?wsdl for the WSDL.\n",
                status_code=405,
                headers={"Allow": "GET, POST"},
                media_type="text/plain; charset=utf-8",
            )
        try:
            check_version(version)
        except SoapFault as error:
            return _fault_response(error, status=404)
        return Response(wsdl.document(url), media_type=wsdl.CONTENT_TYPE)
    state = request.app.state
    payload = await request.body()
    try:
        return await run_in_threadpool(
            serve, db=state.db, clock=state.clock, settings=state.settings, version=version, url=url, payload=payload
        )
    except Exception:
        request_id = getattr(request.state, "request_id", "")
        logger.exception("unexpected error serving SOAP %s (request %s)", url, request_id)
        return _fault_response(
            faults.unexpected(
                ErrorCode.UNKNOWN_ERROR,
                f"an unexpected error occurred; quote request id {request_id} when reporting it",
            )
        )

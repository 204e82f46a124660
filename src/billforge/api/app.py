"""The application factory: ``create_app(settings)`` wires the database, middleware and routers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from billforge import __version__
from billforge.api import jsonio, openapi
from billforge.api.errors import family_of, render
from billforge.api.protocol import ZuoraProtocol
from billforge.api.routers import (
    accounts,
    actions,
    billing,
    bulk_tasks,
    catalog,
    documents,
    health,
    invoice_object,
    invoices,
    oauth,
    payments,
    subscriptions,
    usage,
)
from billforge.api.routers import settings as settings_routes
from billforge.config import Settings
from billforge.db.session import Database
from billforge.errors import BillforgeError, InvalidValue, NotFound, Unsupported
from billforge.jobs.runtime import background_workers
from billforge.services.context import Clock, SystemClock
from billforge.soap import endpoint as soap_endpoint
from billforge.web import WEB_STATIC
from billforge.web import routes as web_routes

logger = logging.getLogger(__name__)

GZIP_OVER_BYTES = 1000  # Zuora compresses responses of more than 1000 bytes


def create_app(settings: Settings, *, db: Database | None = None, clock: Clock | None = None) -> FastAPI:
    db = db or Database(settings.database_url, pool_size=settings.pool_size, echo=settings.sql_echo)
    clock = clock or SystemClock()
    app = FastAPI(
        title="billforge",
        version=__version__,
        description="A self-hostable invoicing engine that speaks Zuora's invoice API (REST v1 and SOAP).",
        docs_url="/docs",
        redoc_url=None,
        lifespan=background_workers(settings, db, clock),
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock

    for router in (
        health.router,
        oauth.router,
        accounts.router,
        catalog.router,
        settings_routes.router,
        invoices.router,
        subscriptions.router,
        usage.router,
        billing.router,
        payments.router,
        invoice_object.router,
        actions.router,
        documents.router,
        bulk_tasks.router,
    ):
        app.include_router(router)
    app.add_route(soap_endpoint.PATH, soap_endpoint.soap_endpoint, methods=["GET", "POST"], include_in_schema=False)
    app.include_router(web_routes.router)
    app.mount("/ui/static", StaticFiles(directory=WEB_STATIC), name="ui-static")

    openapi.install(app)
    _install_error_handlers(app)
    app.add_middleware(ZuoraProtocol, settings=settings, db=db, clock=clock)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_OVER_BYTES + 1)
    return app


def _error_response(request: Request, error: BillforgeError, status: int | None = None) -> Response:
    request_id = getattr(request.state, "request_id", "")
    status, payload = render(error, family_of(request.url.path), request_id, status)
    return Response(jsonio.dumps(payload), status_code=status, media_type="application/json")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BillforgeError)
    async def _billforge(request: Request, exc: BillforgeError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("path", "query", "body"))
        message = f"'{where}' {first.get('msg', 'is not valid')}" if where else "the request is not valid"
        return _error_response(request, InvalidValue(message, field=where or None))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            error: BillforgeError = NotFound(f"no resource matches {request.method} {request.url.path}")
        elif exc.status_code == 405:
            error = Unsupported(f"{request.method} is not supported on {request.url.path}")
        else:
            error = InvalidValue(str(exc.detail))
        return _error_response(request, error, exc.status_code)

"""What routes need from a request: the context, the database, the JSON body, a JSON answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from billforge.api import jsonio
from billforge.config import Settings
from billforge.db.session import Database
from billforge.services.context import Context

T = TypeVar("T")


class ZuoraJSON(Response):
    """A JSON response written with ``jsonio.dumps`` (exact decimals, ISO dates)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content)


def context(request: Request) -> Context:
    ctx: Context = request.state.ctx
    return ctx


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def request_id(request: Request) -> str:
    value: str = request.state.request_id
    return value


async def json_body(request: Request) -> Any:
    return jsonio.loads(await request.body())


async def call(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a (blocking) service call off the event loop."""
    return await run_in_threadpool(fn, **kwargs)


def query_flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter such as ``rejectUnknownFields=true``."""
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.strip().lower() == "true"


def success(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
    """A ``/v1`` resource answer: Zuora's common fields first, then the payload."""
    return {"success": True, "processId": None, "requestId": request_id(request), "reasons": None, **payload}

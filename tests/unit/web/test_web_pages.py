"""A web page's early answer: a ``PageAnswer`` raised in a dependency or in the handler is what the
route answers, also once its section's router is included in another and that one in the app."""

from __future__ import annotations

from typing import Annotated

import anyio
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from billforge.web.routes.pages import PageAnswer, section_router


async def _gate(request: Request) -> str:
    if request.query_params.get("let") != "in":
        raise PageAnswer(PlainTextResponse("from the dependency", status_code=303, headers={"Location": "/ui/x"}))
    return "in"


def _app() -> FastAPI:
    section = section_router()

    @section.get("/gated")
    async def gated(passed: Annotated[str, Depends(_gate)]) -> Response:
        if passed == "in":
            raise PageAnswer(PlainTextResponse("from the handler", status_code=404))
        return PlainTextResponse("unreachable")

    joined = APIRouter()
    joined.include_router(section)
    app = FastAPI()
    app.include_router(joined)
    return app


async def _get(path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://site") as client:
        return await client.get(path)


def test_a_page_answer_is_the_routes_answer() -> None:
    refused = anyio.run(_get, "/ui/gated")
    assert (refused.status_code, refused.headers["location"], refused.text) == (303, "/ui/x", "from the dependency")
    handled = anyio.run(_get, "/ui/gated?let=in")
    assert (handled.status_code, handled.text) == (404, "from the handler")

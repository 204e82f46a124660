"""``GET /health``: answers without authentication; checks the database."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from billforge import __version__
from billforge.api.deps import ZuoraJSON, call, database

router = APIRouter(tags=["health"])


@router.get("/health", response_class=ZuoraJSON)
async def health(request: Request) -> ZuoraJSON:
    db = database(request)

    def ping() -> None:
        with db.read() as conn:
            conn.execute(text("SELECT 1"))

    await call(ping)
    return ZuoraJSON({"status": "ok", "version": __version__, "database": db.engine.dialect.name})

"""Background workers inside ``billforge serve``: started and stopped with the application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from billforge.config import Settings
from billforge.db.session import Database
from billforge.jobs import registry
from billforge.jobs.worker import WorkerPool
from billforge.services.context import Clock


def background_workers(
    settings: Settings, db: Database, clock: Clock
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """An application lifespan that runs ``settings.workers`` workers (none when it is 0) while
    the application serves; the pool is ``app.state.workers``."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        pool = WorkerPool(
            db, handlers=registry.handlers(), periodic=registry.periodic(), workers=settings.workers, clock=clock
        )
        app.state.workers = pool
        if settings.workers > 0:
            pool.start()
        try:
            yield
        finally:
            await asyncio.to_thread(pool.stop)

    return lifespan

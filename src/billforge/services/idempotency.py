"""Idempotency keys: the first request with a key runs; its status and body are replayed for
24 hours to any retry with the same key, method, path, body and entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db.session import Database

# A first request that never finished (its process died) stops blocking retries after this long.
ABANDONED_AFTER = timedelta(minutes=10)


class Outcome(Enum):
    PROCEED = "proceed"  # first use of the key: run the request, then call finish()
    REPLAY = "replay"  # the stored response must be sent again
    RUNNING = "running"  # the first request with this key has not finished: 409
    MISMATCH = "mismatch"  # the key was used for another request: 422


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: Outcome
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    key: str
    client_id: str
    entity_id: str
    method: str
    path: str
    request_hash: str


def claim(*, db: Database, request: Request, now: datetime, ttl: timedelta) -> Claim:
    """Reserve the key for this request, or say what to answer instead."""
    for _ in range(2):
        with db.write() as conn:
            row = conn.execute(select(t.idempotency_records).where(t.idempotency_records.c.key == request.key)).first()
            if row is not None and (
                row.expires_at <= now or (row.state == "running" and row.created_at + ABANDONED_AFTER <= now)
            ):
                conn.execute(delete(t.idempotency_records).where(t.idempotency_records.c.key == request.key))
                row = None
            if row is None:
                try:
                    conn.execute(
                        insert(t.idempotency_records).values(
                            key=request.key,
                            client_id=request.client_id,
                            entity_id=request.entity_id,
                            method=request.method,
                            path=request.path,
                            request_hash=request.request_hash,
                            state="running",
                            created_at=now,
                            expires_at=now + ttl,
                        )
                    )
                except IntegrityError:
                    continue  # another request took the key between our read and insert: look again
                return Claim(Outcome.PROCEED)
            same = (
                row.entity_id == request.entity_id
                and row.method == request.method
                and row.path == request.path
                and row.request_hash == request.request_hash
            )
            if not same:
                return Claim(Outcome.MISMATCH)
            if row.state == "running":
                return Claim(Outcome.RUNNING)
            return Claim(Outcome.REPLAY, row.response_status, row.response_body, row.response_content_type)
    return Claim(Outcome.RUNNING)


def finish(*, db: Database, key: str, status: int, body: bytes, content_type: str | None) -> None:
    """Store the response of the request that claimed the key (server errors release the key)."""
    with db.write() as conn:
        if status >= 500:
            conn.execute(delete(t.idempotency_records).where(t.idempotency_records.c.key == key))
            return
        conn.execute(
            update(t.idempotency_records)
            .where(t.idempotency_records.c.key == key)
            .values(state="done", response_status=status, response_body=body, response_content_type=content_type)
        )


def release(*, db: Database, key: str) -> None:
    with db.write() as conn:
        conn.execute(delete(t.idempotency_records).where(t.idempotency_records.c.key == key))

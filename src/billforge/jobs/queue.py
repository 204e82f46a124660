"""The job queue: background work kept in the database (table ``jobs``), generic by kind.

A job is a ``kind`` (which handler runs it) and a JSON ``payload``. Its life:

    enqueue ──> queued ──claim──> running ──complete──> done
                  ^                  │
                  └──fail (retry)────┤ (after a back-off: 5 s, 10 s, 20 s, ... at most 10 min)
                                     └──fail (no attempts left, or permanent)──> failed

- ``enqueue`` writes the job in the caller's transaction: it exists only if the work that asked
  for it commits. A ``dedupe_key`` makes enqueueing idempotent (one job per key, ever).
- ``claim`` takes due jobs for one worker, atomically: ``SELECT ... FOR UPDATE SKIP LOCKED`` on
  PostgreSQL (workers in any number of processes never take the same job and never wait for
  each other), one ``UPDATE ... RETURNING`` inside SQLite's single writer transaction.
- A claimed job holds a lease (``run_at`` becomes the lease's end); the worker renews it while
  the job runs. A worker that dies leaves its job to be claimed again when the lease ends, so
  work survives crashes and restarts; ``attempts`` counts every claim.
- ``complete`` and ``fail`` only touch a job the worker still holds.

Handlers must be idempotent: a job may run again after a crash or a lost lease.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection, Row, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from billforge.db.session import Database
from billforge.db.tables_jobs import jobs
from billforge.services.context import new_id

DEFAULT_PRIORITY: Final = 100
DEFAULT_MAX_ATTEMPTS: Final = 5
DEFAULT_LEASE: Final = timedelta(seconds=60)
RETRY_BASE: Final = timedelta(seconds=5)
RETRY_CAP: Final = timedelta(minutes=10)
ERROR_LIMIT: Final = 4000


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to add: what to run, with what, for which entity, when and how often."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    entity_id: str | None = None
    run_at: datetime | None = None  # not before; now when absent
    priority: int = DEFAULT_PRIORITY  # lower runs first
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A job a worker holds."""

    id: str
    kind: str
    payload: dict[str, Any]
    entity_id: str | None
    attempts: int  # this claim included
    max_attempts: int
    worker: str


def _row(job: NewJob, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": job.kind,
        "payload": job.payload,
        "entity_id": job.entity_id,
        "status": JobStatus.QUEUED.value,
        "priority": job.priority,
        "run_at": job.run_at or now,
        "attempts": 0,
        "max_attempts": max(job.max_attempts, 1),
        "locked_by": None,
        "dedupe_key": job.dedupe_key,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }


def enqueue_many(conn: Connection, new_jobs: Sequence[NewJob], *, now: datetime) -> list[str]:
    """Add jobs in the caller's transaction; the ids of those added (a job whose ``dedupe_key``
    is taken is skipped)."""
    if not new_jobs:
        return []
    rows = [_row(job, now) for job in new_jobs]
    if not any(row["dedupe_key"] for row in rows):
        conn.execute(insert(jobs), rows)
        return [row["id"] for row in rows]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    added: list[str] = []
    for row in rows:  # skipping taken keys one by one: the insert answers the id it added
        statement = (
            dialect.insert(jobs).values(row).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(jobs.c.id)
        )
        if conn.execute(statement).first() is not None:
            added.append(row["id"])
    return added


def enqueue(conn: Connection, job: NewJob, *, now: datetime) -> str | None:
    """Add one job in the caller's transaction; its id, or ``None`` when its key is taken."""
    added = enqueue_many(conn, [job], now=now)
    return added[0] if added else None


def _due(now: datetime, kinds: Sequence[str] | None) -> Any:
    condition = and_(jobs.c.status.in_((JobStatus.QUEUED.value, JobStatus.RUNNING.value)), jobs.c.run_at <= now)
    return and_(condition, jobs.c.kind.in_(kinds)) if kinds is not None else condition


def has_due(db: Database, *, now: datetime, kinds: Sequence[str] | None = None) -> bool:
    """Whether a job is due (a cheap read, so that idle workers never take the write lock)."""
    with db.read() as conn:
        return conn.execute(select(jobs.c.id).where(_due(now, kinds)).limit(1)).first() is not None


def claim(
    db: Database,
    *,
    worker: str,
    now: datetime,
    kinds: Sequence[str] | None = None,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = 1,
) -> list[Job]:
    """Take up to ``limit`` due jobs for ``worker`` (queued ones whose time has come, and running
    ones whose worker's lease has ended), most urgent first."""
    with db.write() as conn:
        candidates = (
            select(jobs.c.id).where(_due(now, kinds)).order_by(jobs.c.priority, jobs.c.run_at, jobs.c.id).limit(limit)
        )
        if conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = conn.execute(
            update(jobs)
            .where(jobs.c.id.in_(candidates.scalar_subquery()))
            .values(
                status=JobStatus.RUNNING.value,
                locked_by=worker,
                run_at=now + lease,
                attempts=jobs.c.attempts + 1,
                updated_at=now,
            )
            .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.entity_id, jobs.c.attempts, jobs.c.max_attempts)
        ).all()
    return sorted(
        (Job(r.id, r.kind, dict(r.payload or {}), r.entity_id, r.attempts, r.max_attempts, worker) for r in claimed),
        key=lambda job: job.id,
    )


def _held(job: Job) -> Any:
    return and_(jobs.c.id == job.id, jobs.c.locked_by == job.worker, jobs.c.status == JobStatus.RUNNING.value)


def renew(db: Database, held: Sequence[Job], *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> int:
    """Extend the leases of jobs a worker still holds; how many it still holds."""
    if not held:
        return 0
    with db.write() as conn:
        result = conn.execute(
            update(jobs).where(or_(*(_held(job) for job in held))).values(run_at=now + lease, updated_at=now)
        )
        return int(result.rowcount)


def complete(db: Database, job: Job, *, now: datetime) -> bool:
    """Mark a held job done; ``False`` when the worker no longer held it (its lease had ended)."""
    with db.write() as conn:
        result = conn.execute(
            update(jobs)
            .where(_held(job))
            .values(status=JobStatus.DONE.value, locked_by=None, run_at=now, updated_at=now, finished_at=now)
        )
        return bool(result.rowcount)


def retry_delay(attempts: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP) -> timedelta:
    """Exponential back-off after the ``attempts``-th failure, with up to 20 % jitter."""
    delay: timedelta = min(base * (2 ** max(attempts - 1, 0)), cap)
    jitter = 1 + random.uniform(0, 0.2)  # noqa: S311 - jitter, not secrecy
    return delay * jitter


def fail(
    db: Database,
    job: Job,
    *,
    now: datetime,
    error: str,
    retry: bool = True,
    base: timedelta = RETRY_BASE,
    cap: timedelta = RETRY_CAP,
) -> JobStatus | None:
    """Record a failed attempt: queued again after a back-off while attempts remain (and
    ``retry``), else failed. The status it now has, or ``None`` when the worker no longer held it."""
    again = retry and job.attempts < job.max_attempts
    values: dict[str, Any] = {"locked_by": None, "last_error": error[:ERROR_LIMIT], "updated_at": now}
    if again:
        values.update(status=JobStatus.QUEUED.value, run_at=now + retry_delay(job.attempts, base=base, cap=cap))
    else:
        values.update(status=JobStatus.FAILED.value, run_at=now, finished_at=now)
    with db.write() as conn:
        result = conn.execute(update(jobs).where(_held(job)).values(**values))
    if not result.rowcount:
        return None
    return JobStatus.QUEUED if again else JobStatus.FAILED


def purge(db: Database, *, now: datetime, keep_done: timedelta, keep_failed: timedelta) -> int:
    """Delete finished jobs: done ones older than ``keep_done``, failed ones older than
    ``keep_failed``. How many were deleted."""
    with db.write() as conn:
        result = conn.execute(
            delete(jobs).where(
                or_(
                    and_(jobs.c.status == JobStatus.DONE.value, jobs.c.finished_at < now - keep_done),
                    and_(jobs.c.status == JobStatus.FAILED.value, jobs.c.finished_at < now - keep_failed),
                )
            )
        )
        return int(result.rowcount)


def get_job(conn: Connection, job_id: str) -> Row[Any] | None:
    return conn.execute(select(jobs).where(jobs.c.id == job_id)).first()


def find_by_key(conn: Connection, dedupe_key: str) -> Row[Any] | None:
    return conn.execute(select(jobs).where(jobs.c.dedupe_key == dedupe_key)).first()


def counts(conn: Connection, *, kind: str | None = None) -> dict[str, int]:
    """How many jobs there are in each status (of one kind, or all)."""
    query = select(jobs.c.status, func.count()).group_by(jobs.c.status)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    return {status: int(count) for status, count in conn.execute(query)}

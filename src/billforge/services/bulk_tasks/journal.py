"""The runner's journal of a task, in the database, and the lease that guards its appends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import Connection, func, insert, select, update

from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_task_journal
from billforge.db.tables_jobs import jobs
from billforge.jobs import queue
from billforge.services.context import Clock

JOURNAL_PAGE: Final = 1000


class LeaseLost(Exception):
    """This worker no longer holds the task's job: another may have taken it over."""


@dataclass(frozen=True, slots=True)
class Lease:
    """The job a worker holds for a task; journal appends check and extend it."""

    job_id: str
    worker: str
    length: timedelta


def journal_exists(conn: Connection, task_id: str) -> bool:
    """Whether the task has journal lines (a run before this one left them: this run resumes it)."""
    return (
        conn.execute(select(bulk_task_journal.c.seq).where(bulk_task_journal.c.task_id == task_id).limit(1)).first()
        is not None
    )


class TaskJournal:
    """The runner's journal of one task, kept in ``bulk_task_journal`` (a ``bulk.journal.JournalStore``).

    Each append is one transaction: it first checks that the worker still holds the task's job and
    extends the lease (``Lease``), then inserts the lines. Its commit is what makes them durable, as
    an fsync does for a journal file. An append made after the lease was lost raises ``LeaseLost``
    and writes nothing, so no call is sent that the journal does not know about."""

    def __init__(self, db: Database, clock: Clock, task_id: str, lease: Lease | None) -> None:
        self._db = db
        self._clock = clock
        self._task_id = task_id
        self._lease = lease
        self._lock = threading.Lock()
        self._seq = 0

    @property
    def where(self) -> str:
        return f"the journal of bulk task {self._task_id}"

    def exists(self) -> bool:
        with self._db.read() as conn:
            return journal_exists(conn, self._task_id)

    def open(self, *, new: bool) -> None:  # noqa: ARG002 (a database journal has no torn tail to cut)
        with self._db.read() as conn:
            last = conn.execute(
                select(func.max(bulk_task_journal.c.seq)).where(bulk_task_journal.c.task_id == self._task_id)
            ).scalar()
        with self._lock:
            self._seq = 0 if last is None else int(last) + 1

    def append(self, lines: Sequence[dict[str, Any]]) -> None:
        if not lines:
            return
        with self._lock, self._db.write() as conn:
            self._hold(conn)
            conn.execute(
                insert(bulk_task_journal),
                [
                    {"task_id": self._task_id, "seq": self._seq + n, "line": json.dumps(line, separators=(",", ":"))}
                    for n, line in enumerate(lines)
                ],
            )
            self._seq += len(lines)

    def _hold(self, conn: Connection) -> None:
        lease = self._lease
        if lease is None:
            return
        now = self._clock.now()
        held = conn.execute(
            update(jobs)
            .where(
                jobs.c.id == lease.job_id,
                jobs.c.locked_by == lease.worker,
                jobs.c.status == queue.JobStatus.RUNNING.value,
            )
            .values(run_at=now + lease.length, updated_at=now)
        )
        if not held.rowcount:
            raise LeaseLost(
                f"bulk task {self._task_id}: this worker no longer holds the task's job (its lease ended); "
                "it stops without sending anything more"
            )

    def lines(self) -> Iterator[dict[str, Any]]:
        after = -1
        while True:
            with self._db.read() as conn:
                page = conn.execute(
                    select(bulk_task_journal.c.seq, bulk_task_journal.c.line)
                    .where(bulk_task_journal.c.task_id == self._task_id, bulk_task_journal.c.seq > after)
                    .order_by(bulk_task_journal.c.seq)
                    .limit(JOURNAL_PAGE)
                ).all()
            if not page:
                return
            for seq, line in page:
                value = json.loads(line)
                if isinstance(value, dict):
                    yield value
                after = seq

    def close(self) -> None:
        pass

"""The worker's side of a task: start (or resume) a run, report its progress, record how it ended."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, func, insert, select, update

from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_task_journal, bulk_tasks
from billforge.db.tables_jobs import files
from billforge.services.bulk_tasks.journal import journal_exists
from billforge.services.bulk_tasks.status import ACTIVE, CANCELED, FINISHED, RUNNING
from billforge.services.bulk_tasks.targets import TargetSpec, parse_target
from billforge.services.context import Clock, new_id

NOTES_MAX: Final = 20


@dataclass(frozen=True, slots=True)
class TaskRun:
    """What a worker needs to run (or resume) a task."""

    id: str
    entity_id: str
    name: str
    target: TargetSpec
    principal: str | None
    credentials: str | None  # sealed
    date_format: str
    max_threads: int
    max_zobjects: int
    content: bytes
    resume: bool
    runs: int


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    succeeded: int
    failed: int
    skipped: int
    posted: int


def _values(counts: Counts) -> dict[str, int]:
    return {
        "rows_total": counts.total,
        "rows_succeeded": counts.succeeded,
        "rows_failed": counts.failed,
        "rows_skipped": counts.skipped,
        "rows_posted": counts.posted,
    }


def begin_run(*, db: Database, clock: Clock, task_id: str, entity_id: str) -> TaskRun | None:
    """Mark a task running and read what running it needs; ``None`` when there is nothing to run
    (it has ended, or was canceled while no worker ran it)."""
    now = clock.now()
    with db.write() as conn:
        row = conn.execute(
            select(bulk_tasks, files.c.content)
            .select_from(bulk_tasks.join(files, files.c.id == bulk_tasks.c.input_file_id))
            .where(bulk_tasks.c.id == task_id, bulk_tasks.c.entity_id == entity_id)
        ).first()
        if row is None or row.status in FINISHED:
            return None
        if row.cancel_requested:
            conn.execute(
                update(bulk_tasks)
                .where(bulk_tasks.c.id == task_id)
                .values(status=CANCELED, finished_at=now, updated_at=now, message="canceled before it finished")
            )
            conn.execute(delete(bulk_task_journal).where(bulk_task_journal.c.task_id == task_id))
            return None
        started = conn.execute(
            update(bulk_tasks)
            .where(bulk_tasks.c.id == task_id, bulk_tasks.c.status.in_(tuple(ACTIVE)))
            .values(
                status=RUNNING,
                started_at=func.coalesce(bulk_tasks.c.started_at, now),
                runs=bulk_tasks.c.runs + 1,
                updated_at=now,
                message=None,
            )
        )
        if not started.rowcount:
            return None
        return TaskRun(
            id=row.id,
            entity_id=row.entity_id,
            name=row.name,
            target=parse_target(row.target),
            principal=row.target_principal,
            credentials=row.credentials,
            date_format=row.date_format,
            max_threads=row.max_threads,
            max_zobjects=row.max_zobjects,
            content=bytes(row.content),
            resume=journal_exists(conn, task_id),
            runs=row.runs + 1,
        )


def record_progress(*, db: Database, clock: Clock, task_id: str, counts: Counts, notes: Sequence[str]) -> bool:
    """Store a running task's counts and notes; whether a user asked to cancel it."""
    values: dict[str, Any] = {**_values(counts), "updated_at": clock.now()}
    if notes:
        values["notes"] = json.dumps(list(notes)[-NOTES_MAX:])
    with db.write() as conn:
        conn.execute(
            update(bulk_tasks).where(bulk_tasks.c.id == task_id, bulk_tasks.c.status == RUNNING).values(**values)
        )
        flag = conn.execute(select(bulk_tasks.c.cancel_requested).where(bulk_tasks.c.id == task_id)).scalar()
    return bool(flag)


def end_run(
    *,
    db: Database,
    clock: Clock,
    task_id: str,
    status: str,
    counts: Counts | None,
    message: str | None,
    notes: Sequence[str] = (),
    results: bytes | None = None,
    results_name: str = "results.csv",
) -> None:
    """Record how a run of the task ended: ``succeeded``, ``failed`` or ``canceled`` (final: the
    journal is deleted), or ``queued`` (interrupted: another run resumes it from the journal). The
    results, when the runner wrote them, replace the task's earlier ones."""
    now = clock.now()
    with db.write() as conn:
        current = conn.execute(
            select(bulk_tasks.c.entity_id, bulk_tasks.c.status, bulk_tasks.c.results_file_id).where(
                bulk_tasks.c.id == task_id
            )
        ).first()
        if current is None or current.status != RUNNING:
            return
        values: dict[str, Any] = {"status": status, "message": message, "updated_at": now}
        if counts is not None:
            values.update(_values(counts))
        if notes:
            values["notes"] = json.dumps(list(notes)[-NOTES_MAX:])
        if status in FINISHED:
            values["finished_at"] = now
        if results is not None:
            file_id = new_id()
            conn.execute(
                insert(files).values(
                    id=file_id,
                    entity_id=current.entity_id,
                    invoice_id=None,
                    name=results_name,
                    content_type="text/csv",
                    size=len(results),
                    content=results,
                    created_at=now,
                )
            )
            values["results_file_id"] = file_id
        conn.execute(update(bulk_tasks).where(bulk_tasks.c.id == task_id).values(**values))
        if results is not None and current.results_file_id is not None:
            conn.execute(delete(files).where(files.c.id == current.results_file_id))
        if status in FINISHED:
            conn.execute(delete(bulk_task_journal).where(bulk_task_journal.c.task_id == task_id))

"""Reading tasks: one, a page of them, and the files they were created with and produced."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_target_logins, bulk_tasks
from billforge.db.tables_jobs import files, jobs
from billforge.errors import BillforgeError, InvalidValue, NotFound
from billforge.jobs import queue
from billforge.services.bulk_tasks.status import ACTIVE, FAILED, FINISHED, RUNNING
from billforge.services.context import Context
from billforge.services.settings import raise_all, usable_key

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100


@dataclass(frozen=True, slots=True)
class TaskView:
    id: str
    name: str
    version: str
    target: str
    target_login_id: str | None
    target_login_name: str | None
    target_principal: str | None
    date_format: str
    max_threads: int
    max_zobjects: int
    file_name: str
    status: str
    cancel_requested: bool
    rows_total: int
    rows_succeeded: int
    rows_failed: int
    rows_skipped: int
    rows_posted: int
    message: str | None
    notes: tuple[str, ...]
    has_results: bool
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by_id: str | None
    time_zone: str

    @property
    def rows_done(self) -> int:
        return self.rows_succeeded + self.rows_failed + self.rows_skipped

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def elapsed(self, now: datetime) -> float | None:
        """Seconds since the task started, to its end (or to now while it runs)."""
        if self.started_at is None:
            return None
        end = self.finished_at or now
        return max((end - self.started_at).total_seconds(), 0.0)

    def rate(self, now: datetime) -> float | None:
        """Rows finished per second."""
        seconds = self.elapsed(now)
        if not seconds:
            return None
        return self.rows_done / seconds

    def eta(self, now: datetime) -> float | None:
        """Seconds until every row is done, at the rate so far (while it runs)."""
        rate = self.rate(now)
        if self.status != RUNNING or not rate or not self.rows_total:
            return None
        return max(self.rows_total - self.rows_done, 0) / rate


@dataclass(frozen=True, slots=True)
class TaskPage:
    tasks: list[TaskView]
    page: int
    page_size: int
    has_next: bool


def _task_query() -> Any:
    return select(
        bulk_tasks,
        bulk_target_logins.c.name.label("login_name"),
        jobs.c.status.label("job_status"),
        jobs.c.last_error.label("job_error"),
        t.tenant_settings.c.time_zone,
    ).select_from(
        bulk_tasks.outerjoin(bulk_target_logins, bulk_target_logins.c.id == bulk_tasks.c.target_login_id)
        .outerjoin(jobs, jobs.c.id == bulk_tasks.c.job_id)
        .outerjoin(t.tenant_settings, t.tenant_settings.c.entity_id == bulk_tasks.c.entity_id)
    )


def _view(row: Any) -> TaskView:
    status, message = row.status, row.message
    if status in ACTIVE and row.job_status in (None, queue.JobStatus.FAILED.value, queue.JobStatus.DONE.value):
        # Its job ended without the task ending (given up after too many interrupted attempts):
        # nothing will run it any more.
        status = FAILED
        message = f"the task's background job ended: {row.job_error or 'it is gone'}"
    notes = tuple(json.loads(row.notes)) if row.notes else ()
    return TaskView(
        id=row.id,
        name=row.name,
        version=row.version,
        target=row.target,
        target_login_id=row.target_login_id,
        target_login_name=row.login_name,
        target_principal=row.target_principal,
        date_format=row.date_format,
        max_threads=row.max_threads,
        max_zobjects=row.max_zobjects,
        file_name=row.file_name,
        status=status,
        cancel_requested=bool(row.cancel_requested),
        rows_total=row.rows_total,
        rows_succeeded=row.rows_succeeded,
        rows_failed=row.rows_failed,
        rows_skipped=row.rows_skipped,
        rows_posted=row.rows_posted,
        message=message,
        notes=notes,
        has_results=row.results_file_id is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        created_by_id=row.created_by_id,
        time_zone=row.time_zone or "UTC",
    )


def read_task(conn: Connection, entity_id: str, task_id: str) -> TaskView:
    row = conn.execute(_task_query().where(bulk_tasks.c.entity_id == entity_id, bulk_tasks.c.id == task_id)).first()
    if row is None:
        raise NotFound(f"'task-id': no bulk task with id {task_id!r}", field="task-id")
    return _view(row)


def get_task(*, db: Database, ctx: Context, task_id: str) -> TaskView:
    usable_key(task_id, field="task-id", obj="", what="bulk task")
    with db.read() as conn:
        return read_task(conn, ctx.entity_id, task_id)


def list_tasks(*, db: Database, ctx: Context, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> TaskPage:
    """The entity's tasks, newest first."""
    problems: list[BillforgeError] = []
    if page < 1:
        problems.append(InvalidValue(f"'page' must be at least 1, got {page}", field="page"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems.append(
            InvalidValue(f"'pageSize' must be between 1 and {MAX_PAGE_SIZE}, got {page_size}", field="pageSize")
        )
    raise_all(problems)
    with db.read() as conn:
        rows = list(
            conn.execute(
                _task_query()
                .where(bulk_tasks.c.entity_id == ctx.entity_id)
                .order_by(bulk_tasks.c.created_at.desc(), bulk_tasks.c.id.desc())
                .offset((page - 1) * page_size)
                .limit(page_size + 1)
            )
        )
    return TaskPage([_view(r) for r in rows[:page_size]], page, page_size, len(rows) > page_size)


@dataclass(frozen=True, slots=True)
class ResultsFile:
    name: str
    content: bytes


def task_results(*, db: Database, ctx: Context, task_id: str) -> ResultsFile:
    """The results CSV of a task that has ended (or stopped, with what it did until then)."""
    task = get_task(db=db, ctx=ctx, task_id=task_id)
    with db.read() as conn:
        row = conn.execute(
            select(files.c.content)
            .select_from(bulk_tasks.join(files, files.c.id == bulk_tasks.c.results_file_id))
            .where(bulk_tasks.c.entity_id == ctx.entity_id, bulk_tasks.c.id == task_id)
        ).first()
    if row is None:
        if task.status in ACTIVE:
            why = f"it is {task.status} ({task.rows_done} of {task.rows_total or '?'} rows done)"
        else:
            why = f"it is {task.status} and produced none" + (f": {task.message}" if task.message else "")
        raise NotFound(f"bulk task {task_id!r} has no results yet: {why}", field="task-id")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", task.name).strip("-.") or "task"
    return ResultsFile(f"{stem[:100]}-results.csv", bytes(row.content))


def input_file(*, db: Database, ctx: Context, task_id: str) -> ResultsFile:
    """The CSV file a task was created with."""
    usable_key(task_id, field="task-id", obj="", what="bulk task")
    with db.read() as conn:
        row = conn.execute(
            select(bulk_tasks.c.file_name, files.c.content)
            .select_from(bulk_tasks.join(files, files.c.id == bulk_tasks.c.input_file_id))
            .where(bulk_tasks.c.entity_id == ctx.entity_id, bulk_tasks.c.id == task_id)
        ).first()
    if row is None:
        raise NotFound(f"'task-id': no bulk task with id {task_id!r}", field="task-id")
    return ResultsFile(row.file_name, bytes(row.content))

"""Canceling a task, queued or running."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, update

from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_task_journal, bulk_tasks
from billforge.errors import RuleRestriction
from billforge.services.bulk_tasks.status import ACTIVE, CANCELED, FAILED, QUEUED, RUNNING, SUCCEEDED
from billforge.services.bulk_tasks.views import TaskView, read_task
from billforge.services.context import Context
from billforge.services.settings import usable_key


def cancel_task(*, db: Database, ctx: Context, task_id: str) -> TaskView:
    """Cancel a task: a queued one at once; a running one stops within a second or two (calls under
    way finish, their rows keep their outcome, the rest are reported not processed)."""
    usable_key(task_id, field="task-id", obj="", what="bulk task")
    now = ctx.now()
    with db.write() as conn:
        task = read_task(conn, ctx.entity_id, task_id)
        if task.status in (SUCCEEDED, FAILED):
            raise RuleRestriction(
                f"bulk task {task_id!r} has already {task.status}: there is nothing to cancel", field="task-id"
            )
        if task.status in ACTIVE and not task.cancel_requested:
            values: dict[str, Any] = {
                "cancel_requested": True,
                "canceled_by_id": ctx.actor_id,
                "updated_at": now,
            }
            condition = and_(bulk_tasks.c.id == task_id, bulk_tasks.c.status.in_(tuple(ACTIVE)))
            # A queued task is canceled here (a worker that takes its job finds it canceled); a
            # running one by its worker, which watches the flag.
            conn.execute(update(bulk_tasks).where(condition, bulk_tasks.c.status == RUNNING).values(**values))
            conn.execute(
                update(bulk_tasks)
                .where(condition, bulk_tasks.c.status == QUEUED)
                .values(
                    **values,
                    status=CANCELED,
                    finished_at=now,
                    message="canceled before it finished" if task.started_at else "canceled before it started",
                )
            )
            conn.execute(
                delete(bulk_task_journal).where(
                    bulk_task_journal.c.task_id == task_id,
                    exists().where(bulk_tasks.c.id == task_id, bulk_tasks.c.status == CANCELED),
                )
            )
        return read_task(conn, ctx.entity_id, task_id)

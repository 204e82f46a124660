"""The kinds of background work billforge runs, and its periodic tasks.

To add a kind: write a handler (``JobRun -> None``, idempotent, calling a service) and list it in
``handlers()``; enqueue jobs of that kind with ``jobs.queue.enqueue`` in the transaction that
makes the work necessary.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from billforge.db.session import Database
from billforge.jobs import queue
from billforge.jobs.bulk_tasks import BulkTaskHandler
from billforge.jobs.worker import Handler, JobRun, Periodic, PermanentFailure
from billforge.services import bulk_tasks, documents
from billforge.services.context import Clock

# Posting queues its PDF itself; the sweep only catches a posting that did not (a safety net).
SWEEP_EVERY: Final = timedelta(seconds=60)
PURGE_EVERY: Final = timedelta(hours=1)
KEEP_DONE: Final = timedelta(days=1)
KEEP_FAILED: Final = timedelta(days=30)


def render_invoice_pdf(run: JobRun) -> None:
    """``invoice-pdf``: render one pending version of an invoice's PDF (payload ``invoice_file_id``)."""
    version = run.job.payload.get("invoice_file_id")
    if not isinstance(version, str) or run.job.entity_id is None:
        raise PermanentFailure(f"an invoice-pdf job needs an entity and an invoice_file_id, got {run.job.payload!r}")
    try:
        documents.render_version(db=run.db, clock=run.clock, entity_id=run.job.entity_id, invoice_file_id=version)
    except Exception as error:
        if run.job.attempts >= run.job.max_attempts:
            documents.mark_failed(
                db=run.db,
                entity_id=run.job.entity_id,
                invoice_file_id=version,
                error=f"{type(error).__name__}: {error}",
            )
        raise


def purge_finished_jobs(db: Database, clock: Clock) -> int:
    return queue.purge(db, now=clock.now(), keep_done=KEEP_DONE, keep_failed=KEEP_FAILED)


def handlers() -> dict[str, Handler]:
    return {documents.RENDER_JOB: render_invoice_pdf, bulk_tasks.JOB_KIND: BulkTaskHandler()}


def periodic() -> list[Periodic]:
    return [
        Periodic("invoice-pdf-sweep", SWEEP_EVERY, documents.PostedSweep()),
        Periodic("purge-finished-jobs", PURGE_EVERY, purge_finished_jobs),
    ]

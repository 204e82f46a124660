"""The ``bulk-task`` job: run (or resume) one server-side bulk task in a worker of ``billforge serve``.

The handler builds the bulk runner from the task (``services.bulk_tasks``): its file, its settings,
its target (``local`` on the worker's own database and the task's entity, ``rest:URL`` or
``soap:URL`` with the task's decrypted login), and its journal in the database. A watcher thread
stores the progress every second, and stops the runner when a user cancels the task or the pool
stops (``serve`` shutting down). How a run ends decides what happens to the job:

    every row has its outcome          task succeeded, job done
    canceled                           task canceled, job done
    the file or login is unusable      task failed, job done
    the pool is stopping               task queued again; the job is handed back (raise), and the
                                       next worker to take it resumes the task from its journal
    the target kept failing            the same, after the job's back-off; on its last attempt
                                       the task fails
    a worker killed outright           nothing here runs: the job's lease ends, and another
                                       worker takes it over and resumes the task
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

from billforge.bulk.dates import DatePatternError
from billforge.bulk.journal import JournalError
from billforge.bulk.results import Summary
from billforge.bulk.rows import HeaderError
from billforge.bulk.runner import BulkRun, Progress, RetryPolicy, RunOptions
from billforge.bulk.spool import FAILED, SKIPPED, SUCCESS, UNFINISHED
from billforge.bulk.target import Retryable, Target, TargetError
from billforge.bulk.targets.local import LocalTarget
from billforge.bulk.targets.rest import RestTarget
from billforge.bulk.targets.soap import SoapTarget
from billforge.config import Settings
from billforge.db.session import Database
from billforge.errors import BillforgeError, RuleRestriction
from billforge.jobs import queue
from billforge.jobs.worker import JobRun, PermanentFailure
from billforge.services import bulk_tasks
from billforge.services.bulk_tasks import Counts, Keyring, Lease, LeaseLost, TaskRun

logger = logging.getLogger(__name__)

PROGRESS_EVERY: Final = 1.0  # seconds between progress updates
FINISH_HINT: Final = "the task ended before it finished this row"
UNKNOWN_HINT: Final = "look at the account's invoices before billing this row again"
SHUTDOWN: Final = "the server is stopping"


class TaskInterrupted(Exception):
    """The run stopped before its end and the task waits to be resumed: the job is handed back."""


def _secret_from_environment() -> str | None:
    # The worker runs inside `serve`, whose settings come from the same environment.
    return Settings().secret_key


class _SharedLocal(LocalTarget):
    """The local target on the worker's database: Max Threads is capped at the connection pool's
    size, so a task never starves the API of connections."""

    @property
    def description(self) -> str:
        return "local (this installation, the task's entity)"

    def concurrency_limit(self) -> int | None:
        size = getattr(self._db.engine.pool, "size", None) if self._db is not None else None
        return max(int(size()), 1) if callable(size) else None


class _Notes:
    """The runner's reporter: keeps its notes (warnings) for the task; progress is read by the watcher."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: list[str] = []

    def start(self, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def note(self, message: str) -> None:
        with self._lock:
            self._notes.append(message)

    def stop(self) -> None:
        pass

    @property
    def notes(self) -> list[str]:
        with self._lock:
            return list(self._notes)


def _running_counts(progress: Progress) -> Counts:
    states = progress.states
    return Counts(
        total=sum(states.values()),
        succeeded=states.get(SUCCESS, 0),
        failed=states.get(FAILED, 0) + states.get(UNFINISHED, 0),
        skipped=states.get(SKIPPED, 0),
        posted=progress.posted,
    )


def _final_counts(summary: Summary) -> Counts:
    return Counts(summary.rows, summary.success, summary.failed, summary.skipped, summary.posted)


def _waiting(counts: Counts) -> Counts:
    """Counts of a task that waits to be resumed: the rows not reached are still to do, not skipped."""
    return Counts(counts.total, counts.succeeded, counts.failed, 0, counts.posted)


class _Watcher(threading.Thread):
    """Stores the run's progress, and stops it when the task is canceled or the pool stops."""

    def __init__(self, run: BulkRun, job: JobRun, task_id: str, notes: _Notes, every: float) -> None:
        super().__init__(name=f"bulk-task-{task_id}-watcher", daemon=True)
        self._run = run
        self._job = job
        self._task_id = task_id
        self._notes = notes
        self._every = every
        self._done = threading.Event()
        self.canceled = False
        self.shutdown = False

    def run(self) -> None:
        next_save = 0.0
        tick = min(0.2, self._every)
        elapsed = 0.0
        while not self._done.wait(tick):
            elapsed += tick
            if self._job.stopping.is_set() and not self.shutdown:
                self.shutdown = True
                self._run.stop(SHUTDOWN)
            if elapsed < next_save:
                continue
            next_save = elapsed + self._every
            try:
                self._save()
            except Exception:  # a failed progress update must not stop the run
                logger.exception("bulk task %s: could not store its progress", self._task_id)

    def _save(self) -> None:
        progress = self._run.progress()
        if progress is None:
            return
        canceled = bulk_tasks.record_progress(
            db=self._job.db,
            clock=self._job.clock,
            task_id=self._task_id,
            counts=_running_counts(progress),
            notes=self._notes.notes,
        )
        if canceled and not self.canceled:
            self.canceled = True
            self._run.stop("canceled by a user")

    def finish(self) -> None:
        self._done.set()
        self.join()


class BulkTaskHandler:
    """The ``bulk-task`` handler. ``secret_key`` gives the key that decrypts stored logins (read
    from the environment, as ``serve`` reads it, unless given); ``lease`` is how far each journal
    append extends the job's lease (the worker pool's lease)."""

    def __init__(
        self,
        *,
        secret_key: Callable[[], str | None] = _secret_from_environment,
        lease: timedelta = queue.DEFAULT_LEASE,
        progress_every: float = PROGRESS_EVERY,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._secret_key = secret_key
        self._lease = lease
        self._progress_every = progress_every
        self._retry = retry or RetryPolicy()

    def __call__(self, job: JobRun) -> None:
        task_id = job.job.payload.get("task_id")
        if not isinstance(task_id, str) or job.job.entity_id is None:
            raise PermanentFailure(f"a bulk-task job needs an entity and a task_id, got {job.job.payload!r}")
        task = bulk_tasks.begin_run(db=job.db, clock=job.clock, task_id=task_id, entity_id=job.job.entity_id)
        if task is None:
            return  # ended or canceled: nothing to do
        logger.info("bulk task %s (%s): run %d against %s", task.id, task.name, task.runs, task.target)
        last_attempt = job.job.attempts >= job.job.max_attempts
        try:
            target = self._target(task, job.db)
        except BillforgeError as error:
            self._end(job, task, bulk_tasks.FAILED, None, error.message)
            return
        with tempfile.TemporaryDirectory(prefix="billforge-task-") as scratch:
            self._run(job, task, target, Path(scratch), last_attempt)

    def _target(self, task: TaskRun, db: Database) -> Target:
        spec = task.target
        if spec.scheme == bulk_tasks.LOCAL:
            return _SharedLocal(db.url, entity=task.entity_id, db=db)
        if task.credentials is None or task.principal is None or spec.url is None:
            raise RuleRestriction(f"the task has no login for its target {spec}")
        keyring = Keyring.of(self._secret_key())
        if keyring is None:
            raise RuleRestriction("BILLFORGE_SECRET_KEY is not set where the task runs: its login cannot be decrypted")
        secret = keyring.open(task.credentials)
        if spec.scheme == bulk_tasks.REST:
            return RestTarget(spec.url, task.principal, secret)
        return SoapTarget(spec.url, task.principal, secret)

    def _run(self, job: JobRun, task: TaskRun, target: Target, scratch: Path, last_attempt: bool) -> None:
        source = scratch / "input.csv"
        source.write_bytes(task.content)
        results = scratch / "results.csv"
        notes = _Notes()
        run = BulkRun(
            source=source,
            results=results,
            options=RunOptions(
                name=task.name,
                target_label=f"{task.target} entity={task.entity_id}",
                date_format=task.date_format,
                max_threads=task.max_threads,
                max_zobjects=task.max_zobjects,
                resume=task.resume,
                retry=self._retry,
                skip_finished_on_resume=False,
                finish_hint=FINISH_HINT,
                unknown_hint=UNKNOWN_HINT,
            ),
            target=target,
            reporter=notes,
            today=job.clock.now().date(),
            journal=bulk_tasks.TaskJournal(job.db, job.clock, task.id, Lease(job.job.id, job.job.worker, self._lease)),
        )
        watcher = _Watcher(run, job, task.id, notes, self._progress_every)
        watcher.start()
        try:
            summary = run.execute()
        except LeaseLost:
            logger.warning("bulk task %s: lost its job's lease; another worker resumes it", task.id)
            raise
        except (DatePatternError, HeaderError, JournalError) as error:
            self._end(job, task, bulk_tasks.FAILED, None, str(error), notes.notes)
            return
        except Retryable as error:  # the target could not be reached: try again later
            message = f"{target.description}: {error.message}"
            if last_attempt:
                self._end(job, task, bulk_tasks.FAILED, None, message, notes.notes)
                return
            self._end(job, task, bulk_tasks.QUEUED, None, f"waiting to retry: {message}", notes.notes)
            raise TaskInterrupted(message) from error
        except TargetError as error:
            self._end(job, task, bulk_tasks.FAILED, None, f"{target.description}: {error.message}", notes.notes)
            return
        except Exception as error:
            if last_attempt:
                self._end(job, task, bulk_tasks.FAILED, None, f"internal error: {error!r}", notes.notes, results)
            else:
                self._end(job, task, bulk_tasks.QUEUED, None, f"interrupted by an error: {error!r}", notes.notes)
            raise
        finally:
            watcher.finish()
        counts = _final_counts(summary)
        if summary.stopped is None:
            self._end(job, task, bulk_tasks.SUCCEEDED, counts, None, notes.notes, results)
        elif watcher.canceled:
            self._end(job, task, bulk_tasks.CANCELED, counts, "canceled by a user", notes.notes, results)
        elif watcher.shutdown:
            counts = _waiting(counts)
            self._end(job, task, bulk_tasks.QUEUED, counts, f"interrupted: {SHUTDOWN}", notes.notes, results)
            raise TaskInterrupted(SHUTDOWN)
        elif last_attempt:
            self._end(job, task, bulk_tasks.FAILED, counts, summary.stopped, notes.notes, results)
        else:
            counts = _waiting(counts)
            self._end(
                job, task, bulk_tasks.QUEUED, counts, f"waiting to retry: {summary.stopped}", notes.notes, results
            )
            raise TaskInterrupted(summary.stopped)
        logger.info(
            "bulk task %s: %s (%d success, %d failed, %d skipped)",
            task.id,
            "finished" if summary.stopped is None else summary.stopped,
            summary.success,
            summary.failed,
            summary.skipped,
        )

    @staticmethod
    def _end(
        job: JobRun,
        task: TaskRun,
        status: str,
        counts: Counts | None,
        message: str | None,
        notes: list[str] | None = None,
        results: Path | None = None,
    ) -> None:
        content = results.read_bytes() if results is not None and results.exists() else None
        bulk_tasks.end_run(
            db=job.db,
            clock=job.clock,
            task_id=task.id,
            status=status,
            counts=counts,
            message=message,
            notes=notes or (),
            results=content,
            results_name=f"{task.id}-results.csv",
        )

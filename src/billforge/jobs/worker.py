"""Workers: threads that claim jobs from the queue and run their kind's handler.

``billforge serve`` starts a ``WorkerPool`` of ``Settings.workers`` threads (default 2) with the
application and stops it with the application (``jobs.runtime``). Several processes, each with
its own pool, share one queue. A pool also runs periodic tasks (sweeps, purges) on a thread of
its own, and renews the leases of the jobs its workers hold.

A handler receives a ``JobRun``: the job, the database, the clock, and ``stopping`` (set when the
pool is asked to stop: a long handler should check it and return early; its job is claimed
again later). A handler that raises has its job retried with back-off until its attempts run
out; raising ``PermanentFailure`` fails it at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from billforge.db.session import Database
from billforge.jobs import queue
from billforge.jobs.queue import Job
from billforge.services.context import Clock, SystemClock

logger = logging.getLogger(__name__)

POLL_INTERVAL: Final = 0.5  # seconds an idle worker waits before looking again


class PermanentFailure(Exception):
    """A job that cannot succeed however often it is tried (it is failed without retries)."""


@dataclass(frozen=True, slots=True)
class JobRun:
    """What a handler gets: the job and the means to do it."""

    job: Job
    db: Database
    clock: Clock
    stopping: threading.Event


Handler = Callable[[JobRun], None]


@dataclass(frozen=True, slots=True)
class Periodic:
    """A task a pool runs every ``every`` (first soon after it starts)."""

    name: str
    every: timedelta
    run: Callable[[Database, Clock], object]


class WorkerPool:
    """``workers`` threads running jobs of the kinds in ``handlers``, plus one thread for the
    periodic tasks and lease renewals."""

    def __init__(
        self,
        db: Database,
        *,
        handlers: Mapping[str, Handler],
        periodic: Sequence[Periodic] = (),
        workers: int = 2,
        clock: Clock | None = None,
        poll_interval: float = POLL_INTERVAL,
        lease: timedelta = queue.DEFAULT_LEASE,
        retry_base: timedelta = queue.RETRY_BASE,
        retry_cap: timedelta = queue.RETRY_CAP,
        name: str = "worker",
    ) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self.periodic = list(periodic)
        self.workers = workers
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.lease = lease
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.name = f"{socket.gethostname()}:{os.getpid()}:{name}"
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._held: dict[str, Job] = {}
        self._held_lock = threading.Lock()

    @property
    def kinds(self) -> list[str]:
        return sorted(self.handlers)

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._threads:
            return
        self.stopping.clear()
        for number in range(self.workers):
            worker = f"{self.name}-{number}"
            thread = threading.Thread(target=self._work, args=(worker,), name=f"billforge-{worker}", daemon=True)
            self._threads.append(thread)
        self._threads.append(threading.Thread(target=self._keep, name=f"billforge-{self.name}-keeper", daemon=True))
        for thread in self._threads:
            thread.start()
        logger.info("started %d background workers (%s)", self.workers, ", ".join(self.kinds))

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every thread to stop, and wait for them (a job still running after ``timeout`` is
        left to its lease: another worker takes it over when the lease ends)."""
        self.stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def wake(self) -> None:
        """Look for jobs now rather than at the next poll (after enqueueing in this process)."""
        self._wake.set()

    # --- running jobs -------------------------------------------------------------------------

    def run_once(self, worker: str | None = None) -> bool:
        """Claim and run one due job; whether there was one."""
        worker = worker or f"{self.name}-inline"
        now = self.clock.now()
        if not queue.has_due(self.db, now=now, kinds=self.kinds):
            return False
        claimed = queue.claim(self.db, worker=worker, now=now, kinds=self.kinds, lease=self.lease)
        if not claimed:
            return False
        for job in claimed:
            self._run(job)
        return True

    def drain(self, limit: int = 10_000) -> int:
        """Run due jobs until none is left (tests, the CLI); how many ran."""
        ran = 0
        while ran < limit and self.run_once():
            ran += 1
        return ran

    def _work(self, worker: str) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.run_once(worker)
            except Exception:
                logger.exception("worker %s could not claim a job", worker)
                busy = False
            if not busy:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        with self._held_lock:
            self._held[job.id] = job
        try:
            if handler is None:
                raise PermanentFailure(f"no handler for jobs of kind {job.kind!r}")
            if job.attempts > job.max_attempts:
                raise PermanentFailure(f"given up after {job.max_attempts} attempts (its worker stopped each time)")
            handler(JobRun(job, self.db, self.clock, self.stopping))
        except PermanentFailure as error:
            logger.warning("job %s (%s) failed: %s", job.id, job.kind, error)
            queue.fail(self.db, job, now=self.clock.now(), error=str(error), retry=False)
        except Exception as error:
            logger.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
            queue.fail(
                self.db,
                job,
                now=self.clock.now(),
                error=f"{type(error).__name__}: {error}",
                base=self.retry_base,
                cap=self.retry_cap,
            )
        else:
            if not queue.complete(self.db, job, now=self.clock.now()):
                logger.warning("job %s (%s) finished after its lease ended", job.id, job.kind)
        finally:
            with self._held_lock:
                self._held.pop(job.id, None)

    # --- periodic tasks and leases ------------------------------------------------------------

    def _keep(self) -> None:
        renew_every = max(self.lease.total_seconds() / 3, 0.05)
        tick = min(0.25, renew_every, *(task.every.total_seconds() for task in self.periodic))
        started = time.monotonic()
        next_run = {task.name: started for task in self.periodic}
        next_renew = started + renew_every
        while not self.stopping.wait(tick):
            now = time.monotonic()
            if now >= next_renew:
                next_renew = now + renew_every
                self._renew()
            for task in self.periodic:
                if self.stopping.is_set() or now < next_run[task.name]:
                    continue
                try:
                    task.run(self.db, self.clock)
                except Exception:
                    logger.exception("periodic task %s failed", task.name)
                next_run[task.name] = time.monotonic() + task.every.total_seconds()

    def _renew(self) -> None:
        with self._held_lock:
            held = list(self._held.values())
        if held:
            try:
                queue.renew(self.db, held, now=self.clock.now(), lease=self.lease)
            except Exception:
                logger.exception("could not renew the leases of %d jobs", len(held))

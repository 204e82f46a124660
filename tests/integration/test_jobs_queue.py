"""The database-backed job queue and its workers (``billforge.jobs``), on SQLite and PostgreSQL.

Each test uses job kinds of its own (``kind_of``), so the workers of the session's server, which
run billforge's kinds only, never take these jobs, and tests never see each other's.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from billforge.db.session import Database
from billforge.db.tables_jobs import jobs
from billforge.jobs import queue
from billforge.jobs.queue import JobStatus, NewJob
from billforge.jobs.worker import JobRun, PermanentFailure, WorkerPool

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def kind() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def add(db: Database, job: NewJob, now: datetime = T0) -> str | None:
    with db.write() as conn:
        return queue.enqueue(conn, job, now=now)


def status_of(db: Database, job_id: str) -> JobStatus:
    with db.read() as conn:
        row = queue.get_job(conn, job_id)
    assert row is not None
    return JobStatus(row.status)


def test_a_job_is_claimed_once_completed_and_not_claimed_again(db: Database, kind: str) -> None:
    job_id = add(db, NewJob(kind=kind, payload={"n": 1}, entity_id=None))
    assert job_id is not None and status_of(db, job_id) is JobStatus.QUEUED
    (claimed,) = queue.claim(db, worker="w1", now=T0, kinds=[kind])
    assert (claimed.id, claimed.payload, claimed.attempts) == (job_id, {"n": 1}, 1)
    assert status_of(db, job_id) is JobStatus.RUNNING
    assert queue.claim(db, worker="w2", now=T0, kinds=[kind]) == []  # held by w1
    assert queue.complete(db, claimed, now=T0) is True
    assert status_of(db, job_id) is JobStatus.DONE
    assert queue.claim(db, worker="w2", now=T0 + timedelta(days=1), kinds=[kind]) == []


def test_enqueueing_is_part_of_the_callers_transaction(db: Database, kind: str) -> None:
    with pytest.raises(RuntimeError), db.write() as conn:
        queue.enqueue(conn, NewJob(kind=kind), now=T0)
        raise RuntimeError("the work that asked for the job failed")
    assert queue.claim(db, worker="w", now=T0, kinds=[kind]) == []


def test_a_dedupe_key_makes_enqueueing_idempotent(db: Database, kind: str) -> None:
    first = add(db, NewJob(kind=kind, dedupe_key=f"{kind}:invoice-1"))
    again = add(db, NewJob(kind=kind, dedupe_key=f"{kind}:invoice-1"))
    other = add(db, NewJob(kind=kind, dedupe_key=f"{kind}:invoice-2"))
    assert first is not None and again is None and other is not None
    with db.write() as conn:
        added = queue.enqueue_many(
            conn, [NewJob(kind=kind, dedupe_key=f"{kind}:invoice-2"), NewJob(kind=kind, dedupe_key=None)], now=T0
        )
    assert len(added) == 1  # the second key was taken; the unkeyed job is added
    assert len(queue.claim(db, worker="w", now=T0, kinds=[kind], limit=10)) == 3


def test_jobs_wait_for_their_time_and_run_by_priority(db: Database, kind: str) -> None:
    later = add(db, NewJob(kind=kind, run_at=T0 + timedelta(minutes=5)))
    low = add(db, NewJob(kind=kind, priority=200))
    high = add(db, NewJob(kind=kind, priority=10))
    for expected in (high, low):
        (job,) = queue.claim(db, worker="w", now=T0, kinds=[kind])
        assert job.id == expected
        queue.complete(db, job, now=T0)
    assert queue.claim(db, worker="w", now=T0, kinds=[kind]) == []
    assert [j.id for j in queue.claim(db, worker="w", now=T0 + timedelta(minutes=5), kinds=[kind])] == [later]


def test_a_failed_job_is_retried_with_back_off_then_given_up(db: Database, kind: str) -> None:
    job_id = add(db, NewJob(kind=kind, max_attempts=3))
    assert job_id is not None
    now = T0
    delays = []
    for attempt in (1, 2):
        (job,) = queue.claim(db, worker="w", now=now, kinds=[kind])
        assert job.attempts == attempt
        assert queue.fail(db, job, now=now, error="boom") is JobStatus.QUEUED
        with db.read() as conn:
            row = queue.get_job(conn, job_id)
        assert row is not None and row.last_error == "boom"
        delays.append(row.run_at - now)
        assert queue.claim(db, worker="w", now=now, kinds=[kind]) == []  # not before its back-off
        now = row.run_at
    # 5 s after the first failure, 10 s after the second, each with up to 20 % jitter.
    assert timedelta(seconds=5) <= delays[0] <= timedelta(seconds=6)
    assert timedelta(seconds=10) <= delays[1] <= timedelta(seconds=12)
    (job,) = queue.claim(db, worker="w", now=now, kinds=[kind])
    assert queue.fail(db, job, now=now, error="boom again") is JobStatus.FAILED  # 3 of 3 attempts
    assert status_of(db, job_id) is JobStatus.FAILED
    assert queue.claim(db, worker="w", now=now + timedelta(days=1), kinds=[kind]) == []


def test_a_lost_lease_lets_another_worker_take_the_job_over(db: Database, kind: str) -> None:
    job_id = add(db, NewJob(kind=kind))
    (first,) = queue.claim(db, worker="dead", now=T0, kinds=[kind], lease=timedelta(seconds=60))
    assert queue.claim(db, worker="alive", now=T0 + timedelta(seconds=59), kinds=[kind]) == []
    (second,) = queue.claim(db, worker="alive", now=T0 + timedelta(seconds=61), kinds=[kind])
    assert (second.id, second.attempts) == (job_id, 2)
    assert queue.complete(db, first, now=T0 + timedelta(seconds=62)) is False  # the dead worker no longer holds it
    assert queue.renew(db, [first], now=T0 + timedelta(seconds=62)) == 0
    assert queue.renew(db, [second], now=T0 + timedelta(seconds=62)) == 1
    assert queue.complete(db, second, now=T0 + timedelta(seconds=63)) is True


def test_concurrent_claims_never_hand_out_a_job_twice(db: Database, kind: str) -> None:
    with db.write() as conn:
        queue.enqueue_many(conn, [NewJob(kind=kind, payload={"n": n}) for n in range(60)], now=T0)
    taken: list[str] = []
    lock = threading.Lock()

    def work(worker: str) -> None:
        while True:
            claimed = queue.claim(db, worker=worker, now=T0, kinds=[kind], limit=2)
            if not claimed:
                return
            with lock:
                taken.extend(job.id for job in claimed)
            for job in claimed:
                queue.complete(db, job, now=T0)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(taken) == 60
    assert len(set(taken)) == 60
    with db.read() as conn:
        done = conn.execute(select(jobs.c.status).where(jobs.c.kind == kind)).scalars().all()
    assert set(done) == {"done"}


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_pool_runs_handlers_retries_failures_and_fails_permanent_ones(db: Database, kind: str) -> None:
    ran: list[int] = []
    tries: dict[int, int] = {}

    def handler(run: JobRun) -> None:
        number = int(run.job.payload["n"])
        tries[number] = tries.get(number, 0) + 1
        if number == 1 and tries[number] < 2:
            raise RuntimeError("flaky once")
        if number == 2:
            raise PermanentFailure("cannot ever work")
        ran.append(number)

    ids = []
    with db.write() as conn:
        ids = queue.enqueue_many(conn, [NewJob(kind=kind, payload={"n": n}) for n in range(3)], now=datetime.now(UTC))
    pool = WorkerPool(
        db, handlers={kind: handler}, workers=2, poll_interval=0.05, retry_base=timedelta(milliseconds=50)
    )
    pool.start()
    try:
        wait_for(lambda: sorted(ran) == [0, 1] and status_of(db, ids[2]) is JobStatus.FAILED)
        wait_for(lambda: status_of(db, ids[1]) is JobStatus.DONE)
    finally:
        pool.stop()
    assert tries == {0: 1, 1: 2, 2: 1}  # the flaky job ran twice, the permanent failure once
    assert [status_of(db, i) for i in ids] == [JobStatus.DONE, JobStatus.DONE, JobStatus.FAILED]
    with db.read() as conn:
        row = queue.get_job(conn, ids[2])
    assert row is not None and row.last_error == "cannot ever work"


def test_work_survives_a_worker_that_stops_mid_job(db: Database, kind: str) -> None:
    """A pool stopped while its handler still runs leaves the job to its lease; a new pool (a
    restarted server) takes it over once the lease has ended, and the job runs to the end."""
    started = threading.Event()
    release = threading.Event()
    finished: list[str] = []

    def stuck(run: JobRun) -> None:
        started.set()
        release.wait(10)

    def working(run: JobRun) -> None:
        finished.append(run.job.id)

    with db.write() as conn:
        job_id = queue.enqueue(conn, NewJob(kind=kind), now=datetime.now(UTC))
    assert job_id is not None
    first = WorkerPool(db, handlers={kind: stuck}, workers=1, poll_interval=0.05, lease=timedelta(seconds=1))
    first.start()
    assert started.wait(10)
    first.stop(timeout=0.1)  # the handler is still running: the server went away mid-job
    assert status_of(db, job_id) is JobStatus.RUNNING
    # The first worker's thread is gone from the pool; make its lease run out as a crash would.
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(run_at=datetime.now(UTC) - timedelta(seconds=1)))
    second = WorkerPool(db, handlers={kind: working}, workers=1, poll_interval=0.05)
    second.start()
    try:
        wait_for(lambda: finished == [job_id] and status_of(db, job_id) is JobStatus.DONE)
    finally:
        second.stop()
        release.set()
    with db.read() as conn:
        row = queue.get_job(conn, job_id)
    assert row is not None and row.attempts == 2


def test_a_pool_runs_its_periodic_tasks_and_renews_leases(db: Database, kind: str) -> None:
    from billforge.jobs.worker import Periodic

    ticks: list[int] = []
    slow_started = threading.Event()
    release = threading.Event()

    def slow(run: JobRun) -> None:
        slow_started.set()
        release.wait(10)

    with db.write() as conn:
        job_id = queue.enqueue(conn, NewJob(kind=kind), now=datetime.now(UTC))
    assert job_id is not None
    pool = WorkerPool(
        db,
        handlers={kind: slow},
        periodic=[Periodic("tick", timedelta(milliseconds=100), lambda _db, _clock: ticks.append(1))],
        workers=1,
        poll_interval=0.05,
        lease=timedelta(milliseconds=600),
    )
    pool.start()
    try:
        assert slow_started.wait(10)
        time.sleep(1.5)  # well past the first lease: the keeper renewed it
        with db.read() as conn:
            row = queue.get_job(conn, job_id)
        assert row is not None and row.status == "running" and row.run_at > datetime.now(UTC)
        assert len(ticks) >= 3
    finally:
        release.set()
        pool.stop()
    assert status_of(db, job_id) is JobStatus.DONE


def test_finished_jobs_are_purged_after_their_keep(db: Database, kind: str) -> None:
    done_id = add(db, NewJob(kind=kind))
    failed_id = add(db, NewJob(kind=kind, max_attempts=1))
    for job in queue.claim(db, worker="w", now=T0, kinds=[kind], limit=2):
        if job.id == done_id:
            queue.complete(db, job, now=T0)
        else:
            queue.fail(db, job, now=T0, error="x")
    assert failed_id is not None and done_id is not None
    queue.purge(db, now=T0 + timedelta(hours=2), keep_done=timedelta(hours=1), keep_failed=timedelta(days=30))
    with db.read() as conn:
        assert queue.get_job(conn, done_id) is None
        assert queue.get_job(conn, failed_id) is not None
        assert queue.counts(conn, kind=kind) == {"failed": 1}

"""Server-side bulk tasks across restarts: a worker pool stopped mid-task (``serve`` shutting down), a
worker process killed with SIGKILL mid-task (and one killed after a generate call billed but before
its outcome was journaled), cancel while running, the lease fence, a target that cannot be reached.
Every run ends with each row billed exactly once.

These tests run on a database of their own, so that only the pools they start take its jobs. Each
account is subscribed to a 100.00 monthly fee from 1 January 2024 (billed in advance); its rows
have target dates on the 1st of consecutive months, so each invoice bills exactly one month:
100.00. An invoice of 200.00 would mean a month billed out of order; a second invoice for one
(account, target date) a row billed twice."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from test_bulk_support import HEADER, make_plan, subscribed_accounts
from test_bulk_tasks_support import SECRET_KEY, default_entity, own_database
from test_soap_support import endpoint, soap_user

from billforge.config import Settings
from billforge.db.session import Database
from billforge.db.tables import invoices as invoice_table
from billforge.db.tables_bulk import bulk_task_journal, bulk_tasks
from billforge.db.tables_jobs import jobs
from billforge.domain.catalog import ChargeType
from billforge.jobs import queue
from billforge.jobs.bulk_tasks import BulkTaskHandler
from billforge.jobs.worker import WorkerPool
from billforge.services import bulk_tasks as tasks
from billforge.services.bulk_tasks import JOB_KIND, Keyring, Lease, LeaseLost, NewTask, TaskJournal
from billforge.services.context import Context, SystemClock
from tests.conftest import ServerThread, Tenant, free_port, make_tenant

LEASE = timedelta(seconds=1)
MONTHS = [date(2024, m, 1) for m in (1, 2, 3)]


@pytest.fixture(scope="module")
def own(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with own_database(backend, tmp_path_factory.mktemp("restart")) as url:
        database = Database(url, pool_size=10)
        default_entity(database)
        yield database
        database.dispose()


@pytest.fixture
def tenant(own: Database) -> Tenant:
    return make_tenant(own)


def pool(db: Database, name: str, *, secret: str | None = None) -> WorkerPool:
    handler = BulkTaskHandler(secret_key=lambda: secret, lease=LEASE, progress_every=0.05)
    return WorkerPool(
        db,
        handlers={JOB_KIND: handler},
        workers=1,
        poll_interval=0.05,
        lease=LEASE,
        retry_base=timedelta(milliseconds=50),
        name=name,
    )


@dataclass(frozen=True)
class Planned:
    """The rows of a task: (account id, target date, post), in file order."""

    rows: list[tuple[str, date, bool]]

    def csv(self) -> str:
        lines = [f"{a},,,,,,{d.isoformat()},{'TRUE' if post else ''}" for a, d, post in self.rows]
        return "\n".join([HEADER, *lines]) + "\n"


def plan_rows(db: Database, ctx: Context, accounts: int, *, post: bool = True) -> Planned:
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    made = subscribed_accounts(db, ctx, plan, accounts)
    # Month by month, every account; the odd rows posted (when asked).
    rows = [(a.id, month, post and (n + m) % 2 == 1) for m, month in enumerate(MONTHS) for n, a in enumerate(made)]
    return Planned(rows)


def create(db: Database, ctx: Context, planned: Planned, **extra: Any) -> str:
    data = NewTask(name="restart", file_name="in.csv", content=planned.csv().encode(), max_zobjects=1, **extra)
    return tasks.create_task(db=db, ctx=ctx, data=data, keyring=Keyring(SECRET_KEY)).id


def journaled_rows(db: Database, task_id: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(bulk_task_journal)
                .where(bulk_task_journal.c.task_id == task_id, bulk_task_journal.c.line.like('{"e":"row"%'))
            ).scalar_one()
        )


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def task_of(db: Database, ctx: Context, task_id: str) -> tasks.TaskView:
    return tasks.get_task(db=db, ctx=ctx, task_id=task_id)


def results_of(db: Database, ctx: Context, task_id: str) -> list[dict[str, str]]:
    found = tasks.task_results(db=db, ctx=ctx, task_id=task_id)
    return list(csv.DictReader(io.StringIO(found.content.decode())))


def billed(db: Database, ctx: Context) -> list[Any]:
    with db.read() as conn:
        return list(
            conn.execute(
                select(
                    invoice_table.c.id,
                    invoice_table.c.account_id,
                    invoice_table.c.target_date,
                    invoice_table.c.amount,
                    invoice_table.c.status,
                ).where(invoice_table.c.entity_id == ctx.entity_id)
            )
        )


def check_exactly_once(db: Database, ctx: Context, planned: Planned, results: list[dict[str, str]]) -> None:
    invoices = {row.id: row for row in billed(db, ctx)}
    assert len(invoices) == len(planned.rows), "an invoice too many or too few"
    per_row = Counter((row.account_id, row.target_date) for row in invoices.values())
    assert set(per_row.values()) == {1}, "a row was billed twice"
    assert {Decimal(row.amount) for row in invoices.values()} == {Decimal("100.00")}  # one month each
    assert len(results) == len(planned.rows)
    for (account, month, post), result in zip(planned.rows, results, strict=True):
        assert result["Status"] == "Success", result
        invoice = invoices[result["InvoiceId"]]
        assert (invoice.account_id, invoice.target_date) == (account, month)
        assert result["Posted"] == ("TRUE" if post else "FALSE")
        assert invoice.status == ("Posted" if post else "Draft")
    assert len({r["InvoiceId"] for r in results}) == len(planned.rows)


@pytest.fixture(scope="module")
def own_server(own: Database) -> Iterator[ServerThread]:
    """billforge serving the tests' database (REST and SOAP), without workers of its own."""
    with ServerThread(Settings(database_url=own.url, host="127.0.0.1", workers=0), own) as server:
        yield server


def target_of(kind: str, server: ServerThread, db: Database, tenant: Tenant) -> dict[str, str]:
    if kind == "local":
        return {}
    if kind == "rest":
        return {"target": f"rest:{server.url}", "client_id": tenant.client_id, "client_secret": tenant.client_secret}
    user = soap_user(db, tenant)
    return {"target": f"soap:{endpoint(server, '52.0')}", "username": user.username, "password": user.password}


@pytest.mark.parametrize("kind", ["local", "rest", "soap"])
def test_a_pool_stopped_mid_task_hands_it_to_the_next_pool(
    kind: str, own: Database, own_server: ServerThread, tenant: Tenant
) -> None:
    ctx = tenant.ctx
    planned = plan_rows(own, ctx, 50)  # 50 accounts x 3 months = 150 rows, one object per call
    task_id = create(own, ctx, planned, **target_of(kind, own_server, own, tenant))
    first = pool(own, "first", secret=SECRET_KEY)
    first.start()
    try:
        wait_until(lambda: journaled_rows(own, task_id) >= 20, what="20 rows journaled")
    finally:
        first.stop()
    stopped = task_of(own, ctx, task_id)
    assert stopped.status == "queued"
    assert stopped.message == "interrupted: the server is stopping"
    assert 10 <= len(billed(own, ctx)) < len(planned.rows)  # a row to post journals 2 lines: 20 lines, 10+ rows
    assert stopped.rows_succeeded + stopped.rows_failed < len(planned.rows)
    assert stopped.has_results  # what it did until then

    second = pool(own, "second", secret=SECRET_KEY)
    second.start()
    try:
        wait_until(lambda: task_of(own, ctx, task_id).status == "succeeded", what="the task to succeed")
    finally:
        second.stop()
    done = task_of(own, ctx, task_id)
    assert (done.rows_total, done.rows_succeeded, done.rows_failed, done.rows_skipped) == (150, 150, 0, 0)
    assert done.rows_posted == 75  # rows (n + m) odd: 25 + 25 + 25 of the 3 months
    check_exactly_once(own, ctx, planned, results_of(own, ctx, task_id))
    with own.read() as conn:
        assert conn.execute(select(bulk_tasks.c.runs).where(bulk_tasks.c.id == task_id)).scalar() == 2
    assert journaled_rows(own, task_id) == 0  # a finished task's journal is deleted


DOOMED = """
import os, sys, time
from datetime import timedelta
from billforge.db.session import Database
from billforge.jobs.bulk_tasks import BulkTaskHandler
from billforge.jobs.worker import WorkerPool
from billforge.services.bulk_tasks import JOB_KIND

url, lease, kill_after_call = sys.argv[1], timedelta(seconds=float(sys.argv[2])), int(sys.argv[3])


class Doomed(BulkTaskHandler):
    def _target(self, task, db):
        target = super()._target(task, db)
        generate, calls = target.generate, []

        def dying(objects, *, key):
            answer = generate(objects, key=key)
            calls.append(key)
            if len(calls) == kill_after_call:
                os._exit(9)  # billed, but the outcome never reaches the journal
            return answer

        target.generate = dying
        return target


db = Database(url)
handler = Doomed(secret_key=lambda: None, lease=lease, progress_every=0.05)
WorkerPool(db, handlers={JOB_KIND: handler}, workers=1, poll_interval=0.05, lease=lease, name="doomed").start()
while True:
    time.sleep(1)
"""


def doomed_worker(db: Database, tmp_path: Path, kill_after_call: int) -> subprocess.Popen[bytes]:
    log = (tmp_path / "doomed.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-c", DOOMED, db.url, str(LEASE.total_seconds()), str(kill_after_call)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )


def test_a_worker_killed_mid_task_is_taken_over_after_its_lease(own: Database, tenant: Tenant, tmp_path: Path) -> None:
    ctx = tenant.ctx
    planned = plan_rows(own, ctx, 40)  # 120 rows
    task_id = create(own, ctx, planned, max_threads=2)
    process = doomed_worker(own, tmp_path, 0)
    try:
        wait_until(lambda: journaled_rows(own, task_id) >= 20, what="20 rows journaled")
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=20) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    assert task_of(own, ctx, task_id).status == "running"  # as the dead worker left it
    assert len(billed(own, ctx)) < len(planned.rows)

    rescuer = pool(own, "rescuer")
    rescuer.start()
    try:
        wait_until(lambda: task_of(own, ctx, task_id).status == "succeeded", what="the task to succeed")
    finally:
        rescuer.stop()
    check_exactly_once(own, ctx, planned, results_of(own, ctx, task_id))


def test_a_call_billed_but_not_journaled_is_reconciled(own: Database, tenant: Tenant, tmp_path: Path) -> None:
    ctx = tenant.ctx
    planned = plan_rows(own, ctx, 4)  # 12 rows, one per call
    task_id = create(own, ctx, planned)
    process = doomed_worker(own, tmp_path, 5)  # dies right after the 5th generate call billed
    assert process.wait(timeout=60) == 9
    # One thread, accounts in file order, each account's months generated first, then its posts.
    # Account 0 (post only February, n + m = 1): calls 1-3 generate January, February, March (3 row
    # lines), then February is posted (1 line). Account 1: call 4 generates January (to post: 1
    # line); call 5 bills February, and the process dies before the journal hears of it.
    assert len(billed(own, ctx)) == 5
    assert journaled_rows(own, task_id) == 3 + 1 + 1
    rescuer = pool(own, "rescuer")
    rescuer.start()
    try:
        wait_until(lambda: task_of(own, ctx, task_id).status == "succeeded", what="the task to succeed")
    finally:
        rescuer.stop()
    check_exactly_once(own, ctx, planned, results_of(own, ctx, task_id))


def test_canceling_a_running_task(own: Database, tenant: Tenant) -> None:
    ctx = tenant.ctx
    planned = plan_rows(own, ctx, 50, post=False)  # 150 rows, none posted
    task_id = create(own, ctx, planned)
    workers = pool(own, "cancel")
    workers.start()
    try:
        wait_until(lambda: journaled_rows(own, task_id) >= 10, what="10 rows journaled")
        asked = tasks.cancel_task(db=own, ctx=ctx, task_id=task_id)
        assert (asked.status, asked.cancel_requested) == ("running", True)
        wait_until(lambda: task_of(own, ctx, task_id).status == "canceled", what="the task to be canceled")
    finally:
        workers.stop()
    done = task_of(own, ctx, task_id)
    assert done.message == "canceled by a user"
    results = results_of(own, ctx, task_id)
    success = [r for r in results if r["Status"] == "Success"]
    skipped = [r for r in results if r["Status"] == "Skipped"]
    assert len(success) + len(skipped) == 150 and 10 <= len(success) < 150
    assert (done.rows_succeeded, done.rows_skipped, done.rows_failed) == (len(success), len(skipped), 0)
    assert {r["ErrorCode"] for r in skipped} == {"NOT_PROCESSED"}
    assert {r["ErrorMessage"] for r in skipped} == {
        "not processed: canceled by a user; the task ended before it finished this row"
    }
    # Exactly the Success rows were billed.
    assert {row.id for row in billed(own, ctx)} == {r["InvoiceId"] for r in success}


def test_an_append_after_the_lease_was_lost_writes_nothing(own: Database, tenant: Tenant) -> None:
    ctx = tenant.ctx
    task_id = create(own, ctx, Planned([]))
    clock = SystemClock()
    (job,) = queue.claim(own, worker="holder", now=clock.now(), kinds=[JOB_KIND], lease=LEASE)
    assert job.payload == {"task_id": task_id}
    intruder = TaskJournal(own, clock, task_id, Lease(job.id, "someone else", LEASE))
    intruder.open(new=True)
    with pytest.raises(LeaseLost):
        intruder.append([{"e": "run"}])
    assert not intruder.exists()
    holder = TaskJournal(own, clock, task_id, Lease(job.id, "holder", timedelta(minutes=5)))
    holder.open(new=True)
    holder.append([{"e": "run"}, {"e": "row", "row": 0, "state": "success"}])
    assert list(holder.lines()) == [{"e": "run"}, {"e": "row", "row": 0, "state": "success"}]
    with own.read() as conn:
        lease_end = conn.execute(select(jobs.c.run_at).where(jobs.c.id == job.id)).scalar_one()
    assert lease_end > clock.now() + timedelta(minutes=4)  # each append extends the holder's lease
    queue.complete(own, job, now=clock.now())


def test_an_unreachable_target_is_retried_then_fails_the_task(own: Database, tenant: Tenant) -> None:
    ctx = tenant.ctx
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    task_id = create(own, ctx, Planned([]), target=f"rest:{url}", client_id="c", client_secret="s")
    workers = pool(own, "retry", secret=SECRET_KEY)
    assert workers.run_once()
    waiting = task_of(own, ctx, task_id)
    assert waiting.status == "queued"
    assert waiting.message is not None and waiting.message.startswith(f"waiting to retry: rest:{url}: cannot connect")
    with own.write() as conn:  # make the next attempt the last
        conn.execute(update(jobs).where(jobs.c.payload["task_id"].as_string() == task_id).values(max_attempts=2))
    wait_until(workers.run_once, timeout=10, what="the job's second attempt")
    failed = task_of(own, ctx, task_id)
    assert failed.status == "failed"
    assert failed.message is not None and failed.message.startswith(f"rest:{url}: cannot connect")


def test_a_worker_without_the_secret_key_fails_the_task_with_the_reason(own: Database, tenant: Tenant) -> None:
    ctx = tenant.ctx
    task_id = create(own, ctx, Planned([]), target="soap:http://127.0.0.1:9/x", username="u", password="p")
    assert pool(own, "keyless", secret=None).run_once()
    failed = task_of(own, ctx, task_id)
    assert failed.status == "failed"
    assert failed.message == "BILLFORGE_SECRET_KEY is not set where the task runs: its login cannot be decrypted"

"""The bulk runner: spool the rows, resolve account numbers, run accounts on a pool of threads,
journal every outcome, and write the results.

Safety rules, in the order they matter:

1. A generate call is journaled as "in flight" before it is sent. If its outcome is lost (the
   connection drops, a 5xx, a timeout, the process is killed), nothing is sent again before the
   target has been asked which of the call's invoices exist (``Target.find_invoices``): the found
   ones are given to their rows, and only the others are generated again. REST calls also carry an
   idempotency key that stays the same while the call's objects are the same.
2. 429 / REQUEST_EXCEEDED_LIMIT and other "not done" answers are retried with exponential backoff
   and jitter, honouring Retry-After; a call that keeps failing stops the run (the target is down
   or overloaded) instead of failing row after row.
3. Max Threads is capped at the target's announced concurrency limit (20 for a SOAP target that
   announces none).
4. A row that cannot be billed fails alone; the run goes on.

The Invoice Settlement rule: when the target's setting is on and an invoice comes out negative (it
would need a credit memo, which the Invoice API Generator cannot make), the row fails with that
explanation and the draft is deleted. When the target does not say (remote targets), a negative
invoice is taken as the sign that the setting is on: the row fails and the draft is left, unposted.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final, NoReturn, TypeVar

from billforge.bulk import planner
from billforge.bulk.dates import DatePattern
from billforge.bulk.journal import (
    FileJournal,
    InFlight,
    Journal,
    JournalError,
    JournalStore,
    Replay,
    RunHeader,
    ensure_absent,
    peek,
    replay,
)
from billforge.bulk.progress import Reporter
from billforge.bulk.results import (
    CREDIT_MEMO_REQUIRED,
    OUTCOME_UNKNOWN,
    RESULT_COLUMNS,
    Summary,
    summarize,
    write_results,
)
from billforge.bulk.spool import (
    FAILED,
    FINAL_STATES,
    GENERATED,
    PENDING,
    SKIPPED,
    SUCCESS,
    UNFINISHED,
    LoadStats,
    Problem,
    RowOutcome,
    Spool,
    SpooledRow,
)
from billforge.bulk.target import (
    CallRefused,
    FoundInvoice,
    Generated,
    OutcomeUnknown,
    Retryable,
    Target,
    TargetError,
)

# Invoices created up to this long before a lost call started still count as possibly its own
# (clocks of the runner and a remote target may differ).
CLOCK_SKEW: Final = timedelta(minutes=5)
POSTED: Final = "Posted"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 8  # tries of one call before the run stops
    base: float = 0.5  # seconds before the first retry
    cap: float = 30.0  # longest backoff
    retry_after_cap: float = 300.0  # longest wait a Retry-After header can ask for

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """Seconds to wait before retry number ``attempt`` (from 1); ``jitter`` is in [0, 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        backoff: float = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return backoff * (0.5 + jitter / 2)


@dataclass(frozen=True, slots=True)
class RunOptions:
    name: str
    target_label: str  # the --target as given (and the entity): a resume must use the same
    date_format: str = "yyyy-MM-dd"
    max_threads: int = planner.DEFAULT_MAX_THREADS
    max_zobjects: int = planner.DEFAULT_MAX_ZOBJECTS
    resume: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # On resume, rows finished before are reported Skipped (the command line's --resume); a
    # server-side task keeps their outcome instead (a restart is not the user's doing).
    skip_finished_on_resume: bool = True
    # What the results tell the user to do about rows the run did not finish.
    finish_hint: str = "run again with --resume to finish it"
    unknown_hint: str = "run again with --resume to find out what happened"


@dataclass(frozen=True, slots=True)
class DryRunReport:
    stats: LoadStats
    threads: int
    accounts: int
    generate_calls: int
    post_calls: int
    rows_to_generate: int
    rows_to_post: int
    failed: int
    problems: list[Problem]
    plans: list[planner.AccountPlan]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run is: rows by state (``spool`` states) and invoices posted."""

    states: dict[str, int]
    posted: int


class RunStopped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def journal_path(results: Path) -> Path:
    return results.with_name(results.name + ".journal")


def spool_path(results: Path) -> Path:
    return results.with_name(results.name + ".spool")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BulkRun:
    """One run of one input file against one target."""

    def __init__(
        self,
        *,
        source: Path,
        results: Path,
        options: RunOptions,
        target: Target,
        reporter: Reporter,
        today: date,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] | None = None,
        jitter: Callable[[], float] = random.random,  # noqa: S311 (backoff jitter, not a secret)
        journal: JournalStore | None = None,
    ) -> None:
        self.source = source
        self.results = results
        self.options = options
        self.target = target
        self.reporter = reporter
        self.today = today
        self._now = now
        self._jitter = jitter
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._stop_lock = threading.Lock()
        self._stopped: str | None = None
        self._crash: BaseException | None = None
        self._in_flight: dict[str, list[InFlight]] = {}
        self._in_flight_lock = threading.Lock()
        self._settlement: bool | None = None
        self._spool: Spool | None = None
        self._journal: Journal | None = None
        self._run_id = ""
        self._journal_store = journal or FileJournal(journal_path(results))

    # --- the whole run ------------------------------------------------------------------------

    def execute(self) -> Summary:
        started = time.monotonic()
        pattern = DatePattern(self.options.date_format, today=self.today)
        digest = file_digest(self.source)
        store = self._journal_store
        header: RunHeader | None = None
        if self.options.resume:
            header = peek(store)
            self._check_resumable(header, digest)
        else:
            ensure_absent(store)
        spool = self._spool = Spool(spool_path(self.results))
        try:
            stats = spool.load(self.source, pattern, reserved=RESULT_COLUMNS)
            for warning in stats.header.warnings:
                self.reporter.note(f"warning: {warning}")
            # The target is opened before the journal exists: a run that cannot log in leaves nothing behind.
            self.target.open()
            try:
                self._settlement = self.target.invoice_settlement()
                threads = self._threads()
                journal = self._journal = self._start_journal(store, header, digest, stats.rows)
                try:
                    summary = self._run(threads, stats, started)
                    if self._stopped is None and self._crash is None:
                        journal.finished(summary.to_json())
                finally:
                    journal.close()
            finally:
                self.target.close()
        finally:
            spool.close(delete=self._crash is None)
        if self._crash is not None:
            raise self._crash
        return summary

    def _start_journal(self, store: JournalStore, header: RunHeader | None, digest: str, rows: int) -> Journal:
        if header is not None:
            state = self._replay(store, self._require_spool())
            self._in_flight = state.in_flight
            self._run_id = header.run_id
            return Journal.reopen(store, state, self._now())
        self._run_id = digest[:6] + hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:10]
        return Journal.create(
            store,
            RunHeader(
                run_id=self._run_id,
                name=self.options.name,
                input_sha256=digest,
                rows=rows,
                date_format=self.options.date_format,
                target=self.options.target_label,
                created=self._now().isoformat(),
            ),
        )

    def _run(self, threads: int, stats: LoadStats, started: float) -> Summary:
        spool = self._require_spool()
        self._resolve(threads)
        spool.build_accounts()
        counts = spool.counts()
        self.reporter.start(counts.get(PENDING, 0) + counts.get(GENERATED, 0))
        try:
            self._run_pool(threads)
        finally:
            self.reporter.stop()
        summary = summarize(
            self.options.name,
            spool.counts(),
            spool.posted_count(),
            time.monotonic() - started,
            self.results,
            self._stopped,
        )
        write_results(
            self.results,
            stats.header.carried_names,
            spool.results(),
            stopped=self._stopped,
            hint=self.options.finish_hint,
        )
        return summary

    def _check_resumable(self, header: RunHeader, digest: str) -> None:
        problems = []
        if header.input_sha256 != digest:
            problems.append("the input file has changed since that run")
        if header.date_format != self.options.date_format:
            problems.append(f"that run used the date format {header.date_format!r}")
        if header.target != self.options.target_label:
            problems.append(f"that run used the target {header.target!r}")
        if problems:
            raise JournalError(f"cannot resume the run in {self._journal_store.where}: " + "; ".join(problems))

    def _replay(self, store: JournalStore, spool: Spool) -> Replay:
        buffer: list[RowOutcome] = []

        def apply(outcome: RowOutcome) -> None:
            if outcome.state in FINAL_STATES and self.options.skip_finished_on_resume:
                earlier = "Success" if outcome.state == SUCCESS else "Failed"
                detail = f": {outcome.message}" if outcome.message else ""
                outcome = RowOutcome(
                    idx=outcome.idx,
                    state=SKIPPED,
                    invoice_id=outcome.invoice_id,
                    invoice_number=outcome.invoice_number,
                    posted=outcome.posted,
                    code=outcome.code,
                    message=f"finished before the resume: {earlier}{detail}",
                )
            buffer.append(outcome)
            if len(buffer) >= 1000:
                spool.record(buffer)
                buffer.clear()

        state = replay(store, apply)
        spool.record(buffer)
        return state

    def _threads(self) -> int:
        threads, why = planner.effective_threads(
            self.options.max_threads, self.target.concurrency_limit(), self.target.unannounced_limit
        )
        if why:
            self.reporter.note(f"warning: {why}")
        return threads

    # --- account numbers ----------------------------------------------------------------------

    def _resolve(self, threads: int) -> None:
        spool = self._require_spool()
        batches = spool.numbers_to_resolve(self.options.max_zobjects)

        def resolve(numbers: list[str]) -> tuple[list[str], dict[str, str]]:
            return numbers, self._read(lambda: self.target.resolve_accounts(numbers))

        for numbers, resolved in _bounded_map(resolve, batches, threads):
            spool.apply_resolution(numbers, resolved)

    # --- the pool -----------------------------------------------------------------------------

    def _run_pool(self, threads: int) -> None:
        dispenser = _Accounts(self._require_spool())
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bulk") as pool:
            futures = [pool.submit(self._work, dispenser) for _ in range(threads)]
            try:
                while not all(f.done() for f in futures):
                    wait(futures, timeout=0.5)
            except KeyboardInterrupt:
                self._halt("interrupted (Ctrl-C or SIGTERM)")
                wait(futures)

    def _work(self, dispenser: _Accounts) -> None:
        try:
            while not self._stop.is_set():
                account = dispenser.next()
                if account is None:
                    return
                self._account(account)
        except RunStopped as stop:
            self._halt(stop.reason)
        except TargetError as error:
            self._halt(f"the target failed: {error.message}")
        except BaseException as error:  # a bug: stop everything, write the results, then raise it
            self._crash = error
            self._halt(f"internal error: {error!r}")

    def stop(self, reason: str) -> None:
        """Stop the run from another thread: calls under way finish and are journaled, no new call
        starts, the results are written (rows not reached say ``reason``); ``execute`` then returns."""
        self._halt(reason)

    def progress(self) -> Progress | None:
        """Rows by state so far (any thread, any time); ``None`` before the rows are read or after
        the run ended."""
        spool = self._spool
        if spool is None:
            return None
        try:
            return Progress(spool.counts(), spool.posted_count())
        except sqlite3.ProgrammingError:  # the spool was closed: the run is over
            return None

    def _halt(self, reason: str) -> None:
        with self._stop_lock:
            if self._stopped is None:
                self._stopped = reason
                self.reporter.note(f"stopping: {reason}")
        self._stop.set()

    def _account(self, account: str) -> None:
        spool = self._require_spool()
        with self._in_flight_lock:
            flights = self._in_flight.pop(account, [])
        for flight in flights:
            self._settle_flight(account, flight)
        for batch in planner.generate_batches(spool.account_rows(account), self.options.max_zobjects):
            if self._stop.is_set():
                return
            self._generate(account, batch)
        for batch in planner.post_batches(spool.account_rows(account), self.options.max_zobjects):
            if self._stop.is_set():
                return
            self._post(account, batch)

    # --- generate -----------------------------------------------------------------------------

    def _generate(self, account: str, batch: list[SpooledRow]) -> None:
        journal = self._require_journal()
        call = journal.new_call()
        since = self._now()
        attempt = tries = 0
        remaining = batch
        while remaining:
            key = f"bulk-{self._run_id}-{call}-{attempt}"
            journal.call_started(
                call=call,
                op="generate",
                account=account,
                rows=[r.idx for r in remaining],
                key=key,
                since=since,
                at=self._now(),
            )
            try:
                results = self.target.generate([r.request for r in remaining], key=key)
            except Retryable as error:
                tries += 1
                if not self._wait(tries, error.retry_after, f"generate for account {account}: {error.message}"):
                    journal.call_ended(call)  # nothing was done; the rows stay to run
                    return
                attempt += 1
                continue
            except OutcomeUnknown as error:
                tries += 1
                if tries >= self.options.retry.attempts:
                    self._unfinished(remaining, f"gave up after {tries} attempts: {error.message}")
                if not self._wait(tries, error.retry_after, f"generate for account {account}: {error.message}"):
                    self._unfinished(remaining, error.message)
                found = self._reconcile(account, remaining, since)
                if found:
                    self._finish([self._settle(r, found[r.idx]) for r in remaining if r.idx in found])
                    remaining = [r for r in remaining if r.idx not in found]
                    attempt += 1  # another body: another idempotency key
                continue  # the same objects again: the same key, so a REST target replays its answer
            except CallRefused as refused:
                self._finish([_failed(r, refused.code, refused.message) for r in remaining], end_call=call)
                return
            if len(results) != len(remaining):
                raise RunStopped(f"the target answered {len(results)} results for {len(remaining)} objects")
            made = {
                r.idx: res.invoice_id for r, res in zip(remaining, results, strict=True) if isinstance(res, Generated)
            }
            described = self._describe(account, list(made.values())) if made else {}
            outcomes: list[RowOutcome] = []
            retry: list[SpooledRow] = []
            for row, result in zip(remaining, results, strict=True):
                if isinstance(result, Generated):
                    outcomes.append(self._settle(row, described[result.invoice_id]))
                elif result.retryable:
                    retry.append(row)
                else:
                    outcomes.append(_failed(row, result.code, result.message))
            self._finish(outcomes, end_call=None if retry else call)
            remaining = retry
            if retry:
                tries += 1
                if not self._wait(tries, None, f"generate for account {account}: the target refused objects (limit)"):
                    journal.call_ended(call)
                    return
                attempt += 1

    def _describe(self, account: str, ids: list[str]) -> dict[str, FoundInvoice]:
        """Number, amount and status of invoices just generated (missing ones: only their id)."""
        found = {f.invoice_id: f for f in self._read(lambda: self.target.find_invoices(account, ids=ids))}
        return {i: found.get(i) or FoundInvoice(i, None, account, None, None, None, None) for i in ids}

    def _reconcile(self, account: str, rows: Sequence[SpooledRow], since: datetime) -> dict[int, FoundInvoice]:
        """Which of these rows already have their invoice: created by a call whose outcome was lost.

        Candidates are the account's invoices for the rows' target dates that no row owns yet and
        that were created no earlier than the lost call started (less ``CLOCK_SKEW``). Each row takes
        the earliest candidate with its target date, invoice date and charge types."""
        spool = self._require_spool()
        found = self._read(lambda: self.target.find_invoices(account, target_dates={r.target_date for r in rows}))
        owned = spool.claimed({f.invoice_id for f in found})
        earliest = since - CLOCK_SKEW
        candidates = sorted(
            (f for f in found if f.invoice_id not in owned and (f.created is None or f.created >= earliest)),
            key=lambda f: (f.created or earliest, f.invoice_number or "", f.invoice_id),
        )
        matched: dict[int, FoundInvoice] = {}
        for row in rows:
            for candidate in candidates:
                if _matches(candidate, row, account):
                    matched[row.idx] = candidate
                    candidates.remove(candidate)
                    break
        return matched

    def _settle(self, row: SpooledRow, invoice: FoundInvoice) -> RowOutcome:
        """The outcome of a row whose invoice exists: the Invoice Settlement rule, then post or done."""
        if invoice.amount is not None and invoice.amount < 0 and self._settlement is not False:
            amount = _money(invoice.amount)
            if self._settlement:
                reason = (
                    f"Invoice Settlement is on and this invoice's amount is {amount}: it would need a credit memo, "
                    "which the Invoice API Generator cannot create"
                )
                try:
                    self.target.discard([invoice.invoice_id])
                except TargetError as error:
                    return _failed(
                        row,
                        CREDIT_MEMO_REQUIRED,
                        f"{reason}; deleting the draft invoice failed ({error.message})",
                        invoice,
                    )
                return _failed(row, CREDIT_MEMO_REQUIRED, f"{reason}; the draft invoice was deleted")
            return _failed(
                row,
                CREDIT_MEMO_REQUIRED,
                f"the invoice's amount is {amount}: it would need a credit memo, which the Invoice API Generator "
                "cannot create when Invoice Settlement is on (the target does not say whether it is, so a negative "
                "amount is taken as the sign); the draft invoice was left as it is, not posted",
                invoice,
            )
        state = GENERATED if row.post else SUCCESS
        return RowOutcome(row.idx, state, invoice.invoice_id, invoice.invoice_number)

    # --- post ---------------------------------------------------------------------------------

    def _post(self, account: str, batch: list[SpooledRow]) -> None:
        journal = self._require_journal()
        call = journal.new_call()
        since = self._now()
        attempt = tries = 0
        remaining = batch
        while remaining:
            key = f"bulk-{self._run_id}-{call}-{attempt}"
            ids = [str(r.invoice_id) for r in remaining]
            journal.call_started(
                call=call,
                op="post",
                account=account,
                rows=[r.idx for r in remaining],
                key=key,
                since=since,
                at=self._now(),
            )
            try:
                results = self.target.post(ids, key=key)
            except Retryable as error:
                tries += 1
                if not self._wait(tries, error.retry_after, f"post for account {account}: {error.message}"):
                    journal.call_ended(call)
                    return
                attempt += 1
                continue
            except OutcomeUnknown as error:
                tries += 1
                if tries >= self.options.retry.attempts:
                    self._unfinished(remaining, f"gave up after {tries} attempts: {error.message}")
                if not self._wait(tries, error.retry_after, f"post for account {account}: {error.message}"):
                    self._unfinished(remaining, error.message)
                posted = self._posted(account, remaining)
                if posted:
                    self._finish([_success_posted(r) for r in remaining if r.idx in posted])
                    remaining = [r for r in remaining if r.idx not in posted]
                    attempt += 1
                continue
            except CallRefused as refused:
                self._finish([_post_failed(r, refused.code, refused.message) for r in remaining], end_call=call)
                return
            if len(results) != len(remaining):
                raise RunStopped(f"the target answered {len(results)} results for {len(remaining)} invoices to post")
            outcomes: list[RowOutcome] = []
            retry: list[SpooledRow] = []
            for row, result in zip(remaining, results, strict=True):
                if result is None:
                    outcomes.append(_success_posted(row))
                elif result.retryable:
                    retry.append(row)
                else:
                    outcomes.append(_post_failed(row, result.code, result.message))
            self._finish(outcomes, end_call=None if retry else call)
            remaining = retry
            if retry:
                tries += 1
                if not self._wait(tries, None, f"post for account {account}: the target refused invoices (limit)"):
                    journal.call_ended(call)
                    return
                attempt += 1

    def _posted(self, account: str, rows: Sequence[SpooledRow]) -> set[int]:
        """Rows whose invoice the target says is already posted."""
        ids = {str(r.invoice_id): r.idx for r in rows}
        found = self._read(lambda: self.target.find_invoices(account, ids=list(ids)))
        return {ids[f.invoice_id] for f in found if f.invoice_id in ids and f.status == POSTED}

    # --- in-flight calls of an interrupted run ------------------------------------------------

    def _settle_flight(self, account: str, flight: InFlight) -> None:
        rows = self._require_spool().rows(flight.rows)
        if flight.op == "generate":
            pending = [r for r in rows if r.state == PENDING]
            found = self._reconcile(account, pending, flight.since) if pending else {}
            outcomes = [self._settle(r, found[r.idx]) for r in pending if r.idx in found]
        else:
            waiting = [r for r in rows if r.state == GENERATED and r.invoice_id]
            posted = self._posted(account, waiting) if waiting else set()
            outcomes = [_success_posted(r) for r in waiting if r.idx in posted]
        self._finish(outcomes, end_call=flight.call)
        if flight.op == "generate" and outcomes:
            self.reporter.note(
                f"resume: {len(outcomes)} invoice(s) of account {account} had been generated by the interrupted run; "
                "they were matched to their rows instead of being generated again"
            )

    # --- shared -------------------------------------------------------------------------------

    def _finish(self, outcomes: Sequence[RowOutcome], *, end_call: str | None = None) -> None:
        """Journal outcomes (durably), then spool them, then count the finished rows."""
        if not outcomes and end_call is None:
            return
        self._require_journal().rows_finished(outcomes, end_call=end_call)
        self._require_spool().record(outcomes)
        done = sum(1 for o in outcomes if o.state in FINAL_STATES)
        if done:
            self.reporter.advance(done)

    def _unfinished(self, rows: Sequence[SpooledRow], why: str) -> NoReturn:
        """Rows of a call whose outcome stayed unknown: failed in these results, left in flight in the
        journal so that ``--resume`` reconciles them."""
        self._require_spool().record(
            [
                RowOutcome(
                    r.idx,
                    UNFINISHED,
                    r.invoice_id,
                    r.invoice_number,
                    code=OUTCOME_UNKNOWN,
                    message=f"the target's answer was lost ({why}); {self.options.unknown_hint}",
                )
                for r in rows
            ]
        )
        raise RunStopped(f"the target keeps failing: {why}")

    def _wait(self, tries: int, retry_after: float | None, what: str) -> bool:
        """Back off before retry number ``tries``. False when the run is stopping; raises RunStopped
        when the call has used all its attempts."""
        if tries >= self.options.retry.attempts:
            raise RunStopped(f"gave up after {tries} attempts: {what}")
        if self._stop.is_set():
            return False
        self._sleep(self.options.retry.delay(tries, retry_after, self._jitter()))
        return not self._stop.is_set()

    def _read(self, call: Callable[[], T]) -> T:
        """A call that changes nothing (query, resolve): retried on any transient failure."""
        tries = 0
        while True:
            try:
                return call()
            except (Retryable, OutcomeUnknown) as error:
                tries += 1
                if tries >= self.options.retry.attempts:
                    raise RunStopped(f"gave up after {tries} attempts: {error.message}") from error
                self._sleep(self.options.retry.delay(tries, error.retry_after, self._jitter()))
                if self._stop.is_set():
                    raise RunStopped(self._stopped or "stopped") from error
            except CallRefused as refused:
                raise RunStopped(f"the target refused a query: {refused.code}: {refused.message}") from refused

    def _require_spool(self) -> Spool:
        if self._spool is None:
            raise RuntimeError("the run has not started")
        return self._spool

    def _require_journal(self) -> Journal:
        if self._journal is None:
            raise RuntimeError("the run has not started")
        return self._journal

    # --- dry run ------------------------------------------------------------------------------

    def dry_run(self, *, problem_limit: int = 100, plan_limit: int = 20) -> DryRunReport:
        """Check every row (resolving account numbers through the target, which only reads) and
        work out the plan, without generating anything or writing the results."""
        pattern = DatePattern(self.options.date_format, today=self.today)
        with tempfile.TemporaryDirectory(prefix="billforge-bulk-") as scratch:
            spool = self._spool = Spool(Path(scratch) / "dry-run.spool")
            notes: list[str] = []
            try:
                stats = spool.load(self.source, pattern, reserved=RESULT_COLUMNS)
                notes.extend(f"warning: {w}" for w in stats.header.warnings)
                self.target.open()
                try:
                    threads, why = planner.effective_threads(
                        self.options.max_threads, self.target.concurrency_limit(), self.target.unannounced_limit
                    )
                    if why:
                        notes.append(f"warning: {why}")
                    self._resolve(threads)
                finally:
                    self.target.close()
                accounts = spool.build_accounts()
                plans: list[planner.AccountPlan] = []
                generate_calls = post_calls = rows_to_generate = rows_to_post = 0
                for account, rows, posts, first, last in spool.account_sizes():
                    plan = planner.account_plan(account, rows, posts, first, last, self.options.max_zobjects)
                    generate_calls += plan.generate_calls
                    post_calls += plan.post_calls
                    rows_to_generate += rows
                    rows_to_post += posts
                    if len(plans) < plan_limit:
                        plans.append(plan)
                return DryRunReport(
                    stats=stats,
                    threads=threads,
                    accounts=accounts,
                    generate_calls=generate_calls,
                    post_calls=post_calls,
                    rows_to_generate=rows_to_generate,
                    rows_to_post=rows_to_post,
                    failed=spool.counts().get(FAILED, 0),
                    problems=spool.problems(problem_limit),
                    plans=plans,
                    notes=notes,
                )
            finally:
                spool.close()


def _money(amount: Decimal) -> str:
    """An amount as people write it: two decimals unless it has more (-50.0000 is -50.00)."""
    cents = amount.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == amount else f"{amount.normalize():f}"


def _matches(invoice: FoundInvoice, row: SpooledRow, account: str) -> bool:
    if invoice.account_id is not None and invoice.account_id != account:
        return False
    if invoice.target_date != row.target_date:
        return False
    if invoice.invoice_date is not None and invoice.invoice_date != row.invoice_date:
        return False
    for known, wanted in (
        (invoice.includes_one_time, row.includes_one_time),
        (invoice.includes_recurring, row.includes_recurring),
        (invoice.includes_usage, row.includes_usage),
    ):
        if known is not None and known != wanted:
            return False
    return True


def _failed(row: SpooledRow, code: str, message: str, invoice: FoundInvoice | None = None) -> RowOutcome:
    return RowOutcome(
        row.idx,
        FAILED,
        invoice.invoice_id if invoice else None,
        invoice.invoice_number if invoice else None,
        code=code,
        message=message,
    )


def _success_posted(row: SpooledRow) -> RowOutcome:
    return RowOutcome(row.idx, SUCCESS, row.invoice_id, row.invoice_number, posted=True)


def _post_failed(row: SpooledRow, code: str, message: str) -> RowOutcome:
    return RowOutcome(
        row.idx,
        FAILED,
        row.invoice_id,
        row.invoice_number,
        code=code,
        message=f"the invoice was generated but not posted: {message}",
    )


class _Accounts:
    """Hands out accounts to threads, one at a time, reading the spool's account list in pages."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._lock = threading.Lock()
        self._buffer: deque[str] = deque()
        self._after = 0
        self._exhausted = False

    def next(self) -> str | None:
        with self._lock:
            if not self._buffer and not self._exhausted:
                page = self._spool.next_accounts(self._after, 256)
                if page:
                    self._after = page[-1][0]
                    self._buffer.extend(account for _, account in page)
                else:
                    self._exhausted = True
            return self._buffer.popleft() if self._buffer else None


def _bounded_map(
    fn: Callable[[T], tuple[list[str], dict[str, str]]], items: Iterator[T], threads: int
) -> Iterator[tuple[list[str], dict[str, str]]]:
    """``fn`` over ``items`` on ``threads`` threads, with at most ``2 * threads`` items in flight."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bulk-resolve") as pool:
        pending: deque[Future[tuple[list[str], dict[str, str]]]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

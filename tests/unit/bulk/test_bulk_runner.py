"""The runner against the fake target: planning, threads, retries, reconciliation, settlement,
results, resume. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from fake_target import Crash, FakeTarget

from billforge.bulk.journal import JournalError
from billforge.bulk.progress import SilentReporter
from billforge.bulk.results import Summary
from billforge.bulk.runner import BulkRun, DryRunReport, RetryPolicy, RunOptions
from billforge.bulk.target import TargetError

HEADER = (
    "Invoice.AccountId,Invoice.AccountNumber,Invoice.IncludesOneTime,Invoice.IncludesRecurring,"
    "Invoice.IncludesUsage,Invoice.Date,Invoice.TargetDate,Invoice.Post"
)
A = "a" * 31 + "1"
B = "b" * 31 + "2"
C = "c" * 31 + "3"


class Harness:
    def __init__(self, tmp_path: Path, lines: list[str], config: dict[str, object] | None = None) -> None:
        self.source = tmp_path / "in.csv"
        self.source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        self.results = tmp_path / "out.csv"
        self.fake = FakeTarget(config=config or {})
        self.sleeps: list[float] = []
        self.reporter = SilentReporter()

    def run(self, *, resume: bool = False, threads: int = 1, zobjects: int = 50, attempts: int = 8) -> Summary:
        return self._run(resume=resume, threads=threads, zobjects=zobjects, attempts=attempts).execute()

    def dry_run(self, *, threads: int = 1, zobjects: int = 50) -> DryRunReport:
        return self._run(resume=False, threads=threads, zobjects=zobjects, attempts=8).dry_run()

    def _run(self, *, resume: bool, threads: int, zobjects: int, attempts: int) -> BulkRun:
        self.reporter = SilentReporter()
        return BulkRun(
            source=self.source,
            results=self.results,
            options=RunOptions(
                name="May run",
                target_label="fake",
                max_threads=threads,
                max_zobjects=zobjects,
                resume=resume,
                retry=RetryPolicy(attempts=attempts),
            ),
            target=self.fake,
            reporter=self.reporter,
            today=date(2026, 1, 1),
            sleep=self.sleeps.append,
            jitter=lambda: 0.0,
        )

    def rows(self) -> list[dict[str, str]]:
        with self.results.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def journal(self) -> list[dict[str, object]]:
        path = self.results.with_name(self.results.name + ".journal")
        return [json.loads(line) for line in path.read_text().splitlines()]


def statuses(rows: list[dict[str, str]]) -> list[str]:
    return [r["Status"] for r in rows]


def test_results_one_line_per_input_row_in_input_order(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [
            f"{A},,,,,,2024-02-29,TRUE",  # row 1: A's second invoice (generated second), posted
            f"{A},,,,,,2024-01-31,",  # row 2: A's first invoice
            ",A-2,FALSE,,,2024-02-01,2024-01-31,",  # row 3: B by number, invoice dated 1 Feb
            ",A-9,,,,,2024-01-31,",  # row 4: unknown number
            f"{A},A-2,,,,,2024-03-31,",  # row 5: id and number are different accounts
            "bad,,,,,,2024-13-01,maybe",  # row 6: three problems
            ",,,,,,,",  # a blank line: not a row
        ],
        {"accounts": {"A-2": B}},
    )
    summary = h.run()
    rows = h.rows()
    assert list(rows[0]) == [
        *HEADER.split(","),
        "Status",
        "InvoiceId",
        "InvoiceNumber",
        "Posted",
        "ErrorCode",
        "ErrorMessage",
    ]
    assert statuses(rows) == ["Success", "Success", "Success", "Failed", "Failed", "Failed"]
    # A is taken first (earliest date 2024-01-31 at row 2, ahead of B's row 3): row 2 is invoice 1,
    # row 1 invoice 2; then B's row 3 is invoice 3.
    assert [(r["InvoiceNumber"], r["Posted"]) for r in rows[:3]] == [
        ("INV00000002", "TRUE"),
        ("INV00000001", "FALSE"),
        ("INV00000003", "FALSE"),
    ]
    assert rows[0]["InvoiceId"] == f"{2:032x}"
    assert rows[0]["Invoice.Post"] == "TRUE" and rows[1]["Invoice.Post"] == ""  # input cells copied as they were
    assert (rows[3]["ErrorCode"], rows[3]["ErrorMessage"]) == (
        "INVALID_VALUE",
        "Invoice.AccountNumber 'A-9': no account has this number",
    )
    assert rows[4]["ErrorMessage"] == (
        f"Invoice.AccountId '{A}' and Invoice.AccountNumber 'A-2' are different accounts (that number is account {B})"
    )
    assert rows[5]["ErrorMessage"].count(";") == 2
    invoices = h.fake.invoices()
    assert [(i["account"], i["target_date"], i["invoice_date"], i["one_time"]) for i in invoices] == [
        (A, "2024-01-31", "2024-01-31", 1),
        (A, "2024-02-29", "2024-02-29", 1),
        (B, "2024-01-31", "2024-02-01", 0),
    ]
    assert [i["status"] for i in invoices] == ["Draft", "Posted", "Draft"]
    assert (summary.rows, summary.success, summary.failed, summary.skipped, summary.posted) == (6, 3, 3, 0, 1)
    assert summary.stopped is None
    assert h.journal()[-1]["e"] == "done"
    assert not h.results.with_name("out.csv.spool").exists()  # the scratch spool is removed


def test_each_account_in_one_thread_earliest_date_first_at_most_max_zobjects(tmp_path: Path) -> None:
    accounts = [f"{n:032d}" for n in range(1, 7)]
    months = ["2024-04-30", "2024-01-31", "2024-03-31", "2024-02-29", "2024-05-31"]
    lines = [f"{acc},,,,,,{month}," for month in months for acc in accounts]  # 30 rows, interleaved
    h = Harness(tmp_path, lines, {"delay": 0.01})
    summary = h.run(threads=3, zobjects=2)
    assert summary.success == 30
    calls = h.fake.calls()
    # 5 rows per account at 2 per call: 2 + 2 + 1 = 3 calls each, 18 calls in all.
    assert len(calls) == 18
    assert max(c["size"] for c in calls) == 2
    by_account: dict[str, list[dict[str, object]]] = defaultdict(list)
    for call in calls:
        by_account[str(call["account"])].append(call)
    for account, account_calls in by_account.items():
        assert len({c["thread"] for c in account_calls}) == 1, f"{account} ran on several threads"
        dates = [d for c in account_calls for d in json.loads(str(c["dates"]))]
        assert dates == sorted(months), f"{account} not earliest first"
    assert h.fake.most_active <= 3
    assert len({c["thread"] for c in calls}) <= 3


def test_rows_with_the_same_account_and_date_keep_file_order(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [
            f"{A},,TRUE,FALSE,FALSE,,2024-01-31,",  # one-time only
            f"{A},,FALSE,TRUE,FALSE,,2024-01-31,",  # recurring only
            f"{A},,FALSE,FALSE,TRUE,,2024-01-31,",  # usage only
        ],
    )
    h.run()
    assert [(i["one_time"], i["recurring"], i["usage"]) for i in h.fake.invoices()] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_posting_in_batches_of_max_zobjects_after_generation(tmp_path: Path) -> None:
    months = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    h = Harness(tmp_path, [f"{A},,,,,,{m},TRUE" for m in months])
    summary = h.run(zobjects=2)
    # Generate: 2 + 2 + 1 objects; then post: 2 + 2 + 1 invoices, all after the last generate.
    assert [c["size"] for c in h.fake.calls()] == [2, 2, 1]
    assert [c["size"] for c in h.fake.calls("post")] == [2, 2, 1]
    last_generate = max(int(str(c["seq"])) for c in h.fake.calls())
    assert min(int(str(c["seq"])) for c in h.fake.calls("post")) > last_generate
    assert summary.posted == 5
    assert {r["Posted"] for r in h.rows()} == {"TRUE"}


def test_threads_capped_at_the_announced_concurrency_limit(tmp_path: Path) -> None:
    lines = [f"{n:032d},,,,,,2024-01-31," for n in range(1, 9)]
    h = Harness(tmp_path, lines, {"limit": 2, "delay": 0.02})
    h.run(threads=5)
    assert h.fake.most_active <= 2
    assert len({c["thread"] for c in h.fake.calls()}) <= 2
    assert h.reporter.notes == [
        "warning: Max Threads lowered from 5 to 2: the target's concurrency limit (Concurrency-Limit-Limit)"
    ]


def test_a_target_that_announces_no_limit_is_capped_at_its_fallback_with_a_warning(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,"], {"unannounced": 20})
    h.run(threads=25)
    assert h.reporter.notes == [
        "warning: the target announces no concurrency limit: Max Threads lowered from 25 to 20, Zuora's documented "
        "limit for concurrent invoice generation"
    ]


def test_429_is_retried_after_retry_after_with_a_new_key(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,", f"{A},,,,,,2024-02-29,"], {"throttle_calls": [1]})
    summary = h.run()
    assert summary.success == 2
    assert h.sleeps == [7.0]  # the fake's Retry-After
    keys = [str(c["key"]) for c in h.fake.calls()]
    assert len(keys) == 2 and keys[0].endswith("-0") and keys[1].endswith("-1")
    assert len(h.fake.invoices()) == 2


def test_a_lost_answer_is_reconciled_and_never_billed_twice(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE", f"{A},,,,,,2024-02-29,"], {"lose_calls": [1]})
    summary = h.run()
    # The call billed both rows and lost its answer: the runner waits (0.5 s x 2^0 x 0.5 jitter
    # factor = 0.25 s), asks the target, finds both invoices, and sends nothing again.
    assert h.sleeps == [0.25]
    assert len(h.fake.calls()) == 1
    assert len(h.fake.invoices()) == 2
    assert summary.success == 2 and summary.posted == 1
    assert [r["InvoiceNumber"] for r in h.rows()] == ["INV00000001", "INV00000002"]


def test_a_lost_answer_with_nothing_billed_is_sent_again_with_the_same_key(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,"], {"drop_calls": [1]})
    summary = h.run()
    keys = [c["key"] for c in h.fake.calls()]
    assert len(keys) == 2 and keys[0] == keys[1]  # same objects, same key: a REST target would replay
    assert len(h.fake.invoices()) == 1
    assert summary.success == 1


def test_an_object_refused_for_a_limit_is_retried_alone(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [f"{A},,,,,,2024-01-31,", f"{A},,,,,,2024-02-29,"],
        {"throttle_objects": [f"{A}|2024-02-29"]},
    )
    summary = h.run()
    assert [c["size"] for c in h.fake.calls()] == [2, 1]
    assert summary.success == 2
    assert len(h.fake.invoices()) == 2


def test_a_refused_row_fails_alone(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [f"{A},,,,,,2024-01-31,TRUE", f"{A},,,,,,2024-02-29,TRUE", f"{B},,,,,,2024-01-31,"],
        {"refuse": {f"{A}|2024-01-31": "there is nothing to bill"}},
    )
    summary = h.run()
    rows = h.rows()
    assert statuses(rows) == ["Failed", "Success", "Success"]
    assert (rows[0]["ErrorCode"], rows[0]["ErrorMessage"], rows[0]["InvoiceId"]) == (
        "INVALID_VALUE",
        "there is nothing to bill",
        "",
    )
    assert (summary.success, summary.failed, summary.posted) == (2, 1, 1)


def test_posting_refused_keeps_the_invoice_id(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE"], {"refuse_post": [f"{A}|2024-01-31"]})
    h.run()
    (row,) = h.rows()
    assert (row["Status"], row["InvoiceNumber"], row["Posted"], row["ErrorCode"]) == (
        "Failed",
        "INV00000001",
        "FALSE",
        "INVALID_VALUE",
    )
    assert row["ErrorMessage"] == "the invoice was generated but not posted: the accounting period is closed"


def test_invoice_settlement_on_a_negative_invoice_fails_and_the_draft_is_deleted(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [f"{A},,,,,,2024-01-31,TRUE", f"{A},,,,,,2024-02-29,TRUE"],
        {"settlement": True, "amounts": {f"{A}|2024-01-31": "-20.00"}},
    )
    summary = h.run()
    first, second = h.rows()
    assert (first["Status"], first["ErrorCode"], first["InvoiceId"], first["Posted"]) == (
        "Failed",
        "CREDIT_MEMO_REQUIRED",
        "",
        "FALSE",
    )
    assert first["ErrorMessage"] == (
        "Invoice Settlement is on and this invoice's amount is -20.00: it would need a credit memo, which the "
        "Invoice API Generator cannot create; the draft invoice was deleted"
    )
    assert h.fake.discarded == [f"{1:032x}"]
    assert (second["Status"], second["Posted"]) == ("Success", "TRUE")
    assert [c["size"] for c in h.fake.calls("post")] == [1]  # only the second invoice is posted
    assert (summary.success, summary.failed) == (1, 1)


def test_when_the_target_does_not_say_a_negative_invoice_is_the_sign_and_the_draft_stays(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE"], {"settlement": None, "amounts": {f"{A}|2024-01-31": "-0.01"}})
    h.run()
    (row,) = h.rows()
    assert (row["Status"], row["ErrorCode"], row["InvoiceNumber"], row["Posted"]) == (
        "Failed",
        "CREDIT_MEMO_REQUIRED",
        "INV00000001",
        "FALSE",
    )
    assert "the draft invoice was left as it is, not posted" in row["ErrorMessage"]
    assert h.fake.discarded == []
    assert h.fake.calls("post") == []


def test_with_invoice_settlement_off_a_negative_invoice_is_fine(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE"], {"settlement": False, "amounts": {f"{A}|2024-01-31": "-5"}})
    h.run()
    assert [(r["Status"], r["Posted"]) for r in h.rows()] == [("Success", "TRUE")]


def test_extra_columns_are_copied_and_result_columns_replaced(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    results = tmp_path / "out.csv"
    h = Harness(tmp_path, [])
    source.write_text(
        "Invoice.TargetDate,Invoice.AccountId,Note,Status\n"
        f'2024-01-31,{A},"first, with a comma",Failed\n'
        "\n"  # a truly empty line: not a row
        f"2024-02-29,{A},second,\n",
        encoding="utf-8",
    )
    h.results = results
    h.run()
    with results.open(newline="", encoding="utf-8") as handle:
        got = list(csv.reader(handle))
    assert got[0] == [
        "Invoice.TargetDate",
        "Invoice.AccountId",
        "Note",
        "Status",
        "InvoiceId",
        "InvoiceNumber",
        "Posted",
        "ErrorCode",
        "ErrorMessage",
    ]
    assert got[1][:4] == ["2024-01-31", A, "first, with a comma", "Success"]
    assert len(got) == 3


def test_a_target_that_keeps_refusing_stops_the_run_and_resume_finishes_it(tmp_path: Path) -> None:
    h = Harness(
        tmp_path,
        [f"{A},,,,,,2024-01-31,", f"{B},,,,,,2024-01-31,", f"{C},,,,,,2024-01-31,"],
        {"throttle_calls": [2, 3, 4]},
    )
    summary = h.run(attempts=3)
    # Call 1 bills A. B's call is throttled 3 times (calls 2, 3, 4): 3 attempts used, the run stops.
    assert summary.stopped is not None and "gave up after 3 attempts" in summary.stopped
    rows = h.rows()
    assert statuses(rows) == ["Success", "Skipped", "Skipped"]
    assert rows[1]["ErrorCode"] == "NOT_PROCESSED"
    assert rows[1]["ErrorMessage"].startswith("not processed: gave up after 3 attempts")
    assert rows[1]["ErrorMessage"].endswith("run again with --resume to finish it")
    assert h.journal()[-1]["e"] != "done"

    summary = h.run(resume=True)
    assert statuses(h.rows()) == ["Skipped", "Success", "Success"]
    assert h.rows()[0]["ErrorMessage"] == "finished before the resume: Success"
    assert h.rows()[0]["InvoiceNumber"] == "INV00000001"
    assert (summary.success, summary.skipped, summary.failed) == (2, 1, 0)
    assert len(h.fake.invoices()) == 3


def test_an_answer_that_stays_lost_fails_the_rows_and_resume_reconciles_them(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,", f"{B},,,,,,2024-01-31,"], {"drop_calls": [1, 2]})
    summary = h.run(attempts=2)
    rows = h.rows()
    assert statuses(rows) == ["Failed", "Skipped"]
    assert rows[0]["ErrorCode"] == "OUTCOME_UNKNOWN"
    assert summary.stopped is not None

    h.fake.reconfigure(drop_calls=[])
    h.run(resume=True)
    assert statuses(h.rows()) == ["Success", "Success"]
    assert len(h.fake.invoices()) == 2


def test_a_crash_after_billing_is_reconciled_on_resume_without_billing_twice(tmp_path: Path) -> None:
    lines = [f"{acc},,,,,,{m},TRUE" for acc in (A, B, C) for m in ("2024-01-31", "2024-02-29")]
    h = Harness(tmp_path, lines, {"crash_after_call": 2})
    with pytest.raises(Crash):
        h.run(zobjects=1)
    # Call 1 billed A's January row and was journaled; call 2 billed A's February row and the
    # process "died" before journaling it: that call is in flight.
    journal = h.journal()
    open_calls = {e["call"] for e in journal if e["e"] == "call"} - {e["call"] for e in journal if e["e"] == "end"}
    assert len(open_calls) == 1
    assert len(h.fake.invoices()) == 2

    h.fake.reconfigure(crash_after_call=None)
    summary = h.run(zobjects=1, resume=True)
    invoices = h.fake.invoices()
    assert len(invoices) == 6  # one per row: nothing billed twice
    assert len({(i["account"], i["target_date"]) for i in invoices}) == 6
    rows = h.rows()
    # Row 1 was finished (generated, waiting to post) before the crash: it is posted now, as are
    # the others; the in-flight February row got its invoice by reconciliation, not a new call.
    assert statuses(rows) == ["Success"] * 6
    assert [r["InvoiceNumber"] for r in rows] == [f"INV{n:08d}" for n in range(1, 7)]
    assert {r["Posted"] for r in rows} == {"TRUE"}
    assert summary.success == 6
    assert len(h.fake.calls()) == 2 + 4  # the two before the crash, then C's and B's four rows
    assert any("matched to their rows instead of being generated again" in n for n in h.reporter.notes)


def test_a_lost_post_answer_is_reconciled_not_posted_again(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE", f"{A},,,,,,2024-02-29,TRUE"], {"lose_post_calls": [1]})
    summary = h.run()
    # Posting again would be refused (the invoices are Posted already): the runner asks first.
    assert len(h.fake.calls("post")) == 1
    assert [(r["Status"], r["Posted"]) for r in h.rows()] == [("Success", "TRUE"), ("Success", "TRUE")]
    assert summary.posted == 2


def test_a_crash_after_posting_is_reconciled_on_resume(tmp_path: Path) -> None:
    lines = [f"{acc},,,,,,2024-01-31,TRUE" for acc in (A, B)]
    h = Harness(tmp_path, lines, {"crash_after_post_call": 1})
    with pytest.raises(Crash):
        h.run()
    h.fake.reconfigure(crash_after_post_call=None)
    summary = h.run(resume=True)
    # A's post call went through before the crash and is found Posted; only B is posted now.
    assert [c["account"] for c in h.fake.calls("post")] == [A, B]
    assert [(r["Status"], r["Posted"]) for r in h.rows()] == [("Success", "TRUE"), ("Success", "TRUE")]
    assert (summary.success, summary.posted) == (2, 2)
    assert len(h.fake.invoices()) == 2


def test_a_target_that_cannot_be_opened_leaves_no_journal(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,"])

    def refuse() -> None:
        raise TargetError("invalid login")

    h.fake.open = refuse  # type: ignore[method-assign]
    with pytest.raises(TargetError):
        h.run()
    assert not h.results.with_name("out.csv.journal").exists()


def test_resume_refuses_another_input_and_a_fresh_run_refuses_an_old_journal(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,"])
    h.run()
    with pytest.raises(JournalError, match="--resume"):
        h.run()
    h.source.write_text(h.source.read_text() + f"{B},,,,,,2024-01-31,\n")
    with pytest.raises(JournalError, match="the input file has changed"):
        h.run(resume=True)


def test_resume_of_a_finished_run_skips_every_row(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,", "bad,,,,,,2024-01-31,"])
    h.run()
    summary = h.run(resume=True)
    rows = h.rows()
    # The finished row is Skipped; the invalid row is checked again and fails again.
    assert statuses(rows) == ["Skipped", "Failed"]
    assert (summary.skipped, summary.failed, summary.success) == (1, 1, 0)
    assert len(h.fake.calls()) == 1


def test_dry_run_checks_and_plans_without_generating(tmp_path: Path) -> None:
    lines = [f"{A},,,,,,2024-0{m}-01,TRUE" for m in range(1, 4)] + [",A-2,,,,,2024-01-31,", ",A-9,,,,,2024-01-31,"]
    h = Harness(tmp_path, lines, {"accounts": {"A-2": B}})
    report = h.dry_run(threads=2, zobjects=2)
    assert (report.stats.rows, report.failed, report.accounts) == (5, 1, 2)
    # A: 3 rows at 2 per call = 2 generate calls, 3 posts = 2 post calls; B: 1 and 0.
    assert (report.generate_calls, report.post_calls, report.rows_to_generate, report.rows_to_post) == (3, 2, 4, 3)
    assert [(p.account, p.generate_calls, p.first_target_date, p.last_target_date) for p in report.plans] == [
        (A, 2, "2024-01-01", "2024-03-01"),
        (B, 1, "2024-01-31", "2024-01-31"),
    ]
    assert [(p.idx, p.message) for p in report.problems] == [
        (4, "Invoice.AccountNumber 'A-9': no account has this number")
    ]
    assert h.fake.calls() == [] and h.fake.invoices() == []
    assert not h.results.exists()
    assert not h.results.with_name("out.csv.journal").exists()


def test_progress_counts_every_row_that_reaches_the_target(tmp_path: Path) -> None:
    h = Harness(tmp_path, [f"{A},,,,,,2024-01-31,TRUE", f"{B},,,,,,2024-01-31,", "bad,,,,,,x,"])
    h.run()
    assert (h.reporter.total, h.reporter.done) == (2, 2)  # the invalid row never reaches the target

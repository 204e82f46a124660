"""The bulk runner with ``--target rest:URL`` against a billforge server (the ``server`` fixture):
OAuth, /v1/action/generate with idempotency keys, bulk-post, the reconciliation query, the
Invoice Settlement setting. Amounts worked out by hand in the comments."""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from test_bulk_support import HEADER, START, make_plan, subscribed_accounts

from billforge.bulk.progress import SilentReporter
from billforge.bulk.results import Summary
from billforge.bulk.runner import BulkRun, RetryPolicy, RunOptions
from billforge.bulk.target import Generated, GenerateResult, InvoiceRequest, OutcomeUnknown, Target
from billforge.bulk.targets.rest import RestTarget
from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices, settings
from billforge.services.context import Context


def rest_target(server: Any, tenant: Any) -> RestTarget:
    return RestTarget(server.url, tenant.client_id, tenant.client_secret)


def run(tmp_path: Path, target: Target, lines: Sequence[str], **options: Any) -> tuple[Summary, list[dict[str, str]]]:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    results = tmp_path / "out.csv"
    summary = BulkRun(
        source=source,
        results=results,
        options=RunOptions(name="rest", target_label="rest", retry=RetryPolicy(base=0.01), **options),
        target=target,
        reporter=SilentReporter(),
        today=date(2026, 1, 1),
    ).execute()
    with results.open(newline="", encoding="utf-8") as handle:
        return summary, list(csv.DictReader(handle))


def amount_and_status(db: Database, ctx: Context, invoice_id: str) -> tuple[Decimal, str]:
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
    return Decimal(row.amount), str(row.status)


def test_rest_run_generates_and_posts(server: Any, db: Database, tenant: Any, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first, second = subscribed_accounts(db, ctx, plan, 2)
    target = rest_target(server, tenant)
    summary, rows = run(
        tmp_path,
        target,
        [
            f"{first.id},,,,,,2024-01-01,TRUE",  # 100.00, posted
            f",{second.account_number},,,,,2024-02-01,TRUE",  # January + February: 200.00, posted
            f"{first.id},,,,,,2024-02-01,",  # 100.00
            f"{first.id},,,,,,2023-06-01,",  # nothing to bill
        ],
        max_threads=2,
        max_zobjects=2,
    )
    assert [r["Status"] for r in rows] == ["Success", "Success", "Success", "Failed"]
    assert amount_and_status(db, ctx, rows[0]["InvoiceId"]) == (Decimal("100.00"), "Posted")
    assert amount_and_status(db, ctx, rows[1]["InvoiceId"]) == (Decimal("200.00"), "Posted")
    assert amount_and_status(db, ctx, rows[2]["InvoiceId"]) == (Decimal("100.00"), "Draft")
    assert rows[3]["ErrorCode"] == "INVALID_VALUE"
    assert "nothing to bill" in rows[3]["ErrorMessage"]
    assert [r["Posted"] for r in rows] == ["TRUE", "TRUE", "FALSE", "FALSE"]
    numbers = {r["InvoiceNumber"] for r in rows[:3]}
    assert len(numbers) == 3 and all(n.startswith("INV") for n in numbers)
    assert target.invoice_settlement() is False  # read from GET /settings/billing-rules
    assert (summary.success, summary.failed, summary.posted) == (3, 1, 2)


def test_the_same_idempotency_key_replays_instead_of_billing_again(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    (account,) = subscribed_accounts(db, ctx, plan, 1)
    target = rest_target(server, tenant)
    target.open()
    try:
        obj = InvoiceRequest(account.id, START, START, True, True, True)
        first = target.generate([obj], key="bulk-test-0.1-0")
        # The server stores the answer just after sending it: a retry that comes at once may hear
        # 409 (the first request is still running), an unknown outcome the runner retries later.
        for _ in range(50):
            try:
                again = target.generate([obj], key="bulk-test-0.1-0")
                break
            except OutcomeUnknown:
                time.sleep(0.05)
    finally:
        target.close()
    assert isinstance(first[0], Generated)
    assert again == first
    assert invoices.count_invoices(db=db, ctx=ctx) == 1


class LosesFirstAnswer:
    def __init__(self, inner: RestTarget) -> None:
        self.inner = inner
        self.lost = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:
        results = self.inner.generate(objects, key=key)
        if not self.lost:
            self.lost = True
            raise OutcomeUnknown("connection reset")
        return results


def test_rest_lost_answer_is_found_by_the_reconciliation_query(
    server: Any, db: Database, tenant: Any, tmp_path: Path
) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    (account,) = subscribed_accounts(db, ctx, plan, 1)
    target = LosesFirstAnswer(rest_target(server, tenant))
    summary, rows = run(tmp_path, target, [f"{account.id},,,,,,2024-0{m}-01,TRUE" for m in (1, 2, 3)])  # type: ignore[arg-type]
    # One call with three objects billed and lost its answer; GET /v1/transactions/invoices/accounts
    # finds the three invoices, which are then posted: nothing is generated twice.
    assert [r["Status"] for r in rows] == ["Success"] * 3
    assert invoices.count_invoices(db=db, ctx=ctx) == 3
    assert {amount_and_status(db, ctx, r["InvoiceId"]) for r in rows} == {(Decimal("100.00"), "Posted")}
    assert summary.posted == 3


def test_rest_invoice_settlement_setting_is_read_and_a_credit_deleted(
    server: Any, db: Database, tenant: Any, tmp_path: Path
) -> None:
    ctx: Context = tenant.ctx
    settings.update_billing_rules(db=db, ctx=ctx, changes=settings.BillingRulesChanges(invoice_settlement=True))
    refund = make_plan(db, ctx, ChargeType.ONE_TIME, "-25.5", name="Refund")
    (account,) = subscribed_accounts(db, ctx, refund, 1)
    summary, (row,) = run(tmp_path, rest_target(server, tenant), [f"{account.id},,,,,,2024-01-01,TRUE"])
    assert (row["Status"], row["ErrorCode"]) == ("Failed", "CREDIT_MEMO_REQUIRED")
    assert "amount is -25.50" in row["ErrorMessage"] and "the draft invoice was deleted" in row["ErrorMessage"]
    assert invoices.count_invoices(db=db, ctx=ctx) == 0
    assert summary.failed == 1

"""The bulk runner with ``--target local``: billforge's own billing service, in-process, on the
test database (one fresh entity per test). Amounts worked out by hand in the comments."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from test_bulk_support import HEADER, make_plan, subscribed_accounts

from billforge.bulk.progress import SilentReporter
from billforge.bulk.results import Summary
from billforge.bulk.runner import BulkRun, RetryPolicy, RunOptions
from billforge.bulk.target import GenerateResult, InvoiceRequest, OutcomeUnknown, Target
from billforge.bulk.targets.local import LocalTarget
from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices, settings
from billforge.services.context import Context


def run(
    tmp_path: Path, target: Target, lines: Sequence[str], *, threads: int = 1, zobjects: int = 50
) -> tuple[Summary, list[dict[str, str]]]:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    results = tmp_path / "out.csv"
    summary = BulkRun(
        source=source,
        results=results,
        options=RunOptions(
            name="local", target_label="local", max_threads=threads, max_zobjects=zobjects, retry=RetryPolicy(base=0.01)
        ),
        target=target,
        reporter=SilentReporter(),
        today=date(2026, 1, 1),
    ).execute()
    with results.open(newline="", encoding="utf-8") as handle:
        return summary, list(csv.DictReader(handle))


def monthly_plan(db: Database, ctx: Context, price: str = "100") -> str:
    return make_plan(db, ctx, ChargeType.RECURRING, price, name="Monthly")


def invoice(db: Database, ctx: Context, invoice_id: str) -> tuple[Decimal, date, date, str]:
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
    return Decimal(row.amount), row.invoice_date, row.target_date, row.status


def test_local_run_generates_posts_and_fails_rows_alone(db: Database, tenant: object, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx  # type: ignore[attr-defined]
    plan = monthly_plan(db, ctx)
    first, second = subscribed_accounts(db, ctx, plan, 2)
    target = LocalTarget(db.url, entity=tenant.entity_name, db=db)  # type: ignore[attr-defined]
    summary, rows = run(
        tmp_path,
        target,
        [
            f"{first.id},,,,,,2024-01-01,TRUE",  # January, in advance: 100.00, posted
            f"{first.id},,,,,2024-02-05,2024-02-01,",  # February: 100.00, dated 5 Feb
            f",{second.account_number},,,,,2024-01-01,",  # by number: January 100.00
            f"{second.id},,,,,,2024-03-01,TRUE",  # February + March: 100.00 + 100.00 = 200.00
            f"{first.id},,,,,,2023-12-01,",  # before the subscription: nothing to bill
            f"{first.id},{second.account_number},,,,,2024-04-01,",  # id and number disagree
        ],
        threads=2,
    )
    assert [r["Status"] for r in rows] == ["Success", "Success", "Success", "Success", "Failed", "Failed"]
    assert invoice(db, ctx, rows[0]["InvoiceId"]) == (Decimal("100.00"), date(2024, 1, 1), date(2024, 1, 1), "Posted")
    assert invoice(db, ctx, rows[1]["InvoiceId"]) == (Decimal("100.00"), date(2024, 2, 5), date(2024, 2, 1), "Draft")
    assert invoice(db, ctx, rows[2]["InvoiceId"]) == (Decimal("100.00"), date(2024, 1, 1), date(2024, 1, 1), "Draft")
    assert invoice(db, ctx, rows[3]["InvoiceId"]) == (Decimal("200.00"), date(2024, 3, 1), date(2024, 3, 1), "Posted")
    assert [r["Posted"] for r in rows] == ["TRUE", "FALSE", "FALSE", "TRUE", "FALSE", "FALSE"]
    assert all(r["InvoiceNumber"].startswith("INV") for r in rows[:4])
    assert rows[4]["ErrorCode"] == "INVALID_VALUE"
    assert "nothing to bill on or before target date 2023-12-01" in rows[4]["ErrorMessage"]
    assert "are different accounts" in rows[5]["ErrorMessage"]
    assert (summary.success, summary.failed, summary.posted) == (4, 2, 2)
    assert invoices.count_invoices(db=db, ctx=ctx) == 4


def test_local_invoice_settlement_refuses_a_credit_and_deletes_the_draft(
    db: Database, tenant: object, tmp_path: Path
) -> None:
    ctx: Context = tenant.ctx  # type: ignore[attr-defined]
    settings.update_billing_rules(db=db, ctx=ctx, changes=settings.BillingRulesChanges(invoice_settlement=True))
    refund = make_plan(db, ctx, ChargeType.ONE_TIME, "-50", name="Refund")
    (account,) = subscribed_accounts(db, ctx, refund, 1)
    target = LocalTarget(db.url, entity=tenant.entity_id, db=db)  # type: ignore[attr-defined]
    summary, (row,) = run(tmp_path, target, [f"{account.id},,,,,,2024-01-01,TRUE"])
    assert (row["Status"], row["ErrorCode"], row["InvoiceId"]) == ("Failed", "CREDIT_MEMO_REQUIRED", "")
    assert row["ErrorMessage"] == (
        "Invoice Settlement is on and this invoice's amount is -50.00: it would need a credit memo, which the "
        "Invoice API Generator cannot create; the draft invoice was deleted"
    )
    assert invoices.count_invoices(db=db, ctx=ctx) == 0
    assert summary.failed == 1


class LosesFirstAnswer:
    """The local target, but the first generate call's answer is lost after it billed."""

    def __init__(self, inner: LocalTarget) -> None:
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


def test_local_lost_answer_is_reconciled_not_billed_again(db: Database, tenant: object, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx  # type: ignore[attr-defined]
    plan = monthly_plan(db, ctx)
    (account,) = subscribed_accounts(db, ctx, plan, 1)
    target = LosesFirstAnswer(LocalTarget(db.url, entity=tenant.entity_id, db=db))  # type: ignore[attr-defined]
    summary, rows = run(
        tmp_path,
        target,
        [f"{account.id},,,,,,2024-0{m}-01," for m in (1, 2, 3)],
        zobjects=2,  # type: ignore[arg-type]
    )
    # Call 1 (January, February) billed and lost its answer: found by reconciliation. Call 2: March.
    assert [r["Status"] for r in rows] == ["Success"] * 3
    assert invoices.count_invoices(db=db, ctx=ctx) == 3
    assert [invoice(db, ctx, r["InvoiceId"])[2] for r in rows] == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    assert summary.success == 3


def test_local_dry_run_resolves_numbers_and_generates_nothing(db: Database, tenant: object, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx  # type: ignore[attr-defined]
    (account,) = subscribed_accounts(db, ctx, None, 1)
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\n,{account.account_number},,,,,2024-01-01,TRUE\n,NOPE-1,,,,,2024-01-01,\n")
    report = BulkRun(
        source=source,
        results=tmp_path / "out.csv",
        options=RunOptions(name="check", target_label="local"),
        target=LocalTarget(db.url, entity=tenant.entity_id, db=db),  # type: ignore[attr-defined]
        reporter=SilentReporter(),
        today=date(2026, 1, 1),
    ).dry_run()
    assert (report.accounts, report.generate_calls, report.post_calls, report.failed) == (1, 1, 1, 1)
    assert report.plans[0].account == account.id
    assert invoices.count_invoices(db=db, ctx=ctx) == 0

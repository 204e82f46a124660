"""``billforge bulk generate --target soap:URL`` against billforge's own SOAP endpoint (the ``server``
fixture): login with a SOAP user, generate, the ZOQL queries that resolve account numbers and read
invoice numbers, update (post), and the results file. Amounts worked out by hand in the comments."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_bulk_support import make_plan, subscribed_accounts, write_csv
from test_soap_support import endpoint, soap_user

from billforge.bulk.cli import bulk
from billforge.bulk.progress import SilentReporter
from billforge.bulk.runner import BulkRun, RetryPolicy, RunOptions
from billforge.bulk.target import GenerateResult, InvoiceRequest, OutcomeUnknown
from billforge.bulk.targets.soap import SoapTarget
from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices
from billforge.services.context import Context


def run_bulk(
    tmp_path: Path, url: str, user: Any, lines: list[str], *extra: str
) -> tuple[int, list[dict[str, str]], str]:
    source = write_csv(tmp_path / "in.csv", lines)
    results = tmp_path / "out.csv"
    outcome = CliRunner().invoke(
        bulk,
        [
            "generate",
            str(source),
            "--name",
            "soap run",
            "--target",
            f"soap:{url}",
            "--username",
            user.username,
            "--password",
            user.password,
            "--results",
            str(results),
            *extra,
        ],
    )
    rows = list(csv.DictReader(results.open(newline="", encoding="utf-8"))) if results.exists() else []
    return outcome.exit_code, rows, outcome.output


def amount_and_status(db: Database, ctx: Context, invoice_id: str) -> tuple[Decimal, str]:
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
    return Decimal(row.amount), str(row.status)


def test_a_soap_run_generates_posts_and_reports(server: Any, db: Database, tenant: Any, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first, second = subscribed_accounts(db, ctx, plan, 2)
    user = soap_user(db, tenant)
    code, rows, output = run_bulk(
        tmp_path,
        endpoint(server, "52.0"),
        user,
        [
            f"{first.id},,,,,,2024-01-01,TRUE",  # January: 100.00, posted
            f",{second.account_number},,,,,2024-02-01,TRUE",  # January and February: 2 x 100.00 = 200.00, posted
            f"{first.id},,,,,,2024-02-01,",  # February: 100.00, a draft
            f"{first.id},,,,,,2023-06-01,",  # before the subscription starts: nothing to bill
        ],
        "--max-threads",
        "2",
        "--max-zobjects",
        "2",
    )
    assert code == 3, output  # some rows failed
    assert [r["Status"] for r in rows] == ["Success", "Success", "Success", "Failed"], output
    assert amount_and_status(db, ctx, rows[0]["InvoiceId"]) == (Decimal("100.00"), "Posted")
    assert amount_and_status(db, ctx, rows[1]["InvoiceId"]) == (Decimal("200.00"), "Posted")
    assert amount_and_status(db, ctx, rows[2]["InvoiceId"]) == (Decimal("100.00"), "Draft")
    assert rows[3]["ErrorCode"] == "INVALID_VALUE"
    assert "nothing to bill" in rows[3]["ErrorMessage"]
    assert [r["Posted"] for r in rows] == ["TRUE", "TRUE", "FALSE", "FALSE"]
    numbers = {r["InvoiceNumber"] for r in rows[:3]}
    assert len(numbers) == 3 and all(n.startswith("INV") for n in numbers)  # read back with query()
    assert invoices.count_invoices(db=db, ctx=ctx) == 3


def test_a_wrong_password_stops_the_run(server: Any, db: Database, tenant: Any, tmp_path: Path) -> None:
    ctx: Context = tenant.ctx
    (account,) = subscribed_accounts(db, ctx, None, 1)
    user = soap_user(db, tenant)
    wrong = type(user)(user.username, "not the password", user.user_id)
    code, _, output = run_bulk(tmp_path, endpoint(server, "48.0"), wrong, [f"{account.id},,,,,,2024-01-01,"])
    assert code == 1
    assert "Invalid login" in output
    assert invoices.count_invoices(db=db, ctx=ctx) == 0


class LosesFirstAnswer:
    """The SOAP target, except that the answer to its first generate call is lost after the call
    was carried out (as a dropped connection would lose it)."""

    def __init__(self, inner: SoapTarget) -> None:
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


def test_a_lost_answer_is_found_by_the_reconciliation_query(
    server: Any, db: Database, tenant: Any, tmp_path: Path
) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    (account,) = subscribed_accounts(db, ctx, plan, 1)
    user = soap_user(db, tenant)
    target = LosesFirstAnswer(SoapTarget(endpoint(server, "52.0"), user.username, user.password))
    source = write_csv(tmp_path / "in.csv", [f"{account.id},,,,,,2024-0{m}-01,TRUE" for m in (1, 2, 3)])
    results = tmp_path / "out.csv"
    summary = BulkRun(
        source=source,
        results=results,
        options=RunOptions(name="soap", target_label="soap", retry=RetryPolicy(base=0.01)),
        target=target,  # type: ignore[arg-type]
        reporter=SilentReporter(),
        today=date(2026, 1, 1),
    ).execute()
    rows = list(csv.DictReader(results.open(newline="", encoding="utf-8")))
    # One call billed January, February and March (100.00 each) and lost its answer; the query by
    # account and target date finds the three invoices, which are then posted: none is made twice.
    assert [r["Status"] for r in rows] == ["Success"] * 3
    assert invoices.count_invoices(db=db, ctx=ctx) == 3
    assert {amount_and_status(db, ctx, r["InvoiceId"]) for r in rows} == {(Decimal("100.00"), "Posted")}
    assert summary.posted == 3

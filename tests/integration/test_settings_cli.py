"""``billforge settings``: the CLI group for settings without a Zuora endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from billforge.db.session import Database
from billforge.services import numbering, templates
from billforge.settings_cli import settings
from tests.conftest import Tenant


@pytest.fixture
def run(database_url: str, tenant: Tenant) -> Any:
    runner = CliRunner()

    def invoke(*args: str, entity: str | None = tenant.entity_name) -> Result:
        extra = ["--entity", entity] if entity is not None else []
        return runner.invoke(settings, [*args, *extra], env={"BILLFORGE_DATABASE_URL": database_url})

    return invoke


def _show(run: Any) -> dict[str, Any]:
    result = run("show")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.output)
    return shown


def test_show_prints_the_tenant_defaults(run: Any, tenant: Tenant) -> None:
    shown = _show(run)
    assert shown["entity"] == tenant.entity_id
    assert (shown["timeZone"], shown["defaultCurrency"], shown["defaultPaymentTerm"]) == (
        "UTC",
        "USD",
        "Due Upon Receipt",
    )
    assert (shown["billCycleDay"], shown["prorationUnit"], shown["dayCount"], shown["invoiceSettlement"]) == (
        1,
        "ProrateByMonthFirst",
        "UseActualDays",
        False,
    )
    assert [c["code"] for c in shown["currencies"]] == ["EUR", "GBP", "JPY", "USD"]
    assert [s["name"] for s in shown["sequenceSets"]] == ["Default"]
    assert [t["name"] for t in shown["invoiceTemplates"]] == ["Default Template"]
    assert shown["seller"]["locale"] == "en_US"


def test_set_each_billing_key(run: Any) -> None:
    for key, value in (
        ("time-zone", "Europe/Paris"),
        ("default-currency", "EUR"),
        ("payment-term", "Net 30"),
        ("bill-cycle-day", "15"),
        ("proration-unit", "ProrateByDay"),
        ("day-count", "Assume30DaysActual360"),
        ("invoice-settlement", "on"),
    ):
        result = run("set", key, value)
        assert result.exit_code == 0, result.output
        assert result.output == f"{key} = {value}\n"
    shown = _show(run)
    assert (shown["timeZone"], shown["defaultCurrency"], shown["defaultPaymentTerm"]) == (
        "Europe/Paris",
        "EUR",
        "Net 30",
    )
    assert (shown["billCycleDay"], shown["prorationUnit"], shown["dayCount"], shown["invoiceSettlement"]) == (
        15,
        "ProrateByDay",
        "Assume30DaysActual360",
        True,
    )


def test_set_seller_keys(run: Any) -> None:
    for key, value in (
        ("seller.name", "Grand Hotels Ltd"),
        ("seller.tax-id", "GB123456789"),
        ("seller.locale", "en_GB"),
        ("seller.postal-code", "SW1A 1AA"),
    ):
        assert run("set", key, value).exit_code == 0
    seller = _show(run)["seller"]
    assert (seller["name"], seller["taxId"], seller["locale"], seller["postalCode"]) == (
        "Grand Hotels Ltd",
        "GB123456789",
        "en_GB",
        "SW1A 1AA",
    )
    # An empty value clears a seller field.
    assert run("set", "seller.tax-id", "").exit_code == 0
    assert _show(run)["seller"]["taxId"] is None


def test_bad_values_exit_3_and_say_why(run: Any) -> None:
    result = run("set", "time-zone", "Nowhere/Land")
    assert result.exit_code == 3
    assert "'timeZone' 'Nowhere/Land' is not an IANA time zone name" in result.output
    result = run("set", "bill-cycle-day", "fifteen")
    assert result.exit_code == 3
    assert "bill-cycle-day must be an integer, got 'fifteen'" in result.output
    result = run("set", "invoice-settlement", "maybe")
    assert result.exit_code == 3
    result = run("set", "seller.locale", "klingon")
    assert result.exit_code == 3
    assert "'locale' 'klingon' is not a locale" in result.output
    result = run("set", "colour", "blue")
    assert result.exit_code == 3
    assert "unknown setting 'colour'" in result.output
    assert _show(run)["timeZone"] == "UTC"


def test_unknown_entity_exits_4(run: Any) -> None:
    result = run("show", entity="no-such-entity")
    assert result.exit_code == 4
    assert "no entity named 'no-such-entity'" in result.output


def test_default_sequence_set(run: Any, db: Database, tenant: Tenant) -> None:
    (made,) = numbering.create_sequence_sets(
        db=db,
        ctx=tenant.ctx,
        sets=[numbering.SequenceSetInput("Europe", numbering.DocumentPrefix("EU", 1))],
    )
    assert run("set", "sequence-set", "Europe").exit_code == 0
    with db.write() as conn:
        # The default set is now Europe: numbers come from EU, starting at 1.
        assert numbering.allocate_invoice_numbers(conn, entity_id=tenant.entity_id, sequence_set_id=None, count=1) == [
            "EU00000001"
        ]
    assert [(s["name"], s["default"]) for s in _show(run)["sequenceSets"]] == [("Europe", True), ("Default", False)]
    result = run("set", "sequence-set", "Nope")
    assert result.exit_code == 4
    assert made.id


def test_tax_code_add_list_delete(run: Any) -> None:
    result = run("tax-code", "add", "VAT", "--rate-name", "VAT DE", "--rate", "0.19", "--country", "Germany")
    assert result.exit_code == 0, result.output
    added = json.loads(result.output)
    assert [(r["name"], r["taxRate"], r["country"]) for r in added["taxRates"]] == [("VAT DE", 0.19, "Germany")]
    result = run(
        "tax-code",
        "add",
        "VAT",
        "--rate-name",
        "Env fee",
        "--rate",
        "1.5",
        "--type",
        "FlatFee",
        "--start-date",
        "2024-01-01",
    )
    assert result.exit_code == 0, result.output
    rates = json.loads(result.output)["taxRates"]
    assert [(r["name"], r["taxRate"], r["taxRateType"], r["effectiveStartDate"]) for r in rates] == [
        ("VAT DE", 0.19, "Percentage", None),
        ("Env fee", 1.5, "FlatFee", "2024-01-01"),
    ]
    result = run("tax-code", "add", "VAT", "--rate-name", "Big", "--rate", "7")
    assert result.exit_code == 3
    assert "must be a decimal fraction between 0 and 1" in result.output
    result = run("tax-code", "add", "VAT", "--rate-name", "Bad", "--rate", "seven")
    assert result.exit_code == 3
    listed = json.loads(run("tax-code", "list").output)
    assert [c["name"] for c in listed] == ["VAT"]
    assert run("tax-code", "delete", "VAT").exit_code == 0
    assert json.loads(run("tax-code", "list").output) == []
    assert run("tax-code", "delete", "VAT").exit_code == 4


def test_template_add_and_list(run: Any, tmp_path: Path, db: Database, tenant: Tenant) -> None:
    body = tmp_path / "compact.html.j2"
    body.write_text("<p>{{ invoice.invoice_number }}</p>", encoding="utf-8")
    result = run("template", "add", "Compact", str(body), "--description", "short", "--default")
    assert result.exit_code == 0, result.output
    template_id = json.loads(result.output)["id"]
    listed = json.loads(run("template", "list").output)
    assert [(t["name"], t["default"]) for t in listed] == [("Compact", True), ("Default Template", False)]
    with db.read() as conn:
        assert templates.default_template(conn, entity_id=tenant.entity_id).id == template_id
    duplicate = run("template", "add", "Compact", str(body))
    assert duplicate.exit_code == 5
    assert "a template named 'Compact' already exists" in duplicate.output

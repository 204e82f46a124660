"""The template and ``billforge bulk template``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from billforge.bulk.cli import bulk
from billforge.bulk.template import COLUMNS, template_csv

EXPECTED = (
    "Invoice.AccountId,Invoice.AccountNumber,Invoice.IncludesOneTime,Invoice.IncludesRecurring,"
    "Invoice.IncludesUsage,Invoice.Date,Invoice.TargetDate,Invoice.Post\r\n"
)


def test_columns_in_the_seeds_order() -> None:
    assert COLUMNS == (
        "Invoice.AccountId",
        "Invoice.AccountNumber",
        "Invoice.IncludesOneTime",
        "Invoice.IncludesRecurring",
        "Invoice.IncludesUsage",
        "Invoice.Date",
        "Invoice.TargetDate",
        "Invoice.Post",
    )
    assert template_csv() == EXPECTED


def test_template_command_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(bulk, ["template"])
    assert result.exit_code == 0
    assert result.stdout_bytes == EXPECTED.encode()
    target = tmp_path / "template.csv"
    result = runner.invoke(bulk, ["template", "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_bytes() == EXPECTED.encode()

"""``billforge bulk generate``: options, output, exit codes (with the fake target)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_target import FakeTarget

from billforge.bulk import targets
from billforge.bulk.cli import bulk
from billforge.bulk.target import Target

HEADER = (
    "Invoice.AccountId,Invoice.AccountNumber,Invoice.IncludesOneTime,Invoice.IncludesRecurring,"
    "Invoice.IncludesUsage,Invoice.Date,Invoice.TargetDate,Invoice.Post"
)
A = "a" * 31 + "1"


@pytest.fixture
def fake_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``--target fake:PATH`` names a file-backed fake target."""
    path = tmp_path / "fake.sqlite"

    def factory(rest: str, _options: targets.TargetOptions) -> Target:
        return FakeTarget(rest)

    monkeypatch.setitem(targets.SCHEMES, "fake", factory)
    FakeTarget(str(path), {"accounts": {"A-1": A}})
    return path


def write(tmp_path: Path, *lines: str) -> Path:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return source


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(bulk, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_generate_prints_a_summary_and_writes_the_results(tmp_path: Path, fake_db: Path) -> None:
    source = write(tmp_path, f"{A},,,,,,2024-01-31,TRUE", ",A-1,,,,,2024-02-29,")
    results = tmp_path / "out.csv"
    code, out, err = invoke(
        "generate", str(source), "--name", "May", "--target", f"fake:{fake_db}", "--results", str(results)
    )
    assert code == 0, err
    assert out.splitlines()[0] == "May: 2 rows: 2 Success, 0 Failed, 0 Skipped; 1 invoices posted"
    assert f"results in {results}" in out
    assert err.splitlines()[0] == "progress: 0/2 rows"  # not a terminal: plain progress lines
    assert err.splitlines()[-1].startswith("progress: 2/2 rows (100%), ")
    with results.open(newline="") as handle:
        assert [r["Status"] for r in csv.DictReader(handle)] == ["Success", "Success"]
    assert len(FakeTarget(str(fake_db)).invoices()) == 2


def test_a_date_format_and_a_failed_row_exit_3(tmp_path: Path, fake_db: Path) -> None:
    source = write(tmp_path, f"{A},,,,,,31.01.2024,", f"{A},,,,,,2024-02-29,")
    results = tmp_path / "out.csv"
    code, out, _ = invoke(
        "generate", str(source), "--name", "x", "--target", f"fake:{fake_db}", "--results", str(results),
        "--date-format", "dd.MM.yyyy", "--max-threads", "2", "--max-zobjects", "10",
    )  # fmt: skip
    assert code == 3
    assert "1 Success, 1 Failed" in out
    with results.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[1]["ErrorMessage"] == (
        "Invoice.TargetDate '2024-02-29' does not match the date format dd.MM.yyyy (for example 07.03.2024)"
    )


def test_dry_run_prints_the_plan_and_problems(tmp_path: Path, fake_db: Path) -> None:
    source = write(tmp_path, f"{A},,,,,,2024-01-31,TRUE", f"{A},,,,,,2024-02-29,", ",A-2,,,,,2024-01-31,")
    results = tmp_path / "out.csv"
    code, out, _ = invoke(
        "generate",
        str(source),
        "--name",
        "check",
        "--target",
        f"fake:{fake_db}",
        "--results",
        str(results),
        "--dry-run",
    )
    assert code == 3
    assert out.splitlines() == [
        "dry run of 'check' against fake: nothing was generated",
        "3 rows: 2 valid, 1 would fail",
        "plan: 1 accounts on 1 thread(s), one account at a time per thread; 1 generate calls (at most 50 objects "
        "each) for 2 rows; 1 post calls for 1 rows",
        f"  account {A}: 2 rows (target dates 2024-01-31 to 2024-02-29), 1 generate call(s), 1 post call(s)",
        "rows that would fail:",
        "  row 3 (line 4): INVALID_VALUE: Invoice.AccountNumber 'A-2': no account has this number",
    ]
    assert not results.exists()
    assert FakeTarget(str(fake_db)).invoices() == []


def test_dry_run_of_a_clean_file_exits_0(tmp_path: Path, fake_db: Path) -> None:
    source = write(tmp_path, f"{A},,,,,,2024-01-31,")
    code, _, _ = invoke(
        "generate",
        str(source),
        "--name",
        "x",
        "--target",
        f"fake:{fake_db}",
        "--results",
        str(tmp_path / "o.csv"),
        "--dry-run",
    )
    assert code == 0


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--target", "ftp:x"], 2, "unknown target 'ftp:x': use local, rest:URL or soap:URL"),
        (["--target", "rest:http://h"], 2, "a rest: target needs an OAuth client: --client-id and --client-secret"),
        (["--target", "soap:http://h"], 2, "a soap: target needs a login: --username and --password"),
        (["--target", "rest:h", "--client-id", "i", "--client-secret", "s"], 2, "needs an http:// or https:// URL"),
        (["--date-format", "yyyy-MM-dd HH"], 3, "the letter 'H' is not supported"),
        (["--max-zobjects", "51"], 2, "51 is not in the range 1<=x<=50"),
        (["--max-threads", "0"], 2, "0 is not in the range 1<=x<=100"),
        (["--resume", "--dry-run"], 2, "--resume and --dry-run do not go together"),
        (
            ["--target", "soap:http://h", "--username", "u", "--password", "p", "--entity", "E"],
            2,
            "--entity does not apply to a soap: target",
        ),
        (["--results", "/nonexistent-dir/o.csv"], 2, "the directory /nonexistent-dir does not exist"),
    ],
)
def test_usage_errors(tmp_path: Path, fake_db: Path, extra: list[str], code: int, message: str) -> None:
    source = write(tmp_path, f"{A},,,,,,2024-01-31,")
    args = ["generate", str(source), "--name", "x"]
    if "--results" not in extra:
        args += ["--results", str(tmp_path / "o.csv")]
    if "--target" not in extra:
        args += ["--target", f"fake:{fake_db}"]
    got, _, err = invoke(*args, *extra)
    assert got == code
    assert message in err


def test_an_old_journal_stops_a_new_run(tmp_path: Path, fake_db: Path) -> None:
    source = write(tmp_path, f"{A},,,,,,2024-01-31,")
    args = ["generate", str(source), "--name", "x", "--target", f"fake:{fake_db}", "--results", str(tmp_path / "o.csv")]
    assert invoke(*args)[0] == 0
    code, _, err = invoke(*args)
    assert code == 1
    assert "o.csv.journal exists" in err and "--resume" in err
    code, out, _ = invoke(*args, "--resume")
    assert code == 0
    assert "0 Success, 0 Failed, 1 Skipped" in out


def test_credentials_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[targets.TargetOptions] = []

    def factory(rest: str, options: targets.TargetOptions) -> Target:
        seen.append(options)
        return FakeTarget()

    monkeypatch.setitem(targets.SCHEMES, "fake", factory)
    monkeypatch.setenv("BILLFORGE_CLIENT_ID", "cid")
    monkeypatch.setenv("BILLFORGE_CLIENT_SECRET", "csecret")
    monkeypatch.setenv("BILLFORGE_USERNAME", "user")
    monkeypatch.setenv("BILLFORGE_PASSWORD", "pass")
    source = write(tmp_path, f"{A},,,,,,2024-01-31,")
    invoke(
        "generate", str(source), "--name", "x", "--target", "fake:", "--results", str(tmp_path / "o.csv"), "--dry-run"
    )
    assert (seen[0].client_id, seen[0].client_secret, seen[0].username, seen[0].password) == (
        "cid",
        "csecret",
        "user",
        "pass",
    )


def test_target_labels_name_the_database_and_entity_but_no_password() -> None:
    local = targets.TargetOptions(database_url="postgresql+psycopg://ops:hunter2@db/billing", entity="EU")
    assert targets.target_label("local", local) == "local postgresql+psycopg://ops:***@db/billing entity=EU"
    assert targets.target_label("rest:http://h", targets.TargetOptions(client_secret="x")) == "rest:http://h"

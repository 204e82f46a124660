"""``billforge bulk``: the Invoice API Generator on the command line.

    billforge bulk template [-o FILE]
    billforge bulk generate FILE --name NAME --results OUT.csv [--date-format PATTERN]
        [--max-threads N] [--max-zobjects M] [--target local|rest:URL|soap:URL] [--resume] [--dry-run]
        [--client-id ID --client-secret SECRET] [--username USER --password PASSWORD] [--entity ENTITY]

Exit codes of ``generate``: 0 every row succeeded (or was skipped on resume), 3 some rows failed (see
the results), 1 the run stopped early or could not start (target unreachable, bad credentials,
journal conflict), 2 usage. ``--dry-run``: 0 every row is valid, 3 some are not.
"""

from __future__ import annotations

import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from billforge.bulk import planner
from billforge.bulk.dates import DEFAULT_PATTERN, DatePatternError
from billforge.bulk.journal import JournalError
from billforge.bulk.progress import BarReporter, LineReporter, Reporter
from billforge.bulk.rows import HeaderError
from billforge.bulk.runner import BulkRun, DryRunReport, RunOptions
from billforge.bulk.target import TargetError
from billforge.bulk.targets import TargetOptions, TargetSpecError, make_target, split_spec, target_label
from billforge.bulk.template import template_csv

EXIT_FAILED_ROWS = 3
EXIT_STOPPED = 1


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(name="bulk", help="The Invoice API Generator: generate (and post) invoices in bulk from a CSV file.")
def bulk() -> None:
    pass


@bulk.command("template", help="Write the CSV template (the header line) to FILE, or to standard output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE")
def template(output: Path | None) -> None:
    if output is None:
        click.echo(template_csv(), nl=False)
        return
    output.write_text(template_csv(), encoding="utf-8", newline="")
    click.echo(f"template written to {output}", err=True)


def _reporter() -> Reporter:
    if sys.stderr.isatty():
        return BarReporter()
    return LineReporter(sys.stderr)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run like Ctrl-C: calls in flight finish, results are written


@bulk.command("generate", help="Generate invoices for every row of FILE (a CSV in the template's format).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Name of the task (shown in the summary and kept in the journal).")
@click.option(
    "--date-format",
    default=DEFAULT_PATTERN,
    show_default=True,
    help="Java-style pattern of Invoice.Date and Invoice.TargetDate: yyyy, yy, MM, M, dd, d, MMM, MMMM, 'text'.",
)
@click.option(
    "--max-threads",
    type=click.IntRange(1, 100),
    default=planner.DEFAULT_MAX_THREADS,
    show_default=True,
    help="Accounts processed at once; capped at the target's concurrency limit.",
)
@click.option(
    "--max-zobjects",
    type=click.IntRange(1, planner.MAX_ZOBJECTS_LIMIT),
    default=planner.DEFAULT_MAX_ZOBJECTS,
    show_default=True,
    help="Most objects in one generate or post call.",
)
@click.option("--target", "target_spec", default="local", show_default=True, help="local, rest:URL or soap:URL.")
@click.option(
    "--results",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results CSV; its journal (OUT.csv.journal) is kept beside it.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its journal: finished rows are Skipped.")
@click.option("--dry-run", is_flag=True, help="Check every row and print the plan; generate nothing.")
@click.option("--client-id", envvar="BILLFORGE_CLIENT_ID", default=None, help="OAuth client of a rest: target.")
@click.option("--client-secret", envvar="BILLFORGE_CLIENT_SECRET", default=None, help="OAuth secret of a rest: target.")
@click.option("--username", envvar="BILLFORGE_USERNAME", default=None, help="Login of a soap: target.")
@click.option("--password", envvar="BILLFORGE_PASSWORD", default=None, help="Password of a soap: target.")
@click.option("--entity", default=None, help="Entity (name or id) for local; Zuora-Entity-Ids for rest:.")
def generate(
    file: Path,
    name: str,
    date_format: str,
    max_threads: int,
    max_zobjects: int,
    target_spec: str,
    results: Path,
    resume: bool,
    dry_run: bool,
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
    entity: str | None,
) -> None:
    if resume and dry_run:
        raise click.UsageError("--resume and --dry-run do not go together")
    if results.resolve() == file.resolve():
        raise click.UsageError("--results must not be the input file")
    if not results.resolve().parent.is_dir():
        raise click.UsageError(f"--results: the directory {results.resolve().parent} does not exist")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    try:
        scheme, _ = split_spec(target_spec)
        database_url = _local_database() if scheme == "local" else None
        options = TargetOptions(
            client_id=client_id,
            client_secret=client_secret,
            username=username,
            password=password,
            entity=entity,
            database_url=database_url,
        )
        target = make_target(target_spec, options)
        label = target_label(target_spec, options)
    except TargetSpecError as error:
        _fail(str(error), 2)
    run = BulkRun(
        source=file,
        results=results,
        options=RunOptions(
            name=name,
            target_label=label,
            date_format=date_format,
            max_threads=max_threads,
            max_zobjects=max_zobjects,
            resume=resume,
        ),
        target=target,
        reporter=_reporter(),
        today=datetime.now(UTC).date(),
    )
    try:
        if dry_run:
            report = run.dry_run()
            _print_plan(name, target.description, max_zobjects, report)
            sys.exit(EXIT_FAILED_ROWS if report.failed else 0)
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            summary = run.execute()
        finally:
            signal.signal(signal.SIGTERM, previous)
    except (DatePatternError, HeaderError) as error:
        _fail(str(error), 3)
    except JournalError as error:
        _fail(str(error), EXIT_STOPPED)
    except TargetError as error:
        _fail(f"{target.description}: {error.message}", EXIT_STOPPED)
    for line in summary.lines():
        click.echo(line)
    if summary.stopped:
        sys.exit(EXIT_STOPPED)
    sys.exit(EXIT_FAILED_ROWS if summary.failed else 0)


def _local_database() -> str:
    from billforge.config import Settings
    from billforge.db.migrate import upgrade

    try:
        url = Settings().database_url
    except Exception as error:  # pydantic's ValidationError: say why and stop
        _fail(f"invalid settings: {error}", 3)
    upgrade(url)
    return url


def _print_plan(name: str, target: str, max_zobjects: int, report: DryRunReport) -> None:
    stats = report.stats
    click.echo(f"dry run of {name!r} against {target}: nothing was generated")
    for note in report.notes:
        click.echo(note)
    blank = f" ({stats.blank_lines} blank lines ignored)" if stats.blank_lines else ""
    click.echo(f"{stats.rows} rows: {stats.rows - report.failed} valid, {report.failed} would fail{blank}")
    click.echo(
        f"plan: {report.accounts} accounts on {report.threads} thread(s), one account at a time per thread; "
        f"{report.generate_calls} generate calls (at most {max_zobjects} objects each) for {report.rows_to_generate} "
        f"rows; {report.post_calls} post calls for {report.rows_to_post} rows"
    )
    for plan in report.plans:
        dates = (
            plan.first_target_date
            if plan.first_target_date == plan.last_target_date
            else f"{plan.first_target_date} to {plan.last_target_date}"
        )
        click.echo(
            f"  account {plan.account}: {plan.rows} rows (target dates {dates}), "
            f"{plan.generate_calls} generate call(s), {plan.post_calls} post call(s)"
        )
    if report.accounts > len(report.plans):
        click.echo(f"  ... and {report.accounts - len(report.plans)} more accounts")
    if report.problems:
        click.echo("rows that would fail:")
        for problem in report.problems:
            click.echo(f"  row {problem.idx + 1} (line {problem.line}): {problem.code}: {problem.message}")
        if report.failed > len(report.problems):
            click.echo(f"  ... and {report.failed - len(report.problems)} more")

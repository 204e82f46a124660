"""Creating a task: check its file, settings and target, store them, and queue its job."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import Connection, insert, select

from billforge import __version__
from billforge.bulk import planner
from billforge.bulk.dates import DEFAULT_PATTERN, DatePattern, DatePatternError
from billforge.bulk.results import RESULT_COLUMNS
from billforge.bulk.rows import HeaderError, read_header
from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_target_logins, bulk_tasks
from billforge.db.tables_jobs import files
from billforge.errors import BillforgeError, InternalError, InvalidValue, MissingValue, RuleRestriction
from billforge.jobs import queue
from billforge.services.bulk_tasks.keyring import KEY_REQUIRED, Keyring
from billforge.services.bulk_tasks.logins import PRINCIPAL_MAX, SECRET_MAX, required_text
from billforge.services.bulk_tasks.status import QUEUED
from billforge.services.bulk_tasks.targets import LOCAL, SOAP, TargetSpec, credential_names, parse_target
from billforge.services.bulk_tasks.views import TaskView, read_task
from billforge.services.context import Context, new_id
from billforge.services.settings import raise_all

JOB_KIND: Final = "bulk-task"
MAX_ATTEMPTS: Final = 25  # claims of a task's job: restarts and retries after the target kept failing

NAME_MAX: Final = 255
FILE_NAME_MAX: Final = 255
DATE_FORMAT_MAX: Final = 100
MAX_THREADS_LIMIT: Final = 100


@dataclass(frozen=True, slots=True)
class NewTask:
    """A task as the New Task page or ``POST /bulk/tasks`` gives it (``None``: not given)."""

    name: str | None
    file_name: str | None
    content: bytes | None
    target: str | None = None  # local | rest:URL | soap:URL (local when neither it nor login_id is given)
    login_id: str | None = None  # a saved login instead of target and credentials
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    version: str | None = None
    date_format: str | None = None
    max_threads: int | None = None
    max_zobjects: int | None = None


def _check_file(file_name: str | None, content: bytes | None, problems: list[BillforgeError]) -> str | None:
    if content is None:
        problems.append(MissingValue("'file' is required: the CSV file in the template's format", field="file"))
        return None
    name = (file_name or "input.csv").replace("\\", "/").rsplit("/", 1)[-1].strip() or "input.csv"
    if len(name) > FILE_NAME_MAX:
        name = name[-FILE_NAME_MAX:]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(
            InvalidValue(
                f"'file' must be a CSV file in UTF-8: byte {error.start + 1} is not UTF-8 text "
                "(save it from the spreadsheet as 'CSV UTF-8')",
                field="file",
            )
        )
        return None
    if "\x00" in text:
        problems.append(InvalidValue("'file' must be a CSV text file; it contains NUL characters", field="file"))
        return None
    first = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or len(text)])), None)
    if not first or not any(cell.strip() for cell in first):
        problems.append(InvalidValue("'file' is empty: it needs the template's header line", field="file"))
        return None
    try:
        read_header(first, reserved=RESULT_COLUMNS)
    except HeaderError as error:
        problems.append(InvalidValue(f"'file': {error}", field="file"))
        return None
    return name


def _check_settings(data: NewTask, today: date, problems: list[BillforgeError]) -> tuple[str, int, int]:
    date_format = DEFAULT_PATTERN if data.date_format is None or not data.date_format.strip() else data.date_format
    if len(date_format) > DATE_FORMAT_MAX:
        problems.append(InvalidValue(f"'dateFormat' must be at most {DATE_FORMAT_MAX} characters", field="dateFormat"))
    else:
        try:
            DatePattern(date_format, today=today)
        except DatePatternError as error:
            problems.append(InvalidValue(f"'dateFormat': {error}", field="dateFormat"))
    threads = planner.DEFAULT_MAX_THREADS if data.max_threads is None else data.max_threads
    if not 1 <= threads <= MAX_THREADS_LIMIT:
        problems.append(
            InvalidValue(f"'maxThreads' must be between 1 and {MAX_THREADS_LIMIT}, got {threads}", field="maxThreads")
        )
    zobjects = planner.DEFAULT_MAX_ZOBJECTS if data.max_zobjects is None else data.max_zobjects
    if not 1 <= zobjects <= planner.MAX_ZOBJECTS_LIMIT:
        problems.append(
            InvalidValue(
                f"'maxZObjects' must be between 1 and {planner.MAX_ZOBJECTS_LIMIT} (Zuora's limit of objects in "
                f"one call), got {zobjects}",
                field="maxZObjects",
            )
        )
    if data.version is not None and data.version.strip() and data.version.strip() != __version__:
        problems.append(
            InvalidValue(
                f"'version' must be {__version__}, the build of this installation (the only one it can run), "
                f"not {data.version.strip()[:50]!r}",
                field="version",
            )
        )
    return date_format, threads, zobjects


@dataclass(frozen=True, slots=True)
class _Login:
    spec: TargetSpec
    login_id: str | None
    principal: str | None
    sealed: str | None


def _choose_target(
    conn: Connection, ctx: Context, data: NewTask, keyring: Keyring | None, problems: list[BillforgeError]
) -> _Login | None:
    given = {
        "clientId": data.client_id,
        "clientSecret": data.client_secret,
        "username": data.username,
        "password": data.password,
    }
    given = {k: v for k, v in given.items() if v is not None and v != ""}
    if data.login_id:
        if data.target is not None and data.target.strip():
            problems.append(
                InvalidValue("give either 'target' or 'targetLogin' (a saved login), not both", field="targetLogin")
            )
            return None
        if given:
            problems.append(
                InvalidValue(
                    f"'targetLogin' brings its own credentials: leave out {', '.join(sorted(given))}",
                    field="targetLogin",
                )
            )
            return None
        row = conn.execute(
            select(bulk_target_logins).where(
                bulk_target_logins.c.entity_id == ctx.entity_id, bulk_target_logins.c.id == data.login_id
            )
        ).first()
        if row is None:
            problems.append(
                InvalidValue(f"'targetLogin': no saved login with id {data.login_id!r}", field="targetLogin")
            )
            return None
        return _Login(TargetSpec(row.kind, row.url), row.id, row.principal, row.secret)
    try:
        spec = parse_target(data.target or LOCAL)
    except InvalidValue as error:
        problems.append(error)
        return None
    if spec.scheme == LOCAL:
        if given:
            problems.append(
                InvalidValue(
                    f"the local target bills this installation's entity and takes no credentials: leave out "
                    f"{', '.join(sorted(given))}",
                    field=sorted(given)[0],
                )
            )
            return None
        return _Login(spec, None, None, None)
    who, secret_name = credential_names(spec.scheme)
    others = sorted(set(given) - {who, secret_name})
    if others:
        problems.append(
            InvalidValue(
                f"a {spec.scheme}: target logs in with {who} and {secret_name}: leave out {', '.join(others)}"
                + (" (OAuth is not used for SOAP logins)" if spec.scheme == SOAP else ""),
                field=others[0],
            )
        )
        return None
    principal = required_text(given.get(who), who, PRINCIPAL_MAX, problems, what=f"the {spec.scheme}: target's login")
    secret = required_text(
        given.get(secret_name), secret_name, SECRET_MAX, problems, what=f"the {spec.scheme}: login's secret"
    )
    if principal is None or secret is None:
        return None
    if keyring is None:
        problems.append(RuleRestriction(KEY_REQUIRED, field=secret_name))
        return None
    return _Login(spec, None, principal.strip(), keyring.seal(secret))


def create_task(*, db: Database, ctx: Context, data: NewTask, keyring: Keyring | None) -> TaskView:
    """Check the task, store its file and settings, and queue it for the workers."""
    problems: list[BillforgeError] = []
    now = ctx.now()
    name = required_text(data.name, "name", NAME_MAX, problems, what="the task's name")
    file_name = _check_file(data.file_name, data.content, problems)
    date_format, threads, zobjects = _check_settings(data, now.date(), problems)
    task_id = new_id()
    with db.write() as conn:
        login = _choose_target(conn, ctx, data, keyring, problems)
        raise_all(problems)
        if login is None or name is None or file_name is None or data.content is None:
            raise InternalError("a task passed its checks without its values")
        file_id = new_id()
        conn.execute(
            insert(files).values(
                id=file_id,
                entity_id=ctx.entity_id,
                invoice_id=None,
                name=file_name,
                content_type="text/csv",
                size=len(data.content),
                content=data.content,
                created_at=now,
            )
        )
        job_id = queue.enqueue(
            conn,
            queue.NewJob(
                kind=JOB_KIND,
                payload={"task_id": task_id},
                entity_id=ctx.entity_id,
                max_attempts=MAX_ATTEMPTS,
                dedupe_key=f"{JOB_KIND}:{task_id}",
            ),
            now=now,
        )
        conn.execute(
            insert(bulk_tasks).values(
                id=task_id,
                entity_id=ctx.entity_id,
                name=name.strip(),
                version=__version__,
                target=str(login.spec),
                target_login_id=login.login_id,
                target_principal=login.principal,
                credentials=login.sealed,
                date_format=date_format,
                max_threads=threads,
                max_zobjects=zobjects,
                file_name=file_name,
                input_file_id=file_id,
                results_file_id=None,
                status=QUEUED,
                cancel_requested=False,
                canceled_by_id=None,
                rows_total=0,
                rows_succeeded=0,
                rows_failed=0,
                rows_skipped=0,
                rows_posted=0,
                message=None,
                notes=None,
                job_id=job_id,
                runs=0,
                created_at=now,
                updated_at=now,
                created_by_id=ctx.actor_id,
            )
        )
        return read_task(conn, ctx.entity_id, task_id)

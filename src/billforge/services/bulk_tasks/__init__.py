"""Server-side bulk tasks: the Invoice API Generator run by the workers inside ``billforge serve``.

A task is an uploaded CSV (the template's columns), the seed's settings (Name, Version, Target,
Date Format, Max Threads, Max zObjects) and, for a ``rest:`` or ``soap:`` target, a login. Its life:

    create ──> queued ──a worker starts it──> running ──> succeeded   every row has its outcome
                 ^                               │   ├──> failed      the task could not run or finish
                 └──── interrupted (restart) ────┘   └──> canceled    a user canceled it

*succeeded* says the task ran to its end; rows may still have failed (see the counts and the
results). *failed* says it could not start (bad header or date format, a login the target refused)
or stopped for good (the target kept failing through every retry of its job).

How a task survives restarts: creating it enqueues a ``bulk-task`` job in the same transaction.
The runner keeps its journal in ``bulk_task_journal`` (``TaskJournal``), one committed insert per
journal append, and every append first checks that this worker still holds the job (extending
its lease), so two workers can never run one task at once. A worker that stops (``serve`` shut
down) lets its calls under way finish and hands the job back; one that dies (``kill -9``) leaves
it to its lease. Whichever worker takes the job next replays the journal: rows finished keep their
outcome, calls that were in flight are reconciled by asking the target, and nothing is billed twice
or missed.

Secrets: a target's password or client secret is stored only as a Fernet token made with a key
derived from ``BILLFORGE_SECRET_KEY`` (``Keyring``). Without a key, billforge refuses to store one.
No function here returns a secret to a caller other than the worker that needs it.

The use cases, one module per concern:

    creation      create_task: check the file, settings and target; store them; queue the job
    views         get_task, list_tasks, task_results, input_file (``TaskView``, ``TaskPage``)
    cancellation  cancel_task
    logins        saved logins to ``rest:``/``soap:`` targets: create_login, list_logins, delete_login
    targets       ``TargetSpec`` and parse_target (``local``, ``rest:URL``, ``soap:URL``)
    keyring       ``Keyring``: sealing and opening the stored secrets
    runs          the worker's side: begin_run, record_progress, end_run
    journal       ``TaskJournal``, and the ``Lease`` its appends check
    status        the statuses drawn above

Callers import from this package (``from billforge.services import bulk_tasks``).
"""

from __future__ import annotations

from billforge.services.bulk_tasks.cancellation import cancel_task
from billforge.services.bulk_tasks.creation import (
    DATE_FORMAT_MAX,
    FILE_NAME_MAX,
    JOB_KIND,
    MAX_ATTEMPTS,
    MAX_THREADS_LIMIT,
    NAME_MAX,
    NewTask,
    create_task,
)
from billforge.services.bulk_tasks.journal import JOURNAL_PAGE, Lease, LeaseLost, TaskJournal
from billforge.services.bulk_tasks.keyring import KEY_REQUIRED, Keyring
from billforge.services.bulk_tasks.logins import (
    LOGIN_NAME_MAX,
    PRINCIPAL_MAX,
    SECRET_MAX,
    LoginInput,
    LoginView,
    create_login,
    delete_login,
    list_logins,
)
from billforge.services.bulk_tasks.runs import NOTES_MAX, Counts, TaskRun, begin_run, end_run, record_progress
from billforge.services.bulk_tasks.status import ACTIVE, CANCELED, FAILED, FINISHED, QUEUED, RUNNING, SUCCEEDED
from billforge.services.bulk_tasks.targets import LOCAL, REST, SOAP, URL_MAX, TargetSpec, parse_target
from billforge.services.bulk_tasks.views import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ResultsFile,
    TaskPage,
    TaskView,
    get_task,
    input_file,
    list_tasks,
    task_results,
)

__all__ = [
    "ACTIVE",
    "CANCELED",
    "DATE_FORMAT_MAX",
    "DEFAULT_PAGE_SIZE",
    "FAILED",
    "FILE_NAME_MAX",
    "FINISHED",
    "JOB_KIND",
    "JOURNAL_PAGE",
    "KEY_REQUIRED",
    "LOCAL",
    "LOGIN_NAME_MAX",
    "MAX_ATTEMPTS",
    "MAX_PAGE_SIZE",
    "MAX_THREADS_LIMIT",
    "NAME_MAX",
    "NOTES_MAX",
    "PRINCIPAL_MAX",
    "QUEUED",
    "REST",
    "RUNNING",
    "SECRET_MAX",
    "SOAP",
    "SUCCEEDED",
    "URL_MAX",
    "Counts",
    "Keyring",
    "Lease",
    "LeaseLost",
    "LoginInput",
    "LoginView",
    "NewTask",
    "ResultsFile",
    "TargetSpec",
    "TaskJournal",
    "TaskPage",
    "TaskRun",
    "TaskView",
    "begin_run",
    "cancel_task",
    "create_login",
    "create_task",
    "delete_login",
    "end_run",
    "get_task",
    "input_file",
    "list_logins",
    "list_tasks",
    "parse_target",
    "record_progress",
    "task_results",
]

"""Tables of server-side bulk tasks (the Invoice API Generator run by ``billforge serve``).

``bulk_target_logins`` are saved logins to a target a task can bill through (the seed's "Target"
drop-down: a Zuora tenant by SOAP username and password, or a billforge server by OAuth client).
``bulk_tasks`` is one row per task: its settings, its status and progress counters, and the ids of
its input file and results file (bytes in ``files``, so that any API process can serve them). A
secret a task or login needs is kept only as a Fernet token made with a key derived from
``BILLFORGE_SECRET_KEY`` (``secret``/``credentials``), and no endpoint ever answers it.

``bulk_task_journal`` is the runner's journal of a task (``bulk.journal``): one line per row, in
order, committed before the runner goes on, so that a worker taking over an interrupted task
resumes it exactly where it stopped. A finished task's journal is deleted.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from billforge.db.tables import ACTOR, ID, metadata
from billforge.db.types import UTCDateTime

bulk_target_logins = Table(
    "bulk_target_logins",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(4), nullable=False),  # rest | soap
    Column("url", String(1000), nullable=False),
    Column("principal", String(255), nullable=False),  # the OAuth client id or the username (not secret)
    Column("secret", Text, nullable=False),  # Fernet token of the client secret or password
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by_id", String(ACTOR)),
    UniqueConstraint("entity_id", "name"),
)

bulk_tasks = Table(
    "bulk_tasks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("version", String(50), nullable=False),  # the build that runs it (the seed's Version)
    Column("target", String(1010), nullable=False),  # local | rest:URL | soap:URL
    Column("target_login_id", String(ID), ForeignKey("bulk_target_logins.id", ondelete="SET NULL")),
    Column("target_principal", String(255)),  # client id or username of a rest:/soap: target
    Column("credentials", Text),  # Fernet token of the target's secret
    Column("date_format", String(100), nullable=False),
    Column("max_threads", Integer, nullable=False),
    Column("max_zobjects", Integer, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("input_file_id", String(ID), ForeignKey("files.id"), nullable=False),
    Column("results_file_id", String(ID), ForeignKey("files.id", ondelete="SET NULL")),
    Column("status", String(10), nullable=False),  # queued | running | succeeded | failed | canceled
    Column("cancel_requested", Boolean, nullable=False),
    Column("canceled_by_id", String(ACTOR)),
    Column("rows_total", Integer, nullable=False),
    Column("rows_succeeded", Integer, nullable=False),
    Column("rows_failed", Integer, nullable=False),
    Column("rows_skipped", Integer, nullable=False),
    Column("rows_posted", Integer, nullable=False),
    Column("message", Text),  # why the task failed or stopped
    Column("notes", Text),  # the runner's warnings (Max Threads capped, ...)
    Column("job_id", String(ID)),  # its job in ``jobs`` (no key: finished jobs are purged)
    Column("runs", Integer, nullable=False),  # times a worker started or resumed it
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("created_by_id", String(ACTOR)),
    Index("ix_bulk_tasks_entity_created", "entity_id", "created_at"),
)

bulk_task_journal = Table(
    "bulk_task_journal",
    metadata,
    Column("task_id", String(ID), ForeignKey("bulk_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("line", Text, nullable=False),  # one JSON object, as the journal file would hold it
)

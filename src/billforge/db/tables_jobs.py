"""Tables of background work: the job queue, stored files, and invoice PDF versions.

``jobs`` is the one queue every kind of background work shares (invoice PDFs, bulk tasks): a
row per job with its ``kind`` and a JSON ``payload``. ``run_at`` is when a queued job may start
and, while a worker holds it, when that worker's lease ends: a job whose lease has ended (its
worker died) is claimed again. Nothing but the database is needed (product.md, "Deployment
shape"), and every API process and worker sees the same queue.

``files`` keeps the bytes of generated files in the database, so that any API process can serve
a file another one made. ``invoice_files`` are the versions of an invoice's PDF (Zuora's
``invoiceFiles``): each is Pending until a worker (or a request for the invoice's ``Body``)
renders it, then Ready with its file.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from billforge.db.tables import ACTOR, ID, invoices, metadata
from billforge.db.types import UTCDateTime

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(50), nullable=False),  # what to run: "invoice-pdf", "bulk-task", ...
    Column("payload", JSON, nullable=False),
    Column("entity_id", String(ID)),  # the tenant the job works for, when it has one
    Column("status", String(10), nullable=False),  # queued | running | done | failed
    Column("priority", Integer, nullable=False),  # lower runs first
    Column("run_at", UTCDateTime(), nullable=False),  # queued: not before; running: the lease's end
    Column("attempts", Integer, nullable=False),  # claims so far (a retry or a lost lease adds one)
    Column("max_attempts", Integer, nullable=False),
    Column("locked_by", String(100)),  # the worker holding a running job
    Column("dedupe_key", String(255), unique=True),  # at most one job per key
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Index("ix_jobs_claim", "status", "run_at"),
    Index("ix_jobs_finished_at", "finished_at"),
)

files = Table(
    "files",
    metadata,
    Column("id", String(ID), primary_key=True),  # the id in /v1/files/{file-id}
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    # The invoice a file belongs to (its PDFs): deleting the invoice deletes them.
    Column("invoice_id", String(ID), ForeignKey("invoices.id", ondelete="CASCADE")),
    Column("name", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_files_invoice_id", "invoice_id"),
)

invoice_files = Table(
    "invoice_files",
    metadata,
    Column("id", String(ID), primary_key=True),  # Zuora's invoice file id (not the file's id)
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("invoice_id", String(ID), ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # Pending | Ready | Failed
    Column("reason", String(20), nullable=False),  # Post | Regenerate | Body
    # The invoice's PostedDate when this version was asked for: a posted invoice has a PDF of its
    # latest posting when one of its versions carries its PostedDate.
    Column("posted_date", UTCDateTime()),
    Column("draft", Boolean, nullable=False),  # rendered from a Draft invoice (marked DRAFT)
    Column("file_id", String(ID), ForeignKey("files.id", ondelete="SET NULL")),
    Column("error", Text),
    Column("requested_by_id", String(ACTOR)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("ready_at", UTCDateTime()),
    Index("ix_invoice_files_invoice_version", "invoice_id", "version_number", unique=True),
)

# Finding posted invoices that have no PDF of their latest posting yet (the worker's sweep) reads
# invoices by status and PostedDate; this index on the invoices table serves that query alone.
Index("ix_invoices_status_posted_date", invoices.c.status, invoices.c.posted_date)

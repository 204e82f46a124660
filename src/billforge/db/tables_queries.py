"""Server-side cursors of ZOQL queries (``query`` / ``queryMore``): one row per issued locator.

A locator is immutable: it holds the query, the batch size, the total number of matching records
when the query ran, and the sort key of the last record delivered before it. ``queryMore`` reads
the next batch after that key and, if more remain, issues a new locator; asking again with the same
locator answers the same batch (a retried call loses nothing). Rows live in the database, so any
API process can continue a query another one started. Locators expire 15 minutes after they are
issued (Zuora's cursor lifetime); expired rows are deleted when new ones are issued.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from billforge.db.tables import ID, metadata
from billforge.db.types import UTCDateTime

query_locators = Table(
    "query_locators",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("entity_id", String(ID), ForeignKey("entities.id"), nullable=False),
    Column("query_string", Text, nullable=False),
    Column("batch_size", Integer, nullable=False),
    Column("size", Integer, nullable=False),  # matching records when the query ran
    Column("delivered", Integer, nullable=False),  # records delivered before this locator
    Column("after_key", JSON, nullable=False),  # the sort key of the last record delivered
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_query_locators_expires_at", "expires_at"),
)

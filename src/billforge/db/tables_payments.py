"""Tables of payments and refunds: records that move an invoice's balance (no gateways)."""

from __future__ import annotations

from billforge.db.tables import metadata  # noqa: F401 - tables below join the one MetaData

"""Numbered sequences per entity (account numbers A00000001, SKUs, subscription numbers,
payment numbers P-00000001, ...): one counter row per (entity, kind), advanced atomically with
an upsert, never reused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billforge.db import tables as t


def take_numbers(conn: Connection, *, entity_id: str, kind: str, count: int = 1) -> range:
    """``count`` consecutive numbers of the entity's ``kind`` sequence (the first one is 1)."""
    counters = t.counters
    values = {"entity_id": entity_id, "kind": kind, "next_number": 1 + count}
    bumped = {"next_number": counters.c.next_number + count}
    keys = [counters.c.entity_id, counters.c.kind]
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        upsert(counters)
        .values(**values)
        .on_conflict_do_update(index_elements=keys, set_=bumped)
        .returning(counters.c.next_number)
    )
    after = int(conn.execute(statement).scalar_one())
    return range(after - count, after)


def free_keys(
    conn: Connection, *, entity_id: str, kind: str, render: Callable[[int], str], column: Any, count: int = 1
) -> list[str]:
    """``count`` new keys (``render(n)``, e.g. ``SKU-00000001``) that no row of ``column``'s
    table uses yet in the entity (a client may have chosen such a key itself): one query per round."""
    table = column.table
    found: list[str] = []
    while len(found) < count:
        candidates = [render(n) for n in take_numbers(conn, entity_id=entity_id, kind=kind, count=count - len(found))]
        taken = set(
            conn.execute(select(column).where(table.c.entity_id == entity_id, column.in_(candidates))).scalars()
        )
        found.extend(c for c in candidates if c not in taken)
    return found

"""Fixed planner statistics for SQLite, so that lookups by id use the id's index.

Every business table is scoped by ``entity_id``, and most unique constraints start with it. Without
statistics SQLite guesses that an equality on an index's first column is selective, so for
``entity_id = ? AND id IN (...)`` it may search the ``(entity_id, number)`` index and read every row
of the entity instead of the few rows named by id: a lookup that grows with the table.

``pin`` writes ``sqlite_stat1`` by hand (SQLite documents this as a way to fix plans) from the
indexes in the database: an index on ``entity_id`` alone matches every row (one entity may hold
them all), any other column prefix matches a handful, and a unique index's full key one row. The
figures never change, so plans do not drift with the data, and ``ANALYZE`` is never run. Applied
after each migration run (``migrate.upgrade``), so ``serve`` refreshes it on every start.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection

ROWS: Final = 1_000_000  # the size every table is planned for
ENTITY_COLUMN: Final = "entity_id"
PREFIX_ROWS: Final = 10  # rows matching any other column prefix


def index_stat(columns: list[str], unique: bool) -> str:
    """``sqlite_stat1.stat`` for an index: the table's rows, then the rows matching each prefix."""
    matches = []
    for length in range(1, len(columns) + 1):
        if length == 1 and columns[0] == ENTITY_COLUMN:
            matches.append(ROWS)
        elif unique and length == len(columns):
            matches.append(1)
        else:
            matches.append(PREFIX_ROWS)
    return " ".join(str(n) for n in [ROWS, *matches])


def pin(conn: Connection) -> None:
    """Replace ``sqlite_stat1`` with the fixed figures for every index of every table."""
    tables = [
        row[0]
        for row in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        )
    ]
    stats: list[tuple[str, str, str]] = []
    for table in tables:
        for index in conn.exec_driver_sql(f'PRAGMA index_list("{table}")').mappings():
            columns = [
                str(info["name"]) for info in conn.exec_driver_sql(f'PRAGMA index_info("{index["name"]}")').mappings()
            ]
            if columns and all(columns):
                stats.append((table, str(index["name"]), index_stat(columns, bool(index["unique"]))))
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 when it is missing
    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats)
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # loads the figures into this connection's schema

"""Set-based inserts at the speed of the driver.

``insert_rows`` sends one ``executemany`` for many rows, converting each value with its
column's own bind processor (so money stays exact on both backends, exactly as the Core
``insert()`` would store it), without SQLAlchemy building parameters row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table

Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=256)
def _statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple[Processor, ...]]:
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    # Only identifiers from the table definition, quoted by the dialect; values are parameters.
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - identifiers from code
        f"VALUES ({', '.join(marker for _ in columns)})"
    )
    processors = tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)
    return sql, processors


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all have the same keys, with one ``executemany`` (psycopg pipelines it)."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, processors = _statement(table, columns, conn.dialect)
    converters = [(index, process) for index, process in enumerate(processors) if process is not None]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        line = list(row.values())
        for index, process in converters:
            line[index] = process(line[index])
        values.append(tuple(line))
    conn.exec_driver_sql(sql, values)

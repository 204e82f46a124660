"""ZOQL queries for the doors that speak Zuora's ``query()`` / ``queryMore()`` (REST actions, SOAP).

``query`` parses the ZOQL, counts the matching records of the caller's entity and answers the first
batch (``batch_size`` 1 to 2000, default 2000). When more records match, it issues a query locator:
a row of ``query_locators`` (any API process can continue from it) that ``query_more`` reads to
answer the next batch. Records are in a stable order (the object's creation order, then id) and
carry exactly the selected fields, in XSD order, with Python values: ``Decimal``, ``date``,
``datetime`` (aware, in the tenant's time zone), ``bool``, ``int``, ``str``; a null field is left out.
An Invoice's ``Body`` (its PDF, base64) is answered for one invoice named by ``Id = '...'``; a query
of ``Body`` that does not name one invoice so is refused with ``PDF_QUERY_ERROR`` (``services.documents``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.tables_queries import query_locators
from billforge.errors import InvalidValue
from billforge.services import documents
from billforge.services.context import Context, new_id
from billforge.zoql import ast
from billforge.zoql.errors import InvalidQueryLocator
from billforge.zoql.parser import parse
from billforge.zoql.sql import Plan, plan

MAX_BATCH_SIZE: Final = 2000
DEFAULT_BATCH_SIZE: Final = 2000
LOCATOR_LIFETIME: Final = timedelta(minutes=15)  # Zuora expires queryMore cursors after 15 minutes
MAX_LOCATOR_LENGTH: Final = 255


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One batch: ``size`` is the number of matching records (all batches), ``done`` whether this is
    the last batch, ``query_locator`` (when not done) what ``query_more`` continues from.
    ``object_name`` is the object as the registry spells it (a SOAP record's ``xsi:type``) and
    ``fields`` the selected fields in XSD order."""

    object_name: str
    fields: tuple[str, ...]
    records: list[dict[str, Any]]
    size: int
    done: bool
    query_locator: str | None


def check_batch_size(batch_size: int | None) -> int:
    """The batch size to use; 1 to 2000 (``conf.batchSize``), 2000 when not given."""
    if batch_size is None:
        return DEFAULT_BATCH_SIZE
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidValue(
            f"'conf.batchSize' must be between 1 and {MAX_BATCH_SIZE}, got {batch_size}", field="conf.batchSize"
        )
    return batch_size


def _zone(conn: Connection, entity_id: str) -> ZoneInfo:
    value = conn.execute(
        select(t.tenant_settings.c.time_zone).where(t.tenant_settings.c.entity_id == entity_id)
    ).scalar_one()
    return ZoneInfo(str(value))


def _plan(conn: Connection, entity_id: str, parsed: ast.Query) -> Plan:
    return plan(parsed, entity_id=entity_id, zone=_zone(conn, entity_id), dialect=conn.dialect.name)


def query(*, db: Database, ctx: Context, query_string: str, batch_size: int | None = None) -> QueryResult:
    """The first batch of a ZOQL query's records (``query()``)."""
    size = check_batch_size(batch_size)
    parsed = parse(query_string)
    with db.read() as conn:
        prepared = _plan(conn, ctx.entity_id, parsed)
        total = int(conn.execute(prepared.count()).scalar_one())
        body = prepared.obj.name == "Invoice" and "Body" in prepared.fields
        if body:
            by_id = any(
                c.field.text.lower() == "id" and c.operator is ast.Operator.EQ for c in _comparisons(parsed.where)
            )
            documents.check_body_query(total, by_id=by_id)
        rows = list(conn.execute(prepared.page(None, size + 1)))
    answer = _answer(db, ctx, prepared, query_string, rows, size, total, delivered=0)
    return _with_body(db, ctx, parsed, answer) if body and answer.records else answer


def _comparisons(where: ast.Condition | None) -> list[ast.Comparison]:
    return [c for c in ast.conditions(where) if isinstance(c, ast.Comparison)]


def _with_body(db: Database, ctx: Context, parsed: ast.Query, answer: QueryResult) -> QueryResult:
    """The one invoice's record with its ``Body``: the PDF, base64 (``services.documents``)."""
    ids = replace(parsed, fields=(ast.Name("Id", parsed.obj.position),))
    with db.read() as conn:
        planned = _plan(conn, ctx.entity_id, ids)
        invoice_id = str(planned.record(conn.execute(planned.page(None, 1)).one())["Id"])
    body = documents.invoice_body_base64(db=db, ctx=ctx, invoice_id=invoice_id)
    (record,) = answer.records
    filled = {
        name: body if name == "Body" else record[name] for name in answer.fields if name in record or name == "Body"
    }
    return replace(answer, records=[filled])


def query_more(*, db: Database, ctx: Context, query_locator: str, batch_size: int | None = None) -> QueryResult:
    """The batch after a query locator (``queryMore()``); the same locator always answers the same batch."""
    if not query_locator or len(query_locator) > MAX_LOCATOR_LENGTH:
        raise _bad_locator(query_locator)
    with db.read() as conn:
        found = conn.execute(
            select(query_locators).where(
                query_locators.c.id == query_locator,
                query_locators.c.entity_id == ctx.entity_id,
                query_locators.c.expires_at > ctx.now(),
            )
        ).first()
        if found is None:
            raise _bad_locator(query_locator)
        size = check_batch_size(batch_size) if batch_size is not None else int(found.batch_size)
        prepared = _plan(conn, ctx.entity_id, parse(found.query_string))
        rows = list(conn.execute(prepared.page(found.after_key, size + 1)))
    return _answer(db, ctx, prepared, found.query_string, rows, size, int(found.size), delivered=int(found.delivered))


def _bad_locator(query_locator: str) -> InvalidQueryLocator:
    return InvalidQueryLocator(
        f"invalid query locator {query_locator[:64]!r}: it was not issued to this tenant or has expired "
        f"(locators last {int(LOCATOR_LIFETIME.total_seconds() // 60)} minutes); run the query again",
        field="queryLocator",
    )


def _answer(
    db: Database,
    ctx: Context,
    prepared: Plan,
    query_string: str,
    rows: list[Any],
    size: int,
    total: int,
    *,
    delivered: int,
) -> QueryResult:
    batch, more = rows[:size], len(rows) > size
    locator = None
    if more:
        locator = _issue(db, ctx, query_string, size, total, delivered + len(batch), prepared.key(batch[-1]))
    return QueryResult(
        object_name=prepared.obj.name,
        fields=prepared.fields,
        records=[prepared.record(row) for row in batch],
        size=total,
        done=not more,
        query_locator=locator,
    )


def _issue(
    db: Database, ctx: Context, query_string: str, batch_size: int, total: int, delivered: int, after: list[Any]
) -> str:
    locator = new_id()
    now = ctx.now()
    with db.write() as conn:
        conn.execute(delete(query_locators).where(query_locators.c.expires_at <= now))
        conn.execute(
            insert(query_locators).values(
                id=locator,
                entity_id=ctx.entity_id,
                query_string=query_string,
                batch_size=batch_size,
                size=total,
                delivered=delivered,
                after_key=after,
                created_at=now,
                expires_at=now + LOCATOR_LIFETIME,
            )
        )
    return locator


def read_record(
    conn: Connection,
    entity_id: str,
    object_name: str,
    object_id: str,
    fields: tuple[str, ...],
    *,
    keep_nulls: bool = False,
) -> dict[str, Any] | None:
    """One object's ``fields`` by id (as a query would answer them; null ones as None with
    ``keep_nulls``), or None if the entity has no such object. The Object API's GET uses it, so
    that it and ZOQL read every field the same way."""
    at = ast.Position(0, 1, 1)
    parsed = ast.Query(
        fields=tuple(ast.Name(name, at) for name in fields),
        obj=ast.Name(object_name, at),
        where=ast.Comparison(
            ast.Name("Id", at), ast.Operator.EQ, ast.Literal(ast.LiteralKind.STRING, object_id, repr(object_id), at)
        ),
        text="",
    )
    prepared = _plan(conn, entity_id, parsed)
    row = conn.execute(prepared.page(None, 1)).first()
    return prepared.record(row, keep_nulls=keep_nulls) if row is not None else None


def time_zone(conn: Connection, entity_id: str) -> ZoneInfo:
    """The tenant's time zone (the zone query values without an offset are read in)."""
    return _zone(conn, entity_id)

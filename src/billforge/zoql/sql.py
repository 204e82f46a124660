"""A parsed ZOQL query as SQLAlchemy Core statements over billforge's tables (never SQL text).

:func:`plan` resolves the query's object and fields in the registry (:mod:`billforge.zoql.objects`),
turns the where clause into a SQL condition, always restricted to the caller's entity, and gives:

- ``count()``: how many records match;
- ``page(after, limit)``: the next records in a stable order (the object's sort key, ``id`` last),
  after the sort key ``after`` of the last record already delivered (keyset paging, so concurrent
  writes never shift a page);
- ``record(row)``: one record, its selected fields in XSD order, null fields left out;
- ``key(row)``: a record's sort key, JSON-safe (what a query locator stores).

Values in the query are read as the field's type: a quoted number (``Balance > '100'``), a date or
a timestamp (``InvoiceDate >= '2024-01-01'``, ``CreatedDate > '2024-01-01T10:00:00-08:00'``; without an
offset, the tenant's time zone), ``true``/``false`` (or ``'true'``). A value between two values the
field can hold (``Amount > 10.005`` against amounts of 4 decimals is fine; a timestamp against a
date) is compared as exactly as the stored values allow. String comparisons and ``like`` are
case-sensitive on both databases (``like`` is SQLite's ``GLOB`` there, which is).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, Table, and_, false, func, null, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from billforge.db.types import ExactDecimal
from billforge.errors import ErrorCode, Unsupported
from billforge.zoql.ast import (
    And,
    Comparison,
    Condition,
    Like,
    Literal,
    LiteralKind,
    Name,
    NullCheck,
    Operator,
    Or,
    Query,
    Wildcard,
)
from billforge.zoql.errors import InvalidQueryField, MalformedQuery
from billforge.zoql.objects import FieldType, Sources, ZField, ZObject, find_object, is_custom, table_of

_TEXT: Final = (FieldType.ID, FieldType.STRING)
_INT_LIMIT: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class _Selected:
    name: str  # as the record shows it
    field: ZField | None  # None: a custom field, read from ``extra``
    label: str


@dataclass(frozen=True)
class Plan:
    """A query ready to run (see the module docstring)."""

    obj: ZObject
    fields: tuple[str, ...]
    zone: ZoneInfo
    _table: Table
    _selected: tuple[_Selected, ...]
    _columns: tuple[ColumnElement[Any], ...]
    _condition: ColumnElement[bool]
    _order: tuple[ColumnElement[Any], ...]

    def count(self) -> Select[Any]:
        return select(func.count()).select_from(self._table).where(self._condition)

    def page(self, after: Sequence[Any] | None, limit: int) -> Select[Any]:
        keys = [column.label(f"k{i}") for i, column in enumerate(self._order)]
        statement = select(*self._columns, *keys).where(self._condition)
        if after is not None:
            statement = statement.where(_after(self._order, _decode_key(after)))
        return statement.order_by(*self._order).limit(limit)

    def record(self, row: Row[Any], *, keep_nulls: bool = False) -> dict[str, Any]:
        values = row._mapping
        record: dict[str, Any] = {}
        for chosen in self._selected:
            if chosen.field is None:
                extra = values[chosen.label] or {}
                wanted = chosen.name.lower()
                value = next((v for k, v in extra.items() if k.lower() == wanted), None)
            else:
                value = _output(chosen.field.type, values[chosen.label], self.zone)
            if value is not None or keep_nulls:
                record[chosen.name] = value
        return record

    def key(self, row: Row[Any]) -> list[Any]:
        values = row._mapping
        return [_encode_key(values[f"k{i}"]) for i in range(len(self._order))]


def plan(query: Query, *, entity_id: str, zone: ZoneInfo, dialect: str) -> Plan:
    """Resolve ``query`` against the registry for one entity; raises the query's first problem."""
    obj = find_object(query.obj.text)
    table = table_of(obj)
    sources = Sources(table)
    custom = "extra" in table.c
    selected: list[_Selected] = []
    columns: list[ColumnElement[Any]] = []
    wanted: dict[str, Name] = {name.text.lower(): name for name in query.fields}
    standard = [f for f in obj.fields if f.name.lower() in wanted]
    for f in standard:
        if f.unsupported:
            raise Unsupported(f"{obj.name}.{f.name}: {f.unsupported}", field=f.name, code=ErrorCode.PDF_QUERY_ERROR)
        expression = f.expr(sources) if f.expr is not None else None
        label = f"f{len(columns)}"
        columns.append((expression if expression is not None else null()).label(label))
        selected.append(_Selected(f.name, f, label))
    customs = sorted((n for n in query.fields if obj.field(n.text) is None), key=lambda n: n.text.lower())
    for name in customs:
        if not (custom and is_custom(name.text)):
            raise _unknown_field(obj, name)
        label = f"f{len(columns)}"
        columns.append(table.c.extra.label(label))
        selected.append(_Selected(name.text, None, label))
    condition: ColumnElement[bool] = table.c.entity_id == entity_id
    if query.where is not None:
        condition = and_(condition, _Where(obj, sources, zone, dialect, custom).build(query.where))
    order = tuple(c for c in (sources.column(n) for n in obj.order) if c is not None) or (table.c.id,)
    return Plan(
        obj=obj,
        fields=tuple(s.name for s in selected),
        zone=zone,
        _table=table,
        _selected=tuple(selected),
        _columns=tuple(columns),
        _condition=condition,
        _order=order,
    )


def _unknown_field(obj: ZObject, name: Name) -> InvalidQueryField:
    return InvalidQueryField(
        f"invalid field for query: {obj.name}.{name.text} (at {name.position}) is not a field of {obj.name}",
        field="queryString",
    )


# --- where ---------------------------------------------------------------------------------------


class _Where:
    def __init__(self, obj: ZObject, sources: Sources, zone: ZoneInfo, dialect: str, custom: bool) -> None:
        self.obj = obj
        self.sources = sources
        self.zone = zone
        self.dialect = dialect
        self.custom = custom

    def build(self, node: Condition) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.build(term) for term in node.terms))
        if isinstance(node, Or):
            return or_(*(self.build(term) for term in node.terms))
        field, expression = self.resolve(node.field)
        if isinstance(node, NullCheck):
            if expression is None:
                return true() if node.is_null else false()
            return expression.is_(None) if node.is_null else expression.is_not(None)
        kind = field.type if field is not None else FieldType.STRING
        if kind is FieldType.LIST:
            raise self.malformed(node.field, f"{self.obj.name}.{node.field.text} cannot be used in a where clause")
        if isinstance(node, Like):
            return self.like(node, kind, expression)
        return self.compare(node, field, kind, expression)

    def resolve(self, name: Name) -> tuple[ZField | None, ColumnElement[Any] | None]:
        field = self.obj.field(name.text)
        if field is not None:
            if field.unsupported:
                raise self.malformed(name, f"{self.obj.name}.{field.name} cannot be used in a where clause")
            return field, field.expr(self.sources) if field.expr is not None else None
        if self.custom and is_custom(name.text):
            return None, self.sources.main.c.extra[name.text].as_string()
        raise _unknown_field(self.obj, name)

    def malformed(self, at: Name | Literal, why: str) -> MalformedQuery:
        return MalformedQuery(f"malformed query at {at.position}: {why}", field="queryString")

    def like(self, node: Like, kind: FieldType, expression: ColumnElement[Any] | None) -> ColumnElement[bool]:
        if kind not in _TEXT:
            raise self.malformed(
                node.field, f"'like' compares text, and {self.obj.name}.{node.field.text} is a {kind.value} field"
            )
        if expression is None:
            return false()
        if self.dialect == "sqlite":  # SQLite's LIKE ignores case; GLOB does not, like PostgreSQL's LIKE
            glob = "".join(
                {Wildcard.ANY: "*", Wildcard.ONE: "?"}[part]
                if isinstance(part, Wildcard)
                else "".join(f"[{ch}]" if ch in "*?[" else ch for ch in part)
                for part in node.pattern.pattern
            )
            matched: ColumnElement[bool] = expression.op("GLOB")(glob)
            return matched
        like = "".join(
            part.value
            if isinstance(part, Wildcard)
            else part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            for part in node.pattern.pattern
        )
        return expression.like(like, escape="\\")

    def compare(
        self, node: Comparison, field: ZField | None, kind: FieldType, expression: ColumnElement[Any] | None
    ) -> ColumnElement[bool]:
        value = node.value
        where = f"{self.obj.name}.{node.field.text}"
        if kind is FieldType.BOOLEAN and node.operator not in (Operator.EQ, Operator.NE):
            raise self.malformed(
                node.value, f"{where} is a boolean field: compare it with = or !=, not {node.operator}"
            )
        converted = self.convert(value, kind, where, field)
        if expression is None:
            return false()
        if isinstance(converted, _Between):
            return _between(expression, node.operator, converted.low, converted.high)
        if kind is FieldType.DECIMAL and isinstance(converted, Decimal):
            return _decimal(expression, node.operator, converted)
        return _OPERATORS[node.operator](expression, converted)

    def convert(self, value: Literal, kind: FieldType, where: str, field: ZField | None) -> Any:
        if kind in _TEXT:
            if value.kind is LiteralKind.BOOLEAN:
                raise self.malformed(
                    value, f"{where} is a text field: compare it with a quoted string, not {value.source}"
                )
            text = value.source if value.kind is LiteralKind.NUMBER else str(value.value)
            return field.aliases.get(text, text) if field is not None else text
        if kind is FieldType.BOOLEAN:
            if value.kind is LiteralKind.BOOLEAN:
                return value.value
            if value.kind is LiteralKind.STRING and str(value.value).lower() in ("true", "false"):
                return str(value.value).lower() == "true"
            raise self.malformed(
                value, f"{where} is a boolean field: compare it with true or false, not {value.source}"
            )
        if kind in (FieldType.DECIMAL, FieldType.INTEGER):
            number = self.number(value, where)
            return number if kind is FieldType.DECIMAL else _integer(number)
        instant = self.moment(value, where)
        if kind is FieldType.DATE:
            return _day(instant, self.zone)
        if kind is FieldType.LOCAL_DATETIME:
            return instant.astimezone(self.zone).replace(tzinfo=None)
        return instant

    def number(self, value: Literal, where: str) -> Decimal:
        if value.kind is LiteralKind.NUMBER:
            return value.value  # type: ignore[return-value]
        if value.kind is LiteralKind.STRING:
            text = str(value.value).strip()
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal("NaN")
            if number.is_finite() and text and not any(ch in text for ch in "eE_"):
                return number
        raise self.malformed(value, f"{where} is a number field: {value.source} is not a number")

    def moment(self, value: Literal, where: str) -> datetime:
        """A date or timestamp value as an aware instant (the tenant's zone when none is given)."""
        text = str(value.value).strip() if value.kind is LiteralKind.STRING else ""
        parsed: datetime | None = None
        if len(text) == 10:
            try:
                parsed = datetime.combine(date.fromisoformat(text), time())
            except ValueError:
                parsed = None
        elif len(text) > 10 and text[10] in "T ":
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            raise self.malformed(
                value,
                f"{where} is a date field: {value.source} is not a date such as '2024-01-31' "
                "or a date-time such as '2024-01-31T10:30:00-08:00'",
            )
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.zone)


# --- comparisons -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Between:
    """A value strictly between two values a field can hold (``low`` < value < ``high``); None: no
    such value on that side."""

    low: Any
    high: Any


def _between(expression: ColumnElement[Any], op: Operator, low: Any, high: Any) -> ColumnElement[bool]:
    if op is Operator.EQ:
        return false()
    if op is Operator.NE:
        return expression.is_not(None)
    if op in (Operator.GT, Operator.GE):
        above: ColumnElement[bool] = expression > low if low is not None else expression >= high
        return above
    below: ColumnElement[bool] = expression < high if high is not None else expression <= low
    return below


def _decimal(expression: ColumnElement[Any], op: Operator, value: Decimal) -> ColumnElement[bool]:
    """Compare with a decimal column exactly, even for a value it cannot hold (too precise or large)."""
    column_type = expression.type
    if not isinstance(column_type, ExactDecimal):
        return _OPERATORS[op](expression, value)
    limit = column_type.max_abs
    if value > limit:
        return _between(expression, op, limit, None)
    if value < -limit:
        return _between(expression, op, None, -limit)
    step = Decimal(1).scaleb(-column_type.scale)
    low = value.quantize(step, rounding=ROUND_FLOOR)
    if low == value:
        return _OPERATORS[op](expression, low)
    return _between(expression, op, low, value.quantize(step, rounding=ROUND_CEILING))


def _integer(number: Decimal) -> int | _Between:
    if number > _INT_LIMIT:
        return _Between(_INT_LIMIT, None)
    if number < -_INT_LIMIT:
        return _Between(None, -_INT_LIMIT)
    if number == number.to_integral_value():
        return int(number)
    return _Between(math.floor(number), math.ceil(number))


def _day(instant: datetime, zone: ZoneInfo) -> date | _Between:
    local = instant.astimezone(zone)
    if local.time() == time():
        return local.date()
    return _Between(local.date(), local.date() + timedelta(days=1))


_OPERATORS: Final[dict[Operator, Callable[[ColumnElement[Any], Any], ColumnElement[bool]]]] = {
    Operator.EQ: lambda e, v: e == v,
    Operator.NE: lambda e, v: e != v,
    Operator.LT: lambda e, v: e < v,
    Operator.GT: lambda e, v: e > v,
    Operator.LE: lambda e, v: e <= v,
    Operator.GE: lambda e, v: e >= v,
}


def _after(columns: Sequence[ColumnElement[Any]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose sort key comes after ``values`` (lexicographic over ``columns``)."""
    terms = [and_(*(columns[j] == values[j] for j in range(i)), columns[i] > values[i]) for i in range(len(columns))]
    return or_(*terms)


# --- values out ------------------------------------------------------------------------------------


def plain(value: Decimal) -> Decimal:
    """A stored decimal without the column's trailing zeros and never in exponent form (10.0000 is 10)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def _output(kind: FieldType, value: Any, zone: ZoneInfo) -> Any:
    if value is None:
        return None
    if kind is FieldType.DECIMAL:
        return plain(Decimal(value))
    if kind is FieldType.INTEGER:
        return int(value)
    if kind is FieldType.BOOLEAN:
        return bool(value)
    if kind is FieldType.DATE:
        return value.date() if isinstance(value, datetime) else value
    if kind is FieldType.DATETIME:
        return value.astimezone(zone)
    if kind is FieldType.LOCAL_DATETIME:
        return value.replace(tzinfo=zone)
    if kind is FieldType.LIST:
        return ",".join(str(v) for v in value)
    return str(value)


def _encode_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"datetime": value.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _decode_key(values: Sequence[Any]) -> list[Any]:
    decoded: list[Any] = []
    for value in values:
        if isinstance(value, dict) and "datetime" in value:
            decoded.append(datetime.fromisoformat(value["datetime"]))
        elif isinstance(value, dict) and "date" in value:
            decoded.append(date.fromisoformat(value["date"]))
        elif isinstance(value, dict) and "decimal" in value:
            decoded.append(Decimal(value["decimal"]))
        else:
            decoded.append(value)
    return decoded

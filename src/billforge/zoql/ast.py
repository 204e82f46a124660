"""The query AST the parser builds: pure, frozen data, with where each piece was written.

``select f1, f2 from Obj where c1 and c2 or c3`` becomes ``Query(fields, obj, Or((And((c1, c2)), c3)))``:
``and`` binds tighter than ``or`` (ZOQL has no parentheses). Names keep the client's spelling; the
object registry resolves them case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum


@dataclass(frozen=True, slots=True)
class Position:
    """Where something starts in the query string: a 0-based offset, 1-based line and column."""

    offset: int
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


class Operator(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="


class LiteralKind(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"


class Wildcard(Enum):
    """A ``like`` pattern's wildcards: ``%`` (any run of characters) and ``_`` (one character)."""

    ANY = "%"
    ONE = "_"


PatternPart = str | Wildcard


@dataclass(frozen=True, slots=True)
class Literal:
    """A value as written: a quoted string (escapes resolved), a number or ``true``/``false``.

    ``pattern`` is a string literal read as a ``like`` pattern: literal text and wildcards, where an
    escaped ``\\%`` or ``\\_`` is literal text.
    """

    kind: LiteralKind
    value: str | Decimal | bool
    source: str
    position: Position
    pattern: tuple[PatternPart, ...] = ()


@dataclass(frozen=True, slots=True)
class Name:
    """A field or object name as the client spelled it (``AccountID``, ``invoice``)."""

    text: str
    position: Position


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value``."""

    field: Name
    operator: Operator
    value: Literal


@dataclass(frozen=True, slots=True)
class Like:
    """``field like 'pattern'``."""

    field: Name
    pattern: Literal


@dataclass(frozen=True, slots=True)
class NullCheck:
    """``field is null`` / ``field = null`` (``is_null``), ``field is not null`` / ``field != null``."""

    field: Name
    is_null: bool


@dataclass(frozen=True, slots=True)
class And:
    terms: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    terms: tuple[Condition, ...]


Condition = Comparison | Like | NullCheck | And | Or


@dataclass(frozen=True, slots=True)
class Query:
    """``select fields from obj [where where]``; ``fields`` in the order written, without repeats."""

    fields: tuple[Name, ...]
    obj: Name
    where: Condition | None
    text: str


def conditions(condition: Condition | None) -> list[Comparison | Like | NullCheck]:
    """The simple conditions of a where clause, left to right."""
    if condition is None:
        return []
    if isinstance(condition, And | Or):
        return [leaf for term in condition.terms for leaf in conditions(term)]
    return [condition]


__all__ = [
    "And",
    "Comparison",
    "Condition",
    "Like",
    "Literal",
    "LiteralKind",
    "Name",
    "NullCheck",
    "Operator",
    "Or",
    "PatternPart",
    "Position",
    "Query",
    "Wildcard",
    "conditions",
]

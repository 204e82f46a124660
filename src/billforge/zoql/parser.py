"""A recursive-descent parser for ZOQL, the query language of Zuora's ``query()`` call.

Grammar (keywords case-insensitive, any whitespace and line breaks between tokens)::

    query      := 'select' field (',' field)* 'from' object ['where' or_expr] [';'] END
    or_expr    := and_expr ('or' and_expr)*          -- 'and' binds tighter than 'or'
    and_expr   := condition ('and' condition)*
    condition  := field op value
                | field 'like' string
                | field 'is' ['not'] 'null'
    op         := '=' | '!=' | '<' | '>' | '<=' | '>='
    value      := string | number | 'true' | 'false' | 'null'   -- '= null' / '!= null' mean is (not) null

What Zuora's ZOQL does not have is refused with a message saying so: parentheses, ``*``, joins
(``Account.Name``), ``in``, ``not``, ``between``, ``order by``, ``group by``, ``limit``, comparing two
fields. A query may have at most 200 conditions and 10,000 characters (Zuora's limits).
"""

from __future__ import annotations

from typing import Final

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
)
from billforge.zoql.errors import MalformedQuery
from billforge.zoql.lexer import Kind, Token, malformed, tokenize

MAX_QUERY_LENGTH: Final = 10_000
MAX_CONDITIONS: Final = 200

KEYWORDS: Final = frozenset({"select", "from", "where", "and", "or", "like", "is", "not", "null", "true", "false"})
_OPERATORS: Final = {op.value: op for op in Operator}

# Words that are SQL but not ZOQL, and what to say about them where a clause could start.
_UNSUPPORTED_CLAUSES: Final = {
    "order": "ZOQL has no 'order by': query() results come in no guaranteed order",
    "group": "ZOQL has no 'group by'",
    "having": "ZOQL has no 'having'",
    "limit": "ZOQL has no 'limit': set conf.batchSize (1 to 2000) and page with queryMore",
    "offset": "ZOQL has no 'offset': page with queryMore",
    "join": "ZOQL has no joins: query one object at a time",
    "inner": "ZOQL has no joins: query one object at a time",
    "left": "ZOQL has no joins: query one object at a time",
}
_UNSUPPORTED_OPERATORS: Final = {
    "in": "ZOQL has no 'in' operator: combine comparisons with 'or'",
    "between": "ZOQL has no 'between': combine '>=' and '<=' with 'and'",
    "not": "ZOQL has no 'not' here: use '!=', or 'is not null'",
}


def parse(text: str) -> Query:
    """The AST of a ZOQL query; raises ``MalformedQuery`` saying where and why it is not ZOQL."""
    if len(text) > MAX_QUERY_LENGTH:
        raise MalformedQuery(
            f"malformed query: it has {len(text)} characters; at most {MAX_QUERY_LENGTH} are allowed",
            field="queryString",
        )
    if not text.strip():
        raise MalformedQuery(
            "malformed query: it is empty; write select <fields> from <object> [where <conditions>]",
            field="queryString",
        )
    return _Parser(text, tokenize(text)).query()


def _is_keyword(token: Token, *words: str) -> bool:
    return token.kind is Kind.WORD and token.source.lower() in words


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.count = 0  # conditions read so far

    # --- helpers --------------------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def fail(self, token: Token, why: str) -> MalformedQuery:
        return malformed(token.position, why)

    def keyword(self, word: str, context: str) -> Token:
        token = self.peek()
        if not _is_keyword(token, word):
            raise self.fail(token, f"expected '{word}' {context}, found {token.describe()}")
        return self.advance()

    def name(self, what: str, context: str) -> Name:
        token = self.peek()
        if token.kind is Kind.STAR:
            raise self.fail(token, "the wild card '*' is not supported: name each field to select")
        if token.kind is Kind.STRING:
            raise self.fail(token, f"field and object names are not quoted: found {token.source}")
        if token.kind is not Kind.WORD or token.source.lower() in KEYWORDS:
            shown = f"keyword {token.describe()}" if token.kind is Kind.WORD else token.describe()
            raise self.fail(token, f"expected {what} {context}, found {shown}")
        self.advance()
        after = self.peek()
        if after.kind is Kind.DOT:
            member = self.tokens[self.index + 1]
            shown = f"{token.source}.{member.source}" if member.kind is Kind.WORD else f"{token.source}."
            raise self.fail(
                token, f"{shown!r} names a field of another object: ZOQL has no joins, so query one object at a time"
            )
        if after.kind is Kind.LPAREN:
            raise self.fail(token, f"{token.source}(...) is a function call: ZOQL has no functions or aggregates")
        return Name(token.source, token.position)

    # --- the query ------------------------------------------------------------------------------

    def query(self) -> Query:
        first = self.peek()
        if not _is_keyword(first, "select"):
            raise self.fail(first, f"a query starts with 'select', found {first.describe()}")
        self.advance()
        if _is_keyword(self.peek(), "from"):
            raise self.fail(self.peek(), "no fields between 'select' and 'from': name at least one field")
        fields = [self.name("a field name", "after 'select'")]
        while self.peek().kind is Kind.COMMA:
            self.advance()
            fields.append(self.name("a field name", "after ','"))
        token = self.peek()
        if not _is_keyword(token, "from"):
            if token.kind is Kind.WORD:
                why = f"expected ',' or 'from' after field {fields[-1].text!r}, found {token.describe()}"
            else:
                why = f"expected 'from' after the field list, found {token.describe()}"
            raise self.fail(token, why)
        self.advance()
        obj = self.name("an object name", "after 'from'")
        where: Condition | None = None
        if _is_keyword(self.peek(), "where"):
            self.advance()
            where = self.or_expr()
        self.end(after="the object name" if where is None else "a condition")
        unique: dict[str, Name] = {}
        for field in fields:
            unique.setdefault(field.text.lower(), field)
        return Query(tuple(unique.values()), obj, where, self.text)

    def end(self, *, after: str) -> None:
        token = self.peek()
        if token.kind is Kind.SEMICOLON:
            self.advance()
            token = self.peek()
            if token.kind is not Kind.END:
                raise self.fail(token, f"nothing may follow ';', found {token.describe()}")
            return
        if token.kind is Kind.END:
            return
        word = token.source.lower() if token.kind is Kind.WORD else ""
        if word in _UNSUPPORTED_CLAUSES:
            raise self.fail(token, _UNSUPPORTED_CLAUSES[word])
        if token.kind is Kind.RPAREN:
            raise self.fail(token, "unbalanced ')': ZOQL has no parentheses")
        expected = "'where'" if after == "the object name" else "'and', 'or'"
        raise self.fail(token, f"expected {expected} or the end of the query after {after}, found {token.describe()}")

    # --- conditions -------------------------------------------------------------------------------

    def or_expr(self) -> Condition:
        terms = [self.and_expr()]
        while _is_keyword(self.peek(), "or"):
            self.advance()
            terms.append(self.and_expr())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def and_expr(self) -> Condition:
        terms = [self.condition()]
        while _is_keyword(self.peek(), "and"):
            self.advance()
            terms.append(self.condition())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def condition(self) -> Condition:
        token = self.peek()
        if token.kind is Kind.LPAREN:
            raise self.fail(
                token, "parentheses are not supported in ZOQL: 'and' binds tighter than 'or', so write without them"
            )
        if _is_keyword(token, "not"):
            raise self.fail(token, _UNSUPPORTED_OPERATORS["not"])
        if token.kind in (Kind.END, Kind.SEMICOLON):
            raise self.fail(token, f"expected a condition, found {token.describe()}")
        if token.kind in (Kind.STRING, Kind.NUMBER):
            raise self.fail(token, f"a condition starts with a field name, found the value {token.source}")
        field = self.name("a field name", "to start a condition")
        self.count += 1
        if self.count > MAX_CONDITIONS:
            raise self.fail(token, f"a query may have at most {MAX_CONDITIONS} conditions")
        operator = self.peek()
        if _is_keyword(operator, "like"):
            self.advance()
            pattern = self.peek()
            if pattern.kind is not Kind.STRING:
                raise self.fail(pattern, f"'like' needs a quoted pattern such as 'abc%', found {pattern.describe()}")
            return Like(field, self.literal(self.advance()))
        if _is_keyword(operator, "is"):
            self.advance()
            negated = _is_keyword(self.peek(), "not")
            if negated:
                self.advance()
            self.keyword("null", "after 'is not'" if negated else "after 'is'")
            return NullCheck(field, is_null=not negated)
        if operator.kind is Kind.WORD and operator.source.lower() in _UNSUPPORTED_OPERATORS:
            raise self.fail(operator, _UNSUPPORTED_OPERATORS[operator.source.lower()])
        if operator.kind is not Kind.OPERATOR:
            raise self.fail(
                operator,
                f"expected an operator (= != < > <= >= like is) after field {field.text!r}, "
                f"found {operator.describe()}",
            )
        if operator.source == "<>":
            raise self.fail(operator, "'<>' is not a ZOQL operator: write '!='")
        if operator.source == "==":
            raise self.fail(operator, "'==' is not a ZOQL operator: write '='")
        self.advance()
        op = _OPERATORS[operator.source]
        value = self.peek()
        if _is_keyword(value, "null"):
            self.advance()
            if op not in (Operator.EQ, Operator.NE):
                raise self.fail(value, f"null cannot be compared with '{op.value}': use 'is null' or 'is not null'")
            return NullCheck(field, is_null=op is Operator.EQ)
        return Comparison(field, op, self.value(field))

    def value(self, field: Name) -> Literal:
        token = self.peek()
        if token.kind in (Kind.STRING, Kind.NUMBER) or _is_keyword(token, "true", "false"):
            return self.literal(self.advance())
        if token.kind is Kind.WORD:
            after = self.tokens[self.index + 1]
            if after.kind is Kind.DOT:
                raise self.fail(token, "ZOQL has no joins: a value cannot name another object's field")
            raise self.fail(
                token,
                f"{token.source!r} is not a value: quote strings ('{token.source}'); "
                "comparing two fields is not supported",
            )
        raise self.fail(
            token, f"expected a value after the operator for field {field.text!r}, found {token.describe()}"
        )

    def literal(self, token: Token) -> Literal:
        if token.kind is Kind.STRING and token.string is not None:
            return Literal(LiteralKind.STRING, token.string.text, token.source, token.position, token.string.pattern)
        if token.kind is Kind.NUMBER and token.number is not None:
            return Literal(LiteralKind.NUMBER, token.number, token.source, token.position)
        return Literal(LiteralKind.BOOLEAN, token.source.lower() == "true", token.source, token.position)

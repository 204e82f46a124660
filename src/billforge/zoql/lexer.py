"""ZOQL's tokens: words, quoted strings, numbers, operators and punctuation, each with its position.

- A word is a letter or ``_`` followed by letters, digits and ``_`` (field, object and keyword names;
  the parser decides which, case-insensitively).
- A string is quoted with ``'`` (Zuora's quote) or ``"``. Inside it, a backslash escapes ``\\'``,
  ``\\"``, ``\\\\``, ``\\n``, ``\\r``, ``\\t``, and, for ``like`` patterns, ``\\%`` and ``\\_``; a doubled
  quote (``'it''s'``) is one quote.
- A number is ``[+-]digits[.digits]`` or ``[+-].digits`` (no exponent).
- Operators: ``= != < > <= >=``; ``<>`` and ``==`` are tokens too, so that the parser can say
  which operator to write instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from billforge.zoql.ast import PatternPart, Position, Wildcard
from billforge.zoql.errors import MalformedQuery


class Kind(StrEnum):
    WORD = "word"
    STRING = "string"
    NUMBER = "number"
    OPERATOR = "operator"
    COMMA = "','"
    LPAREN = "'('"
    RPAREN = "')'"
    STAR = "'*'"
    DOT = "'.'"
    SEMICOLON = "';'"
    END = "the end of the query"


_PUNCTUATION = {
    ",": Kind.COMMA,
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "*": Kind.STAR,
    ".": Kind.DOT,
    ";": Kind.SEMICOLON,
}
_OPERATORS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_PATTERN_ESCAPES = {"%", "_"}


@dataclass(frozen=True, slots=True)
class StringValue:
    """A quoted string: its text (escapes resolved) and the same text read as a ``like`` pattern."""

    text: str
    pattern: tuple[PatternPart, ...]


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    source: str  # exactly as written
    position: Position
    string: StringValue | None = None
    number: Decimal | None = None

    def describe(self) -> str:
        """The token for a message: ``'form'``, ``'='`` or ``the end of the query``."""
        return str(Kind.END) if self.kind is Kind.END else repr(self.source)


def malformed(position: Position, why: str) -> MalformedQuery:
    return MalformedQuery(f"malformed query at {position}: {why}", field="queryString")


def _is_word_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_word_part(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.line = 1
        self.line_start = 0

    def position(self, index: int | None = None) -> Position:
        at = self.index if index is None else index
        return Position(at, self.line, at - self.line_start + 1)

    def peek(self, ahead: int = 0) -> str:
        at = self.index + ahead
        return self.text[at] if at < len(self.text) else ""

    def advance(self) -> str:
        ch = self.text[self.index]
        self.index += 1
        if ch == "\n":
            self.line += 1
            self.line_start = self.index
        return ch

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        while True:
            while self.peek() and self.peek().isspace():
                self.advance()
            if not self.peek():
                found.append(Token(Kind.END, "", self.position()))
                return found
            found.append(self._token())

    def _token(self) -> Token:
        start = self.position()
        ch = self.peek()
        if _is_word_start(ch):
            while _is_word_part(self.peek()):
                self.advance()
            return Token(Kind.WORD, self.text[start.offset : self.index], start)
        if ch in "'\"":
            return self._string(start)
        if self._number_ahead():
            return self._number(start)
        for operator in _OPERATORS:
            if self.text.startswith(operator, self.index):
                for _ in operator:
                    self.advance()
                return Token(Kind.OPERATOR, operator, start)
        if ch in _PUNCTUATION:
            self.advance()
            return Token(_PUNCTUATION[ch], ch, start)
        if ch == "!":
            raise malformed(start, "'!' must be followed by '=' (the operator is '!=')")
        raise malformed(start, f"unexpected character {ch!r}")

    def _number_ahead(self) -> bool:
        at = 1 if self.peek() in "+-" else 0
        if _is_digit(self.peek(at)):
            return True
        return self.peek(at) == "." and _is_digit(self.peek(at + 1))

    def _number(self, start: Position) -> Token:
        if self.peek() in "+-":
            self.advance()
        while _is_digit(self.peek()):
            self.advance()
        if self.peek() == "." and _is_digit(self.peek(1)):
            self.advance()
            while _is_digit(self.peek()):
                self.advance()
        if _is_word_part(self.peek()) or self.peek() == ".":
            while _is_word_part(self.peek()) or self.peek() == ".":
                self.advance()
            raise malformed(start, f"{self.text[start.offset : self.index]!r} is not a number")
        source = self.text[start.offset : self.index]
        return Token(Kind.NUMBER, source, start, number=Decimal(source))

    def _string(self, start: Position) -> Token:
        quote = self.advance()
        text: list[str] = []
        pattern: list[PatternPart] = []

        def literal(chars: str) -> None:
            text.append(chars)
            if pattern and isinstance(pattern[-1], str):
                pattern[-1] += chars
            else:
                pattern.append(chars)

        while True:
            ch = self.peek()
            if not ch:
                raise malformed(start, f"the string starting here has no closing {quote}")
            at = self.position()
            self.advance()
            if ch == quote:
                if self.peek() == quote:  # a doubled quote is one quote
                    self.advance()
                    literal(quote)
                    continue
                break
            if ch == "\\":
                escaped = self.peek()
                if escaped in _ESCAPES:
                    self.advance()
                    literal(_ESCAPES[escaped])
                elif escaped in _PATTERN_ESCAPES:
                    self.advance()
                    literal(escaped)
                else:
                    shown = repr("\\" + escaped) if escaped else "a backslash at the end of the query"
                    raise malformed(
                        at, f"{shown} is not an escape sequence (use \\' \\\" \\\\ \\n \\r \\t, or \\% \\_ in like)"
                    )
                continue
            if ch in _PATTERN_ESCAPES:
                text.append(ch)
                pattern.append(Wildcard.ANY if ch == "%" else Wildcard.ONE)
            else:
                literal(ch)
        source = self.text[start.offset : self.index]
        return Token(Kind.STRING, source, start, string=StringValue("".join(text), tuple(pattern)))


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``END`` token; raises ``MalformedQuery`` at a bad character."""
    return _Scanner(text).tokens()

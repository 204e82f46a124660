"""Java-style date patterns, as users type them into the Invoice API Generator's Date Format.

Supported letters (a subset of ``java.text.SimpleDateFormat``):

    yyyy   four-digit year              2024
    yy     two-digit year               24 (Java's window: the year within 80 years before and 20
                                        after today's year)
    MM     two-digit month              03
    M      month, one or two digits     3, 03
    MMM    month name, short or long    Mar, March (any case)
    MMMM   month name, long or short    March, Mar (any case)
    dd     two-digit day                07
    d      day, one or two digits       7, 07

Any character other than the ASCII letters is a literal separator (``-``, ``/``, ``.``, space, ...).
Text between single quotes is literal (``'T'``, ``'of'``), and ``''`` is one quote, inside or outside
quoted text. Other letters (``H``, ``E``, ``a``, ...) are refused when the pattern is compiled, so a
mistyped format fails once, before any row is read.

Parsing is strict: the whole value must match, the day must exist in its month (``2023-02-29`` is
refused), and every message says what was expected, with an example in the user's own format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

DEFAULT_PATTERN: Final = "yyyy-MM-dd"

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_EXAMPLE: Final = date(2024, 3, 7)  # the example shown in messages: 7 March 2024


class DatePatternError(ValueError):
    """The pattern itself is unusable (unknown letter, missing day, unclosed quote, ...)."""


class DateValueError(ValueError):
    """A value does not match the pattern or is not a real date."""


@dataclass(frozen=True, slots=True)
class _Field:
    kind: str  # "year4", "year2", "month", "month_name", "day"
    letters: str  # as written: "yyyy", "M", ...


_Token = _Field | str  # a field, or literal text


def _tokenize(pattern: str) -> list[_Token]:
    tokens: list[_Token] = []
    literal: list[str] = []
    i = 0
    n = len(pattern)

    def flush() -> None:
        if literal:
            tokens.append("".join(literal))
            literal.clear()

    while i < n:
        char = pattern[i]
        if char == "'":
            if i + 1 < n and pattern[i + 1] == "'":  # '' outside quotes: one quote
                literal.append("'")
                i += 2
                continue
            end = i + 1
            while True:
                if end >= n:
                    raise DatePatternError(f"date format {pattern!r}: the quote at position {i + 1} is never closed")
                if pattern[end] == "'":
                    if end + 1 < n and pattern[end + 1] == "'":  # '' inside quotes: one quote
                        literal.append("'")
                        end += 2
                        continue
                    break
                literal.append(pattern[end])
                end += 1
            i = end + 1
            continue
        if char.isascii() and char.isalpha():
            run = i
            while run < n and pattern[run] == char:
                run += 1
            flush()
            tokens.append(_field(pattern, pattern[i:run]))
            i = run
            continue
        literal.append(char)
        i += 1
    flush()
    return tokens


def _field(pattern: str, letters: str) -> _Field:
    letter, count = letters[0], len(letters)
    if letter == "y" and count in (2, 4):
        return _Field("year4" if count == 4 else "year2", letters)
    if letter == "M" and count <= 4:
        return _Field("month" if count <= 2 else "month_name", letters)
    if letter == "d" and count <= 2:
        return _Field("day", letters)
    if letter in "yMd":
        allowed = {"y": "yyyy or yy", "M": "M, MM, MMM or MMMM", "d": "d or dd"}[letter]
        raise DatePatternError(f"date format {pattern!r}: {letters!r} is not supported; use {allowed}")
    raise DatePatternError(
        f"date format {pattern!r}: the letter {letter!r} is not supported (only y, M and d: a date has no time); "
        "put literal text in single quotes"
    )


_MONTH_ALTERNATIVES: Final = "|".join(
    sorted({name for month in MONTHS for name in (month, month[:3])}, key=len, reverse=True)
)


class DatePattern:
    """A compiled pattern: ``parse`` text into a ``date``, ``format`` a ``date`` into text."""

    def __init__(self, pattern: str, *, today: date) -> None:
        """``today`` anchors two-digit years (``yy``): Java reads them as the year within 80 years
        before and 20 years after the moment the format is created."""
        if not pattern or not pattern.strip():
            raise DatePatternError("the date format is empty; the default is yyyy-MM-dd")
        self.pattern = pattern
        self._tokens = _tokenize(pattern)
        kinds = [t.kind for t in self._tokens if isinstance(t, _Field)]
        for group, names in (("year", ("year4", "year2")), ("month", ("month", "month_name")), ("day", ("day",))):
            found = sum(kinds.count(k) for k in names)
            if found == 0:
                raise DatePatternError(f"date format {pattern!r} has no {group} ({_HINTS[group]})")
            if found > 1:
                raise DatePatternError(f"date format {pattern!r} has more than one {group}")
        self._today = today
        parts: list[str] = []
        for token in self._tokens:
            if isinstance(token, str):
                parts.append(re.escape(token))
            elif token.kind == "year4":
                parts.append(r"(?P<year4>[0-9]{4})")
            elif token.kind == "year2":
                parts.append(r"(?P<year2>[0-9]{2})")
            elif token.kind == "month":
                parts.append(r"(?P<month>[0-9]{2})" if len(token.letters) == 2 else r"(?P<month>[0-9]{1,2})")
            elif token.kind == "month_name":
                parts.append(f"(?P<month_name>(?i:{_MONTH_ALTERNATIVES}))")
            else:
                parts.append(r"(?P<day>[0-9]{2})" if len(token.letters) == 2 else r"(?P<day>[0-9]{1,2})")
        self._regex = re.compile("".join(parts))

    def __repr__(self) -> str:
        return f"DatePattern({self.pattern!r})"

    @property
    def example(self) -> str:
        return self.format(_EXAMPLE)

    def parse(self, text: str) -> date:
        match = self._regex.fullmatch(text)
        if match is None:
            raise DateValueError(f"{text!r} does not match the date format {self.pattern} (for example {self.example})")
        groups = match.groupdict()
        if groups.get("year4") is not None:
            year = int(groups["year4"])
            if year == 0:
                raise DateValueError(f"{text!r}: year 0000 does not exist")
        else:
            year = self._full_year(int(groups["year2"]))
        if groups.get("month_name") is not None:
            month = _month_number(groups["month_name"])
        else:
            month = int(groups["month"])
            if not 1 <= month <= 12:
                raise DateValueError(f"{text!r}: month {month} does not exist (1 to 12)")
        day = int(groups["day"])
        try:
            return date(year, month, day)
        except ValueError:
            raise DateValueError(f"{text!r}: {MONTHS[month - 1]} {year} has no day {day}") from None

    def _full_year(self, two_digits: int) -> int:
        # Java: the century that puts the year in [today - 80 years, today + 20 years).
        start = self._today.year - 80
        year = start - start % 100 + two_digits
        if year < start:
            year += 100
        return year

    def format(self, value: date) -> str:
        out: list[str] = []
        for token in self._tokens:
            if isinstance(token, str):
                out.append(token)
            elif token.kind == "year4":
                out.append(f"{value.year:04d}")
            elif token.kind == "year2":
                out.append(f"{value.year % 100:02d}")
            elif token.kind == "month":
                out.append(f"{value.month:0{len(token.letters)}d}")
            elif token.kind == "month_name":
                name = MONTHS[value.month - 1]
                out.append(name if len(token.letters) == 4 else name[:3])
            else:
                out.append(f"{value.day:0{len(token.letters)}d}")
        return "".join(out)


_HINTS: Final = {"year": "yyyy or yy", "month": "M, MM, MMM or MMMM", "day": "d or dd"}


def _month_number(name: str) -> int:
    lowered = name.lower()
    for number, month in enumerate(MONTHS, start=1):
        if lowered in (month.lower(), month[:3].lower()):
            return number
    raise DateValueError(f"{name!r} is not a month name")  # unreachable: the regex only matches names

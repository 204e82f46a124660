"""XML text <-> Python values, by XSD type.

Reading is lenient where clients differ and the meaning is clear: ``xsd:boolean`` in any case
(the seed sends ``True``), a ``dateTime`` field also takes a plain date (and a date field takes a
``dateTime``, whose date part is used, as the REST door does). Writing is canonical: ``true`` /
``false``, decimals without exponent, dates as ``dateTime`` (``2024-01-31T00:00:00``: a calendar
date, so no offset) and timestamps with their offset.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from billforge.errors import InvalidValue

_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_INTEGER: Final = re.compile(r"^[+-]?\d{1,18}$")
_DECIMAL: Final = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MAX_DECIMAL_CHARACTERS: Final = 40
TRUE_WORDS: Final = frozenset({"true", "1"})
FALSE_WORDS: Final = frozenset({"false", "0"})


def read_bool(text: str, *, field: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue(f"{field} must be true or false, not {text!r}", field=field)


def read_date(text: str, *, field: str) -> date:
    """``2024-01-31`` or a ``dateTime`` such as ``2024-01-31T00:00:00-08:00`` (its date part)."""
    value = text.strip()
    try:
        if _DATETIME.match(value):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        if _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidValue(f"{field} must be a date (yyyy-mm-dd) or dateTime, not {text!r}", field=field)


def read_datetime(text: str, *, field: str) -> datetime:
    """An ``xsd:dateTime``; a plain date is midnight. Without an offset the time is naive (the
    service reads it in the tenant's time zone)."""
    value = text.strip()
    if _DATE.match(value):
        value += "T00:00:00"
    if _DATETIME.match(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise InvalidValue(f"{field} must be a dateTime (yyyy-mm-ddThh:mm:ss), not {text!r}", field=field)


def read_decimal(text: str, *, field: str) -> Decimal:
    value = text.strip()
    if len(value) <= MAX_DECIMAL_CHARACTERS and _DECIMAL.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise InvalidValue(f"{field} must be a decimal number, not {text!r}", field=field)


def read_int(text: str, *, field: str) -> int:
    value = text.strip()
    if _INTEGER.match(value):
        return int(value)
    raise InvalidValue(f"{field} must be an integer, not {text!r}", field=field)


def write(value: object) -> str:
    """A Python value as XSD text (the caller leaves ``None`` out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00"
    return str(value)

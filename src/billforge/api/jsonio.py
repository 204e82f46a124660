"""JSON in and out, exactly: request numbers become ``Decimal`` (never float), response
decimals are written as JSON numbers digit for digit."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from billforge.errors import MalformedRequest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads(body: bytes) -> Any:
    """Parse a request body; numbers with a fraction or exponent become ``Decimal``."""
    if not body.strip():
        raise MalformedRequest("the request body is empty; a JSON document is required", field="body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the request body is not UTF-8 encoded JSON", field="body") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise MalformedRequest("the JSON document is nested too deeply", field="body") from None
    except ValueError as exc:
        raise MalformedRequest(f"the request body is not valid JSON: {exc}", field="body") from None
    return value


_CENTS = Decimal("0.01")


def decimal_text(value: Decimal) -> str:
    """A decimal as written on the wire: trailing zeros dropped down to two decimals
    (``644.3200`` -> ``644.32``, ``100.0000`` -> ``100.00``, ``0.002000000`` -> ``0.002``)."""
    cents = value.quantize(_CENTS)
    return format(cents if cents == value else value.normalize(), "f")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(decimal_text(value).encode())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    """Serialise a response. Dates as ``YYYY-MM-DD``, timestamps ISO 8601 with offset."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_timestamp(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None

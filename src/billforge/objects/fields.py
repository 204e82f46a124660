"""Reading Zuora's field values: pydantic models with Zuora's field names, errors in billforge's tree.
Every door reads its bodies with these (the REST door through ``api.validation``; the zObject
models of ``objects`` for the REST Object API, the actions and SOAP).

Field types here are strict where Zuora is: a date is ``YYYY-MM-DD`` (never a Unix timestamp),
a decimal is a JSON number or a numeric string (never a boolean, NaN or infinity), and a
pydantic error becomes a billforge error naming the field path as the client wrote it
(``invoices[2].invoiceItems[0].amount``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from billforge.domain.money import (
    AMOUNT_DECIMALS,
    AMOUNT_LIMIT,
    PRICE_DECIMALS,
    PRICE_LIMIT,
    QUANTITY_DECIMALS,
    QUANTITY_LIMIT,
)
from billforge.errors import BillforgeError, ErrorList, InvalidValue, MissingValue, UnknownField

M = TypeVar("M", bound=BaseModel)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
MAX_DIGITS = 30


def _as_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("bf_date", "must be a date in yyyy-mm-dd format, got {value}", {"value": repr(value)})


def _as_date_or_datetime(value: Any) -> date:
    """A date, also accepting a timestamp whose date part is taken (as Zuora does for dates)."""
    if isinstance(value, str) and _DATETIME.match(value):
        return date.fromisoformat(value[:10])
    return _as_date(value)


def _as_decimal(value: Any) -> Decimal:
    if value.__class__ is Decimal:
        number: Decimal = value
    elif isinstance(value, str):
        if len(value) > MAX_DIGITS + 10:
            raise PydanticCustomError("bf_decimal", "is too large or too precise: {value}", {"value": repr(value)})
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError("bf_decimal", "must be a number, got {value}", {"value": repr(value)}) from None
    elif isinstance(value, bool):
        raise PydanticCustomError("bf_decimal", "must be a number, got a boolean", {})
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        raise PydanticCustomError("bf_decimal", "must be a number, got {value}", {"value": repr(value)})
    if not number.is_finite():
        raise PydanticCustomError("bf_decimal", "must be a finite number, got {value}", {"value": repr(value)})
    if abs(number.adjusted()) > MAX_DIGITS:
        raise PydanticCustomError("bf_decimal", "is too large or too precise: {value}", {"value": repr(value)})
    return number


def _bounded(decimals: int, limit: Decimal, what: str) -> Any:
    def check(value: Any) -> Decimal:
        number = _as_decimal(value)
        if abs(number) > limit:
            raise PydanticCustomError(
                "bf_range",
                "{value} is outside the range allowed for {what} (at most {limit})",
                {"value": str(number), "what": what, "limit": str(limit)},
            )
        scaled = number.scaleb(decimals)
        if scaled != scaled.to_integral_value():
            raise PydanticCustomError(
                "bf_scale",
                "{value} has more than {decimals} decimal places",
                {"value": str(number), "decimals": decimals},
            )
        return number

    return check


def _as_str(value: Any) -> str:
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("bf_str", "must not contain NUL characters", {})
        return value
    raise PydanticCustomError("bf_str", "must be a string, got {value}", {"value": repr(value)})


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bf_bool", "must be true or false, got {value}", {"value": repr(value)})


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise PydanticCustomError("bf_int", "must be an integer, got a boolean", {})
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
        return int(value)
    raise PydanticCustomError("bf_int", "must be an integer, got {value}", {"value": repr(value)})


ZDate = Annotated[date, BeforeValidator(_as_date)]
ZDateLoose = Annotated[date, BeforeValidator(_as_date_or_datetime)]
ZDecimal = Annotated[Decimal, BeforeValidator(_as_decimal)]
ZAmount = Annotated[Decimal, BeforeValidator(_bounded(AMOUNT_DECIMALS, AMOUNT_LIMIT, "an amount"))]
ZPrice = Annotated[Decimal, BeforeValidator(_bounded(PRICE_DECIMALS, PRICE_LIMIT, "a price or rate"))]
ZQuantity = Annotated[Decimal, BeforeValidator(_bounded(QUANTITY_DECIMALS, QUANTITY_LIMIT, "a quantity"))]
ZStr = Annotated[str, BeforeValidator(_as_str)]
ZBool = Annotated[bool, BeforeValidator(_as_bool)]
ZInt = Annotated[int, BeforeValidator(_as_int)]


class ZuoraModel(BaseModel):
    """Base of request models: fields are read by their Zuora names; unknown fields are kept
    in ``model_extra`` so that ``rejectUnknownFields`` and custom fields can be handled."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, str_max_length=100_000, frozen=False)


def loc_path(loc: Sequence[int | str], prefix: str = "") -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("function-") or part in ("tagged-union",):
            continue
        else:
            path = f"{path}.{part}" if path else part
    return path


def _convert(error: ErrorDetails, prefix: str, obj: str | None) -> BillforgeError:
    path = loc_path(error["loc"], prefix)
    kind = error["type"]
    if kind == "missing":
        return MissingValue(f"'{path}' is required", field=path, obj=obj)
    if kind == "extra_forbidden":
        return UnknownField(f"'{path}' is not a recognised field", field=path, obj=obj)
    message = error["msg"]
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        message = f"must be at most {limit} characters"
    elif kind == "too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        unit = "characters" if isinstance(error.get("input"), str) else "entries"
        message = (
            f"must be at most {limit} characters" if unit == "characters" else f"must contain at most {limit} entries"
        )
    elif kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected")
        message = f"must be one of {expected}"
    elif kind in ("model_type", "dict_type"):
        message = "must be a JSON object"
    elif kind == "list_type":
        message = "must be a JSON array"
    return InvalidValue(f"'{path}' {message}", field=path, obj=obj)


def validate(model: type[M], data: Any, *, prefix: str = "", obj: str | None = None) -> M:
    """Validate ``data`` against ``model``; every problem is reported, each naming its field."""
    if not isinstance(data, dict):
        raise InvalidValue(f"'{prefix or 'body'}' must be a JSON object", field=prefix or "body", obj=obj)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ErrorList([_convert(e, prefix, obj) for e in exc.errors(include_url=False)]) from None


def unknown_fields(model: BaseModel, allowed_extra: Iterable[str] = ()) -> list[str]:
    """Fields of the request that the model does not know (custom ``__c`` fields excepted)."""
    allowed = set(allowed_extra)
    return [k for k in (model.model_extra or {}) if k not in allowed and not k.endswith("__c")]

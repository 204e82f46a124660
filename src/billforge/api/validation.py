"""Request validation for the REST door: pydantic models with Zuora's field names, errors in
billforge's tree.

The field types and ``validate`` are shared with the other doors (the zObjects that SOAP and the
actions read are the same models), so they live in ``objects.fields``; this module is where the
REST door's schemas and routers take them from.
"""

from __future__ import annotations

from billforge.objects.fields import (
    MAX_DIGITS,
    ZAmount,
    ZBool,
    ZDate,
    ZDateLoose,
    ZDecimal,
    ZInt,
    ZPrice,
    ZQuantity,
    ZStr,
    ZuoraModel,
    loc_path,
    unknown_fields,
    validate,
)

__all__ = [
    "MAX_DIGITS",
    "ZAmount",
    "ZBool",
    "ZDate",
    "ZDateLoose",
    "ZDecimal",
    "ZInt",
    "ZPrice",
    "ZQuantity",
    "ZStr",
    "ZuoraModel",
    "loc_path",
    "unknown_fields",
    "validate",
]

"""zObjects, given as dicts of field name to value (as a JSON body or a SOAP body gives them:
strings, numbers, booleans, nested dicts), turned into the owning service's inputs: the one place
where ``/v1/action/create``, ``/v1/action/update`` and SOAP ``create()``/``update()`` read them, so
that every door applies the same field rules and gives the same messages.

:func:`parse_create` and :func:`parse_update` answer one zObject's service input, or the error that
belongs to that object alone (which ``services.actions`` turns into that object's result).
:func:`unrecognised` lists the fields a type does not know (for ``rejectUnknownFields=true``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel

from billforge.errors import BillforgeError, InvalidValue, MissingValue
from billforge.objects import catalog as catalog_objects
from billforge.objects import usage as usage_objects
from billforge.objects.accounts import AccountObject, ContactObject
from billforge.objects.fields import validate
from billforge.objects.invoices import InvoiceObject
from billforge.objects.model import unrecognised_fields
from billforge.objects.payments import PaymentObject, PaymentUpdate
from billforge.objects.subscriptions import SubscriptionUpdate
from billforge.services.actions import ObjectUpdate, Operation
from billforge.zoql.objects import INVOICE, is_custom

FIELDS_TO_NULL: Final = "fieldsToNull"


def _create_parsers() -> dict[str, tuple[type[BaseModel], Callable[[Any], Any]]]:
    return {
        "Account": (AccountObject, lambda m: m.to_input()),
        "Contact": (ContactObject, lambda m: m.to_create()),
        "Product": (catalog_objects.CreateProductRequest, lambda m: m.to_input()),
        "ProductRatePlan": (catalog_objects.CreateRatePlanRequest, lambda m: m.to_input()),
        "ProductRatePlanCharge": (catalog_objects.CreateChargeRequest, lambda m: m.to_input()),
        "Usage": (usage_objects.CreateUsageRequest, lambda m: m.to_input()),
        "Payment": (PaymentObject, lambda m: m.to_input()),
    }


def _update_parsers() -> dict[str, tuple[type[BaseModel], Callable[[Any], Any]]]:
    return {
        "Account": (AccountObject, lambda m: m.to_changes()),
        "Contact": (ContactObject, lambda m: m.to_changes()),
        "Product": (catalog_objects.ProductRequest, lambda m: m.to_changes()),
        "ProductRatePlan": (catalog_objects.RatePlanRequest, lambda m: m.to_changes()),
        "ProductRatePlanCharge": (catalog_objects.ChargeRequest, lambda m: m.to_changes()),
        "ProductRatePlanChargeTier": (catalog_objects.UpdateTierRequest, lambda m: m.to_changes()),
        "Usage": (usage_objects.UpdateUsageRequest, lambda m: m.to_changes()),
        "Payment": (PaymentUpdate, lambda m: m.to_changes()),
        "Subscription": (SubscriptionUpdate, lambda m: m.to_changes()),
    }


CREATE_MODELS: Final = _create_parsers()
UPDATE_MODELS: Final = _update_parsers()
#: Update types whose changes can carry a null (``fieldsToNull`` becomes the field sent as null).
_NULLABLE_UPDATES: Final = frozenset(
    {"Product", "ProductRatePlan", "ProductRatePlanCharge", "Contact", "Payment", "Subscription"}
)
_OBJECT_CODES: Final = {
    "Account": "account",
    "Contact": "contact",
    "Invoice": "invoice",
    "Product": "product",
    "ProductRatePlan": "productRatePlan",
    "ProductRatePlanCharge": "productRatePlanCharge",
    "ProductRatePlanChargeTier": "productRatePlanChargeTier",
    "Usage": "usage",
    "Payment": "payment",
    "Subscription": "subscription",
}


def _model(type_name: str, operation: Operation) -> type[BaseModel]:
    if type_name == "Invoice":
        return InvoiceObject
    models = CREATE_MODELS if operation is Operation.CREATE else UPDATE_MODELS
    return models[type_name][0]


def unrecognised(type_name: str, operation: Operation, raw: Any) -> list[str]:
    """The fields of one zObject that ``type_name`` does not know (custom ``__c`` fields are known)."""
    if not isinstance(raw, dict):
        return []
    data = {k: v for k, v in raw.items() if k not in ("Id", FIELDS_TO_NULL)}
    return unrecognised_fields(_model(type_name, operation), data)


def parse_create(type_name: str, raw: Any, index: int) -> Any:
    """One zObject to create as the owning service's input, or its error (named ``objects[i]``)."""
    where = f"objects[{index}]"
    if not isinstance(raw, dict):
        return InvalidValue(f"'{where}' must be a {type_name} object", field=where)
    model, convert = CREATE_MODELS[type_name]
    try:
        return convert(validate(model, raw, obj=_OBJECT_CODES.get(type_name)))
    except BillforgeError as error:
        return error


def parse_update(type_name: str, raw: Any, index: int) -> ObjectUpdate | BillforgeError:
    """One zObject to update: its ``Id`` and changes, or (once the ``Id`` is known) its ``Id`` and
    the error its changes gave; an error alone when it has no ``Id``."""
    where = f"objects[{index}]"
    if not isinstance(raw, dict):
        return InvalidValue(f"'{where}' must be a {type_name} object", field=where)
    object_id = raw.get("Id")
    if not isinstance(object_id, str) or not object_id.strip():
        return MissingValue(f"'Id' is required: the id of the {type_name} to update", field="Id")
    data = {k: v for k, v in raw.items() if k not in ("Id", FIELDS_TO_NULL)}
    try:
        nulls = _fields_to_null(type_name, raw.get(FIELDS_TO_NULL))
        obj = _OBJECT_CODES.get(type_name)
        if type_name == "Invoice":
            return ObjectUpdate(object_id, validate(InvoiceObject, data, obj=obj).to_update(nulls))
        if nulls:
            data.update(dict.fromkeys(nulls))
        model, convert = UPDATE_MODELS[type_name]
        return ObjectUpdate(object_id, convert(validate(model, data, obj=obj)))
    except BillforgeError as error:
        return ObjectUpdate(object_id, error)


def _fields_to_null(type_name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidValue(f"'{FIELDS_TO_NULL}' must be a list of field names", field=FIELDS_TO_NULL)
    if value and type_name != "Invoice" and type_name not in _NULLABLE_UPDATES:
        raise InvalidValue(
            f"'{FIELDS_TO_NULL}' is not supported for {type_name} objects: send the fields to change",
            field=FIELDS_TO_NULL,
        )
    known = _known_names(type_name)
    unknown = [name for name in value if name not in known and not is_custom(name)]
    if unknown:
        raise InvalidValue(
            f"'{FIELDS_TO_NULL}' names fields that {type_name} does not have: {', '.join(unknown)}",
            field=FIELDS_TO_NULL,
        )
    return tuple(value)


def _known_names(type_name: str) -> frozenset[str]:
    if type_name == "Invoice":
        return frozenset(INVOICE.field_names)
    model = UPDATE_MODELS[type_name][0]
    fixed: frozenset[str] = getattr(model, "FIXED", frozenset())  # known, refused by the model when sent
    return frozenset(info.alias or name for name, info in model.model_fields.items()) | fixed

"""zObjects in requests (``<ns1:zObjects xsi:type="ns2:Invoice">``) and in query results
(``<ns1:records xsi:type="ns2:Invoice">``).

Reading: the type comes from ``xsi:type`` (a QName in ``http://object.api.zuora.com/``, or
unprefixed); the fields are the child elements, by local name, in any order. A field the type does
not have is a problem of that object (``INVALID_FIELD``, with the right spelling when only the case
differs), except tenant custom fields (``*__c``) and fields older WSDLs had (a tier's ``Active``),
which are accepted and ignored. ``xsi:nil="true"``
means no value. Nested objects (a charge's ``ProductRatePlanChargeTierData``, an account's
``BillToContact``) are read the same way with their own type.

:func:`as_fields` gives a zObject's fields as the values the action parsers take (the same shapes
a JSON body has): booleans, integers and decimals read by their XSD type, a date field's
``dateTime`` as its date, ``ActiveCurrencies`` as a list, nested objects as dicts.

Writing: a record carries ``xsi:type`` and exactly the fields asked for, in XSD order (the order
``services.queries`` gives them in), leaving out those without a value (as Zuora does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from billforge.errors import BillforgeError, InvalidValue, UnknownField
from billforge.soap import envelope, values
from billforge.soap.envelope import ONS, XSI_TYPE
from billforge.soap.schema import ObjectType, SoapField, Xsd, object_type
from billforge.zoql.objects import FieldType

FIELDS_TO_NULL: Final = "fieldsToNull"
CUSTOM_SUFFIX: Final = "__c"
_NESTED: Final = {Xsd.TIER_DATA: "ProductRatePlanChargeTier", Xsd.CONTACT: "Contact"}


@dataclass(frozen=True, slots=True)
class ZObject:
    """One zObject of a request: its fields as text (``None``: nil), nested objects, the names in
    ``fieldsToNull``, and the problems found reading it (unknown or repeated fields)."""

    type_name: str
    fields: Mapping[str, str | None]
    nested: Mapping[str, tuple[ZObject, ...]]
    fields_to_null: tuple[str, ...]
    problems: tuple[BillforgeError, ...] = ()


def zobject_elements(operation: etree._Element, name: str = "zObjects") -> list[etree._Element]:
    return [child for child in envelope.elements(operation) if envelope.local(child) == name]


def declared_type(element: etree._Element) -> str | None:
    """The local name in ``xsi:type`` when it names a type in the object namespace (or is unprefixed);
    ``""`` when there is no ``xsi:type``; ``None`` when it names a type in another namespace."""
    written = element.get(XSI_TYPE)
    if written is None:
        return ""
    prefix, _, name = written.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if prefix and namespace != ONS:
        return None
    if not prefix and namespace not in (None, ONS):
        return None
    return name


def _unknown(kind: ObjectType, name: str, where: str) -> BillforgeError:
    near = kind.find(name)
    hint = f" (field names are case-sensitive: did you mean {near.name}?)" if near else ""
    return UnknownField(f"{where}{name} is not a field of {kind.name}{hint}", field=where + name)


def read(element: etree._Element, kind: ObjectType, where: str = "") -> ZObject:
    """The zObject's fields; its problems are kept in ``problems``, for the caller to report with
    its own (every problem at once). ``where`` prefixes nested field names (``BillToContact.``)."""
    problems: list[BillforgeError] = []
    fields: dict[str, str | None] = {}
    nested: dict[str, tuple[ZObject, ...]] = {}
    to_null: list[str] = []
    for child in envelope.elements(element):
        name = envelope.local(child)
        spec = kind.get(name)
        if name == FIELDS_TO_NULL:
            to_null.append(envelope.text_of(child).strip())
        elif name.endswith(CUSTOM_SUFFIX) or name in kind.retired:
            continue  # a tenant's custom field, or one an older WSDL has: accepted, not kept
        elif spec is None:
            problems.append(_unknown(kind, name, where))
        elif name in fields or name in nested:
            problems.append(InvalidValue(f"{where}{name} appears more than once in one {kind.name}", field=name))
        elif spec.xsd in _NESTED:
            inner = object_type(_NESTED[spec.xsd])
            assert inner is not None  # noqa: S101 - both types are in the registry
            parts = envelope.elements(child) if spec.xsd is Xsd.TIER_DATA else [child]
            found = tuple(read(part, inner, f"{where}{name}.") for part in parts)
            nested[name] = found
            problems += [problem for obj in found for problem in obj.problems]
        else:
            fields[name] = None if envelope.is_nil(child) else envelope.text_of(child)
    for name in to_null:
        if kind.find(name) is None and not name.endswith(CUSTOM_SUFFIX):
            problems.append(
                UnknownField(f"fieldsToNull names {name!r}, which is not a field of {kind.name}", field=FIELDS_TO_NULL)
            )
    return ZObject(kind.name, fields, nested, tuple(to_null), tuple(problems))


def _value(spec: SoapField, text: str, where: str) -> Any:
    name = where + spec.name
    if spec.xsd is Xsd.BOOLEAN:
        return values.read_bool(text, field=name)
    if spec.xsd in (Xsd.INT, Xsd.LONG):
        return values.read_int(text, field=name)
    if spec.xsd is Xsd.DECIMAL:
        return values.read_decimal(text, field=name)
    if spec.kind is FieldType.DATE:
        return values.read_date(text, field=name)  # the WSDL's dateTime; billforge keeps the date
    if spec.kind is FieldType.LIST:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text  # strings, ids, timestamps (the parsers read those)


def as_fields(obj: ZObject, where: str = "") -> tuple[dict[str, Any], list[BillforgeError]]:
    """The zObject as a dict of field name to value, and the values that could not be read."""
    kind = object_type(obj.type_name)
    assert kind is not None  # noqa: S101 - read() took the type from the registry
    data: dict[str, Any] = {}
    problems: list[BillforgeError] = []
    for name, text in obj.fields.items():
        spec = kind.get(name)
        if spec is None or text is None:
            data[name] = None
            continue
        try:
            data[name] = _value(spec, text, where)
        except InvalidValue as error:
            problems.append(error)
    for name, inner in obj.nested.items():
        converted = []
        for item in inner:
            fields, found = as_fields(item, f"{where}{name}.")
            converted.append(fields)
            problems += found
        spec = kind.get(name)
        if spec is not None and spec.xsd is Xsd.TIER_DATA:
            data[name] = {_NESTED[Xsd.TIER_DATA]: converted}
        else:
            data[name] = converted[0] if converted else None
    if obj.fields_to_null:
        data[FIELDS_TO_NULL] = list(obj.fields_to_null)
    return data, problems


# --- results ------------------------------------------------------------------------------------


def add_record(parent: etree._Element, object_name: str, fields: Sequence[str], record: Mapping[str, Any]) -> None:
    """``<ns1:records xsi:type="ns2:Type">`` with the record's values of ``fields`` (the selected
    fields, in XSD order); a field without a value is left out."""
    element = envelope.add(parent, envelope.zns("records"))
    element.set(XSI_TYPE, f"ns2:{object_name}")
    for name in fields:
        value = record.get(name)
        if value is not None:
            envelope.add(element, envelope.ons(name), _text(value))


def _text(value: object) -> str:
    if isinstance(value, bool | Decimal | date | datetime):
        return values.write(value)
    if isinstance(value, float):
        return values.write(Decimal(str(value)))
    return str(value)

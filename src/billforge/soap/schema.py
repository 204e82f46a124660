"""The WSDL's zObject types: each object billforge serves, its fields in XSD order, their XSD types.

The fields come from the ZOQL registry (``zoql.objects``), which lists every object's fields in
Zuora's XSD order (``Id`` first, then the object's own fields sorted case-insensitively, as Zuora's
WSDLs order them), so that billforge's WSDL and its query results can never disagree. A zeep client
refuses an element its WSDL lacks or one out of order; query results therefore carry exactly the
selected fields in this order. Added here: the fields a request may carry that ZOQL cannot select
(a charge's ``ProductRatePlanChargeTierData``), and the XSD type of each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from billforge.zoql.objects import OBJECTS, FieldType, ZObject


class Xsd(StrEnum):
    """A field's type as the WSDL writes it (prefix ``xs`` for XML Schema, ``zns`` for the API)."""

    STRING = "xs:string"
    ID = "zns:ID"
    DECIMAL = "xs:decimal"
    DATETIME = "xs:dateTime"
    BOOLEAN = "xs:boolean"
    INT = "xs:int"
    LONG = "xs:long"
    TIER_DATA = "zns:ProductRatePlanChargeTierData"
    CONTACT = "ons:Contact"


_XSD: Final = {
    FieldType.ID: Xsd.ID,
    FieldType.STRING: Xsd.STRING,
    FieldType.DECIMAL: Xsd.DECIMAL,
    FieldType.INTEGER: Xsd.INT,
    FieldType.BOOLEAN: Xsd.BOOLEAN,
    FieldType.DATE: Xsd.DATETIME,  # Zuora's WSDLs type dates as dateTime
    FieldType.DATETIME: Xsd.DATETIME,
    FieldType.LOCAL_DATETIME: Xsd.DATETIME,
    FieldType.LIST: Xsd.STRING,  # ActiveCurrencies: "USD,EUR"
}

#: Where Zuora's WSDL gives a field another type than the ZOQL type suggests.
_ZUORA_TYPES: Final = {
    ("InvoiceItem", "ProcessingType"): Xsd.DECIMAL,
    ("ProductRatePlanCharge", "NumberOfPeriod"): Xsd.LONG,
    ("ProductRatePlanCharge", "SpecificBillingPeriod"): Xsd.LONG,
    ("ProductRatePlanCharge", "UpToPeriods"): Xsd.LONG,
    ("RatePlanCharge", "NumberOfPeriods"): Xsd.LONG,
    ("RatePlanCharge", "SpecificBillingPeriod"): Xsd.LONG,
    ("RatePlanCharge", "UpToPeriods"): Xsd.LONG,
    ("RatePlanCharge", "Version"): Xsd.LONG,
}

#: Request-only fields (not queryable), by object: a charge's tiers, and the contacts billforge
#: creates an account with (Zuora's SOAP Account has no such fields: there an account is created
#: as a Draft and its contacts after it, which billforge does not support).
_REQUEST_FIELDS: Final = {
    "ProductRatePlanCharge": {"ProductRatePlanChargeTierData": Xsd.TIER_DATA},
    "Account": {"BillToContact": Xsd.CONTACT, "SoldToContact": Xsd.CONTACT},
}

#: Fields older WSDLs have and later ones dropped: a request may still send them (they are ignored).
_RETIRED: Final = {"ProductRatePlanChargeTier": frozenset({"Active"})}  # gone after 43.0

#: The order in which Zuora's WSDL declares the object types.
_DECLARATION_ORDER: Final = (
    "AccountingCode",
    "AccountingPeriod",
    "Account",
    "InvoiceAdjustment",
    "InvoiceItemAdjustment",
    "Amendment",
    "Contact",
    "Invoice",
    "Refund",
    "RefundInvoicePayment",
    "RefundTransactionLog",
    "InvoiceItem",
    "InvoicePayment",
    "Payment",
    "PaymentTransactionLog",
    "PaymentMethod",
    "Product",
    "ProductRatePlan",
    "ProductRatePlanCharge",
    "ProductRatePlanChargeTier",
    "GatewayOption",
    "RatePlan",
    "RatePlanCharge",
    "RatePlanChargeTier",
    "Subscription",
    "TaxationItem",
    "Usage",
    "Import",
    "Export",
    "CommunicationProfile",
)


@dataclass(frozen=True, slots=True)
class SoapField:
    """A field: its XSD type, and its ZOQL type (None for a request-only field)."""

    name: str
    xsd: Xsd
    kind: FieldType | None = None


@dataclass(frozen=True)
class ObjectType:
    """A zObject type: its own fields in XSD order (after zObject's ``fieldsToNull`` and ``Id``)."""

    name: str
    fields: tuple[SoapField, ...]
    retired: frozenset[str] = frozenset()
    _by_name: Mapping[str, SoapField] = field(init=False, repr=False, compare=False)
    _by_lower: Mapping[str, SoapField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        every = (SoapField("Id", Xsd.ID, FieldType.ID), *self.fields)
        object.__setattr__(self, "_by_name", MappingProxyType({f.name: f for f in every}))
        object.__setattr__(self, "_by_lower", MappingProxyType({f.name.lower(): f for f in every}))

    def get(self, name: str) -> SoapField | None:
        """The field named exactly ``name`` (XML element names are case-sensitive)."""
        return self._by_name.get(name)

    def find(self, name: str) -> SoapField | None:
        """The field by name, in any case."""
        return self._by_lower.get(name.lower())

    @property
    def names(self) -> tuple[str, ...]:
        """Every field name in XSD order, ``Id`` first."""
        return ("Id", *(f.name for f in self.fields))


def _object_type(obj: ZObject) -> ObjectType:
    """The registry's fields in its order, each request-only field put where the alphabetical XSD
    order places it."""
    own = [SoapField(f.name, _ZUORA_TYPES.get((obj.name, f.name), _XSD[f.type]), f.type) for f in obj.fields[1:]]
    for name, xsd in _REQUEST_FIELDS.get(obj.name, {}).items():
        at = next((i for i, f in enumerate(own) if f.name.lower() > name.lower()), len(own))
        own.insert(at, SoapField(name, xsd))
    return ObjectType(obj.name, tuple(own), _RETIRED.get(obj.name, frozenset()))


def _declared(name: str) -> int:
    return _DECLARATION_ORDER.index(name) if name in _DECLARATION_ORDER else len(_DECLARATION_ORDER)


OBJECT_TYPES: Final[Mapping[str, ObjectType]] = MappingProxyType(
    {o.name: _object_type(o) for o in sorted(OBJECTS.values(), key=lambda o: (_declared(o.name), o.name))}
)
_BY_LOWER: Final = {name.lower(): t for name, t in OBJECT_TYPES.items()}


def object_type(name: str) -> ObjectType | None:
    """The zObject type by name, in any case."""
    return _BY_LOWER.get(name.lower())

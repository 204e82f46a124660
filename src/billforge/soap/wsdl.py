"""billforge's own WSDL, written from ``schema.py`` and served at ``/apps/services/a/{version}?wsdl``.

It keeps the shape of Zuora's published WSDLs, so that a client generated from either works the
same: the namespaces ``zns`` (``http://api.zuora.com/``, operations and results), ``ons``
(``http://object.api.zuora.com/``, the zObjects) and ``fns`` (``http://fault.api.zuora.com/``, the
faults); service ``ZuoraService``, port ``Soap``, binding ``zns:SoapBinding`` (portType
``zns:Soap``); SOAP 1.1 document/literal with ``soapAction=""``; the types in Zuora's XSD order.
It declares only what billforge serves: the operations ``login``, ``create``, ``generate``,
``update``, ``delete``, ``query``, ``queryMore`` and ``getUserInfo``, and the zObjects of
``schema.OBJECT_TYPES``. ``soap:address`` is the URL the WSDL was fetched from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lxml import etree

from billforge.errors import ErrorCode
from billforge.soap.envelope import FNS, ONS, ZNS
from billforge.soap.faults import FaultKind
from billforge.soap.schema import OBJECT_TYPES

WSDL: Final = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP: Final = "http://schemas.xmlsoap.org/wsdl/soap/"
XS: Final = "http://www.w3.org/2001/XMLSchema"
SOAP_HTTP: Final = "http://schemas.xmlsoap.org/soap/http"
NSMAP: Final = {"wsdl": WSDL, "soap": WSDL_SOAP, "xs": XS, "zns": ZNS, "ons": ONS, "fns": FNS}
CONTENT_TYPE: Final = "text/xml; charset=utf-8"

#: The WSDL's ``zns:ErrorCode`` enumeration (billforge's REST-only REQUEST_EXCEEDED_LIMIT is not in it).
WSDL_ERROR_CODES: Final = tuple(code.value for code in ErrorCode if code is not ErrorCode.REQUEST_EXCEEDED_LIMIT)


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    headers: tuple[str, ...]  # parts of the ``Header`` message, in the order the binding lists them
    faults: tuple[FaultKind, ...]


OPERATIONS: Final = (
    Operation("login", (), (FaultKind.LOGIN, FaultKind.UNEXPECTED_ERROR)),
    Operation("create", ("CallOptions", "SessionHeader"), (FaultKind.INVALID_TYPE, FaultKind.UNEXPECTED_ERROR)),
    Operation("generate", ("SessionHeader",), (FaultKind.INVALID_TYPE, FaultKind.UNEXPECTED_ERROR)),
    Operation("update", ("SessionHeader",), (FaultKind.INVALID_TYPE, FaultKind.UNEXPECTED_ERROR)),
    Operation(
        "delete",
        ("SessionHeader",),
        (FaultKind.INVALID_TYPE, FaultKind.INVALID_VALUE, FaultKind.UNEXPECTED_ERROR),
    ),
    Operation(
        "query",
        ("QueryOptions", "SessionHeader"),
        (
            FaultKind.MALFORMED_QUERY,
            FaultKind.INVALID_TYPE,
            FaultKind.INVALID_QUERY_LOCATOR,
            FaultKind.UNEXPECTED_ERROR,
        ),
    ),
    Operation(
        "queryMore",
        ("QueryOptions", "SessionHeader"),
        (FaultKind.INVALID_QUERY_LOCATOR, FaultKind.UNEXPECTED_ERROR),
    ),
    Operation("getUserInfo", ("SessionHeader",), (FaultKind.UNEXPECTED_ERROR,)),
)


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _xs(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _q(XS, tag), attributes)


def _w(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _q(WSDL, tag), attributes)


def _s(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _q(WSDL_SOAP, tag), attributes)


def _field(sequence: etree._Element, name: str, kind: str, **occurs: str) -> etree._Element:
    return _xs(sequence, "element", name=name, type=kind, **occurs)


def _schema(types: etree._Element, namespace: str, *imports: str) -> etree._Element:
    schema = _xs(
        types, "schema", targetNamespace=namespace, elementFormDefault="qualified", attributeFormDefault="qualified"
    )
    for other in imports:
        _xs(schema, "import", namespace=other)
    return schema


def _complex(parent: etree._Element, name: str | None = None) -> etree._Element:
    """A ``complexType`` (named, or anonymous inside an element); returns its ``sequence``."""
    complex_type = _xs(parent, "complexType", name=name) if name else _xs(parent, "complexType")
    return _xs(complex_type, "sequence")


def _element(schema: etree._Element, name: str) -> etree._Element:
    """A global element with an anonymous complex type; returns its ``sequence``."""
    return _complex(_xs(schema, "element", name=name))


def _object_schema(types: etree._Element) -> None:
    schema = _schema(types, ONS, ZNS)
    base = _complex(schema, "zObject")
    _field(base, "fieldsToNull", "xs:string", minOccurs="0", maxOccurs="unbounded", nillable="true")
    _field(base, "Id", "zns:ID", minOccurs="0", maxOccurs="1", nillable="true")
    for object_type in OBJECT_TYPES.values():
        complex_type = _xs(schema, "complexType", name=object_type.name)
        extension = _xs(_xs(complex_type, "complexContent"), "extension", base="ons:zObject")
        sequence = _xs(extension, "sequence")
        for field_type in object_type.fields:
            _field(sequence, field_type.name, field_type.xsd.value, minOccurs="0", nillable="true")


def _api_schema(types: etree._Element) -> None:
    schema = _schema(types, ZNS, ONS)
    identifier = _xs(_xs(schema, "simpleType", name="ID"), "restriction", base="xs:string")
    _xs(identifier, "pattern", value="[a-zA-Z0-9]{32}|\\d+")

    login_result = _complex(schema, "LoginResult")
    _field(login_result, "Session", "xs:string", nillable="true")
    _field(login_result, "ServerUrl", "xs:string", nillable="true")

    tier_data = _complex(schema, "ProductRatePlanChargeTierData")
    _field(
        tier_data,
        "ProductRatePlanChargeTier",
        "ons:ProductRatePlanChargeTier",
        minOccurs="0",
        maxOccurs="unbounded",
        nillable="true",
    )

    for name, (errors, identifier_name, success) in {
        "SaveResult": ("Errors", "Id", "Success"),
        "DeleteResult": ("errors", "id", "success"),
    }.items():
        result = _complex(schema, name)
        _field(result, errors, "zns:Error", minOccurs="0", maxOccurs="unbounded", nillable="true")
        _field(result, identifier_name, "zns:ID", minOccurs="0", maxOccurs="1", nillable="true")
        _field(result, success, "xs:boolean", minOccurs="0", maxOccurs="1")

    _xs(_xs(schema, "simpleType", name="QueryLocator"), "restriction", base="xs:string")
    query_result = _complex(schema, "QueryResult")
    _field(query_result, "done", "xs:boolean")
    _field(query_result, "queryLocator", "zns:QueryLocator", nillable="true")
    _field(query_result, "records", "ons:zObject", minOccurs="0", maxOccurs="unbounded", nillable="true")
    _field(query_result, "size", "xs:int")

    error = _complex(schema, "Error")
    _field(error, "Code", "zns:ErrorCode", minOccurs="0", nillable="true")
    _field(error, "Message", "xs:string", minOccurs="0", nillable="true")
    _field(error, "Field", "xs:string", minOccurs="0", nillable="true")

    codes = _xs(_xs(schema, "simpleType", name="ErrorCode"), "restriction", base="xs:string")
    for code in WSDL_ERROR_CODES:
        _xs(codes, "enumeration", value=code)

    login = _element(schema, "login")
    _field(login, "username", "xs:string", minOccurs="0", maxOccurs="1")
    _field(login, "password", "xs:string", minOccurs="0", maxOccurs="1")
    _field(_element(schema, "loginResponse"), "result", "zns:LoginResult", minOccurs="0", maxOccurs="1")
    for name in ("create", "generate", "update"):
        _field(_element(schema, name), "zObjects", "ons:zObject", minOccurs="0", maxOccurs="unbounded")
        _field(_element(schema, f"{name}Response"), "result", "zns:SaveResult", minOccurs="0", maxOccurs="unbounded")
    delete = _element(schema, "delete")
    _field(delete, "type", "xs:string", minOccurs="1", maxOccurs="1")
    _field(delete, "ids", "zns:ID", minOccurs="0", maxOccurs="unbounded")
    _field(_element(schema, "deleteResponse"), "result", "zns:DeleteResult", minOccurs="0", maxOccurs="unbounded")
    _field(_element(schema, "query"), "queryString", "xs:string")
    _field(_element(schema, "queryResponse"), "result", "zns:QueryResult")
    _field(_element(schema, "queryMore"), "queryLocator", "zns:QueryLocator")
    _field(_element(schema, "queryMoreResponse"), "result", "zns:QueryResult")

    _field(_element(schema, "SessionHeader"), "session", "xs:string")
    query_options = _element(schema, "QueryOptions")
    _field(query_options, "batchSize", "xs:int", minOccurs="0")
    _field(query_options, "caseSensitive", "xs:boolean", minOccurs="0")
    user_info = _element(schema, "getUserInfoResponse")
    for name in ("TenantId", "TenantName", "UserEmail", "UserFullName", "UserId", "Username"):
        _field(user_info, name, "xs:string", minOccurs="1", maxOccurs="1")
    _element(schema, "getUserInfo")
    _field(_element(schema, "CallOptions"), "useSingleTransaction", "xs:boolean", minOccurs="0", nillable="true")


def _fault_schema(types: etree._Element) -> None:
    schema = _schema(types, FNS, ZNS)
    api_fault = _complex(schema, "ApiFault")
    _field(api_fault, "FaultCode", "zns:ErrorCode", minOccurs="0", nillable="true")
    _field(api_fault, "FaultMessage", "xs:string", minOccurs="0", nillable="true")
    _xs(schema, "element", name="fault", type="fns:ApiFault")
    for kind in FaultKind:
        complex_type = _xs(schema, "complexType", name=kind.value)
        _xs(_xs(complex_type, "complexContent"), "extension", base="fns:ApiFault")
        _xs(schema, "element", name=kind.value, type=f"fns:{kind.value}")


def _messages(root: etree._Element) -> None:
    _w(_w(root, "message", name="ApiFault"), "part", name="fault", element="fns:fault")
    for kind in FaultKind:
        _w(_w(root, "message", name=kind.value), "part", name="fault", element=f"fns:{kind.value}")
    for operation in OPERATIONS:
        if operation.name == "getUserInfo":
            _w(_w(root, "message", name="getUserInfo"), "part", name="getUserInfo", element="zns:getUserInfo")
        else:
            message = _w(root, "message", name=f"{operation.name}Request")
            _w(message, "part", name="parameters", element=f"zns:{operation.name}")
        response = _w(root, "message", name=f"{operation.name}Response")
        _w(response, "part", name="parameters", element=f"zns:{operation.name}Response")
    header = _w(root, "message", name="Header")
    for part in ("CallOptions", "QueryOptions", "SessionHeader"):
        _w(header, "part", name=part, element=f"zns:{part}")


def _input_message(operation: Operation) -> str:
    return "zns:getUserInfo" if operation.name == "getUserInfo" else f"zns:{operation.name}Request"


def _port_type(root: etree._Element) -> None:
    port_type = _w(root, "portType", name="Soap")
    for operation in OPERATIONS:
        element = _w(port_type, "operation", name=operation.name)
        _w(element, "input", message=_input_message(operation))
        _w(element, "output", message=f"zns:{operation.name}Response")
        for kind in operation.faults:
            _w(element, "fault", name=kind.value, message=f"zns:{kind.value}")


def _binding(root: etree._Element) -> None:
    binding = _w(root, "binding", name="SoapBinding", type="zns:Soap")
    _s(binding, "binding", style="document", transport=SOAP_HTTP)
    for operation in OPERATIONS:
        element = _w(binding, "operation", name=operation.name)
        _s(element, "operation", soapAction="")
        message_in = _w(element, "input")
        for part in operation.headers:
            _s(message_in, "header", use="literal", message="zns:Header", part=part)
        _s(message_in, "body", use="literal")
        _s(_w(element, "output"), "body", use="literal")
        for kind in operation.faults:
            _s(_w(element, "fault", name=kind.value), "fault", name=kind.value, use="literal")


_ADDRESS_PLACEHOLDER: Final = "urn:billforge:address"


@lru_cache(maxsize=1)
def _template() -> bytes:
    root = etree.Element(_q(WSDL, "definitions"), nsmap=NSMAP, targetNamespace=ZNS, name="ZuoraService")
    documentation = _w(root, "documentation")
    documentation.text = "billforge: Zuora's SOAP API (" + ", ".join(o.name for o in OPERATIONS) + ")."
    types = _w(root, "types")
    _object_schema(types)
    _api_schema(types)
    _fault_schema(types)
    _messages(root)
    _port_type(root)
    _binding(root)
    port = _w(_w(root, "service", name="ZuoraService"), "port", name="Soap", binding="zns:SoapBinding")
    _s(port, "address", location=_ADDRESS_PLACEHOLDER)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def document(address: str) -> bytes:
    """The WSDL whose ``soap:address`` is ``address`` (the URL it is served at)."""
    escaped = address.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _template().replace(_ADDRESS_PLACEHOLDER.encode(), escaped.encode("utf-8"), 1)

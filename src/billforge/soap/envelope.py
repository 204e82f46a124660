"""SOAP 1.1 envelopes: the call a request makes, and the answers and faults sent back.

A request is ``Envelope`` / optional ``Header`` / ``Body`` with one operation element in
``http://api.zuora.com/`` (``zns``). Headers are read by local name (``SessionHeader``,
``CallOptions``, ``QueryOptions``). Answers are written in Zuora's shape::

    <soapenv:Envelope xmlns:soapenv=... xmlns:ns1="http://api.zuora.com/"
                      xmlns:ns2="http://object.api.zuora.com/" xmlns:xsi=...>
      <soapenv:Body><ns1:generateResponse><ns1:result>...</ns1:result></ns1:generateResponse></soapenv:Body>
    </soapenv:Envelope>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from lxml import etree

from billforge.errors import ErrorCode
from billforge.soap import parsing
from billforge.soap.faults import FaultKind, SoapFault

SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV: Final = "http://www.w3.org/2003/05/soap-envelope"
ZNS: Final = "http://api.zuora.com/"
ONS: Final = "http://object.api.zuora.com/"
FNS: Final = "http://fault.api.zuora.com/"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
ANSWER_NSMAP: Final = {"soapenv": SOAP_ENV, "ns1": ZNS, "ns2": ONS, "xsi": XSI}
XSI_TYPE: Final = f"{{{XSI}}}type"
XSI_NIL: Final = f"{{{XSI}}}nil"
CONTENT_TYPE: Final = "text/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Call:
    """One SOAP request: the operation's name and element, and its headers by local name."""

    operation: str
    body: etree._Element
    headers: Mapping[str, etree._Element]


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def elements(parent: etree._Element) -> list[etree._Element]:
    """The child elements (comments and processing instructions are dropped by the parser)."""
    return [child for child in parent if isinstance(child.tag, str)]


def text_of(element: etree._Element) -> str:
    """An element's text content, whatever its form (``<a>x</a>``, ``<a><![CDATA[x]]></a>``)."""
    return "".join(str(part) for part in element.itertext())


def is_nil(element: etree._Element) -> bool:
    return element.get(XSI_NIL, "").strip().lower() in ("true", "1")


def _malformed(message: str) -> SoapFault:
    return SoapFault(FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_VALUE, message)


def read_call(payload: bytes) -> Call:
    root = parsing.parse(payload)
    namespace = etree.QName(root).namespace
    if namespace == SOAP12_ENV:
        raise _malformed("SOAP 1.2 envelopes are not supported: send a SOAP 1.1 envelope (" + SOAP_ENV + ")")
    if namespace != SOAP_ENV or local(root) != "Envelope":
        raise _malformed(f"the request must be a SOAP 1.1 Envelope in {SOAP_ENV}, not <{local(root)}>")
    headers: dict[str, etree._Element] = {}
    body: etree._Element | None = None
    for part in elements(root):
        if etree.QName(part).namespace != SOAP_ENV:
            raise _malformed(f"the Envelope may hold only Header and Body, not <{local(part)}>")
        if local(part) == "Header":
            for header in elements(part):
                headers.setdefault(local(header), header)
        elif local(part) == "Body":
            body = part
    if body is None:
        raise _malformed("the Envelope has no Body")
    operations = elements(body)
    if len(operations) != 1:
        raise _malformed(f"the Body must hold exactly one operation element, not {len(operations)}")
    (operation,) = operations
    if etree.QName(operation).namespace not in (ZNS, None):
        raise _malformed(f"the operation <{local(operation)}> must be in the namespace {ZNS}")
    return Call(local(operation), operation, headers)


# --- answers ------------------------------------------------------------------------------------


def zns(tag: str) -> str:
    return f"{{{ZNS}}}{tag}"


def ons(tag: str) -> str:
    return f"{{{ONS}}}{tag}"


def answer_element(operation: str) -> etree._Element:
    """A new answer envelope; returns its ``<ns1:{operation}Response>`` element, to fill."""
    return etree.SubElement(_body(), zns(f"{operation}Response"))


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def add_nil(parent: etree._Element, tag: str) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.set(XSI_NIL, "true")
    return child


def _body() -> etree._Element:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ANSWER_NSMAP)
    return etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def serialize(content: etree._Element) -> bytes:
    """The whole envelope that ``content`` (an answer or a fault element) belongs to."""
    root = content.getroottree().getroot()
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def fault(error: SoapFault) -> bytes:
    element = etree.SubElement(_body(), f"{{{SOAP_ENV}}}Fault", nsmap={"fns": FNS})
    add(element, "faultcode", error.faultcode)
    add(element, "faultstring", error.message)
    detail = add(element, "detail")
    kind = add(detail, f"{{{FNS}}}{error.kind.value}")
    add(kind, f"{{{FNS}}}FaultCode", error.code.value)
    add(kind, f"{{{FNS}}}FaultMessage", error.message)
    return serialize(element)

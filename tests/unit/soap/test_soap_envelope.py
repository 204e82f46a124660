"""SOAP 1.1 envelopes: reading the call and its headers; answers and faults in Zuora's shape; how
billforge's errors become the WSDL's faults."""

from __future__ import annotations

import pytest
from lxml import etree

from billforge.errors import AuthenticationFailed, ErrorCode, InvalidValue, LimitExceeded, NotFound
from billforge.soap import envelope
from billforge.soap.faults import FaultKind, SoapFault, from_error
from billforge.zoql.errors import InvalidQueryField, InvalidQueryLocator, InvalidQueryType, MalformedQuery

SOAP_ENV = envelope.SOAP_ENV


def test_the_call_and_its_headers() -> None:
    call = envelope.read_call(
        f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:z="{envelope.ZNS}"><s:Header>'
        "<z:SessionHeader><z:session>abc</z:session></z:SessionHeader>"
        "<z:QueryOptions><z:batchSize>5</z:batchSize></z:QueryOptions></s:Header>"
        "<s:Body><z:query><z:queryString>select Id from Invoice</z:queryString></z:query></s:Body>"
        "</s:Envelope>".encode()
    )
    assert call.operation == "query"
    assert sorted(call.headers) == ["QueryOptions", "SessionHeader"]
    assert envelope.text_of(call.body[0]) == "select Id from Invoice"


def test_an_unqualified_operation_is_read_too() -> None:
    call = envelope.read_call(f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><login/></s:Body></s:Envelope>'.encode())
    assert (call.operation, dict(call.headers)) == ("login", {})


def test_an_answer_in_zuoras_shape() -> None:
    answer = envelope.answer_element("generate")
    result = envelope.add(answer, envelope.zns("result"))
    envelope.add(result, envelope.zns("Id"), "8a8082c453cd2a620153e426c7eb78b3")
    envelope.add(result, envelope.zns("Success"), "true")
    root = etree.fromstring(envelope.serialize(answer))
    assert root.tag == f"{{{SOAP_ENV}}}Envelope"
    (body,) = root
    assert body.tag == f"{{{SOAP_ENV}}}Body"
    assert [e.tag for e in body[0].iter()] == [
        f"{{{envelope.ZNS}}}generateResponse",
        f"{{{envelope.ZNS}}}result",
        f"{{{envelope.ZNS}}}Id",
        f"{{{envelope.ZNS}}}Success",
    ]


def test_a_fault_in_zuoras_shape() -> None:
    root = etree.fromstring(envelope.fault(SoapFault(FaultKind.LOGIN, ErrorCode.INVALID_VALUE, "Invalid login.")))
    fault = root[0][0]
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    assert [(c.tag, c.text) for c in fault][:2] == [
        ("faultcode", "fns:INVALID_VALUE"),
        ("faultstring", "Invalid login."),
    ]
    assert fault.nsmap["fns"] == envelope.FNS  # the faultcode's prefix is declared
    (detail,) = fault.find("detail")  # type: ignore[misc]
    assert detail.tag == f"{{{envelope.FNS}}}LoginFault"
    assert [(etree.QName(c).localname, c.text) for c in detail] == [
        ("FaultCode", "INVALID_VALUE"),
        ("FaultMessage", "Invalid login."),
    ]


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (AuthenticationFailed("expired"), FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_SESSION),
        (MalformedQuery("bad"), FaultKind.MALFORMED_QUERY, ErrorCode.MALFORMED_QUERY),
        (InvalidQueryType("Foo"), FaultKind.INVALID_TYPE, ErrorCode.INVALID_TYPE),
        (InvalidQueryLocator("gone"), FaultKind.INVALID_QUERY_LOCATOR, ErrorCode.INVALID_VALUE),
        (InvalidQueryField("Colour"), FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_FIELD),
        (InvalidValue("no such type", code=ErrorCode.INVALID_TYPE), FaultKind.INVALID_TYPE, ErrorCode.INVALID_TYPE),
        (LimitExceeded("51 ids"), FaultKind.UNEXPECTED_ERROR, ErrorCode.MAX_RECORDS_EXCEEDED),
        (NotFound("gone"), FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_ID),
    ],
)
def test_errors_become_the_wsdls_faults(error: InvalidValue, kind: FaultKind, code: ErrorCode) -> None:
    fault = from_error(error)
    assert (fault.kind, fault.code, fault.faultcode) == (kind, code, f"fns:{code.value}")
    assert fault.message == error.message

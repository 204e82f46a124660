"""SOAP faults: the WSDL's ``fns:ApiFault`` family, and how billforge's errors become them.

A fault fails the whole call (nothing is processed); a problem with one object of a
create/generate/update/delete is a ``Success=false`` result instead, never a fault.

On the wire (SOAP 1.1, HTTP 500), as Zuora sends it::

    <soapenv:Fault xmlns:fns="http://fault.api.zuora.com/">
      <faultcode>fns:INVALID_SESSION</faultcode>          clients re-login on exactly this text
      <faultstring>...</faultstring>
      <detail>
        <fns:UnexpectedErrorFault>
          <fns:FaultCode>INVALID_SESSION</fns:FaultCode>  a zns:ErrorCode
          <fns:FaultMessage>...</fns:FaultMessage>
        </fns:UnexpectedErrorFault>
      </detail>
    </soapenv:Fault>
"""

from __future__ import annotations

from enum import StrEnum

from billforge.errors import AuthenticationFailed, BillforgeError, ErrorCode, flatten
from billforge.zoql.errors import InvalidQueryLocator, InvalidQueryType, MalformedQuery


class FaultKind(StrEnum):
    """The detail element (and type) of a fault, in ``http://fault.api.zuora.com/``."""

    LOGIN = "LoginFault"
    INVALID_TYPE = "InvalidTypeFault"
    INVALID_VALUE = "InvalidValueFault"
    MALFORMED_QUERY = "MalformedQueryFault"
    INVALID_QUERY_LOCATOR = "InvalidQueryLocatorFault"
    UNEXPECTED_ERROR = "UnexpectedErrorFault"


class SoapFault(Exception):
    """A call-level failure: answered as a SOAP fault whose ``faultcode`` is ``fns:<code>``."""

    def __init__(self, kind: FaultKind, code: ErrorCode, message: str) -> None:
        super().__init__(f"{kind}: {code}: {message}")
        self.kind = kind
        self.code = code
        self.message = message

    @property
    def faultcode(self) -> str:
        return f"fns:{self.code.value}"


def invalid_session(message: str) -> SoapFault:
    """The fault suds-based Zuora clients re-login on (their test is ``faultcode == "fns:INVALID_SESSION"``)."""
    return SoapFault(FaultKind.UNEXPECTED_ERROR, ErrorCode.INVALID_SESSION, message)


def invalid_type(message: str) -> SoapFault:
    return SoapFault(FaultKind.INVALID_TYPE, ErrorCode.INVALID_TYPE, message)


def unexpected(code: ErrorCode, message: str) -> SoapFault:
    return SoapFault(FaultKind.UNEXPECTED_ERROR, code, message)


def from_error(error: BillforgeError, *, default: FaultKind = FaultKind.UNEXPECTED_ERROR) -> SoapFault:
    """A billforge error that fails a whole call, as the fault the WSDL names for it."""
    message = "; ".join(e.message for e in flatten(error))
    if isinstance(error, AuthenticationFailed):
        return invalid_session(message)
    if isinstance(error, MalformedQuery):
        return SoapFault(FaultKind.MALFORMED_QUERY, error.code, message)
    if isinstance(error, InvalidQueryType) or error.code is ErrorCode.INVALID_TYPE:
        return SoapFault(FaultKind.INVALID_TYPE, error.code, message)
    if isinstance(error, InvalidQueryLocator):
        return SoapFault(FaultKind.INVALID_QUERY_LOCATOR, error.code, message)
    return SoapFault(default, error.code, message)

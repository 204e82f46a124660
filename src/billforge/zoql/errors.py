"""The errors a ZOQL query or a query locator can raise, one class per SOAP fault.

Each door maps them once: ``/v1/action/query`` answers 400 ``{"FaultCode", "FaultMessage"}``; the
SOAP door answers ``MalformedQueryFault`` (:class:`MalformedQuery`), ``InvalidTypeFault``
(:class:`InvalidQueryType`), ``InvalidQueryLocatorFault`` (:class:`InvalidQueryLocator`), and for
:class:`InvalidQueryField` the ``ApiFault`` with ``INVALID_FIELD``. The WSDL's ``ErrorCode`` has no
code of its own for a bad locator, so :class:`InvalidQueryLocator` carries ``INVALID_VALUE``.
"""

from __future__ import annotations

from billforge.errors import ErrorCode, InvalidValue, MalformedRequest, UnknownField


class MalformedQuery(MalformedRequest):
    """The query string is not ZOQL (syntax), or a value in it cannot be compared with its field."""

    default_code = ErrorCode.MALFORMED_QUERY


class InvalidQueryType(InvalidValue):
    """The query names an object that billforge cannot query."""

    default_code = ErrorCode.INVALID_TYPE


class InvalidQueryField(UnknownField):
    """The query names a field that its object does not have."""

    default_code = ErrorCode.INVALID_FIELD


class InvalidQueryLocator(InvalidValue):
    """A ``queryLocator`` that was never issued, belongs to another tenant, or has expired."""

    default_code = ErrorCode.INVALID_VALUE

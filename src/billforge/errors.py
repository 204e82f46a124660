"""billforge's one error tree.

Every error a service raises says *what* went wrong (its category), *where* (the field, as the
client named it) and *why* (the message). Each door maps the category once: the REST `/v1`
resources to Zuora's 8-digit codes (6-digit resource code + 2-digit category), the action/object
endpoints and SOAP to the WSDL's symbolic ``ErrorCode``s, the CLI to exit codes.

    BillforgeError                      category  ErrorCode (default)
    ├── PermissionDenied                10        NO_PERMISSION
    ├── AuthenticationFailed            11        INVALID_SESSION
    ├── InvalidValue                    20        INVALID_VALUE
    │   └── UnknownReference            20        INVALID_ID
    ├── UnknownField                    21        INVALID_FIELD
    ├── MissingValue                    22        MISSING_REQUIRED_VALUE
    ├── RuleRestriction                 30        INVALID_VALUE (or CANNOT_DELETE, ACCOUNTING_PERIOD_CLOSED, ...)
    ├── NotFound                        40        INVALID_ID
    ├── Unsupported                     45        INVALID_VALUE
    ├── LockContention                  50        TRANSACTION_FAILED
    ├── LimitExceeded                   70        MAX_RECORDS_EXCEEDED
    │   └── RateLimited                 70        REQUEST_EXCEEDED_LIMIT (HTTP 429)
    ├── MalformedRequest                90        MALFORMED_QUERY (for ZOQL), INVALID_VALUE otherwise
    └── InternalError                   60        UNKNOWN_ERROR

``ErrorList`` carries several errors found in one input (all of them are reported at once).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum, StrEnum
from typing import ClassVar


class Category(IntEnum):
    """Zuora's error category codes: the last two digits of a REST error code."""

    PERMISSION = 10
    AUTHENTICATION = 11
    INVALID_VALUE = 20
    UNKNOWN_FIELD = 21
    MISSING_REQUIRED = 22
    RULE_RESTRICTION = 30
    NOT_FOUND = 40
    UNSUPPORTED = 45
    LOCK_CONTENTION = 50
    INTERNAL = 60
    LIMIT_EXCEEDED = 70
    MALFORMED = 90


class ErrorCode(StrEnum):
    """The WSDL's ``zns:ErrorCode`` enumeration, plus REQUEST_EXCEEDED_LIMIT used by REST actions."""

    API_DISABLED = "API_DISABLED"
    CANNOT_DELETE = "CANNOT_DELETE"
    CREDIT_CARD_PROCESSING_FAILURE = "CREDIT_CARD_PROCESSING_FAILURE"
    DUPLICATE_VALUE = "DUPLICATE_VALUE"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_LOGIN = "INVALID_LOGIN"
    INVALID_SESSION = "INVALID_SESSION"
    INVALID_TYPE = "INVALID_TYPE"
    INVALID_ID = "INVALID_ID"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_VERSION = "INVALID_VERSION"
    MALFORMED_QUERY = "MALFORMED_QUERY"
    MAX_RECORDS_EXCEEDED = "MAX_RECORDS_EXCEEDED"
    MISSING_REQUIRED_VALUE = "MISSING_REQUIRED_VALUE"
    NO_PERMISSION = "NO_PERMISSION"
    SERVER_UNAVAILABLE = "SERVER_UNAVAILABLE"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"
    TRANSACTION_FAILED = "TRANSACTION_FAILED"
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    ACCOUNTING_PERIOD_CLOSED = "ACCOUNTING_PERIOD_CLOSED"
    BATCH_FAIL_ERROR = "BATCH_FAIL_ERROR"
    PDF_QUERY_ERROR = "PDF_QUERY_ERROR"
    REQUEST_EXCEEDED_LIMIT = "REQUEST_EXCEEDED_LIMIT"


class BillforgeError(Exception):
    """Base of every expected error: a category, an optional field, a message, an error code."""

    category: ClassVar[Category] = Category.INTERNAL
    default_code: ClassVar[ErrorCode] = ErrorCode.UNKNOWN_ERROR

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        obj: str | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.obj = obj
        self.code = code or self.default_code

    def at(self, prefix: str) -> BillforgeError:
        """The same error placed under ``prefix``: field ``amount`` becomes ``invoices[3].amount``."""
        self.field = f"{prefix}.{self.field}" if self.field else prefix
        self.message = f"{prefix}: {self.message}"
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class PermissionDenied(BillforgeError):
    category = Category.PERMISSION
    default_code = ErrorCode.NO_PERMISSION


class AuthenticationFailed(BillforgeError):
    category = Category.AUTHENTICATION
    default_code = ErrorCode.INVALID_SESSION


class InvalidValue(BillforgeError):
    category = Category.INVALID_VALUE
    default_code = ErrorCode.INVALID_VALUE


class UnknownReference(InvalidValue):
    """A request field names an object that does not exist: invalid input (400), not a missing
    resource (404, which is for ids in the path)."""

    default_code = ErrorCode.INVALID_ID


class UnknownField(BillforgeError):
    category = Category.UNKNOWN_FIELD
    default_code = ErrorCode.INVALID_FIELD


class MissingValue(BillforgeError):
    category = Category.MISSING_REQUIRED
    default_code = ErrorCode.MISSING_REQUIRED_VALUE


class RuleRestriction(BillforgeError):
    category = Category.RULE_RESTRICTION
    default_code = ErrorCode.INVALID_VALUE


class NotFound(BillforgeError):
    category = Category.NOT_FOUND
    default_code = ErrorCode.INVALID_ID


class Unsupported(BillforgeError):
    category = Category.UNSUPPORTED
    default_code = ErrorCode.INVALID_VALUE


class LockContention(BillforgeError):
    category = Category.LOCK_CONTENTION
    default_code = ErrorCode.TRANSACTION_FAILED


class LimitExceeded(BillforgeError):
    category = Category.LIMIT_EXCEEDED
    default_code = ErrorCode.MAX_RECORDS_EXCEEDED


class RateLimited(LimitExceeded):
    """Too many requests right now (HTTP 429); retry after a while."""

    default_code = ErrorCode.REQUEST_EXCEEDED_LIMIT


class MalformedRequest(BillforgeError):
    category = Category.MALFORMED
    default_code = ErrorCode.INVALID_VALUE


class InternalError(BillforgeError):
    """Something billforge did not expect; never caused by the input alone."""

    category = Category.INTERNAL
    default_code = ErrorCode.UNKNOWN_ERROR


class ErrorList(BillforgeError):
    """Several errors found in one input; the first one gives the category."""

    def __init__(self, errors: Iterable[BillforgeError]) -> None:
        self.errors = list(errors)
        if not self.errors:
            raise ValueError("ErrorList needs at least one error")
        first = self.errors[0]
        super().__init__("; ".join(e.message for e in self.errors), field=first.field, code=first.code)

    @property
    def category(self) -> Category:  # type: ignore[override]  # per-instance: the first error's category
        return self.errors[0].category

    def __iter__(self) -> Iterator[BillforgeError]:
        return iter(self.errors)


def flatten(error: BillforgeError) -> list[BillforgeError]:
    """The individual errors inside an error (an ErrorList's members, else the error itself)."""
    return list(error.errors) if isinstance(error, ErrorList) else [error]

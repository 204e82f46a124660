"""What the bulk runner needs from the system that bills: the ``Target`` protocol.

Three implementations live in ``billforge.bulk.targets``: ``local`` (billforge's services,
in-process), ``rest:URL`` (a billforge server, or anything speaking Zuora's REST actions) and
``soap:URL`` (a Zuora tenant, or billforge's own SOAP endpoint).

A target reports how a call went with its return value (per-object results) or one of these
exceptions, which tell the runner whether a retry is safe:

    TargetError                 the run cannot go on (bad credentials, missing endpoint, ...)
    ├── Retryable               nothing was done (429, REQUEST_EXCEEDED_LIMIT, not connected):
    │                           send the same call again after ``retry_after`` or a backoff
    ├── OutcomeUnknown          the call may or may not have been carried out (connection lost
    │                           after sending, timeout, 5xx): query the target before any retry
    └── CallRefused             the target refused the whole call with an error (every object
                                in it fails with ``code`` and ``message``)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Protocol

# Error codes a target puts on objects it did not process because of a limit: retry them later.
RETRYABLE_CODES: Final = frozenset({"REQUEST_EXCEEDED_LIMIT", "LOCK_COMPETITION", "SERVER_UNAVAILABLE"})


@dataclass(frozen=True, slots=True)
class InvoiceRequest:
    """One Invoice zObject of a generate call."""

    account_id: str
    invoice_date: date
    target_date: date
    includes_one_time: bool
    includes_recurring: bool
    includes_usage: bool


@dataclass(frozen=True, slots=True)
class Generated:
    """An object the target turned into an invoice (the first one, when it made several)."""

    invoice_id: str


@dataclass(frozen=True, slots=True)
class Refused:
    """An object (or invoice to post) the target refused, with its error code and message."""

    code: str
    message: str

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or _limit_category(self.code)


def _limit_category(code: str) -> bool:
    # REST resources answer 8-digit codes whose last two digits are the category: 50 locking
    # contention and 70 request exceeded limit mean the object was not processed.
    return len(code) == 8 and code.isdigit() and code[-2:] in ("50", "70")


GenerateResult = Generated | Refused
PostResult = Refused | None  # None: posted


@dataclass(frozen=True, slots=True)
class FoundInvoice:
    """An invoice as a target describes it (after a generate, or when reconciling)."""

    invoice_id: str
    invoice_number: str | None
    account_id: str | None
    invoice_date: date | None
    target_date: date | None
    amount: Decimal | None
    status: str | None
    created: datetime | None = None
    includes_one_time: bool | None = None
    includes_recurring: bool | None = None
    includes_usage: bool | None = None


class TargetError(Exception):
    """The run cannot go on against this target."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Retryable(TargetError):
    """Nothing was done; the same call may be sent again (after ``retry_after`` seconds if given)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(TargetError):
    """The call may have been carried out: look at the target before sending it again."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CallRefused(TargetError):
    """The whole call was refused; each object in it fails with this code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Target(Protocol):
    """The operations the bulk runner uses. Calls may come from several threads at once."""

    @property
    def description(self) -> str:
        """What the target is, for messages: ``local (entity Default)``, ``rest:http://...``."""
        ...

    @property
    def unannounced_limit(self) -> int | None:
        """The concurrency cap to apply when the target announces none (soap: 20), or ``None``."""
        ...

    def open(self) -> None:
        """Connect and log in. Raises ``TargetError`` (bad credentials, unreachable, ...)."""
        ...

    def close(self) -> None: ...

    def concurrency_limit(self) -> int | None:
        """The concurrent-request limit the target announced (``Concurrency-Limit-Limit``), if any."""
        ...

    def invoice_settlement(self) -> bool | None:
        """Whether Invoice Settlement is on; ``None`` when the target does not say (then a negative
        generated invoice is taken as the sign that it is on)."""
        ...

    def resolve_accounts(self, numbers: Sequence[str]) -> dict[str, str]:
        """Account ids of the given account numbers; unknown numbers are left out."""
        ...

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:
        """Generate invoices for objects of ONE account, in order; one result per object.
        ``key`` identifies this attempt of this call (an idempotency key where the target has them)."""
        ...

    def post(self, invoice_ids: Sequence[str], *, key: str) -> list[PostResult]:
        """Post draft invoices; one result per id."""
        ...

    def find_invoices(
        self, account_id: str, *, target_dates: Collection[date] = (), ids: Collection[str] = ()
    ) -> list[FoundInvoice]:
        """The account's invoices whose target date is one of ``target_dates`` or whose id is one of
        ``ids`` (the reconciliation query, and how numbers and amounts are read after a generate)."""
        ...

    def discard(self, invoice_ids: Sequence[str]) -> None:
        """Delete draft invoices the tenant's settings do not allow (Invoice Settlement)."""
        ...

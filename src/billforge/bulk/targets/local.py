"""``--target local``: billforge's own services, in-process, on BILLFORGE_DATABASE_URL.

Each object of a generate call is billed in its own transaction by the billing service (exactly
what ``POST /v1/action/generate`` and SOAP ``generate`` call), so a failing object fails alone. An
unexpected error (the database went away) makes the call's outcome unknown: objects before it may
have been billed, and the runner reconciles before trying again.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final, Protocol, TypeVar, cast

from sqlalchemy.exc import SQLAlchemyError

from billforge.bulk.target import (
    FoundInvoice,
    Generated,
    GenerateResult,
    InvoiceRequest,
    OutcomeUnknown,
    PostResult,
    Refused,
    Retryable,
    TargetError,
)
from billforge.db.session import Database
from billforge.errors import BillforgeError
from billforge.services import accounts, invoices, settings, tenancy
from billforge.services.context import Context, SystemClock

T = TypeVar("T")
ACTOR: Final = "bulk-generator"  # who generated and posted, in the invoices' audit fields
PAGE: Final = 40
POOL_SIZE: Final = 50  # connections opened as needed; enough for --max-threads up to 100 with overflow


class _GenerateInvoices(Protocol):
    def __call__(
        self,
        *,
        db: Database,
        ctx: Context,
        account_key: str,
        invoice_date: date,
        target_date: date,
        includes_one_time: bool,
        includes_recurring: bool,
        includes_usage: bool,
    ) -> list[str]: ...


def _billing_service() -> _GenerateInvoices:
    """``billforge.services.billing.generate_invoices`` (looked up when first needed)."""
    try:
        module = importlib.import_module("billforge.services.billing")
    except ModuleNotFoundError as missing:
        raise TargetError("this installation has no billing engine (billforge.services.billing)") from missing
    return cast(_GenerateInvoices, module.generate_invoices)


class LocalTarget:
    def __init__(self, database_url: str, *, entity: str | None = None, db: Database | None = None) -> None:
        self._url = database_url
        self._entity = entity
        self._db = db
        self._owns_db = db is None
        self._ctx: Context | None = None
        self._generate: _GenerateInvoices | None = None

    @property
    def description(self) -> str:
        return f"local (entity {self._entity or tenancy.DEFAULT_ENTITY})"

    @property
    def unannounced_limit(self) -> int | None:
        return None

    def open(self) -> None:
        if self._db is None:
            self._db = Database(self._url, pool_size=POOL_SIZE)
        try:
            if self._entity is None:
                entity_id = tenancy.ensure_default_entity(db=self._db, clock=SystemClock()).id
            else:
                found = [e for e in tenancy.list_entities(db=self._db) if self._entity in (e.id, e.name)]
                if not found:
                    raise TargetError(f"no entity named {self._entity!r} (see `billforge entities list`)")
                entity_id = found[0].id
        except SQLAlchemyError as error:
            raise TargetError(f"cannot open the database: {error}") from error
        self._ctx = Context(entity_id=entity_id, actor_id=ACTOR)
        self._generate = _billing_service()

    def close(self) -> None:
        if self._owns_db and self._db is not None:
            self._db.dispose()
            self._db = None

    def _env(self) -> tuple[Database, Context]:
        if self._db is None or self._ctx is None:
            raise TargetError("the local target is not open")
        return self._db, self._ctx

    def concurrency_limit(self) -> int | None:
        return None

    def invoice_settlement(self) -> bool | None:
        db, ctx = self._env()
        return bool(settings.get_settings(db=db, ctx=ctx).billing_rules.invoice_settlement)

    def resolve_accounts(self, numbers: Sequence[str]) -> dict[str, str]:
        db, ctx = self._env()
        return _guarded(partial(accounts.account_ids_by_number, db=db, ctx=ctx, numbers=numbers))

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:  # noqa: ARG002 (in-process: no idempotency key needed)
        db, ctx = self._env()
        if self._generate is None:
            raise TargetError("the local target is not open")
        results: list[GenerateResult] = []
        for index, obj in enumerate(objects):
            try:
                ids = self._generate(
                    db=db,
                    ctx=ctx,
                    account_key=obj.account_id,
                    invoice_date=obj.invoice_date,
                    target_date=obj.target_date,
                    includes_one_time=obj.includes_one_time,
                    includes_recurring=obj.includes_recurring,
                    includes_usage=obj.includes_usage,
                )
            except BillforgeError as error:
                results.append(Refused(str(error.code), error.message))
                continue
            except SQLAlchemyError as error:
                if index == 0:
                    raise Retryable(f"database error: {error}") from error  # nothing of this call was billed
                raise OutcomeUnknown(f"database error after {index} of {len(objects)} objects: {error}") from error
            if ids:
                results.append(Generated(ids[0]))
            else:
                results.append(Refused("INVALID_VALUE", "there is nothing to bill for this account and target date"))
        return results

    def post(self, invoice_ids: Sequence[str], *, key: str) -> list[PostResult]:  # noqa: ARG002 (no idempotency key in-process)
        db, ctx = self._env()
        entries: list[tuple[str, date | None] | BillforgeError] = [(i, None) for i in invoice_ids]
        answers = _guarded(lambda: invoices.post_invoices(db=db, ctx=ctx, entries=entries), effect=True)
        return [Refused(str(a.code), a.message) if isinstance(a, BillforgeError) else None for a in answers]

    def find_invoices(
        self, account_id: str, *, target_dates: Collection[date] = (), ids: Collection[str] = ()
    ) -> list[FoundInvoice]:
        db, ctx = self._env()
        rows = _guarded(partial(invoices.invoices_by_id, db=db, ctx=ctx, ids=ids))
        found = [_found(row._mapping) for row in rows]
        if target_dates:
            wanted = set(target_dates)
            seen = {f.invoice_id for f in found}
            page = 1
            while True:
                result, _ = _guarded(
                    partial(
                        invoices.list_account_invoices,
                        db=db,
                        ctx=ctx,
                        account_key=account_id,
                        page=page,
                        page_size=PAGE,
                    )
                )
                for row in result.rows:
                    if row.target_date in wanted and row.id not in seen:
                        found.append(_found(row._mapping))
                if not result.has_next:
                    break
                page += 1
        return found

    def discard(self, invoice_ids: Sequence[str]) -> None:
        db, ctx = self._env()
        for invoice_id in invoice_ids:
            try:
                _guarded(partial(invoices.delete_invoice, db=db, ctx=ctx, key=invoice_id), effect=True)
            except BillforgeError as error:
                raise TargetError(error.message) from error


def _guarded(call: Callable[[], T], *, effect: bool = False) -> T:
    """Run a service call; a database failure becomes a transient error (unknown outcome if the
    call changes something)."""
    try:
        return call()
    except SQLAlchemyError as error:
        if effect:
            raise OutcomeUnknown(f"database error: {error}") from error
        raise Retryable(f"database error: {error}") from error


def _found(row: Any) -> FoundInvoice:
    created = row["created_at"]
    if isinstance(created, datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    amount = row["amount"]
    return FoundInvoice(
        invoice_id=str(row["id"]),
        invoice_number=row["invoice_number"],
        account_id=row["account_id"],
        invoice_date=row["invoice_date"],
        target_date=row["target_date"],
        amount=Decimal(amount) if amount is not None else None,
        status=row["status"],
        created=created,
        includes_one_time=row["includes_one_time"],
        includes_recurring=row["includes_recurring"],
        includes_usage=row["includes_usage"],
    )

"""Zuora's ``create()``, ``update()`` and ``delete()`` calls over zObjects, for ``/v1/action/*`` and
the SOAP door. Each object runs through the service that owns it (the catalog, usage, accounts,
invoices, payments, subscriptions), each in its own transaction, in order: one result per object, a failure being that
object's result (``SaveResult`` / ``DeleteResult`` with its errors), never the call's.

What each type supports here:

| type                       | create | update | delete | through                        |
| Invoice                    |   -    |  yes   |  yes   | ``invoice_objects`` (create: generate) |
| Account                    |  yes   |  yes   |   -    | ``accounts``                   |
| Contact                    |  yes   |  yes   |   -    | this module (contacts of an account) |
| Product, ProductRatePlan,  |  yes   |  yes   |  yes   | ``catalog``                    |
| ProductRatePlanCharge      |        |        |        |                                |
| ProductRatePlanChargeTier  |   -    |  yes   |   -    | ``catalog`` (tiers are created with their charge) |
| Usage                      |  yes   |  yes   |  yes   | ``usage``                      |
| Payment                    |  yes   |  yes   |  yes   | ``payments``, ``payment_changes`` |
| Subscription               |   -    |  yes   |   -    | ``subscriptions`` (Notes and custom fields) |
| InvoiceItem, RatePlan, RatePlanCharge | - |  -  |   -    | query only                     |

A Payment is External and created Processed; an update changes its Comment, ReferenceId, custom
fields, or Status from Processed to Canceled (off its invoices); only a Canceled one is deleted.

Every operation a type refuses has its reason in ``_WHY_NOT``, which the refusal quotes.

An Account is created Draft without contacts (Zuora's WSDLs) or Active with its ``BillToContact``
(billforge's WSDL); its Contacts are created with ``AccountId``; an Account update sets
``BillToId``, ``SoldToId`` and ``Status`` (Draft to Active once both contacts are set), with the
accounts service's rules.

A call naming another type, or an operation a type does not support, is refused as a whole with
``INVALID_TYPE``; more than 50 objects with ``MAX_RECORDS_EXCEEDED``. The door turns each zObject
into the owning service's input first (or an error, which becomes that object's result).

A create can ask for a single transaction (SOAP's ``CallOptions.useSingleTransaction``): all of its
objects are created, or none. The services' transactions are then joined into one write
transaction, each service's own ``write()`` becoming a savepoint of it (``conn.begin_nested()``),
rolled back alone when that object fails so that the transaction stays usable for the next one;
if any object failed, the whole is rolled back and the others answer ``BATCH_FAIL_ERROR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import Connection, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, LimitExceeded, MissingValue, NotFound, flatten
from billforge.services import accounts, catalog, invoice_objects, payment_changes, payments, subscriptions, usage
from billforge.services.context import Context, new_id

MAX_OBJECTS: Final = 50  # zObjects per create, update or delete call


class Operation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


#: Every type ``/v1/action/*`` and SOAP know, with the operations billforge supports for it
#: (``query`` is for all of them, through ``services.queries``).
OPERATIONS: Final[Mapping[str, frozenset[Operation]]] = MappingProxyType(
    {
        "Invoice": frozenset({Operation.UPDATE, Operation.DELETE}),
        "InvoiceItem": frozenset(),
        "Account": frozenset({Operation.CREATE, Operation.UPDATE}),
        "Contact": frozenset({Operation.CREATE, Operation.UPDATE}),
        "Subscription": frozenset({Operation.UPDATE}),
        "RatePlan": frozenset(),
        "RatePlanCharge": frozenset(),
        "Product": frozenset(Operation),
        "ProductRatePlan": frozenset(Operation),
        "ProductRatePlanCharge": frozenset(Operation),
        "ProductRatePlanChargeTier": frozenset({Operation.UPDATE}),
        "Usage": frozenset(Operation),
        "Payment": frozenset(Operation),
    }
)


def _by_amendment(kind: str, what: str, how: str) -> dict[tuple[str, Operation], str]:
    """One reason for every operation on a part of a subscription that Zuora changes by amendment."""
    why = f"Zuora changes a subscription's {what} by amendment, which billforge does not have; {how}"
    return {(kind, operation): why for operation in Operation}


#: Why each operation a type refuses is refused (every refused pair has its reason).
_WHY_NOT: Final[Mapping[tuple[str, Operation], str]] = MappingProxyType(
    {
        ("Invoice", Operation.CREATE): "invoices are created by generate (POST /v1/action/generate) or "
        "POST /v1/invoices",
        ("InvoiceItem", Operation.CREATE): "invoice items are made with their invoice, by generate "
        "(POST /v1/action/generate) or POST /v1/invoices",
        ("InvoiceItem", Operation.UPDATE): "invoice items are made with their invoice; change a Draft invoice's "
        "items with PUT /v1/invoices/{invoice-key} (invoiceItems)",
        ("InvoiceItem", Operation.DELETE): "invoice items are made with their invoice; remove one from a Draft "
        "invoice with PUT /v1/invoices/{invoice-key} (invoiceItems[].delete), or delete the Draft invoice",
        ("Account", Operation.DELETE): "an account keeps its subscriptions, invoices and payments, so billforge "
        "does not delete accounts; update its Status to Canceled instead",
        ("Contact", Operation.DELETE): "invoices keep the contacts they were billed to, so billforge does not "
        "delete contacts; update the contact, or the Account's BillToId and SoldToId, instead",
        ("ProductRatePlanChargeTier", Operation.CREATE): "tiers are created with their ProductRatePlanCharge",
        ("ProductRatePlanChargeTier", Operation.DELETE): "tiers are deleted with their ProductRatePlanCharge, or "
        "replaced by updating the charge's ProductRatePlanChargeTierData",
        ("Subscription", Operation.CREATE): "subscriptions are created with POST /v1/subscriptions",
        ("Subscription", Operation.DELETE): "a subscription's charges may have been billed, so billforge does not "
        "delete subscriptions; cancel one with PUT /v1/subscriptions/{subscription-key}/cancel",
        **_by_amendment(
            "RatePlan", "rate plans", "rate plans are created with their subscription (POST /v1/subscriptions)"
        ),
        **_by_amendment(
            "RatePlanCharge",
            "charges",
            "charges are created with their subscription (POST /v1/subscriptions, chargeOverrides)",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class SaveResult:
    """One object's result of create or update: its id, or the errors that stopped it."""

    id: str | None
    errors: tuple[BillforgeError, ...] = ()

    @property
    def success(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class DeleteResult:
    id: str
    errors: tuple[BillforgeError, ...] = ()

    @property
    def success(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ObjectUpdate:
    """One zObject of an update: the object's id and its changes, as the owning service takes them
    (or the error that reading its changes gave, so that the result still names the object)."""

    id: str
    changes: Any


@dataclass(slots=True)
class ContactCreate:
    """A Contact zObject to create: the account it belongs to and the contact itself."""

    account_id: str
    contact: accounts.ContactInput


@dataclass(slots=True)
class ContactChanges:
    """Contact fields to change, by ``ContactInput`` name (a None value clears an optional field)."""

    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def object_type(name: Any, operation: Operation) -> str:
    """The type as billforge spells it (any case in), if ``operation`` is supported for it."""
    if name is None or (isinstance(name, str) and not name.strip()):
        raise MissingValue(f"'type' is required: the zObject type to {operation}", field="type")
    known = {key.lower(): key for key in OPERATIONS}
    canonical = known.get(name.lower()) if isinstance(name, str) else None
    if canonical is None:
        raise InvalidValue(
            f"'type' {name!r} is not an object type billforge knows (types: {', '.join(OPERATIONS)})",
            field="type",
            code=ErrorCode.INVALID_TYPE,
        )
    if operation not in OPERATIONS[canonical]:
        raise InvalidValue(
            f"{operation} is not supported for {canonical} objects: {why_not(canonical, operation)}",
            field="type",
            code=ErrorCode.INVALID_TYPE,
        )
    return canonical


def why_not(type_name: str, operation: Operation) -> str:
    """Why ``operation`` is refused for ``type_name`` (the type as billforge spells it)."""
    supported = sorted(op.value for op in OPERATIONS[type_name]) or ["query"]
    return _WHY_NOT.get((type_name, operation), f"supported: {', '.join(supported)}")


def refused() -> list[tuple[str, Operation]]:
    """Every (type, operation) pair that billforge refuses."""
    return [(name, op) for name, ops in OPERATIONS.items() for op in Operation if op not in ops]


def check_count(count: int, what: str = "objects") -> None:
    """At least one and at most 50 zObjects (or ids) per call."""
    if count == 0:
        raise MissingValue(f"'{what}' must contain at least one entry", field=what)
    if count > MAX_OBJECTS:
        raise LimitExceeded(
            f"'{what}' has {count} entries; at most {MAX_OBJECTS} are allowed per call",
            field=what,
            code=ErrorCode.MAX_RECORDS_EXCEEDED,
        )


# --- contacts ---------------------------------------------------------------------------------------


def create_contact(*, db: Database, ctx: Context, data: ContactCreate) -> str:
    """A contact of an existing account, in any status (a Draft account's contacts are created so
    that an Account update can name them as its ``BillToId`` and ``SoldToId``)."""
    with db.write() as conn:
        account = accounts.find_account(conn, ctx.entity_id, data.account_id, field_name="AccountId")
        contact_id = new_id()
        conn.execute(
            insert(t.contacts).values(**accounts.contact_row(contact_id, account.id, ctx, data.contact, ctx.now()))
        )
        return contact_id


def update_contact(*, db: Database, ctx: Context, contact_id: str, changes: ContactChanges) -> str:
    with db.write() as conn:
        row = conn.execute(
            select(t.contacts).where(t.contacts.c.entity_id == ctx.entity_id, t.contacts.c.id == contact_id)
        ).first()
        if row is None:
            raise NotFound(f"no contact with id {contact_id!r}", field="Id", obj="contact")
        for name, label in (("first_name", "FirstName"), ("last_name", "LastName")):
            if name in changes.values and not (changes.values[name] or "").strip():
                raise MissingValue(f"'{label}' must not be blank", field=label, obj="contact")
        values: dict[str, Any] = dict(changes.values)
        if changes.extra:
            values["extra"] = {**row.extra, **changes.extra}
        conn.execute(
            update(t.contacts)
            .where(t.contacts.c.id == contact_id)
            .values(**values, updated_at=ctx.now(), updated_by_id=ctx.actor_id)
        )
        return contact_id


# --- dispatch ---------------------------------------------------------------------------------------

Create = Callable[[Database, Context, Any], str]
Update = Callable[[Database, Context, str, Any], str]
Delete = Callable[[Database, Context, str], object]

_CREATE: Final[Mapping[str, Create]] = MappingProxyType(
    {
        "Account": lambda db, ctx, data: accounts.create_account(db=db, ctx=ctx, data=data).id,
        "Contact": lambda db, ctx, data: create_contact(db=db, ctx=ctx, data=data),
        "Product": lambda db, ctx, data: catalog.create_product(db=db, ctx=ctx, data=data),
        "ProductRatePlan": lambda db, ctx, data: catalog.create_rate_plan(db=db, ctx=ctx, data=data),
        "ProductRatePlanCharge": lambda db, ctx, data: catalog.create_charge(db=db, ctx=ctx, data=data),
        "Usage": lambda db, ctx, data: usage.create_usage(db=db, ctx=ctx, data=data),
        "Payment": lambda db, ctx, data: payments.create_payment(db=db, ctx=ctx, data=data).payment.id,
    }
)
_UPDATE: Final[Mapping[str, Update]] = MappingProxyType(
    {
        "Invoice": lambda db, ctx, key, changes: invoice_objects.update_invoice_object(
            db=db, ctx=ctx, invoice_id=key, update=changes
        ),
        "Account": lambda db, ctx, key, changes: _update_account(db, ctx, key, changes),
        "Contact": lambda db, ctx, key, changes: update_contact(db=db, ctx=ctx, contact_id=key, changes=changes),
        "Product": lambda db, ctx, key, changes: catalog.update_product(
            db=db, ctx=ctx, product_id=key, changes=changes
        ),
        "ProductRatePlan": lambda db, ctx, key, changes: catalog.update_rate_plan(
            db=db, ctx=ctx, plan_id=key, changes=changes
        ),
        "ProductRatePlanCharge": lambda db, ctx, key, changes: catalog.update_charge(
            db=db, ctx=ctx, charge_id=key, changes=changes
        ),
        "ProductRatePlanChargeTier": lambda db, ctx, key, changes: catalog.update_tier(
            db=db, ctx=ctx, tier_id=key, changes=changes
        ),
        "Usage": lambda db, ctx, key, changes: usage.update_usage(db=db, ctx=ctx, usage_id=key, changes=changes),
        "Payment": lambda db, ctx, key, changes: payment_changes.update_payment(
            db=db, ctx=ctx, payment_id=key, changes=changes
        ),
        "Subscription": lambda db, ctx, key, changes: subscriptions.update_subscription(
            db=db, ctx=ctx, subscription_id=key, changes=changes
        ),
    }
)
_DELETE: Final[Mapping[str, Delete]] = MappingProxyType(
    {
        "Invoice": lambda db, ctx, key: invoice_objects.delete_invoice_object(db=db, ctx=ctx, invoice_id=key),
        "Product": lambda db, ctx, key: catalog.delete_product(db=db, ctx=ctx, product_id=key),
        "ProductRatePlan": lambda db, ctx, key: catalog.delete_rate_plan(db=db, ctx=ctx, plan_id=key),
        "ProductRatePlanCharge": lambda db, ctx, key: catalog.delete_charge(db=db, ctx=ctx, charge_id=key),
        "Usage": lambda db, ctx, key: usage.delete_usage(db=db, ctx=ctx, usage_id=key),
        "Payment": lambda db, ctx, key: payment_changes.delete_payment(db=db, ctx=ctx, payment_id=key),
    }
)


def _update_account(db: Database, ctx: Context, key: str, changes: accounts.AccountChanges) -> str:
    """Update an account named by its id (not its number: a zObject's ``Id``)."""
    with db.read() as conn:
        found = conn.execute(
            select(t.accounts.c.id).where(t.accounts.c.entity_id == ctx.entity_id, t.accounts.c.id == key)
        ).first()
    if found is None:
        raise NotFound(f"no account with id {key!r}", field="Id", obj="account")
    return accounts.update_account(db=db, ctx=ctx, key=key, changes=changes)


def _errors(error: BillforgeError) -> tuple[BillforgeError, ...]:
    return tuple(flatten(error))


def create_objects(
    *,
    db: Database,
    ctx: Context,
    type_name: str,
    objects: Sequence[Any | BillforgeError],
    single_transaction: bool = False,
) -> list[SaveResult]:
    """Create each object (already the owning service's input, or the error that parsing it gave).
    With ``single_transaction``, all of them or none (see the module's docstring)."""
    kind = object_type(type_name, Operation.CREATE)
    check_count(len(objects))
    if single_transaction:
        return _create_all_or_none(db, ctx, kind, objects)
    return _create_each(db, ctx, kind, objects)


def _create_each(db: Database, ctx: Context, kind: str, objects: Sequence[Any | BillforgeError]) -> list[SaveResult]:
    results: list[SaveResult] = []
    for entry in objects:
        if isinstance(entry, BillforgeError):
            results.append(SaveResult(None, _errors(entry)))
            continue
        try:
            results.append(SaveResult(_CREATE[kind](db, ctx, entry)))
        except BillforgeError as error:
            results.append(SaveResult(None, _errors(error)))
    return results


class _SingleTransaction(Database):
    """A ``Database`` whose ``read()`` and ``write()`` run inside one open write transaction: every
    ``write()`` is a savepoint of it, and every ``read()`` sees what the call has written so far."""

    def __init__(self, db: Database, conn: Connection) -> None:  # the engine stays the database's
        self.url = db.url
        self.is_sqlite = db.is_sqlite
        self.engine = db.engine
        self._conn = conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self._conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self._conn.begin_nested():  # released when the block ends, rolled back to if it raises
            yield self._conn

    def dispose(self) -> None:
        """The engine belongs to the database this transaction came from."""


class _RollBack(Exception):
    """An object of a single-transaction create failed: nothing of the call is kept."""


def _create_all_or_none(
    db: Database, ctx: Context, kind: str, objects: Sequence[Any | BillforgeError]
) -> list[SaveResult]:
    """Create every object in one transaction; if any fails, none is kept: the failed ones answer
    their errors, the others ``BATCH_FAIL_ERROR``."""
    saved: list[SaveResult] = []
    try:
        with db.write() as conn:
            saved = _create_each(_SingleTransaction(db, conn), ctx, kind, objects)
            if all(outcome.success for outcome in saved):
                return saved
            raise _RollBack
    except _RollBack:
        failed = [index for index, outcome in enumerate(saved) if not outcome.success]
        listed = ", ".join(f"zObjects[{index}]" for index in failed)
        batch_failed = InvalidValue(
            f"not created: the call used a single transaction and {listed} failed, so no object was created",
            code=ErrorCode.BATCH_FAIL_ERROR,
        )
        return [outcome if not outcome.success else SaveResult(None, (batch_failed,)) for outcome in saved]


def update_objects(
    *, db: Database, ctx: Context, type_name: str, objects: Sequence[ObjectUpdate | BillforgeError]
) -> list[SaveResult]:
    """Update each object (its id and changes, or the error that parsing it gave; a result names the
    object's id whenever it is known)."""
    kind = object_type(type_name, Operation.UPDATE)
    check_count(len(objects))
    results: list[SaveResult] = []
    for entry in objects:
        if isinstance(entry, BillforgeError):
            results.append(SaveResult(None, _errors(entry)))
            continue
        if isinstance(entry.changes, BillforgeError):
            results.append(SaveResult(entry.id, _errors(entry.changes)))
            continue
        try:
            results.append(SaveResult(_UPDATE[kind](db, ctx, entry.id, entry.changes)))
        except BillforgeError as error:
            results.append(SaveResult(entry.id, _errors(error)))
    return results


def delete_objects(*, db: Database, ctx: Context, type_name: str, ids: Sequence[str]) -> list[DeleteResult]:
    """Delete each object by id, in order."""
    kind = object_type(type_name, Operation.DELETE)
    check_count(len(ids), "ids")
    results: list[DeleteResult] = []
    for object_id in ids:
        try:
            _DELETE[kind](db, ctx, object_id)
            results.append(DeleteResult(object_id))
        except BillforgeError as error:
            results.append(DeleteResult(object_id, _errors(error)))
    return results

"""Customer accounts and their bill-to, sold-to and ship-to contacts.

An account's status is Draft, Active or Canceled (Zuora's Account ``Status``). It is created Active
with its bill-to contact (REST ``POST /v1/accounts``, billforge's own WSDL), or Draft without
contacts (Zuora's SOAP ``create``, whose ``Account`` has no contact fields): its contacts are then
created with their ``AccountId`` and the account is activated by an update that sets ``BillToId``,
``SoldToId`` and ``Status``. Zuora's rules (SOAP object reference, Account and Contact):

- an account needs a contact for ``BillToId`` and ``SoldToId`` before it can be active, and each must
  be a contact of that account;
- an account with active subscriptions cannot be canceled; a canceled account can be re-activated.

A Draft account is not billed (``billing.bill_account``) nor invoiced (standalone invoices).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.subscriptions import ACTIVE as SUBSCRIPTION_ACTIVE
from billforge.errors import (
    BillforgeError,
    ErrorList,
    InvalidValue,
    MissingValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
)
from billforge.services import counters, tenant_settings
from billforge.services.context import Context, new_id

ACCOUNT_NUMBER_MAX = 70
DRAFT = "Draft"
ACTIVE = "Active"
CANCELED = "Canceled"
ACCOUNT_STATUSES = (DRAFT, ACTIVE, CANCELED)
BATCHES = tuple(f"Batch{n}" for n in range(1, 51))


@dataclass(slots=True)
class ContactInput:
    first_name: str
    last_name: str
    nickname: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    county: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_region: str | None = None
    work_email: str | None = None
    personal_email: str | None = None
    work_phone: str | None = None
    home_phone: str | None = None
    mobile_phone: str | None = None
    fax: str | None = None
    other_phone: str | None = None
    other_phone_type: str | None = None
    description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CONTACT_COLUMNS = tuple(f.name for f in fields(ContactInput))


@dataclass(slots=True)
class AccountInput:
    """An account to create: Active with its bill-to contact (the sold-to contact is the bill-to one
    unless given), or Draft, with or without contacts (``status`` ``"Draft"``)."""

    name: str
    currency: str
    bill_to: ContactInput | None = None
    status: str = ACTIVE
    sold_to: ContactInput | None = None
    ship_to: ContactInput | None = None
    sold_to_same_as_bill_to: bool = False
    ship_to_same_as_bill_to: bool = False
    account_number: str | None = None
    bill_cycle_day: int | None = None
    payment_term: str | None = None
    auto_pay: bool = False
    invoice_template_id: str | None = None
    sequence_set_id: str | None = None
    batch: str | None = None
    crm_id: str | None = None
    notes: str | None = None
    parent_id: str | None = None
    sales_rep: str | None = None
    communication_profile_id: str | None = None
    invoice_delivery_prefs_email: bool = False
    invoice_delivery_prefs_print: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreatedAccount:
    id: str
    account_number: str
    bill_to_contact_id: str | None  # None: a Draft account created without contacts
    sold_to_contact_id: str | None
    ship_to_contact_id: str | None


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Row[Any]
    bill_to: Row[Any] | None
    sold_to: Row[Any] | None
    ship_to: Row[Any] | None
    balance: Decimal
    time_zone: str


def find_account(conn: Connection, entity_id: str, key: str, *, field_name: str = "accountKey") -> Row[Any]:
    """An account by id or number, in this entity only."""
    row = conn.execute(
        select(t.accounts).where(
            t.accounts.c.entity_id == entity_id,
            (t.accounts.c.id == key) | (t.accounts.c.account_number == key),
        )
    ).first()
    if row is None:
        raise NotFound(f"no account with id or number {key!r}", field=field_name, obj="account")
    return row


def create_account(*, db: Database, ctx: Context, data: AccountInput) -> CreatedAccount:
    with db.write() as conn:
        return _create(conn, ctx, data)


def _create(conn: Connection, ctx: Context, data: AccountInput) -> CreatedAccount:
    tenant = tenant_settings.load(conn, ctx.entity_id)
    problems: list[InvalidValue | MissingValue | RuleRestriction] = []
    if not data.name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj="account"))
    if data.status not in (DRAFT, ACTIVE):
        problems.append(
            InvalidValue(
                f"'Status' {data.status!r} cannot be given to a new account: create it Draft (its contacts may "
                "follow) or Active (with its bill-to contact)",
                field="Status",
                obj="account",
            )
        )
    elif data.status == ACTIVE and data.bill_to is None:
        problems.append(
            MissingValue(
                "'billToContact' is required to create an Active account: give the bill-to contact, or create the "
                "account as Draft and activate it once its contacts exist",
                field="billToContact",
                obj="account",
            )
        )
    if data.currency not in tenant.active_currencies:
        problems.append(
            InvalidValue(
                f"'currency' {data.currency!r} is not an active currency of this tenant "
                f"(active: {', '.join(sorted(tenant.active_currencies))})",
                field="currency",
                obj="account",
            )
        )
    bill_cycle_day = tenant.billing_rules.default_bill_cycle_day if data.bill_cycle_day is None else data.bill_cycle_day
    if not 1 <= bill_cycle_day <= 31:
        problems.append(InvalidValue("'billCycleDay' must be between 1 and 31", field="billCycleDay", obj="account"))
    payment_term = data.payment_term or tenant.default_payment_term
    if payment_term not in tenant.payment_terms:
        problems.append(
            InvalidValue(
                f"'paymentTerm' {payment_term!r} is not an active payment term", field="paymentTerm", obj="account"
            )
        )
    if data.batch is not None and data.batch not in BATCHES:
        problems.append(InvalidValue("'batch' must be one of Batch1 to Batch50", field="batch", obj="account"))
    if data.sold_to is not None and data.sold_to_same_as_bill_to:
        problems.append(
            RuleRestriction(
                "'soldToSameAsBillTo' cannot be true when 'soldToContact' is given",
                field="soldToSameAsBillTo",
                obj="account",
            )
        )
    if data.ship_to is not None and data.ship_to_same_as_bill_to:
        problems.append(
            RuleRestriction(
                "'shipToSameAsBillTo' cannot be true when 'shipToContact' is given",
                field="shipToSameAsBillTo",
                obj="account",
            )
        )
    problems.extend(
        _check_references(conn, ctx.entity_id, data.invoice_template_id, data.sequence_set_id, data.parent_id)
    )
    if data.account_number is not None:
        if not data.account_number or len(data.account_number) > ACCOUNT_NUMBER_MAX:
            problems.append(
                InvalidValue(
                    f"'accountNumber' must be 1 to {ACCOUNT_NUMBER_MAX} characters",
                    field="accountNumber",
                    obj="account",
                )
            )
        elif conn.execute(
            select(t.accounts.c.id).where(
                t.accounts.c.entity_id == ctx.entity_id, t.accounts.c.account_number == data.account_number
            )
        ).first():
            problems.append(
                RuleRestriction(
                    f"'accountNumber' {data.account_number!r} is already used by another account",
                    field="accountNumber",
                    obj="account",
                )
            )
    if problems:
        raise ErrorList(problems)

    now = ctx.now()
    account_id = new_id()
    number = data.account_number or _next_account_number(conn, ctx.entity_id)
    bill_to_id = None if data.bill_to is None else new_id()
    sold_to_id = bill_to_id if data.sold_to is None else new_id()
    ship_to_id = None
    if data.ship_to is not None:
        ship_to_id = new_id()
    elif data.ship_to_same_as_bill_to:
        ship_to_id = bill_to_id
    conn.execute(
        insert(t.accounts).values(
            id=account_id,
            entity_id=ctx.entity_id,
            account_number=number,
            name=data.name,
            status=data.status,
            currency=data.currency,
            bill_cycle_day=bill_cycle_day,
            payment_term=payment_term,
            auto_pay=data.auto_pay,
            invoice_template_id=data.invoice_template_id,
            sequence_set_id=data.sequence_set_id,
            bill_to_contact_id=bill_to_id,
            sold_to_contact_id=sold_to_id,
            ship_to_contact_id=ship_to_id,
            batch=data.batch or "Batch1",
            crm_id=data.crm_id,
            notes=data.notes,
            parent_id=data.parent_id,
            sales_rep=data.sales_rep,
            communication_profile_id=data.communication_profile_id,
            invoice_delivery_prefs_email=data.invoice_delivery_prefs_email,
            invoice_delivery_prefs_print=data.invoice_delivery_prefs_print,
            extra=data.extra,
            created_at=now,
            updated_at=now,
            created_by_id=ctx.actor_id,
            updated_by_id=ctx.actor_id,
        )
    )
    contact_rows = []
    for contact_id, contact in ((bill_to_id, data.bill_to), (sold_to_id, data.sold_to), (ship_to_id, data.ship_to)):
        if contact_id is not None and contact is not None:
            contact_rows.append(contact_row(contact_id, account_id, ctx, contact, now))
    if contact_rows:
        conn.execute(insert(t.contacts), contact_rows)
    return CreatedAccount(account_id, number, bill_to_id, sold_to_id, ship_to_id)


def check_billable(account: Row[Any], *, field_name: str, obj: str = "account") -> None:
    """A Draft account (created without contacts, not yet activated) cannot be billed or invoiced."""
    if account.status == DRAFT:
        raise RuleRestriction(
            f"account {account.account_number} is not active (its status is Draft): a Draft account cannot be "
            "billed or invoiced; activate it first by setting its BillToId and SoldToId to contacts of the account "
            "and its Status to Active",
            field=field_name,
            obj=obj,
        )


def _check_references(
    conn: Connection, entity_id: str, template_id: str | None, sequence_set_id: str | None, parent_id: str | None
) -> list[UnknownReference]:
    """Body fields naming other objects: an unknown one is bad input (400), not a missing resource."""
    problems: list[UnknownReference] = []
    checks = (
        (template_id, t.invoice_templates, "invoiceTemplateId", "invoice template"),
        (sequence_set_id, t.sequence_sets, "sequenceSetId", "sequence set"),
        (parent_id, t.accounts, "parentId", "parent account"),
    )
    for value, table, name, what in checks:
        if value is None:
            continue
        found = conn.execute(select(table.c.id).where(table.c.entity_id == entity_id, table.c.id == value)).first()
        if found is None:
            problems.append(UnknownReference(f"'{name}' {value!r} is not a known {what}", field=name, obj="account"))
    return problems


def _next_account_number(conn: Connection, entity_id: str) -> str:
    """Generated account numbers: A00000001, A00000002, ... skipping numbers already taken."""
    (number,) = counters.free_keys(
        conn, entity_id=entity_id, kind="A", render=lambda n: f"A{n:08d}", column=t.accounts.c.account_number
    )
    return number


def contact_row(contact_id: str, account_id: str, ctx: Context, contact: ContactInput, now: datetime) -> dict[str, Any]:
    values = {name: getattr(contact, name) for name in CONTACT_COLUMNS}
    return {
        "id": contact_id,
        "entity_id": ctx.entity_id,
        "account_id": account_id,
        **values,
        "created_at": now,
        "updated_at": now,
        "created_by_id": ctx.actor_id,
        "updated_by_id": ctx.actor_id,
    }


def account_ids_by_number(*, db: Database, ctx: Context, numbers: Collection[str]) -> dict[str, str]:
    """The ids of this entity's accounts among ``numbers`` (unknown numbers left out), in one query."""
    if not numbers:
        return {}
    with db.read() as conn:
        rows = conn.execute(
            select(t.accounts.c.account_number, t.accounts.c.id).where(
                t.accounts.c.entity_id == ctx.entity_id, t.accounts.c.account_number.in_(set(numbers))
            )
        )
        return {str(number): str(account_id) for number, account_id in rows}


def get_account(*, db: Database, ctx: Context, key: str) -> AccountView:
    with db.read() as conn:
        account = find_account(conn, ctx.entity_id, key)
        ids = {account.bill_to_contact_id, account.sold_to_contact_id, account.ship_to_contact_id} - {None}
        contacts = {r.id: r for r in conn.execute(select(t.contacts).where(t.contacts.c.id.in_(ids)))}
        balance = conn.execute(
            select(func.coalesce(func.sum(t.invoices.c.balance), 0)).where(
                t.invoices.c.entity_id == ctx.entity_id,
                t.invoices.c.account_id == account.id,
                t.invoices.c.status == "Posted",
            )
        ).scalar_one()
        tenant = tenant_settings.load(conn, ctx.entity_id)
    return AccountView(
        account=account,
        bill_to=contacts.get(account.bill_to_contact_id),
        sold_to=contacts.get(account.sold_to_contact_id),
        ship_to=contacts.get(account.ship_to_contact_id),
        balance=Decimal(balance),
        time_zone=tenant.time_zone,
    )


@dataclass(slots=True)
class AccountChanges:
    """Fields to change; ``None`` leaves a field as it is."""

    name: str | None = None
    bill_cycle_day: int | None = None
    payment_term: str | None = None
    auto_pay: bool | None = None
    invoice_template_id: str | None = None
    sequence_set_id: str | None = None
    batch: str | None = None
    crm_id: str | None = None
    notes: str | None = None
    parent_id: str | None = None
    sales_rep: str | None = None
    communication_profile_id: str | None = None
    invoice_delivery_prefs_email: bool | None = None
    invoice_delivery_prefs_print: bool | None = None
    bill_to: ContactInput | None = None
    sold_to: ContactInput | None = None
    ship_to: ContactInput | None = None
    #: An existing contact of the account to bill to / sell to (Zuora's ``BillToId`` / ``SoldToId``).
    bill_to_contact_id: str | None = None
    sold_to_contact_id: str | None = None
    #: The new status (Zuora's ``Status``): Draft to Active, Active to Canceled, Canceled to Active.
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_ACCOUNT_FIELDS = (
    "name",
    "bill_cycle_day",
    "payment_term",
    "auto_pay",
    "invoice_template_id",
    "sequence_set_id",
    "batch",
    "crm_id",
    "notes",
    "parent_id",
    "sales_rep",
    "communication_profile_id",
    "invoice_delivery_prefs_email",
    "invoice_delivery_prefs_print",
)


def update_account(*, db: Database, ctx: Context, key: str, changes: AccountChanges) -> str:
    with db.write() as conn:
        account = find_account(conn, ctx.entity_id, key)
        tenant = tenant_settings.load(conn, ctx.entity_id)
        problems: list[BillforgeError] = []
        if changes.name is not None and not changes.name.strip():
            problems.append(MissingValue("'name' must not be blank", field="name", obj="account"))
        if changes.bill_cycle_day is not None and not 1 <= changes.bill_cycle_day <= 31:
            problems.append(
                InvalidValue("'billCycleDay' must be between 1 and 31", field="billCycleDay", obj="account")
            )
        if changes.payment_term is not None and changes.payment_term not in tenant.payment_terms:
            problems.append(
                InvalidValue(
                    f"'paymentTerm' {changes.payment_term!r} is not an active payment term",
                    field="paymentTerm",
                    obj="account",
                )
            )
        if changes.batch is not None and changes.batch not in BATCHES:
            problems.append(InvalidValue("'batch' must be one of Batch1 to Batch50", field="batch", obj="account"))
        if changes.parent_id is not None and changes.parent_id == account.id:
            problems.append(RuleRestriction("an account cannot be its own parent", field="parentId", obj="account"))
        problems.extend(
            _check_references(
                conn, ctx.entity_id, changes.invoice_template_id, changes.sequence_set_id, changes.parent_id
            )
        )
        problems.extend(_contact_id_problems(conn, ctx.entity_id, account.id, changes))
        problems.extend(_status_problems(conn, ctx.entity_id, account, changes))
        if problems:
            raise ErrorList(problems)
        now = ctx.now()
        values: dict[str, Any] = {
            name: getattr(changes, name) for name in _ACCOUNT_FIELDS if getattr(changes, name) is not None
        }
        for name in ("bill_to_contact_id", "sold_to_contact_id", "status"):
            if getattr(changes, name) is not None:
                values[name] = getattr(changes, name)
        if changes.extra:
            values["extra"] = {**account.extra, **changes.extra}
        contact_ids = {
            "bill_to": account.bill_to_contact_id,
            "sold_to": account.sold_to_contact_id,
            "ship_to": account.ship_to_contact_id,
        }
        for role in ("bill_to", "sold_to", "ship_to"):
            contact: ContactInput | None = getattr(changes, role)
            if contact is None:
                continue
            shared = role != "bill_to" and contact_ids[role] == account.bill_to_contact_id
            if contact_ids[role] is None or shared:
                new_contact = new_id()
                conn.execute(insert(t.contacts).values(**contact_row(new_contact, account.id, ctx, contact, now)))
                values[f"{role}_contact_id"] = new_contact
            else:
                conn.execute(
                    update(t.contacts)
                    .where(t.contacts.c.id == contact_ids[role])
                    .values(
                        **{name: getattr(contact, name) for name in CONTACT_COLUMNS},
                        updated_at=now,
                        updated_by_id=ctx.actor_id,
                    )
                )
        values.update(updated_at=now, updated_by_id=ctx.actor_id)
        conn.execute(update(t.accounts).where(t.accounts.c.id == account.id).values(**values))
        return str(account.id)


def _contact_id_problems(
    conn: Connection, entity_id: str, account_id: str, changes: AccountChanges
) -> list[BillforgeError]:
    """``BillToId`` and ``SoldToId`` must name contacts of this account (Zuora: "a valid contact ID
    created for this account"), and cannot come with a new contact for the same role."""
    named = {"BillToId": changes.bill_to_contact_id, "SoldToId": changes.sold_to_contact_id}
    problems: list[BillforgeError] = [
        RuleRestriction(
            f"give either '{name}' or '{contact_field}', not both: both name the account's {role} contact",
            field=name,
            obj="account",
        )
        for name, contact_field, role, contact in (
            ("BillToId", "BillToContact", "bill-to", changes.bill_to),
            ("SoldToId", "SoldToContact", "sold-to", changes.sold_to),
        )
        if named[name] is not None and contact is not None
    ]
    wanted = {value for value in named.values() if value is not None}
    if not wanted:
        return problems
    owners = {
        row.id: row.account_id
        for row in conn.execute(
            select(t.contacts.c.id, t.contacts.c.account_id).where(
                t.contacts.c.entity_id == entity_id, t.contacts.c.id.in_(wanted)
            )
        )
    }
    for name, contact_id in named.items():
        if contact_id is None:
            continue
        if contact_id not in owners:
            problems.append(
                UnknownReference(f"'{name}' {contact_id!r} is not a known contact", field=name, obj="account")
            )
        elif owners[contact_id] != account_id:
            problems.append(
                InvalidValue(
                    f"'{name}' {contact_id!r} is a contact of another account: it must be a contact of this account "
                    "(create one with its AccountId)",
                    field=name,
                    obj="account",
                )
            )
    return problems


def _status_problems(
    conn: Connection, entity_id: str, account: Row[Any], changes: AccountChanges
) -> list[RuleRestriction | InvalidValue]:
    """The status change, if any, is one Zuora allows: Draft to Active and Canceled to Active once
    the account has a bill-to and a sold-to contact, Active to Canceled once no subscription of the
    account is active. Setting the status the account already has changes nothing."""
    wanted = changes.status
    current: str = account.status
    if wanted is None or wanted == current:
        return []
    if wanted not in ACCOUNT_STATUSES:
        return [
            InvalidValue(
                f"'Status' {wanted!r} is not an account status (statuses: {', '.join(ACCOUNT_STATUSES)})",
                field="Status",
                obj="account",
            )
        ]
    if wanted == ACTIVE:
        has = {
            "BillToId": changes.bill_to_contact_id or changes.bill_to is not None or account.bill_to_contact_id,
            "SoldToId": changes.sold_to_contact_id or changes.sold_to is not None or account.sold_to_contact_id,
        }
        missing = [name for name, present in has.items() if not present]
        if not missing:
            return []
        return [
            RuleRestriction(
                f"account {account.account_number} cannot be activated without a bill-to and a sold-to contact: "
                f"set {' and '.join(repr(name) for name in missing)} to contacts of the account "
                "(create them with the account's id as their AccountId)",
                field=missing[0],
                obj="account",
            )
        ]
    if wanted == CANCELED and current == ACTIVE:
        active = conn.execute(
            select(tb.subscriptions.c.subscription_number)
            .where(
                tb.subscriptions.c.entity_id == entity_id,
                tb.subscriptions.c.account_id == account.id,
                tb.subscriptions.c.status == SUBSCRIPTION_ACTIVE,
            )
            .order_by(tb.subscriptions.c.subscription_number)
            .limit(3)
        ).scalars()
        numbers = list(active)
        if not numbers:
            return []
        return [
            RuleRestriction(
                f"account {account.account_number} has active subscriptions ({', '.join(numbers)}"
                f"{', ...' if len(numbers) == 3 else ''}): cancel them before canceling the account",
                field="Status",
                obj="account",
            )
        ]
    allowed = {DRAFT: "Active", ACTIVE: "Canceled", CANCELED: "Active"}[current]
    return [
        RuleRestriction(
            f"'Status' cannot change from {current} to {wanted}: from {current}, an account can only become {allowed}",
            field="Status",
            obj="account",
        )
    ]

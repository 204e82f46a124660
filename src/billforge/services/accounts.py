"""Customer accounts and their bill-to, sold-to and ship-to contacts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import ErrorList, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services import counters, tenant_settings
from billforge.services.context import Context, new_id

ACCOUNT_NUMBER_MAX = 70
ACCOUNT_STATUSES = ("Draft", "Active", "Canceled")
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
    name: str
    currency: str
    bill_to: ContactInput
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
    bill_to_contact_id: str
    sold_to_contact_id: str
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
    problems: list[InvalidValue | MissingValue | RuleRestriction | NotFound] = []
    if not data.name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj="account"))
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
    bill_to_id = new_id()
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
            status="Active",
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
    contact_rows = [contact_row(bill_to_id, account_id, ctx, data.bill_to, now)]
    if data.sold_to is not None:
        contact_rows.append(contact_row(sold_to_id, account_id, ctx, data.sold_to, now))
    if data.ship_to is not None and ship_to_id is not None:
        contact_rows.append(contact_row(ship_to_id, account_id, ctx, data.ship_to, now))
    conn.execute(insert(t.contacts), contact_rows)
    return CreatedAccount(account_id, number, bill_to_id, sold_to_id, ship_to_id)


def _check_references(
    conn: Connection, entity_id: str, template_id: str | None, sequence_set_id: str | None, parent_id: str | None
) -> list[NotFound]:
    problems: list[NotFound] = []
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
            problems.append(NotFound(f"'{name}' {value!r} is not a known {what}", field=name, obj="account"))
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
        problems: list[InvalidValue | MissingValue | RuleRestriction | NotFound] = []
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
        if problems:
            raise ErrorList(problems)
        now = ctx.now()
        values: dict[str, Any] = {
            name: getattr(changes, name) for name in _ACCOUNT_FIELDS if getattr(changes, name) is not None
        }
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

"""Usage records: one at a time (the Usage object) or a CSV file (Zuora's usage upload).

A usage record belongs to an account and is rated in the billing period that holds its start date
(``StartDateTime``, a wall-clock time in the tenant's time zone; ``EndDateTime`` is kept for
reporting only). It may name a subscription and a usage charge; when it names neither, every usage
charge of the account with its unit of measure rates it (Zuora's rule).

Rules:
- ``StartDateTime``, ``UOM`` and ``Quantity`` (0 or more) are required, and the account by
  ``AccountId`` or ``AccountNumber`` (both: the same account);
- a named subscription belongs to the account; a named charge is a usage charge of the account
  (and of the named subscription), and the UOM is the charge's;
- the UOM is the unit of measure of some charge of the tenant's catalog;
- a record that an invoice billed (``RbeStatus`` ``Processed``) cannot be changed or deleted until
  that invoice is cancelled or deleted.

Uploads (``POST /v1/usage``) take Zuora's usage template: columns ``ACCOUNT_ID`` (the account
number), ``UOM``, ``QTY``, ``STARTDATE``, ``ENDDATE``, ``SUBSCRIPTION_ID`` (the subscription number),
``CHARGE_ID`` (the charge number), ``DESCRIPTION`` and optional ``UNIQUE_KEY``; dates ``MM/DD/YYYY``
(optionally with ``HH:MM:SS``; ``YYYY-MM-DD`` is accepted too). An upload is atomic: one bad row
fails the whole import, whose status then says which rows and why. It is processed before the call
answers, so its status is ``Completed`` or ``Failed`` at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, delete, insert, select, update

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.db.types import QUANTITY_MAX, QUANTITY_SCALE
from billforge.domain.catalog import ChargeType
from billforge.errors import (
    BillforgeError,
    ErrorCode,
    ErrorList,
    InvalidValue,
    MissingValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
    flatten,
)
from billforge.services import billing, tenant_settings
from billforge.services.context import Context, new_id

OBJ: Final = "usage"
SOURCE_API: Final = "API"
SOURCE_IMPORT: Final = "Import"
MAX_FILE_BYTES: Final = 4 * 1024 * 1024  # Zuora's limit for a usage file
MAX_FILE_NAME: Final = 50
MAX_DESCRIPTION: Final = 200
REQUIRED_COLUMNS: Final = ("ACCOUNT_ID", "UOM", "QTY", "STARTDATE", "ENDDATE", "SUBSCRIPTION_ID", "CHARGE_ID")
OPTIONAL_COLUMNS: Final = ("DESCRIPTION", "UNIQUE_KEY")
COMPLETED: Final = "Completed"
FAILED: Final = "Failed"


@dataclass(slots=True)
class UsageInput:
    """A usage record as the client describes it; ``None`` means not given."""

    start_date_time: datetime | None = None
    uom: str | None = None
    quantity: Decimal | None = None
    account_id: str | None = None
    account_number: str | None = None
    subscription_id: str | None = None
    subscription_number: str | None = None
    charge_id: str | None = None
    charge_number: str | None = None
    end_date_time: datetime | None = None
    description: str | None = None
    unique_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class UsageChanges:
    """Fields of ``PUT /v1/object/usage/{id}``; ``None`` keeps the stored value."""

    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    uom: str | None = None
    quantity: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class UsageView:
    row: Row[Any]
    account_number: str
    subscription_number: str | None
    charge_number: str | None
    invoice_id: str | None
    invoice_number: str | None
    time_zone: str


@dataclass(frozen=True, slots=True)
class ImportView:
    row: Row[Any]
    time_zone: str


# --- lookups -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Lookups:
    """Accounts, subscriptions and usage charges named by a batch of usage records, and the
    tenant's units of measure: one query each."""

    accounts: list[Any]
    subscriptions: list[Any]
    charges: list[Any]
    uoms: set[str]


def _look_up(conn: Connection, entity_id: str, records: Sequence[UsageInput]) -> _Lookups:
    accounts_t, subs_t, charges_t = t.accounts, tb.subscriptions, tb.rate_plan_charges
    account_ids = {r.account_id for r in records if r.account_id}
    account_numbers = {r.account_number for r in records if r.account_number}
    accounts = list(
        conn.execute(
            select(accounts_t.c.id, accounts_t.c.account_number, accounts_t.c.currency, accounts_t.c.status).where(
                accounts_t.c.entity_id == entity_id,
                accounts_t.c.id.in_(account_ids) | accounts_t.c.account_number.in_(account_numbers),
            )
        )
    )
    sub_ids = {r.subscription_id for r in records if r.subscription_id}
    sub_numbers = {r.subscription_number for r in records if r.subscription_number}
    subscriptions = (
        list(
            conn.execute(
                select(subs_t.c.id, subs_t.c.subscription_number, subs_t.c.account_id).where(
                    subs_t.c.entity_id == entity_id,
                    subs_t.c.id.in_(sub_ids) | subs_t.c.subscription_number.in_(sub_numbers),
                )
            )
        )
        if sub_ids or sub_numbers
        else []
    )
    charge_ids = {r.charge_id for r in records if r.charge_id}
    charge_numbers = {r.charge_number for r in records if r.charge_number}
    wanted_accounts = [a.id for a in accounts]
    charge_scope = charges_t.c.id.in_(charge_ids) | charges_t.c.charge_number.in_(charge_numbers)
    charges = list(
        conn.execute(
            select(
                charges_t.c.id,
                charges_t.c.charge_number,
                charges_t.c.charge_type,
                charges_t.c.uom,
                charges_t.c.subscription_id,
                subs_t.c.account_id,
            )
            .join(subs_t, subs_t.c.id == charges_t.c.subscription_id)
            .where(
                charges_t.c.entity_id == entity_id,
                charge_scope | (subs_t.c.account_id.in_(wanted_accounts) & (charges_t.c.charge_type == "Usage")),
            )
        )
    )
    catalog_uoms = conn.execute(
        select(t.product_rate_plan_charges.c.uom)
        .where(t.product_rate_plan_charges.c.entity_id == entity_id, t.product_rate_plan_charges.c.uom.is_not(None))
        .distinct()
    ).scalars()
    uoms = {u.casefold() for u in catalog_uoms} | {c.uom.casefold() for c in charges if c.uom}
    return _Lookups(accounts, subscriptions, charges, uoms)


def _to_wall_time(value: datetime, zone: ZoneInfo) -> datetime:
    """A timestamp as the tenant's wall-clock time (naive); a naive one is already that."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _quantity_problem(value: Decimal, where: str) -> BillforgeError | None:
    if value < 0:
        return InvalidValue(f"'{where}' must be 0 or more, got {value}", field=where, obj=OBJ)
    if value > QUANTITY_MAX:
        return InvalidValue(f"'{where}' {value} is too large (at most {QUANTITY_MAX})", field=where, obj=OBJ)
    if value != value.quantize(Decimal(1).scaleb(-QUANTITY_SCALE)):
        return InvalidValue(f"'{where}' {value} has more than {QUANTITY_SCALE} decimal places", field=where, obj=OBJ)
    return None


@dataclass(frozen=True, slots=True)
class _Names:
    """The client's names for a record's fields: Object API (``AccountId``) or CSV (``ACCOUNT_ID``)."""

    account_id: str = "AccountId"
    account_number: str = "AccountNumber"
    subscription_id: str = "SubscriptionId"
    subscription_number: str = "SubscriptionNumber"
    charge_id: str = "ChargeId"
    charge_number: str = "ChargeNumber"
    start: str = "StartDateTime"
    end: str = "EndDateTime"
    uom: str = "UOM"
    quantity: str = "Quantity"
    description: str = "Description"


OBJECT_NAMES: Final = _Names()
CSV_NAMES: Final = _Names(
    account_id="ACCOUNT_ID",
    account_number="ACCOUNT_ID",
    subscription_id="SUBSCRIPTION_ID",
    subscription_number="SUBSCRIPTION_ID",
    charge_id="CHARGE_ID",
    charge_number="CHARGE_ID",
    start="STARTDATE",
    end="ENDDATE",
    uom="UOM",
    quantity="QTY",
    description="DESCRIPTION",
)


def _resolve(
    record: UsageInput, lookups: _Lookups, names: _Names, zone: ZoneInfo, ctx: Context, import_id: str | None
) -> dict[str, Any]:
    """The row to store for one record, or an ErrorList naming every problem with it."""
    problems: list[BillforgeError] = []
    if record.start_date_time is None:
        problems.append(MissingValue(f"'{names.start}' is required", field=names.start, obj=OBJ))
    if record.uom is None or not record.uom.strip():
        problems.append(MissingValue(f"'{names.uom}' is required", field=names.uom, obj=OBJ))
    if record.quantity is None:
        problems.append(MissingValue(f"'{names.quantity}' is required", field=names.quantity, obj=OBJ))
    else:
        problem = _quantity_problem(record.quantity, names.quantity)
        if problem:
            problems.append(problem)
    if record.description is not None and len(record.description) > MAX_DESCRIPTION:
        problems.append(
            InvalidValue(
                f"'{names.description}' must be at most {MAX_DESCRIPTION} characters",
                field=names.description,
                obj=OBJ,
            )
        )
    account = _account(record, lookups, names, problems)
    subscription = _subscription(record, lookups, names, account, problems)
    charge = _charge(record, lookups, names, account, subscription, problems)
    uom = (record.uom or "").strip()
    if uom:
        if charge is not None and (charge.uom or "").casefold() != uom.casefold():
            problems.append(
                InvalidValue(
                    f"'{names.uom}' {uom!r} is not the unit of measure of charge "
                    f"{charge.charge_number} ({charge.uom!r})",
                    field=names.uom,
                    obj=OBJ,
                )
            )
        elif uom.casefold() not in lookups.uoms:
            problems.append(
                InvalidValue(
                    f"'{names.uom}' {uom!r} is not a unit of measure of any charge of this tenant",
                    field=names.uom,
                    obj=OBJ,
                )
            )
    start = _to_wall_time(record.start_date_time, zone) if record.start_date_time is not None else None
    end = _to_wall_time(record.end_date_time, zone) if record.end_date_time is not None else None
    if start is not None and end is not None and end < start:
        problems.append(
            InvalidValue(f"'{names.end}' {end} is before '{names.start}' {start}", field=names.end, obj=OBJ)
        )
    if problems:
        raise ErrorList(problems)
    assert account is not None and start is not None and record.quantity is not None  # noqa: S101 - checked above
    now = ctx.now()
    return {
        "id": new_id(),
        "entity_id": ctx.entity_id,
        "account_id": account.id,
        "subscription_id": subscription.id
        if subscription is not None
        else (charge.subscription_id if charge else None),
        "charge_id": charge.id if charge is not None else None,
        "uom": charge.uom if charge is not None and charge.uom else uom,
        "quantity": record.quantity,
        "start_date": start.date(),
        "start_date_time": start,
        "end_date_time": end,
        "description": record.description,
        "unique_key": record.unique_key,
        "source_type": SOURCE_IMPORT if import_id else SOURCE_API,
        "import_id": import_id,
        "invoice_id": None,
        "extra": dict(record.extra),
        "created_at": now,
        "updated_at": now,
        "created_by_id": ctx.actor_id,
        "updated_by_id": ctx.actor_id,
    }


def _account(record: UsageInput, lookups: _Lookups, names: _Names, problems: list[BillforgeError]) -> Any:
    if record.account_id is None and record.account_number is None:
        problems.append(
            MissingValue(
                f"'{names.account_id}' or '{names.account_number}' is required"
                if names.account_id != names.account_number
                else f"'{names.account_id}' is required",
                field=names.account_id,
                obj=OBJ,
            )
        )
        return None
    by_id = next((a for a in lookups.accounts if a.id == record.account_id), None) if record.account_id else None
    by_number = (
        next((a for a in lookups.accounts if a.account_number == record.account_number), None)
        if record.account_number
        else None
    )
    if record.account_id is not None and by_id is None:
        problems.append(
            UnknownReference(
                f"'{names.account_id}' {record.account_id!r} is not an account", field=names.account_id, obj=OBJ
            )
        )
        return None
    if record.account_number is not None and by_number is None:
        problems.append(
            UnknownReference(
                f"'{names.account_number}' {record.account_number!r} is not an account number",
                field=names.account_number,
                obj=OBJ,
            )
        )
        return None
    if by_id is not None and by_number is not None and by_id.id != by_number.id:
        problems.append(
            InvalidValue(
                f"'{names.account_id}' and '{names.account_number}' name different accounts",
                field=names.account_number,
                obj=OBJ,
            )
        )
        return None
    return by_id or by_number


def _subscription(
    record: UsageInput, lookups: _Lookups, names: _Names, account: Row[Any] | None, problems: list[BillforgeError]
) -> Any:
    if record.subscription_id is None and record.subscription_number is None:
        return None
    by_id = (
        next((s for s in lookups.subscriptions if s.id == record.subscription_id), None)
        if record.subscription_id
        else None
    )
    by_number = (
        next((s for s in lookups.subscriptions if s.subscription_number == record.subscription_number), None)
        if record.subscription_number
        else None
    )
    key, where = (
        (record.subscription_id, names.subscription_id)
        if record.subscription_id is not None
        else (record.subscription_number, names.subscription_number)
    )
    found = by_id if record.subscription_id is not None else by_number
    if found is None:
        problems.append(UnknownReference(f"'{where}' {key!r} is not a subscription", field=where, obj=OBJ))
        return None
    if record.subscription_id is not None and record.subscription_number is not None and found is not by_number:
        problems.append(
            InvalidValue(
                f"'{names.subscription_id}' and '{names.subscription_number}' name different subscriptions",
                field=names.subscription_number,
                obj=OBJ,
            )
        )
        return None
    if account is not None and found.account_id != account.id:
        problems.append(
            InvalidValue(
                f"'{where}' {key!r} is not a subscription of account {account.account_number}", field=where, obj=OBJ
            )
        )
        return None
    return found


def _charge(
    record: UsageInput,
    lookups: _Lookups,
    names: _Names,
    account: Row[Any] | None,
    subscription: Row[Any] | None,
    problems: list[BillforgeError],
) -> Any:
    if record.charge_id is None and record.charge_number is None:
        return None
    key, where = (
        (record.charge_id, names.charge_id)
        if record.charge_id is not None
        else (record.charge_number, names.charge_number)
    )
    found = next(
        (
            c
            for c in lookups.charges
            if (record.charge_id is not None and c.id == record.charge_id)
            or (record.charge_id is None and c.charge_number == record.charge_number)
        ),
        None,
    )
    if found is None:
        problems.append(UnknownReference(f"'{where}' {key!r} is not a rate plan charge", field=where, obj=OBJ))
        return None
    if (
        record.charge_id is not None
        and record.charge_number is not None
        and found.charge_number != record.charge_number
    ):
        problems.append(
            InvalidValue(
                f"'{names.charge_id}' and '{names.charge_number}' name different charges",
                field=names.charge_number,
                obj=OBJ,
            )
        )
        return None
    if found.charge_type != ChargeType.USAGE.value:
        problems.append(
            InvalidValue(f"'{where}' {key!r} is a {found.charge_type} charge, not a usage charge", field=where, obj=OBJ)
        )
        return None
    if account is not None and found.account_id != account.id:
        problems.append(
            InvalidValue(f"'{where}' {key!r} is not a charge of account {account.account_number}", field=where, obj=OBJ)
        )
        return None
    if subscription is not None and found.subscription_id != subscription.id:
        problems.append(
            InvalidValue(
                f"'{where}' {key!r} is not a charge of subscription {subscription.subscription_number}",
                field=where,
                obj=OBJ,
            )
        )
        return None
    return found


# --- the Usage object ----------------------------------------------------------------------------


def create_usage(*, db: Database, ctx: Context, data: UsageInput) -> str:
    with db.write() as conn:
        zone = tenant_settings.load(conn, ctx.entity_id).zone
        row = _resolve(data, _look_up(conn, ctx.entity_id, [data]), OBJECT_NAMES, zone, ctx, None)
        conn.execute(insert(tb.usage), [row])
        return str(row["id"])


def _find(conn: Connection, entity_id: str, usage_id: str, *, lock: bool = False) -> Row[Any]:
    query = select(tb.usage).where(tb.usage.c.entity_id == entity_id, tb.usage.c.id == usage_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no usage record with id {usage_id!r}", field="Id", obj=OBJ)
    return row


def get_usage(*, db: Database, ctx: Context, usage_id: str) -> UsageView:
    with db.read() as conn:
        row = _find(conn, ctx.entity_id, usage_id)
        account_number = conn.execute(
            select(t.accounts.c.account_number).where(t.accounts.c.id == row.account_id)
        ).scalar_one()
        subscription_number = (
            conn.execute(
                select(tb.subscriptions.c.subscription_number).where(tb.subscriptions.c.id == row.subscription_id)
            ).scalar_one_or_none()
            if row.subscription_id
            else None
        )
        charge_number = (
            conn.execute(
                select(tb.rate_plan_charges.c.charge_number).where(tb.rate_plan_charges.c.id == row.charge_id)
            ).scalar_one_or_none()
            if row.charge_id
            else None
        )
        billed = billing.is_billed(conn, row.invoice_id)
        invoice_number = (
            conn.execute(
                select(t.invoices.c.invoice_number).where(t.invoices.c.id == row.invoice_id)
            ).scalar_one_or_none()
            if billed
            else None
        )
        return UsageView(
            row=row,
            account_number=str(account_number),
            subscription_number=subscription_number,
            charge_number=charge_number,
            invoice_id=row.invoice_id if billed else None,
            invoice_number=invoice_number,
            time_zone=tenant_settings.load(conn, ctx.entity_id).time_zone,
        )


def _refuse_if_billed(conn: Connection, row: Row[Any], action: str) -> None:
    if billing.is_billed(conn, row.invoice_id):
        number = conn.execute(select(t.invoices.c.invoice_number).where(t.invoices.c.id == row.invoice_id)).scalar_one()
        raise RuleRestriction(
            f"usage record {row.id} was billed on invoice {number}: billed usage cannot be {action} "
            "(cancel or delete the invoice first)",
            field="RbeStatus",
            obj=OBJ,
            code=ErrorCode.CANNOT_DELETE if action == "deleted" else ErrorCode.INVALID_VALUE,
        )


def update_usage(*, db: Database, ctx: Context, usage_id: str, changes: UsageChanges) -> str:
    with db.write() as conn:
        row = _find(conn, ctx.entity_id, usage_id, lock=True)
        _refuse_if_billed(conn, row, "changed")
        zone = tenant_settings.load(conn, ctx.entity_id).zone
        merged = UsageInput(
            start_date_time=changes.start_date_time or row.start_date_time,
            uom=changes.uom if changes.uom is not None else row.uom,
            quantity=changes.quantity if changes.quantity is not None else row.quantity,
            account_id=row.account_id,
            subscription_id=row.subscription_id,
            charge_id=row.charge_id,
            end_date_time=changes.end_date_time or row.end_date_time,
            description=changes.description if changes.description is not None else row.description,
        )
        resolved = _resolve(merged, _look_up(conn, ctx.entity_id, [merged]), OBJECT_NAMES, zone, ctx, row.import_id)
        conn.execute(
            update(tb.usage)
            .where(tb.usage.c.id == row.id)
            .values(
                uom=resolved["uom"],
                quantity=resolved["quantity"],
                start_date=resolved["start_date"],
                start_date_time=resolved["start_date_time"],
                end_date_time=resolved["end_date_time"],
                description=resolved["description"],
                invoice_id=None,
                updated_at=ctx.now(),
                updated_by_id=ctx.actor_id,
            )
        )
        return str(row.id)


def delete_usage(*, db: Database, ctx: Context, usage_id: str) -> None:
    with db.write() as conn:
        row = _find(conn, ctx.entity_id, usage_id, lock=True)
        _refuse_if_billed(conn, row, "deleted")
        conn.execute(delete(tb.usage).where(tb.usage.c.id == row.id))


# --- uploads -------------------------------------------------------------------------------------


def _csv_date(value: str, column: str) -> datetime:
    text = value.strip()
    for fmt in (
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d",
    ):
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - a wall-clock time in the tenant's time zone
        except ValueError:
            continue
    raise InvalidValue(f"'{column}' {value!r} is not a date in MM/DD/YYYY format", field=column, obj=OBJ)


def _csv_quantity(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidValue(f"'QTY' {value!r} is not a number", field="QTY", obj=OBJ) from None
    if not number.is_finite():
        raise InvalidValue(f"'QTY' {value!r} is not a number", field="QTY", obj=OBJ)
    return number


def _read_csv(content: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """The rows (by upper-cased column name) and the header; file-level problems raise."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidValue("the usage file is not UTF-8 encoded CSV", field="file", obj=OBJ) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise MissingValue(
            "the usage file is empty: it needs a header row and at least one record", field="file", obj=OBJ
        ) from None
    except csv.Error as exc:
        raise InvalidValue(f"the usage file is not valid CSV: {exc}", field="file", obj=OBJ) from None
    columns = [c.strip().upper() for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise MissingValue(
            f"the usage file lacks the column(s) {', '.join(missing)}; its header must have "
            f"{', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})",
            field="file",
            obj=OBJ,
        )
    unknown = [c for c in columns if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidValue(f"the usage file has unknown column(s) {', '.join(unknown)}", field="file", obj=OBJ)
    rows: list[dict[str, str]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            rows.append({column: (values[i] if i < len(values) else "") for i, column in enumerate(columns)})
    except csv.Error as exc:
        raise InvalidValue(f"the usage file is not valid CSV: {exc}", field="file", obj=OBJ) from None
    if not rows:
        raise MissingValue("the usage file has no usage records", field="file", obj=OBJ)
    return rows, columns


def _csv_record(row: dict[str, str]) -> UsageInput:
    problems: list[BillforgeError] = []

    def text(column: str) -> str | None:
        value = row.get(column, "").strip()
        return value or None

    start = end = None
    quantity = None
    try:
        start = _csv_date(row["STARTDATE"], "STARTDATE") if text("STARTDATE") else None
    except BillforgeError as error:
        problems.append(error)
    try:
        end = _csv_date(row["ENDDATE"], "ENDDATE") if text("ENDDATE") else None
    except BillforgeError as error:
        problems.append(error)
    try:
        quantity = _csv_quantity(row["QTY"]) if text("QTY") else None
    except BillforgeError as error:
        problems.append(error)
    if problems:
        raise ErrorList(problems)
    return UsageInput(
        start_date_time=start,
        uom=text("UOM"),
        quantity=quantity,
        account_number=text("ACCOUNT_ID"),
        subscription_number=text("SUBSCRIPTION_ID"),
        charge_number=text("CHARGE_ID"),
        end_date_time=end,
        description=text("DESCRIPTION"),
        unique_key=text("UNIQUE_KEY"),
    )


def upload_usage(*, db: Database, ctx: Context, file_name: str | None, content: bytes) -> ImportView:
    """Import a usage file. File-level problems raise; row problems fail the import (nothing is
    stored) and are described in its status message."""
    if file_name is not None and len(file_name) > MAX_FILE_NAME:
        raise InvalidValue(
            f"the usage file's name must be at most {MAX_FILE_NAME} characters, got {len(file_name)}",
            field="file",
            obj=OBJ,
        )
    extension = file_name.rpartition(".")[2].lower() if file_name and "." in file_name else None
    if extension is not None and extension != "csv":
        raise InvalidValue(
            f"the usage file must be a CSV file (.csv), got {file_name!r}: Excel and zip uploads are not supported",
            field="file",
            obj=OBJ,
        )
    if len(content) > MAX_FILE_BYTES:
        raise InvalidValue(
            f"the usage file has {len(content)} bytes; at most {MAX_FILE_BYTES} (4 MB) are allowed",
            field="file",
            obj=OBJ,
        )
    rows, _ = _read_csv(content)
    with db.write() as conn:
        zone = tenant_settings.load(conn, ctx.entity_id).zone
        import_id = new_id()
        records: list[UsageInput | BillforgeError] = []
        for row in rows:
            try:
                records.append(_csv_record(row))
            except BillforgeError as error:
                records.append(error)
        lookups = _look_up(conn, ctx.entity_id, [r for r in records if isinstance(r, UsageInput)])
        stored: list[dict[str, Any]] = []
        errors: list[str] = []
        for line, record in enumerate(records, start=2):
            try:
                if isinstance(record, BillforgeError):
                    raise record
                stored.append(_resolve(record, lookups, CSV_NAMES, zone, ctx, import_id))
            except BillforgeError as error:
                errors.extend(f"line {line}: {e.message}" for e in flatten(error))
        now = ctx.now()
        status, message = (FAILED, "; ".join(errors)) if errors else (COMPLETED, None)
        conn.execute(
            insert(tb.usage_imports),
            [
                {
                    "id": import_id,
                    "entity_id": ctx.entity_id,
                    "file_name": file_name,
                    "size": len(content),
                    "status": status,
                    "record_count": 0 if errors else len(stored),
                    "message": message,
                    "created_at": now,
                    "updated_at": now,
                    "created_by_id": ctx.actor_id,
                    "updated_by_id": ctx.actor_id,
                }
            ],
        )
        if not errors:
            conn.execute(insert(tb.usage), stored)
        stored_import = conn.execute(select(tb.usage_imports).where(tb.usage_imports.c.id == import_id)).one()
        return ImportView(stored_import, tenant_settings.load(conn, ctx.entity_id).time_zone)


def get_import(*, db: Database, ctx: Context, import_id: str) -> ImportView:
    with db.read() as conn:
        row = conn.execute(
            select(tb.usage_imports).where(
                tb.usage_imports.c.entity_id == ctx.entity_id, tb.usage_imports.c.id == import_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no usage import with id {import_id!r}", field="import-id", obj=OBJ)
        return ImportView(row, tenant_settings.load(conn, ctx.entity_id).time_zone)

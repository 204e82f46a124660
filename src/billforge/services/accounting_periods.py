"""Accounting periods (``/v1/accounting-periods``), with Zuora's rules.

- Periods are contiguous and never overlap: the first one may start on any date up to the
  entity's earliest invoice date (no transaction may fall before the first period); every later
  one starts the day after the latest period ends. The end date is on or after the start date.
- Only the earliest period's start date and only the latest period's end date can change (any
  other change would open a gap or an overlap), and only while the period is open.
- A period is closed only when every earlier period is closed, and reopened only when no later
  period is closed (so the latest closed period is the only one that can reopen).
- Only the latest period can be deleted, and only while it is open.
- Names are 1 to 100 characters and unique in the entity; the fiscal year has four digits and
  the fiscal quarter is 1 to 4.
- An invoice dated inside a closed period is refused (``closed_period_for``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services import tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.settings import lock, raise_all, usable_key

OBJ: Final = "accountingPeriod"
OPEN: Final = "Open"
CLOSED: Final = "Closed"
NAME_MAX: Final = 100
NOTES_MAX: Final = 255


@dataclass(slots=True)
class PeriodInput:
    name: str
    start_date: date
    end_date: date
    fiscal_year: int
    fiscal_quarter: int | None = None
    notes: str | None = None


@dataclass(slots=True)
class PeriodChanges:
    """Fields to change; ``None`` leaves a field as it is, ``notes=""`` clears the notes."""

    name: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodList:
    periods: list[Row[Any]]
    time_zone: str


def _field_problems(
    name: str | None, fiscal_year: int | None, fiscal_quarter: int | None, notes: str | None
) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if name is not None and not name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj=OBJ))
    elif name is not None and (len(name) > NAME_MAX or "\x00" in name):
        problems.append(InvalidValue(f"'name' must be 1 to {NAME_MAX} characters", field="name", obj=OBJ))
    if fiscal_year is not None and not 1000 <= fiscal_year <= 9999:
        problems.append(InvalidValue("'fiscalYear' must be a year in yyyy format", field="fiscalYear", obj=OBJ))
    if fiscal_quarter is not None and not 1 <= fiscal_quarter <= 4:
        problems.append(InvalidValue("'fiscalQuarter' must be 1, 2, 3 or 4", field="fiscalQuarter", obj=OBJ))
    if notes is not None and (len(notes) > NOTES_MAX or "\x00" in notes):
        problems.append(InvalidValue(f"'notes' must be at most {NOTES_MAX} characters", field="notes", obj=OBJ))
    return problems


def _periods(conn: Connection, entity_id: str) -> list[Row[Any]]:
    ap = t.accounting_periods
    return list(conn.execute(select(ap).where(ap.c.entity_id == entity_id).order_by(ap.c.start_date)))


def _earliest_invoice_date(conn: Connection, entity_id: str) -> date | None:
    value: date | None = conn.execute(
        select(func.min(t.invoices.c.invoice_date)).where(t.invoices.c.entity_id == entity_id)
    ).scalar()
    return value


def _name_taken(conn: Connection, entity_id: str, name: str, except_id: str | None = None) -> bool:
    ap = t.accounting_periods
    query = select(ap.c.id).where(ap.c.entity_id == entity_id, ap.c.name == name)
    if except_id is not None:
        query = query.where(ap.c.id != except_id)
    return conn.execute(query).first() is not None


def _find(conn: Connection, entity_id: str, period_id: str) -> Row[Any]:
    usable_key(period_id, field="ap-id", obj=OBJ, what="accounting period")
    ap = t.accounting_periods
    row = conn.execute(select(ap).where(ap.c.entity_id == entity_id, ap.c.id == period_id)).first()
    if row is None:
        raise NotFound(f"'ap-id': no accounting period with id {period_id!r}", field="ap-id", obj=OBJ)
    return row


def create_period(*, db: Database, ctx: Context, data: PeriodInput) -> str:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        problems = _field_problems(data.name, data.fiscal_year, data.fiscal_quarter, data.notes)
        if data.end_date < data.start_date:
            problems.append(
                InvalidValue(
                    f"'endDate' {data.end_date} must be on or after 'startDate' {data.start_date}",
                    field="endDate",
                    obj=OBJ,
                )
            )
        if not problems and _name_taken(conn, ctx.entity_id, data.name):
            problems.append(
                RuleRestriction(
                    f"'name': an accounting period named {data.name!r} already exists", field="name", obj=OBJ
                )
            )
        periods = _periods(conn, ctx.entity_id)
        if periods:
            latest = periods[-1]
            if latest.end_date == date.max:
                problems.append(
                    RuleRestriction(
                        f"'startDate': the latest period {latest.name!r} never ends, so no period can follow it",
                        field="startDate",
                        obj=OBJ,
                    )
                )
            elif data.start_date != latest.end_date + timedelta(days=1):
                problems.append(
                    RuleRestriction(
                        f"'startDate' must be {latest.end_date + timedelta(days=1)}, the day after the latest period "
                        f"{latest.name!r} ends: accounting periods are contiguous and never overlap",
                        field="startDate",
                        obj=OBJ,
                    )
                )
        else:
            earliest = _earliest_invoice_date(conn, ctx.entity_id)
            if earliest is not None and data.start_date > earliest:
                problems.append(
                    RuleRestriction(
                        f"'startDate' of the first accounting period must be on or before {earliest}, "
                        "the date of the earliest invoice",
                        field="startDate",
                        obj=OBJ,
                    )
                )
        raise_all(problems)
        period_id = new_id()
        now = ctx.now()
        conn.execute(
            insert(t.accounting_periods).values(
                id=period_id,
                entity_id=ctx.entity_id,
                name=data.name,
                start_date=data.start_date,
                end_date=data.end_date,
                status=OPEN,
                fiscal_year=data.fiscal_year,
                fiscal_quarter=data.fiscal_quarter,
                notes=data.notes or None,
                created_at=now,
                updated_at=now,
                created_by_id=ctx.actor_id,
                updated_by_id=ctx.actor_id,
            )
        )
        return period_id


def list_periods(*, db: Database, ctx: Context) -> PeriodList:
    """Every period of the entity, in ascending order of start date."""
    with db.read() as conn:
        return PeriodList(_periods(conn, ctx.entity_id), tenant_settings.load(conn, ctx.entity_id).time_zone)


def get_period(*, db: Database, ctx: Context, period_id: str) -> PeriodList:
    """The one period (as a one-element list, with the tenant's time zone for its timestamps)."""
    with db.read() as conn:
        return PeriodList([_find(conn, ctx.entity_id, period_id)], tenant_settings.load(conn, ctx.entity_id).time_zone)


def update_period(*, db: Database, ctx: Context, period_id: str, changes: PeriodChanges) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find(conn, ctx.entity_id, period_id)
        problems = _field_problems(changes.name, changes.fiscal_year, changes.fiscal_quarter, changes.notes)
        if changes.name is not None and not problems and _name_taken(conn, ctx.entity_id, changes.name, row.id):
            problems.append(
                RuleRestriction(
                    f"'name': an accounting period named {changes.name!r} already exists", field="name", obj=OBJ
                )
            )
        periods = _periods(conn, ctx.entity_id)
        start = changes.start_date if changes.start_date is not None else row.start_date
        end = changes.end_date if changes.end_date is not None else row.end_date
        moves_start = changes.start_date is not None and changes.start_date != row.start_date
        moves_end = changes.end_date is not None and changes.end_date != row.end_date
        if (moves_start or moves_end) and row.status == CLOSED:
            problems.append(
                RuleRestriction(
                    f"the dates of the closed period {row.name!r} cannot change; reopen it first",
                    field="startDate" if moves_start else "endDate",
                    obj=OBJ,
                )
            )
        elif moves_start and periods[0].id != row.id:
            problems.append(
                RuleRestriction(
                    "'startDate' can change only on the earliest accounting period "
                    f"({periods[0].name!r}); periods are contiguous",
                    field="startDate",
                    obj=OBJ,
                )
            )
        elif moves_end and periods[-1].id != row.id:
            problems.append(
                RuleRestriction(
                    f"'endDate' can change only on the latest accounting period ({periods[-1].name!r}); "
                    "periods are contiguous",
                    field="endDate",
                    obj=OBJ,
                )
            )
        elif end < start:
            problems.append(
                InvalidValue(f"'endDate' {end} must be on or after 'startDate' {start}", field="endDate", obj=OBJ)
            )
        elif moves_start:
            earliest = _earliest_invoice_date(conn, ctx.entity_id)
            if earliest is not None and start > earliest:
                problems.append(
                    RuleRestriction(
                        f"'startDate' of the first accounting period must be on or before {earliest}, "
                        "the date of the earliest invoice",
                        field="startDate",
                        obj=OBJ,
                    )
                )
        raise_all(problems)
        values: dict[str, Any] = {"updated_at": ctx.now(), "updated_by_id": ctx.actor_id}
        for name in ("name", "start_date", "end_date", "fiscal_year", "fiscal_quarter"):
            if getattr(changes, name) is not None:
                values[name] = getattr(changes, name)
        if changes.notes is not None:
            values["notes"] = changes.notes or None
        conn.execute(update(t.accounting_periods).where(t.accounting_periods.c.id == row.id).values(values))


def delete_period(*, db: Database, ctx: Context, period_id: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find(conn, ctx.entity_id, period_id)
        periods = _periods(conn, ctx.entity_id)
        if periods[-1].id != row.id:
            raise RuleRestriction(
                f"'ap-id': only the latest accounting period ({periods[-1].name!r}) can be deleted",
                field="ap-id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            )
        if row.status == CLOSED:
            raise RuleRestriction(
                f"'ap-id': the accounting period {row.name!r} is closed; reopen it before deleting it",
                field="ap-id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            )
        conn.execute(delete(t.accounting_periods).where(t.accounting_periods.c.id == row.id))


def close_period(*, db: Database, ctx: Context, period_id: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find(conn, ctx.entity_id, period_id)
        if row.status == CLOSED:
            raise RuleRestriction(
                f"'ap-id': the accounting period {row.name!r} is already closed", field="ap-id", obj=OBJ
            )
        still_open = [
            p.name for p in _periods(conn, ctx.entity_id) if p.start_date < row.start_date and p.status != CLOSED
        ]
        if still_open:
            raise RuleRestriction(
                f"'ap-id': the accounting period {row.name!r} cannot close while earlier periods are open: "
                f"{', '.join(still_open)}",
                field="ap-id",
                obj=OBJ,
            )
        conn.execute(
            update(t.accounting_periods)
            .where(t.accounting_periods.c.id == row.id)
            .values(status=CLOSED, updated_at=ctx.now(), updated_by_id=ctx.actor_id)
        )


def reopen_period(*, db: Database, ctx: Context, period_id: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find(conn, ctx.entity_id, period_id)
        if row.status != CLOSED:
            raise RuleRestriction(f"'ap-id': the accounting period {row.name!r} is not closed", field="ap-id", obj=OBJ)
        later_closed = [
            p.name for p in _periods(conn, ctx.entity_id) if p.start_date > row.start_date and p.status == CLOSED
        ]
        if later_closed:
            raise RuleRestriction(
                f"'ap-id': the accounting period {row.name!r} cannot reopen while later periods are closed: "
                f"{', '.join(later_closed)}; only the latest closed period can reopen",
                field="ap-id",
                obj=OBJ,
            )
        conn.execute(
            update(t.accounting_periods)
            .where(t.accounting_periods.c.id == row.id)
            .values(status=OPEN, updated_at=ctx.now(), updated_by_id=ctx.actor_id)
        )


def closed_period_for(conn: Connection, *, entity_id: str, dates: Iterable[date]) -> dict[date, str]:
    """For each date inside a closed period, that period's name; dates in no closed period are absent.

    One query: the closed periods overlapping the span of the dates, matched in memory.
    """
    wanted = set(dates)
    if not wanted:
        return {}
    ap = t.accounting_periods
    closed = conn.execute(
        select(ap.c.name, ap.c.start_date, ap.c.end_date).where(
            ap.c.entity_id == entity_id,
            ap.c.status == CLOSED,
            ap.c.start_date <= max(wanted),
            ap.c.end_date >= min(wanted),
        )
    ).all()
    found: dict[date, str] = {}
    for day in wanted:
        for period in closed:
            if period.start_date <= day <= period.end_date:
                found[day] = period.name
                break
    return found


def closed_period_error(day: date, period_name: str, *, field: str = "invoiceDate") -> RuleRestriction:
    """The refusal for a document dated in a closed accounting period."""
    return RuleRestriction(
        f"'{field}' {day} falls in the closed accounting period {period_name!r}",
        field=field,
        obj="invoice",
        code=ErrorCode.ACCOUNTING_PERIOD_CLOSED,
    )


def ensure_open(conn: Connection, *, entity_id: str, day: date, field: str = "invoiceDate") -> None:
    """Refuse a date inside a closed accounting period (ACCOUNTING_PERIOD_CLOSED)."""
    closed = closed_period_for(conn, entity_id=entity_id, dates=[day])
    if closed:
        raise closed_period_error(day, closed[day], field=field)

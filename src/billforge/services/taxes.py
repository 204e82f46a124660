"""Tax codes and their rates for Zuora-calculated tax (``/settings/tax-codes/ztax``).

Rules:
- a tax code has a name (1 to 64 characters, unique in the entity: products and invoice items
  refer to it by name), a description and an active flag; only active codes tax anything;
- a rate has a name (the tax, e.g. ``VAT``), a type — ``Percentage``, a decimal fraction from 0
  to 1 (7% is 0.07), or ``FlatFee``, a non-negative amount — with at most 9 decimals, and an
  optional jurisdiction, location code, country, state, description and effective dates;
- a rate applies to an item when the item's date is within its effective dates (either end may
  be open) and its country and state are empty or equal, ignoring case and surrounding spaces,
  to the sold-to contact's;
- two rates with the same name, country, state and location code may not be effective on the
  same day (the tax would be charged twice);
- a code used by a product rate plan charge cannot be renamed or deleted;
- ``PUT`` with ``taxRates`` replaces the code's whole list of rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, func, insert, or_, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.types import PRICE_SCALE
from billforge.domain.tax import TaxRate, TaxRateType
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services.context import Context, new_id
from billforge.services.settings import lock, raise_all, usable_key

OBJ: Final = "taxCode"
CODE_NAME_MAX: Final = 64
RATES_PER_CODE: Final = 100
FLAT_FEE_MAX: Final = Decimal("999999999")
RATE_QUANTUM: Final = Decimal(1).scaleb(-PRICE_SCALE)
_TEXT_LIMITS: Final = (
    ("name", "name", 128),
    ("jurisdiction", "jurisdiction", 100),
    ("country", "country", 64),
    ("state", "state", 64),
    ("location_code", "locationCode", 64),
    ("description", "description", 255),
)


@dataclass(frozen=True, slots=True)
class TaxRateInput:
    name: str
    rate: Decimal
    rate_type: str  # Percentage | FlatFee
    jurisdiction: str | None = None
    country: str | None = None
    state: str | None = None
    location_code: str | None = None
    description: str | None = None
    effective_start_date: date | None = None
    effective_end_date: date | None = None


@dataclass(slots=True)
class TaxCodeInput:
    name: str
    description: str | None = None
    active: bool = True
    rates: list[TaxRateInput] = field(default_factory=list)


@dataclass(slots=True)
class TaxCodeChanges:
    """Fields to change; ``None`` leaves a field as it is; ``rates`` replaces every rate."""

    name: str | None = None
    description: str | None = None
    active: bool | None = None
    rates: list[TaxRateInput] | None = None


@dataclass(frozen=True, slots=True)
class TaxCodeView:
    code: Row[Any]
    rates: list[Row[Any]]


# --- matching (pure) ------------------------------------------------------------------------


def _same(rule: str | None, actual: str | None) -> bool:
    """An empty rule matches anything; otherwise equal ignoring case and surrounding spaces."""
    if rule is None or not rule.strip():
        return True
    return actual is not None and rule.strip().casefold() == actual.strip().casefold()


def rate_applies(
    *,
    effective_start_date: date | None,
    effective_end_date: date | None,
    rate_country: str | None,
    rate_state: str | None,
    on_date: date,
    country: str | None,
    state: str | None,
) -> bool:
    """Whether a rate taxes an item dated ``on_date`` sold to a contact in ``country``/``state``."""
    if effective_start_date is not None and on_date < effective_start_date:
        return False
    if effective_end_date is not None and on_date > effective_end_date:
        return False
    return _same(rate_country, country) and _same(rate_state, state)


def _overlap(a: TaxRateInput, b: TaxRateInput) -> bool:
    start = max(a.effective_start_date or date.min, b.effective_start_date or date.min)
    end = min(a.effective_end_date or date.max, b.effective_end_date or date.max)
    return start <= end


def _identity(rate: TaxRateInput) -> tuple[str, ...]:
    return tuple((v or "").strip().casefold() for v in (rate.name, rate.country, rate.state, rate.location_code))


# --- validation -----------------------------------------------------------------------------


def _rate_problems(rates: Sequence[TaxRateInput]) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if len(rates) > RATES_PER_CODE:
        return [InvalidValue(f"'taxRates' must contain at most {RATES_PER_CODE} rates", field="taxRates", obj=OBJ)]
    types = [r.value for r in TaxRateType]
    for i, rate in enumerate(rates):
        where = f"taxRates[{i}]"
        if not rate.name.strip():
            problems.append(MissingValue(f"'{where}.name' must not be blank", field=f"{where}.name", obj=OBJ))
        for attribute, rest_name, limit in _TEXT_LIMITS:
            value: str | None = getattr(rate, attribute)
            if value is not None and (len(value) > limit or "\x00" in value):
                problems.append(
                    InvalidValue(
                        f"'{where}.{rest_name}' must be at most {limit} characters",
                        field=f"{where}.{rest_name}",
                        obj=OBJ,
                    )
                )
        if rate.rate_type not in types:
            problems.append(
                InvalidValue(f"'{where}.taxRateType' must be one of {types}", field=f"{where}.taxRateType", obj=OBJ)
            )
        elif not rate.rate.is_finite():
            problems.append(
                InvalidValue(f"'{where}.taxRate' must be a finite number", field=f"{where}.taxRate", obj=OBJ)
            )
        elif rate.rate_type == TaxRateType.PERCENTAGE and not 0 <= rate.rate <= 1:
            problems.append(
                InvalidValue(
                    f"'{where}.taxRate' {rate.rate} must be a decimal fraction between 0 and 1 for a Percentage "
                    "rate (7% is 0.07)",
                    field=f"{where}.taxRate",
                    obj=OBJ,
                )
            )
        elif rate.rate_type == TaxRateType.FLAT_FEE and not 0 <= rate.rate <= FLAT_FEE_MAX:
            problems.append(
                InvalidValue(
                    f"'{where}.taxRate' must be between 0 and {FLAT_FEE_MAX} for a FlatFee rate",
                    field=f"{where}.taxRate",
                    obj=OBJ,
                )
            )
        elif rate.rate != rate.rate.quantize(RATE_QUANTUM):
            problems.append(
                InvalidValue(
                    f"'{where}.taxRate' must have at most {PRICE_SCALE} decimal places",
                    field=f"{where}.taxRate",
                    obj=OBJ,
                )
            )
        start, end = rate.effective_start_date, rate.effective_end_date
        if start is not None and end is not None and end < start:
            problems.append(
                InvalidValue(
                    f"'{where}.effectiveEndDate' {end} must be on or after 'effectiveStartDate' {start}",
                    field=f"{where}.effectiveEndDate",
                    obj=OBJ,
                )
            )
        for j in range(i):
            other = rates[j]
            if _identity(other) == _identity(rate) and _overlap(other, rate):
                problems.append(
                    RuleRestriction(
                        f"'{where}': rate {rate.name!r} is effective on the same days as taxRates[{j}] for the same "
                        "country, state and location code; the tax would be charged twice",
                        field=where,
                        obj=OBJ,
                    )
                )
                break
    return problems


def _code_problems(name: str | None, description: str | None) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if name is not None and not name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj=OBJ))
    elif name is not None and (len(name) > CODE_NAME_MAX or "\x00" in name):
        problems.append(InvalidValue(f"'name' must be 1 to {CODE_NAME_MAX} characters", field="name", obj=OBJ))
    if description is not None and (len(description) > 255 or "\x00" in description):
        problems.append(InvalidValue("'description' must be at most 255 characters", field="description", obj=OBJ))
    return problems


def _name_taken(conn: Connection, entity_id: str, name: str, except_id: str | None = None) -> bool:
    query = select(t.tax_codes.c.id).where(t.tax_codes.c.entity_id == entity_id, t.tax_codes.c.name == name)
    if except_id is not None:
        query = query.where(t.tax_codes.c.id != except_id)
    return conn.execute(query).first() is not None


def _charges_using(conn: Connection, entity_id: str, name: str) -> int:
    charges = t.product_rate_plan_charges
    count: int = conn.execute(
        select(func.count()).where(charges.c.entity_id == entity_id, charges.c.tax_code == name)
    ).scalar_one()
    return count


# --- create, read, update, delete -----------------------------------------------------------


def _insert_rates(conn: Connection, entity_id: str, code_id: str, rates: Sequence[TaxRateInput]) -> None:
    if not rates:
        return
    conn.execute(
        insert(t.tax_rates),
        [
            {
                "id": new_id(),
                "entity_id": entity_id,
                "tax_code_id": code_id,
                "position": position,
                "name": r.name,
                "rate": r.rate,
                "rate_type": r.rate_type,
                "jurisdiction": r.jurisdiction or None,
                "country": r.country or None,
                "state": r.state or None,
                "location_code": r.location_code or None,
                "description": r.description or None,
                "effective_start_date": r.effective_start_date,
                "effective_end_date": r.effective_end_date,
            }
            for position, r in enumerate(rates)
        ],
    )


def _view(conn: Connection, entity_id: str, code_id: str) -> TaxCodeView:
    code = _find(conn, entity_id, code_id)
    rates = list(
        conn.execute(select(t.tax_rates).where(t.tax_rates.c.tax_code_id == code.id).order_by(t.tax_rates.c.position))
    )
    return TaxCodeView(code, rates)


def _find(conn: Connection, entity_id: str, code_id: str) -> Row[Any]:
    usable_key(code_id, field="id", obj=OBJ, what="tax code")
    row = conn.execute(
        select(t.tax_codes)
        .where(t.tax_codes.c.entity_id == entity_id, or_(t.tax_codes.c.id == code_id, t.tax_codes.c.name == code_id))
        # an id match wins over a code that happens to be named like an id
        .order_by((t.tax_codes.c.id == code_id).desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"'id': no tax code with id or name {code_id!r}", field="id", obj=OBJ)
    return row


def list_tax_codes(*, db: Database, ctx: Context) -> list[Row[Any]]:
    with db.read() as conn:
        return list(
            conn.execute(
                select(t.tax_codes).where(t.tax_codes.c.entity_id == ctx.entity_id).order_by(t.tax_codes.c.name)
            )
        )


def create_tax_code(*, db: Database, ctx: Context, data: TaxCodeInput) -> TaxCodeView:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        problems = _code_problems(data.name, data.description) + _rate_problems(data.rates)
        if not problems and _name_taken(conn, ctx.entity_id, data.name):
            problems.append(
                RuleRestriction(f"'name': a tax code named {data.name!r} already exists", field="name", obj=OBJ)
            )
        raise_all(problems)
        code_id = new_id()
        now = ctx.now()
        conn.execute(
            insert(t.tax_codes).values(
                id=code_id,
                entity_id=ctx.entity_id,
                name=data.name,
                description=data.description or None,
                active=data.active,
                created_at=now,
                updated_at=now,
                created_by_id=ctx.actor_id,
                updated_by_id=ctx.actor_id,
            )
        )
        _insert_rates(conn, ctx.entity_id, code_id, data.rates)
        return _view(conn, ctx.entity_id, code_id)


def get_tax_code(*, db: Database, ctx: Context, tax_code_id: str) -> TaxCodeView:
    with db.read() as conn:
        return _view(conn, ctx.entity_id, tax_code_id)


def update_tax_code(*, db: Database, ctx: Context, tax_code_id: str, changes: TaxCodeChanges) -> TaxCodeView:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        code = _find(conn, ctx.entity_id, tax_code_id)
        problems = _code_problems(changes.name, changes.description)
        if changes.rates is not None:
            problems.extend(_rate_problems(changes.rates))
        renamed = changes.name is not None and changes.name != code.name
        if renamed and not problems:
            if _name_taken(conn, ctx.entity_id, str(changes.name), except_id=code.id):
                problems.append(
                    RuleRestriction(f"'name': a tax code named {changes.name!r} already exists", field="name", obj=OBJ)
                )
            used = _charges_using(conn, ctx.entity_id, code.name)
            if used:
                problems.append(
                    RuleRestriction(
                        f"'name': the tax code {code.name!r} is used by {used} product rate plan charge(s) "
                        "and cannot be renamed",
                        field="name",
                        obj=OBJ,
                    )
                )
        raise_all(problems)
        values: dict[str, Any] = {"updated_at": ctx.now(), "updated_by_id": ctx.actor_id}
        if changes.name is not None:
            values["name"] = changes.name
        if changes.description is not None:
            values["description"] = changes.description or None
        if changes.active is not None:
            values["active"] = changes.active
        conn.execute(update(t.tax_codes).where(t.tax_codes.c.id == code.id).values(values))
        if changes.rates is not None:
            conn.execute(delete(t.tax_rates).where(t.tax_rates.c.tax_code_id == code.id))
            _insert_rates(conn, ctx.entity_id, code.id, changes.rates)
        return _view(conn, ctx.entity_id, code.id)


def delete_tax_code(*, db: Database, ctx: Context, tax_code_id: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        code = _find(conn, ctx.entity_id, tax_code_id)
        used = _charges_using(conn, ctx.entity_id, code.name)
        if used:
            raise RuleRestriction(
                f"'id': the tax code {code.name!r} is used by {used} product rate plan charge(s) and cannot be deleted",
                field="id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            )
        conn.execute(delete(t.tax_rates).where(t.tax_rates.c.tax_code_id == code.id))
        conn.execute(delete(t.tax_codes).where(t.tax_codes.c.id == code.id))


def add_tax_rate(
    *, db: Database, ctx: Context, code_name: str, rate: TaxRateInput, description: str | None = None
) -> TaxCodeView:
    """Append a rate to the code named ``code_name``, creating the (active) code when it is new."""
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        existing = conn.execute(
            select(t.tax_codes).where(t.tax_codes.c.entity_id == ctx.entity_id, t.tax_codes.c.name == code_name)
        ).first()
        if existing is None:
            raise_all(_code_problems(code_name, description) + _rate_problems([rate]))
            code_id = new_id()
            now = ctx.now()
            conn.execute(
                insert(t.tax_codes).values(
                    id=code_id,
                    entity_id=ctx.entity_id,
                    name=code_name,
                    description=description or None,
                    active=True,
                    created_at=now,
                    updated_at=now,
                    created_by_id=ctx.actor_id,
                    updated_by_id=ctx.actor_id,
                )
            )
            _insert_rates(conn, ctx.entity_id, code_id, [rate])
            return _view(conn, ctx.entity_id, code_id)
        current = _view(conn, ctx.entity_id, existing.id)
        rates = [_as_input(r) for r in current.rates] + [rate]
        raise_all(_code_problems(None, description) + _rate_problems(rates))
        if description is not None:
            conn.execute(
                update(t.tax_codes).where(t.tax_codes.c.id == existing.id).values(description=description or None)
            )
        conn.execute(delete(t.tax_rates).where(t.tax_rates.c.tax_code_id == existing.id))
        _insert_rates(conn, ctx.entity_id, existing.id, rates)
        return _view(conn, ctx.entity_id, existing.id)


def _as_input(row: Row[Any]) -> TaxRateInput:
    return TaxRateInput(
        name=row.name,
        rate=row.rate,
        rate_type=row.rate_type,
        jurisdiction=row.jurisdiction,
        country=row.country,
        state=row.state,
        location_code=row.location_code,
        description=row.description,
        effective_start_date=row.effective_start_date,
        effective_end_date=row.effective_end_date,
    )


# --- for the invoice services ---------------------------------------------------------------


def tax_rates_for(
    conn: Connection,
    *,
    entity_id: str,
    tax_codes: Iterable[str],
    on_date: date,
    country: str | None,
    state: str | None,
) -> dict[str, list[TaxRate]]:
    """The rates of each active code that apply on ``on_date`` to a sold-to contact in
    ``country``/``state``, in the order they were given; one query. Every active code asked for is
    a key (its list may be empty); inactive and unknown codes are absent."""
    names = {n for n in tax_codes if n}
    if not names:
        return {}
    codes, rates = t.tax_codes, t.tax_rates
    rows = conn.execute(
        select(
            codes.c.name.label("code_name"),
            codes.c.description.label("code_description"),
            rates.c.name,
            rates.c.rate,
            rates.c.rate_type,
            rates.c.jurisdiction,
            rates.c.location_code,
            rates.c.description,
            rates.c.country,
            rates.c.state,
            rates.c.effective_start_date,
            rates.c.effective_end_date,
        )
        .select_from(codes.outerjoin(rates, rates.c.tax_code_id == codes.c.id))
        .where(codes.c.entity_id == entity_id, codes.c.active.is_(True), codes.c.name.in_(names))
        .order_by(codes.c.name, rates.c.position)
    )
    found: dict[str, list[TaxRate]] = {}
    for row in rows:
        applying = found.setdefault(row.code_name, [])
        if row.name is None:  # a code without rates
            continue
        if rate_applies(
            effective_start_date=row.effective_start_date,
            effective_end_date=row.effective_end_date,
            rate_country=row.country,
            rate_state=row.state,
            on_date=on_date,
            country=country,
            state=state,
        ):
            applying.append(
                TaxRate(
                    name=row.name,
                    rate=row.rate,
                    rate_type=TaxRateType(row.rate_type),
                    tax_code=row.code_name,
                    jurisdiction=row.jurisdiction,
                    location_code=row.location_code,
                    tax_code_description=row.code_description,
                    description=row.description,
                )
            )
    return found


def active_tax_codes(conn: Connection, *, entity_id: str) -> set[str]:
    """The names of the entity's active tax codes."""
    return set(
        conn.execute(
            select(t.tax_codes.c.name).where(t.tax_codes.c.entity_id == entity_id, t.tax_codes.c.active.is_(True))
        ).scalars()
    )

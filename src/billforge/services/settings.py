"""Tenant settings that are not documents: billing rules, currencies, payment terms, seller.

Rules:
- every change is made under the entity's settings lock (``lock``), so two concurrent changes of
  one entity's settings never interleave (on PostgreSQL; SQLite has one writer anyway);
- the billing rules name a default currency and a default payment term: both must exist and be
  active, the default currency cannot be deactivated and the default term cannot be deactivated,
  renamed away from or deleted;
- a payment term used by an account cannot be renamed, deactivated or deleted (accounts keep the
  term by name, and billing needs its days);
- a currency has 0 to 4 minor units (amounts are stored with 4 decimals) and one of
  ``domain.money.ROUNDING_MODES``; ``PUT /settings/currencies/{code}`` adds a currency it does not
  know yet (ISO 4217 style: three capital letters);
- the time zone is an IANA name (``Europe/Paris``), the locale a Babel locale (``en_US``);
- for text fields, ``None`` leaves a value as it is and ``""`` clears it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Final
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.money import ROUNDING_MODES
from billforge.domain.rules import DayCountRule, ProrationUnit
from billforge.errors import BillforgeError, ErrorCode, ErrorList, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services import tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.tenant_settings import TenantSettings

KEY_MAX: Final = 255
MINOR_UNITS_MAX: Final = 4
DUE_DAYS_MAX: Final = 3650  # ten years
TERM_NAME_MAX: Final = 100
DESCRIPTION_MAX: Final = 255
_CURRENCY_CODE: Final = re.compile(r"^[A-Z]{3}$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- shared helpers -------------------------------------------------------------------------


def lock(conn: Connection, entity_id: str) -> None:
    """Take the entity's settings lock (its ``tenant_settings`` row) until the transaction ends."""
    found = conn.execute(
        select(t.tenant_settings.c.entity_id).where(t.tenant_settings.c.entity_id == entity_id).with_for_update()
    ).first()
    if found is None:
        raise NotFound(f"entity {entity_id!r} has no settings")


def usable_key(key: str, *, field: str, obj: str, what: str) -> str:
    """A key from a URL or a request, refused as not found when no stored key could equal it."""
    if not key or len(key) > KEY_MAX or "\x00" in key:
        raise NotFound(f"'{field}': no {what} with id {key[:KEY_MAX]!r}", field=field, obj=obj)
    return key


def raise_all(problems: list[BillforgeError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ErrorList(problems)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> bool:
    """An IANA time zone name known to this machine (``UTC``, ``Europe/Paris``)."""
    return name in _zones()


def valid_locale(name: str) -> bool:
    """A Babel-style locale identifier: ``en``, ``en_US``, ``de_CH``."""
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|\d{3}))?", name):
        return False
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return False
    return True


# --- billing rules --------------------------------------------------------------------------


@dataclass(slots=True)
class BillingRulesChanges:
    """Fields to change; ``None`` leaves a rule as it is."""

    proration_unit: str | None = None
    day_count: str | None = None
    default_bill_cycle_day: int | None = None
    time_zone: str | None = None
    default_currency: str | None = None
    default_payment_term: str | None = None
    invoice_settlement: bool | None = None


def get_settings(*, db: Database, ctx: Context) -> TenantSettings:
    with db.read() as conn:
        return tenant_settings.load(conn, ctx.entity_id)


def update_billing_rules(*, db: Database, ctx: Context, changes: BillingRulesChanges) -> TenantSettings:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        current = tenant_settings.load(conn, ctx.entity_id)
        problems: list[BillforgeError] = []
        values: dict[str, Any] = {}
        obj = "billingRules"
        if changes.proration_unit is not None:
            allowed = [u.value for u in ProrationUnit]
            if changes.proration_unit not in allowed:
                problems.append(
                    InvalidValue(f"'prorationUnit' must be one of {allowed}", field="prorationUnit", obj=obj)
                )
            values["proration_unit"] = changes.proration_unit
        if changes.day_count is not None:
            allowed = [r.value for r in DayCountRule]
            if changes.day_count not in allowed:
                problems.append(InvalidValue(f"'daysInMonth' must be one of {allowed}", field="daysInMonth", obj=obj))
            values["day_count"] = changes.day_count
        if changes.default_bill_cycle_day is not None:
            if not 1 <= changes.default_bill_cycle_day <= 31:
                problems.append(
                    InvalidValue("'defaultBillCycleDay' must be between 1 and 31", field="defaultBillCycleDay", obj=obj)
                )
            values["default_bill_cycle_day"] = changes.default_bill_cycle_day
        if changes.time_zone is not None:
            if not valid_time_zone(changes.time_zone):
                problems.append(
                    InvalidValue(
                        f"'timeZone' {changes.time_zone[:64]!r} is not an IANA time zone name (e.g. 'Europe/Paris')",
                        field="timeZone",
                        obj=obj,
                    )
                )
            values["time_zone"] = changes.time_zone
        if changes.default_currency is not None:
            if changes.default_currency not in current.active_currencies:
                problems.append(
                    InvalidValue(
                        f"'defaultCurrency' {changes.default_currency[:8]!r} is not an active currency of this tenant "
                        f"(active: {', '.join(sorted(current.active_currencies))})",
                        field="defaultCurrency",
                        obj=obj,
                    )
                )
            values["default_currency"] = changes.default_currency
        if changes.default_payment_term is not None:
            if changes.default_payment_term not in current.payment_terms:
                problems.append(
                    InvalidValue(
                        f"'defaultPaymentTerm' {changes.default_payment_term[:TERM_NAME_MAX]!r} "
                        "is not an active payment term",
                        field="defaultPaymentTerm",
                        obj=obj,
                    )
                )
            values["default_payment_term"] = changes.default_payment_term
        if changes.invoice_settlement is not None:
            values["invoice_settlement"] = changes.invoice_settlement
        raise_all(problems)
        if values:
            values["updated_at"] = ctx.now()
            conn.execute(update(t.tenant_settings).where(t.tenant_settings.c.entity_id == ctx.entity_id).values(values))
        if "default_payment_term" in values:
            terms = t.payment_terms
            conn.execute(
                update(terms)
                .where(terms.c.entity_id == ctx.entity_id)
                .values(is_default=terms.c.name == values["default_payment_term"])
            )
        return tenant_settings.load(conn, ctx.entity_id)


# --- currencies -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrencyView:
    code: str
    minor_units: int
    rounding_mode: str
    active: bool
    is_default: bool


@dataclass(slots=True)
class CurrencyChanges:
    """Fields to change; ``None`` leaves a field as it is (a new currency needs ``minor_units``)."""

    minor_units: int | None = None
    rounding_mode: str | None = None
    active: bool | None = None


def list_currencies(*, db: Database, ctx: Context) -> list[CurrencyView]:
    with db.read() as conn:
        return _currencies(conn, ctx.entity_id)


def _currencies(conn: Connection, entity_id: str) -> list[CurrencyView]:
    default = conn.execute(
        select(t.tenant_settings.c.default_currency).where(t.tenant_settings.c.entity_id == entity_id)
    ).scalar_one()
    rows = conn.execute(select(t.currencies).where(t.currencies.c.entity_id == entity_id).order_by(t.currencies.c.code))
    return [CurrencyView(r.code, r.minor_units, r.rounding_mode, r.active, r.code == default) for r in rows]


def put_currency(*, db: Database, ctx: Context, code: str, changes: CurrencyChanges) -> CurrencyView:
    """Change a currency, or add it when the tenant does not know it yet."""
    obj = "currency"
    if not _CURRENCY_CODE.match(code):
        raise InvalidValue(
            f"'currencyCode' {code[:8]!r} must be three capital letters (ISO 4217, e.g. 'CAD')",
            field="currencyCode",
            obj=obj,
        )
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = conn.execute(
            select(t.currencies).where(t.currencies.c.entity_id == ctx.entity_id, t.currencies.c.code == code)
        ).first()
        default = conn.execute(
            select(t.tenant_settings.c.default_currency).where(t.tenant_settings.c.entity_id == ctx.entity_id)
        ).scalar_one()
        problems: list[BillforgeError] = []
        if changes.minor_units is not None and not 0 <= changes.minor_units <= MINOR_UNITS_MAX:
            problems.append(
                InvalidValue(f"'decimalPlaces' must be between 0 and {MINOR_UNITS_MAX}", field="decimalPlaces", obj=obj)
            )
        if changes.rounding_mode is not None and changes.rounding_mode not in ROUNDING_MODES:
            problems.append(
                InvalidValue(f"'roundingMode' must be one of {list(ROUNDING_MODES)}", field="roundingMode", obj=obj)
            )
        if row is None and changes.minor_units is None:
            problems.append(
                MissingValue(f"'decimalPlaces' is required to add the currency {code}", field="decimalPlaces", obj=obj)
            )
        if changes.active is False and code == default:
            problems.append(
                RuleRestriction(
                    f"'active': {code} is the tenant's default currency and cannot be deactivated; "
                    "change 'defaultCurrency' in the billing rules first",
                    field="active",
                    obj=obj,
                )
            )
        raise_all(problems)
        if row is None:
            conn.execute(
                insert(t.currencies).values(
                    entity_id=ctx.entity_id,
                    code=code,
                    minor_units=changes.minor_units,
                    rounding_mode=changes.rounding_mode or "HALF_UP",
                    active=True if changes.active is None else changes.active,
                )
            )
        else:
            values = {
                name: value
                for name, value in (
                    ("minor_units", changes.minor_units),
                    ("rounding_mode", changes.rounding_mode),
                    ("active", changes.active),
                )
                if value is not None
            }
            if values:
                conn.execute(
                    update(t.currencies)
                    .where(t.currencies.c.entity_id == ctx.entity_id, t.currencies.c.code == code)
                    .values(values)
                )
        return next(c for c in _currencies(conn, ctx.entity_id) if c.code == code)


# --- payment terms --------------------------------------------------------------------------


@dataclass(slots=True)
class PaymentTermInput:
    name: str
    due_days: int
    description: str | None = None
    active: bool = True


@dataclass(slots=True)
class PaymentTermChanges:
    """Fields to change; ``None`` leaves a field as it is, ``description=""`` clears it."""

    name: str | None = None
    due_days: int | None = None
    description: str | None = None
    active: bool | None = None


def list_payment_terms(*, db: Database, ctx: Context) -> list[Row[Any]]:
    with db.read() as conn:
        return list(
            conn.execute(
                select(t.payment_terms)
                .where(t.payment_terms.c.entity_id == ctx.entity_id)
                .order_by(t.payment_terms.c.due_days, t.payment_terms.c.name)
            )
        )


def _term_problems(name: str | None, due_days: int | None, description: str | None) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    obj = "paymentTerm"
    if name is not None and not name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj=obj))
    elif name is not None and (len(name) > TERM_NAME_MAX or "\x00" in name):
        problems.append(InvalidValue(f"'name' must be at most {TERM_NAME_MAX} characters", field="name", obj=obj))
    if description is not None and (len(description) > DESCRIPTION_MAX or "\x00" in description):
        problems.append(
            InvalidValue(f"'description' must be at most {DESCRIPTION_MAX} characters", field="description", obj=obj)
        )
    if due_days is not None and not 0 <= due_days <= DUE_DAYS_MAX:
        problems.append(InvalidValue(f"'dueDays' must be between 0 and {DUE_DAYS_MAX}", field="dueDays", obj=obj))
    return problems


def _term_name_taken(conn: Connection, entity_id: str, name: str, except_id: str | None = None) -> bool:
    query = select(t.payment_terms.c.id).where(t.payment_terms.c.entity_id == entity_id, t.payment_terms.c.name == name)
    if except_id is not None:
        query = query.where(t.payment_terms.c.id != except_id)
    return conn.execute(query).first() is not None


def _accounts_using_term(conn: Connection, entity_id: str, name: str) -> int:
    count: int = conn.execute(
        select(func.count()).where(t.accounts.c.entity_id == entity_id, t.accounts.c.payment_term == name)
    ).scalar_one()
    return count


def create_payment_term(*, db: Database, ctx: Context, data: PaymentTermInput) -> Row[Any]:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        problems = _term_problems(data.name, data.due_days, data.description)
        if not problems and _term_name_taken(conn, ctx.entity_id, data.name):
            problems.append(
                RuleRestriction(
                    f"'name': a payment term named {data.name!r} already exists", field="name", obj="paymentTerm"
                )
            )
        raise_all(problems)
        term_id = new_id()
        conn.execute(
            insert(t.payment_terms).values(
                id=term_id,
                entity_id=ctx.entity_id,
                name=data.name,
                due_days=data.due_days,
                description=data.description or None,
                active=data.active,
                is_default=False,
            )
        )
        return _find_term(conn, ctx.entity_id, term_id)


def _find_term(conn: Connection, entity_id: str, term_id: str) -> Row[Any]:
    usable_key(term_id, field="id", obj="paymentTerm", what="payment term")
    row = conn.execute(
        select(t.payment_terms).where(t.payment_terms.c.entity_id == entity_id, t.payment_terms.c.id == term_id)
    ).first()
    if row is None:
        raise NotFound(f"'id': no payment term with id {term_id!r}", field="id", obj="paymentTerm")
    return row


def update_payment_term(*, db: Database, ctx: Context, term_id: str, changes: PaymentTermChanges) -> Row[Any]:
    obj = "paymentTerm"
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        term = _find_term(conn, ctx.entity_id, term_id)
        problems = _term_problems(changes.name, changes.due_days, changes.description)
        renamed = changes.name is not None and changes.name != term.name
        if renamed and not problems:
            if _term_name_taken(conn, ctx.entity_id, str(changes.name), except_id=term.id):
                problems.append(
                    RuleRestriction(
                        f"'name': a payment term named {changes.name!r} already exists", field="name", obj=obj
                    )
                )
        used = _accounts_using_term(conn, ctx.entity_id, term.name) if renamed or changes.active is False else 0
        if renamed and used:
            problems.append(
                RuleRestriction(
                    f"'name': the payment term {term.name!r} is used by {used} account(s) and cannot be renamed",
                    field="name",
                    obj=obj,
                )
            )
        if changes.active is False and term.is_default:
            problems.append(
                RuleRestriction(
                    f"'active': {term.name!r} is the default payment term and cannot be deactivated; "
                    "change 'defaultPaymentTerm' in the billing rules first",
                    field="active",
                    obj=obj,
                )
            )
        elif changes.active is False and used:
            problems.append(
                RuleRestriction(
                    f"'active': the payment term {term.name!r} is used by {used} account(s) and cannot be deactivated",
                    field="active",
                    obj=obj,
                )
            )
        raise_all(problems)
        values: dict[str, Any] = {}
        if changes.name is not None:
            values["name"] = changes.name
        if changes.due_days is not None:
            values["due_days"] = changes.due_days
        if changes.description is not None:
            values["description"] = changes.description or None
        if changes.active is not None:
            values["active"] = changes.active
        if values:
            conn.execute(update(t.payment_terms).where(t.payment_terms.c.id == term.id).values(values))
        if renamed and term.is_default:
            conn.execute(
                update(t.tenant_settings)
                .where(t.tenant_settings.c.entity_id == ctx.entity_id)
                .values(default_payment_term=changes.name, updated_at=ctx.now())
            )
        return _find_term(conn, ctx.entity_id, term.id)


def delete_payment_term(*, db: Database, ctx: Context, term_id: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        term = _find_term(conn, ctx.entity_id, term_id)
        if term.is_default:
            raise RuleRestriction(
                f"'id': {term.name!r} is the default payment term and cannot be deleted",
                field="id",
                obj="paymentTerm",
                code=ErrorCode.CANNOT_DELETE,
            )
        used = _accounts_using_term(conn, ctx.entity_id, term.name)
        if used:
            raise RuleRestriction(
                f"'id': the payment term {term.name!r} is used by {used} account(s) and cannot be deleted",
                field="id",
                obj="paymentTerm",
                code=ErrorCode.CANNOT_DELETE,
            )
        conn.execute(delete(t.payment_terms).where(t.payment_terms.c.id == term.id))


# --- seller ---------------------------------------------------------------------------------

# Seller field -> (column, REST name, maximum length)
SELLER_FIELDS: Final[dict[str, tuple[str, str, int]]] = {
    "name": ("seller_name", "name", 255),
    "address1": ("seller_address1", "address1", 255),
    "address2": ("seller_address2", "address2", 255),
    "city": ("seller_city", "city", 100),
    "state": ("seller_state", "state", 100),
    "postal_code": ("seller_postal_code", "postalCode", 20),
    "country": ("seller_country", "country", 64),
    "tax_id": ("seller_tax_id", "taxId", 64),
    "email": ("seller_email", "email", 255),
    "phone": ("seller_phone", "phone", 64),
    "locale": ("locale", "locale", 20),
}


@dataclass(slots=True)
class SellerChanges:
    """Fields to change; ``None`` leaves a field as it is, ``""`` clears it (not the locale)."""

    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    locale: str | None = None


def update_seller(*, db: Database, ctx: Context, changes: SellerChanges) -> TenantSettings:
    obj = "seller"
    problems: list[BillforgeError] = []
    values: dict[str, Any] = {}
    for f in fields(SellerChanges):
        value: str | None = getattr(changes, f.name)
        if value is None:
            continue
        column, rest_name, limit = SELLER_FIELDS[f.name]
        if len(value) > limit:
            problems.append(InvalidValue(f"'{rest_name}' must be at most {limit} characters", field=rest_name, obj=obj))
        elif "\x00" in value:
            problems.append(InvalidValue(f"'{rest_name}' must not contain NUL characters", field=rest_name, obj=obj))
        elif f.name == "locale" and not valid_locale(value):
            problems.append(
                InvalidValue(f"'locale' {value!r} is not a locale such as 'en_US' or 'de_CH'", field="locale", obj=obj)
            )
        elif f.name == "email" and value and not _EMAIL.match(value):
            problems.append(InvalidValue(f"'email' {value!r} is not an e-mail address", field="email", obj=obj))
        values[column] = value or None
    raise_all(problems)
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        if values:
            values["updated_at"] = ctx.now()
            conn.execute(update(t.tenant_settings).where(t.tenant_settings.c.entity_id == ctx.entity_id).values(values))
        return tenant_settings.load(conn, ctx.entity_id)

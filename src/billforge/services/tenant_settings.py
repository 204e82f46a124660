"""Reading a tenant's settings in one go: billing rules, currencies, payment terms, seller."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billforge.db import tables as t
from billforge.domain.money import Currency
from billforge.domain.rules import BillingRules, DayCountRule, ProrationUnit
from billforge.errors import NotFound


@dataclass(frozen=True, slots=True)
class Seller:
    name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    tax_id: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class TenantSettings:
    entity_id: str
    time_zone: str
    default_currency: str
    default_payment_term: str
    locale: str
    billing_rules: BillingRules
    active_currencies: dict[str, Currency]
    payment_terms: dict[str, int]  # active term name -> days until due
    seller: Seller

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def currency(self, code: str) -> Currency:
        return self.active_currencies[code]


def load(conn: Connection, entity_id: str) -> TenantSettings:
    row = conn.execute(select(t.tenant_settings).where(t.tenant_settings.c.entity_id == entity_id)).first()
    if row is None:
        raise NotFound(f"entity {entity_id!r} has no settings")
    currencies = {
        r.code: Currency(r.code, r.minor_units, r.rounding_mode)
        for r in conn.execute(
            select(t.currencies).where(t.currencies.c.entity_id == entity_id, t.currencies.c.active.is_(True))
        )
    }
    terms = {
        r.name: r.due_days
        for r in conn.execute(
            select(t.payment_terms.c.name, t.payment_terms.c.due_days).where(
                t.payment_terms.c.entity_id == entity_id, t.payment_terms.c.active.is_(True)
            )
        )
    }
    return TenantSettings(
        entity_id=entity_id,
        time_zone=row.time_zone,
        default_currency=row.default_currency,
        default_payment_term=row.default_payment_term,
        locale=row.locale,
        billing_rules=BillingRules(
            proration_unit=ProrationUnit(row.proration_unit),
            day_count=DayCountRule(row.day_count),
            default_bill_cycle_day=row.default_bill_cycle_day,
            invoice_settlement=row.invoice_settlement,
        ),
        active_currencies=currencies,
        payment_terms=terms,
        seller=Seller(
            name=row.seller_name,
            address1=row.seller_address1,
            address2=row.seller_address2,
            city=row.seller_city,
            state=row.seller_state,
            postal_code=row.seller_postal_code,
            country=row.seller_country,
            tax_id=row.seller_tax_id,
            email=row.seller_email,
            phone=row.seller_phone,
        ),
    )

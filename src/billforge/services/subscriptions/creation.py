"""Creating a subscription, in one write transaction: the account is locked, the rate plans are read
from the catalog, the subscription is assembled and checked by the domain
(``domain.subscription_assembly``, ``domain.subscription_rules``), numbered and stored set-wise,
and billed at once when asked.

Every problem found is reported at once (``ErrorList``), each naming the client's field; a charge
the billing core cannot bill is refused now, never at the first bill run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.catalog import PriceFormat
from billforge.domain.charge_definitions import ChargeDefinition
from billforge.domain.charge_override_rules import match_overrides
from billforge.domain.money import ZERO
from billforge.domain.subscription_assembly import copy_charge, subscription_fields
from billforge.domain.subscription_inputs import ChargeOverride, SubscriptionInput
from billforge.domain.subscription_rules import (
    OBJ,
    ProductRatePlan,
    account_problems,
    billable_problems,
    effective_problem,
    plan_for,
    price_problem,
    problem,
    term_problems,
)
from billforge.domain.subscriptions import Tier
from billforge.errors import (
    BillforgeError,
    ErrorList,
    InvalidValue,
    NotFound,
    RuleRestriction,
    UnknownReference,
)
from billforge.services import billing, catalog, counters, tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.subscriptions.billing_run import bill_now
from billforge.services.subscriptions.views import contract_values, find_subscription, view_of


@dataclass(frozen=True, slots=True)
class Created:
    subscription_id: str
    subscription_number: str
    invoice_id: str | None
    contracted_mrr: Decimal
    total_contracted_value: Decimal | None


@dataclass(slots=True)
class _NewCharge:
    """A rate plan charge row ready to insert, with its tiers and where the client described it."""

    row: dict[str, Any]
    tiers: list[dict[str, Any]]
    where: str


def create_subscription(*, db: Database, ctx: Context, data: SubscriptionInput) -> Created:
    with db.write() as conn:
        return _create(conn, ctx, data)


def _create(conn: Connection, ctx: Context, data: SubscriptionInput) -> Created:
    entity_id = ctx.entity_id
    problems = term_problems(data)
    account = _find_account(conn, entity_id, data.account_key)
    tenant = tenant_settings.load(conn, entity_id)
    problems += account_problems(
        data,
        account_id=account.id,
        account_number=account.account_number,
        status=account.status,
        currency=account.currency,
        active_currencies=tenant.active_currencies,
    )
    problems += _number_taken(conn, entity_id, data.subscription_number)
    if problems and any(p.field in ("termType", "subscribeToRatePlans") for p in problems):
        raise ErrorList(problems)

    now = ctx.now()
    subscription_row: dict[str, Any] = {
        "id": new_id(),
        "entity_id": entity_id,
        "account_id": account.id,
        **subscription_fields(data),
        **_stamps(ctx, now),
    }
    plan_rows, new_charges, found = _rate_plans(conn, ctx, data, account.currency, subscription_row["id"], now)
    problems += found
    if problems:
        raise ErrorList(problems)
    plan_by_id = {p["id"]: p for p in plan_rows}
    for new in new_charges:
        plan_row = plan_by_id[new.row["rate_plan_id"]]
        problems.extend(_check_charge(new, plan_row, subscription_row, account, tenant))
    problems += _charge_number_problems(conn, entity_id, new_charges)
    if problems:
        raise ErrorList(problems)

    _number(conn, entity_id, subscription_row, new_charges)
    conn.execute(insert(tb.subscriptions), [subscription_row])
    if plan_rows:
        conn.execute(insert(tb.rate_plans), plan_rows)
    if new_charges:
        conn.execute(insert(tb.rate_plan_charges), [c.row for c in new_charges])
    tier_rows = [x for c in new_charges for x in c.tiers]
    if tier_rows:
        conn.execute(insert(tb.rate_plan_charge_tiers), tier_rows)

    subscription_id = subscription_row["id"]
    invoice_id = bill_now(conn, ctx, account, tenant, subscription_id, data.billing)
    view = view_of(conn, ctx, find_subscription(conn, entity_id, subscription_id), account)
    mrr, tcv = contract_values(view)
    return Created(subscription_id, subscription_row["subscription_number"], invoice_id, mrr, tcv)


def _stamps(ctx: Context, now: datetime) -> dict[str, Any]:
    return {"created_at": now, "updated_at": now, "created_by_id": ctx.actor_id, "updated_by_id": ctx.actor_id}


# --- the account and the numbers -----------------------------------------------------------------


def _find_account(conn: Connection, entity_id: str, key: str) -> Row[Any]:
    try:
        return billing.lock_account(conn, entity_id, key, field_name="accountKey")
    except NotFound:
        raise UnknownReference(
            f"'accountKey' {key!r} is not the id or number of an account of this tenant", field="accountKey", obj=OBJ
        ) from None


def _number_taken(conn: Connection, entity_id: str, number: str | None) -> list[BillforgeError]:
    """A ``subscriptionNumber`` that another subscription already has."""
    if number is None or not number.strip():
        return []
    subs = tb.subscriptions
    taken = conn.execute(select(subs.c.id).where(subs.c.entity_id == entity_id, subs.c.subscription_number == number))
    if taken.first() is None:
        return []
    return [problem(RuleRestriction, "subscriptionNumber", f"{number!r} is already used by another subscription")]


def _charge_number_problems(
    conn: Connection, entity_id: str, new_charges: Sequence[_NewCharge]
) -> list[BillforgeError]:
    """The charge numbers the client chose: each once, and none that another charge has."""
    custom = [c.row["charge_number"] for c in new_charges if c.row["charge_number"]]
    if len(set(custom)) != len(custom):
        return [problem(InvalidValue, "subscribeToRatePlans", "two charges are given the same charge number")]
    if not custom:
        return []
    charges_t = tb.rate_plan_charges
    taken_numbers = set(
        conn.execute(
            select(charges_t.c.charge_number).where(
                charges_t.c.entity_id == entity_id, charges_t.c.charge_number.in_(custom)
            )
        ).scalars()
    )
    return [
        problem(RuleRestriction, f"{new.where}.number", f"charge number {new.row['charge_number']!r} is already used")
        for new in new_charges
        if new.row["charge_number"] in taken_numbers
    ]


def _numbers(conn: Connection, entity_id: str, *, name: str, pattern: str, column: Any, count: int) -> list[str]:
    """``count`` new numbers (``pattern`` % n) that no row of ``column``'s table uses yet."""
    return counters.free_keys(
        conn, entity_id=entity_id, kind=name, render=lambda n: pattern % n, column=column, count=count
    )


def _number(
    conn: Connection, entity_id: str, subscription_row: dict[str, Any], new_charges: Sequence[_NewCharge]
) -> None:
    """Zuora's numbers where the client gave none: ``A-S00000001`` and ``C-00000001``."""
    if not subscription_row["subscription_number"]:
        (subscription_row["subscription_number"],) = _numbers(
            conn,
            entity_id,
            name="subscription",
            pattern="A-S%08d",
            column=tb.subscriptions.c.subscription_number,
            count=1,
        )
    unnumbered = [c for c in new_charges if not c.row["charge_number"]]
    for new, number in zip(
        unnumbered,
        _numbers(
            conn,
            entity_id,
            name="charge",
            pattern="C-%08d",
            column=tb.rate_plan_charges.c.charge_number,
            count=len(unnumbered),
        ),
        strict=True,
    ):
        new.row["charge_number"] = number


# --- rate plans and their charges --------------------------------------------------------------


def _resolve_plans(conn: Connection, entity_id: str, data: SubscriptionInput) -> list[ProductRatePlan]:
    """The product rate plans the request names (by id or number), with their products."""
    plans, products = t.product_rate_plans, t.products
    requests = data.rate_plans
    ids = {r.product_rate_plan_id for r in requests if r.product_rate_plan_id}
    numbers = {r.product_rate_plan_number for r in requests if r.product_rate_plan_number}
    if not ids and not numbers:
        return []
    rows = conn.execute(
        select(
            plans.c.id,
            plans.c.product_rate_plan_number,
            plans.c.name,
            plans.c.effective_start_date,
            plans.c.effective_end_date,
            products.c.id.label("product_id"),
            products.c.name.label("product_name"),
            products.c.sku,
            products.c.effective_start_date.label("product_start"),
            products.c.effective_end_date.label("product_end"),
        )
        .join(products, products.c.id == plans.c.product_id)
        .where(
            plans.c.entity_id == entity_id,
            plans.c.id.in_(ids) | plans.c.product_rate_plan_number.in_(numbers),
        )
    )
    return [
        ProductRatePlan(
            r.id,
            r.product_rate_plan_number,
            r.name,
            r.product_id,
            r.product_name,
            r.sku,
            r.effective_start_date,
            r.effective_end_date,
            r.product_start,
            r.product_end,
        )
        for r in rows
    ]


def _rate_plans(
    conn: Connection, ctx: Context, data: SubscriptionInput, currency: str, subscription_id: str, now: datetime
) -> tuple[list[dict[str, Any]], list[_NewCharge], list[BillforgeError]]:
    """The rate plan rows, their charges copied from the catalog (overrides applied, priced in the
    account's ``currency``), and the problems found on the way."""
    plans = _resolve_plans(conn, ctx.entity_id, data)
    definitions = catalog.load_charges(conn, entity_id=ctx.entity_id, product_rate_plan_ids=[p.id for p in plans])
    plan_rows: list[dict[str, Any]] = []
    new_charges: list[_NewCharge] = []
    problems: list[BillforgeError] = []
    for index, request in enumerate(data.rate_plans):
        where = f"subscribeToRatePlans[{index}]"
        try:
            plan = plan_for(request, where, plans)
        except BillforgeError as error:
            problems.append(error)
            continue
        effective = effective_problem(plan, where, data.contract_effective_date)
        if effective is not None:
            problems.append(effective)
        plan_row: dict[str, Any] = {
            "id": new_id(),
            "entity_id": ctx.entity_id,
            "subscription_id": subscription_id,
            "position": index,
            "product_rate_plan_id": plan.id,
            "product_rate_plan_number": plan.number,
            "name": plan.name,
            "product_id": plan.product_id,
            "product_name": plan.product_name,
            "product_sku": plan.product_sku,
            **_stamps(ctx, now),
        }
        plan_rows.append(plan_row)
        charges = definitions.get(plan.id, [])
        matched = match_overrides(request.charge_overrides, charges, where, plan.name)
        problems.extend(matched.problems)
        for definition in charges:
            unpriced = price_problem(definition, plan.name, where, currency)
            if unpriced is not None:
                problems.append(unpriced)
                continue
            override = matched.by_charge.get(definition.id, ChargeOverride())
            row, tier_rows = _charge_rows(ctx, definition, override, currency, plan_row, len(new_charges), now)
            new_charges.append(_NewCharge(row, tier_rows, matched.where.get(definition.id, where)))
    return plan_rows, new_charges, problems


def _charge_rows(
    ctx: Context,
    definition: ChargeDefinition,
    override: ChargeOverride,
    currency: str,
    plan_row: dict[str, Any],
    position: int,
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The stored copy of a catalog charge (``domain.subscription_assembly.copy_charge``) and its tiers."""
    fields, tiers = copy_charge(definition, override, currency)
    charge_id = new_id()
    row = {
        "id": charge_id,
        "entity_id": ctx.entity_id,
        "subscription_id": plan_row["subscription_id"],
        "rate_plan_id": plan_row["id"],
        "position": position,
        **fields,
        **_stamps(ctx, now),
    }
    tier_rows = [
        {
            "id": new_id(),
            "entity_id": ctx.entity_id,
            "rate_plan_charge_id": charge_id,
            "tier": x.tier,
            "starting_unit": x.starting_unit,
            "ending_unit": x.ending_unit,
            "price": x.price,
            "price_format": x.price_format.value,
            "is_overage_price": x.is_overage_price,
        }
        for x in tiers
    ]
    return row, tier_rows


def _check_charge(
    new: _NewCharge,
    plan_row: dict[str, Any],
    subscription_row: dict[str, Any],
    account: Row[Any],
    tenant: tenant_settings.TenantSettings,
) -> list[BillforgeError]:
    """The charge about to be stored, read as the billing core reads a stored one, and asked what it
    bills (``domain.subscription_rules.billable_problems``)."""
    domain_tiers = [
        Tier(
            tier=x["tier"],
            starting_unit=x["starting_unit"] if x["starting_unit"] is not None else ZERO,
            ending_unit=x["ending_unit"],
            price=x["price"],
            price_format=PriceFormat(x["price_format"]),
            is_overage=x["is_overage_price"],
        )
        for x in new.tiers
    ]
    charge = billing.domain_charge(_FakeRow(new.row), _FakeRow(plan_row), domain_tiers)
    subscription = billing.domain_subscription(_FakeRow(subscription_row), [charge])
    return billable_problems(
        charge,
        subscription,
        rules=tenant.billing_rules,
        bill_cycle_day=account.bill_cycle_day,
        currency=tenant.active_currencies[account.currency],
        where=new.where,
    )


class _FakeRow:
    """Attribute access over a dict, so a row about to be inserted reads like a stored one."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

"""Generating an account's invoices from its subscriptions and usage (product.md, "What generate an
invoice means"): the one use case behind ``POST /v1/action/generate``, ``billing-documents/generate``,
``runBilling`` on a subscription, SOAP ``generate()`` and the bulk generator.

One write transaction per account:

1. lock the account row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
   already serialises writers), so two generations for one account run one after the other and the
   second sees what the first billed;
2. load the billing state set-wise: subscriptions, rate plans with their charges, tiers, usage and
   the ledger of billed periods (``charge_billings``) are one query each, whatever their number;
3. ask the pure billing core (``domain.generator.generate``) what is due and not yet billed;
4. number, store (``invoice_store.insert_invoices``) and record every item in the ledger, whose
   unique key turns any double billing that slipped past the lock into a conflict: the transaction
   is retried once the other writer has committed, and then finds nothing left to bill.

Generated invoices are Drafts (or Posted when asked), ``Source`` ``API`` and ``SourceType``
``Subscription``. Nothing to bill is an error (``INVALID_VALUE``), never an empty invoice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any, Final

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db import tables_billing as tb
from billforge.db.session import Database
from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    DiscountLevel,
    EndDateCondition,
    ListPriceBase,
    PriceFormat,
    TriggerEvent,
    Weekday,
)
from billforge.domain.generator import GeneratedInvoice, GeneratedItem, generate
from billforge.domain.invoices import InvoiceStatus, ItemDraft, ProcessingType, totals
from billforge.domain.money import ZERO
from billforge.domain.schedule import charged_through_date
from billforge.domain.standalone import due_date
from billforge.domain.subscriptions import (
    ACTIVE,
    Account,
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    TermType,
    Tier,
    UsageRecord,
)
from billforge.domain.tax import TaxMode, TaxRate
from billforge.domain.terms import RENEW_TO_EVERGREEN, add_term
from billforge.errors import ErrorCode, InvalidValue, LockContention, NotFound, RuleRestriction
from billforge.services import accounting_periods, accounts, numbering, taxes, tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.invoice_store import NewInvoice, insert_invoices

SOURCE: Final = "API"
SOURCE_TYPE: Final = "Subscription"
_CONFLICT_RETRIES: Final = 3


class NothingToBill(InvalidValue):
    """The account has no charge amount due on or before the target date that is not billed yet."""


# --- terms --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Renewal:
    term_start_date: date
    term_end_date: date | None
    current_term: int | None
    current_term_period_type: str
    term_type: str


def renewed_term(row: Row[Any] | Mapping[str, Any]) -> Renewal:
    """The current term after one renewal of a termed subscription."""
    data = row._mapping if isinstance(row, Row) else row
    start = data["term_end_date"]
    if data["renewal_setting"] == RENEW_TO_EVERGREEN:
        return Renewal(start, None, None, data["renewal_term_period_type"], TermType.EVERGREEN.value)
    end = add_term(start, data["renewal_term"], data["renewal_term_period_type"])
    return Renewal(start, end, data["renewal_term"], data["renewal_term_period_type"], TermType.TERMED.value)


# --- reading the billing state --------------------------------------------------------------------


_BILLING_PERIODS: Final[dict[str, BillingPeriod]] = {
    **{p.value: p for p in BillingPeriod},
    "Semi_Annual": BillingPeriod.SEMI_ANNUAL,
    "Specific_Months": BillingPeriod.SPECIFIC_MONTHS,
    "Specific_Weeks": BillingPeriod.SPECIFIC_WEEKS,
    "Specific_Days": BillingPeriod.SPECIFIC_DAYS,
    "Subscription_Term": BillingPeriod.SUBSCRIPTION_TERM,
}


def charge_types_of(apply_discount_to: str | None) -> frozenset[ChargeType]:
    """Zuora's ``applyDiscountTo`` (``ONETIMERECURRING``, ...) as the charge types it names."""
    if not apply_discount_to:
        return frozenset(ChargeType)
    value = "".join(c for c in apply_discount_to.upper() if c.isalpha())
    found = {
        kind
        for kind, word in (
            (ChargeType.ONE_TIME, "ONETIME"),
            (ChargeType.RECURRING, "RECURRING"),
            (ChargeType.USAGE, "USAGE"),
        )
        if word in value
    }
    return frozenset(found) or frozenset(ChargeType)


def _tier(row: Row[Any]) -> Tier:
    return Tier(
        tier=row.tier,
        starting_unit=row.starting_unit if row.starting_unit is not None else ZERO,
        ending_unit=row.ending_unit,
        price=row.price,
        price_format=PriceFormat(row.price_format),
        is_overage=row.is_overage_price,
    )


def domain_charge(row: Any, plan: Any, tiers: Sequence[Tier]) -> RatePlanCharge:
    """A stored rate plan charge (a row, or anything with its column attributes) as the billing core
    sees it."""
    specific_trigger = row.trigger_event == TriggerEvent.SPECIFIC_DATE.value
    return RatePlanCharge(
        charge_id=row.id,
        charge_number=row.charge_number,
        name=row.name,
        charge_type=ChargeType(row.charge_type),
        charge_model=ChargeModel(row.charge_model),
        price=row.price,
        tiers=tuple(tiers),
        quantity=row.quantity,
        included_units=row.included_units if row.included_units is not None else ZERO,
        discount_percentage=row.discount_percentage,
        discount_amount=row.discount_amount,
        discount_level=DiscountLevel(row.discount_level) if row.discount_level else DiscountLevel.RATE_PLAN,
        apply_discount_to=charge_types_of(row.apply_discount_to),
        uom=row.uom,
        billing_period=_BILLING_PERIODS[row.billing_period] if row.billing_period else BillingPeriod.MONTH,
        specific_billing_period=row.specific_billing_period,
        list_price_base=ListPriceBase(row.list_price_base) if row.list_price_base else ListPriceBase.PER_BILLING_PERIOD,
        billing_timing=BillingTiming(row.billing_timing) if row.billing_timing else BillingTiming.IN_ADVANCE,
        bill_cycle_type=BillCycleType(row.bill_cycle_type),
        bill_cycle_day=row.bill_cycle_day,
        weekly_bill_cycle_day=Weekday(row.weekly_bill_cycle_day) if row.weekly_bill_cycle_day else None,
        billing_period_alignment=BillingPeriodAlignment(row.billing_period_alignment)
        if row.billing_period_alignment
        else BillingPeriodAlignment.ALIGN_TO_CHARGE,
        trigger_event=TriggerEvent.CONTRACT_EFFECTIVE if specific_trigger else TriggerEvent(row.trigger_event),
        effective_start_date=row.trigger_date if specific_trigger else None,
        end_date_condition=EndDateCondition(row.end_date_condition),
        up_to_periods=row.up_to_periods,
        specific_end_date=row.specific_end_date,
        tax_code=row.tax_code if row.taxable and row.tax_code else None,
        tax_mode=TaxMode(row.tax_mode) if row.tax_mode else TaxMode.EXCLUSIVE,
        product_rate_plan_charge_id=row.product_rate_plan_charge_id,
        rate_plan_id=plan.id,
        rate_plan_name=plan.name,
        product_name=plan.product_name,
        description=row.description or "",
    )


def domain_subscription(row: Any, charges: Sequence[RatePlanCharge]) -> Subscription:
    return Subscription(
        subscription_id=row.id,
        number=row.subscription_number,
        contract_effective_date=row.contract_effective_date,
        service_activation_date=row.service_activation_date,
        customer_acceptance_date=row.customer_acceptance_date,
        term_type=TermType(row.term_type),
        term_start_date=row.term_start_date,
        term_end_date=row.term_end_date,
        cancelled_date=row.cancelled_date,
        invoice_separately=row.invoice_separately,
        charges=tuple(charges),
    )


@dataclass(frozen=True)
class BillingState:
    """Everything stored about an account's (or some subscriptions') billing, read set-wise."""

    subscriptions: list[Row[Any]]
    plans: dict[str, Row[Any]]
    charges: list[Row[Any]]
    tiers: dict[str, list[Tier]]
    billed: list[Row[Any]]

    @cached_property
    def _by_subscription(self) -> dict[str, list[Row[Any]]]:
        found: dict[str, list[Row[Any]]] = defaultdict(list)
        for charge in self.charges:
            found[charge.subscription_id].append(charge)
        return found

    def charge_rows_of(self, subscription_id: str) -> list[Row[Any]]:
        return self._by_subscription.get(subscription_id, [])

    def domain(self, subscription: Row[Any]) -> Subscription:
        charges = [
            domain_charge(c, self.plans[c.rate_plan_id], self.tiers.get(c.id, ()))
            for c in self.charge_rows_of(subscription.id)
        ]
        return domain_subscription(subscription, charges)


def load_state(
    conn: Connection,
    *,
    entity_id: str,
    account_id: str | None = None,
    subscription_ids: Iterable[str] | None = None,
    with_ledger: bool = True,
) -> BillingState:
    """Subscriptions (of an account, or by id), their rate plans, charges, tiers and billed items:
    one query per table."""
    subs, plans, charges, tiers = tb.subscriptions, tb.rate_plans, tb.rate_plan_charges, tb.rate_plan_charge_tiers
    scope = [subs.c.entity_id == entity_id]
    if account_id is not None:
        scope.append(subs.c.account_id == account_id)
    if subscription_ids is not None:
        scope.append(subs.c.id.in_(set(subscription_ids)))
    subscription_rows = list(conn.execute(select(subs).where(*scope).order_by(subs.c.subscription_number)))
    if not subscription_rows:
        return BillingState([], {}, [], {}, [])
    ids = [s.id for s in subscription_rows]
    plan_rows = {
        r.id: r for r in conn.execute(select(plans).where(plans.c.subscription_id.in_(ids)).order_by(plans.c.position))
    }
    charge_rows = list(
        conn.execute(
            select(charges)
            .where(charges.c.subscription_id.in_(ids))
            .order_by(charges.c.subscription_id, charges.c.position)
        )
    )
    tier_rows: dict[str, list[Tier]] = defaultdict(list)
    for row in conn.execute(
        select(tiers)
        .join(charges, charges.c.id == tiers.c.rate_plan_charge_id)
        .where(charges.c.subscription_id.in_(ids))
        .order_by(tiers.c.rate_plan_charge_id, tiers.c.is_overage_price, tiers.c.tier)
    ):
        tier_rows[row.rate_plan_charge_id].append(_tier(row))
    billed: list[Row[Any]] = []
    if with_ledger:
        ledger = tb.charge_billings
        billed = list(conn.execute(select(ledger).where(ledger.c.subscription_id.in_(ids))))
    return BillingState(subscription_rows, plan_rows, charge_rows, dict(tier_rows), billed)


def billed_item(row: Row[Any]) -> BilledItem:
    return BilledItem(
        row.rate_plan_charge_id, row.service_start, row.service_end, row.amount, ItemKind(row.kind), row.quantity
    )


@dataclass(frozen=True, slots=True)
class ChargeDates:
    charged_through_date: date | None
    processed_through_date: date | None


def charge_dates(state: BillingState) -> dict[str, ChargeDates]:
    """Each charge's charged-through date (the first day not billed, net of credits) and
    processed-through date (for a charge billed in advance, the start of its last billed period;
    otherwise the charged-through date)."""
    by_charge: dict[str, list[BilledItem]] = defaultdict(list)
    for row in state.billed:
        by_charge[row.rate_plan_charge_id].append(billed_item(row))
    out: dict[str, ChargeDates] = {}
    for charge in state.charges:
        items = by_charge.get(charge.id, [])
        through = charged_through_date(items)
        processed = through
        advance = charge.charge_type == ChargeType.RECURRING.value and charge.billing_timing in (
            None,
            BillingTiming.IN_ADVANCE.value,
        )
        if through is not None and advance:
            starts = [i.service_start for i in items if i.kind is not ItemKind.CREDIT and i.service_start < through]
            processed = max(starts) if starts else through
        out[charge.id] = ChargeDates(through, processed)
    return out


# --- generating ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    invoice_date: date
    target_date: date
    includes_one_time: bool = True
    includes_recurring: bool = True
    includes_usage: bool = True
    subscription_ids: tuple[str, ...] | None = None
    auto_post: bool = False
    auto_renew: bool = True
    source_type: str = SOURCE_TYPE


def generate_invoices(
    *,
    db: Database,
    ctx: Context,
    account_key: str,
    invoice_date: date,
    target_date: date,
    includes_one_time: bool = True,
    includes_recurring: bool = True,
    includes_usage: bool = True,
    subscription_ids: Sequence[str] | None = None,
    auto_post: bool = False,
    auto_renew: bool = True,
    account_field: str = "accountKey",
) -> list[str]:
    """Bill everything of the account due on or before ``target_date`` and not billed yet; the ids
    of the invoices made, the account's combined invoice first, then one per invoice-separately
    subscription in subscription number order. Raises ``NotFound`` for an unknown account,
    ``NothingToBill`` when nothing is due, ``RuleRestriction`` (ACCOUNTING_PERIOD_CLOSED) when the
    invoice date is in a closed accounting period. ``auto_renew``: renew auto-renew subscriptions
    whose term ends on or before the target date (Zuora renews them when their term ends)."""
    options = GenerateOptions(
        invoice_date=invoice_date,
        target_date=target_date,
        includes_one_time=includes_one_time,
        includes_recurring=includes_recurring,
        includes_usage=includes_usage,
        subscription_ids=tuple(subscription_ids) if subscription_ids is not None else None,
        auto_post=auto_post,
        auto_renew=auto_renew,
    )
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with db.write() as conn:
                account = lock_account(conn, ctx.entity_id, account_key, field_name=account_field)
                return bill_account(conn, ctx, account=account, options=options, account_field=account_field)
        except IntegrityError:
            # Another writer billed the same periods from the same snapshot and committed first.
            if attempt == _CONFLICT_RETRIES - 1:
                raise LockContention(
                    f"account {account_key!r} is being billed by another request; try again", field=account_field
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def lock_account(conn: Connection, entity_id: str, key: str, *, field_name: str = "accountKey") -> Row[Any]:
    """The account by id or number, locked for this transaction (PostgreSQL ``FOR UPDATE``)."""
    accounts = t.accounts
    row = conn.execute(
        select(accounts)
        .where(accounts.c.entity_id == entity_id, (accounts.c.id == key) | (accounts.c.account_number == key))
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"'{field_name}' {key!r} is not the id or number of an account", field=field_name, obj="account")
    return row


def bill_account(
    conn: Connection, ctx: Context, *, account: Row[Any], options: GenerateOptions, account_field: str = "accountKey"
) -> list[str]:
    """Generate and store the account's invoices inside the caller's transaction (the account row
    is already locked). Returns the invoice ids, first invoice first. A Draft account is refused."""
    accounts.check_billable(account, field_name=account_field)
    entity_id = ctx.entity_id
    tenant = tenant_settings.load(conn, entity_id)
    closed = accounting_periods.closed_period_for(conn, entity_id=entity_id, dates=[options.invoice_date])
    if options.invoice_date in closed:
        raise RuleRestriction(
            f"'InvoiceDate' {options.invoice_date} falls in the closed accounting period "
            f"{closed[options.invoice_date]!r}: invoices cannot be dated in a closed period",
            field="invoiceDate",
            obj="invoice",
            code=ErrorCode.ACCOUNTING_PERIOD_CLOSED,
        )
    currency = tenant.active_currencies.get(account.currency)
    if currency is None:
        raise InvalidValue(
            f"account {account.account_number} bills in {account.currency}, which is not an active currency",
            field="currency",
            obj="account",
        )
    state = load_state(conn, entity_id=entity_id, account_id=account.id, subscription_ids=options.subscription_ids)
    if options.subscription_ids is not None:
        missing = set(options.subscription_ids) - {s.id for s in state.subscriptions}
        if missing:
            raise InvalidValue(
                f"subscriptions {sorted(missing)} are not subscriptions of account {account.account_number}",
                field="subscriptionIds",
                obj="subscription",
            )
    if options.auto_renew:
        state = _renew_due(conn, ctx, state, options.target_date)
    subscriptions = [state.domain(s) for s in state.subscriptions]
    usage_rows = _usage_rows(conn, entity_id, account.id, options) if options.includes_usage else []
    usage_records = _usage_records(usage_rows, state)
    tax_codes = {c.tax_code for s in subscriptions for c in s.charges if c.tax_code}
    rates = _tax_rates(conn, entity_id, account, tax_codes, options.invoice_date)
    generated = generate(
        account=Account(account.id, account.bill_cycle_day, account.currency, account.account_number),
        subscriptions=subscriptions,
        usage=usage_records,
        billed=[billed_item(r) for r in state.billed],
        target_date=options.target_date,
        invoice_date=options.invoice_date,
        includes_one_time=options.includes_one_time,
        includes_recurring=options.includes_recurring,
        includes_usage=options.includes_usage,
        rules=tenant.billing_rules,
        currency=currency,
        tax_rates=rates,
    )
    generated = [g for g in generated if g.items]
    if not generated:
        raise NothingToBill(
            f"account {account.account_number} has nothing to bill on or before target date {options.target_date}",
            field="targetDate",
            obj="invoice",
        )
    term_days = tenant.payment_terms.get(account.payment_term, 0)
    invoices = [_new_invoice(g, account, options, term_days, state.plans, ctx) for g in generated]
    numbers = numbering.allocate_invoice_numbers(
        conn, entity_id=entity_id, sequence_set_id=account.sequence_set_id, count=len(invoices)
    )
    for invoice, number in zip(invoices, numbers, strict=True):
        invoice.invoice_number = number
    now = ctx.now()
    insert_invoices(conn, invoices, entity_id=entity_id, actor_id=ctx.actor_id, now=now)
    _record(conn, ctx, account, state, generated, invoices, usage_rows, usage_records)
    return [invoice.id for invoice in invoices]


def _renew_due(conn: Connection, ctx: Context, state: BillingState, target_date: date) -> BillingState:
    """Auto-renew subscriptions renew while the target date reaches their term end (Zuora renews an
    auto-renew subscription when its term ends); the new terms are stored."""
    changed: list[Row[Any]] = []
    rows: list[Row[Any]] = []
    for row in state.subscriptions:
        data = dict(row._mapping)
        renewed = False
        while (
            data["status"] == ACTIVE
            and data["auto_renew"]
            and data["term_type"] == TermType.TERMED.value
            and data["term_end_date"] is not None
            and data["term_end_date"] <= target_date
            and (data["renewal_term"] > 0 or data["renewal_setting"] == RENEW_TO_EVERGREEN)
        ):
            term = renewed_term(data)
            data.update(
                term_start_date=term.term_start_date,
                term_end_date=term.term_end_date,
                current_term=term.current_term,
                current_term_period_type=term.current_term_period_type,
                term_type=term.term_type,
                version=data["version"] + 1,
            )
            renewed = True
        if renewed:
            changed.append(row)
            conn.execute(
                update(tb.subscriptions)
                .where(tb.subscriptions.c.id == row.id)
                .values(
                    term_start_date=data["term_start_date"],
                    term_end_date=data["term_end_date"],
                    current_term=data["current_term"],
                    current_term_period_type=data["current_term_period_type"],
                    term_type=data["term_type"],
                    version=data["version"],
                    updated_at=ctx.now(),
                    updated_by_id=ctx.actor_id,
                )
            )
            rows.append(_as_row(conn, row.id))
        else:
            rows.append(row)
    return replace(state, subscriptions=rows) if changed else state


def _as_row(conn: Connection, subscription_id: str) -> Row[Any]:
    return conn.execute(select(tb.subscriptions).where(tb.subscriptions.c.id == subscription_id)).one()


def _usage_rows(conn: Connection, entity_id: str, account_id: str, options: GenerateOptions) -> list[Row[Any]]:
    usage = tb.usage
    return list(
        conn.execute(
            select(
                usage.c.id,
                usage.c.subscription_id,
                usage.c.charge_id,
                usage.c.uom,
                usage.c.quantity,
                usage.c.start_date,
                usage.c.invoice_id,
            ).where(
                usage.c.entity_id == entity_id,
                usage.c.account_id == account_id,
                usage.c.start_date <= options.target_date,
            )
        )
    )


def usage_charge_ids(usage_row: Row[Any], charges: Sequence[Row[Any]]) -> list[str]:
    """The usage charges a usage record is rated by (Zuora's rule): its charge when it names one;
    else every usage charge with its unit of measure on its subscription, or on any of the
    account's subscriptions when it names none."""
    if usage_row.charge_id is not None:
        return [usage_row.charge_id]
    uom = (usage_row.uom or "").casefold()
    return [
        c.id
        for c in charges
        if c.charge_type == ChargeType.USAGE.value
        and (c.uom or "").casefold() == uom
        and (usage_row.subscription_id is None or c.subscription_id == usage_row.subscription_id)
    ]


def _usage_records(rows: Sequence[Row[Any]], state: BillingState) -> list[UsageRecord]:
    """Each usage record once per usage charge that rates it (see ``usage_charge_ids``)."""
    usage_charges = [c for c in state.charges if c.charge_type == ChargeType.USAGE.value]
    by_uom: dict[str, list[Row[Any]]] = defaultdict(list)
    for charge in usage_charges:
        by_uom[(charge.uom or "").casefold()].append(charge)
    records: list[UsageRecord] = []
    for row in rows:
        candidates = usage_charges if row.charge_id is not None else by_uom.get((row.uom or "").casefold(), [])
        for charge_id in usage_charge_ids(row, candidates):
            records.append(UsageRecord(row.id, charge_id, row.start_date, row.quantity))
    return records


def _tax_rates(
    conn: Connection, entity_id: str, account: Row[Any], tax_codes: set[str], on: date
) -> Mapping[str, Sequence[TaxRate]]:
    if not tax_codes:
        return {}
    sold_to = None
    if account.sold_to_contact_id:
        sold_to = conn.execute(
            select(t.contacts.c.country, t.contacts.c.state).where(t.contacts.c.id == account.sold_to_contact_id)
        ).first()
    return taxes.tax_rates_for(
        conn,
        entity_id=entity_id,
        tax_codes=tax_codes,
        on_date=on,
        country=sold_to.country if sold_to is not None else None,
        state=sold_to.state if sold_to is not None else None,
    )


def _item_draft(position: int, item: GeneratedItem, plan: Row[Any] | None, ctx: Context) -> ItemDraft:
    return ItemDraft(
        position=position,
        processing_type=ProcessingType.DISCOUNT if item.kind is ItemKind.DISCOUNT else ProcessingType.CHARGE,
        charge_amount=item.charge_amount,
        service_start_date=item.service_start,
        service_end_date=item.service_end,
        charge_name=item.charge_name,
        charge_type=item.charge_type.value,
        description=None,
        quantity=item.quantity,
        unit_price=item.unit_price,
        uom=item.uom,
        sku=plan.product_sku if plan is not None else None,
        charge_date=ctx.now(),
        product_rate_plan_charge_id=item.product_rate_plan_charge_id,
        product_id=plan.product_id if plan is not None else None,
        product_name=item.product_name,
        subscription_id=item.subscription_id,
        subscription_number=item.subscription_number,
        rate_plan_charge_id=item.charge_id,
        tax_code=item.tax_code,
        tax_mode=item.tax_mode if item.tax_code else None,
        applied_to_position=item.applied_to_index,
        tax_lines=item.tax_lines,
        extra={"chargeNumber": item.charge_number},
    )


def _new_invoice(
    generated: GeneratedInvoice,
    account: Row[Any],
    options: GenerateOptions,
    term_days: int,
    plans: Mapping[str, Row[Any]],
    ctx: Context,
) -> NewInvoice:
    items = [_item_draft(n, item, plans.get(item.rate_plan_id), ctx) for n, item in enumerate(generated.items)]
    return NewInvoice(
        account_id=account.id,
        invoice_number="",
        currency=generated.currency,
        invoice_date=options.invoice_date,
        due_date=due_date(options.invoice_date, term_days),
        totals=totals(items),
        items=items,
        source=SOURCE,
        source_type=options.source_type,
        status=InvoiceStatus.POSTED if options.auto_post else InvoiceStatus.DRAFT,
        target_date=options.target_date,
        payment_term=account.payment_term,
        auto_pay=account.auto_pay,
        includes_one_time=options.includes_one_time,
        includes_recurring=options.includes_recurring,
        includes_usage=options.includes_usage,
        bill_to_contact_id=account.bill_to_contact_id,
        sold_to_contact_id=account.sold_to_contact_id,
        ship_to_contact_id=account.ship_to_contact_id,
        sequence_set_id=account.sequence_set_id,
        template_id=account.invoice_template_id,
        communication_profile_id=account.communication_profile_id,
    )


def _record(
    conn: Connection,
    ctx: Context,
    account: Row[Any],
    state: BillingState,
    generated: Sequence[GeneratedInvoice],
    invoices: Sequence[NewInvoice],
    usage_rows: Sequence[Row[Any]],
    usage_records: Sequence[UsageRecord],
) -> None:
    """The ledger rows of every generated item, and which invoice billed each usage record."""
    now = ctx.now()
    taken: Counter[tuple[str, date, str]] = Counter(
        (r.rate_plan_charge_id, r.service_start, r.kind) for r in state.billed
    )
    ledger_rows: list[dict[str, Any]] = []
    for invoice, new in zip(generated, invoices, strict=True):
        for item, item_id in zip(invoice.items, new.item_ids, strict=True):
            key = (item.charge_id, item.service_start, item.kind.value)
            ledger_rows.append(
                {
                    "id": new_id(),
                    "entity_id": ctx.entity_id,
                    "account_id": account.id,
                    "subscription_id": item.subscription_id,
                    "rate_plan_charge_id": item.charge_id,
                    "invoice_id": new.id,
                    "invoice_item_id": item_id,
                    "kind": item.kind.value,
                    "service_start": item.service_start,
                    "service_end": item.service_end,
                    "sequence": taken[key],
                    "amount": item.amount,
                    "quantity": item.quantity,
                    "created_at": now,
                }
            )
            taken[key] += 1
    conn.execute(insert(tb.charge_billings), ledger_rows)
    _mark_billed_usage(conn, generated, invoices, usage_rows, usage_records)


def _mark_billed_usage(
    conn: Connection,
    generated: Sequence[GeneratedInvoice],
    invoices: Sequence[NewInvoice],
    usage_rows: Sequence[Row[Any]],
    usage_records: Sequence[UsageRecord],
) -> None:
    """A usage record is billed by the first invoice whose usage item covers its day. Records
    already billed by an invoice that still holds its periods keep that invoice."""
    if not usage_rows:
        return
    live = _live_invoices(conn, {r.invoice_id for r in usage_rows if r.invoice_id})
    unbilled = {r.id for r in usage_rows if r.invoice_id is None or r.invoice_id not in live}
    by_charge: dict[str, list[UsageRecord]] = defaultdict(list)
    for record in usage_records:
        if record.usage_id in unbilled:
            by_charge[record.charge_id].append(record)
    marked: dict[str, list[str]] = defaultdict(list)
    for invoice, new in zip(generated, invoices, strict=True):
        for item in invoice.items:
            if item.charge_type is not ChargeType.USAGE or item.kind is not ItemKind.CHARGE:
                continue
            for record in by_charge.get(item.charge_id, ()):
                if record.usage_id in unbilled and item.service_start <= record.start_date <= item.service_end:
                    marked[new.id].append(record.usage_id)
                    unbilled.discard(record.usage_id)
    for invoice_id, usage_ids in marked.items():
        conn.execute(update(tb.usage).where(tb.usage.c.id.in_(usage_ids)).values(invoice_id=invoice_id))


def _live_invoices(conn: Connection, invoice_ids: set[str]) -> set[str]:
    """Of these invoices, those that still hold billed periods (neither cancelled nor deleted)."""
    if not invoice_ids:
        return set()
    ledger = tb.charge_billings
    return set(
        conn.execute(select(ledger.c.invoice_id).where(ledger.c.invoice_id.in_(invoice_ids)).distinct()).scalars()
    )


def is_billed(conn: Connection, invoice_id: str | None) -> bool:
    """Whether a usage record's invoice still bills it."""
    return invoice_id is not None and bool(_live_invoices(conn, {invoice_id}))

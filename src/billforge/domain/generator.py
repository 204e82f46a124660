"""Generate an account's invoices up to a target date: a pure function of explicit inputs.

``generate`` asks the schedule of every charge what it owes (``schedule.due_items``), applies the
percentage discounts, splits the items into invoices, taxes each item and totals each invoice.

Invoices: one for every subscription that is not "invoice separately", then one per "invoice
separately" subscription, in subscription number order. An invoice with no item is not returned;
an empty list means there is nothing to bill (the caller reports it as an error).

Items are ordered by subscription number (for a percentage discount, that of the item it
discounts), charge number, service start, then charges before credits before discounts. Each
discount item names the item it discounts (``applied_to_index`` into the same invoice's items, and
``applied_to_charge_id``).

Discounts (Zuora's discount charge models, default discount level "rateplan"):
- a Discount-Percentage charge discounts every item generated in this run for a charge in its
  scope: its rate plan (``DiscountLevel.RATE_PLAN``), its subscription, or the whole account; of a
  charge type it applies to (``apply_discount_to``); never another discount. It applies when the
  discount is active on the item's service start (for a credit, on the start of the period the
  credit gives back, so a credit takes back its discount too); a one-time percentage discount
  applies to the items whose service period holds its trigger date. The discount item has the
  item's service dates and amount ``-round(item amount x percentage / 100)``;
- a Discount-Fixed Amount charge bills like a recurring (or one-time) charge with a negative price,
  prorated for partial periods; it names the first item of its scope on the same invoice whose
  service dates overlap its own. It is not capped at the amount of the items it discounts.

Taxes: each item is taxed with the rates of its charge's tax code (``tax.apply_tax``), in the
charge's tax mode, dated on the invoice date; every tax line is rounded on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from billforge.domain.catalog import DISCOUNT_MODELS, ChargeModel, ChargeType, DiscountLevel
from billforge.domain.money import ZERO, Currency, round_money
from billforge.domain.rating import rate
from billforge.domain.rules import BillingRules
from billforge.domain.schedule import (
    DueItem,
    charge_end_date,
    charge_trigger_date,
    charged_through_date,
    due_items,
)
from billforge.domain.subscriptions import (
    Account,
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    UsageRecord,
)
from billforge.domain.tax import TaxLine, TaxMode, TaxRate, apply_tax

_KIND_ORDER: dict[ItemKind, int] = {ItemKind.CHARGE: 0, ItemKind.CREDIT: 1, ItemKind.DISCOUNT: 2}


@dataclass(frozen=True, slots=True)
class GeneratedItem:
    """An invoice item. ``amount`` is as rated (tax included for a tax-inclusive charge);
    ``charge_amount`` never includes tax."""

    subscription_id: str
    subscription_number: str
    rate_plan_id: str
    rate_plan_name: str
    product_name: str
    charge_id: str
    charge_number: str
    charge_name: str
    charge_type: ChargeType
    charge_model: ChargeModel
    product_rate_plan_charge_id: str | None
    uom: str | None
    kind: ItemKind
    service_start: date
    service_end: date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    charge_amount: Decimal
    tax_amount: Decimal
    tax_lines: tuple[TaxLine, ...]
    tax_code: str | None
    tax_mode: TaxMode
    is_prorated: bool = False
    applied_to_index: int | None = None
    applied_to_charge_id: str | None = None

    def as_billed(self) -> BilledItem:
        """This item as a later generation must see it once its invoice exists."""
        return BilledItem(self.charge_id, self.service_start, self.service_end, self.amount, self.kind, self.quantity)


@dataclass(frozen=True, slots=True)
class GeneratedInvoice:
    """A generated invoice with its items and totals (amount = amount without tax + tax amount)."""

    account_id: str
    invoice_date: date
    target_date: date
    currency: str
    items: tuple[GeneratedItem, ...]
    amount_without_tax: Decimal
    tax_amount: Decimal
    amount: Decimal
    subscription_ids: tuple[str, ...]
    invoice_separately: bool
    charged_through_dates: Mapping[str, date | None] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(slots=True, eq=False)
class _Draft:
    subscription: Subscription
    charge: RatePlanCharge
    item: DueItem
    applied_to: _Draft | None = None


def generate(
    *,
    account: Account,
    subscriptions: Sequence[Subscription],
    usage: Sequence[UsageRecord] = (),
    billed: Sequence[BilledItem] = (),
    target_date: date,
    invoice_date: date | None = None,
    includes_one_time: bool = True,
    includes_recurring: bool = True,
    includes_usage: bool = True,
    rules: BillingRules | None = None,
    currency: Currency,
    tax_rates: Mapping[str, Sequence[TaxRate]] | None = None,
) -> list[GeneratedInvoice]:
    """Bill every charge amount of the account due on or before ``target_date`` and not billed yet.

    ``billed`` holds the items of the account's invoices that are neither cancelled nor deleted;
    ``usage`` the account's usage records. ``invoice_date`` defaults to the target date.
    """
    rules = rules or BillingRules()
    invoice_date = invoice_date or target_date
    included = {
        ChargeType.ONE_TIME: includes_one_time,
        ChargeType.RECURRING: includes_recurring,
        ChargeType.USAGE: includes_usage,
    }
    ordered = sorted(subscriptions, key=lambda s: (s.number, s.subscription_id))
    billed_by_charge: dict[str, list[BilledItem]] = {}
    for billed_item in billed:
        billed_by_charge.setdefault(billed_item.charge_id, []).append(billed_item)
    usage_by_charge: dict[str, list[UsageRecord]] = {}
    for record in usage:
        usage_by_charge.setdefault(record.charge_id, []).append(record)
    drafts: list[_Draft] = []
    schedules: dict[str, list[DueItem]] = {}
    for subscription in ordered:
        for charge in sorted(subscription.charges, key=lambda c: (c.charge_number, c.charge_id)):
            if not included[charge.charge_type] or charge.charge_model is ChargeModel.DISCOUNT_PERCENTAGE:
                continue
            schedule = due_items(
                charge=charge,
                subscription=subscription,
                rules=rules,
                account_bill_cycle_day=account.bill_cycle_day,
                target_date=target_date,
                currency=currency,
                usage=usage_by_charge.get(charge.charge_id, ()),
                billed=billed_by_charge.get(charge.charge_id, ()),
            )
            schedules.setdefault(charge.charge_id, []).extend(schedule.items)
            drafts.extend(_Draft(subscription, charge, item) for item in schedule.items)
    for draft in _percentage_discounts(ordered, drafts, currency):
        schedules.setdefault(draft.charge.charge_id, []).append(draft.item)
        drafts.append(draft)

    invoices: list[GeneratedInvoice] = []
    groups: dict[str | None, list[_Draft]] = {}
    for draft in drafts:
        home = _home(draft)
        groups.setdefault(home.number if home.invoice_separately else None, []).append(draft)
    keys = sorted(groups, key=lambda k: (k is not None, k or ""))
    for key in keys:
        invoice = _invoice(
            account=account,
            drafts=groups[key],
            separately=key is not None,
            billed=billed_by_charge,
            schedules=schedules,
            target_date=target_date,
            invoice_date=invoice_date,
            currency=currency,
            tax_rates=tax_rates or {},
        )
        invoices.append(invoice)
    return invoices


def _home(draft: _Draft) -> Subscription:
    """The subscription whose invoice carries the item: a percentage discount goes with its item."""
    if draft.charge.charge_model is ChargeModel.DISCOUNT_PERCENTAGE and draft.applied_to is not None:
        return draft.applied_to.subscription
    return draft.subscription


def _in_scope(discount: RatePlanCharge, discount_sub: Subscription, target: _Draft) -> bool:
    if target.charge.charge_model in DISCOUNT_MODELS or target.charge.charge_type not in discount.apply_discount_to:
        return False
    if discount.discount_level is DiscountLevel.ACCOUNT:
        return True
    if target.subscription.subscription_id != discount_sub.subscription_id:
        return False
    return discount.discount_level is DiscountLevel.SUBSCRIPTION or discount.rate_plan_id == target.charge.rate_plan_id


def _percentage_applies(discount: RatePlanCharge, discount_sub: Subscription, item: DueItem) -> bool:
    trigger = charge_trigger_date(discount, discount_sub)
    if trigger is None:
        return False
    if discount.charge_type is ChargeType.ONE_TIME:
        return item.service_start <= trigger <= item.service_end
    end = charge_end_date(discount, discount_sub, trigger)
    day = item.discount_date
    return trigger <= day and (end is None or day < end)


def _percentage_discounts(
    subscriptions: Sequence[Subscription], drafts: Sequence[_Draft], currency: Currency
) -> list[_Draft]:
    discounts = [
        (sub, charge)
        for sub in subscriptions
        for charge in sorted(sub.charges, key=lambda c: (c.charge_number, c.charge_id))
        if charge.charge_model is ChargeModel.DISCOUNT_PERCENTAGE
    ]
    out: list[_Draft] = []
    for target in drafts:
        for discount_sub, discount in discounts:
            if not _in_scope(discount, discount_sub, target):
                continue
            if not _percentage_applies(discount, discount_sub, target.item):
                continue
            amount = round_money(rate(target.item.amount, discount).amount, currency)
            if amount == ZERO:
                continue
            item = DueItem(
                discount.charge_id,
                target.item.service_start,
                target.item.service_end,
                Decimal(1),
                amount,
                amount,
                ItemKind.DISCOUNT,
                is_prorated=target.item.is_prorated,
            )
            # A discount is billed with the item it discounts, on that item's invoice.
            out.append(_Draft(discount_sub, discount, item, applied_to=target))
    return out


def _sort_key(draft: _Draft) -> tuple[str, str, date, int, str, date]:
    applied = draft.applied_to.charge.charge_number if draft.applied_to is not None else ""
    return (
        _home(draft).number,
        draft.charge.charge_number,
        draft.item.service_start,
        _KIND_ORDER[draft.item.kind],
        applied,
        draft.item.service_end,
    )


def _link_fixed_discounts(drafts: Sequence[_Draft]) -> None:
    for draft in drafts:
        if draft.charge.charge_model is not ChargeModel.DISCOUNT_FIXED_AMOUNT or draft.applied_to is not None:
            continue
        for target in drafts:
            overlaps = (
                target.item.service_start <= draft.item.service_end
                and target.item.service_end >= draft.item.service_start
            )
            if overlaps and target.item.kind is ItemKind.CHARGE and _in_scope(draft.charge, draft.subscription, target):
                draft.applied_to = target
                break


def _invoice(
    *,
    account: Account,
    drafts: list[_Draft],
    separately: bool,
    billed: Mapping[str, Sequence[BilledItem]],
    schedules: Mapping[str, Sequence[DueItem]],
    target_date: date,
    invoice_date: date,
    currency: Currency,
    tax_rates: Mapping[str, Sequence[TaxRate]],
) -> GeneratedInvoice:
    drafts = sorted(drafts, key=_sort_key)
    _link_fixed_discounts(drafts)
    index = {id(draft): n for n, draft in enumerate(drafts)}
    items: list[GeneratedItem] = []
    for draft in drafts:
        charge, item, sub = draft.charge, draft.item, draft.subscription
        rates = tax_rates.get(charge.tax_code, ()) if charge.tax_code else ()
        taxed = apply_tax(item.amount, mode=charge.tax_mode, rates=rates, currency=currency, tax_date=invoice_date)
        target = draft.applied_to
        items.append(
            GeneratedItem(
                subscription_id=sub.subscription_id,
                subscription_number=sub.number,
                rate_plan_id=charge.rate_plan_id,
                rate_plan_name=charge.rate_plan_name,
                product_name=charge.product_name,
                charge_id=charge.charge_id,
                charge_number=charge.charge_number,
                charge_name=charge.name,
                charge_type=charge.charge_type,
                charge_model=charge.charge_model,
                product_rate_plan_charge_id=charge.product_rate_plan_charge_id,
                uom=charge.uom,
                kind=item.kind,
                service_start=item.service_start,
                service_end=item.service_end,
                quantity=item.quantity,
                unit_price=item.unit_price,
                amount=item.amount,
                charge_amount=taxed.charge_amount,
                tax_amount=taxed.tax_amount,
                tax_lines=taxed.tax_lines,
                tax_code=charge.tax_code,
                tax_mode=charge.tax_mode,
                is_prorated=item.is_prorated,
                applied_to_index=index[id(target)] if target is not None else None,
                applied_to_charge_id=target.charge.charge_id if target is not None else None,
            )
        )
    without_tax = sum((i.charge_amount for i in items), ZERO)
    tax = sum((i.tax_amount for i in items), ZERO)
    charge_ids = sorted({i.charge_id for i in items})
    through = {cid: charged_through_date([*billed.get(cid, ()), *schedules.get(cid, ())]) for cid in charge_ids}
    subscription_ids = tuple(dict.fromkeys(_home(d).subscription_id for d in drafts))
    return GeneratedInvoice(
        account_id=account.account_id,
        invoice_date=invoice_date,
        target_date=target_date,
        currency=currency.code,
        items=tuple(items),
        amount_without_tax=without_tax,
        tax_amount=tax,
        amount=without_tax + tax,
        subscription_ids=subscription_ids,
        invoice_separately=separately,
        charged_through_dates=MappingProxyType(through),
    )

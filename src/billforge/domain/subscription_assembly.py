"""A new subscription, assembled from the client's input and the catalog: its terms with Zuora's
defaults, and each rate plan charge copied from its catalog charge with the client's overrides
applied, priced in the account's currency.

Both are answered as the values of the stored fields, by field name; the service adds the ids,
the numbers it generates and the audit stamps, and stores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from billforge.domain.catalog import DISCOUNT_MODELS, TIERED_MODELS, BillingTiming, ChargeModel, ChargeType, PriceFormat
from billforge.domain.charge_definitions import ChargeDefinition
from billforge.domain.money import ZERO
from billforge.domain.subscription_inputs import ChargeOverride, SubscriptionInput
from billforge.domain.subscriptions import ACTIVE, TermType
from billforge.domain.terms import RENEW_WITH_SPECIFIC_TERM, add_term

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TierCopy:
    """One price tier of a subscription's charge: the catalog's, or the client's override."""

    tier: int
    starting_unit: Decimal | None
    ending_unit: Decimal | None
    price: Decimal | None
    price_format: PriceFormat
    is_overage_price: bool


def subscription_fields(data: SubscriptionInput) -> dict[str, Any]:
    """A new subscription: Active, version 1, with its terms and dates. The term starts on the
    contract effective date unless given; a termed subscription's term ends ``initialTerm`` periods
    later (months by default); service activation and customer acceptance default to the contract
    effective date; renewals are of a specific term unless asked otherwise."""
    term_start = data.term_start_date or data.contract_effective_date
    initial_period = data.initial_term_period_type or "Month"
    termed = data.term_type == TermType.TERMED.value
    initial_term = data.initial_term if termed else None
    term_end = (
        add_term(term_start, initial_term, initial_period) if termed and initial_term and initial_term > 0 else None
    )
    service_activation = data.service_activation_date or data.contract_effective_date
    return {
        "subscription_number": data.subscription_number or "",
        "status": ACTIVE,
        "term_type": data.term_type,
        "contract_effective_date": data.contract_effective_date,
        "service_activation_date": service_activation,
        "customer_acceptance_date": data.customer_acceptance_date or service_activation,
        "term_start_date": term_start,
        "term_end_date": term_end,
        "initial_term": initial_term,
        "initial_term_period_type": initial_period,
        "current_term": initial_term,
        "current_term_period_type": initial_period,
        "renewal_term": data.renewal_term or 0,
        "renewal_term_period_type": data.renewal_term_period_type or "Month",
        "renewal_setting": data.renewal_setting or RENEW_WITH_SPECIFIC_TERM,
        "auto_renew": data.auto_renew,
        "invoice_separately": data.invoice_separately,
        "notes": data.notes,
        "cancelled_date": None,
        "cancellation_policy": None,
        "version": 1,
        "extra": dict(data.extra),
    }


def pick(override: T | None, catalog_value: T) -> T:
    """The client's value when given, else the catalog's."""
    return catalog_value if override is None else override


def _stored(value: Any) -> Any:
    """An enum as its value; anything else as it is."""
    return value.value if value is not None and hasattr(value, "value") else value


def apply_to_text(types: Iterable[ChargeType]) -> str | None:
    """Charge types as Zuora's ``applyDiscountTo`` spells them (``ONETIMERECURRING``)."""
    kinds = set(types)
    if not kinds:
        return None
    order = ((ChargeType.ONE_TIME, "ONETIME"), (ChargeType.RECURRING, "RECURRING"), (ChargeType.USAGE, "USAGE"))
    return "".join(word for kind, word in order if kind in kinds)


def copy_charge(
    definition: ChargeDefinition, override: ChargeOverride, currency: str
) -> tuple[dict[str, Any], list[TierCopy]]:
    """The subscription's copy of a catalog charge, overrides applied, priced in ``currency``: its
    field values and its tiers (tiered models other than Overage)."""
    priced = definition.tiers_for(currency)
    ordinary = [x for x in priced if not x.is_overage_price]
    overage = [x for x in priced if x.is_overage_price]
    model = definition.charge_model
    price: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    if model in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT):
        price = pick(override.price, ordinary[0].price if ordinary else None)
    elif model is ChargeModel.DISCOUNT_FIXED_AMOUNT:
        discount_amount = pick(override.discount_amount, priced[0].discount_amount if priced else None)
    elif model is ChargeModel.DISCOUNT_PERCENTAGE:
        discount_percentage = pick(override.discount_percentage, priced[0].discount_percentage if priced else None)
    elif model is ChargeModel.OVERAGE:
        price = pick(override.overage_price, overage[0].price if overage else (ordinary[0].price if ordinary else None))
    tiers: list[TierCopy] = []
    if model in TIERED_MODELS and model is not ChargeModel.OVERAGE:
        if override.tiers is not None:
            tiers = [
                TierCopy(x.tier, x.starting_unit, x.ending_unit, x.price, x.price_format or PriceFormat.PER_UNIT, False)
                for x in override.tiers
            ]
        else:
            tiers = [
                TierCopy(x.tier, x.starting_unit, x.ending_unit, x.price, x.price_format, False)
                for x in ordinary
                if x.price is not None
            ]
        overage_price = pick(override.overage_price, overage[0].price if overage else None)
        if model is ChargeModel.TIERED_WITH_OVERAGE and overage_price is not None:
            tiers.append(TierCopy(len(tiers) + 1, None, None, overage_price, PriceFormat.PER_UNIT, True))
    default_quantity = definition.default_quantity if definition.default_quantity is not None else Decimal(1)
    quantity = ZERO if definition.charge_type is ChargeType.USAGE else pick(override.quantity, default_quantity)
    trigger = pick(override.trigger_event, definition.trigger_event)
    apply_to = (
        override.apply_discount_to.value if override.apply_discount_to else apply_to_text(definition.apply_discount_to)
    )
    fields = {
        "charge_number": override.number or "",
        "product_rate_plan_charge_id": definition.id,
        "name": definition.name,
        "description": pick(override.description, definition.description),
        "charge_type": definition.charge_type.value,
        "charge_model": model.value,
        "price": price,
        "quantity": quantity,
        "included_units": pick(override.included_units, definition.included_units),
        "discount_percentage": discount_percentage,
        "discount_amount": discount_amount,
        "discount_level": _stored(pick(override.discount_level, definition.discount_level)),
        "apply_discount_to": apply_to if model in DISCOUNT_MODELS else None,
        "uom": definition.uom,
        "billing_period": _stored(pick(override.billing_period, definition.billing_period)),
        "specific_billing_period": pick(override.specific_billing_period, definition.specific_billing_period),
        "list_price_base": _stored(pick(override.list_price_base, definition.list_price_base)),
        "billing_timing": _stored(
            BillingTiming.IN_ARREARS
            if definition.charge_type is ChargeType.USAGE
            else pick(override.billing_timing, definition.billing_timing)
        ),
        "bill_cycle_type": pick(override.bill_cycle_type, definition.bill_cycle_type).value,
        "bill_cycle_day": pick(override.bill_cycle_day, definition.bill_cycle_day),
        "weekly_bill_cycle_day": _stored(pick(override.weekly_bill_cycle_day, definition.weekly_bill_cycle_day)),
        "billing_period_alignment": _stored(
            pick(override.billing_period_alignment, definition.billing_period_alignment)
        ),
        "trigger_event": trigger.value,
        "trigger_date": override.trigger_date,
        "end_date_condition": pick(override.end_date_condition, definition.end_date_condition).value,
        "up_to_periods": pick(override.up_to_periods, definition.up_to_periods),
        "specific_end_date": override.specific_end_date,
        "tax_code": definition.tax_code,
        "tax_mode": _stored(definition.tax_mode),
        "taxable": definition.taxable,
        "extra": dict(override.extra),
    }
    return fields, tiers

"""What a subscription's ``chargeOverrides`` may set: each override names one charge of its rate
plan (by id, or by number when no id is given), at most once, and sets only what that charge's model
and type use (a price on Flat Fee and Per Unit, tiers on tiered models, discounts on discount
charges, billing settings on periodic charges), within what billforge stores: prices with at most 9
decimals, quantities with at most 6, tiers numbered 1, 2, 3, ... and contiguous. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from billforge.domain.catalog import (
    DISCOUNT_MODELS,
    TIERED_MODELS,
    UNSUPPORTED,
    ChargeModel,
    ChargeType,
    EndDateCondition,
    TriggerEvent,
)
from billforge.domain.charge_definitions import ChargeDefinition
from billforge.domain.money import PRICE_LIMIT, QUANTITY_LIMIT, ZERO
from billforge.domain.subscription_inputs import ChargeOverride, TierOverride
from billforge.domain.subscription_rules import OBJ, problem
from billforge.errors import BillforgeError, InvalidValue, MissingValue, UnknownReference, Unsupported

MAX_CHARGE_NUMBER: Final = 50


@dataclass(frozen=True, slots=True)
class MatchedOverrides:
    """The overrides of one rate plan by the catalog charge they override, where each was given,
    and the problems found in them."""

    by_charge: dict[str, ChargeOverride]
    where: dict[str, str]
    problems: list[BillforgeError]


def match_overrides(
    overrides: Sequence[ChargeOverride], charges: Sequence[ChargeDefinition], where: str, plan_name: str
) -> MatchedOverrides:
    """Each override names one charge of the plan (by id, or by number when no id is given), at most
    once, and is checked against that charge."""
    by_charge: dict[str, ChargeOverride] = {}
    override_at: dict[str, str] = {}
    problems: list[BillforgeError] = []
    for o_index, override in enumerate(overrides):
        at = f"{where}.chargeOverrides[{o_index}]"
        definition = next(
            (
                c
                for c in charges
                if (override.product_rate_plan_charge_id and c.id == override.product_rate_plan_charge_id)
                or (
                    override.product_rate_plan_charge_id is None
                    and override.product_rate_plan_charge_number
                    and c.number == override.product_rate_plan_charge_number
                )
            ),
            None,
        )
        if definition is None:
            key = override.product_rate_plan_charge_id or override.product_rate_plan_charge_number
            if key is None:
                problems.append(problem(MissingValue, f"{at}.productRatePlanChargeId", "is required"))
            else:
                problems.append(
                    UnknownReference(
                        f"'{at}.productRatePlanChargeId' {key!r} is not a charge of product rate plan {plan_name!r}",
                        field=f"{at}.productRatePlanChargeId",
                        obj=OBJ,
                    )
                )
            continue
        if definition.id in by_charge:
            problems.append(
                problem(
                    InvalidValue,
                    f"{at}.productRatePlanChargeId",
                    "overrides a charge that an earlier override already overrides",
                )
            )
            continue
        by_charge[definition.id] = override
        override_at[definition.id] = at
        problems.extend(override_problems(override, definition, at))
    return MatchedOverrides(by_charge, override_at, problems)


def number_problem(
    value: Decimal | None, where: str, *, maximum: Decimal, minimum: Decimal | None = ZERO
) -> BillforgeError | None:
    """A price or quantity beyond what billforge stores (prices 9 decimals, quantities 6)."""
    if value is None:
        return None
    if abs(value) > maximum:
        return problem(InvalidValue, where, f"{value} is too large (at most {maximum})")
    if minimum is not None and value < minimum:
        return problem(InvalidValue, where, f"must be {minimum} or more, got {value}")
    if value != value.quantize(Decimal(1).scaleb(-9 if maximum == PRICE_LIMIT else -6)):
        return problem(InvalidValue, where, f"{value} has too many decimal places")
    return None


def override_problems(override: ChargeOverride, definition: ChargeDefinition, where: str) -> list[BillforgeError]:
    """What an override sets must fit the charge: its model, its type, the columns' bounds."""
    problems: list[BillforgeError] = []
    model = definition.charge_model
    for name, value in (
        ("price", override.price),
        ("overagePrice", override.overage_price),
        ("discountAmount", override.discount_amount),
    ):
        found = number_problem(value, f"{where}.{name}", maximum=PRICE_LIMIT, minimum=None if name == "price" else ZERO)
        if found:
            problems.append(found)
    for name, value in (("quantity", override.quantity), ("includedUnits", override.included_units)):
        found = number_problem(value, f"{where}.{name}", maximum=QUANTITY_LIMIT)
        if found:
            problems.append(found)
    if override.discount_percentage is not None and not ZERO < override.discount_percentage <= Decimal(100):
        problems.append(
            problem(
                InvalidValue,
                f"{where}.discountPercentage",
                f"must be more than 0 and at most 100, got {override.discount_percentage}",
            )
        )
    if override.price is not None and model not in (ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT):
        problems.append(
            problem(
                InvalidValue,
                f"{where}.price",
                f"cannot be set on a {model.value} charge" + (": override its tiers" if model in TIERED_MODELS else ""),
            )
        )
    if override.tiers is not None and model not in TIERED_MODELS:
        problems.append(problem(InvalidValue, f"{where}.tiers", f"cannot be set on a {model.value} charge"))
    if override.overage_price is not None and model not in (ChargeModel.OVERAGE, ChargeModel.TIERED_WITH_OVERAGE):
        problems.append(problem(InvalidValue, f"{where}.overagePrice", f"cannot be set on a {model.value} charge"))
    if override.included_units is not None and model is not ChargeModel.OVERAGE:
        problems.append(problem(InvalidValue, f"{where}.includedUnits", f"cannot be set on a {model.value} charge"))
    for name, value, wanted in (
        ("discountAmount", override.discount_amount, ChargeModel.DISCOUNT_FIXED_AMOUNT),
        ("discountPercentage", override.discount_percentage, ChargeModel.DISCOUNT_PERCENTAGE),
    ):
        if value is not None and model is not wanted:
            problems.append(problem(InvalidValue, f"{where}.{name}", f"cannot be set on a {model.value} charge"))
    discount_fields: list[tuple[str, object]] = [
        ("discountLevel", override.discount_level),
        ("applyDiscountTo", override.apply_discount_to),
    ]
    for label, given in discount_fields:
        if given is not None and model not in DISCOUNT_MODELS:
            problems.append(
                problem(InvalidValue, f"{where}.{label}", f"is only for discount charges, not {model.value}")
            )
    if override.quantity is not None and definition.charge_type is ChargeType.USAGE:
        problems.append(problem(InvalidValue, f"{where}.quantity", "cannot be set on a usage charge: usage is rated"))
    if override.billing_timing is not None and definition.charge_type is not ChargeType.RECURRING:
        problems.append(problem(InvalidValue, f"{where}.billingTiming", "is only for recurring charges"))
    if definition.charge_type is ChargeType.ONE_TIME:
        periodic: list[tuple[str, object]] = [
            ("billingPeriod", override.billing_period),
            ("billCycleType", override.bill_cycle_type),
            ("billCycleDay", override.bill_cycle_day),
        ]
        for label, given in periodic:
            if given is not None:
                problems.append(problem(InvalidValue, f"{where}.{label}", "is not used by a one-time charge"))
    return problems + _schedule_override_problems(override, definition, where)


def _schedule_override_problems(
    override: ChargeOverride, definition: ChargeDefinition, where: str
) -> list[BillforgeError]:
    """Bill cycle day, trigger, end date, unsupported values, numbers and tiers of an override."""
    problems: list[BillforgeError] = []
    if override.bill_cycle_day is not None and not 1 <= override.bill_cycle_day <= 31:
        problems.append(
            problem(InvalidValue, f"{where}.billCycleDay", f"must be between 1 and 31, got {override.bill_cycle_day}")
        )
    if override.trigger_event is TriggerEvent.SPECIFIC_DATE and override.trigger_date is None:
        problems.append(
            problem(MissingValue, f"{where}.triggerDate", "is required when triggerEvent is USD (a specific date)")
        )
    if override.trigger_date is not None and override.trigger_event not in (None, TriggerEvent.SPECIFIC_DATE):
        problems.append(
            problem(InvalidValue, f"{where}.triggerDate", "is only used with triggerEvent USD (a specific date)")
        )
    end = override.end_date_condition
    if end is EndDateCondition.SPECIFIC_END_DATE and override.specific_end_date is None:
        problems.append(
            problem(MissingValue, f"{where}.specificEndDate", "is required when endDateCondition is Specific_End_Date")
        )
    if override.specific_end_date is not None and end is not EndDateCondition.SPECIFIC_END_DATE:
        problems.append(
            problem(InvalidValue, f"{where}.specificEndDate", "is only used with endDateCondition Specific_End_Date")
        )
    if end is EndDateCondition.FIXED_PERIOD and override.up_to_periods is None and definition.up_to_periods is None:
        problems.append(
            problem(MissingValue, f"{where}.upToPeriods", "is required when endDateCondition is Fixed_Period")
        )
    if override.up_to_periods is not None and not 1 <= override.up_to_periods <= 65534:
        problems.append(
            problem(InvalidValue, f"{where}.upToPeriods", f"must be between 1 and 65534, got {override.up_to_periods}")
        )
    choices: list[tuple[str, StrEnum | None]] = [
        ("billCycleType", override.bill_cycle_type),
        ("billingPeriod", override.billing_period),
        ("billingPeriodAlignment", override.billing_period_alignment),
        ("listPriceBase", override.list_price_base),
        ("upToPeriodsType", override.up_to_periods_type),
        ("applyDiscountTo", override.apply_discount_to),
    ]
    for label, choice in choices:
        if choice is not None and choice in UNSUPPORTED:
            problems.append(
                problem(Unsupported, f"{where}.{label}", f"{choice.value!r} is not supported by the billing engine")
            )
    if override.specific_billing_period is not None and override.specific_billing_period < 1:
        problems.append(problem(InvalidValue, f"{where}.specificBillingPeriod", "must be 1 or more"))
    if override.number is not None and (not override.number.strip() or len(override.number) > MAX_CHARGE_NUMBER):
        problems.append(problem(InvalidValue, f"{where}.number", f"must be 1 to {MAX_CHARGE_NUMBER} characters"))
    if override.tiers is not None:
        problems.extend(_tier_problems(override.tiers, f"{where}.tiers"))
    return problems


def _tier_problems(tiers: Sequence[TierOverride], where: str) -> list[BillforgeError]:
    if not tiers:
        return [problem(MissingValue, where, "must contain at least one tier")]
    problems: list[BillforgeError] = []
    ordered = sorted(tiers, key=lambda x: x.tier)
    if [x.tier for x in ordered] != list(range(1, len(ordered) + 1)):
        problems.append(problem(InvalidValue, where, "tiers must be numbered 1, 2, 3, ... without gaps or repeats"))
        return problems
    previous_end: Decimal | None = None
    for index, tier in enumerate(ordered):
        at = f"{where}[{index}]"
        found = number_problem(tier.price, f"{at}.price", maximum=PRICE_LIMIT, minimum=None)
        if found:
            problems.append(found)
        start = tier.starting_unit if tier.starting_unit is not None else (previous_end or ZERO)
        if tier.ending_unit is not None and tier.ending_unit <= start:
            problems.append(problem(InvalidValue, f"{at}.endingUnit", f"must be more than startingUnit {start}"))
        if tier.ending_unit is None and index != len(ordered) - 1:
            problems.append(problem(InvalidValue, f"{at}.endingUnit", "only the last tier may be open-ended"))
        if index > 0 and tier.starting_unit is not None and previous_end is not None:
            if tier.starting_unit not in (previous_end, previous_end + 1):
                problems.append(
                    problem(
                        InvalidValue,
                        f"{at}.startingUnit",
                        f"must continue the previous tier, which ends at {previous_end}, got {tier.starting_unit}",
                    )
                )
        previous_end = tier.ending_unit
    return problems

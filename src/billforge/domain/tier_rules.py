"""The price tiers of a catalog charge (``ProductRatePlanChargeTierData``): their rules, and the tiers
they make, numbered per currency. Pure: the tenant's active currencies and default currency are
given.

Tiers are grouped by currency; every currency must be active in the tenant and the tenant's
default currency must be priced; every currency has the same ranges:
- Flat Fee, Per Unit and Overage: one tier per currency with ``Price`` (Overage: the overage
  price, ``IsOveragePrice`` true); Discount-Fixed Amount: one tier with ``DiscountAmount`` > 0;
  Discount-Percentage: one tier with ``DiscountPercentage`` in (0, 100]. A tier carries only one of
  ``Price``, ``DiscountAmount`` and ``DiscountPercentage``.
- Tiered, Volume and Tiered with Overage: ordinary tiers with ``Price`` and ``StartingUnit``, listed
  in ascending order: the first starts at 0 or 1, each next one starts where the previous one ends
  (or one unit later, Zuora's whole-unit style: 0-100, 101-200), never with a gap or an overlap;
  only the last may be open-ended (not in Tiered with Overage, whose one ``IsOveragePrice`` tier
  prices every unit above the last ordinary tier). ``IsOveragePrice`` is for overage models only.
- Prices have at most 9 decimals (|price| < 10^9), units at most 6 (0 <= units < 10^12).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Final

from billforge.domain.catalog import DISCOUNT_MODELS, ChargeModel, PriceFormat
from billforge.domain.catalog_inputs import TierInput
from billforge.domain.catalog_rules import CHARGE, TIER, TIERS, ZERO, decimal_problem, invalid, listed, missing, plain
from billforge.domain.charge_definitions import ChargeTier
from billforge.domain.money import PRICE_DECIMALS, PRICE_LIMIT, QUANTITY_DECIMALS, QUANTITY_LIMIT
from billforge.errors import BillforgeError, ErrorList, Unsupported

ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
ONE_TIER_MODELS: Final = frozenset({ChargeModel.FLAT_FEE, ChargeModel.PER_UNIT, ChargeModel.OVERAGE, *DISCOUNT_MODELS})


def check_tiers(
    model: ChargeModel, tiers: Sequence[TierInput], active: Collection[str], default_currency: str
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """The tiers, numbered per currency, and every problem found in them."""
    problems: list[BillforgeError] = []
    by_currency: dict[str, list[tuple[int, TierInput]]] = {}
    for index, tier in enumerate(tiers):
        where = f"{TIERS}[{index}]"
        problems += _tier_amount_problems(where, tier)
        if tier.currency is None:
            problems.append(missing(f"{where}.Currency"))
        elif tier.currency not in active:
            why = f"{tier.currency!r} is not an active currency of this tenant {listed(active)}"
            problems.append(invalid(f"{where}.Currency", why))
        else:
            by_currency.setdefault(tier.currency, []).append((index, tier))
    if tiers and not problems and default_currency not in by_currency:
        problems.append(missing(TIERS, f"must price the tenant's default currency {default_currency}"))
    checked: list[ChargeTier] = []
    shapes: dict[str, tuple[tuple[object, ...], ...]] = {}
    for currency, entries in by_currency.items():
        single = model in ONE_TIER_MODELS
        rows, found = (_single_tier if single else _tier_table)(model, currency, entries)
        problems += found
        checked += rows
        shapes[currency] = tuple((r.starting_unit, r.ending_unit, r.is_overage_price, r.price_format) for r in rows)
    if not problems and len(set(shapes.values())) > 1:
        first = next(iter(shapes))
        differing = ", ".join(sorted(c for c, shape in shapes.items() if shape != shapes[first]))
        why = f"must give every currency the same ranges and price formats: {differing} differ from {first}"
        problems.append(invalid(TIERS, why))
    return checked, problems


def as_tier_error(error: BillforgeError, prefix: str) -> BillforgeError:
    """The errors a charge's tier table gave, as errors of the one tier that was changed: those about
    the tier at ``prefix`` name its own fields (``Price``) and belong to the tier object."""
    for problem in error.errors if isinstance(error, ErrorList) else [error]:
        if problem.field and problem.field.startswith(prefix):
            problem.field = problem.field.removeprefix(prefix)
            problem.message = problem.message.replace(f"'{prefix}", "'")
            problem.obj = TIER
    return ErrorList(error.errors) if isinstance(error, ErrorList) else error


def _tier_amount_problems(where: str, tier: TierInput) -> list[BillforgeError]:
    checks = (
        ("Price", tier.price, PRICE_DECIMALS, PRICE_LIMIT, None),
        ("StartingUnit", tier.starting_unit, QUANTITY_DECIMALS, QUANTITY_LIMIT, ZERO),
        ("EndingUnit", tier.ending_unit, QUANTITY_DECIMALS, QUANTITY_LIMIT, ZERO),
        ("DiscountAmount", tier.discount_amount, PRICE_DECIMALS, PRICE_LIMIT, None),
        ("DiscountPercentage", tier.discount_percentage, PRICE_DECIMALS, PRICE_LIMIT, None),
    )
    problems = [
        p
        for name, value, scale, maximum, minimum in checks
        if (p := decimal_problem(f"{where}.{name}", value, scale=scale, maximum=maximum, minimum=minimum))
    ]
    for name, value in (("MinimumAmount", tier.minimum_amount), ("MaximumAmount", tier.maximum_amount)):
        if value is not None:
            why = "is not supported: billforge does not bill minimum or maximum tier amounts"
            problems.append(Unsupported(f"'{where}.{name}' {why}", field=f"{where}.{name}", obj=CHARGE))
    return problems


def _price_fields_problems(where: str, tier: TierInput, model: ChargeModel) -> list[BillforgeError]:
    """A tier carries exactly the one amount its model prices with: Price, DiscountAmount or DiscountPercentage."""
    wanted = {
        ChargeModel.DISCOUNT_FIXED_AMOUNT: "DiscountAmount",
        ChargeModel.DISCOUNT_PERCENTAGE: "DiscountPercentage",
    }.get(model, "Price")
    given = {
        "Price": tier.price,
        "DiscountAmount": tier.discount_amount,
        "DiscountPercentage": tier.discount_percentage,
    }
    problems = [
        invalid(f"{where}.{name}", f"does not apply to {model.value}: its tiers carry {wanted} only")
        for name, value in given.items()
        if name != wanted and value is not None
    ]
    amount, percentage = tier.discount_amount, tier.discount_percentage
    if given[wanted] is None:
        problems.append(missing(f"{where}.{wanted}", f"is required for {model.value}"))
    elif wanted == "DiscountAmount" and amount is not None and amount <= 0:
        problems.append(invalid(f"{where}.DiscountAmount", f"must be more than 0, got {plain(amount)}"))
    elif wanted == "DiscountPercentage" and percentage is not None and not 0 < percentage <= HUNDRED:
        why = f"must be more than 0 and at most 100, got {plain(percentage)}"
        problems.append(invalid(f"{where}.DiscountPercentage", why))
    return problems


def _overage_flag_problem(where: str, model: ChargeModel) -> BillforgeError:
    why = f"can be true only in Overage Pricing and Tiered with Overage Pricing, not {model.value}"
    return invalid(f"{where}.IsOveragePrice", why)


def _single_tier(
    model: ChargeModel, currency: str, entries: Sequence[tuple[int, TierInput]]
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """Flat Fee, Per Unit, Overage and the discounts: one tier per currency."""
    if len(entries) > 1:
        where = f"{TIERS}[{entries[1][0]}]"
        return [], [invalid(where, f"is a second tier for {currency}: {model.value} takes one tier per currency")]
    index, tier = entries[0]
    where = f"{TIERS}[{index}]"
    problems = _price_fields_problems(where, tier, model)
    overage = model is ChargeModel.OVERAGE
    if overage and tier.is_overage_price is False:
        why = f"must be true: the tier of {model.value} is its overage price"
        problems.append(invalid(f"{where}.IsOveragePrice", why))
    if not overage and tier.is_overage_price:
        problems.append(_overage_flag_problem(where, model))
    flat = model in (ChargeModel.FLAT_FEE, ChargeModel.DISCOUNT_FIXED_AMOUNT)
    row = ChargeTier(
        tier=1,
        currency=currency,
        price=tier.price if model not in DISCOUNT_MODELS else None,
        price_format=PriceFormat.FLAT_FEE if flat else PriceFormat.PER_UNIT,
        is_overage_price=overage,
        discount_amount=tier.discount_amount if model is ChargeModel.DISCOUNT_FIXED_AMOUNT else None,
        discount_percentage=tier.discount_percentage if model is ChargeModel.DISCOUNT_PERCENTAGE else None,
    )
    return [row], problems


def _tier_table(
    model: ChargeModel, currency: str, entries: Sequence[tuple[int, TierInput]]
) -> tuple[list[ChargeTier], list[BillforgeError]]:
    """Tiered, Volume and Tiered with Overage: contiguous ordinary tiers, plus the overage tier."""
    problems: list[BillforgeError] = []
    ordinary = [(i, tier) for i, tier in entries if not tier.is_overage_price]
    overage = [(i, tier) for i, tier in entries if tier.is_overage_price]
    with_overage = model is ChargeModel.TIERED_WITH_OVERAGE
    if not with_overage:
        problems += [_overage_flag_problem(f"{TIERS}[{i}]", model) for i, _ in overage]
        overage = []
    elif len(overage) != 1:
        why = f"must have exactly one overage tier (IsOveragePrice true) for {currency}, got {len(overage)}"
        problems.append(invalid(TIERS, why))
    if not ordinary:
        problems.append(missing(TIERS, f"needs at least one tier that is not an overage price for {currency}"))
    rows: list[ChargeTier] = []
    previous_end: Decimal | None = None
    for position, (index, tier) in enumerate(ordinary):
        where = f"{TIERS}[{index}]"
        closed_because = None
        if position < len(ordinary) - 1:
            closed_because = "only the last tier may be open-ended"
        elif with_overage:
            closed_because = "the overage tier prices the units above the last tier"
        problems += _price_fields_problems(where, tier, model)
        problems += _range_problems(where, tier, position, closed_because, previous_end)
        previous_end = tier.ending_unit
        price_format = tier.price_format or PriceFormat.PER_UNIT
        rows.append(ChargeTier(position + 1, currency, tier.price, price_format, tier.starting_unit, tier.ending_unit))
    for index, tier in overage[:1]:
        where = f"{TIERS}[{index}]"
        problems += _price_fields_problems(where, tier, model)
        if tier.price_format is PriceFormat.FLAT_FEE:
            problems.append(invalid(f"{where}.PriceFormat", "must be Per Unit: the overage price is charged per unit"))
        rows.append(ChargeTier(len(ordinary) + 1, currency, tier.price, PriceFormat.PER_UNIT, is_overage_price=True))
    return rows, problems


def _range_problems(
    where: str, tier: TierInput, position: int, closed_because: str | None, previous_end: Decimal | None
) -> list[BillforgeError]:
    """Tier ``position`` (0-based) starts where the previous one ends, or one unit later (0-100,
    101-200). ``closed_because`` says why the tier needs an ``EndingUnit`` (``None``: it may be open)."""
    start, end = tier.starting_unit, tier.ending_unit
    if start is None:
        return [missing(f"{where}.StartingUnit")]
    problems: list[BillforgeError] = []
    if end is None and closed_because is not None:
        problems.append(missing(f"{where}.EndingUnit", f"is required: {closed_because}"))
    if end is not None and end < start:
        problems.append(invalid(f"{where}.EndingUnit", f"{plain(end)} is below its StartingUnit {plain(start)}"))
    if position == 0 and start not in (ZERO, ONE):
        problems.append(invalid(f"{where}.StartingUnit", f"must be 0 or 1 for the first tier, got {plain(start)}"))
    if position > 0 and previous_end is not None and start not in (previous_end, previous_end + ONE):
        relation = "leaves a gap after" if start > previous_end + ONE else "overlaps"
        why = (
            f"{plain(start)} {relation} the previous tier, which ends at {plain(previous_end)}: "
            "tiers must be listed in ascending order, contiguous and not overlapping"
        )
        problems.append(invalid(f"{where}.StartingUnit", why))
    return problems

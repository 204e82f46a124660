"""Charge models as strategies: what a quantity costs under a charge's price table.

``rater_for(charge_model)`` is the one factory. Every rater answers ``rate(quantity, charge)`` with
the *unrounded* amount for one billing period (or one usage period, or the one-time charge) and the
unit price to show on the invoice item. Prices are never rounded; the caller rounds the amount once
with ``round_money``. Rules from Zuora's "Charge models" pages:

- Flat Fee: the price, whatever the quantity (a usage flat fee bills even without usage);
- Per Unit: quantity x price;
- Tiered: each tier prices the units that fall in it (Per Unit) or adds its fee once any unit
  falls in it (Flat Fee); the first tier's flat fee applies even to a quantity of 0;
- Volume: the one tier the whole quantity falls in prices all of it (Per Unit) or is the fee
  (Flat Fee);
- Overage: units above the included units, at the overage price;
- Tiered with Overage: tiered up to the last ordinary tier, then the overage price per unit;
- Discount-Fixed Amount: minus the discount amount (per period; prorated like any recurring charge);
- Discount-Percentage: minus the percentage of an amount; its "quantity" is the amount discounted.

Tier n covers the units above tier n-1's ending unit up to its own ending unit, so decimal
quantities (100.5 units) fall cleanly into a tier. The unit price shown for Tiered is the price of
the highest tier reached; for Volume, the tier's price.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Protocol

from billforge.domain.catalog import ChargeModel, PriceFormat
from billforge.domain.money import MONEY_CONTEXT, ZERO
from billforge.domain.subscriptions import RatePlanCharge, Tier
from billforge.errors import InvalidValue, Unsupported

HUNDRED: Final = Decimal(100)


class UnsupportedChargeModelError(Unsupported):
    """The billing core cannot rate this charge model (it is in ``catalog.UNSUPPORTED``)."""


class InvalidPriceError(InvalidValue):
    """The charge lacks what its model needs (a price, tiers, a discount)."""


@dataclass(frozen=True, slots=True)
class Rated:
    """An unrounded amount and the unit price an invoice item shows for it."""

    amount: Decimal
    unit_price: Decimal


class Rater(Protocol):
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated: ...


def _mul(a: Decimal, b: Decimal) -> Decimal:
    return MONEY_CONTEXT.multiply(a, b)


def _price(charge: RatePlanCharge) -> Decimal:
    if charge.price is None:
        raise InvalidPriceError(
            f"charge {charge.charge_number} ({charge.charge_model.value}) has no price", field="price"
        )
    return charge.price


def _ordinary_tiers(charge: RatePlanCharge) -> list[Tier]:
    tiers = sorted((t for t in charge.tiers if not t.is_overage), key=lambda t: t.tier)
    if not tiers:
        raise InvalidPriceError(
            f"charge {charge.charge_number} ({charge.charge_model.value}) has no tiers", field="tiers"
        )
    return tiers


def _bounds(tiers: Sequence[Tier]) -> list[tuple[Tier, Decimal, Decimal | None]]:
    """Each tier with the units it covers: above ``lower`` up to ``upper`` (``None``: no limit)."""
    out: list[tuple[Tier, Decimal, Decimal | None]] = []
    lower = ZERO
    for tier in tiers:
        out.append((tier, lower, tier.ending_unit))
        if tier.ending_unit is not None:
            lower = tier.ending_unit
    return out


def _tier_amount(tier: Tier, units: Decimal) -> Decimal:
    return tier.price if tier.price_format is PriceFormat.FLAT_FEE else _mul(units, tier.price)


def _tiered(quantity: Decimal, tiers: Sequence[Tier]) -> Rated:
    amount = ZERO
    unit_price = tiers[0].price
    for index, (tier, lower, upper) in enumerate(_bounds(tiers)):
        top = quantity if upper is None else min(quantity, upper)
        units = top - lower
        if units > ZERO:
            amount = MONEY_CONTEXT.add(amount, _tier_amount(tier, units))
            unit_price = tier.price
        elif index == 0 and quantity == ZERO and tier.price_format is PriceFormat.FLAT_FEE:
            amount = MONEY_CONTEXT.add(amount, tier.price)
    return Rated(amount, unit_price)


class FlatFee:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:  # noqa: ARG002 - the fee ignores it
        price = _price(charge)
        return Rated(price, price)


class PerUnit:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        price = _price(charge)
        return Rated(_mul(quantity, price), price)


class Tiered:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        return _tiered(quantity, _ordinary_tiers(charge))


class Volume:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        bounds = _bounds(_ordinary_tiers(charge))
        # Zero falls in the first tier; a quantity beyond every tier is priced by the last one.
        chosen = bounds[0][0] if quantity <= bounds[0][1] else bounds[-1][0]
        for tier, lower, upper in bounds:
            if lower < quantity and (upper is None or quantity <= upper):
                chosen = tier
                break
        return Rated(_tier_amount(chosen, quantity), chosen.price)


def _overage_price(charge: RatePlanCharge) -> Decimal:
    overage = [t for t in charge.tiers if t.is_overage]
    return overage[0].price if overage else _price(charge)


class Overage:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        price = _overage_price(charge)
        over = max(quantity - charge.included_units, ZERO)
        return Rated(_mul(over, price), price)


class TieredWithOverage:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        tiers = _ordinary_tiers(charge)
        last_end = tiers[-1].ending_unit
        if last_end is None or quantity <= last_end:
            return _tiered(quantity, tiers)
        within = _tiered(last_end, tiers)
        price = _overage_price(charge)
        return Rated(MONEY_CONTEXT.add(within.amount, _mul(quantity - last_end, price)), price)


class DiscountFixedAmount:
    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:  # noqa: ARG002 - fixed amount
        if charge.discount_amount is None:
            raise InvalidPriceError(
                f"discount charge {charge.charge_number} has no discount amount", field="discountAmount"
            )
        return Rated(-charge.discount_amount, -charge.discount_amount)


class DiscountPercentage:
    """``quantity`` is the amount to discount; the result is minus that percentage of it."""

    def rate(self, quantity: Decimal, charge: RatePlanCharge) -> Rated:
        if charge.discount_percentage is None:
            raise InvalidPriceError(
                f"discount charge {charge.charge_number} has no discount percentage", field="discountPercentage"
            )
        fraction = MONEY_CONTEXT.divide(charge.discount_percentage, HUNDRED)
        return Rated(-_mul(quantity, fraction), charge.discount_percentage)


_RATERS: Final[dict[ChargeModel, Callable[[], Rater]]] = {
    ChargeModel.FLAT_FEE: FlatFee,
    ChargeModel.PER_UNIT: PerUnit,
    ChargeModel.TIERED: Tiered,
    ChargeModel.VOLUME: Volume,
    ChargeModel.OVERAGE: Overage,
    ChargeModel.TIERED_WITH_OVERAGE: TieredWithOverage,
    ChargeModel.DISCOUNT_FIXED_AMOUNT: DiscountFixedAmount,
    ChargeModel.DISCOUNT_PERCENTAGE: DiscountPercentage,
}


def rater_for(charge_model: ChargeModel) -> Rater:
    """The strategy that rates a charge model; unsupported models raise UnsupportedChargeModelError."""
    try:
        return _RATERS[charge_model]()
    except KeyError:
        raise UnsupportedChargeModelError(
            f"charge model {charge_model.value!r} is not supported", field="chargeModel"
        ) from None


def rate(quantity: Decimal, charge: RatePlanCharge) -> Rated:
    """Rate a quantity with the charge's own model."""
    return rater_for(charge.charge_model).rate(quantity, charge)

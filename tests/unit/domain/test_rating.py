"""Charge models: every rater, chosen by the one factory."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billforge.domain.catalog import UNSUPPORTED, ChargeModel, ChargeType, PriceFormat
from billforge.domain.rating import (
    DiscountFixedAmount,
    DiscountPercentage,
    FlatFee,
    InvalidPriceError,
    Overage,
    PerUnit,
    Tiered,
    TieredWithOverage,
    UnsupportedChargeModelError,
    Volume,
    rate,
    rater_for,
)
from billforge.domain.subscriptions import RatePlanCharge, Tier
from billforge.errors import Unsupported

D = Decimal


def charge(model: ChargeModel, **kw: Any) -> RatePlanCharge:
    return RatePlanCharge("c", "C-1", "Charge", kw.pop("charge_type", ChargeType.USAGE), model, **kw)


def tier(n: int, start: str, end: str | None, price: str, fmt: PriceFormat = PriceFormat.PER_UNIT) -> Tier:
    return Tier(n, D(start), D(end) if end is not None else None, D(price), fmt)


# 1-100 at 1.00, 101-200 at 0.80, 201+ at 0.50
TIERS = (tier(1, "0", "100", "1.00"), tier(2, "101", "200", "0.80"), tier(3, "201", None, "0.50"))


@pytest.mark.parametrize(
    ("model", "strategy"),
    [
        (ChargeModel.FLAT_FEE, FlatFee),
        (ChargeModel.PER_UNIT, PerUnit),
        (ChargeModel.TIERED, Tiered),
        (ChargeModel.VOLUME, Volume),
        (ChargeModel.OVERAGE, Overage),
        (ChargeModel.TIERED_WITH_OVERAGE, TieredWithOverage),
        (ChargeModel.DISCOUNT_FIXED_AMOUNT, DiscountFixedAmount),
        (ChargeModel.DISCOUNT_PERCENTAGE, DiscountPercentage),
    ],
)
def test_factory_picks_the_strategy(model: ChargeModel, strategy: type) -> None:
    assert isinstance(rater_for(model), strategy)


@pytest.mark.parametrize("model", sorted(m for m in ChargeModel if m in UNSUPPORTED))
def test_factory_refuses_unsupported_models(model: ChargeModel) -> None:
    with pytest.raises(UnsupportedChargeModelError, match=model.value) as refused:
        rater_for(model)
    # Part of the one error tree: the doors answer it as an unsupported value of chargeModel.
    assert isinstance(refused.value, Unsupported)
    assert refused.value.field == "chargeModel"


def test_flat_fee_ignores_quantity() -> None:
    c = charge(ChargeModel.FLAT_FEE, price=D("50"))
    assert rate(D("0"), c).amount == D("50")
    assert rate(D("7"), c).amount == D("50")


def test_per_unit_keeps_price_decimals() -> None:
    c = charge(ChargeModel.PER_UNIT, price=D("0.123456789"))
    r = rate(D("3"), c)
    # 3 * 0.123456789 = 0.370370367, unrounded
    assert r.amount == D("0.370370367")
    assert r.unit_price == D("0.123456789")


def test_missing_price() -> None:
    with pytest.raises(InvalidPriceError, match="no price"):
        rate(D("1"), charge(ChargeModel.PER_UNIT))
    with pytest.raises(InvalidPriceError, match="no tiers"):
        rate(D("1"), charge(ChargeModel.TIERED))
    with pytest.raises(InvalidPriceError, match="discount amount"):
        rate(D("1"), charge(ChargeModel.DISCOUNT_FIXED_AMOUNT))
    with pytest.raises(InvalidPriceError, match="discount percentage"):
        rate(D("1"), charge(ChargeModel.DISCOUNT_PERCENTAGE))


@pytest.mark.parametrize(
    ("quantity", "amount", "unit_price"),
    [
        ("0", "0", "1.00"),
        ("50", "50.00", "1.00"),  # 50 * 1.00
        ("100", "100.00", "1.00"),  # the tier's ending unit is still in it
        ("100.5", "100.400", "0.80"),  # 100 * 1.00 + 0.5 * 0.80
        ("150", "140.00", "0.80"),  # 100 * 1.00 + 50 * 0.80
        ("250", "205.00", "0.50"),  # 100 + 100 * 0.80 + 50 * 0.50
    ],
)
def test_tiered_per_unit(quantity: str, amount: str, unit_price: str) -> None:
    r = rate(D(quantity), charge(ChargeModel.TIERED, tiers=TIERS))
    assert r.amount == D(amount)
    assert r.unit_price == D(unit_price)


def test_tiered_flat_fee_tiers() -> None:
    tiers = (tier(1, "0", "10", "100", PriceFormat.FLAT_FEE), tier(2, "11", None, "8"))
    c = charge(ChargeModel.TIERED, tiers=tiers)
    assert rate(D("0"), c).amount == D("100")  # the first tier's fee applies to zero units
    assert rate(D("10"), c).amount == D("100")
    assert rate(D("15"), c).amount == D("140")  # 100 + 5 * 8


@pytest.mark.parametrize(
    ("quantity", "amount", "unit_price"),
    [
        ("0", "0", "1.00"),
        ("100", "100.00", "1.00"),  # 100 * 1.00
        ("150", "120.00", "0.80"),  # every unit at tier 2: 150 * 0.80
        ("250", "125.00", "0.50"),  # 250 * 0.50
    ],
)
def test_volume_per_unit(quantity: str, amount: str, unit_price: str) -> None:
    r = rate(D(quantity), charge(ChargeModel.VOLUME, tiers=TIERS))
    assert r.amount == D(amount)
    assert r.unit_price == D(unit_price)


def test_volume_flat_fee_and_beyond_last_tier() -> None:
    tiers = (tier(1, "0", "10", "20", PriceFormat.FLAT_FEE), tier(2, "11", "20", "35", PriceFormat.FLAT_FEE))
    c = charge(ChargeModel.VOLUME, tiers=tiers)
    assert rate(D("3"), c).amount == D("20")
    assert rate(D("11"), c).amount == D("35")
    assert rate(D("25"), c).amount == D("35")  # no tier holds 25: the last tier prices it


def test_overage_with_included_units() -> None:
    overage = Tier(1, D("0"), None, D("0.25"), is_overage=True)
    c = charge(ChargeModel.OVERAGE, tiers=(overage,), included_units=D("100"))
    assert rate(D("80"), c).amount == D("0")
    assert rate(D("130"), c).amount == D("7.50")  # 30 * 0.25
    # The price field serves when there is no overage tier.
    assert rate(D("130"), charge(ChargeModel.OVERAGE, price=D("1"), included_units=D("100"))).amount == D("30")


def test_tiered_with_overage() -> None:
    # RatingDetail "Example: Tiered pricing mode": 130 units over 1:0-100 at 0.00, 2:101-200 at 2.00
    # -> 100 * 0.00 + 30 * 2.00 = 60.00
    tiers = (tier(1, "0", "100", "0.00"), tier(2, "101", "200", "2.00"), Tier(3, D("0"), None, D("3"), is_overage=True))
    c = charge(ChargeModel.TIERED_WITH_OVERAGE, tiers=tiers)
    assert rate(D("130"), c).amount == D("60.00")
    # Beyond the last tier: 100 * 0 + 100 * 2.00 + 10 * 3 (overage) = 230
    r = rate(D("210"), c)
    assert r.amount == D("230.00")
    assert r.unit_price == D("3")


def test_discounts_are_negative() -> None:
    fixed = charge(ChargeModel.DISCOUNT_FIXED_AMOUNT, discount_amount=D("10"), charge_type=ChargeType.RECURRING)
    assert rate(D("1"), fixed).amount == D("-10")
    percent = charge(ChargeModel.DISCOUNT_PERCENTAGE, discount_percentage=D("15"))
    # 15% of 80.00 = 12.00
    r = rate(D("80.00"), percent)
    assert r.amount == D("-12.0000")
    assert r.unit_price == D("15")

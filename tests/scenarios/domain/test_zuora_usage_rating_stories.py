"""Usage rating stories: usage summed per billing period and rated per unit, tiered, volume and with
overage, billed in arrears; usage that arrives after its period was billed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from billforge.domain.catalog import BillCycleType, ChargeModel, ChargeType, PriceFormat
from billforge.domain.generator import GeneratedInvoice, generate
from billforge.domain.money import USD
from billforge.domain.subscriptions import Account, BilledItem, RatePlanCharge, Subscription, Tier, UsageRecord

D = Decimal


def usage_charge(model: ChargeModel, **kw: Any) -> RatePlanCharge:
    return RatePlanCharge("u1", "C-00000001", "API calls", ChargeType.USAGE, model, uom="Each", **kw)


def run(
    charge: RatePlanCharge,
    usage: Sequence[UsageRecord],
    target: date,
    *,
    start: date = date(2025, 1, 1),
    billed: Sequence[BilledItem] = (),
) -> list[GeneratedInvoice]:
    sub = Subscription("s1", "S-1", start, charges=(charge,))
    return generate(
        account=Account("acc", bill_cycle_day=1),
        subscriptions=[sub],
        usage=usage,
        billed=billed,
        target_date=target,
        currency=USD,
    )


def records(*quantities: tuple[date, str]) -> list[UsageRecord]:
    return [UsageRecord(f"r{n}", "u1", day, D(q)) for n, (day, q) in enumerate(quantities)]


def only_item(invoices: list[GeneratedInvoice]) -> tuple[date, date, Decimal, Decimal]:
    assert len(invoices) == 1 and len(invoices[0].items) == 1
    item = invoices[0].items[0]
    return item.service_start, item.service_end, item.quantity, item.amount


def test_per_unit_usage() -> None:
    # RatingDetail "Example: Per unit pricing model": 120 units at $100.00 = $12,000.00
    charge = usage_charge(ChargeModel.PER_UNIT, price=D("100.00"))
    usage = records((date(2025, 1, 3), "70"), (date(2025, 1, 31), "50"))
    assert run(charge, usage, date(2025, 1, 31)) == []  # in arrears: January has not ended
    assert only_item(run(charge, usage, date(2025, 2, 1))) == (
        date(2025, 1, 1),
        date(2025, 1, 31),
        D("120"),
        D("12000.00"),
    )


def test_tiered_with_overage_usage() -> None:
    # RatingDetail "Example: Tiered pricing mode": Tiered with Overage, tiers 1: 0-100 at $0.00 and
    # 2: 101-200 at $2.00, 130 units -> 100 * $0.00 + 30 * $2.00 = $60.00
    tiers = (
        Tier(1, D("0"), D("100"), D("0.00")),
        Tier(2, D("101"), D("200"), D("2.00")),
        Tier(3, D("201"), None, D("2.50"), is_overage=True),
    )
    charge = usage_charge(ChargeModel.TIERED_WITH_OVERAGE, tiers=tiers)
    usage = records((date(2025, 1, 10), "130"), (date(2025, 2, 10), "230"))
    invoice = run(charge, usage, date(2025, 3, 1))[0]
    # February, beyond the last tier: 100 * 0 + 100 * 2.00 + 30 * 2.50 = 275.00
    assert [(i.quantity, i.amount) for i in invoice.items] == [(D("130"), D("60.00")), (D("230"), D("275.00"))]


def test_tiered_usage_billed_again_for_late_usage() -> None:
    # "Changing bill cycle day", Case 2 (on-demand usage rating): tier 1 is $2 a unit for the first 10
    # units, tier 2 $3 a unit beyond. 15 units were billed for $35.00 (10 * 2 + 5 * 3); 5 more units
    # dated in the same period bill (10 * $2 + (5 + 5) * $3) - $35 = $15. Usage in the next period
    # starts again at tier 1: 5 * $2 = $10.
    tiers = (Tier(1, D("0"), D("10"), D("2")), Tier(2, D("11"), None, D("3")))
    charge = usage_charge(
        ChargeModel.TIERED, tiers=tiers, bill_cycle_type=BillCycleType.SPECIFIC_DAY_OF_MONTH, bill_cycle_day=20
    )
    first_usage = records((date(2025, 1, 5), "15"))
    # Bill cycle day 20: the first period is 01/01..01/19.
    first = run(charge, first_usage, date(2025, 1, 20))
    assert only_item(first) == (date(2025, 1, 1), date(2025, 1, 19), D("15"), D("35.00"))
    billed = [i.as_billed() for i in first[0].items]

    late = [*first_usage, UsageRecord("late", "u1", date(2025, 1, 19), D("5"))]
    assert only_item(run(charge, late, date(2025, 1, 25), billed=billed)) == (
        date(2025, 1, 1),
        date(2025, 1, 19),
        D("5"),
        D("15.00"),
    )
    next_period = [*first_usage, UsageRecord("bp2", "u1", date(2025, 1, 21), D("5"))]
    assert only_item(run(charge, next_period, date(2025, 2, 20), billed=billed)) == (
        date(2025, 1, 20),
        date(2025, 2, 19),
        D("5"),
        D("10.00"),
    )


def test_volume_usage() -> None:
    # Hand-computed: tiers 0-50 at $10, 51-100 at $8, 101+ at $6 a unit; the whole quantity takes the
    # price of the tier it falls in: 75 units -> 75 * 8 = 600.00; 120 units -> 120 * 6 = 720.00.
    tiers = (Tier(1, D("0"), D("50"), D("10")), Tier(2, D("51"), D("100"), D("8")), Tier(3, D("101"), None, D("6")))
    charge = usage_charge(ChargeModel.VOLUME, tiers=tiers)
    usage = records((date(2025, 1, 2), "40"), (date(2025, 1, 20), "35"), (date(2025, 2, 14), "120"))
    invoice = run(charge, usage, date(2025, 3, 1))[0]
    assert [(i.quantity, i.unit_price, i.amount) for i in invoice.items] == [
        (D("75"), D("8"), D("600.00")),
        (D("120"), D("6"), D("720.00")),
    ]


def test_volume_flat_fee_tiers() -> None:
    # Hand-computed: a flat $25 up to 100 units, a flat $40 above: 60 units -> 25.00.
    tiers = (
        Tier(1, D("0"), D("100"), D("25"), PriceFormat.FLAT_FEE),
        Tier(2, D("101"), None, D("40"), PriceFormat.FLAT_FEE),
    )
    charge = usage_charge(ChargeModel.VOLUME, tiers=tiers)
    assert only_item(run(charge, records((date(2025, 1, 2), "60")), date(2025, 2, 1)))[3] == D("25.00")


def test_overage_usage_with_included_units() -> None:
    # Hand-computed: 500 units included each month, $0.04 a unit beyond: 730 units -> 230 * 0.04 = 9.20.
    charge = usage_charge(
        ChargeModel.OVERAGE, included_units=D("500"), tiers=(Tier(1, D("0"), None, D("0.04"), is_overage=True),)
    )
    usage = records((date(2025, 1, 2), "400"), (date(2025, 1, 28), "330"))
    assert only_item(run(charge, usage, date(2025, 2, 1)))[2:] == (D("730"), D("9.20"))


def test_usage_flat_fee_bills_every_period() -> None:
    # "Charge models": a flat fee usage charge bills its amount whatever the usage in the period.
    charge = usage_charge(ChargeModel.FLAT_FEE, price=D("15"))
    invoice = run(charge, [], date(2025, 3, 1))[0]
    assert [(i.service_start, i.amount) for i in invoice.items] == [
        (date(2025, 1, 1), D("15.00")),
        (date(2025, 2, 1), D("15.00")),
    ]

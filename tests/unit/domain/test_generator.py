"""Generating an account's invoices: invoice split, item order, discounts, taxes and totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from billforge.domain.catalog import ChargeModel, ChargeType, DiscountLevel, EndDateCondition
from billforge.domain.generator import GeneratedInvoice, generate
from billforge.domain.money import USD
from billforge.domain.subscriptions import (
    Account,
    BilledItem,
    ItemKind,
    RatePlanCharge,
    Subscription,
    UsageRecord,
)
from billforge.domain.tax import TaxMode, TaxRate, TaxRateType

D = Decimal
ACCOUNT = Account("acc1", bill_cycle_day=1)
START = date(2024, 3, 1)


def charge(charge_id: str, number: str, **kw: Any) -> RatePlanCharge:
    defaults: dict[str, Any] = {
        "name": charge_id,
        "charge_type": ChargeType.RECURRING,
        "charge_model": ChargeModel.FLAT_FEE,
        "price": D("100"),
        "rate_plan_id": "rp1",
    }
    defaults.update(kw)
    return RatePlanCharge(charge_id, number, **defaults)


def sub(sub_id: str, number: str, *charges: RatePlanCharge, **kw: Any) -> Subscription:
    return Subscription(sub_id, number, kw.pop("start", START), charges=charges, **kw)


def run(
    subs: Sequence[Subscription],
    target: date = START,
    *,
    billed: Sequence[BilledItem] = (),
    usage: Sequence[UsageRecord] = (),
    **kw: Any,
) -> list[GeneratedInvoice]:
    return generate(
        account=ACCOUNT, subscriptions=subs, usage=usage, billed=billed, target_date=target, currency=USD, **kw
    )


def lines(invoice: GeneratedInvoice) -> list[tuple[str, date, Decimal, ItemKind, int | None]]:
    return [(i.charge_id, i.service_start, i.amount, i.kind, i.applied_to_index) for i in invoice.items]


def test_nothing_due_returns_no_invoice() -> None:
    assert run([sub("s1", "S-1", charge("c1", "C-1"))], target=date(2024, 2, 1)) == []
    assert run([]) == []


def test_invoice_separately_subscriptions_get_their_own_invoices_in_order() -> None:
    subs = [
        sub("s3", "S-3", charge("c3", "C-3"), invoice_separately=True),
        sub("s2", "S-2", charge("c2", "C-2", price=D("20"))),
        sub("s1", "S-1", charge("c1", "C-1", price=D("10")), invoice_separately=True),
        sub("s0", "S-0", charge("c0", "C-0", price=D("30"))),
    ]
    invoices = run(subs)
    assert [(inv.subscription_ids, inv.invoice_separately, inv.amount) for inv in invoices] == [
        (("s0", "s2"), False, D("50.00")),
        (("s1",), True, D("10.00")),
        (("s3",), True, D("100.00")),
    ]
    assert all(inv.invoice_date == START and inv.target_date == START for inv in invoices)
    assert invoices[0].account_id == "acc1"
    assert invoices[0].currency == "USD"


def test_items_are_ordered_by_subscription_charge_and_service_start() -> None:
    subs = [
        sub("s2", "S-2", charge("b", "C-2"), charge("a", "C-1")),
        sub("s1", "S-1", charge("z", "C-9")),
    ]
    invoice = run(subs, target=date(2024, 4, 1))[0]
    assert [(i.subscription_number, i.charge_number, i.service_start) for i in invoice.items] == [
        ("S-1", "C-9", date(2024, 3, 1)),
        ("S-1", "C-9", date(2024, 4, 1)),
        ("S-2", "C-1", date(2024, 3, 1)),
        ("S-2", "C-1", date(2024, 4, 1)),
        ("S-2", "C-2", date(2024, 3, 1)),
        ("S-2", "C-2", date(2024, 4, 1)),
    ]
    assert run(list(reversed(subs)), target=date(2024, 4, 1)) == [invoice]


def test_includes_filters_charge_types() -> None:
    s = sub(
        "s1",
        "S-1",
        charge("once", "C-1", charge_type=ChargeType.ONE_TIME, price=D("5")),
        charge("rec", "C-2"),
        charge("use", "C-3", charge_type=ChargeType.USAGE, charge_model=ChargeModel.PER_UNIT, price=D("1")),
    )
    usage = [UsageRecord("u", "use", START, D("3"))]
    target = date(2024, 4, 1)

    def ids(one_time: bool = True, recurring: bool = True, usage_: bool = True) -> list[str]:
        invoices = generate(
            account=ACCOUNT,
            subscriptions=[s],
            usage=usage,
            target_date=target,
            currency=USD,
            includes_one_time=one_time,
            includes_recurring=recurring,
            includes_usage=usage_,
        )
        return [i.charge_id for inv in invoices for i in inv.items]

    assert ids() == ["once", "rec", "rec", "use"]
    assert ids(recurring=False) == ["once", "use"]
    assert ids(one_time=False, usage_=False) == ["rec", "rec"]
    assert ids(one_time=False, recurring=False, usage_=False) == []


def _discounted_plan(**discount: Any) -> Subscription:
    return sub(
        "s1",
        "S-1",
        charge("base", "C-1"),
        charge("setup", "C-2", charge_type=ChargeType.ONE_TIME, price=D("50")),
        charge("addon", "C-3", price=D("20"), rate_plan_id="rp2"),
        charge(
            "disc",
            "C-4",
            charge_model=ChargeModel.DISCOUNT_PERCENTAGE,
            price=None,
            discount_percentage=D("10"),
            **discount,
        ),
    )


def test_percentage_discount_applies_to_its_rate_plan() -> None:
    invoice = run([_discounted_plan()])[0]
    # 10% of 100.00 and of 50.00; the add-on is in another rate plan.
    assert lines(invoice) == [
        ("base", START, D("100.00"), ItemKind.CHARGE, None),
        ("setup", START, D("50.00"), ItemKind.CHARGE, None),
        ("addon", START, D("20.00"), ItemKind.CHARGE, None),
        ("disc", START, D("-10.00"), ItemKind.DISCOUNT, 0),
        ("disc", START, D("-5.00"), ItemKind.DISCOUNT, 1),
    ]
    assert invoice.items[3].applied_to_charge_id == "base"
    assert invoice.amount == D("155.00")


def test_percentage_discount_to_recurring_charges_only() -> None:
    invoice = run([_discounted_plan(apply_discount_to=frozenset({ChargeType.RECURRING}))])[0]
    assert [(i.charge_id, i.amount) for i in invoice.items if i.kind is ItemKind.DISCOUNT] == [("disc", D("-10.00"))]


def test_percentage_discount_at_subscription_level() -> None:
    invoice = run([_discounted_plan(discount_level=DiscountLevel.SUBSCRIPTION)])[0]
    # 10% of 100.00, 50.00 and 20.00
    assert [i.amount for i in invoice.items if i.kind is ItemKind.DISCOUNT] == [D("-10.00"), D("-5.00"), D("-2.00")]


def test_account_level_discount_follows_items_to_their_invoice() -> None:
    discount = charge(
        "disc",
        "C-9",
        charge_model=ChargeModel.DISCOUNT_PERCENTAGE,
        price=None,
        discount_percentage=D("25"),
        discount_level=DiscountLevel.ACCOUNT,
    )
    subs = [
        sub("s1", "S-1", charge("a", "C-1"), discount),
        sub("s2", "S-2", charge("b", "C-2"), invoice_separately=True),
    ]
    combined, separate = run(subs)
    assert [(i.charge_id, i.amount) for i in combined.items] == [("a", D("100.00")), ("disc", D("-25.00"))]
    assert [(i.charge_id, i.amount, i.applied_to_index) for i in separate.items] == [
        ("b", D("100.00"), None),
        ("disc", D("-25.00"), 0),
    ]
    assert separate.items[1].subscription_id == "s1"


def test_percentage_discount_for_a_fixed_number_of_periods() -> None:
    s = _discounted_plan(end_date_condition=EndDateCondition.FIXED_PERIOD, up_to_periods=2)
    invoice = run([s], target=date(2024, 5, 1))[0]
    discounted = [i.service_start for i in invoice.items if i.kind is ItemKind.DISCOUNT]
    # The base charge is discounted in March and April only, the setup fee in March.
    assert discounted == [date(2024, 3, 1), date(2024, 3, 1), date(2024, 4, 1)]


def test_discount_not_triggered_discounts_nothing() -> None:
    from billforge.domain.catalog import TriggerEvent

    invoice = run([_discounted_plan(trigger_event=TriggerEvent.SERVICE_ACTIVATION)])[0]
    assert all(i.kind is ItemKind.CHARGE for i in invoice.items)


def test_cancellation_credit_takes_its_discount_back() -> None:
    s = _discounted_plan()
    first = run([s])[0]
    billed = [i.as_billed() for i in first.items]
    cancelled = _discounted_plan()
    cancelled = Subscription("s1", "S-1", START, cancelled_date=date(2024, 3, 15), charges=cancelled.charges)
    credit = run([cancelled], target=date(2024, 3, 15), billed=billed)[0]
    # Base: -(100.00 * 17/31) = -54.84, its discount back: 10% of 54.84 = 5.484 -> +5.48;
    # add-on: -(20.00 * 17/31) = -10.967.. -> -10.97 (no discount in its rate plan).
    assert lines(credit) == [
        ("base", date(2024, 3, 15), D("-54.84"), ItemKind.CREDIT, None),
        ("addon", date(2024, 3, 15), D("-10.97"), ItemKind.CREDIT, None),
        ("disc", date(2024, 3, 15), D("5.48"), ItemKind.DISCOUNT, 0),
    ]
    assert credit.charged_through_dates["base"] == date(2024, 3, 15)
    assert run([cancelled], target=date(2024, 6, 1), billed=billed + [i.as_billed() for i in credit.items]) == []


def test_fixed_amount_discount_names_the_item_it_discounts() -> None:
    s = sub(
        "s1",
        "S-1",
        charge("base", "C-1"),
        charge("off", "C-2", charge_model=ChargeModel.DISCOUNT_FIXED_AMOUNT, price=None, discount_amount=D("15")),
    )
    invoice = run([s])[0]
    assert lines(invoice) == [
        ("base", START, D("100.00"), ItemKind.CHARGE, None),
        ("off", START, D("-15.00"), ItemKind.DISCOUNT, 0),
    ]
    assert invoice.amount == D("85.00")


def _tax(code: str, rate: str, name: str = "VAT") -> TaxRate:
    return TaxRate(name=name, rate=D(rate), rate_type=TaxRateType.PERCENTAGE, tax_code=code)


def test_tax_exclusive_per_item() -> None:
    s = sub(
        "s1",
        "S-1",
        charge("base", "C-1", tax_code="STD"),
        charge("free", "C-2", price=D("10"), tax_code="NONE"),
    )
    rates = {"STD": [_tax("STD", "0.07"), _tax("STD", "0.015", "City")]}
    invoice = run([s], tax_rates=rates)[0]
    base = invoice.items[0]
    # 100.00 * 0.07 = 7.00 and 100.00 * 0.015 = 1.50
    assert [line.tax_amount for line in base.tax_lines] == [D("7.00"), D("1.50")]
    assert (base.charge_amount, base.tax_amount) == (D("100.00"), D("8.50"))
    assert invoice.items[1].tax_lines == ()
    assert (invoice.amount_without_tax, invoice.tax_amount, invoice.amount) == (D("110.00"), D("8.50"), D("118.50"))
    assert base.tax_lines[0].tax_date == START


def test_tax_inclusive_item() -> None:
    s = sub("s1", "S-1", charge("base", "C-1", tax_code="VAT", tax_mode=TaxMode.INCLUSIVE))
    invoice = run([s], tax_rates={"VAT": [_tax("VAT", "0.05")]}, invoice_date=date(2024, 3, 5))[0]
    item = invoice.items[0]
    # net 100.00 / 1.05 = 95.238..; tax round(95.238.. * 0.05) = 4.76; charge amount 100.00 - 4.76 = 95.24
    assert (item.amount, item.charge_amount, item.tax_amount) == (D("100.00"), D("95.24"), D("4.76"))
    assert (invoice.amount_without_tax, invoice.tax_amount, invoice.amount) == (D("95.24"), D("4.76"), D("100.00"))
    assert invoice.invoice_date == date(2024, 3, 5)
    assert item.tax_lines[0].tax_date == date(2024, 3, 5)


def test_discount_is_taxed_with_its_own_tax_code() -> None:
    s = sub(
        "s1",
        "S-1",
        charge("base", "C-1", tax_code="STD"),
        charge(
            "disc",
            "C-2",
            charge_model=ChargeModel.DISCOUNT_PERCENTAGE,
            price=None,
            discount_percentage=D("10"),
            tax_code="STD",
        ),
    )
    invoice = run([s], tax_rates={"STD": [_tax("STD", "0.07")]})[0]
    # 7% of 100.00 = 7.00; 7% of -10.00 = -0.70
    assert [i.tax_amount for i in invoice.items] == [D("7.00"), D("-0.70")]
    assert invoice.amount == D("96.30")


def test_charged_through_dates_per_charge() -> None:
    s = sub(
        "s1",
        "S-1",
        charge("base", "C-1"),
        charge("use", "C-2", charge_type=ChargeType.USAGE, charge_model=ChargeModel.PER_UNIT, price=D("1")),
    )
    usage = [UsageRecord("u", "use", date(2024, 3, 9), D("2"))]
    invoice = run([s], date(2024, 4, 1), usage=usage)[0]
    assert dict(invoice.charged_through_dates) == {"base": date(2024, 5, 1), "use": date(2024, 4, 1)}


def test_generated_item_as_billed() -> None:
    item = run([sub("s1", "S-1", charge("base", "C-1"))])[0].items[0]
    assert item.as_billed() == BilledItem("base", START, date(2024, 3, 31), D("100.00"), ItemKind.CHARGE, D("1"))


def test_generate_twice_bills_nothing_new() -> None:
    subs = [_discounted_plan(), sub("s2", "S-2", charge("x", "C-1"), invoice_separately=True)]
    invoices = run(subs, date(2024, 6, 1))
    billed = [i.as_billed() for inv in invoices for i in inv.items]
    assert run(subs, date(2024, 6, 1), billed=billed) == []

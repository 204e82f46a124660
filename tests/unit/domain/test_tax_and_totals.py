"""Zuora-calculated tax and invoice totals: exact examples and hypothesis properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billforge.domain.invoices import ItemDraft, ProcessingType, totals
from billforge.domain.money import EUR, JPY, USD, Currency, has_at_most_minor_units, round_money
from billforge.domain.standalone import ItemContext, ItemRequest, build_items
from billforge.domain.tax import TaxMode, TaxRate, TaxRateType, apply_tax

DAY = date(2024, 1, 15)


def rate(value: str, kind: TaxRateType = TaxRateType.PERCENTAGE, name: str = "Tax") -> TaxRate:
    return TaxRate(name=name, rate=Decimal(value), rate_type=kind, tax_code="T")


def test_exclusive_rates_are_independent_and_rounded_each() -> None:
    # Zuora's example: 10.00 at 0.07 and 0.01 -> 0.70 and 0.10, not compounded.
    taxed = apply_tax(
        Decimal("10.00"), mode=TaxMode.EXCLUSIVE, rates=[rate("0.07"), rate("0.01")], currency=USD, tax_date=DAY
    )
    assert [line.tax_amount for line in taxed.tax_lines] == [Decimal("0.70"), Decimal("0.10")]
    assert taxed.charge_amount == Decimal("10.00")


def test_inclusive_tax_is_carved_out() -> None:
    # 10.00 including 5%: net 10.00 / 1.05 = 9.5238..; tax round(9.5238.. x 0.05) = round(0.47619..) = 0.48;
    # the charge amount is what remains: 10.00 - 0.48 = 9.52.
    taxed = apply_tax(Decimal("10.00"), mode=TaxMode.INCLUSIVE, rates=[rate("0.05")], currency=USD, tax_date=DAY)
    assert (taxed.charge_amount, taxed.tax_amount) == (Decimal("9.52"), Decimal("0.48"))


def test_flat_fee_is_positive_even_on_a_negative_item() -> None:
    taxed = apply_tax(
        Decimal("-20.00"),
        mode=TaxMode.EXCLUSIVE,
        rates=[rate("1.50", TaxRateType.FLAT_FEE)],
        currency=USD,
        tax_date=DAY,
    )
    assert taxed.tax_amount == Decimal("1.50")


def test_tax_is_rounded_per_item_then_summed() -> None:
    # Two items of 0.05 at 10%: each 0.005 -> 0.01 (half up), summed 0.02; rounding the sum of the
    # items' exact taxes (0.01) first would give 0.01.
    ctx = ItemContext(
        currency=USD, invoice_date=DAY, catalog={}, tax_rates={"T": [rate("0.10")]}, active_tax_codes=frozenset({"T"})
    )
    line = ItemRequest(amount=Decimal("0.05"), service_start_date=DAY, charge_name="x", tax_code="T")
    drafts = build_items([line, line], ctx)
    assert totals(drafts).tax_amount == Decimal("0.02")
    assert totals(drafts).amount == Decimal("0.12")  # 0.05 + 0.05 + 0.02


def test_yen_tax_has_no_minor_units() -> None:
    # 1,001 JPY at 8%: 80.08 -> 80
    taxed = apply_tax(Decimal("1001"), mode=TaxMode.EXCLUSIVE, rates=[rate("0.08")], currency=JPY, tax_date=DAY)
    assert taxed.tax_amount == Decimal("80")


currencies = st.sampled_from([USD, EUR, JPY])
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.3"), places=4)
flat = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)


@st.composite
def amounts(draw: st.DrawFn, currency: Currency) -> Decimal:
    whole = draw(st.integers(min_value=-(10**9), max_value=10**9))
    return Decimal(whole).scaleb(-currency.minor_units)


@st.composite
def taxed_items(draw: st.DrawFn) -> tuple[Currency, Decimal, TaxMode, list[TaxRate]]:
    currency = draw(currencies)
    amount = draw(amounts(currency))
    mode = draw(st.sampled_from(list(TaxMode)))
    rates = [rate(str(draw(percent)), name=f"P{n}") for n in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        rates.append(rate(str(draw(flat)), TaxRateType.FLAT_FEE, "Flat"))
    return currency, amount, mode, rates


@given(taxed_items())
def test_tax_lines_are_rounded_and_the_item_adds_up(case: tuple[Currency, Decimal, TaxMode, list[TaxRate]]) -> None:
    currency, amount, mode, rates = case
    taxed = apply_tax(amount, mode=mode, rates=rates, currency=currency, tax_date=DAY)
    for line in taxed.tax_lines:
        assert has_at_most_minor_units(line.tax_amount, currency)
    assert has_at_most_minor_units(taxed.charge_amount, currency)
    if mode is TaxMode.EXCLUSIVE:
        # The charge amount is the item amount; each percentage line is the rounded product.
        assert taxed.charge_amount == amount
        for line, applied in zip(taxed.tax_lines, rates, strict=True):
            if applied.rate_type is TaxRateType.PERCENTAGE:
                assert line.tax_amount == round_money(amount * applied.rate, currency)
            else:
                assert line.tax_amount == round_money(applied.rate, currency)
    else:
        # Inclusive: charge plus tax is exactly the item amount, never a cent off.
        assert taxed.charge_amount + taxed.tax_amount == amount


@given(
    st.lists(st.tuples(st.integers(-(10**7), 10**7), st.booleans()), min_size=1, max_size=30),
    st.lists(st.integers(0, 10**5), max_size=20),
)
def test_totals_add_up(charges: list[tuple[int, bool]], taxes: list[int]) -> None:
    from billforge.domain.tax import TaxLine

    items: list[ItemDraft] = []
    for position, (cents, is_discount) in enumerate(charges):
        lines = tuple(
            TaxLine("T", "T", Decimal("0.1"), TaxRateType.PERCENTAGE, TaxMode.EXCLUSIVE, Decimal(t).scaleb(-2), DAY)
            for t in taxes[position : position + 1]
        )
        items.append(
            ItemDraft(
                position=position,
                processing_type=ProcessingType.DISCOUNT if is_discount else ProcessingType.CHARGE,
                charge_amount=Decimal(cents).scaleb(-2),
                service_start_date=DAY,
                tax_lines=lines,
            )
        )
    result = totals(items)
    assert result.amount == result.amount_without_tax + result.tax_amount
    assert result.amount_without_tax == sum((i.charge_amount for i in items), Decimal(0))
    assert result.tax_amount == sum((i.tax_amount for i in items), Decimal(0))
    assert result.discount == sum(
        (i.charge_amount for i in items if i.processing_type is ProcessingType.DISCOUNT), Decimal(0)
    )

"""Zuora-calculated tax: tax codes with rates, applied to one item at a time.

Rules (Zuora Tax):
- a percentage rate is a decimal fraction (7% is 0.07) applied to the item's amount, so a
  negative item gets a negative tax; a flat-fee rate is a fixed positive amount whatever the sign;
- several rates on one item are independent, never compounded;
- each tax item is rounded on its own, then the invoice sums the rounded tax items;
- tax-exclusive: the item amount excludes tax and the tax is added on top;
- tax-inclusive: the item amount includes tax; the tax is carved out of it and the item's charge
  amount (which never includes tax) is what remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from billforge.domain.money import MONEY_CONTEXT, ZERO, Currency, round_money


class TaxMode(StrEnum):
    EXCLUSIVE = "TaxExclusive"
    INCLUSIVE = "TaxInclusive"


class TaxRateType(StrEnum):
    PERCENTAGE = "Percentage"
    FLAT_FEE = "FlatFee"


@dataclass(frozen=True, slots=True)
class TaxRate:
    """One rate of a tax code, valid for one jurisdiction."""

    name: str
    rate: Decimal
    rate_type: TaxRateType
    tax_code: str
    jurisdiction: str | None = None
    location_code: str | None = None
    tax_code_description: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class TaxLine:
    """A taxation item on an invoice item."""

    name: str
    tax_code: str
    tax_rate: Decimal
    tax_rate_type: TaxRateType
    tax_mode: TaxMode
    tax_amount: Decimal
    tax_date: date
    exempt_amount: Decimal = ZERO
    jurisdiction: str | None = None
    location_code: str | None = None
    tax_code_description: str | None = None
    tax_rate_description: str | None = None


@dataclass(frozen=True, slots=True)
class TaxedAmount:
    """An item amount split into its charge amount (without tax) and its tax lines."""

    charge_amount: Decimal
    tax_lines: tuple[TaxLine, ...]

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.tax_lines), ZERO)


def apply_tax(
    amount: Decimal,
    *,
    mode: TaxMode,
    rates: Sequence[TaxRate],
    currency: Currency,
    tax_date: date,
) -> TaxedAmount:
    """Tax one item amount with the given rates.

    Exclusive, 10.00 at 0.07 and 0.01: tax lines 0.70 and 0.10, charge amount 10.00.
    Inclusive, 10.00 at 0.05: net = 10.00 / 1.05 = 9.5238..; tax = round(9.5238.. * 0.05) = 0.48;
    charge amount = 10.00 - 0.48 = 9.52.
    """
    if not rates:
        return TaxedAmount(amount, ())
    lines: list[TaxLine] = []
    if mode is TaxMode.EXCLUSIVE:
        for rate in rates:
            lines.append(_line(rate, _tax_on(amount, rate, currency), mode, tax_date))
        return TaxedAmount(amount, tuple(lines))

    flat_total = sum((r.rate for r in rates if r.rate_type is TaxRateType.FLAT_FEE), ZERO)
    percent_total = sum((r.rate for r in rates if r.rate_type is TaxRateType.PERCENTAGE), ZERO)
    taxable = MONEY_CONTEXT.subtract(amount, flat_total) if amount >= ZERO else MONEY_CONTEXT.add(amount, flat_total)
    net = MONEY_CONTEXT.divide(taxable, MONEY_CONTEXT.add(Decimal(1), percent_total))
    for rate in rates:
        lines.append(_line(rate, _tax_on(net, rate, currency), mode, tax_date))
    tax_total = sum((line.tax_amount for line in lines), ZERO)
    return TaxedAmount(MONEY_CONTEXT.subtract(amount, tax_total), tuple(lines))


def _tax_on(base: Decimal, rate: TaxRate, currency: Currency) -> Decimal:
    if rate.rate_type is TaxRateType.FLAT_FEE:
        return round_money(abs(rate.rate), currency)
    return round_money(MONEY_CONTEXT.multiply(base, rate.rate), currency)


def _line(rate: TaxRate, tax: Decimal, mode: TaxMode, tax_date: date) -> TaxLine:
    return TaxLine(
        name=rate.name,
        tax_code=rate.tax_code,
        tax_rate=rate.rate,
        tax_rate_type=rate.rate_type,
        tax_mode=mode,
        tax_amount=tax,
        tax_date=tax_date,
        jurisdiction=rate.jurisdiction,
        location_code=rate.location_code,
        tax_code_description=rate.tax_code_description,
        tax_rate_description=rate.description,
    )

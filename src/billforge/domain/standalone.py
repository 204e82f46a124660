"""Standalone invoices (``POST /v1/invoices`` and ``/v1/invoices/batch``): the rules of Zuora's
"Create standalone invoices" page that need no database, and the assembly of items, discount
items and tax lines.

Everything arrives already looked up (catalog charges, tax rates, closed periods); every problem
is reported, each naming its field (``invoiceItems[2].discountItems[0].amount``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from billforge.domain.invoices import ItemDraft, ProcessingType
from billforge.domain.money import Currency, has_at_most_minor_units
from billforge.domain.tax import TaxLine, TaxMode, TaxRate, TaxRateType, apply_tax
from billforge.errors import BillforgeError, ErrorList, InvalidValue, MissingValue, RuleRestriction, UnknownReference

MAX_INVOICES_PER_BATCH: Final = 50
MAX_ITEMS_PER_INVOICE: Final = 1000
MAX_ITEMS_PER_REQUEST: Final = 1000
MAX_TAX_ITEMS: Final = 5
MAX_DISCOUNT_ITEMS: Final = 10
MAX_CUSTOM_RATES: Final = 2
INVOICE_NUMBER_MAX: Final = 32
INVOICE_NUMBER: Final = re.compile(r"^[A-Za-z0-9_-]+$")
CHARGE_DATE_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class TaxItemRequest:
    """An externally calculated tax (``taxItems[]``)."""

    name: str
    tax_amount: Decimal
    tax_code: str
    tax_date: date
    tax_rate: Decimal
    tax_rate_type: TaxRateType
    tax_mode: TaxMode
    exempt_amount: Decimal | None = None
    jurisdiction: str | None = None
    location_code: str | None = None
    tax_code_description: str | None = None
    tax_rate_description: str | None = None


@dataclass(frozen=True, slots=True)
class DiscountItemRequest:
    amount: Decimal
    charge_name: str | None = None
    charge_date: datetime | None = None
    description: str | None = None
    sku: str | None = None
    unit_price: Decimal | None = None
    product_rate_plan_charge_id: str | None = None
    item_type: str | None = None
    purchase_order_number: str | None = None
    tax_items: tuple[TaxItemRequest, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemRequest:
    amount: Decimal
    service_start_date: date
    service_end_date: date | None = None
    charge_name: str | None = None
    charge_date: datetime | None = None
    description: str | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    uom: str | None = None
    sku: str | None = None
    product_rate_plan_charge_id: str | None = None
    purchase_order_number: str | None = None
    item_type: str | None = None
    tax_code: str | None = None
    tax_mode: TaxMode | None = None
    tax_items: tuple[TaxItemRequest, ...] = ()
    discount_items: tuple[DiscountItemRequest, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CatalogCharge:
    """What an item copies from its product rate plan charge, whatever the request says."""

    id: str
    name: str
    charge_type: str
    product_id: str
    product_name: str
    sku: str
    uom: str | None
    tax_code: str | None
    tax_mode: TaxMode | None
    accounting_codes: dict[str, str | None] = field(default_factory=dict)
    # A discount charge that keeps its own accounting codes (``UseDiscountSpecificAccountingCode``);
    # otherwise its discount items take those of the item they discount.
    use_discount_specific_accounting_code: bool = False


# Accounting codes copied from a catalog charge (by their REST names).
COPIED_ACCOUNTING_CODES: Final = ("accountingCode", "deferredRevenueAccountingCode", "recognizedRevenueAccountingCode")


@dataclass(frozen=True, slots=True)
class ItemContext:
    """Lookups the items need, prepared by the caller."""

    currency: Currency
    invoice_date: date
    catalog: Mapping[str, CatalogCharge]
    tax_rates: Mapping[str, Sequence[TaxRate]]  # tax code -> rates applying to the sold-to contact
    active_tax_codes: frozenset[str]
    product_skus: frozenset[str] = frozenset()  # the SKUs given in the request that products already use


def check_invoice_number(number: str) -> BillforgeError | None:
    if len(number) > INVOICE_NUMBER_MAX:
        return InvalidValue(
            f"'invoiceNumber' must be at most {INVOICE_NUMBER_MAX} characters", field="invoiceNumber", obj="invoice"
        )
    if not INVOICE_NUMBER.match(number):
        return InvalidValue(
            "'invoiceNumber' may contain only letters a-z and A-Z, digits 0-9, '-' and '_'",
            field="invoiceNumber",
            obj="invoice",
        )
    return None


def due_date(invoice_date: date, term_days: int) -> date:
    """The due date a payment term gives: ``Net 30`` on 2024-01-31 is 2024-03-01."""
    return invoice_date + timedelta(days=term_days)


def build_items(requests: Sequence[ItemRequest], ctx: ItemContext) -> list[ItemDraft]:
    """Items, then each item's discount items right after it, with their tax lines."""
    problems: list[BillforgeError] = []
    drafts: list[ItemDraft] = []
    if not requests:
        raise MissingValue("'invoiceItems' must contain at least one item", field="invoiceItems", obj="invoice")
    if len(requests) > MAX_ITEMS_PER_INVOICE:
        raise InvalidValue(
            f"'invoiceItems' has {len(requests)} items; at most {MAX_ITEMS_PER_INVOICE} are allowed",
            field="invoiceItems",
            obj="invoice",
        )
    for index, request in enumerate(requests):
        where = f"invoiceItems[{index}]"
        try:
            drafts.extend(_build_item(request, len(drafts), where, ctx))
        except ErrorList as errors:
            problems.extend(errors.errors)
        except BillforgeError as error:
            problems.append(error)
    if problems:
        raise ErrorList(problems)
    return drafts


def _build_item(request: ItemRequest, position: int, where: str, ctx: ItemContext) -> list[ItemDraft]:
    problems: list[BillforgeError] = []

    def problem(kind: type[BillforgeError], name: str, message: str) -> None:
        problems.append(kind(f"'{where}.{name}' {message}", field=f"{where}.{name}", obj="invoiceItem"))

    catalog: CatalogCharge | None = None
    if request.product_rate_plan_charge_id is not None:
        catalog = ctx.catalog.get(request.product_rate_plan_charge_id)
        if catalog is None:
            problem(
                UnknownReference,
                "productRatePlanChargeId",
                f"{request.product_rate_plan_charge_id!r} is not a known charge",
            )
    elif not request.charge_name:
        problem(MissingValue, "chargeName", "is required when productRatePlanChargeId is not given")
    _check_amount(request.amount, ctx.currency, problem)
    _check_sku(request.sku, catalog, ctx, problem)
    if request.service_end_date is not None and request.service_end_date < request.service_start_date:
        problem(InvalidValue, "serviceEndDate", "must be on or after serviceStartDate")
    if len(request.tax_items) > MAX_TAX_ITEMS:
        problem(InvalidValue, "taxItems", f"has {len(request.tax_items)} entries; at most {MAX_TAX_ITEMS} are allowed")
    if len(request.discount_items) > MAX_DISCOUNT_ITEMS:
        problem(
            InvalidValue,
            "discountItems",
            f"has {len(request.discount_items)} entries; at most {MAX_DISCOUNT_ITEMS} are allowed",
        )

    # Copy from the catalog charge, regardless of what the request says (the seed page).
    charge_name, sku, uom = request.charge_name, request.sku, request.uom
    tax_code, tax_mode = request.tax_code, request.tax_mode
    extra = dict(request.extra)
    if catalog is not None:
        charge_name, sku, uom = catalog.name, catalog.sku, catalog.uom
        if not request.tax_items:
            tax_code, tax_mode = catalog.tax_code, catalog.tax_mode
        extra.update({k: v for k, v in catalog.accounting_codes.items() if k in COPIED_ACCOUNTING_CODES})

    external = bool(request.tax_items)
    if external and (request.tax_code is not None or request.tax_mode is not None):
        problem(
            InvalidValue,
            "taxCode",
            "must not be given with taxItems: externally calculated taxes carry their own taxCode and taxMode",
        )
    if not external and tax_code is not None and tax_code not in ctx.active_tax_codes:
        problem(UnknownReference, "taxCode", f"{tax_code!r} is not an active tax code")
    tax_lines: tuple[TaxLine, ...] = ()
    charge_amount = request.amount
    if external:
        tax_lines = tuple(_external_lines(request.tax_items, f"{where}.taxItems", ctx.currency, problems))
    elif tax_code is not None:
        taxed = apply_tax(
            request.amount,
            mode=tax_mode or TaxMode.EXCLUSIVE,
            rates=ctx.tax_rates.get(tax_code, ()),
            currency=ctx.currency,
            tax_date=ctx.invoice_date,
        )
        charge_amount, tax_lines = taxed.charge_amount, taxed.tax_lines
        tax_mode = tax_mode or TaxMode.EXCLUSIVE

    discounts: list[ItemDraft] = []
    for d_index, discount in enumerate(request.discount_items):
        d_where = f"{where}.discountItems[{d_index}]"
        discounts.append(
            _build_discount(
                discount,
                position=position + 1 + d_index,
                applied_to=position,
                where=d_where,
                parent_tax=(tax_code, tax_mode) if not external else (None, None),
                parent_codes={k: extra.get(k) for k in COPIED_ACCOUNTING_CODES},
                ctx=ctx,
                problems=problems,
            )
        )
    if problems:
        raise ErrorList(problems)
    item = ItemDraft(
        position=position,
        processing_type=ProcessingType.CHARGE,
        charge_amount=charge_amount,
        service_start_date=request.service_start_date,
        service_end_date=request.service_end_date,
        charge_name=charge_name,
        charge_type=catalog.charge_type if catalog else "OneTime",
        description=request.description,
        quantity=request.quantity,
        unit_price=request.unit_price,
        uom=uom,
        sku=sku,
        charge_date=request.charge_date,
        product_rate_plan_charge_id=request.product_rate_plan_charge_id,
        product_id=catalog.product_id if catalog else None,
        product_name=catalog.product_name if catalog else None,
        tax_code=tax_code if not external else None,
        tax_mode=tax_mode if not external else TaxMode.EXCLUSIVE if tax_lines else None,
        item_type=request.item_type,
        purchase_order_number=request.purchase_order_number,
        tax_lines=tax_lines,
        extra=extra,
    )
    return [item, *discounts]


def _build_discount(
    request: DiscountItemRequest,
    *,
    position: int,
    applied_to: int,
    where: str,
    parent_tax: tuple[str | None, TaxMode | None],
    parent_codes: Mapping[str, Any],
    ctx: ItemContext,
    problems: list[BillforgeError],
) -> ItemDraft:
    def problem(kind: type[BillforgeError], name: str, message: str) -> None:
        problems.append(kind(f"'{where}.{name}' {message}", field=f"{where}.{name}", obj="discountItem"))

    catalog: CatalogCharge | None = None
    if request.product_rate_plan_charge_id is not None:
        catalog = ctx.catalog.get(request.product_rate_plan_charge_id)
        if catalog is None:
            problem(
                UnknownReference,
                "productRatePlanChargeId",
                f"{request.product_rate_plan_charge_id!r} is not a known charge",
            )
    elif not request.charge_name:
        problem(MissingValue, "chargeName", "is required when productRatePlanChargeId is not given")
    if request.amount >= 0:
        problem(InvalidValue, "amount", f"must be negative for a discount item, got {request.amount}")
    _check_amount(request.amount, ctx.currency, problem)
    _check_sku(request.sku, catalog, ctx, problem)
    if len(request.tax_items) > MAX_TAX_ITEMS:
        problem(InvalidValue, "taxItems", f"has {len(request.tax_items)} entries; at most {MAX_TAX_ITEMS} are allowed")
    charge_name, sku = request.charge_name, request.sku
    extra = dict(request.extra)
    if catalog is not None:
        # The seed page: name and SKU from the discount charge; the accounting codes from it when it
        # uses discount-specific accounting codes, else from the charge of the item it discounts.
        charge_name, sku = catalog.name, catalog.sku
        own = catalog.use_discount_specific_accounting_code
        codes = catalog.accounting_codes if own else parent_codes
        extra.update({k: codes.get(k) for k in COPIED_ACCOUNTING_CODES})
    tax_code, tax_mode = parent_tax
    charge_amount = request.amount
    tax_lines: tuple[TaxLine, ...] = ()
    if request.tax_items:
        tax_lines = tuple(_external_lines(request.tax_items, f"{where}.taxItems", ctx.currency, problems))
        tax_code, tax_mode = None, TaxMode.EXCLUSIVE
    elif tax_code is not None:
        taxed = apply_tax(
            request.amount,
            mode=tax_mode or TaxMode.EXCLUSIVE,
            rates=[r for r in ctx.tax_rates.get(tax_code, ()) if r.rate_type is TaxRateType.PERCENTAGE],
            currency=ctx.currency,
            tax_date=ctx.invoice_date,
        )
        charge_amount, tax_lines = taxed.charge_amount, taxed.tax_lines
    return ItemDraft(
        position=position,
        processing_type=ProcessingType.DISCOUNT,
        charge_amount=charge_amount,
        service_start_date=ctx.invoice_date,
        charge_name=charge_name,
        charge_type=catalog.charge_type if catalog else "OneTime",
        description=request.description,
        unit_price=request.unit_price,
        sku=sku,
        charge_date=request.charge_date,
        product_rate_plan_charge_id=request.product_rate_plan_charge_id,
        tax_code=tax_code,
        tax_mode=tax_mode,
        item_type=request.item_type,
        purchase_order_number=request.purchase_order_number,
        applied_to_position=applied_to,
        tax_lines=tax_lines,
        extra=extra,
    )


def _check_sku(sku: str | None, catalog: CatalogCharge | None, ctx: ItemContext, problem: Any) -> None:
    """The seed page: "The SKU of the invoice item must be different from the SKU of any existing
    product" (a SKU copied from the item's own catalog charge is that product's, and is fine)."""
    if catalog is None and sku is not None and sku in ctx.product_skus:
        problem(InvalidValue, "sku", f"{sku!r} is the SKU of an existing product; an item's SKU must differ from it")


def _check_amount(amount: Decimal, currency: Currency, problem: Any) -> None:
    if not has_at_most_minor_units(amount, currency):
        problem(
            InvalidValue,
            "amount",
            f"{amount} has more decimal places than {currency.code} allows ({currency.minor_units})",
        )


def _external_lines(
    requests: Sequence[TaxItemRequest], where: str, currency: Currency, problems: list[BillforgeError]
) -> list[TaxLine]:
    lines: list[TaxLine] = []
    for index, tax in enumerate(requests):
        path = f"{where}[{index}]"
        if tax.tax_mode is not TaxMode.EXCLUSIVE:
            problems.append(
                InvalidValue(
                    f"'{path}.taxMode' must be TaxExclusive for externally calculated taxes",
                    field=f"{path}.taxMode",
                    obj="taxationItem",
                )
            )
        for name, value in (("taxAmount", tax.tax_amount), ("exemptAmount", tax.exempt_amount)):
            if value is not None and not has_at_most_minor_units(value, currency):
                problems.append(
                    InvalidValue(
                        f"'{path}.{name}' {value} has more decimal places than {currency.code} allows",
                        field=f"{path}.{name}",
                        obj="taxationItem",
                    )
                )
        lines.append(
            TaxLine(
                name=tax.name,
                tax_code=tax.tax_code,
                tax_rate=tax.tax_rate,
                tax_rate_type=tax.tax_rate_type,
                tax_mode=tax.tax_mode,
                tax_amount=tax.tax_amount,
                tax_date=tax.tax_date,
                exempt_amount=tax.exempt_amount or Decimal(0),
                jurisdiction=tax.jurisdiction,
                location_code=tax.location_code,
                tax_code_description=tax.tax_code_description,
                tax_rate_description=tax.tax_rate_description,
            )
        )
    return lines


def check_contacts(
    *,
    bill_to_id: str | None,
    bill_to_new: bool,
    sold_to_id: str | None,
    sold_to_new: bool,
    ship_to_id: str | None,
    ship_to_new: bool,
    sold_to_same_as_bill_to: bool,
    ship_to_same_as_bill_to: bool,
) -> list[BillforgeError]:
    """The contact fields' exclusivity rules (the seed page)."""
    problems: list[BillforgeError] = []
    for role, given_id, new in (
        ("billTo", bill_to_id, bill_to_new),
        ("soldTo", sold_to_id, sold_to_new),
        ("shipTo", ship_to_id, ship_to_new),
    ):
        if given_id is not None and new:
            problems.append(
                InvalidValue(
                    f"'{role}ContactId' and '{role}Contact' are mutually exclusive: give one of them",
                    field=f"{role}ContactId",
                    obj="invoice",
                )
            )
    for same, role in ((sold_to_same_as_bill_to, "soldTo"), (ship_to_same_as_bill_to, "shipTo")):
        given = sold_to_id is not None or sold_to_new if role == "soldTo" else ship_to_id is not None or ship_to_new
        if same and given:
            problems.append(
                RuleRestriction(
                    f"'{role}SameAsBillTo' is mutually exclusive with '{role}Contact' and '{role}ContactId'",
                    field=f"{role}SameAsBillTo",
                    obj="invoice",
                )
            )
    return problems

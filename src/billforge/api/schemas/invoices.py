"""Standalone invoice requests (``CreateInvoiceRequest`` and friends) and invoice answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.api.schemas.contacts import ContactRequest
from billforge.api.validation import ZAmount, ZBool, ZDate, ZPrice, ZQuantity, ZStr, ZuoraModel
from billforge.domain.standalone import (
    MAX_CUSTOM_RATES,
    MAX_DISCOUNT_ITEMS,
    MAX_TAX_ITEMS,
    DiscountItemRequest,
    ItemRequest,
    TaxItemRequest,
)
from billforge.domain.tax import TaxMode, TaxRateType

Text = Annotated[ZStr, Field(max_length=255)]
Code = Annotated[ZStr, Field(max_length=100)]
TaxModeName = Literal["TaxExclusive", "TaxInclusive"]
RateType = Literal["Percentage", "FlatFee"]
RevRecTrigger = Literal["ServiceActivationDate", "ContractEffectiveDate", "CustomerAcceptanceDate"]
TransferredToAccounting = Literal["Processing", "Error", "Yes", "Ignore", "No"]


def _as_charge_date(value: Any) -> datetime:
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                return datetime.strptime(value, fmt)  # noqa: DTZ007 - a wall-clock time in the tenant's zone
            except ValueError:
                continue
    raise PydanticCustomError(
        "bf_charge_date", "must be in yyyy-mm-dd hh:mm:ss format, got {value}", {"value": repr(value)}
    )


ChargeDate = Annotated[datetime, BeforeValidator(_as_charge_date)]

# Stored and returned as given, never computed with.
ITEM_PASS_THROUGH = (
    "accountingCode",
    "accountsReceivableAccountingCode",
    "adjustmentLiabilityAccountingCode",
    "adjustmentRevenueAccountingCode",
    "bookingReference",
    "contractAssetAccountingCode",
    "contractLiabilityAccountingCode",
    "contractRecognizedRevenueAccountingCode",
    "deferredRevenueAccountingCode",
    "excludeItemBillingFromRevenueAccounting",
    "recognizedRevenueAccountingCode",
    "revRecCode",
    "revRecTriggerCondition",
    "revRecStartDate",
    "revenueRecognitionRuleName",
    "unbilledReceivablesAccountingCode",
    "IntegrationId__NS",
    "IntegrationStatus__NS",
    "SyncDate__NS",
)
INVOICE_PASS_THROUGH = ("IntegrationId__NS", "IntegrationStatus__NS", "SyncDate__NS", "communicationProfileId")


class _PassThrough(ZuoraModel):
    accounting_code: Code | None = Field(default=None, alias="accountingCode")
    accounts_receivable_accounting_code: Code | None = Field(default=None, alias="accountsReceivableAccountingCode")
    adjustment_liability_accounting_code: Code | None = Field(default=None, alias="adjustmentLiabilityAccountingCode")
    adjustment_revenue_accounting_code: Code | None = Field(default=None, alias="adjustmentRevenueAccountingCode")
    booking_reference: Code | None = Field(default=None, alias="bookingReference")
    contract_asset_accounting_code: Code | None = Field(default=None, alias="contractAssetAccountingCode")
    contract_liability_accounting_code: Code | None = Field(default=None, alias="contractLiabilityAccountingCode")
    contract_recognized_revenue_accounting_code: Code | None = Field(
        default=None, alias="contractRecognizedRevenueAccountingCode"
    )
    deferred_revenue_accounting_code: Code | None = Field(default=None, alias="deferredRevenueAccountingCode")
    exclude_item_billing_from_revenue_accounting: ZBool | None = Field(
        default=None, alias="excludeItemBillingFromRevenueAccounting"
    )
    recognized_revenue_accounting_code: Code | None = Field(default=None, alias="recognizedRevenueAccountingCode")
    rev_rec_code: Annotated[ZStr, Field(max_length=70)] | None = Field(default=None, alias="revRecCode")
    rev_rec_trigger_condition: RevRecTrigger | None = Field(default=None, alias="revRecTriggerCondition")
    rev_rec_start_date: ZDate | None = Field(default=None, alias="revRecStartDate")
    revenue_recognition_rule_name: Code | None = Field(default=None, alias="revenueRecognitionRuleName")
    unbilled_receivables_accounting_code: Code | None = Field(default=None, alias="unbilledReceivablesAccountingCode")
    integration_id_ns: Text | None = Field(default=None, alias="IntegrationId__NS")
    integration_status_ns: Text | None = Field(default=None, alias="IntegrationStatus__NS")
    sync_date_ns: Text | None = Field(default=None, alias="SyncDate__NS")

    def pass_through(self) -> dict[str, Any]:
        wanted = _pass_through_names(type(self)) & self.model_fields_set
        if not wanted and not self.model_extra:
            return {}
        dumped = self.model_dump(by_alias=True, include=set(wanted), exclude_none=True)
        for key, value in list(dumped.items()):
            if hasattr(value, "isoformat"):
                dumped[key] = value.isoformat()
        dumped.update({k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")})
        return dumped


@cache
def _pass_through_names(model: type[ZuoraModel]) -> frozenset[str]:
    return frozenset(name for name, info in model.model_fields.items() if info.alias in ITEM_PASS_THROUGH)


class TaxItem(ZuoraModel):
    name: Annotated[ZStr, Field(max_length=128)]
    tax_amount: ZAmount = Field(alias="taxAmount")
    tax_code: Annotated[ZStr, Field(max_length=64)] = Field(alias="taxCode")
    tax_date: ZDate = Field(alias="taxDate")
    tax_rate: ZPrice = Field(alias="taxRate")
    tax_rate_type: RateType = Field(alias="taxRateType")
    tax_mode: TaxModeName = Field(alias="taxMode")
    exempt_amount: ZAmount | None = Field(default=None, alias="exemptAmount")
    jurisdiction: Text | None = None
    location_code: Annotated[ZStr, Field(max_length=64)] | None = Field(default=None, alias="locationCode")
    tax_code_description: Text | None = Field(default=None, alias="taxCodeDescription")
    tax_rate_description: Text | None = Field(default=None, alias="taxRateDescription")

    def to_request(self) -> TaxItemRequest:
        return TaxItemRequest(
            name=self.name,
            tax_amount=self.tax_amount,
            tax_code=self.tax_code,
            tax_date=self.tax_date,
            tax_rate=self.tax_rate,
            tax_rate_type=TaxRateType(self.tax_rate_type),
            tax_mode=TaxMode(self.tax_mode),
            exempt_amount=self.exempt_amount,
            jurisdiction=self.jurisdiction,
            location_code=self.location_code,
            tax_code_description=self.tax_code_description,
            tax_rate_description=self.tax_rate_description,
        )


class DiscountItem(_PassThrough):
    amount: ZAmount
    charge_name: Text | None = Field(default=None, alias="chargeName")
    charge_date: ChargeDate | None = Field(default=None, alias="chargeDate")
    description: Annotated[ZStr, Field(max_length=2000)] | None = None
    sku: Annotated[ZStr, Field(max_length=50)] | None = None
    unit_price: ZPrice | None = Field(default=None, alias="unitPrice")
    product_rate_plan_charge_id: ZStr | None = Field(default=None, alias="productRatePlanChargeId")
    item_type: Annotated[ZStr, Field(max_length=50)] | None = Field(default=None, alias="itemType")
    purchase_order_number: Annotated[ZStr, Field(max_length=60)] | None = Field(
        default=None, alias="purchaseOrderNumber"
    )
    tax_items: list[TaxItem] | None = Field(default=None, alias="taxItems")

    def to_request(self) -> DiscountItemRequest:
        return DiscountItemRequest(
            amount=self.amount,
            charge_name=self.charge_name,
            charge_date=self.charge_date,
            description=self.description,
            sku=self.sku,
            unit_price=self.unit_price,
            product_rate_plan_charge_id=self.product_rate_plan_charge_id,
            item_type=self.item_type,
            purchase_order_number=self.purchase_order_number,
            tax_items=tuple(t.to_request() for t in self.tax_items or ()),
            extra=self.pass_through(),
        )


class InvoiceItem(_PassThrough):
    amount: ZAmount
    service_start_date: ZDate = Field(alias="serviceStartDate")
    service_end_date: ZDate | None = Field(default=None, alias="serviceEndDate")
    charge_name: Text | None = Field(default=None, alias="chargeName")
    charge_date: ChargeDate | None = Field(default=None, alias="chargeDate")
    description: Annotated[ZStr, Field(max_length=2000)] | None = None
    quantity: ZQuantity = Decimal(1)
    unit_price: ZPrice | None = Field(default=None, alias="unitPrice")
    uom: Annotated[ZStr, Field(max_length=25)] | None = None
    sku: Annotated[ZStr, Field(max_length=50)] | None = None
    product_rate_plan_charge_id: ZStr | None = Field(default=None, alias="productRatePlanChargeId")
    purchase_order_number: Annotated[ZStr, Field(max_length=60)] | None = Field(
        default=None, alias="purchaseOrderNumber"
    )
    item_type: Annotated[ZStr, Field(max_length=50)] | None = Field(default=None, alias="itemType")
    tax_code: Annotated[ZStr, Field(max_length=64)] | None = Field(default=None, alias="taxCode")
    tax_mode: TaxModeName | None = Field(default=None, alias="taxMode")
    tax_items: Annotated[list[TaxItem], Field(max_length=MAX_TAX_ITEMS)] | None = Field(default=None, alias="taxItems")
    discount_items: Annotated[list[DiscountItem], Field(max_length=MAX_DISCOUNT_ITEMS)] | None = Field(
        default=None, alias="discountItems"
    )

    def to_request(self) -> ItemRequest:
        return ItemRequest(
            amount=self.amount,
            service_start_date=self.service_start_date,
            service_end_date=self.service_end_date,
            charge_name=self.charge_name,
            charge_date=self.charge_date,
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            uom=self.uom,
            sku=self.sku,
            product_rate_plan_charge_id=self.product_rate_plan_charge_id,
            purchase_order_number=self.purchase_order_number,
            item_type=self.item_type,
            tax_code=self.tax_code,
            tax_mode=TaxMode(self.tax_mode) if self.tax_mode else None,
            tax_items=tuple(t.to_request() for t in self.tax_items or ()),
            discount_items=tuple(d.to_request() for d in self.discount_items or ()),
            extra=self.pass_through(),
        )


class CustomRate(ZuoraModel):
    currency: Annotated[ZStr, Field(min_length=3, max_length=3)]
    custom_fx_rate: ZPrice = Field(alias="customFxRate")
    rate_date: ZDate | None = Field(default=None, alias="rateDate")


class CreateInvoiceRequest(ZuoraModel):
    account_id: ZStr | None = Field(default=None, alias="accountId")
    account_number: ZStr | None = Field(default=None, alias="accountNumber")
    invoice_date: ZDate = Field(alias="invoiceDate")
    invoice_items: list[InvoiceItem] = Field(alias="invoiceItems")
    invoice_number: ZStr | None = Field(default=None, alias="invoiceNumber")
    due_date: ZDate | None = Field(default=None, alias="dueDate")
    currency: Annotated[ZStr, Field(min_length=3, max_length=3)] | None = None
    status: Literal["Draft", "Posted"] = "Draft"
    payment_term: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="paymentTerm")
    sequence_set: ZStr | None = Field(default=None, alias="sequenceSet")
    template_id: ZStr | None = Field(default=None, alias="templateId")
    auto_pay: ZBool = Field(default=False, alias="autoPay")
    comments: Annotated[ZStr, Field(max_length=255)] | None = None
    transferred_to_accounting: TransferredToAccounting | None = Field(default=None, alias="transferredToAccounting")
    communication_profile_id: ZStr | None = Field(default=None, alias="communicationProfileId")
    bill_to_contact_id: ZStr | None = Field(default=None, alias="billToContactId")
    sold_to_contact_id: ZStr | None = Field(default=None, alias="soldToContactId")
    ship_to_contact_id: ZStr | None = Field(default=None, alias="shipToContactId")
    bill_to_contact: ContactRequest | None = Field(default=None, alias="billToContact")
    sold_to_contact: ContactRequest | None = Field(default=None, alias="soldToContact")
    ship_to_contact: ContactRequest | None = Field(default=None, alias="shipToContact")
    sold_to_same_as_bill_to: ZBool = Field(default=False, alias="soldToSameAsBillTo")
    ship_to_same_as_bill_to: ZBool = Field(default=False, alias="shipToSameAsBillTo")
    custom_rates: Annotated[list[CustomRate], Field(max_length=MAX_CUSTOM_RATES)] | None = Field(
        default=None, alias="customRates"
    )
    integration_id_ns: Text | None = Field(default=None, alias="IntegrationId__NS")
    integration_status_ns: Text | None = Field(default=None, alias="IntegrationStatus__NS")
    sync_date_ns: Text | None = Field(default=None, alias="SyncDate__NS")

    def pass_through(self) -> dict[str, Any]:
        extra: dict[str, Any] = {
            alias: value
            for alias, value in (
                ("IntegrationId__NS", self.integration_id_ns),
                ("IntegrationStatus__NS", self.integration_status_ns),
                ("SyncDate__NS", self.sync_date_ns),
            )
            if value is not None
        }
        if self.custom_rates:
            extra["customRates"] = [
                {
                    "currency": r.currency,
                    "customFxRate": str(r.custom_fx_rate),
                    "rateDate": r.rate_date.isoformat() if r.rate_date else None,
                }
                for r in self.custom_rates
            ]
        extra.update({k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")})
        return extra


class BulkCreateInvoicesRequest(ZuoraModel):
    invoices: list[Any]
    use_single_transaction: ZBool = Field(default=False, alias="useSingleTransaction")


class UpdateInvoiceItem(_PassThrough):
    id: ZStr | None = None
    delete: ZBool = False
    amount: ZAmount | None = None
    service_start_date: ZDate | None = Field(default=None, alias="serviceStartDate")
    service_end_date: ZDate | None = Field(default=None, alias="serviceEndDate")
    charge_name: Text | None = Field(default=None, alias="chargeName")
    charge_date: ChargeDate | None = Field(default=None, alias="chargeDate")
    description: Annotated[ZStr, Field(max_length=2000)] | None = None
    quantity: ZQuantity | None = None
    unit_price: ZPrice | None = Field(default=None, alias="unitPrice")
    uom: Annotated[ZStr, Field(max_length=25)] | None = None
    sku: Annotated[ZStr, Field(max_length=50)] | None = None
    product_rate_plan_charge_id: ZStr | None = Field(default=None, alias="productRatePlanChargeId")
    purchase_order_number: Annotated[ZStr, Field(max_length=60)] | None = Field(
        default=None, alias="purchaseOrderNumber"
    )
    item_type: Annotated[ZStr, Field(max_length=50)] | None = Field(default=None, alias="itemType")
    tax_code: Annotated[ZStr, Field(max_length=64)] | None = Field(default=None, alias="taxCode")
    tax_mode: TaxModeName | None = Field(default=None, alias="taxMode")
    tax_items: Annotated[list[TaxItem], Field(max_length=MAX_TAX_ITEMS)] | None = Field(default=None, alias="taxItems")
    discount_items: Annotated[list[DiscountItem], Field(max_length=MAX_DISCOUNT_ITEMS)] | None = Field(
        default=None, alias="discountItems"
    )


class UpdateInvoiceRequest(ZuoraModel):
    auto_pay: ZBool | None = Field(default=None, alias="autoPay")
    comments: Annotated[ZStr, Field(max_length=255)] | None = None
    due_date: ZDate | None = Field(default=None, alias="dueDate")
    invoice_date: ZDate | None = Field(default=None, alias="invoiceDate")
    invoice_items: list[UpdateInvoiceItem] | None = Field(default=None, alias="invoiceItems")
    template_id: ZStr | None = Field(default=None, alias="templateId")
    transferred_to_accounting: TransferredToAccounting | None = Field(default=None, alias="transferredToAccounting")
    integration_id_ns: Text | None = Field(default=None, alias="IntegrationId__NS")
    integration_status_ns: Text | None = Field(default=None, alias="IntegrationStatus__NS")
    sync_date_ns: Text | None = Field(default=None, alias="SyncDate__NS")


class InvoiceForBulkUpdate(UpdateInvoiceRequest):
    id: ZStr


class BulkUpdateInvoicesRequest(ZuoraModel):
    invoices: list[Any]


class PostInvoiceRequest(ZuoraModel):
    invoice_date: ZDate | None = Field(default=None, alias="invoiceDate")


class BulkPostEntry(ZuoraModel):
    id: ZStr
    invoice_date: ZDate | None = Field(default=None, alias="invoiceDate")


class BulkPostInvoicesRequest(ZuoraModel):
    invoices: Annotated[list[Any], Field(max_length=50)]

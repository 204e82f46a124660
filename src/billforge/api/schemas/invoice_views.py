"""Invoices and invoice items in Zuora's REST shapes (``InvoiceResponse``, ``InvoiceItem``,
``UpdateInvoiceResponse``). Amounts are JSON numbers, dates ``YYYY-MM-DD``, timestamps ISO 8601
with the tenant's offset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from billforge.api.jsonio import decimal_text, iso_date


def _ts(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def _amounts(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "amount": row["amount"],
        "amountWithoutTax": row["amount_without_tax"],
        "taxAmount": row["tax_amount"],
        "taxExemptAmount": row["tax_exempt_amount"],
        "balance": row["balance"],
        "discount": row["discount"],
        "adjustmentAmount": row["adjustment_amount"],
        "creditBalanceAdjustmentAmount": row["credit_balance_adjustment_amount"],
        "creditMemoAmount": row["credit_memo_amount"],
        "paymentAmount": row["payment_amount"],
        "refundAmount": row["refund_amount"],
    }


def invoice_response(row: Mapping[Any, Any], time_zone: str) -> dict[str, Any]:
    """``InvoiceResponse`` without the common fields."""
    zone = ZoneInfo(time_zone)
    extra = row["extra"] or {}
    return {
        "id": row["id"],
        "invoiceNumber": row["invoice_number"],
        "accountId": row["account_id"],
        "status": row["status"],
        **_amounts(row),
        "currency": row["currency"],
        "invoiceDate": iso_date(row["invoice_date"]),
        "targetDate": iso_date(row["target_date"]),
        "dueDate": iso_date(row["due_date"]),
        "postedDate": _ts(row["posted_date"], zone),
        "postedBy": row["posted_by_id"],
        "autoPay": row["auto_pay"],
        "comments": row["comments"],
        "includesOneTime": row["includes_one_time"],
        "includesRecurring": row["includes_recurring"],
        "includesUsage": row["includes_usage"],
        "paymentTerm": row["payment_term"],
        "billRunId": None,
        "billToContactId": row["bill_to_contact_id"],
        "soldToContactId": row["sold_to_contact_id"],
        "shipToContactId": row["ship_to_contact_id"],
        "billToContactSnapshotId": None,
        "soldToContactSnapshotId": None,
        "shipToContactSnapshotId": None,
        "communicationProfileId": row["communication_profile_id"],
        "sequenceSetId": row["sequence_set_id"],
        "templateId": row["template_id"],
        "invoiceGroupNumber": None,
        "source": row["source"],
        "sourceId": row["source_id"],
        "sourceType": row["source_type"],
        "taxStatus": None,
        "taxMessage": None,
        "transferredToAccounting": row["transferred_to_accounting"],
        "lastEmailSentDate": _ts(row["last_email_sent_date"], zone),
        "createdById": row["created_by_id"],
        "createdDate": _ts(row["created_at"], zone),
        "updatedById": row["updated_by_id"],
        "updatedDate": _ts(row["updated_at"], zone),
        "customRates": extra.get("customRates"),
        **{k: v for k, v in extra.items() if k != "customRates"},
    }


def update_response(row: Mapping[Any, Any], time_zone: str) -> dict[str, Any]:
    """``UpdateInvoiceResponse``: note ``number`` (not invoiceNumber) and ``comment``."""
    zone = ZoneInfo(time_zone)
    return {
        "id": row["id"],
        "number": row["invoice_number"],
        "accountId": row["account_id"],
        "amount": row["amount"],
        "balance": row["balance"],
        "status": row["status"],
        "invoiceDate": iso_date(row["invoice_date"]),
        "dueDate": iso_date(row["due_date"]),
        "targetDate": iso_date(row["target_date"]),
        "currency": row["currency"],
        "discount": row["discount"],
        "taxAmount": row["tax_amount"],
        "totalTaxExemptAmount": row["tax_exempt_amount"],
        "comment": row["comments"],
        "autoPay": row["auto_pay"],
        "templateId": row["template_id"],
        "transferredToAccounting": row["transferred_to_accounting"],
        "postedById": row["posted_by_id"],
        "postedOn": _ts(row["posted_date"], zone),
        "cancelledById": row["canceled_by_id"],
        "cancelledOn": _ts(row["canceled_date"], zone),
        "creditBalanceAdjustmentAmount": row["credit_balance_adjustment_amount"],
        "createdById": row["created_by_id"],
        "createdDate": _ts(row["created_at"], zone),
        "updatedById": row["updated_by_id"],
        "updatedDate": _ts(row["updated_at"], zone),
    }


def taxation_item(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "taxAmount": row["tax_amount"],
        "exemptAmount": row["exempt_amount"],
        "taxCode": row["tax_code"],
        "taxCodeDescription": row["tax_code_description"],
        "taxDate": iso_date(row["tax_date"]),
        "taxRate": row["tax_rate"],
        "taxRateType": row["tax_rate_type"],
        "taxRateDescription": row["tax_rate_description"],
        "taxMode": row["tax_mode"],
        "jurisdiction": row["jurisdiction"],
        "locationCode": row["location_code"],
        "balance": row["tax_amount"],
        "paymentAmount": 0,
        "creditAmount": 0,
        "availableToCreditAmount": row["tax_amount"],
    }


def invoice_item(row: Mapping[Any, Any], taxes: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    """``InvoiceItem``: ``chargeAmount``, ``taxAmount`` and ``balance`` are strings in Zuora's model."""
    balance = row["charge_amount"] + row["tax_amount"]
    return {
        "id": row["id"],
        "chargeId": row["rate_plan_charge_id"],
        "chargeName": row["charge_name"],
        "chargeType": row["charge_type"],
        "chargeDescription": row["description"],
        "description": row["description"],
        "chargeDate": row["charge_date"].strftime("%Y-%m-%d %H:%M:%S") if row["charge_date"] else None,
        "chargeAmount": decimal_text(row["charge_amount"]),
        "taxAmount": decimal_text(row["tax_amount"]),
        "balance": decimal_text(balance),
        "availableToCreditAmount": balance,
        "quantity": row["quantity"],
        "unitPrice": row["unit_price"],
        "unitOfMeasure": row["uom"],
        "serviceStartDate": iso_date(row["service_start_date"]),
        "serviceEndDate": iso_date(row["service_end_date"]),
        "subscriptionId": row["subscription_id"],
        "subscriptionName": row["subscription_number"],
        "productName": row["product_name"],
        "productRatePlanChargeId": row["product_rate_plan_charge_id"],
        "processingType": row["processing_type"],
        "sourceItemType": "InvoiceDetail" if row["subscription_id"] else "Standalone",
        "itemType": row["item_type"],
        "appliedToItemId": row["applied_to_item_id"],
        "sku": row["sku"],
        "taxCode": row["tax_code"],
        "taxMode": row["tax_mode"],
        "purchaseOrderNumber": row["purchase_order_number"],
        "taxationItems": {"data": [taxation_item(t) for t in taxes]},
        **(row["extra"] or {}),
    }

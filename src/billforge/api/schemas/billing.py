"""Requests that generate invoices: ``POST /v1/action/generate`` (PascalCase Invoice zObjects, the
seed ``rest-action-generate.md``) and ``GenerateBillingDocumentRequest``."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field

from billforge.api.validation import ZBool, ZDate, ZDateLoose, ZStr, ZuoraModel

MAX_GENERATE_OBJECTS: Final = 50

#: The Invoice object's fields (the seed ``soap-invoice-object.txt``). A generate reads AccountId,
#: InvoiceDate, TargetDate and the three Includes flags; the others are known fields that a generate
#: ignores, so only a name outside this list (and not a ``__c`` custom field) is "unrecognised".
INVOICE_FIELDS: Final = frozenset(
    {
        "Id",
        "fieldsToNull",
        "AccountId",
        "AdjustmentAmount",
        "Amount",
        "AmountWithoutTax",
        "AutoPay",
        "Balance",
        "BillRunId",
        "BillToContactId",
        "BillToContactSnapshotId",
        "Body",
        "Comments",
        "CreatedById",
        "CreatedDate",
        "CreditBalanceAdjustmentAmount",
        "Currency",
        "DueDate",
        "IncludesOneTime",
        "IncludesRecurring",
        "IncludesUsage",
        "InvoiceDate",
        "InvoiceNumber",
        "LastEmailSentDate",
        "PaymentAmount",
        "PaymentTerm",
        "PostedBy",
        "PostedDate",
        "RefundAmount",
        "RegenerateInvoicePDF",
        "Source",
        "SourceId",
        "SourceType",
        "Status",
        "SoldToContactSnapshotId",
        "TargetDate",
        "TaxAmount",
        "TaxExemptAmount",
        "TaxStatus",
        "TaxMessage",
        "TransferredToAccounting",
        "UpdatedById",
        "UpdatedDate",
    }
)


class GenerateInvoiceObject(ZuoraModel):
    """One Invoice zObject of a generate call. Dates may be SOAP dateTimes (the date part is used)."""

    account_id: Annotated[ZStr, Field(min_length=1, max_length=70)] = Field(alias="AccountId")
    invoice_date: ZDateLoose = Field(alias="InvoiceDate")
    target_date: ZDateLoose = Field(alias="TargetDate")
    includes_one_time: ZBool = Field(default=True, alias="IncludesOneTime")
    includes_recurring: ZBool = Field(default=True, alias="IncludesRecurring")
    includes_usage: ZBool = Field(default=True, alias="IncludesUsage")


class GenerateRequest(ZuoraModel):
    """The body of ``POST /v1/action/generate`` (for the OpenAPI document; the route reads the body
    itself, so that each object's problem becomes that object's result)."""

    objects: Annotated[list[GenerateInvoiceObject], Field(min_length=1, max_length=MAX_GENERATE_OBJECTS)]
    type: Literal["Invoice"]


class GenerateBillingDocumentRequest(ZuoraModel):
    effective_date: ZDate = Field(alias="effectiveDate")
    target_date: ZDate = Field(alias="targetDate")
    auto_post: ZBool = Field(default=False, alias="autoPost")
    auto_renew: ZBool = Field(default=False, alias="autoRenew")
    charge_type_to_exclude: list[ZStr] | None = Field(default=None, alias="chargeTypeToExclude")
    credit_memo_reason_code: Annotated[ZStr, Field(max_length=25)] | None = Field(
        default=None, alias="creditMemoReasonCode"
    )
    subscription_ids: list[ZStr] | None = Field(default=None, alias="subscriptionIds")
    include_subscriptions: ZBool | None = Field(default=None, alias="includeSubscriptions")
    include_order_line_items: ZBool | None = Field(default=None, alias="includeOrderLineItems")
    commitment_keys: list[ZStr] | None = Field(default=None, alias="commitmentKeys")

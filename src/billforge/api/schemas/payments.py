"""``CreatePaymentRequest``, ``UpdatePaymentRequest``, ``CreateRefundRequest`` and the payment and refund
answers."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field

from billforge.api.jsonio import iso_date
from billforge.api.validation import ZAmount, ZDate, ZStr, ZuoraModel
from billforge.services.payment_changes import PaymentChanges
from billforge.services.payments import Application, PaymentInput, PaymentView, RefundInput, RefundView


class InvoiceApplication(ZuoraModel):
    amount: ZAmount
    invoice_id: ZStr | None = Field(default=None, alias="invoiceId")
    invoice_number: ZStr | None = Field(default=None, alias="invoiceNumber")

    def to_application(self) -> Application:
        return Application(self.amount, self.invoice_id, self.invoice_number)


class CreatePaymentRequest(ZuoraModel):
    amount: ZAmount
    currency: Annotated[ZStr, Field(min_length=3, max_length=3)]
    type: ZStr
    account_id: ZStr | None = Field(default=None, alias="accountId")
    account_number: ZStr | None = Field(default=None, alias="accountNumber")
    invoices: list[InvoiceApplication] | None = None
    effective_date: ZDate | None = Field(default=None, alias="effectiveDate")
    payment_method_id: ZStr | None = Field(default=None, alias="paymentMethodId")
    comment: Annotated[ZStr, Field(max_length=255)] | None = None
    reference_id: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="referenceId")

    def to_input(self) -> PaymentInput:
        return PaymentInput(
            amount=self.amount,
            currency=self.currency,
            type=self.type,
            account_id=self.account_id,
            account_number=self.account_number,
            invoices=[i.to_application() for i in self.invoices or ()],
            effective_date=self.effective_date,
            payment_method_id=self.payment_method_id,
            comment=self.comment,
            reference_id=self.reference_id,
            extra={k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")},
        )


class UpdatePaymentRequest(ZuoraModel):
    """Zuora's "Update a payment": ``comment``, ``referenceId`` (null clears one) and custom fields; what is
    not sent is unchanged."""

    comment: Annotated[ZStr, Field(max_length=255)] | None = None
    reference_id: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="referenceId")

    def to_changes(self) -> PaymentChanges:
        return PaymentChanges(
            values={name: getattr(self, name) for name in ("comment", "reference_id") if name in self.model_fields_set},
            extra={k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")},
        )


class CreateRefundRequest(ZuoraModel):
    total_amount: ZAmount = Field(alias="totalAmount")
    type: ZStr = "External"
    refund_date: ZDate | None = Field(default=None, alias="refundDate")
    method_type: ZStr | None = Field(default=None, alias="methodType")
    reason_code: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="reasonCode")
    comment: Annotated[ZStr, Field(max_length=255)] | None = None
    reference_id: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="referenceId")
    invoices: list[InvoiceApplication] | None = None

    def to_input(self) -> RefundInput:
        return RefundInput(
            total_amount=self.total_amount,
            type=self.type,
            refund_date=self.refund_date,
            method_type=self.method_type,
            reason_code=self.reason_code,
            comment=self.comment,
            reference_id=self.reference_id,
            invoices=[i.to_application() for i in self.invoices or ()],
        )


def payment_response(view: PaymentView) -> dict[str, Any]:
    p = view.payment
    zone = ZoneInfo(view.time_zone)
    return {
        "id": p.id,
        "number": p.number,
        "status": p.status,
        "type": p.type,
        "accountId": p.account_id,
        "accountNumber": view.account_number,
        "amount": p.amount,
        "appliedAmount": p.applied_amount,
        "unappliedAmount": p.unapplied_amount,
        "refundAmount": p.refund_amount,
        "creditBalanceAmount": 0,
        "currency": p.currency,
        "effectiveDate": iso_date(p.effective_date),
        "paymentMethodId": p.payment_method_id,
        "comment": p.comment,
        "referenceId": p.reference_id,
        "gatewayState": "NotSubmitted",
        "standalone": False,
        "createdById": p.created_by_id,
        "createdDate": p.created_at.astimezone(zone).isoformat(timespec="seconds"),
        "updatedById": p.updated_by_id,
        "updatedDate": p.updated_at.astimezone(zone).isoformat(timespec="seconds"),
        **(p.extra or {}),
    }


def refund_response(view: RefundView) -> dict[str, Any]:
    r = view.refund
    zone = ZoneInfo(view.time_zone)
    return {
        "id": r.id,
        "number": r.number,
        "status": r.status,
        "type": r.type,
        "methodType": r.method_type,
        "amount": r.amount,
        "accountId": r.account_id,
        "paymentId": r.payment_id,
        "paymentNumber": view.payment_number,
        "refundDate": iso_date(r.refund_date),
        "reasonCode": r.reason_code,
        "comment": r.comment,
        "referenceId": r.reference_id,
        "gatewayState": "NotSubmitted",
        "createdById": r.created_by_id,
        "createdDate": r.created_at.astimezone(zone).isoformat(timespec="seconds"),
        "updatedById": r.updated_by_id,
        "updatedDate": r.updated_at.astimezone(zone).isoformat(timespec="seconds"),
    }

"""The Payment zObject (PascalCase, the WSDL names), as ``/v1/action/create|update`` and SOAP read it,
turned into the payments service's inputs: the same service, rules and messages as ``POST
/v1/payments``, each message naming the field as the zObject calls it.

Create takes Zuora's single-invoice form: ``AccountId``, ``Amount``, ``Type`` (External; the service
refuses Electronic), ``InvoiceId`` or ``InvoiceNumber`` with ``AppliedInvoiceAmount`` (what is not
applied stays unapplied), ``EffectiveDate`` (default today), ``Status`` (Processed, the default: the
service refuses Draft), ``Comment``, ``ReferenceId``, custom fields. ``PaymentMethodId`` is kept as
sent (billforge keeps no payment methods, so it is not checked), as ``POST /v1/payments`` does.
``AppliedCreditBalanceAmount`` may only be 0: billforge keeps no credit balance. The Payment's other
fields (gateway state, accounting code, ...) are known and not taken.

Update takes ``Comment``, ``ReferenceId``, ``Status`` (Processed to Canceled) and custom fields
(``services.payment_changes``); any other Payment field is refused, naming it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, ClassVar

from pydantic import Field

from billforge.domain.money import ZERO
from billforge.errors import BillforgeError, ErrorList, InvalidValue, MissingValue, Unsupported
from billforge.objects.fields import ZAmount, ZDateLoose, ZStr
from billforge.objects.model import ObjectModel
from billforge.services.payment_changes import PaymentChanges
from billforge.services.payments import PROCESSED, Application, PaymentFields, PaymentInput
from billforge.zoql.objects import PAYMENT, is_custom

OBJ = "payment"
_ZOBJECT_FIELDS = PaymentFields(
    type="Type",
    account_id="AccountId",
    account_number="AccountNumber",
    currency="Currency",
    amount="Amount",
    status="Status",
    invoices="AppliedInvoiceAmount",
    invoice="InvoiceId",
    applied="AppliedInvoiceAmount",
)
_UPDATABLE = frozenset({"Comment", "ReferenceId", "Status"})
Comment = Annotated[ZStr, Field(max_length=255)]
ReferenceId = Annotated[ZStr, Field(max_length=100)]


def _custom(model: ObjectModel) -> dict[str, Any]:
    return {name: value for name, value in (model.model_extra or {}).items() if is_custom(name)}


def _all(problems: list[BillforgeError]) -> BillforgeError:
    return problems[0] if len(problems) == 1 else ErrorList(problems)


class PaymentObject(ObjectModel):
    """A Payment to create (see the module's docstring)."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(PAYMENT.field_names) - {"Id"}

    account_id: ZStr | None = None
    amount: ZAmount | None = None
    applied_invoice_amount: ZAmount | None = None
    applied_credit_balance_amount: ZAmount | None = None
    invoice_id: ZStr | None = None
    invoice_number: ZStr | None = None
    effective_date: ZDateLoose | None = None
    type: ZStr | None = None
    status: ZStr | None = None
    payment_method_id: ZStr | None = None
    comment: Comment | None = None
    reference_id: ReferenceId | None = None

    def _problems(self) -> list[BillforgeError]:
        problems: list[BillforgeError] = [
            MissingValue(f"'{label}' is required", field=label, obj=OBJ)
            for name, label in (("account_id", "AccountId"), ("amount", "Amount"), ("type", "Type"))
            if getattr(self, name) is None
        ]
        invoice = self.invoice_id or self.invoice_number
        if self.applied_invoice_amount is not None and not invoice:
            problems.append(
                MissingValue(
                    "'InvoiceId' is required with 'AppliedInvoiceAmount': the invoice the amount is applied to",
                    field="InvoiceId",
                    obj=OBJ,
                )
            )
        if invoice and self.applied_invoice_amount is None:
            problems.append(
                MissingValue(
                    "'AppliedInvoiceAmount' is required with 'InvoiceId': how much of the payment the invoice gets",
                    field="AppliedInvoiceAmount",
                    obj=OBJ,
                )
            )
        if self.applied_credit_balance_amount not in (None, ZERO):
            problems.append(
                Unsupported(
                    "'AppliedCreditBalanceAmount' must be 0: billforge keeps no credit balance (what the payment "
                    "does not apply to its invoice stays unapplied, and can be refunded)",
                    field="AppliedCreditBalanceAmount",
                    obj=OBJ,
                )
            )
        return problems

    def to_input(self) -> PaymentInput:
        problems = self._problems()
        if problems:
            raise _all(problems)
        assert self.amount is not None and self.type is not None  # noqa: S101 - checked above
        applications: list[Application] = []
        if self.applied_invoice_amount is not None:
            applications = [Application(self.applied_invoice_amount, self.invoice_id, self.invoice_number)]
        return PaymentInput(
            amount=self.amount,
            currency=None,
            type=self.type,
            account_id=self.account_id,
            invoices=applications,
            effective_date=self.effective_date,
            payment_method_id=self.payment_method_id,
            comment=self.comment,
            reference_id=self.reference_id,
            extra=_custom(self),
            status=self.status or PROCESSED,
            fields=_ZOBJECT_FIELDS if self.invoice_id else replace(_ZOBJECT_FIELDS, invoice="InvoiceNumber"),
        )


class PaymentUpdate(ObjectModel):
    """A Payment's changes (see the module's docstring)."""

    #: Payment fields an update may not change (known, so that they are refused by name).
    FIXED: ClassVar[frozenset[str]] = frozenset(PAYMENT.field_names) - {"Id"} - _UPDATABLE
    PASSTHROUGH: ClassVar[frozenset[str]] = FIXED

    comment: Comment | None = None
    reference_id: ReferenceId | None = None
    status: ZStr | None = None

    def to_changes(self) -> PaymentChanges:
        problems: list[BillforgeError] = [
            InvalidValue(
                f"'{name}' of a payment cannot be updated: only Comment, ReferenceId, Status (Processed to "
                "Canceled) and custom fields can",
                field=name,
                obj=OBJ,
            )
            for name in sorted(set(self.model_extra or {}) & self.FIXED)
        ]
        if "status" in self.model_fields_set and self.status is None:
            problems.append(InvalidValue("'Status' cannot be set to null", field="Status", obj=OBJ))
        if problems:
            raise _all(problems)
        sent: dict[str, Any] = {
            name: getattr(self, name) for name in ("comment", "reference_id") if name in self.model_fields_set
        }
        return PaymentChanges(values=sent, status=self.status, extra=_custom(self))

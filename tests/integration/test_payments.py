"""Payments and refunds move an invoice's PaymentAmount, RefundAmount and Balance."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import ApiException, CreatePaymentInvoiceApplication, CreatePaymentRequest

from tests.integration.test_standalone_invoices import invoice_request, item, new_account


def posted_invoice(zuora: Any, amount: str) -> tuple[Any, Any]:
    account = new_account(zuora)
    invoice = zuora.invoices_api().create_standalone_invoice(
        invoice_request(account.account_id, item(amount), status="Posted")
    )
    return account, invoice


def pay(zuora: Any, account: Any, invoice: Any, amount: str, applied: str | None = None) -> Any:
    return zuora.payments_api().create_payment(
        CreatePaymentRequest(
            account_id=account.account_id,
            amount=Decimal(amount),
            currency="USD",
            type="External",
            effective_date=date(2024, 2, 1),
            invoices=[CreatePaymentInvoiceApplication(invoice_id=invoice.id, amount=Decimal(applied or amount))],
        )
    )


def test_the_seed_refund_example(zuora: Any, http: httpx.Client) -> None:
    """An invoice of 1000, 800 paid, 300 of that refunded: balance 1000 - (800 - 300) = 500."""
    account, invoice = posted_invoice(zuora, "1000.00")
    payment = pay(zuora, account, invoice, "800.00")
    assert payment.number == "P-00000001"
    assert (Decimal(str(payment.applied_amount)), Decimal(str(payment.unapplied_amount))) == (800, 0)
    after_payment = zuora.invoices_api().get_invoice(invoice.id)
    # 1000 - 800 = 200
    assert Decimal(str(after_payment.payment_amount)) == 800
    assert Decimal(str(after_payment.balance)) == 200

    refund = http.post(f"/v1/payments/{payment.id}/refunds", json={"totalAmount": "300.00", "type": "External"})
    assert refund.status_code == 200, refund.text
    assert refund.json()["number"] == "R-00000001"
    assert refund.json()["amount"] == 300.00
    after_refund = zuora.invoices_api().get_invoice(invoice.id)
    assert Decimal(str(after_refund.payment_amount)) == 800
    assert Decimal(str(after_refund.refund_amount)) == 300
    assert Decimal(str(after_refund.balance)) == 500
    fetched = zuora.payments_api().get_payment(payment.number)
    assert Decimal(str(fetched.refund_amount)) == 300


def test_unapplied_money_is_refunded_first(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    payment = pay(zuora, account, invoice, "150.00", applied="100.00")  # 50.00 stays unapplied
    http.post(f"/v1/payments/{payment.id}/refunds", json={"totalAmount": "60.00"}).raise_for_status()
    # 50.00 from the unapplied money, then 10.00 from the invoice: balance 100 - (100 - 10) = 10
    fetched = http.get(f"/v1/payments/{payment.id}").json()
    assert (fetched["unappliedAmount"], fetched["refundAmount"]) == (0.00, 60.00)
    assert http.get(f"/v1/invoices/{invoice.id}").json()["balance"] == 10.00


def test_refund_with_unapply_names_the_invoices(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    payment = pay(zuora, account, invoice, "100.00")
    response = http.post(
        f"/v1/payments/{payment.id}/refunds/unapply",
        json={"totalAmount": "40.00", "invoices": [{"invoiceId": invoice.id, "amount": "40.00"}]},
    )
    assert response.status_code == 200, response.text
    # 100 - (100 - 40) = 40
    assert http.get(f"/v1/invoices/{invoice.id}").json()["balance"] == 40.00


def test_payment_rules(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    base = {"accountId": account.account_id, "amount": "100.00", "currency": "USD", "type": "External"}

    def first(body: dict[str, Any]) -> str:
        response = http.post("/v1/payments", json=body)
        assert response.status_code == 400, response.text
        message: str = response.json()["reasons"][0]["message"]
        return message

    assert first({**base, "invoices": [{"invoiceId": invoice.id, "amount": "100.01"}]}) == (
        f"'invoices[0].amount' 100.01 is more than the balance of invoice {invoice.invoice_number} (100.00)"
    )
    assert first(
        {
            **base,
            "invoices": [{"invoiceId": invoice.id, "amount": "60"}, {"invoiceId": invoice.id, "amount": "60"}],
            "amount": "120",
        }
    ) == (f"'invoices[1].amount' 60 is more than the balance of invoice {invoice.invoice_number} (40.00)")
    assert first({**base, "amount": "50.00", "invoices": [{"invoiceId": invoice.id, "amount": "60.00"}]}) == (
        "the amounts applied to invoices (60.00) exceed the payment amount (50.00)"
    )
    assert first({**base, "type": "Electronic"}) == (
        "'type' Electronic needs a payment gateway, which billforge does not have; record External payments"
    )
    assert first({**base, "currency": "EUR"}) == "'currency' EUR differs from the account's currency USD"
    draft = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))
    assert first({**base, "invoices": [{"invoiceId": draft.id, "amount": "1.00"}]}) == (
        f"'invoices[0]' invoice {draft.invoice_number} is Draft: only Posted invoices can be paid"
    )


def test_refund_limits(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    payment = pay(zuora, account, invoice, "100.00")
    response = http.post(f"/v1/payments/{payment.id}/refunds", json={"totalAmount": "100.01"})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == (
        f"'totalAmount' 100.01 is more than payment {payment.number} can refund (100.00)"
    )


def test_paid_invoice_cannot_be_unposted(zuora: Any) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    pay(zuora, account, invoice, "10.00")
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().unpost_invoice(invoice.id)
    assert "has payments applied" in json.loads(caught.value.body)["reasons"][0]["message"]


def test_unknown_payment_is_404(http: httpx.Client) -> None:
    assert http.get("/v1/payments/P-99999999").status_code == 404


def test_update_cancel_and_delete_a_payment(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    payment = pay(zuora, account, invoice, "40.00")
    # 100.00 - 40.00 = 60.00
    assert http.get(f"/v1/invoices/{invoice.id}").json()["balance"] == 60.00

    updated = http.put(
        f"/v1/payments/{payment.id}", json={"comment": "wire from ACME", "referenceId": "TX-1", "Batch__c": "B7"}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["comment"], updated.json()["referenceId"], updated.json()["Batch__c"]) == (
        "wire from ACME",
        "TX-1",
        "B7",
    )
    assert updated.json() | {"requestId": None, "updatedDate": None} == http.get(
        f"/v1/payments/{payment.id}"
    ).json() | {
        "requestId": None,
        "updatedDate": None,
    }

    canceled = http.put(f"/v1/payments/{payment.number}/cancel")
    assert canceled.status_code == 200, canceled.text
    assert (canceled.json()["status"], canceled.json()["appliedAmount"]) == ("Canceled", 0)
    assert canceled.json()["comment"] == "wire from ACME"
    # the 40.00 comes off the invoice's payments: 60.00 + 40.00 = 100.00
    after = http.get(f"/v1/invoices/{invoice.id}").json()
    assert (after["paymentAmount"], after["balance"]) == (0.00, 100.00)

    deleted = http.delete(f"/v1/payments/{payment.id}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["success"] is True
    assert http.get(f"/v1/payments/{payment.id}").status_code == 404


def test_only_a_canceled_payment_is_deleted(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    payment = pay(zuora, account, invoice, "40.00")
    response = http.delete(f"/v1/payments/{payment.id}")
    assert response.status_code == 400, response.text
    # payment has no published resource code (500000) + rule restriction (30)
    assert response.json()["reasons"] == [
        {
            "code": 50000030,
            "message": f"payment {payment.number} is Processed: only a Canceled payment can be deleted "
            f"(cancel it first with PUT /v1/payments/{payment.id}/cancel, which takes it off its invoices)",
        }
    ]
    # nothing changed: 100.00 - 40.00 = 60.00
    assert http.get(f"/v1/invoices/{invoice.id}").json()["balance"] == 60.00
    assert http.get(f"/v1/payments/{payment.id}").json()["status"] == "Processed"


def test_unknown_payment_key_is_404_on_change(http: httpx.Client) -> None:
    assert http.put("/v1/payments/P-99999999", json={"comment": "x"}).status_code == 404
    assert http.put("/v1/payments/P-99999999/cancel").status_code == 404
    response = http.delete("/v1/payments/P-99999999")
    assert response.status_code == 404
    assert response.json()["reasons"][0]["code"] == 50000040  # 500000 + not found (40)

"""SOAP ``create``, ``update`` and ``delete`` of Payment objects: the same payments service and rules
as ``POST /v1/payments`` and ``/v1/action/*``, through a zeep client of billforge's WSDL and raw
envelopes. Balances worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from test_soap_objects import billforge_client
from test_soap_support import FNS, ONS, endpoint, envelope, midnight, post, raw_login, results, soap_user

from billforge.db.session import Database
from tests.integration.test_payments import posted_invoice


def balance(zuora: Any, invoice_id: str) -> Decimal:
    return Decimal(str(zuora.invoices_api().get_invoice(invoice_id).balance))


def test_a_payment_created_over_soap_pays_a_posted_invoice(zuora: Any, server: Any, db: Database, tenant: Any) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    client, service, headers = billforge_client(server, db, tenant)
    new_payment = client.get_type(f"{{{ONS}}}Payment")
    paid, electronic = service.create(
        zObjects=[
            new_payment(
                AccountId=account.account_id,
                Amount=Decimal("40.00"),
                AppliedInvoiceAmount=Decimal("40.00"),
                EffectiveDate=midnight(date(2024, 2, 1)),
                InvoiceId=invoice.id,
                ReferenceId="BANK-42",
                Status="Processed",
                Type="External",
            ),
            new_payment(
                AccountId=account.account_id,
                Amount=Decimal("10.00"),
                AppliedInvoiceAmount=Decimal("10.00"),
                InvoiceId=invoice.id,
                Type="Electronic",
            ),
        ],
        _soapheaders=headers,
    )
    assert paid.Success, paid.Errors
    assert electronic.Success is False
    assert [(e.Code, e.Field) for e in electronic.Errors] == [("INVALID_VALUE", "Type")]
    assert "record External payments" in electronic.Errors[0].Message
    # Amount 100.00, 40.00 paid: Balance 100.00 - (40.00 - 0) = 60.00
    assert balance(zuora, invoice.id) == Decimal("60.00")
    assert zuora.payments_api().get_payment(paid.Id).reference_id == "BANK-42"
    found = service.query(
        queryString=f"select Id, Amount, InvoiceId, Status, Type from Payment where AccountId = '{account.account_id}'",
        _soapheaders=headers,
    )
    (record,) = found.records
    assert (record.Id, record.Amount, record.InvoiceId, record.Status, record.Type) == (
        paid.Id,
        Decimal("40.00"),
        invoice.id,
        "Processed",
        "External",
    )


def payment_update(payment_id: str, fields: str) -> str:
    return f'<ns1:zObjects xsi:type="ns2:Payment"><ns2:Id>{payment_id}</ns2:Id>{fields}</ns1:zObjects>'


def delete_payment(payment_id: str) -> str:
    return f"<ns1:delete><ns1:type>Payment</ns1:type><ns1:ids>{payment_id}</ns1:ids></ns1:delete>"


def test_a_payment_is_canceled_then_deleted_over_soap(zuora: Any, server: Any, db: Database, tenant: Any) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    create = (
        '<ns1:create><ns1:zObjects xsi:type="ns2:Payment">'
        f"<ns2:AccountId>{account.account_id}</ns2:AccountId><ns2:Amount>25.50</ns2:Amount>"
        f"<ns2:AppliedInvoiceAmount>25.50</ns2:AppliedInvoiceAmount>"
        f"<ns2:EffectiveDate>2024-02-01T00:00:00</ns2:EffectiveDate><ns2:InvoiceId>{invoice.id}</ns2:InvoiceId>"
        "<ns2:Type>External</ns2:Type><ns2:Region__c>EMEA</ns2:Region__c></ns1:zObjects></ns1:create>"
    )
    (made,) = results(post(url, envelope(create, session)))
    assert made["Success"] == "true", made
    key = made["Id"]
    # 100.00 - 25.50 = 74.50
    assert balance(zuora, invoice.id) == Decimal("74.50")

    (kept,) = results(post(url, envelope(delete_payment(key), session)))
    assert (kept["success"], [e["Code"] for e in kept["errors"]]) == ("false", ["CANNOT_DELETE"])

    body = "<ns1:update>" + payment_update(key, "<ns2:Status>Canceled</ns2:Status>") + "</ns1:update>"
    (canceled,) = results(post(url, envelope(body, session)))
    assert (canceled["Success"], canceled["Id"]) == ("true", key)
    # Off the invoice again: 100.00 - 0 = 100.00
    assert balance(zuora, invoice.id) == Decimal("100.00")

    (deleted,) = results(post(url, envelope(delete_payment(key), session)))
    assert (deleted["id"], deleted["success"]) == (key, "true")
    answer = post(
        url, envelope("<ns1:query><ns1:queryString>select Id from Payment</ns1:queryString></ns1:query>", session)
    )
    assert answer.body[0].findtext("{http://api.zuora.com/}size") == "0"


def test_a_refused_operation_is_a_fault_with_its_reason(server: Any, db: Database, tenant: Any) -> None:
    url = endpoint(server)
    body = '<ns1:update><ns1:zObjects xsi:type="ns2:RatePlanCharge"><ns2:Id>1</ns2:Id></ns1:zObjects></ns1:update>'
    fault = post(url, envelope(body, raw_login(url, soap_user(db, tenant)))).fault()
    assert (fault["faultcode"], fault["detail"]) == ("fns:INVALID_TYPE", f"{{{FNS}}}InvalidTypeFault")
    assert fault["FaultMessage"] == (
        "update is not supported for RatePlanCharge objects: Zuora changes a subscription's charges by amendment, "
        "which billforge does not have; charges are created with their subscription (POST /v1/subscriptions, "
        "chargeOverrides)"
    )

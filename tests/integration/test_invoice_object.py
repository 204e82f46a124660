"""The Invoice object over ``/v1/object/invoice/{id}`` (the seed ``soap-invoice-object.txt``): one
flat PascalCase object, ``fields``, an unknown id's 404, and each update rule of the seed with its
exact error. Raw HTTP: Zuora's SDK has no Invoice object endpoints; invoices are made with the SDK."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from billforge.db import tables as t
from billforge.db.session import Database
from tests.conftest import ServerThread, Tenant, bearer_token, make_tenant
from tests.integration.test_standalone_invoices import invoice_request, item, new_account

D = Decimal
PATH = "/v1/object/invoice/{}"


def draft(zuora: Any, *items: Any, **overrides: Any) -> Any:
    account = new_account(zuora)
    return zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, *items, **overrides))


def put(http: httpx.Client, invoice_id: str, body: dict[str, Any], **params: Any) -> httpx.Response:
    return http.put(PATH.format(invoice_id), json=body, params=params)


def get(http: httpx.Client, invoice_id: str, **params: Any) -> dict[str, Any]:
    response = http.get(PATH.format(invoice_id), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["Success"] is False
    return list(body["Errors"])


def posted(zuora: Any, http: httpx.Client) -> str:
    invoice_id = str(draft(zuora).id)
    assert put(http, invoice_id, {"Status": "Posted"}).json() == {"Success": True, "Id": invoice_id}
    return invoice_id


# --- GET -------------------------------------------------------------------------------------------


def test_get_answers_one_flat_object_with_the_seed_fields(zuora: Any, http: httpx.Client, tenant: Tenant) -> None:
    created = draft(
        zuora, item("100.00"), item("25.50", charge_name="Support"), comments="first", transferred_to_accounting="No"
    )
    body = get(http, created.id)
    # 100.00 + 25.50 = 125.50; nothing paid, adjusted or refunded, so Balance = Amount.
    assert body["Id"] == created.id
    assert body["AccountId"] == created.account_id
    assert body["InvoiceNumber"] == "INV00000001"
    assert body["Status"] == "Draft"
    assert D(str(body["Amount"])) == D("125.50")
    assert D(str(body["AmountWithoutTax"])) == D("125.50")
    assert D(str(body["Balance"])) == D("125.50")
    assert D(str(body["TaxAmount"])) == 0 and D(str(body["TaxExemptAmount"])) == 0
    assert D(str(body["PaymentAmount"])) == 0 and D(str(body["RefundAmount"])) == 0
    assert D(str(body["AdjustmentAmount"])) == 0 and D(str(body["CreditBalanceAdjustmentAmount"])) == 0
    assert body["InvoiceDate"] == "2024-01-15"
    assert body["DueDate"] == "2024-01-15"  # Due Upon Receipt: due on the invoice date
    assert body["Currency"] == "USD" and body["PaymentTerm"] == "Due Upon Receipt"
    assert body["Comments"] == "first" and body["TransferredToAccounting"] == "No"
    assert body["AutoPay"] is False
    assert body["Source"] == "API" and body["SourceType"] == "Standalone"
    assert body["CreatedById"] == tenant.client_id and body["UpdatedById"] == tenant.client_id
    assert datetime.fromisoformat(body["CreatedDate"]).utcoffset() is not None  # with the tenant's offset
    assert len(body["BillToContactId"]) == 32
    # Fields billforge keeps no value for are left out, as are the PDF and the update instruction.
    for absent in ("BillRunId", "Body", "RegenerateInvoicePDF", "PostedBy", "PostedDate", "TaxStatus", "TargetDate"):
        assert absent not in body
    assert all(isinstance(value, str | bool | int | float) for value in body.values())


def test_fields_picks_fields_case_insensitively_and_id_always(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora, item("40.00"))
    assert get(http, created.id, fields="amount, STATUS") == {"Id": created.id, "Amount": 40, "Status": "Draft"}
    # A field without a value can be asked for; it is still left out.
    assert get(http, created.id, fields="BillRunId") == {"Id": created.id}


def test_fields_naming_an_unknown_field_is_invalid_field(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    errors = refused(http.get(PATH.format(created.id), params={"fields": "Amount,Colour"}))
    assert errors == [{"Code": "INVALID_FIELD", "Message": "'fields': 'Colour' is not a field of this object"}]


def test_body_is_the_pdf_in_base64_when_asked_for(zuora: Any, http: httpx.Client) -> None:
    import base64

    created = draft(zuora)
    body = get(http, created.id, fields="Body,InvoiceNumber")
    assert sorted(body) == ["Body", "Id", "InvoiceNumber"]
    assert base64.b64decode(body["Body"]).startswith(b"%PDF-")  # its text is checked in test_pdf_access.py


def test_unknown_id_is_404_no_data(http: httpx.Client) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = http.request(method, PATH.format("0" * 32), json={"AutoPay": True} if method == "PUT" else None)
        assert response.status_code == 404, method
        assert response.json() == {"done": True, "records": [], "size": 0}


def test_another_tenants_invoice_is_unknown(zuora: Any, server: ServerThread, db: Database) -> None:
    created = draft(zuora)
    other = make_tenant(db)
    headers = {"Authorization": f"Bearer {bearer_token(server.url, other)}"}
    with httpx.Client(base_url=server.url, headers=headers) as stranger:
        assert stranger.get(PATH.format(created.id)).status_code == 404
        assert stranger.put(PATH.format(created.id), json={"Status": "Posted"}).status_code == 404
        assert stranger.delete(PATH.format(created.id)).status_code == 404
    with db.read() as conn:
        assert conn.execute(select(t.invoices.c.status).where(t.invoices.c.id == created.id)).scalar_one() == "Draft"


def test_an_invoice_number_is_not_an_id(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert http.get(PATH.format(created.invoice_number)).status_code == 404


def test_balance_follows_payments(zuora: Any, http: httpx.Client) -> None:
    invoice_id = posted(zuora, http)
    account_id = get(http, invoice_id)["AccountId"]
    payment = http.post(
        "/v1/payments",
        json={
            "amount": "40.00",
            "currency": "USD",
            "type": "External",
            "accountId": account_id,
            "effectiveDate": "2024-01-20",
            "invoices": [{"invoiceId": invoice_id, "amount": "40.00"}],
        },
    )
    assert payment.status_code == 200, payment.text
    body = get(http, invoice_id, fields="Amount,PaymentAmount,RefundAmount,Balance")
    # Balance = Amount - (PaymentAmount - RefundAmount) = 100.00 - (40.00 - 0) = 60.00
    assert (D(str(body["Amount"])), D(str(body["PaymentAmount"])), D(str(body["Balance"]))) == (
        D("100"),
        D("40"),
        D("60"),
    )


# --- PUT: Status ---------------------------------------------------------------------------------


def test_status_posted_posts_a_draft(zuora: Any, http: httpx.Client, tenant: Tenant) -> None:
    created = draft(zuora)
    assert put(http, created.id, {"Status": "Posted"}).json() == {"Success": True, "Id": created.id}
    body = get(http, created.id)
    assert body["Status"] == "Posted"
    assert body["PostedBy"] == tenant.client_id
    assert datetime.fromisoformat(body["PostedDate"]).utcoffset() is not None


def test_status_canceled_cancels_a_draft(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert put(http, created.id, {"Status": "Canceled"}).json() == {"Success": True, "Id": created.id}
    assert get(http, created.id)["Status"] == "Canceled"


def test_status_of_the_same_value_changes_nothing(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert put(http, created.id, {"Status": "Draft"}).json() == {"Success": True, "Id": created.id}
    assert get(http, created.id)["Status"] == "Draft"


def test_a_posted_invoice_cannot_be_canceled_or_posted_again(zuora: Any, http: httpx.Client) -> None:
    invoice_id = posted(zuora, http)
    assert refused(put(http, invoice_id, {"Status": "Canceled"})) == [
        {"Code": "INVALID_VALUE", "Message": "invoice INV00000001 is Posted: only a Draft invoice can be canceled"}
    ]
    assert refused(put(http, invoice_id, {"Status": "Draft"})) == [
        {
            "Code": "INVALID_VALUE",
            "Message": "invoice INV00000001 is Posted: its Status cannot be set to Draft; a Draft invoice can be set "
            "to Posted or Canceled (unpost a Posted invoice with PUT /v1/invoices/{id}/unpost)",
        }
    ]
    assert get(http, invoice_id)["Status"] == "Posted"


def test_an_unknown_status_is_invalid_value(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert refused(put(http, created.id, {"Status": "Paid"})) == [
        {"Code": "INVALID_VALUE", "Message": "'Status' must be Posted or Canceled (a Draft's new status), got 'Paid'"}
    ]


def test_a_canceled_invoice_changes_no_more(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    put(http, created.id, {"Status": "Canceled"})
    assert refused(put(http, created.id, {"AutoPay": True})) == [
        {"Code": "INVALID_VALUE", "Message": "invoice INV00000001 is Canceled: it can only be deleted"}
    ]


def test_fields_and_status_change_together_or_not_at_all(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    both = put(http, created.id, {"AutoPay": True, "TransferredToAccounting": "Processing", "Status": "Posted"})
    assert both.json() == {"Success": True, "Id": created.id}
    body = get(http, created.id, fields="AutoPay,TransferredToAccounting,Status")
    assert body == {"Id": created.id, "AutoPay": True, "TransferredToAccounting": "Processing", "Status": "Posted"}
    # On the Posted invoice, posting again fails, so the AutoPay change in the same update is not kept.
    refused(put(http, created.id, {"AutoPay": False, "Status": "Canceled"}))
    assert get(http, created.id, fields="AutoPay")["AutoPay"] is True


# --- PUT: TransferredToAccounting, AutoPay -------------------------------------------------------------


@pytest.mark.parametrize("value", ["Processing", "Yes", "Error", "Ignore"])
def test_transferred_to_accounting_on_a_posted_invoice(zuora: Any, http: httpx.Client, value: str) -> None:
    invoice_id = posted(zuora, http)
    assert put(http, invoice_id, {"TransferredToAccounting": value}).json() == {"Success": True, "Id": invoice_id}
    assert get(http, invoice_id)["TransferredToAccounting"] == value


def test_transferred_to_accounting_is_never_no_over_the_api(zuora: Any, http: httpx.Client) -> None:
    invoice_id = posted(zuora, http)
    put(http, invoice_id, {"TransferredToAccounting": "Yes"})
    assert refused(put(http, invoice_id, {"TransferredToAccounting": "No"})) == [
        {
            "Code": "INVALID_VALUE",
            "Message": "'TransferredToAccounting' cannot be set to No through the API (only through the web UI)",
        }
    ]
    assert refused(put(http, invoice_id, {"TransferredToAccounting": "yes"})) == [
        {
            "Code": "INVALID_VALUE",
            "Message": "'TransferredToAccounting' must be one of Processing, Yes, Error, Ignore, got 'yes'",
        }
    ]
    assert get(http, invoice_id)["TransferredToAccounting"] == "Yes"


def test_auto_pay_on_draft_and_posted_invoices(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert put(http, created.id, {"AutoPay": "true"}).json() == {"Success": True, "Id": created.id}
    assert get(http, created.id)["AutoPay"] is True
    put(http, created.id, {"Status": "Posted"})
    assert put(http, created.id, {"AutoPay": False}).json() == {"Success": True, "Id": created.id}
    assert get(http, created.id)["AutoPay"] is False
    assert refused(put(http, created.id, {"AutoPay": "maybe"})) == [
        {"Code": "INVALID_VALUE", "Message": "'AutoPay' must be true or false, got 'maybe'"}
    ]


# --- PUT: read-only fields --------------------------------------------------------------------------


def test_comments_are_read_only_over_the_api(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora, comments="kept")
    assert refused(put(http, created.id, {"Comments": "changed"})) == [
        {
            "Code": "INVALID_FIELD",
            "Message": "'Comments' is read-only in the API (change the comments of a Draft invoice with "
            "PUT /v1/invoices/{id})",
        }
    ]
    assert get(http, created.id)["Comments"] == "kept"


def test_query_only_fields_cannot_be_updated(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    errors = refused(put(http, created.id, {"Amount": 1, "InvoiceDate": "2024-02-01"}))
    why = "cannot be updated: only Status, AutoPay, TransferredToAccounting and RegenerateInvoicePDF can"
    assert errors == [
        {"Code": "INVALID_FIELD", "Message": f"'Amount' {why}"},
        {"Code": "INVALID_FIELD", "Message": f"'InvoiceDate' {why}"},
    ]


def test_unknown_fields_are_ignored_unless_refused(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    assert put(http, created.id, {"AutoPay": True, "Colour": "red"}).json() == {"Success": True, "Id": created.id}
    strict = put(http, created.id, {"AutoPay": True, "Colour": "red"}, rejectUnknownFields="true")
    assert strict.status_code == 400 and strict.json() == {"message": "Error - unrecognised fields"}
    # Custom fields are always known.
    custom = put(http, created.id, {"Region__c": "EMEA"}, rejectUnknownFields="true")
    assert custom.json() == {"Success": True, "Id": created.id}
    assert get(http, created.id, fields="Region__c") == {"Id": created.id, "Region__c": "EMEA"}


# --- PUT: RegenerateInvoicePDF -------------------------------------------------------------------------


def regenerations(db: Database, invoice_id: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(select(t.invoices.c.regenerate_pdf_count).where(t.invoices.c.id == invoice_id)).scalar_one()
        )


def test_regenerate_invoice_pdf_alone_is_counted(zuora: Any, http: httpx.Client, db: Database) -> None:
    invoice_id = posted(zuora, http)
    assert put(http, invoice_id, {"RegenerateInvoicePDF": True}).json() == {"Success": True, "Id": invoice_id}
    assert put(http, invoice_id, {"RegenerateInvoicePDF": "true"}).json() == {"Success": True, "Id": invoice_id}
    assert regenerations(db, invoice_id) == 2


def test_regenerate_invoice_pdf_with_another_field_is_refused(zuora: Any, http: httpx.Client, db: Database) -> None:
    invoice_id = posted(zuora, http)
    assert refused(put(http, invoice_id, {"RegenerateInvoicePDF": True, "AutoPay": True})) == [
        {
            "Code": "INVALID_VALUE",
            "Message": "When field RegenerateInvoicePDF is set to true to regenerate the invoice PDF file, changes on "
            "other fields of the invoice are not allowed (also sent: AutoPay)",
        }
    ]
    assert regenerations(db, invoice_id) == 0
    assert get(http, invoice_id)["AutoPay"] is False


def test_regenerate_invoice_pdf_at_most_100_times(zuora: Any, http: httpx.Client, db: Database) -> None:
    invoice_id = posted(zuora, http)
    with db.write() as conn:
        conn.execute(update(t.invoices).where(t.invoices.c.id == invoice_id).values(regenerate_pdf_count=99))
    assert put(http, invoice_id, {"RegenerateInvoicePDF": True}).json() == {"Success": True, "Id": invoice_id}
    assert regenerations(db, invoice_id) == 100  # 99 + 1: the hundredth is allowed
    assert refused(put(http, invoice_id, {"RegenerateInvoicePDF": True})) == [
        {
            "Code": "INVALID_VALUE",
            "Message": "invoice INV00000001: its PDF has been regenerated 100 times, the most allowed for one invoice "
            "is 100",
        }
    ]
    assert regenerations(db, invoice_id) == 100


def test_regenerate_invoice_pdf_false_changes_nothing(zuora: Any, http: httpx.Client, db: Database) -> None:
    invoice_id = posted(zuora, http)
    assert put(http, invoice_id, {"RegenerateInvoicePDF": False}).json() == {"Success": True, "Id": invoice_id}
    assert regenerations(db, invoice_id) == 0


# --- DELETE ----------------------------------------------------------------------------------------


def test_delete_a_draft(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    response = http.delete(PATH.format(created.id))
    assert response.status_code == 200
    assert response.json() == {"id": created.id, "success": True}
    assert http.get(PATH.format(created.id)).status_code == 404


def test_delete_a_canceled_invoice(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    put(http, created.id, {"Status": "Canceled"})
    assert http.delete(PATH.format(created.id)).json() == {"id": created.id, "success": True}


def test_a_posted_invoice_cannot_be_deleted(zuora: Any, http: httpx.Client) -> None:
    invoice_id = posted(zuora, http)
    assert refused(http.delete(PATH.format(invoice_id))) == [
        {
            "Code": "CANNOT_DELETE",
            "Message": "invoice INV00000001 is Posted: only a Draft or Canceled invoice can be deleted",
        }
    ]
    assert get(http, invoice_id)["Status"] == "Posted"

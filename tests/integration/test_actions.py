"""``POST /v1/action/create``, ``update`` and ``delete`` (wire-facts section 3): one result per object,
in order (``SaveResult``; ``DeleteResult`` with lower-case keys), per-object problems as results,
whole-call problems as faults, ``rejectUnknownFields``, ``X-Zuora-WSDL-Version``, and the services
behind each type. Zuora's SDK where it has the call, raw HTTP for the wire details."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import (
    ApiException,
    ProxyActioncreateRequest,
    ProxyActiondeleteRequest,
    ProxyActionupdateRequest,
    ZObjectUpdate,
)

from billforge.services import actions
from tests.integration.test_generate_support import SdkCatalog, recurring, sdk_account, sdk_subscribe, usage_charge
from tests.integration.test_payments import posted_invoice
from tests.integration.test_standalone_invoices import invoice_request, new_account

D = Decimal
PRODUCT = {"Name": "Cloud", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2030-12-31"}


def action(http: httpx.Client, call: str, body: dict[str, Any], **params: Any) -> httpx.Response:
    return http.post(f"/v1/action/{call}", json=body, params=params)


def results(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json())


def fault(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body: dict[str, str] = response.json()
    return body


def query(http: httpx.Client, text: str) -> list[dict[str, Any]]:
    response = http.post("/v1/action/query", json={"queryString": text})
    assert response.status_code == 200, response.text
    return list(response.json()["records"])


def draft(zuora: Any) -> str:
    account = new_account(zuora)
    return str(zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id)).id)


# --- create ----------------------------------------------------------------------------------------


def test_create_products_through_the_sdk(zuora: Any, http: httpx.Client) -> None:
    answer = zuora.actions_api().action_post_create(
        ProxyActioncreateRequest(type="Product", objects=[PRODUCT, {**PRODUCT, "Name": "Storage", "SKU": "STO-1"}])
    )
    assert [r.success for r in answer] == [True, True]
    assert all(len(r.id) == 32 for r in answer)
    found = query(http, "select Id, Name, SKU from Product")
    assert {(p["Id"], p["Name"]) for p in found} == {(answer[0].id, "Cloud"), (answer[1].id, "Storage")}
    assert next(p for p in found if p["Name"] == "Storage")["SKU"] == "STO-1"


def test_one_objects_problem_is_its_result_in_order(http: httpx.Client) -> None:
    body = {"type": "Product", "objects": [PRODUCT, {"EffectiveStartDate": "2024-01-01"}, {**PRODUCT, "Name": "B"}]}
    first, second, third = results(action(http, "create", body))
    assert first["Success"] is True and third["Success"] is True
    assert second == {
        "Success": False,
        "Errors": [
            {"Code": "MISSING_REQUIRED_VALUE", "Message": "'Name' is required"},
            {"Code": "MISSING_REQUIRED_VALUE", "Message": "'EffectiveEndDate' is required"},
        ],
    }
    assert sorted(p["Name"] for p in query(http, "select Name from Product")) == ["B", "Cloud"]


def test_a_rate_plan_and_a_charge_with_its_tiers(http: httpx.Client) -> None:
    (product,) = results(action(http, "create", {"type": "Product", "objects": [PRODUCT]}))
    (plan,) = results(
        action(http, "create", {"type": "ProductRatePlan", "objects": [{"Name": "Pro", "ProductId": product["Id"]}]})
    )
    charge = {
        "ProductRatePlanId": plan["Id"],
        "Name": "Setup",
        "ChargeType": "OneTime",
        "ChargeModel": "Flat Fee Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "TriggerEvent": "ContractEffective",
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": "25.00"}]},
    }
    (created,) = results(action(http, "create", {"type": "ProductRatePlanCharge", "objects": [charge]}))
    assert created["Success"] is True
    assert query(http, "select Name from ProductRatePlanCharge where ChargeType = 'One-Time'") == [{"Name": "Setup"}]
    (tier,) = query(
        http, f"select Id, Price from ProductRatePlanChargeTier where ProductRatePlanChargeId = '{created['Id']}'"
    )
    assert D(str(tier["Price"])) == D(25)
    (changed,) = results(
        action(http, "update", {"type": "ProductRatePlanChargeTier", "objects": [{"Id": tier["Id"], "Price": "30"}]})
    )
    assert changed == {"Success": True, "Id": tier["Id"]}
    assert query(http, "select Price from ProductRatePlanChargeTier") == [{"Price": 30}]


def test_accounts_with_their_bill_to_contact(http: httpx.Client) -> None:
    account = {
        "Name": "Acme",
        "Currency": "USD",
        "BillCycleDay": 5,
        "PaymentTerm": "Net 30",
        "Batch": "Batch2",
        "Region__c": "EMEA",
        "BillToContact": {"FirstName": "Ada", "LastName": "Lovelace", "WorkEmail": "ada@example.com"},
    }
    created, missing = results(
        action(http, "create", {"type": "Account", "objects": [account, {"Name": "Solo", "Currency": "USD"}]})
    )
    assert created["Success"] is True
    assert missing == {
        "Success": False,
        "Errors": [
            {
                "Code": "MISSING_REQUIRED_VALUE",
                "Message": "'BillToContact' is required to create an Active account. Without contacts, create the "
                "account with 'Status' Draft, create its Contacts with the account's id as 'AccountId', then update "
                "the Account's 'BillToId', 'SoldToId' and 'Status' (Active)",
            }
        ],
    }
    (found,) = query(
        http, "select Id, Name, BillCycleDay, PaymentTerm, Batch, Status, BillToId, SoldToId, Region__c from Account"
    )
    assert found["Id"] == created["Id"]
    assert (found["BillCycleDay"], found["PaymentTerm"], found["Batch"], found["Status"]) == (
        5,
        "Net 30",
        "Batch2",
        "Active",
    )
    assert found["BillToId"] == found["SoldToId"] and found["Region__c"] == "EMEA"
    (contact,) = query(http, f"select FirstName, WorkEmail from Contact where Id = '{found['BillToId']}'")
    assert contact == {"FirstName": "Ada", "WorkEmail": "ada@example.com"}

    renamed, fixed = results(
        action(
            http,
            "update",
            {
                "type": "Account",
                "objects": [
                    {"Id": created["Id"], "Name": "Acme Ltd", "AutoPay": True},
                    {"Id": created["Id"], "Currency": "EUR"},
                ],
            },
        )
    )
    assert renamed == {"Success": True, "Id": created["Id"]}
    assert fixed == {
        "Success": False,
        "Id": created["Id"],
        "Errors": [{"Code": "INVALID_VALUE", "Message": "'Currency' of an existing account cannot be updated here"}],
    }
    assert query(http, "select Name, AutoPay, Currency from Account") == [
        {"Name": "Acme Ltd", "AutoPay": True, "Currency": "USD"}
    ]


def test_contacts(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    contact = {"AccountId": account.account_id, "FirstName": "Grace", "LastName": "Hopper", "City": "Arlington"}
    created, nameless = results(
        action(
            http,
            "create",
            {"type": "Contact", "objects": [contact, {"AccountId": account.account_id, "LastName": "X"}]},
        )
    )
    assert created["Success"] is True
    assert nameless == {
        "Success": False,
        "Errors": [{"Code": "MISSING_REQUIRED_VALUE", "Message": "'FirstName' is required"}],
    }
    (changed,) = results(
        action(
            http,
            "update",
            {"type": "Contact", "objects": [{"Id": created["Id"], "City": "Washington", "fieldsToNull": ["NickName"]}]},
        )
    )
    assert changed == {"Success": True, "Id": created["Id"]}
    assert query(http, f"select FirstName, City from Contact where Id = '{created['Id']}'") == [
        {"FirstName": "Grace", "City": "Washington"}
    ]
    (stranger,) = results(action(http, "create", {"type": "Contact", "objects": [{**contact, "AccountId": "0" * 32}]}))
    assert stranger == {
        "Success": False,
        "Errors": [{"Code": "INVALID_ID", "Message": f"no account with id or number {'0' * 32!r}"}],
    }


def test_usage_create_update_delete(zuora: Any, http: httpx.Client) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Metered", usage_charge("Calls", "Call", "Per Unit Pricing", {"price": D("0.10")}))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    record = {"AccountId": account.account_id, "StartDateTime": "2024-01-10T09:30:00", "UOM": "Call", "Quantity": "12"}
    (created,) = results(action(http, "create", {"type": "Usage", "objects": [record]}))
    assert created["Success"] is True, created
    (changed,) = results(action(http, "update", {"type": "Usage", "objects": [{"Id": created["Id"], "Quantity": 15}]}))
    assert changed == {"Success": True, "Id": created["Id"]}
    assert query(http, "select Quantity from Usage") == [{"Quantity": 15}]
    deleted = results(action(http, "delete", {"type": "Usage", "ids": [created["Id"]]}))
    assert deleted == [{"id": created["Id"], "success": True}]
    assert query(http, "select Id from Usage") == []


# --- update ----------------------------------------------------------------------------------------


def test_update_invoices_through_the_sdk(zuora: Any, http: httpx.Client) -> None:
    first, second = draft(zuora), draft(zuora)
    answer = zuora.actions_api().action_postupdate(
        ProxyActionupdateRequest(
            type="Invoice",
            objects=[
                ZObjectUpdate(id=first, Status="Posted", AutoPay=True),
                ZObjectUpdate(id=second, TransferredToAccounting="No"),
                ZObjectUpdate(id="0" * 32, AutoPay=True),
            ],
        )
    )
    assert (answer[0].success, answer[0].id) == (True, first)
    assert answer[1].success is False and answer[1].id == second
    assert [(e.code, e.message) for e in answer[1].errors] == [
        ("INVALID_VALUE", "'TransferredToAccounting' cannot be set to No through the API (only through the web UI)")
    ]
    assert answer[2].success is False
    assert [(e.code, e.message) for e in answer[2].errors] == [("INVALID_ID", f"no invoice with id {'0' * 32!r}")]
    assert query(http, f"select Status, AutoPay from Invoice where Id = '{first}'") == [
        {"Status": "Posted", "AutoPay": True}
    ]


def test_update_needs_an_id_and_follows_the_invoice_rules(zuora: Any, http: httpx.Client) -> None:
    invoice_id = draft(zuora)
    body = {
        "type": "invoice",
        "objects": [
            {"AutoPay": True},
            {"Id": invoice_id, "Comments": "x"},
            {"Id": invoice_id, "fieldsToNull": ["Comments"]},
        ],
    }
    no_id, comments, nulled = results(action(http, "update", body))
    assert no_id == {
        "Success": False,
        "Errors": [{"Code": "MISSING_REQUIRED_VALUE", "Message": "'Id' is required: the id of the Invoice to update"}],
    }
    assert comments["Errors"][0]["Code"] == "INVALID_FIELD"
    assert nulled["Errors"] == [
        {"Code": "INVALID_VALUE", "Message": "'fieldsToNull' cannot set 'Comments' to null on an Invoice"}
    ]


def test_fields_to_null_on_catalog_objects(http: httpx.Client) -> None:
    (product,) = results(action(http, "create", {"type": "Product", "objects": [{**PRODUCT, "Description": "old"}]}))
    body = {"type": "Product", "objects": [{"Id": product["Id"], "Name": "Cloud 2", "fieldsToNull": ["Description"]}]}
    assert results(action(http, "update", body)) == [{"Success": True, "Id": product["Id"]}]
    assert query(http, "select Name, Description from Product") == [{"Name": "Cloud 2"}]
    unknown = {"type": "Product", "objects": [{"Id": product["Id"], "fieldsToNull": ["Colour"]}]}
    assert results(action(http, "update", unknown))[0]["Errors"] == [
        {"Code": "INVALID_VALUE", "Message": "'fieldsToNull' names fields that Product does not have: Colour"}
    ]


# --- delete ----------------------------------------------------------------------------------------


def test_delete_through_the_sdk_with_lower_case_results(zuora: Any, http: httpx.Client) -> None:
    kept, gone = draft(zuora), draft(zuora)
    action(http, "update", {"type": "Invoice", "objects": [{"Id": kept, "Status": "Posted"}]})
    answer = zuora.actions_api().action_post_delete(
        ProxyActiondeleteRequest(type="Invoice", ids=[gone, kept, "0" * 32])
    )
    assert (answer[0].success, answer[0].id, answer[0].errors) == (True, gone, None)
    assert answer[1].success is False and answer[1].id == kept
    assert [(e.code, e.message) for e in answer[1].errors] == [
        ("CANNOT_DELETE", "invoice INV00000001 is Posted: only a Draft or Canceled invoice can be deleted")
    ]
    assert [e.code for e in answer[2].errors] == ["INVALID_ID"]
    raw = results(action(http, "delete", {"type": "Invoice", "ids": [kept]}))
    assert raw == [
        {
            "id": kept,
            "success": False,
            "errors": [
                {
                    "Code": "CANNOT_DELETE",
                    "Message": "invoice INV00000001 is Posted: only a Draft or Canceled invoice can be deleted",
                }
            ],
        }
    ]
    assert [r["Id"] for r in query(http, "select Id from Invoice")] == [kept]


def test_delete_faults_are_code_and_message(http: httpx.Client) -> None:
    assert fault(action(http, "delete", {"type": "Account", "ids": ["x"]})) == {
        "code": "INVALID_TYPE",
        "message": "delete is not supported for Account objects: an account keeps its subscriptions, invoices "
        "and payments, so billforge does not delete accounts; update its Status to Canceled instead",
    }
    assert fault(action(http, "delete", {"type": "Invoice", "ids": [str(n) for n in range(51)]})) == {
        "code": "MAX_RECORDS_EXCEEDED",
        "message": "'ids' has 51 entries; at most 50 are allowed per call",
    }
    assert fault(action(http, "delete", {"ids": ["x"]})) == {
        "code": "MISSING_REQUIRED_VALUE",
        "message": "'type' is required",
    }
    assert fault(action(http, "delete", {"type": "Invoice", "ids": []})) == {
        "code": "MISSING_REQUIRED_VALUE",
        "message": "'ids' must contain at least one entry",
    }


# --- payments ---------------------------------------------------------------------------------------


def payment(account_id: str, invoice_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    """A Payment zObject of ``amount`` applied in full to one invoice."""
    return {
        "AccountId": account_id,
        "Amount": amount,
        "AppliedInvoiceAmount": amount,
        "InvoiceId": invoice_id,
        "EffectiveDate": "2024-02-01",
        "Type": "External",
        **fields,
    }


def balance(http: httpx.Client, invoice_id: str) -> tuple[Decimal, Decimal]:
    """(paymentAmount, balance) of an invoice, as ``GET /v1/invoices/{id}`` shows them."""
    found = http.get(f"/v1/invoices/{invoice_id}").json()
    return D(str(found["paymentAmount"])), D(str(found["balance"]))


def test_a_payment_created_by_action_pays_a_posted_invoice(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    body = payment(
        account.account_id,
        invoice.id,
        "40.00",
        Status="Processed",
        PaymentMethodId="2c92c0f9" + "0" * 24,
        Comment="cheque 1017",
        ReferenceId="BANK-42",
        Region__c="EMEA",
    )
    (created,) = results(action(http, "create", {"type": "Payment", "objects": [body]}))
    assert created["Success"] is True and len(created["Id"]) == 32, created
    # Amount 100.00, 40.00 paid: Balance 100.00 - (40.00 - 0) = 60.00
    assert balance(http, invoice.id) == (D("40.00"), D("60.00"))

    fetched = http.get(f"/v1/payments/{created['Id']}").json()
    assert (fetched["status"], fetched["type"], fetched["currency"]) == ("Processed", "External", "USD")
    assert (fetched["amount"], fetched["appliedAmount"], fetched["unappliedAmount"]) == (40.00, 40.00, 0)
    assert (fetched["effectiveDate"], fetched["comment"], fetched["referenceId"]) == (
        "2024-02-01",
        "cheque 1017",
        "BANK-42",
    )
    assert (fetched["paymentMethodId"], fetched["Region__c"]) == ("2c92c0f9" + "0" * 24, "EMEA")
    assert query(
        http,
        "select Id, Amount, AppliedInvoiceAmount, InvoiceId, InvoiceNumber, Status, Type, EffectiveDate, Region__c "
        f"from Payment where AccountId = '{account.account_id}'",
    ) == [
        {
            "Id": created["Id"],
            "Amount": 40.00,
            "AppliedInvoiceAmount": 40.00,
            "InvoiceId": invoice.id,
            "InvoiceNumber": invoice.invoice_number,
            "Status": "Processed",
            "Type": "External",
            "EffectiveDate": "2024-02-01",
            "Region__c": "EMEA",
        }
    ]


def test_bad_payments_are_their_own_results(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    draft_invoice = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))
    good = payment(account.account_id, invoice.id, "25.00")
    objects = [
        {**good, "Type": "Electronic"},
        {**good, "Status": "Draft"},
        {"EffectiveDate": "2024-02-01"},
        good,
        payment(account.account_id, invoice.id, "75.01"),
        payment(account.account_id, "0" * 32, "1.00"),
        payment("f" * 32, invoice.id, "1.00"),
        payment(account.account_id, draft_invoice.id, "1.00"),
        {**good, "AppliedCreditBalanceAmount": "5"},
        {**good, "AppliedInvoiceAmount": None},
        {**good, "Amount": "-1", "AppliedInvoiceAmount": None, "InvoiceId": None},
    ]
    got = results(action(http, "create", {"type": "Payment", "objects": objects}))
    assert [r["Success"] for r in got] == [False, False, False, True, False, False, False, False, False, False, False]
    errors = [[(e["Code"], e["Message"]) for e in r.get("Errors", [])] for r in got]
    assert errors[0] == [
        (
            "INVALID_VALUE",
            "'Type' Electronic needs a payment gateway, which billforge does not have; record External payments",
        )
    ]
    assert errors[1] == [
        (
            "INVALID_VALUE",
            "'Status' 'Draft' cannot be given to a new payment: billforge records payments as Processed at once "
            "(it has no payment runs to process a Draft one later)",
        )
    ]
    assert errors[2] == [
        ("MISSING_REQUIRED_VALUE", "'AccountId' is required"),
        ("MISSING_REQUIRED_VALUE", "'Amount' is required"),
        ("MISSING_REQUIRED_VALUE", "'Type' is required"),
    ]
    # The fourth paid 25.00 of 100.00, leaving 75.00: 75.01 is one cent too many.
    assert errors[4] == [
        (
            "INVALID_VALUE",
            f"'AppliedInvoiceAmount' 75.01 is more than the balance of invoice {invoice.invoice_number} (75.00)",
        )
    ]
    assert errors[5] == [("INVALID_ID", f"'InvoiceId' {'0' * 32!r} is not a known invoice")]
    assert errors[6] == [("INVALID_ID", f"no account with id or number {'f' * 32!r}")]
    assert errors[7] == [
        (
            "INVALID_VALUE",
            f"'InvoiceId' invoice {draft_invoice.invoice_number} is Draft: only Posted invoices can be paid",
        )
    ]
    assert [code for code, _ in errors[8]] == ["INVALID_VALUE"] and "credit balance" in errors[8][0][1]
    assert errors[9] == [
        (
            "MISSING_REQUIRED_VALUE",
            "'AppliedInvoiceAmount' is required with 'InvoiceId': how much of the payment the invoice gets",
        )
    ]
    assert errors[10] == [("INVALID_VALUE", "'Amount' must be greater than 0")]
    # Only the good one was kept: 100.00 - 25.00 = 75.00
    assert balance(http, invoice.id) == (D("25.00"), D("75.00"))
    assert [r["Id"] for r in query(http, "select Id from Payment")] == [got[3]["Id"]]


def test_a_payment_is_updated_canceled_and_then_deleted(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    (made,) = results(
        action(http, "create", {"type": "Payment", "objects": [payment(account.account_id, invoice.id, "40.00")]})
    )
    key = made["Id"]
    (noted,) = results(
        action(http, "update", {"type": "Payment", "objects": [{"Id": key, "Comment": "late", "ReferenceId": "R-9"}]})
    )
    assert noted == {"Success": True, "Id": key}
    assert query(http, f"select Comment, ReferenceId from Payment where Id = '{key}'") == [
        {"Comment": "late", "ReferenceId": "R-9"}
    ]
    (fixed,) = results(action(http, "update", {"type": "Payment", "objects": [{"Id": key, "Amount": "50"}]}))
    assert fixed["Errors"] == [
        {
            "Code": "INVALID_VALUE",
            "Message": "'Amount' of a payment cannot be updated: only Comment, ReferenceId, Status (Processed to "
            "Canceled) and custom fields can",
        }
    ]
    (kept,) = results(action(http, "delete", {"type": "Payment", "ids": [key]}))
    assert kept["success"] is False
    assert [e["Code"] for e in kept["errors"]] == ["CANNOT_DELETE"]
    assert balance(http, invoice.id) == (D("40.00"), D("60.00"))  # 100.00 - 40.00

    (canceled,) = results(action(http, "update", {"type": "Payment", "objects": [{"Id": key, "Status": "Canceled"}]}))
    assert canceled == {"Success": True, "Id": key}
    # The payment is off the invoice: Balance 100.00 - (0 - 0) = 100.00
    assert balance(http, invoice.id) == (D("0.00"), D("100.00"))
    assert http.get(f"/v1/payments/{key}").json()["status"] == "Canceled"
    refund = http.post(f"/v1/payments/{key}/refunds", json={"totalAmount": "1.00"})
    assert refund.status_code == 400 and "only a Processed payment can be refunded" in refund.text
    (back,) = results(action(http, "update", {"type": "Payment", "objects": [{"Id": key, "Status": "Processed"}]}))
    assert back["Errors"] == [
        {
            "Code": "INVALID_VALUE",
            "Message": "'Status' cannot change from Canceled to Processed: a Processed payment can only be "
            "Canceled, and a Canceled one is final",
        }
    ]
    assert results(action(http, "delete", {"type": "Payment", "ids": [key]})) == [{"id": key, "success": True}]
    assert http.get(f"/v1/payments/{key}").status_code == 404
    assert query(http, "select Id from Payment") == []


def test_a_refunded_payment_cannot_be_canceled(zuora: Any, http: httpx.Client) -> None:
    account, invoice = posted_invoice(zuora, "100.00")
    (made,) = results(
        action(http, "create", {"type": "Payment", "objects": [payment(account.account_id, invoice.id, "30.00")]})
    )
    http.post(f"/v1/payments/{made['Id']}/refunds", json={"totalAmount": "10.00"}).raise_for_status()
    (refused,) = results(
        action(http, "update", {"type": "Payment", "objects": [{"Id": made["Id"], "Status": "Canceled"}]})
    )
    assert refused["Errors"] == [
        {
            "Code": "INVALID_VALUE",
            "Message": "payment P-00000001 has refunds (10.00): a refunded payment cannot be canceled",
        }
    ]
    # 100.00 - (30.00 - 10.00) = 80.00, unchanged by the refused cancel
    assert balance(http, invoice.id) == (D("30.00"), D("80.00"))


# --- subscriptions ----------------------------------------------------------------------------------


def test_a_subscription_update_changes_its_notes_and_custom_fields_only(zuora: Any, http: httpx.Client) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Basic", recurring("Base", "10.00"))
    account = sdk_account(zuora)
    subscription = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    key = subscription.subscription_id
    update = {"Id": key, "Notes": "renew by phone", "Region__c": "EMEA"}
    assert results(action(http, "update", {"type": "Subscription", "objects": [update]})) == [
        {"Success": True, "Id": key}
    ]
    assert query(http, f"select Notes, AutoRenew, Region__c from Subscription where Id = '{key}'") == [
        {"Notes": "renew by phone", "AutoRenew": False, "Region__c": "EMEA"}
    ]
    terms, unknown = results(
        action(
            http,
            "update",
            {"type": "Subscription", "objects": [{"Id": key, "AutoRenew": True}, {"Id": "0" * 32, "Notes": "x"}]},
        )
    )
    assert terms["Errors"] == [
        {
            "Code": "INVALID_VALUE",
            "Message": "'AutoRenew' of a subscription cannot be updated: only Notes and custom fields can. Zuora "
            "changes an Active subscription by amendment, which billforge does not have: cancel or renew it with "
            "PUT /v1/subscriptions/{subscription-key}/cancel or /renew",
        }
    ]
    assert unknown["Errors"] == [{"Code": "INVALID_ID", "Message": f"no subscription with id {'0' * 32!r}"}]
    cleared = {"Id": key, "fieldsToNull": ["Notes"]}
    assert results(action(http, "update", {"type": "Subscription", "objects": [cleared]}))[0]["Success"] is True
    assert query(http, f"select Notes, AutoRenew from Subscription where Id = '{key}'") == [{"AutoRenew": False}]


# --- refused operations -----------------------------------------------------------------------------


def test_every_refused_operation_has_its_reason() -> None:
    assert set(actions.refused()) == set(actions._WHY_NOT)


@pytest.mark.parametrize(("type_name", "operation"), actions.refused())
def test_a_refused_operation_answers_its_reason(
    http: httpx.Client, type_name: str, operation: actions.Operation
) -> None:
    expected = f"{operation} is not supported for {type_name} objects: {actions._WHY_NOT[(type_name, operation)]}"
    if operation is actions.Operation.DELETE:
        answer = fault(action(http, "delete", {"type": type_name, "ids": ["0" * 32]}))
        assert answer == {"code": "INVALID_TYPE", "message": expected}
    else:
        answer = fault(action(http, operation.value, {"type": type_name, "objects": [{"Id": "0" * 32}]}))
        assert answer == {"FaultCode": "INVALID_TYPE", "FaultMessage": expected}


# --- whole-call faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "body", "expected"),
    [
        (
            "create",
            {"type": "Invoice", "objects": [{"AccountId": "x"}]},
            {
                "FaultCode": "INVALID_TYPE",
                "FaultMessage": "create is not supported for Invoice objects: invoices are created by generate "
                "(POST /v1/action/generate) or POST /v1/invoices",
            },
        ),
        (
            "create",
            {"type": "InvoiceItem", "objects": [{}]},
            {
                "FaultCode": "INVALID_TYPE",
                "FaultMessage": "create is not supported for InvoiceItem objects: invoice items are made with "
                "their invoice, by generate (POST /v1/action/generate) or POST /v1/invoices",
            },
        ),
        (
            "update",
            {"type": "RatePlan", "objects": [{"Id": "x"}]},
            {
                "FaultCode": "INVALID_TYPE",
                "FaultMessage": "update is not supported for RatePlan objects: Zuora changes a subscription's rate "
                "plans by amendment, which billforge does not have; rate plans are created with their subscription "
                "(POST /v1/subscriptions)",
            },
        ),
        (
            "create",
            {"type": "Gizmo", "objects": [{}]},
            {
                "FaultCode": "INVALID_TYPE",
                "FaultMessage": "'type' 'Gizmo' is not an object type billforge knows (types: Invoice, InvoiceItem, "
                "Account, Contact, Subscription, RatePlan, RatePlanCharge, Product, ProductRatePlan, "
                "ProductRatePlanCharge, ProductRatePlanChargeTier, Usage, Payment)",
            },
        ),
        ("create", {"objects": [{}]}, {"FaultCode": "MISSING_REQUIRED_VALUE", "FaultMessage": "'type' is required"}),
        (
            "update",
            {"type": "Product"},
            {"FaultCode": "MISSING_REQUIRED_VALUE", "FaultMessage": "'objects' is required"},
        ),
        (
            "update",
            {"type": "Product", "objects": {"Id": "x"}},
            {"FaultCode": "INVALID_VALUE", "FaultMessage": "'objects' must be a JSON array"},
        ),
        (
            "create",
            {"type": "Product", "objects": []},
            {"FaultCode": "MISSING_REQUIRED_VALUE", "FaultMessage": "'objects' must contain at least one entry"},
        ),
        (
            "create",
            {"type": "Product", "objects": [PRODUCT] * 51},
            {
                "FaultCode": "MAX_RECORDS_EXCEEDED",
                "FaultMessage": "'objects' has 51 entries; at most 50 are allowed per call",
            },
        ),
    ],
)
def test_whole_call_problems_are_faults(
    http: httpx.Client, call: str, body: dict[str, Any], expected: dict[str, str]
) -> None:
    assert fault(action(http, call, body)) == expected


def test_fifty_objects_are_allowed(http: httpx.Client) -> None:
    objects = [{**PRODUCT, "Name": f"P{n}"} for n in range(50)]
    assert [r["Success"] for r in results(action(http, "create", {"type": "Product", "objects": objects}))] == [
        True
    ] * 50


def test_the_sdk_raises_a_fault(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.actions_api().action_post_create(ProxyActioncreateRequest(type="Invoice", objects=[{}]))
    assert caught.value.status == 400
    assert caught.value.data.fault_code == "INVALID_TYPE"


def test_bad_json_is_a_fault(http: httpx.Client) -> None:
    response = http.post("/v1/action/create", content=b"{not json", headers={"Content-Type": "application/json"})
    assert fault(response)["FaultCode"] == "INVALID_VALUE"


def test_reject_unknown_fields(http: httpx.Client) -> None:
    unknown = {"type": "Product", "objects": [{**PRODUCT, "Colour": "red"}]}
    assert results(action(http, "create", unknown))[0]["Success"] is True
    strict = action(http, "create", unknown, rejectUnknownFields="true")
    assert strict.status_code == 400 and strict.json() == {"message": "Error - unrecognised fields"}
    envelope = action(http, "create", {"type": "Product", "objects": [PRODUCT], "extra": 1}, rejectUnknownFields="true")
    assert envelope.json() == {"message": "Error - unrecognised fields"}
    custom = {"type": "Product", "objects": [{**PRODUCT, "Name": "Custom", "Tier__c": "gold"}]}
    assert results(action(http, "create", custom, rejectUnknownFields="true"))[0]["Success"] is True
    known_but_read_only = {"type": "Invoice", "objects": [{"Id": "0" * 32, "Amount": 5}]}
    assert action(http, "update", known_but_read_only, rejectUnknownFields="true").status_code == 200
    delete = action(http, "delete", {"type": "Product", "ids": ["x"], "force": True}, rejectUnknownFields="true")
    assert delete.json() == {"message": "Error - unrecognised fields"}


def test_wsdl_version_header(http: httpx.Client) -> None:
    body = {"type": "Product", "objects": [PRODUCT]}
    for version in ("79", "79.0", "119.0"):
        ok = http.post("/v1/action/create", json=body, headers={"X-Zuora-WSDL-Version": version})
        assert ok.status_code == 200 and ok.json()[0]["Success"] is True
    bad = http.post("/v1/action/create", json=body, headers={"X-Zuora-WSDL-Version": "latest"})
    assert fault(bad) == {
        "FaultCode": "INVALID_VERSION",
        "FaultMessage": "X-Zuora-WSDL-Version must be a WSDL version number such as 79 or 79.0, not 'latest'",
    }

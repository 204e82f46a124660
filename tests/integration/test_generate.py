"""``POST /v1/action/generate`` exactly as the seed ``rest-action-generate.md``, and
``POST /v1/accounts/{key}/billing-documents/generate``: results per object, in order; per-object
failures as ``Success: false`` results with WSDL error codes; whole-request problems as faults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import ApiException, GenerateBillingDocumentRequest

from tests.integration.test_generate_support import (
    SdkCatalog,
    action_generate,
    generate_one,
    invoice_items,
    lines,
    one_time,
    reasons,
    recurring,
    sdk_account,
    sdk_subscribe,
    usage_charge,
)

D = Decimal


@pytest.fixture
def billed_account(zuora: Any) -> Any:
    """An account on bill cycle day 1 with a 100.00/month subscription from 2024-01-01 and a 25.00
    one-time setup fee."""
    shop = SdkCatalog(zuora)
    plan_id = shop.plan(
        "Pro",
        recurring("Pro monthly", "100"),
        one_time("Setup", "25"),
        usage_charge("Calls", "Call", "Per Unit Pricing", {"price": D("0.10")}),
    )
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    return account


def test_generate_answers_the_first_invoice_id(http: httpx.Client, zuora: Any, billed_account: Any) -> None:
    result = generate_one(http, billed_account.account_id, "2024-02-15", "2024-02-16")
    assert result["Success"] is True
    assert set(result) == {"Success", "Id"}
    invoice = zuora.invoices_api().get_invoice(result["Id"])
    # In advance through the target date 2024-02-15: January and February (100.00 each) and the
    # 25.00 setup fee = 225.00; Draft at once, dated the InvoiceDate, Net: due upon receipt.
    assert invoice.status == "Draft"
    assert D(str(invoice.amount)) == D("225.00")
    assert str(invoice.invoice_date) == "2024-02-16"
    assert str(invoice.target_date) == "2024-02-15"
    assert str(invoice.due_date) == "2024-02-16"
    assert invoice.source == "API" and invoice.source_type == "Subscription"
    assert invoice.includes_one_time is True and invoice.includes_recurring and invoice.includes_usage
    assert invoice.invoice_number == "INV00000001"
    assert lines(invoice_items(http, result["Id"])) == [
        ("Pro monthly", "2024-01-01", "2024-01-31", D("100.00")),
        ("Pro monthly", "2024-02-01", "2024-02-29", D("100.00")),
        ("Setup", "2024-01-01", "2024-01-01", D("25.00")),
    ]
    items = invoice_items(http, result["Id"])
    assert items[0]["subscriptionName"] == "A-S00000001"
    assert items[0]["chargeType"] == "Recurring"
    assert items[0]["sourceItemType"] == "InvoiceDetail"


def test_includes_flags_filter_charge_types(http: httpx.Client, billed_account: Any) -> None:
    result = generate_one(
        http, billed_account.account_id, "2024-01-31", IncludesOneTime=False, IncludesRecurring="true"
    )
    assert lines(invoice_items(http, result["Id"])) == [("Pro monthly", "2024-01-01", "2024-01-31", D("100.00"))]
    # The one-time charge is still owed: a later generate with only one-time charges bills it.
    only_one_time = generate_one(
        http, billed_account.account_id, "2024-01-31", IncludesRecurring=False, IncludesUsage=False
    )
    assert lines(invoice_items(http, only_one_time["Id"])) == [("Setup", "2024-01-01", "2024-01-01", D("25.00"))]


def test_results_per_object_in_order(http: httpx.Client, billed_account: Any) -> None:
    account = billed_account.account_id
    response = action_generate(
        http,
        {"AccountId": account, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"},
        {"AccountId": account, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"},
        {"AccountId": "0" * 32, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"},
        {"InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"},
        {"AccountId": account, "TargetDate": "2024-01-01"},
        {"AccountId": account, "InvoiceDate": "2024-01-01"},
        {"AccountId": account, "InvoiceDate": "01/02/2024", "TargetDate": "2024-01-01"},
        {"AccountId": account, "InvoiceDate": "2024-01-01T00:00:00", "TargetDate": "2024-02-01T00:00:00"},
    )
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 8
    assert results[0]["Success"] is True
    codes = [r["Errors"][0]["Code"] if not r["Success"] else None for r in results]
    assert codes == [
        None,
        "INVALID_VALUE",  # the first object billed everything due: nothing left
        "INVALID_ID",
        "MISSING_REQUIRED_VALUE",
        "MISSING_REQUIRED_VALUE",
        "MISSING_REQUIRED_VALUE",
        "INVALID_VALUE",
        None,  # SOAP-style dateTimes are read as dates: February is now due
    ]
    assert "nothing to bill" in results[1]["Errors"][0]["Message"]
    assert "AccountId" in results[2]["Errors"][0]["Message"]
    assert "'AccountId' is required" in results[3]["Errors"][0]["Message"]
    assert "'InvoiceDate' is required" in results[4]["Errors"][0]["Message"]
    assert "'TargetDate' is required" in results[5]["Errors"][0]["Message"]
    assert "InvoiceDate" in results[6]["Errors"][0]["Message"]


def test_nothing_to_bill_never_makes_an_empty_invoice(http: httpx.Client, zuora: Any) -> None:
    account = sdk_account(zuora)
    result = generate_one(http, account.account_id, "2024-01-01")
    assert result == {
        "Success": False,
        "Errors": [{"Code": "INVALID_VALUE", "Message": result["Errors"][0]["Message"]}],
    }
    assert "has nothing to bill on or before target date 2024-01-01" in result["Errors"][0]["Message"]
    assert http.get("/v1/invoices/INV00000001").status_code == 404


def test_closed_accounting_period(http: httpx.Client, billed_account: Any) -> None:
    created = http.post(
        "/v1/accounting-periods",
        json={"name": "Jan 2024", "startDate": "2024-01-01", "endDate": "2024-01-31", "fiscalYear": 2024},
    )
    assert created.status_code == 200, created.text
    closed = http.put(f"/v1/accounting-periods/{created.json()['id']}/close")
    assert closed.status_code == 200, closed.text
    result = generate_one(http, billed_account.account_id, "2024-01-15")
    assert result["Success"] is False
    assert result["Errors"][0]["Code"] == "ACCOUNTING_PERIOD_CLOSED"
    assert "Jan 2024" in result["Errors"][0]["Message"]
    # Dated in February (an open period) the same charges bill.
    assert generate_one(http, billed_account.account_id, "2024-01-15", "2024-02-01")["Success"] is True


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"objects": [{}]}, "MISSING_REQUIRED_VALUE", "'type' is required"),
        ({"objects": [{}], "type": "Account"}, "INVALID_TYPE", 'only "Invoice"'),
        ({"type": "Invoice"}, "MISSING_REQUIRED_VALUE", "'objects' is required"),
        ({"objects": [], "type": "Invoice"}, "MISSING_REQUIRED_VALUE", "at least one"),
        ({"objects": {"AccountId": "x"}, "type": "Invoice"}, "INVALID_VALUE", "JSON array"),
        ({"objects": [{"AccountId": "x"}] * 51, "type": "Invoice"}, "MAX_RECORDS_EXCEEDED", "at most 50"),
    ],
)
def test_whole_request_problems_are_faults(http: httpx.Client, body: dict[str, Any], code: str, words: str) -> None:
    response = http.post("/v1/action/generate", json=body)
    assert response.status_code == 400
    fault = response.json()
    assert set(fault) == {"FaultCode", "FaultMessage"}
    assert fault["FaultCode"] == code
    assert words in fault["FaultMessage"]


def test_bad_json_is_a_fault(http: httpx.Client) -> None:
    response = http.post("/v1/action/generate", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"FaultCode", "FaultMessage"}


def test_fifty_objects_are_allowed(http: httpx.Client, billed_account: Any) -> None:
    objects = [{"AccountId": billed_account.account_id, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"}] * 50
    response = http.post("/v1/action/generate", json={"objects": objects, "type": "Invoice"})
    assert response.status_code == 200
    results = response.json()
    # The first bills January and the setup fee; the 49 others find nothing left to bill.
    assert [r["Success"] for r in results] == [True] + [False] * 49


def test_reject_unknown_fields(http: httpx.Client, billed_account: Any) -> None:
    good = {"AccountId": billed_account.account_id, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"}
    for body in (
        {"objects": [{**good, "Colour": "red"}], "type": "Invoice"},
        {"objects": [good], "type": "Invoice", "extra": 1},
    ):
        refused = http.post("/v1/action/generate", json=body, params={"rejectUnknownFields": "true"})
        assert refused.status_code == 400
        assert refused.json() == {"message": "Error - unrecognised fields"}
    # Known Invoice fields and custom fields are not unknown; without the flag, unknown fields are ignored.
    known = http.post(
        "/v1/action/generate",
        json={"objects": [{**good, "Comments": "x", "Tier__c": "gold"}], "type": "Invoice"},
        params={"rejectUnknownFields": "true"},
    )
    assert known.status_code == 200 and known.json()[0]["Success"] is True
    ignored = http.post(
        "/v1/action/generate", json={"objects": [{**good, "TargetDate": "2024-02-01", "Colour": 1}], "type": "Invoice"}
    )
    assert ignored.status_code == 200 and ignored.json()[0]["Success"] is True


def test_wsdl_version_header(http: httpx.Client, billed_account: Any) -> None:
    body = {
        "objects": [{"AccountId": billed_account.account_id, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"}],
        "type": "Invoice",
    }
    accepted = http.post("/v1/action/generate", json=body, headers={"X-Zuora-WSDL-Version": "79"})
    assert accepted.status_code == 200 and accepted.json()[0]["Success"] is True
    refused = http.post("/v1/action/generate", json=body, headers={"X-Zuora-WSDL-Version": "latest"})
    assert refused.status_code == 400
    assert refused.json()["FaultCode"] == "INVALID_VERSION"


def test_invoice_separately_subscriptions_get_their_own_invoices(http: httpx.Client, zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Basic", recurring("Basic", "10"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), invoice_separately=True)
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    result = generate_one(http, account.account_id, "2024-01-01")
    # Two invoices: A-S00000001 and A-S00000003 together (the first, whose id is answered), then
    # A-S00000002 alone.
    items = invoice_items(http, result["Id"])
    assert [i["subscriptionName"] for i in items] == ["A-S00000001", "A-S00000003"]
    separate = zuora.invoices_api().get_invoice("INV00000002")
    assert [i["subscriptionName"] for i in invoice_items(http, separate.id)] == ["A-S00000002"]
    assert D(str(separate.amount)) == D("10.00")
    assert zuora.invoices_api().get_invoice(result["Id"]).invoice_number == "INV00000001"


def test_billing_documents_generate(zuora: Any, billed_account: Any, http: httpx.Client) -> None:
    api = zuora.billing_documents_api()
    generated = api.generate_billing_documents(
        billed_account.account_number,
        GenerateBillingDocumentRequest(
            effective_date=date(2024, 1, 5), target_date=date(2024, 1, 1), charge_type_to_exclude=["OneTime"]
        ),
    )
    assert generated.success is True
    (invoice,) = generated.invoices
    assert lines(invoice_items(http, invoice.id)) == [("Pro monthly", "2024-01-01", "2024-01-31", D("100.00"))]
    posted = api.generate_billing_documents(
        billed_account.account_id,
        GenerateBillingDocumentRequest(effective_date=date(2024, 2, 1), target_date=date(2024, 2, 1), auto_post=True),
    )
    detail = zuora.invoices_api().get_invoice(posted.invoices[0].id)
    # February's 100.00 and the setup fee 25.00, posted at once.
    assert detail.status == "Posted" and D(str(detail.amount)) == D("125.00")
    with pytest.raises(ApiException) as nothing:
        api.generate_billing_documents(
            billed_account.account_id,
            GenerateBillingDocumentRequest(effective_date=date(2024, 2, 1), target_date=date(2024, 2, 1)),
        )
    assert nothing.value.status == 400
    assert "nothing to bill" in reasons(nothing.value)[0]["message"]
    with pytest.raises(ApiException) as unknown:
        api.generate_billing_documents(
            "A-NOPE", GenerateBillingDocumentRequest(effective_date=date(2024, 2, 1), target_date=date(2024, 2, 1))
        )
    assert unknown.value.status == 404
    with pytest.raises(ApiException) as bad_type:
        api.generate_billing_documents(
            billed_account.account_id,
            GenerateBillingDocumentRequest(
                effective_date=date(2024, 3, 1), target_date=date(2024, 3, 1), charge_type_to_exclude=["Fees"]
            ),
        )
    assert bad_type.value.status == 400
    assert "chargeTypeToExclude[0]" in reasons(bad_type.value)[0]["message"]


def test_generate_is_per_tenant(http: httpx.Client, db: Any, billed_account: Any) -> None:
    from billforge.errors import NotFound
    from billforge.services import billing
    from tests.conftest import make_tenant

    other = make_tenant(db)
    with pytest.raises(NotFound):
        billing.generate_invoices(
            db=db,
            ctx=other.ctx,
            account_key=billed_account.account_id,
            invoice_date=date(2024, 1, 1),
            target_date=date(2024, 1, 1),
        )


def test_due_date_follows_the_account_payment_term(http: httpx.Client, zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Basic", recurring("Basic", "10"))
    account = sdk_account(zuora, payment_term="Net 30")
    sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    result = generate_one(http, account.account_id, "2024-01-31", "2024-01-31")
    invoice = zuora.invoices_api().get_invoice(result["Id"])
    # Net 30 from the invoice date 2024-01-31: due 2024-03-01.
    assert str(invoice.due_date) == "2024-03-01"
    assert invoice.payment_term == "Net 30"

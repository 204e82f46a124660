"""ZOQL over ``POST /v1/action/query`` and ``/v1/action/queryMore``: records keyed by the objects'
field names, filters by field type, ``and`` before ``or``, paging with query locators kept in the
database, batch sizes, faults, and entity isolation. Zuora's SDK where it has the call
(``action_post_query``, ``action_postquery_more``), raw HTTP for the wire details."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from zuora_sdk import (
    ApiException,
    ProxyActionqueryMoreRequest,
    ProxyActionqueryMoreRequestConf,
    ProxyActionqueryRequest,
)

from billforge.config import Settings
from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.tables_queries import query_locators
from billforge.services import queries
from billforge.zoql.errors import InvalidQueryLocator
from tests.conftest import ServerThread, Tenant, bearer_token, make_tenant
from tests.integration.test_generate_support import (
    SdkCatalog,
    one_time,
    recurring,
    sdk_account,
    sdk_subscribe,
    usage_charge,
)
from tests.integration.test_standalone_invoices import new_account, raw_invoice

D = Decimal


def run(http: httpx.Client, query_string: str, batch_size: int | None = None, **params: Any) -> httpx.Response:
    body: dict[str, Any] = {"queryString": query_string}
    if batch_size is not None:
        body["conf"] = {"batchSize": batch_size}
    return http.post("/v1/action/query", json=body, params=params)


def records(http: httpx.Client, query_string: str) -> list[dict[str, Any]]:
    response = run(http, query_string)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["done"] is True and "queryLocator" not in body
    assert body["size"] == len(body["records"])
    return list(body["records"])


def more(http: httpx.Client, locator: str, batch_size: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"queryLocator": locator}
    if batch_size is not None:
        body["conf"] = {"batchSize": batch_size}
    return http.post("/v1/action/queryMore", json=body)


def fault(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body: dict[str, str] = response.json()
    assert set(body) == {"FaultCode", "FaultMessage"}
    return body


def invoices(http: httpx.Client, account_id: str, *amounts: str, **overrides: Any) -> list[dict[str, Any]]:
    """One Draft invoice per amount, in one batch call (invoice numbers in the order given)."""
    bodies = [
        raw_invoice(
            account_id,
            invoiceItems=[{"amount": amount, "serviceStartDate": "2024-01-01", "chargeName": "Fee"}],
            **overrides,
        )
        for amount in amounts
    ]
    response = http.post("/v1/invoices/batch", json={"invoices": bodies, "useSingleTransaction": True})
    assert response.status_code == 200, response.text
    return list(response.json()["invoices"])


@pytest.fixture
def three(zuora: Any, http: httpx.Client) -> list[dict[str, Any]]:
    """Three Draft invoices of 100.00, 250.50 and 75.00 on one account."""
    account = new_account(zuora)
    return invoices(http, account.account_id, "100.00", "250.50", "75.00")


# --- query -----------------------------------------------------------------------------------------


def test_query_through_the_sdk(zuora: Any, three: list[dict[str, Any]]) -> None:
    answer = zuora.actions_api().action_post_query(
        ProxyActionqueryRequest(query_string="select Id, InvoiceNumber, Amount from Invoice where Amount > '90'")
    )
    # 100.00 and 250.50 are above 90; 75.00 is not.
    assert answer.done is True and answer.size == 2 and answer.query_locator is None
    found = {r["InvoiceNumber"]: r for r in answer.records}
    assert set(found) == {"INV00000001", "INV00000002"}
    assert D(str(found["INV00000002"]["Amount"])) == D("250.50")
    assert found["INV00000001"]["Id"] == three[0]["id"]
    assert set(found["INV00000001"]) == {"Id", "InvoiceNumber", "Amount"}


def test_client_spellings_upper_case_keywords_line_breaks_and_quoted_numbers(
    http: httpx.Client, three: list[dict[str, Any]]
) -> None:
    # As zuora 1.0.17 writes its queries.
    text = """
                SELECT
                    AccountID, Amount,
                    Balance, InvoiceNumber, Status
                FROM Invoice
                WHERE Balance > '100' AND status = 'Draft'
                """
    (found,) = records(http, text)
    # Only 250.50 has a balance above 100 (100.00 is not above it).
    assert found == {
        "AccountId": three[1]["accountId"],
        "Amount": 250.5,
        "Balance": 250.5,
        "InvoiceNumber": "INV00000002",
        "Status": "Draft",
    }


def test_records_carry_the_selected_fields_with_values_of_their_type(
    http: httpx.Client, three: list[dict[str, Any]], tenant: Tenant
) -> None:
    found = records(
        http,
        "select Id, AutoPay, InvoiceDate, CreatedDate, CreatedById, IncludesUsage, Comments, BillRunId "
        f"from Invoice where Id = '{three[0]['id']}'",
    )
    (record,) = found
    assert record["Id"] == three[0]["id"]
    assert record["AutoPay"] is False
    assert record["InvoiceDate"] == "2024-01-15"
    assert datetime.fromisoformat(record["CreatedDate"]).utcoffset() is not None
    assert record["CreatedById"] == tenant.client_id
    assert "Comments" not in record and "BillRunId" not in record  # null fields are left out


def test_and_binds_tighter_than_or(http: httpx.Client, three: list[dict[str, Any]]) -> None:
    # Amount = 75 or (Amount = 100 and Status = 'Posted'): only the 75.00 invoice, as no invoice is Posted.
    found = records(http, "select InvoiceNumber from Invoice where Amount = 75 or Amount = 100 and Status = 'Posted'")
    assert found == [{"InvoiceNumber": "INV00000003"}]
    # (Amount = 100 and Status = 'Draft') or Amount = 75: two invoices.
    found = records(http, "select InvoiceNumber from Invoice where Amount = 100 and Status = 'Draft' or Amount = 75")
    assert sorted(r["InvoiceNumber"] for r in found) == ["INV00000001", "INV00000003"]


@pytest.mark.parametrize(
    ("condition", "numbers"),
    [
        ("Amount = 250.5", ["INV00000002"]),
        ("Amount != 250.50", ["INV00000001", "INV00000003"]),
        ("Amount < '100'", ["INV00000003"]),
        ("Amount <= 100", ["INV00000001", "INV00000003"]),
        ("Amount > 100.004", ["INV00000002"]),  # 100.004 is between 100.0000 and 100.0100... only 250.50 is above
        ("Amount >= 75.00", ["INV00000001", "INV00000002", "INV00000003"]),
        ("InvoiceNumber like 'INV%2'", ["INV00000002"]),
        ("InvoiceNumber like 'inv%'", []),  # strings are case-sensitive
        ("InvoiceNumber like 'INV0000000_'", ["INV00000001", "INV00000002", "INV00000003"]),
        ("Comments is null", ["INV00000001", "INV00000002", "INV00000003"]),
        ("Comments is not null", []),
        ("InvoiceDate = '2024-01-15'", ["INV00000001", "INV00000002", "INV00000003"]),
        ("InvoiceDate > '2024-01-15'", []),
        ("InvoiceDate >= '2024-01-15T10:00:00'", []),  # after the 15th's midnight: from the 16th
        ("DueDate < '2024-01-16'", ["INV00000001", "INV00000002", "INV00000003"]),
        ("AutoPay = false", ["INV00000001", "INV00000002", "INV00000003"]),
        ("AutoPay != 'false'", []),
        ("Status = 'draft'", []),
    ],
)
def test_filters_by_field_type(
    http: httpx.Client, three: list[dict[str, Any]], condition: str, numbers: list[str]
) -> None:
    found = records(http, f"select InvoiceNumber from Invoice where {condition}")
    assert sorted(r["InvoiceNumber"] for r in found) == numbers


def test_timestamps_compare_in_the_tenants_zone(http: httpx.Client, three: list[dict[str, Any]]) -> None:
    today = datetime.now(UTC).date()  # the test tenant's zone is UTC
    yesterday, tomorrow = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    assert len(records(http, f"select Id from Invoice where CreatedDate > '{yesterday}'")) == 3
    assert records(http, f"select Id from Invoice where CreatedDate >= '{tomorrow}T00:00:00Z'") == []


# --- faults ----------------------------------------------------------------------------------------


def test_a_malformed_query_is_a_fault_saying_where_and_why(http: httpx.Client) -> None:
    assert fault(run(http, "select Id from Invoice where (Amount > 1)")) == {
        "FaultCode": "MALFORMED_QUERY",
        "FaultMessage": "malformed query at line 1, column 30: parentheses are not supported in ZOQL: "
        "'and' binds tighter than 'or', so write without them",
    }
    assert fault(run(http, "select Id from Invoice where InvoiceDate > 'soon'")) == {
        "FaultCode": "MALFORMED_QUERY",
        "FaultMessage": "malformed query at line 1, column 44: Invoice.InvoiceDate is a date field: 'soon' is not a "
        "date such as '2024-01-31' or a date-time such as '2024-01-31T10:30:00-08:00'",
    }


def test_unknown_objects_and_fields(http: httpx.Client) -> None:
    unknown_type = fault(run(http, "select Id from Refund"))
    assert unknown_type["FaultCode"] == "INVALID_TYPE"
    assert unknown_type["FaultMessage"].startswith("'Refund' is not an object billforge can query")
    assert fault(run(http, "select Id, Colour from Invoice")) == {
        "FaultCode": "INVALID_FIELD",
        "FaultMessage": "invalid field for query: Invoice.Colour (at line 1, column 12) is not a field of Invoice",
    }


def test_the_sdk_raises_the_fault(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.actions_api().action_post_query(ProxyActionqueryRequest(query_string="select * from Invoice"))
    assert caught.value.status == 400
    assert caught.value.data.fault_code == "MALFORMED_QUERY"


def test_query_request_shape(http: httpx.Client) -> None:
    assert fault(http.post("/v1/action/query", json={})) == {
        "FaultCode": "MISSING_REQUIRED_VALUE",
        "FaultMessage": "'queryString' is required",
    }
    unknown = http.post("/v1/action/query", json={"queryString": "select Id from Invoice", "limit": 5})
    assert unknown.status_code == 200
    strict = http.post(
        "/v1/action/query",
        json={"queryString": "select Id from Invoice", "conf": {"batchSize": 5, "pageSize": 1}},
        params={"rejectUnknownFields": "true"},
    )
    assert strict.status_code == 400 and strict.json() == {"message": "Error - unrecognised fields"}
    wsdl = http.post(
        "/v1/action/query", json={"queryString": "select Id from Invoice"}, headers={"X-Zuora-WSDL-Version": "79"}
    )
    assert wsdl.status_code == 200


@pytest.mark.parametrize("batch_size", [0, 2001, -1])
def test_batch_size_is_1_to_2000(http: httpx.Client, batch_size: int) -> None:
    assert fault(run(http, "select Id from Invoice", batch_size)) == {
        "FaultCode": "INVALID_VALUE",
        "FaultMessage": f"'conf.batchSize' must be between 1 and 2000, got {batch_size}",
    }


@pytest.mark.parametrize("batch_size", [1, 2000])
def test_batch_sizes_at_the_bounds(http: httpx.Client, three: list[dict[str, Any]], batch_size: int) -> None:
    body = run(http, "select Id from Invoice", batch_size).json()
    assert body["size"] == 3
    assert len(body["records"]) == min(batch_size, 3)
    assert body["done"] is (batch_size >= 3)


# --- paging ----------------------------------------------------------------------------------------


def test_paging_with_query_locators_through_the_sdk(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    made = invoices(http, account.account_id, *(f"{n}.00" for n in range(1, 8)))
    api = zuora.actions_api()
    first = api.action_post_query(
        ProxyActionqueryRequest(
            query_string="select Id, Amount from Invoice", conf=ProxyActionqueryMoreRequestConf(batch_size=3)
        )
    )
    # 7 invoices in batches of 3: 3, 3 and 1; size is always all 7.
    assert (len(first.records), first.size, first.done) == (3, 7, False)
    second = api.action_postquery_more(ProxyActionqueryMoreRequest(query_locator=first.query_locator))
    assert (len(second.records), second.size, second.done) == (3, 7, False)
    assert second.query_locator != first.query_locator
    third = api.action_postquery_more(ProxyActionqueryMoreRequest(query_locator=second.query_locator))
    assert (len(third.records), third.size, third.done, third.query_locator) == (1, 7, True, None)
    paged = [r["Id"] for r in first.records + second.records + third.records]
    assert sorted(paged) == sorted(i["id"] for i in made)
    # The same order as one batch of everything.
    assert paged == [r["Id"] for r in records(http, "select Id from Invoice")]
    # 1 + 2 + ... + 7 = 28
    assert sum(D(str(r["Amount"])) for r in first.records + second.records + third.records) == D(28)


def test_a_locator_answers_the_same_batch_again(http: httpx.Client, three: list[dict[str, Any]]) -> None:
    first = run(http, "select Id from Invoice", 1).json()
    again = [more(http, first["queryLocator"]).json() for _ in range(2)]
    # A retried call loses nothing: the same records, size and done (each answer issues its own locator).
    assert [(a["records"], a["size"], a["done"]) for a in again] == [(again[0]["records"], 3, False)] * 2
    assert again[0]["records"] != first["records"]
    assert (
        more(http, again[0]["queryLocator"]).json()["records"] == more(http, again[1]["queryLocator"]).json()["records"]
    )


def test_query_more_takes_its_own_batch_size(http: httpx.Client, three: list[dict[str, Any]]) -> None:
    first = run(http, "select Id from Invoice", 1).json()
    rest = more(http, first["queryLocator"], 5).json()
    # 3 invoices: 1 in the first batch, the other 2 in a batch of up to 5.
    assert (len(rest["records"]), rest["size"], rest["done"]) == (2, 3, True)
    assert "queryLocator" not in rest
    assert fault(more(http, first["queryLocator"], 2001))["FaultMessage"] == (
        "'conf.batchSize' must be between 1 and 2000, got 2001"
    )


def test_paging_keeps_filters_and_skips_nothing_when_records_change(
    zuora: Any, http: httpx.Client, three: list[dict[str, Any]]
) -> None:
    first = run(http, "select Id, InvoiceNumber from Invoice where Amount >= 75", 2).json()
    # A record delivered already is deleted: the next batch still starts after the last one delivered.
    http.delete(f"/v1/object/invoice/{first['records'][0]['Id']}")
    rest = more(http, first["queryLocator"]).json()
    assert len(rest["records"]) == 1
    assert {r["Id"] for r in first["records"] + rest["records"]} == {i["id"] for i in three}


def test_an_unknown_or_expired_locator_is_a_fault(http: httpx.Client, db: Database, three: Any) -> None:
    why = "it was not issued to this tenant or has expired (locators last 15 minutes); run the query again"
    assert fault(more(http, "f" * 32)) == {
        "FaultCode": "INVALID_VALUE",
        "FaultMessage": f"invalid query locator {'f' * 32!r}: {why}",
    }
    locator = run(http, "select Id from Invoice", 1).json()["queryLocator"]
    with db.write() as conn:
        conn.execute(
            update(query_locators)
            .where(query_locators.c.id == locator)
            .values(expires_at=datetime.now().astimezone() - timedelta(seconds=1))
        )
    assert fault(more(http, locator))["FaultMessage"] == f"invalid query locator {locator!r}: {why}"
    assert fault(http.post("/v1/action/queryMore", json={}))["FaultCode"] == "MISSING_REQUIRED_VALUE"


def test_a_locator_works_from_another_process(
    http: httpx.Client, settings: Settings, tenant: Tenant, three: Any
) -> None:
    locator = run(http, "select Id from Invoice", 2).json()["queryLocator"]
    # Another API process: its own engine and connection pool on the same database.
    other = Database(settings.database_url)
    try:
        result = queries.query_more(db=other, ctx=tenant.ctx, query_locator=locator)
    finally:
        other.dispose()
    assert (len(result.records), result.size, result.done) == (1, 3, True)


# --- isolation -------------------------------------------------------------------------------------


def test_another_tenants_records_and_locators_never_appear(
    http: httpx.Client, server: ServerThread, db: Database, three: list[dict[str, Any]]
) -> None:
    other = make_tenant(db)
    headers = {"Authorization": f"Bearer {bearer_token(server.url, other)}"}
    with httpx.Client(base_url=server.url, headers=headers) as stranger:
        account = stranger.post(
            "/v1/accounts",
            json={"name": "Other", "currency": "USD", "billToContact": {"firstName": "O", "lastName": "T"}},
        ).json()
        invoices(stranger, account["accountId"], "5.00")
        theirs = stranger.post("/v1/action/query", json={"queryString": "select Id, Amount from Invoice"}).json()
        assert theirs["size"] == 1 and theirs["records"][0]["Amount"] == 5
        for name in ("Invoice", "InvoiceItem", "Account", "Contact"):
            mine = stranger.post("/v1/action/query", json={"queryString": f"select Id from {name}"}).json()
            ours = run(http, f"select Id from {name}").json()
            assert not {r["Id"] for r in mine["records"]} & {r["Id"] for r in ours["records"]}, name
        locator = run(http, "select Id from Invoice", 1).json()["queryLocator"]
        assert fault(stranger.post("/v1/action/queryMore", json={"queryLocator": locator}))["FaultCode"] == (
            "INVALID_VALUE"
        )
    with pytest.raises(InvalidQueryLocator):
        queries.query_more(db=db, ctx=other.ctx, query_locator=locator)
    assert run(http, "select Id from Invoice").json()["size"] == 3


# --- every object ------------------------------------------------------------------------------------


def test_invoice_items(http: httpx.Client, three: list[dict[str, Any]]) -> None:
    found = records(
        http,
        "select ChargeName, ChargeAmount, InvoiceId, ProcessingType, ServiceStartDate, TaxAmount from InvoiceItem "
        f"where InvoiceId = '{three[1]['id']}'",
    )
    assert found == [
        {
            "ChargeName": "Fee",
            "ChargeAmount": 250.5,
            "InvoiceId": three[1]["id"],
            "ProcessingType": 0,
            "ServiceStartDate": "2024-01-01",
            "TaxAmount": 0,
        }
    ]


def test_accounts_and_contacts(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora, name="Zeta Corp", bill_cycle_day=15, auto_pay=False)
    (invoice,) = invoices(http, account.account_id, "80.00")
    http.put(f"/v1/object/invoice/{invoice['id']}", json={"Status": "Posted"})
    found = records(
        http,
        "select AccountNumber, Name, BillCycleDay, Balance, Currency, BillToId, Status, LastInvoiceDate from Account "
        "where Name like 'Zeta%' and BillCycleDay >= 15",
    )
    # One posted invoice of 80.00: the account's balance is 80.00.
    assert found == [
        {
            "AccountNumber": account.account_number,
            "BillCycleDay": 15,
            "BillToId": account.bill_to_contact_id,
            "Balance": 80,
            "Currency": "USD",
            "LastInvoiceDate": "2024-01-15",
            "Name": "Zeta Corp",
            "Status": "Active",
        }
    ]
    contacts = records(
        http, f"select FirstName, LastName, Country, AccountId from Contact where AccountId = '{account.account_id}'"
    )
    assert contacts == [
        {"AccountId": account.account_id, "Country": "United States", "FirstName": "Ada", "LastName": "Lovelace"}
    ]


def test_catalog_objects_and_one_time_charges(zuora: Any, http: httpx.Client) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Pro", recurring("Monthly", "100"), one_time("Setup", "25"))
    charges = records(
        http, f"select Name, ChargeType, BillingPeriod from ProductRatePlanCharge where ProductRatePlanId = '{plan_id}'"
    )
    assert sorted(charges, key=lambda c: c["Name"]) == [
        {"Name": "Monthly", "ChargeType": "Recurring", "BillingPeriod": "Month"},
        {"Name": "Setup", "ChargeType": "OneTime"},
    ]
    one_time_only = records(http, "select Name from ProductRatePlanCharge where ChargeType = 'One-Time'")
    assert one_time_only == [{"Name": "Setup"}]
    (plan,) = records(http, "select Name, ProductId, ActiveCurrencies from ProductRatePlan")
    assert plan["Name"] == "Pro" and plan["ProductId"] == shop.product_id
    (product,) = records(http, "select Name, SKU, EffectiveStartDate from Product")
    assert product["Name"] == "Cloud" and product["EffectiveStartDate"] == "2000-01-01" and product["SKU"]
    tiers = records(
        http,
        "select Price, Currency, Tier, ProductRatePlanChargeId from ProductRatePlanChargeTier where Currency = 'USD'",
    )
    assert sorted(D(str(t["Price"])) for t in tiers) == [D(25), D(100)]


def test_subscriptions_rate_plans_charges_and_usage(zuora: Any, http: httpx.Client) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan(
        "Metered", recurring("Base", "10"), usage_charge("Calls", "Call", "Per Unit Pricing", {"price": D("0.10")})
    )
    account = sdk_account(zuora)
    subscription = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), term_type="TERMED")
    (found,) = records(
        http,
        "select Name, AccountId, Status, TermType, TermStartDate, TermEndDate, SubscriptionStartDate, "
        "SubscriptionEndDate, InitialTerm, AutoRenew from Subscription",
    )
    # A 12-month term from 2024-01-01 ends 2025-01-01 (Zuora's term end: the first day after the term).
    assert found == {
        "Name": subscription.subscription_number,
        "AccountId": account.account_id,
        "Status": "Active",
        "TermType": "TERMED",
        "TermStartDate": "2024-01-01",
        "TermEndDate": "2025-01-01",
        "SubscriptionStartDate": "2024-01-01",
        "SubscriptionEndDate": "2025-01-01",
        "InitialTerm": 12,
        "AutoRenew": False,
    }
    (rate_plan,) = records(http, "select Name, SubscriptionId, ProductRatePlanId from RatePlan")
    assert rate_plan == {
        "Name": "Metered",
        "SubscriptionId": subscription.subscription_id,
        "ProductRatePlanId": plan_id,
    }
    charges = records(
        http, "select Name, ChargeType, ChargeNumber, Price, RatePlanId from RatePlanCharge where ChargeType != 'Usage'"
    )
    assert [(c["Name"], c["ChargeType"], D(str(c["Price"]))) for c in charges] == [("Base", "Recurring", D(10))]
    usage_charge_number = records(http, "select ChargeNumber from RatePlanCharge where ChargeType = 'Usage'")[0][
        "ChargeNumber"
    ]
    created = http.post(
        "/v1/object/usage",
        json={
            "AccountId": account.account_id,
            "SubscriptionNumber": subscription.subscription_number,
            "ChargeNumber": usage_charge_number,
            "StartDateTime": "2024-01-10T09:30:00",
            "UOM": "Call",
            "Quantity": 120,
        },
    )
    assert created.status_code == 200, created.text
    (usage,) = records(
        http,
        "select AccountNumber, ChargeNumber, Quantity, StartDateTime, RbeStatus, SubscriptionNumber, UOM from Usage "
        "where StartDateTime >= '2024-01-10' and StartDateTime < '2024-01-11'",
    )
    assert usage == {
        "AccountNumber": account.account_number,
        "ChargeNumber": usage_charge_number,
        "Quantity": 120,
        "StartDateTime": "2024-01-10T09:30:00+00:00",
        "RbeStatus": "Pending",
        "SubscriptionNumber": subscription.subscription_number,
        "UOM": "Call",
    }


def test_payments(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    (invoice,) = invoices(http, account.account_id, "100.00")
    http.put(f"/v1/object/invoice/{invoice['id']}", json={"Status": "Posted"})
    paid = http.post(
        "/v1/payments",
        json={
            "amount": "30.00",
            "currency": "USD",
            "type": "External",
            "accountId": account.account_id,
            "effectiveDate": "2024-01-20",
            "invoices": [{"invoiceId": invoice["id"], "amount": "30.00"}],
        },
    )
    assert paid.status_code == 200, paid.text
    (payment,) = records(http, "select AccountId, Amount, EffectiveDate, Type, InvoiceId, InvoiceNumber from Payment")
    assert payment == {
        "AccountId": account.account_id,
        "Amount": 30,
        "EffectiveDate": "2024-01-20",
        "Type": "External",
        "InvoiceId": invoice["id"],
        "InvoiceNumber": "INV00000001",
    }
    # Balance = 100.00 - 30.00 = 70.00
    assert records(http, "select Balance, PaymentAmount from Invoice") == [{"Balance": 70, "PaymentAmount": 30}]


def test_custom_fields(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    response = http.put(f"/v1/accounts/{account.account_id}", json={"Region__c": "EMEA"})
    assert response.status_code == 200, response.text
    assert records(http, "select Name, Region__c from Account where Region__c = 'EMEA'") == [
        {"Name": "Acme", "Region__c": "EMEA"}
    ]
    assert records(http, "select Name from Account where Region__c = 'APAC'") == []


def test_every_object_answers_a_query(http: httpx.Client) -> None:
    from billforge.zoql import OBJECTS

    for obj in OBJECTS.values():
        response = run(http, f"select Id from {obj.name}")
        assert response.status_code == 200, (obj.name, response.text)
        assert response.json() == {"records": [], "size": 0, "done": True}
    assert t.invoices.name == "invoices"

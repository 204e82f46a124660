"""Zuora's three-step account creation (its WSDLs' ``Account`` has no contact fields): ``create`` the
Account with ``Status`` Draft, ``create`` its Contacts with ``AccountId``, ``update`` the Account with
``BillToId``, ``SoldToId`` and ``Status`` Active; then query it back and bill it. Through zeep clients
generated from Zuora's 43.0 and 52.0 WSDLs (only the service address changed) and through
``/v1/action/create|update``. Plus the refusals: activating without both contacts or with another
account's contact, the status changes Zuora does not allow, and billing or invoicing a Draft account.
Amounts worked out by hand in the comments."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from test_bulk_support import make_plan
from test_soap_support import ONS, endpoint, midnight, session_header, soap_user, zeep_service, zuora_wsdl
from zuora_sdk import ApiException

from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.errors import BillforgeError, ErrorCode, ErrorList, InvalidValue, RuleRestriction, UnknownReference
from billforge.services import accounts, billing, invoices, subscriptions
from billforge.services.actions import ContactCreate, create_contact
from billforge.services.context import Context
from tests.integration.test_standalone_invoices import invoice_request

DRAFT_REFUSAL = "is not active (its status is Draft): a Draft account cannot be billed or invoiced"
ACTIVATION_REFUSAL = "cannot be activated without a bill-to and a sold-to contact"


def subscribe(db: Database, ctx: Context, account_id: str, plan_id: str) -> str:
    """An evergreen subscription to the plan from 1 January 2024; its number."""
    created = subscriptions.create_subscription(
        db=db,
        ctx=ctx,
        data=subscriptions.SubscriptionInput(
            account_key=account_id,
            contract_effective_date=date(2024, 1, 1),
            term_type="EVERGREEN",
            rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan_id)],
        ),
    )
    return str(created.subscription_number)


def draft_account(db: Database, ctx: Context, name: str = "Acme") -> str:
    return accounts.create_account(
        db=db, ctx=ctx, data=accounts.AccountInput(name=name, currency="USD", bill_cycle_day=1, status=accounts.DRAFT)
    ).id


def contact(db: Database, ctx: Context, account_id: str, first_name: str) -> str:
    return create_contact(
        db=db, ctx=ctx, data=ContactCreate(account_id, accounts.ContactInput(first_name=first_name, last_name="Smith"))
    )


def refused(db: Database, ctx: Context, account_id: str, **changes: Any) -> list[BillforgeError]:
    """The errors an account update that must fail gives (the account is left as it was)."""
    with pytest.raises(BillforgeError) as raised:
        update(db, ctx, account_id, **changes)
    return list(raised.value.errors) if isinstance(raised.value, ErrorList) else [raised.value]


def update(db: Database, ctx: Context, account_id: str, **changes: Any) -> str:
    return accounts.update_account(db=db, ctx=ctx, key=account_id, changes=accounts.AccountChanges(**changes))


def only(errors: list[BillforgeError]) -> tuple[type[BillforgeError], str | None, ErrorCode, str]:
    (error,) = errors
    return type(error), error.field, error.code, error.message


# --- SOAP, a client of Zuora's own WSDL --------------------------------------------------------------


@pytest.mark.parametrize("version", ["43.0", "52.0"])
def test_a_zuora_wsdl_client_creates_a_draft_account_activates_and_bills_it(
    server: Any, db: Database, tenant: Any, version: str
) -> None:
    ctx: Context = tenant.ctx
    user = soap_user(db, tenant)
    client, service = zeep_service(zuora_wsdl(version), endpoint(server, version))
    headers = session_header(service.login(username=user.username, password=user.password).Session)
    new = {name: client.get_type(f"{{{ONS}}}{name}") for name in ("Account", "Contact", "Invoice")}
    january = midnight(date(2024, 1, 1))

    # Step 1, as Zuora's "Create a customer account" example: the Account alone, in Draft.
    (account,) = service.create(
        zObjects=[
            new["Account"](
                Name="Acme",
                Currency="USD",
                BillCycleDay=1,
                PaymentTerm="Due Upon Receipt",
                Batch="Batch1",
                AutoPay=False,
                Status="Draft",
            )
        ],
        _soapheaders=headers,
    )
    assert account.Success, account.Errors
    (record,) = service.query(
        queryString=f"select Id, Status, BillToId, SoldToId from Account where Id = '{account.Id}'",
        _soapheaders=headers,
    ).records
    assert (record.Id, record.Status, record.BillToId, record.SoldToId) == (account.Id, "Draft", None, None)

    # A Draft account is not billed, and cannot be activated before it has its contacts.
    (refused,) = service.generate(
        zObjects=[new["Invoice"](AccountId=account.Id, InvoiceDate=january, TargetDate=january)], _soapheaders=headers
    )
    assert refused.Success is False
    assert [(e.Code, DRAFT_REFUSAL in e.Message) for e in refused.Errors] == [("INVALID_VALUE", True)]
    (too_soon,) = service.update(zObjects=[new["Account"](Id=account.Id, Status="Active")], _soapheaders=headers)
    assert too_soon.Success is False
    assert [(e.Code, ACTIVATION_REFUSAL in e.Message) for e in too_soon.Errors] == [("INVALID_VALUE", True)]

    # Step 2: its contacts, each with the account's id.
    bill_to, sold_to = service.create(
        zObjects=[
            new["Contact"](
                AccountId=account.Id,
                FirstName="Ada",
                LastName="Lovelace",
                WorkEmail="ada@example.com",
                Country="United States",
                State="CA",
            ),
            new["Contact"](AccountId=account.Id, FirstName="Charles", LastName="Babbage", Country="United States"),
        ],
        _soapheaders=headers,
    )
    assert (bill_to.Success, sold_to.Success) == (True, True), (bill_to.Errors, sold_to.Errors)

    # Step 3: the account names them and becomes Active.
    (activated,) = service.update(
        zObjects=[new["Account"](Id=account.Id, BillToId=bill_to.Id, SoldToId=sold_to.Id, Status="Active")],
        _soapheaders=headers,
    )
    assert (activated.Success, activated.Id) == (True, account.Id), activated.Errors
    (record,) = service.query(
        queryString="select Id, Name, Currency, BillCycleDay, PaymentTerm, Status, BillToId, SoldToId from Account "
        f"where Id = '{account.Id}'",
        _soapheaders=headers,
    ).records
    assert (record.Name, record.Currency, record.BillCycleDay, record.PaymentTerm) == (
        "Acme",
        "USD",
        1,
        "Due Upon Receipt",
    )
    assert (record.Status, record.BillToId, record.SoldToId) == ("Active", bill_to.Id, sold_to.Id)
    found = service.query(
        queryString=f"select Id, FirstName from Contact where AccountId = '{account.Id}'", _soapheaders=headers
    )
    assert sorted((c.Id, c.FirstName) for c in found.records) == sorted([(bill_to.Id, "Ada"), (sold_to.Id, "Charles")])

    # Billed once it has a subscription.
    subscribe(db, ctx, account.Id, make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly"))
    (made,) = service.generate(
        zObjects=[new["Invoice"](AccountId=account.Id, InvoiceDate=january, TargetDate=january)], _soapheaders=headers
    )
    assert made.Success, made.Errors
    (invoice,) = service.query(
        queryString=f"select Id, AccountId, Amount, Status from Invoice where AccountId = '{account.Id}'",
        _soapheaders=headers,
    ).records
    # 100.00 a month in advance from 1 January, billed up to 1 January: January alone, 100.00.
    assert (invoice.Id, invoice.AccountId, invoice.Amount, invoice.Status) == (
        made.Id,
        account.Id,
        Decimal("100"),
        "Draft",
    )
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=made.Id)
    assert (row.bill_to_contact_id, row.sold_to_contact_id) == (bill_to.Id, sold_to.Id)


# --- /v1/action/create|update ------------------------------------------------------------------------


def action(http: httpx.Client, call: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = http.post(f"/v1/action/{call}", json=body)
    assert response.status_code == 200, response.text
    return list(response.json())


def query(http: httpx.Client, text: str) -> list[dict[str, Any]]:
    response = http.post("/v1/action/query", json={"queryString": text})
    assert response.status_code == 200, response.text
    return list(response.json()["records"])


def test_the_same_three_steps_through_the_action_endpoints(http: httpx.Client, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    account = {"Name": "Globex", "Currency": "USD", "BillCycleDay": 1, "PaymentTerm": "Net 30", "Status": "Draft"}
    (created,) = action(http, "create", {"type": "Account", "objects": [account]})
    assert created["Success"] is True, created
    account_id = created["Id"]
    (record,) = query(http, f"select Status, BillToId, SoldToId from Account where Id = '{account_id}'")
    assert record["Status"] == "Draft" and record.get("BillToId") is None and record.get("SoldToId") is None

    generate = {
        "type": "Invoice",
        "objects": [{"AccountId": account_id, "InvoiceDate": "2024-01-01", "TargetDate": "2024-01-01"}],
    }
    (refused,) = action(http, "generate", generate)
    assert refused["Success"] is False
    assert [(e["Code"], DRAFT_REFUSAL in e["Message"]) for e in refused["Errors"]] == [("INVALID_VALUE", True)]

    contacts = [
        {"AccountId": account_id, "FirstName": "Grace", "LastName": "Hopper", "Country": "United States"},
        {"AccountId": account_id, "FirstName": "Alan", "LastName": "Turing", "Country": "United States"},
    ]
    bill_to, sold_to = action(http, "create", {"type": "Contact", "objects": contacts})
    assert (bill_to["Success"], sold_to["Success"]) == (True, True), (bill_to, sold_to)

    half, whole = action(
        http,
        "update",
        {
            "type": "Account",
            "objects": [
                {"Id": account_id, "BillToId": bill_to["Id"], "Status": "Active"},  # no sold-to contact yet
                {"Id": account_id, "BillToId": bill_to["Id"], "SoldToId": sold_to["Id"], "Status": "Active"},
            ],
        },
    )
    assert (half["Success"], half["Id"]) == (False, account_id)
    ((code, message),) = [(e["Code"], e["Message"]) for e in half["Errors"]]
    assert code == "INVALID_VALUE" and ACTIVATION_REFUSAL in message and "'SoldToId'" in message
    assert "'BillToId'" not in message  # the bill-to contact is there
    assert whole == {"Success": True, "Id": account_id}
    assert query(http, f"select Status, BillToId, SoldToId from Account where Id = '{account_id}'") == [
        {"Status": "Active", "BillToId": bill_to["Id"], "SoldToId": sold_to["Id"]}
    ]

    subscribe(db, ctx, account_id, make_plan(db, ctx, ChargeType.RECURRING, "40", name="Basic"))
    (made,) = action(http, "generate", generate)
    assert made["Success"] is True, made
    # 40.00 a month in advance from 1 January, billed up to 1 January: 40.00.
    assert query(http, f"select Amount from Invoice where AccountId = '{account_id}'") == [{"Amount": 40}]


def test_object_level_refusals(http: httpx.Client, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    other = draft_account(db, ctx, "Other")
    strangers_contact = contact(db, ctx, other, "Eve")
    canceled, named, active_without, bad_status = action(
        http,
        "create",
        {
            "type": "Account",
            "objects": [
                {"Name": "A", "Currency": "USD", "Status": "Canceled"},
                {"Name": "B", "Currency": "USD", "Status": "Draft", "BillToId": strangers_contact},
                {"Name": "C", "Currency": "USD", "Status": "Active"},
                {"Name": "D", "Currency": "USD", "Status": "Closed"},
            ],
        },
    )
    assert [e["Code"] for e in canceled["Errors"]] == ["INVALID_VALUE"]
    assert "'Status' Canceled cannot be given to a new account" in canceled["Errors"][0]["Message"]
    assert [e["Code"] for e in named["Errors"]] == ["INVALID_VALUE"]
    assert "'BillToId' cannot be set when an account is created" in named["Errors"][0]["Message"]
    assert [e["Code"] for e in active_without["Errors"]] == ["MISSING_REQUIRED_VALUE"]
    assert [e["Code"] for e in bad_status["Errors"]] == ["INVALID_VALUE"]
    assert "'Status' 'Closed' is not an account status" in bad_status["Errors"][0]["Message"]
    assert query(http, "select Name from Account") == [{"Name": "Other"}]

    # A Draft account given its contact inline (billforge's WSDL) may be created too; lower-case status.
    (inline,) = action(
        http,
        "create",
        {
            "type": "Account",
            "objects": [
                {
                    "Name": "E",
                    "Currency": "USD",
                    "Status": "draft",
                    "BillToContact": {"FirstName": "F", "LastName": "G"},
                }
            ],
        },
    )
    assert inline["Success"] is True, inline
    (record,) = query(http, f"select Status, BillToId, SoldToId from Account where Id = '{inline['Id']}'")
    assert record["Status"] == "Draft" and record["BillToId"] is not None
    assert record["SoldToId"] == record["BillToId"]  # the sold-to contact is the bill-to one, as for Active


# --- the accounts service's rules ------------------------------------------------------------------


def test_bill_to_and_sold_to_must_be_contacts_of_the_account(db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    mine, theirs = draft_account(db, ctx, "Mine"), draft_account(db, ctx, "Theirs")
    own, foreign = contact(db, ctx, mine, "Ada"), contact(db, ctx, theirs, "Eve")
    wrong_account, unknown = refused(
        db, ctx, mine, bill_to_contact_id=foreign, sold_to_contact_id="0" * 32, status=accounts.ACTIVE
    )
    assert isinstance(wrong_account, InvalidValue) and wrong_account.field == "BillToId"
    assert "is a contact of another account" in wrong_account.message
    assert (
        isinstance(unknown, UnknownReference) and unknown.field == "SoldToId" and unknown.code is ErrorCode.INVALID_ID
    )
    kind, field, code, message = only(
        refused(db, ctx, mine, bill_to_contact_id=own, bill_to=accounts.ContactInput("New", "Contact"))
    )
    assert (kind, field, code) == (RuleRestriction, "BillToId", ErrorCode.INVALID_VALUE) and "not both" in message
    assert accounts.get_account(db=db, ctx=ctx, key=mine).account.status == accounts.DRAFT

    # The same contact may be both (Zuora: BillToId "can be the same as the SoldToId").
    update(db, ctx, mine, bill_to_contact_id=own, sold_to_contact_id=own, status=accounts.ACTIVE)
    view = accounts.get_account(db=db, ctx=ctx, key=mine)
    assert view.bill_to is not None and view.sold_to is not None
    assert (view.account.status, view.bill_to.id, view.sold_to.id) == ("Active", own, own)


def test_status_changes_zuora_allows(db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    account_id = draft_account(db, ctx)
    assert only(refused(db, ctx, account_id, status=accounts.CANCELED)) == (
        RuleRestriction,
        "Status",
        ErrorCode.INVALID_VALUE,
        "'Status' cannot change from Draft to Canceled: from Draft, an account can only become Active",
    )
    update(db, ctx, account_id, status=accounts.DRAFT)  # unchanged: nothing to check
    person = contact(db, ctx, account_id, "Ada")
    update(db, ctx, account_id, bill_to_contact_id=person, sold_to_contact_id=person, status=accounts.ACTIVE)
    assert only(refused(db, ctx, account_id, status=accounts.DRAFT))[3] == (
        "'Status' cannot change from Active to Draft: from Active, an account can only become Canceled"
    )

    plan = make_plan(db, ctx, ChargeType.RECURRING, "10")
    number = subscribe(db, ctx, account_id, plan)
    number_of_account = accounts.get_account(db=db, ctx=ctx, key=account_id).account.account_number
    assert only(refused(db, ctx, account_id, status=accounts.CANCELED)) == (
        RuleRestriction,
        "Status",
        ErrorCode.INVALID_VALUE,
        f"account {number_of_account} has active subscriptions ({number}): cancel them before canceling the account",
    )
    subscriptions.cancel_subscription(
        db=db, ctx=ctx, key=number, data=subscriptions.CancelInput("SpecificDate", date(2024, 3, 1))
    )
    update(db, ctx, account_id, status=accounts.CANCELED)
    assert accounts.get_account(db=db, ctx=ctx, key=account_id).account.status == "Canceled"
    update(db, ctx, account_id, status=accounts.ACTIVE)  # a canceled account can be re-activated
    assert accounts.get_account(db=db, ctx=ctx, key=account_id).account.status == "Active"


def test_a_draft_account_is_neither_billed_nor_invoiced(
    db: Database, tenant: Any, zuora: Any, http: httpx.Client
) -> None:
    ctx: Context = tenant.ctx
    account_id = draft_account(db, ctx)
    number = accounts.get_account(db=db, ctx=ctx, key=account_id).account.account_number
    with pytest.raises(RuleRestriction, match=re.escape(f"account {number} {DRAFT_REFUSAL}")) as raised:
        billing.generate_invoices(
            db=db, ctx=ctx, account_key=account_id, invoice_date=date(2024, 1, 1), target_date=date(2024, 1, 1)
        )
    assert (raised.value.code, raised.value.field) == (ErrorCode.INVALID_VALUE, "accountKey")

    generated = http.post(
        f"/v1/accounts/{number}/billing-documents/generate",
        json={"effectiveDate": "2024-01-01", "targetDate": "2024-01-01"},
    )
    assert generated.status_code == 400, generated.text
    (reason,) = generated.json()["reasons"]
    assert DRAFT_REFUSAL in reason["message"] and str(reason["code"]).endswith("30")  # a rule restriction

    with pytest.raises(ApiException) as standalone:
        zuora.invoices_api().create_standalone_invoice(invoice_request(account_id))
    assert standalone.value.status == 400
    (reason,) = json.loads(standalone.value.body)["reasons"]
    assert DRAFT_REFUSAL in reason["message"] and str(reason["code"]).endswith("30")
    assert invoices.count_invoices(db=db, ctx=ctx) == 0

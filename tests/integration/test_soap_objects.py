"""SOAP ``create``, ``update`` and ``delete``: a catalog, an account with its contacts and usage made
through a client of billforge's own WSDL and then billed; ``CallOptions.useSingleTransaction``;
the Invoice update and delete rules (the same as ``/v1/action/*``); and the call-level faults.
Amounts worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from test_bulk_support import make_plan
from test_soap_support import (
    FNS,
    ONS,
    account_subscribed,
    endpoint,
    envelope,
    midnight,
    post,
    raw_login,
    results,
    session_header,
    soap_user,
    zeep_service,
)

from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import billing, catalog, invoices, subscriptions
from billforge.services.context import Context

WALL_CLOCK = datetime(2024, 1, 15, 10, 0)  # noqa: DTZ001 - a usage time in the tenant's time zone, as clients send it


def billforge_client(server: Any, db: Database, tenant: Any) -> tuple[Any, Any, dict[str, Any]]:
    client, service = zeep_service(endpoint(server) + "?wsdl")
    user = soap_user(db, tenant)
    session = service.login(username=user.username, password=user.password).Session
    return client, service, dict(session_header(session))


def test_a_catalog_account_and_usage_created_over_soap_are_billed(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    client, service, headers = billforge_client(server, db, tenant)
    new = {
        name: client.get_type(f"{{{ONS}}}{name}")
        for name in (
            "Product",
            "ProductRatePlan",
            "ProductRatePlanCharge",
            "ProductRatePlanChargeTier",
            "Account",
            "Contact",
            "Usage",
        )
    }
    tier_data = client.get_type("{http://api.zuora.com/}ProductRatePlanChargeTierData")

    (product,) = service.create(
        zObjects=[
            new["Product"](
                Name="Widgets",
                EffectiveStartDate=midnight(date(2020, 1, 1)),
                EffectiveEndDate=midnight(date(2099, 12, 31)),
            )
        ],
        _soapheaders=headers,
    )
    assert product.Success, product.Errors
    (plan,) = service.create(
        zObjects=[new["ProductRatePlan"](Name="Standard", ProductId=product.Id)], _soapheaders=headers
    )
    assert plan.Success, plan.Errors
    monthly, per_unit = service.create(
        zObjects=[
            new["ProductRatePlanCharge"](
                ProductRatePlanId=plan.Id,
                Name="Base",
                ChargeType="Recurring",
                ChargeModel="Flat Fee Pricing",
                BillCycleType="DefaultFromCustomer",
                BillingPeriod="Month",
                TriggerEvent="ContractEffective",
                ProductRatePlanChargeTierData=tier_data(
                    ProductRatePlanChargeTier=[new["ProductRatePlanChargeTier"](Currency="USD", Price=Decimal("100"))]
                ),
            ),
            new["ProductRatePlanCharge"](
                ProductRatePlanId=plan.Id,
                Name="Calls",
                ChargeType="Usage",
                ChargeModel="Per Unit Pricing",
                BillCycleType="DefaultFromCustomer",
                BillingPeriod="Month",
                TriggerEvent="ContractEffective",
                UOM="Call",
                ProductRatePlanChargeTierData=tier_data(
                    ProductRatePlanChargeTier=[
                        new["ProductRatePlanChargeTier"](Currency="USD", Price=Decimal("2.5"), PriceFormat="Per Unit")
                    ]
                ),
            ),
        ],
        _soapheaders=headers,
    )
    assert (monthly.Success, per_unit.Success) == (True, True), (monthly.Errors, per_unit.Errors)

    contact = new["Contact"](FirstName="Ada", LastName="Lovelace", WorkEmail="ada@example.com")
    (account,) = service.create(
        zObjects=[
            new["Account"](
                Name="Acme", Currency="USD", BillCycleDay=1, PaymentTerm="Due Upon Receipt", BillToContact=contact
            )
        ],
        _soapheaders=headers,
    )
    assert account.Success, account.Errors
    (extra_contact,) = service.create(
        zObjects=[new["Contact"](AccountId=account.Id, FirstName="Charles", LastName="Babbage")], _soapheaders=headers
    )
    assert extra_contact.Success, extra_contact.Errors
    subscriptions.create_subscription(
        db=db,
        ctx=ctx,
        data=subscriptions.SubscriptionInput(
            account_key=account.Id,
            contract_effective_date=date(2024, 1, 1),
            term_type="EVERGREEN",
            rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan.Id)],
        ),
    )
    (usage,) = service.create(
        zObjects=[new["Usage"](AccountId=account.Id, UOM="Call", Quantity=Decimal("4"), StartDateTime=WALL_CLOCK)],
        _soapheaders=headers,
    )
    assert usage.Success, usage.Errors

    (made,) = service.generate(
        zObjects=[
            client.get_type(f"{{{ONS}}}Invoice")(
                AccountId=account.Id, InvoiceDate=midnight(date(2024, 2, 1)), TargetDate=midnight(date(2024, 2, 1))
            )
        ],
        _soapheaders=headers,
    )
    assert made.Success, made.Errors
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=made.Id)
    # Base, monthly in advance from 1 January: January and February, 2 x 100.00 = 200.00; the calls
    # of January, in arrears once January has ended: 4 x 2.50 = 10.00. Total 210.00.
    assert row.amount == Decimal("210.00")
    found = service.query(
        queryString=f"select Id, Quantity, UOM, StartDateTime, InvoiceId from Usage where AccountId = '{account.Id}'",
        _soapheaders=headers,
    )
    (record,) = found.records
    assert (record.Id, record.Quantity, record.UOM, record.InvoiceId) == (usage.Id, Decimal("4"), "Call", made.Id)
    assert record.StartDateTime.replace(tzinfo=None) == WALL_CLOCK
    contacts = service.query(
        queryString=f"select Id, FirstName, WorkEmail from Contact where AccountId = '{account.Id}'",
        _soapheaders=headers,
    )
    assert sorted((c.FirstName, c.WorkEmail) for c in contacts.records) == [
        ("Ada", "ada@example.com"),
        ("Charles", None),
    ]


def product_xml(name: str | None) -> str:
    named = f"<ns2:Name>{name}</ns2:Name>" if name else ""
    return (
        f'<ns1:zObjects xsi:type="ns2:Product">{named}'
        "<ns2:EffectiveStartDate>2020-01-01T00:00:00</ns2:EffectiveStartDate>"
        "<ns2:EffectiveEndDate>2099-12-31T00:00:00</ns2:EffectiveEndDate>"
        "<ns2:Region__c>EMEA</ns2:Region__c></ns1:zObjects>"
    )


def call_options(single: str) -> str:
    return f"<ns1:CallOptions><ns1:useSingleTransaction>{single}</ns1:useSingleTransaction></ns1:CallOptions>"


def product_names(server: Any, session: str) -> list[str]:
    answer = post(
        endpoint(server),
        envelope("<ns1:query><ns1:queryString>select Name from Product</ns1:queryString></ns1:query>", session),
    )
    return sorted(r.findtext(f"{{{ONS}}}Name") or "" for r in answer.body[0].findall("{http://api.zuora.com/}records"))


def test_create_answers_each_object_unless_one_transaction_was_asked_for(
    server: Any, db: Database, tenant: Any
) -> None:
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    body = "<ns1:create>" + product_xml("A") + product_xml(None) + product_xml("C") + "</ns1:create>"

    single = results(post(url, envelope(body, session, headers=call_options("True"))))
    assert [r["Success"] for r in single] == ["false"] * 3
    assert [[e["Code"] for e in r["errors"]] for r in single] == [
        ["BATCH_FAIL_ERROR"],
        ["MISSING_REQUIRED_VALUE"],
        ["BATCH_FAIL_ERROR"],
    ]
    assert "zObjects[1]" in single[0]["errors"][0]["Message"]
    assert product_names(server, session) == []  # nothing was kept

    separate = results(post(url, envelope(body, session, headers=call_options("false"))))
    assert [r["Success"] for r in separate] == ["true", "false", "true"]
    assert product_names(server, session) == ["A", "C"]


def test_a_service_refusal_in_one_transaction_rolls_back_what_was_created_before(
    server: Any, db: Database, tenant: Any
) -> None:
    """The second rate plan names a product that does not exist: the service refuses it after the
    first plan was written in the same transaction; the first is rolled back, the third never kept."""
    ctx: Context = tenant.ctx
    product = catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(name="P", effective_start_date=date(2020, 1, 1), effective_end_date=date(2099, 1, 1)),
    )
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))

    def plan(name: str, product_id: str) -> str:
        return (
            f'<ns1:zObjects xsi:type="ns2:ProductRatePlan"><ns2:Name>{name}</ns2:Name>'
            f"<ns2:ProductId>{product_id}</ns2:ProductId></ns1:zObjects>"
        )

    body = "<ns1:create>" + plan("one", product) + plan("two", "f" * 32) + plan("three", product) + "</ns1:create>"
    got = results(post(url, envelope(body, session, headers=call_options("1"))))
    assert [[e["Code"] for e in r["errors"]] for r in got] == [
        ["BATCH_FAIL_ERROR"],
        ["INVALID_VALUE"],
        ["BATCH_FAIL_ERROR"],
    ]
    answer = post(
        url,
        envelope("<ns1:query><ns1:queryString>select Id from ProductRatePlan</ns1:queryString></ns1:query>", session),
    )
    assert answer.body[0].findtext("{http://api.zuora.com/}size") == "0"
    # The same call without a single transaction keeps the two good plans.
    got = results(post(url, envelope(body, session)))
    assert [r["Success"] for r in got] == ["true", "false", "true"]


def test_in_one_transaction_each_object_sees_the_ones_before_it(server: Any, db: Database, tenant: Any) -> None:
    """Two products with the same ProductNumber in one transaction: the second is refused as a
    duplicate of the first (written earlier in the same transaction), so neither is kept."""
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    numbered = product_xml("A").replace("<ns2:Name>", "<ns2:ProductNumber>PN-1</ns2:ProductNumber><ns2:Name>")
    body = "<ns1:create>" + numbered + numbered.replace(">A<", ">B<") + "</ns1:create>"
    got = results(post(url, envelope(body, session, headers=call_options("true"))))
    assert [[e["Code"] for e in r["errors"]] for r in got] == [["BATCH_FAIL_ERROR"], ["DUPLICATE_VALUE"]]
    assert product_names(server, session) == []
    got = results(post(url, envelope(body, session)))
    assert [r["Success"] for r in got] == ["true", "false"]
    assert product_names(server, session) == ["A"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            '<ns1:create><ns1:zObjects xsi:type="ns2:Invoice"><ns2:AccountId>x</ns2:AccountId>'
            "</ns1:zObjects></ns1:create>",
            "generate",
        ),
        ('<ns1:create><ns1:zObjects xsi:type="ns2:Spaceship"/></ns1:create>', "Spaceship"),
        ("<ns1:create><ns1:zObjects><ns2:Name>x</ns2:Name></ns1:zObjects></ns1:create>", "xsi:type"),
        (
            '<ns1:create><ns1:zObjects xsi:type="ns2:Product"/><ns1:zObjects xsi:type="ns2:Usage"/></ns1:create>',
            "one type",
        ),
        ('<ns1:create><ns1:zObjects xsi:type="ns1:Product"/></ns1:create>', "not a type in"),
        (
            '<ns1:update><ns1:zObjects xsi:type="ns2:InvoiceItem"><ns2:Id>1</ns2:Id></ns1:zObjects></ns1:update>',
            "InvoiceItem",
        ),
    ],
)
def test_types_an_operation_does_not_take_are_invalid_type_faults(
    server: Any, db: Database, tenant: Any, body: str, words: str
) -> None:
    url = endpoint(server)
    answer = post(url, envelope(body, raw_login(url, soap_user(db, tenant))))
    assert answer.status == 500
    fault = answer.fault()
    assert (fault["faultcode"], fault["detail"], fault["FaultCode"]) == (
        "fns:INVALID_TYPE",
        f"{{{FNS}}}InvalidTypeFault",
        "INVALID_TYPE",
    )
    assert words in fault["FaultMessage"]


def invoices_of(db: Database, tenant: Any, count: int) -> list[str]:
    """``count`` Draft invoices of 100.00 (monthly in advance from 1 January 2024, one per month)."""
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    account = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    made = []
    for month in range(1, count + 1):
        day = date(2024, month, 1)
        made += billing.generate_invoices(db=db, ctx=ctx, account_key=account.id, invoice_date=day, target_date=day)
    return made


def invoice_update(invoice_id: str, fields: str) -> str:
    return f'<ns1:zObjects xsi:type="ns2:Invoice"><ns2:Id>{invoice_id}</ns2:Id>{fields}</ns1:zObjects>'


def test_invoice_updates_follow_the_invoice_object_rules(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    first, second, third = invoices_of(db, tenant, 3)
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    body = (
        "<ns1:update>"
        + invoice_update(first, "<ns2:Status>Posted</ns2:Status><ns2:Region__c>EMEA</ns2:Region__c>")
        + invoice_update(second, "<ns2:Comments>hello</ns2:Comments>")
        + invoice_update(third, "<ns2:TransferredToAccounting>No</ns2:TransferredToAccounting>")
        + invoice_update("f" * 32, "<ns2:Status>Posted</ns2:Status>")
        + invoice_update(
            third, "<ns2:RegenerateInvoicePDF>true</ns2:RegenerateInvoicePDF><ns2:AutoPay>true</ns2:AutoPay>"
        )
        + '<ns1:zObjects xsi:type="ns2:Invoice"><ns2:Status>Posted</ns2:Status></ns1:zObjects>'
        + "</ns1:update>"
    )
    got = results(post(url, envelope(body, session)))
    assert [r["Success"] for r in got] == ["true", "false", "false", "false", "false", "false"]
    assert got[0]["Id"] == first
    assert [(e["Code"], e["Field"]) for e in got[1]["errors"]] == [("INVALID_FIELD", "Comments")]
    assert [(e["Code"], e["Field"]) for e in got[2]["errors"]] == [("INVALID_VALUE", "TransferredToAccounting")]
    assert [e["Code"] for e in got[3]["errors"]] == ["INVALID_ID"]
    assert [e["Field"] for e in got[4]["errors"]] == ["RegenerateInvoicePDF"]
    assert [(e["Code"], e["Field"]) for e in got[5]["errors"]] == [("MISSING_REQUIRED_VALUE", "Id")]
    statuses = [invoices.get_invoice(db=db, ctx=ctx, key=i)[0].status for i in (first, second, third)]
    assert statuses == ["Posted", "Draft", "Draft"]
    # A posted invoice can be marked transferred to accounting.
    again = results(
        post(
            url,
            envelope(
                "<ns1:update>"
                + invoice_update(first, "<ns2:TransferredToAccounting>Yes</ns2:TransferredToAccounting>")
                + "</ns1:update>",
                session,
            ),
        )
    )
    assert [r["Success"] for r in again] == ["true"]
    assert invoices.get_invoice(db=db, ctx=ctx, key=first)[0].transferred_to_accounting == "Yes"


def test_delete_answers_each_id(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    draft, posted = invoices_of(db, tenant, 2)
    invoices.post_invoice(db=db, ctx=ctx, key=posted)
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    ids = "".join(f"<ns1:ids>{i}</ns1:ids>" for i in (draft, posted, "f" * 32))
    answer = post(url, envelope(f"<ns1:delete><ns1:type>Invoice</ns1:type>{ids}</ns1:delete>", session))
    got = results(answer)
    assert [(r["id"], r["success"]) for r in got] == [(draft, "true"), (posted, "false"), ("f" * 32, "false")]
    assert [e["Code"] for e in got[1]["errors"]] == ["CANNOT_DELETE"]
    assert [e["Code"] for e in got[2]["errors"]] == ["INVALID_ID"]
    assert invoices.count_invoices(db=db, ctx=ctx) == 1


@pytest.mark.parametrize(
    ("type_name", "ids", "detail", "code"),
    [
        ("Spaceship", 1, "InvalidTypeFault", "INVALID_TYPE"),
        ("Account", 1, "InvalidTypeFault", "INVALID_TYPE"),  # accounts are not deleted
        ("", 1, "InvalidTypeFault", "INVALID_TYPE"),
        ("Invoice", 0, "InvalidValueFault", "MISSING_REQUIRED_VALUE"),
        ("Invoice", 51, "InvalidValueFault", "MAX_RECORDS_EXCEEDED"),
    ],
)
def test_delete_faults(
    server: Any, db: Database, tenant: Any, type_name: str, ids: int, detail: str, code: str
) -> None:
    url = endpoint(server)
    listed = "".join(f"<ns1:ids>{n:032x}</ns1:ids>" for n in range(ids))
    answer = post(
        url,
        envelope(
            f"<ns1:delete><ns1:type>{type_name}</ns1:type>{listed}</ns1:delete>", raw_login(url, soap_user(db, tenant))
        ),
    )
    fault = answer.fault()
    assert (fault["faultcode"], fault["detail"], fault["FaultCode"]) == (f"fns:{code}", f"{{{FNS}}}{detail}", code)

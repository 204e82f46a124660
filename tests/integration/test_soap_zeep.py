"""zeep clients generated from billforge's own WSDL and from Zuora's published 43.0, 48.0 and 52.0
WSDLs, with only the service address changed: log in, generate, query (every Invoice field the
client's WSDL has), post, delete drafts, page with queryMore (43.0 and 48.0 declare it; so does
billforge), and the faults. Amounts worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from test_bulk_support import make_plan
from test_soap_support import (
    FNS,
    ONS,
    account_subscribed,
    endpoint,
    midnight,
    session_header,
    soap_user,
    zeep_service,
    zuora_wsdl,
    zuora_wsdls,  # noqa: F401 (a fixture)
)

from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices
from billforge.services.context import Context
from billforge.soap import schema

XS = "http://www.w3.org/2001/XMLSchema"
SOURCES = ["billforge", "43.0", "48.0", "52.0"]


def client_for(server: Any, source: str) -> tuple[Any, Any]:
    if source == "billforge":
        return zeep_service(endpoint(server, "52.0") + "?wsdl")
    return zeep_service(zuora_wsdl(source), endpoint(server, source))


def invoice_fields(client: Any) -> list[str]:
    """The Invoice fields of the client's WSDL that a query may select for several invoices (``Body``
    is read one invoice at a time: ``test_pdf_access.test_body_through_zeep_clients_of_each_wsdl``)."""
    invoice = client.get_type(f"{{{ONS}}}Invoice")
    return [name for name, _ in invoice.elements if name not in ("fieldsToNull", "Body")]


@pytest.mark.parametrize("source", SOURCES)
def test_generate_query_post_and_delete(server: Any, db: Database, tenant: Any, source: str) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    second = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    user = soap_user(db, tenant)
    client, service = client_for(server, source)

    login = service.login(username=user.username, password=user.password)
    assert login.ServerUrl == endpoint(server, "52.0" if source == "billforge" else source)
    headers = session_header(login.Session)
    info = service.getUserInfo(_soapheaders=headers)
    assert (info.TenantId, info.UserId, info.Username) == (tenant.entity_id, user.user_id, user.username)
    invoice = client.get_type(f"{{{ONS}}}Invoice")
    january, february = midnight(date(2024, 1, 1)), midnight(date(2024, 2, 1))
    saved = service.generate(
        zObjects=[
            invoice(AccountId=first.id, InvoiceDate=january, TargetDate=january),  # January: 100.00
            invoice(AccountId=second.id, InvoiceDate=january, TargetDate=january, IncludesUsage=True),  # 100.00
            invoice(AccountId=first.id, InvoiceDate=february, TargetDate=february),  # February alone: 100.00
            invoice(AccountId=first.id, InvoiceDate=february, TargetDate=february),  # nothing left to bill
        ],
        _soapheaders=headers,
    )
    assert [r.Success for r in saved] == [True, True, True, False]
    ids = [r.Id for r in saved[:3]]
    assert [(e.Code, "nothing to bill" in e.Message) for e in saved[3].Errors] == [("INVALID_VALUE", True)]

    fields = invoice_fields(client)
    found = service.query(
        queryString=f"select {', '.join(fields)} from Invoice where AccountId = '{first.id}'", _soapheaders=headers
    )
    assert (found.done, found.size, found.queryLocator) == (True, 2, None)
    by_id = {r.Id: r for r in found.records}
    january_invoice = by_id[ids[0]]
    assert type(january_invoice).__name__ == "Invoice"
    assert (january_invoice.AccountId, january_invoice.Amount, january_invoice.Balance) == (
        first.id,
        Decimal("100"),
        Decimal("100"),
    )
    assert (january_invoice.InvoiceDate, january_invoice.TargetDate) == (january, january)
    assert (january_invoice.Status, january_invoice.IncludesRecurring) == ("Draft", True)
    assert january_invoice.InvoiceNumber.startswith("INV")
    assert january_invoice.PostedDate is None  # a Draft has not been posted
    assert january_invoice.CreatedDate.tzinfo is not None  # a timestamp keeps its offset
    if "AmountWithoutTax" in fields:  # 48.0 on; a 43.0 client never asks for it, so never gets it
        assert january_invoice.AmountWithoutTax == Decimal("100")

    posted = service.update(zObjects=[invoice(Id=ids[0], Status="Posted")], _soapheaders=headers)
    assert [(r.Success, r.Id) for r in posted] == [(True, ids[0])]
    removed = service.delete(type="Invoice", ids=[ids[1], ids[0]], _soapheaders=headers)
    assert [(r.success, r.id) for r in removed] == [(True, ids[1]), (False, ids[0])]
    assert [e.Code for e in removed[1].errors] == ["CANNOT_DELETE"]

    after = service.query(queryString="select Id, Status from Invoice", _soapheaders=headers)
    assert sorted((r.Id, r.Status) for r in after.records) == sorted([(ids[0], "Posted"), (ids[2], "Draft")])
    assert invoices.count_invoices(db=db, ctx=ctx) == 2


@pytest.mark.parametrize("source", ["billforge", "43.0", "48.0"])
def test_query_more_with_query_options(server: Any, db: Database, tenant: Any, source: str) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    account = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    user = soap_user(db, tenant)
    client, service = client_for(server, source)
    invoice = client.get_type(f"{{{ONS}}}Invoice")
    session = service.login(username=user.username, password=user.password).Session
    headers = {**session_header(session), "QueryOptions": {"batchSize": 2}}
    for month in (1, 2, 3):  # three invoices of 100.00
        day = midnight(date(2024, month, 1))
        (result,) = service.generate(
            zObjects=[invoice(AccountId=account.id, InvoiceDate=day, TargetDate=day)],
            _soapheaders=session_header(session),
        )
        assert result.Success
    first = service.query(
        queryString=f"select Id, InvoiceDate from Invoice where AccountId = '{account.id}'", _soapheaders=headers
    )
    assert (first.done, first.size, len(first.records)) == (False, 3, 2)
    rest = service.queryMore(queryLocator=first.queryLocator, _soapheaders=headers)
    assert (rest.done, rest.size, rest.queryLocator) == (True, 3, None)
    assert [r.InvoiceDate for r in first.records + rest.records] == [midnight(date(2024, m, 1)) for m in (1, 2, 3)]


@pytest.mark.parametrize("source", SOURCES)
def test_faults_reach_the_client(server: Any, db: Database, tenant: Any, source: str) -> None:
    user = soap_user(db, tenant)
    _, service = client_for(server, source)
    with pytest.raises(zeep.exceptions.Fault) as login_refused:
        service.login(username=user.username, password="wrong password")
    assert login_refused.value.code == "fns:INVALID_VALUE"
    assert login_refused.value.detail[0].tag == f"{{{FNS}}}LoginFault"
    session = service.login(username=user.username, password=user.password).Session
    with pytest.raises(zeep.exceptions.Fault) as malformed:
        service.query(queryString="select from Invoice", _soapheaders=session_header(session))
    assert malformed.value.code == "fns:MALFORMED_QUERY"
    assert malformed.value.detail[0].tag == f"{{{FNS}}}MalformedQueryFault"
    with pytest.raises(zeep.exceptions.Fault) as expired:
        service.query(queryString="select Id from Invoice", _soapheaders=session_header("gone"))
    assert expired.value.code == "fns:INVALID_SESSION"


@pytest.mark.parametrize("version", ["43.0", "48.0", "52.0"])
def test_billforges_types_keep_zuoras_xsd_order(zuora_wsdls: dict[str, Path], version: str) -> None:  # noqa: F811
    """For every zObject both WSDLs declare, the fields they share come in the same order with the
    same type (billforge leaves out the tenant's custom fields and adds later Zuora fields)."""
    compared = 0
    for complex_type in etree.parse(str(zuora_wsdls[version])).iter(f"{{{XS}}}complexType"):
        ours = schema.OBJECT_TYPES.get(complex_type.get("name") or "")
        if ours is None:
            continue
        theirs = {
            e.get("name"): (e.get("type") or "").removeprefix("xs:") for e in complex_type.iter(f"{{{XS}}}element")
        }
        shared = [name for name in ours.names if name in theirs]
        assert shared == [name for name in theirs if name in ours.names], complex_type.get("name")
        for name in shared:
            field = ours.get(name)
            assert field is not None and field.xsd.value.removeprefix("xs:") == theirs[name], (ours.name, name)
        compared += 1
    assert compared == len(schema.OBJECT_TYPES)  # every billforge object is one of Zuora's


@pytest.mark.parametrize("source", SOURCES)
def test_create_a_catalog_and_usage_then_bill_them(server: Any, db: Database, tenant: Any, source: str) -> None:
    ctx: Context = tenant.ctx
    user = soap_user(db, tenant)
    client, service = client_for(server, source)
    headers = session_header(service.login(username=user.username, password=user.password).Session)
    new = {name: client.get_type(f"{{{ONS}}}{name}") for name in ("Product", "ProductRatePlan", "Usage", "Invoice")}
    charge, tier = (
        client.get_type(f"{{{ONS}}}ProductRatePlanCharge"),
        client.get_type(f"{{{ONS}}}ProductRatePlanChargeTier"),
    )
    tiers = client.get_type("{http://api.zuora.com/}ProductRatePlanChargeTierData")
    one_transaction = {**headers, "CallOptions": {"useSingleTransaction": True}}

    (product,) = service.create(
        zObjects=[
            new["Product"](
                Name="Widgets",
                EffectiveStartDate=midnight(date(2020, 1, 1)),
                EffectiveEndDate=midnight(date(2099, 1, 1)),
            )
        ],
        _soapheaders=one_transaction,
    )
    (plan,) = service.create(
        zObjects=[new["ProductRatePlan"](Name="Standard", ProductId=product.Id)], _soapheaders=headers
    )
    made = service.create(
        zObjects=[
            charge(
                ProductRatePlanId=plan.Id,
                Name=name,
                ChargeType=kind,
                ChargeModel=model,
                BillCycleType="DefaultFromCustomer",
                BillingPeriod="Month",
                TriggerEvent="ContractEffective",
                UOM=uom,
                ProductRatePlanChargeTierData=tiers(ProductRatePlanChargeTier=[tier(Currency="USD", Price=price)]),
            )
            for name, kind, model, uom, price in (
                ("Base", "Recurring", "Flat Fee Pricing", None, Decimal("30")),
                ("Calls", "Usage", "Per Unit Pricing", "Call", Decimal("0.75")),
            )
        ],
        _soapheaders=one_transaction,
    )
    assert [r.Success for r in (product, plan, *made)] == [True] * 4, [r.Errors for r in made]
    account = account_subscribed(db, ctx, plan.Id, date(2024, 1, 1))
    (usage,) = service.create(
        zObjects=[
            new["Usage"](
                AccountId=account.id, UOM="Call", Quantity=Decimal("8"), StartDateTime=midnight(date(2024, 1, 20))
            )
        ],
        _soapheaders=headers,
    )
    assert usage.Success, usage.Errors
    (invoice,) = service.generate(
        zObjects=[
            new["Invoice"](
                AccountId=account.id, InvoiceDate=midnight(date(2024, 2, 1)), TargetDate=midnight(date(2024, 2, 1))
            )
        ],
        _soapheaders=headers,
    )
    assert invoice.Success, invoice.Errors
    # Base 30.00 a month in advance: January and February, 60.00; January's 8 calls at 0.75 in
    # arrears: 6.00. Total 66.00.
    assert invoices.get_invoice(db=db, ctx=ctx, key=invoice.Id)[0].amount == Decimal("66.00")

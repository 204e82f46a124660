"""SOAP ``query`` and ``queryMore`` with raw envelopes: records typed with ``xsi:type`` and holding
exactly the selected fields in XSD order, dates as dateTime, paging with ``QueryOptions.batchSize``
and query locators, and the query faults."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from lxml import etree
from test_bulk_support import make_plan
from test_soap_support import FNS, ONS, XSI, ZNS, account_subscribed, endpoint, envelope, post, raw_login, soap_user

from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import billing
from billforge.services.context import Context


def three_invoices(db: Database, tenant: Any) -> tuple[str, list[str]]:
    """An account billed for January, February and March 2024 (100.00 each): its id and the invoice ids."""
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    account = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    ids = []
    for month in (1, 2, 3):
        day = date(2024, month, 1)
        ids += billing.generate_invoices(db=db, ctx=ctx, account_key=account.id, invoice_date=day, target_date=day)
    return account.id, ids


def query_body(zoql: str) -> str:
    return f"<ns1:query><ns1:queryString>{zoql}</ns1:queryString></ns1:query>"


def batch(size: int | str) -> str:
    return f"<ns1:QueryOptions><ns1:batchSize>{size}</ns1:batchSize></ns1:QueryOptions>"


def records(result: etree._Element) -> list[tuple[str | None, list[tuple[str, str | None]]]]:
    return [
        (r.get(f"{{{XSI}}}type"), [(etree.QName(c).localname, c.text) for c in r])
        for r in result.findall(f"{{{ZNS}}}records")
    ]


def test_records_carry_their_type_and_exactly_the_selected_fields_in_xsd_order(
    server: Any, db: Database, tenant: Any
) -> None:
    account_id, ids = three_invoices(db, tenant)
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    # Written out of order, in other casings, over several lines, with a quoted number (as zuora
    # 1.0.17 writes ZOQL); the records follow the XSD order: Id, AccountId, Amount, InvoiceDate, Status.
    zoql = (
        f"SELECT Status, invoicedate, Amount,\n Id, AccountID FROM Invoice WHERE AccountId = '{account_id}'"
        " AND Amount > '99'"
    )
    answer = post(url, envelope(query_body(zoql), session))
    assert answer.status == 200
    assert answer.body.tag == f"{{{ZNS}}}queryResponse"
    (result,) = answer.body
    assert [etree.QName(c).localname for c in result] == [
        "done",
        "queryLocator",
        "records",
        "records",
        "records",
        "size",
    ]
    assert result.findtext(f"{{{ZNS}}}done") == "true"
    assert result.find(f"{{{ZNS}}}queryLocator").get(f"{{{XSI}}}nil") == "true"  # type: ignore[union-attr]
    assert result.findtext(f"{{{ZNS}}}size") == "3"
    found = records(result)
    assert {type_name for type_name, _ in found} == {"ns2:Invoice"}
    assert found[0][1] == [
        ("Id", ids[0]),
        ("AccountId", account_id),
        ("Amount", "100"),  # an xsd:decimal: 100.00 as the query service gives it
        ("InvoiceDate", "2024-01-01T00:00:00"),  # a date, written as the WSDL's dateTime
        ("Status", "Draft"),
    ]
    assert [dict(fields)["InvoiceDate"] for _, fields in found] == [
        "2024-01-01T00:00:00",
        "2024-02-01T00:00:00",
        "2024-03-01T00:00:00",
    ]
    assert all(etree.QName(c).namespace == ONS for r in result.findall(f"{{{ZNS}}}records") for c in r)


def test_fields_without_a_value_are_left_out(server: Any, db: Database, tenant: Any) -> None:
    account_id, _ = three_invoices(db, tenant)
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    answer = post(
        url,
        envelope(query_body(f"select Id, PostedDate, Comments from Invoice where AccountId = '{account_id}'"), session),
    )
    (result,) = answer.body
    assert [[name for name, _ in fields] for _, fields in records(result)] == [["Id"]] * 3  # drafts: never posted


def test_query_more_pages_with_the_batch_size(server: Any, db: Database, tenant: Any) -> None:
    account_id, ids = three_invoices(db, tenant)
    url = endpoint(server, "48.0")
    session = raw_login(url, soap_user(db, tenant))
    zoql = f"select Id from Invoice where AccountId = '{account_id}'"
    first = post(url, envelope(query_body(zoql), session, headers=batch(2)))
    (result,) = first.body
    locator = result.findtext(f"{{{ZNS}}}queryLocator")
    assert (result.findtext(f"{{{ZNS}}}done"), result.findtext(f"{{{ZNS}}}size")) == ("false", "3")
    assert locator
    assert [dict(fields)["Id"] for _, fields in records(result)] == ids[:2]
    more = f"<ns1:queryMore><ns1:queryLocator>{locator}</ns1:queryLocator></ns1:queryMore>"
    for _ in range(2):  # asking again with the same locator answers the same batch
        second = post(url, envelope(more, session, headers=batch(2)))
        assert second.body.tag == f"{{{ZNS}}}queryMoreResponse"
        (rest,) = second.body
        assert (rest.findtext(f"{{{ZNS}}}done"), rest.findtext(f"{{{ZNS}}}size")) == ("true", "3")
        assert [dict(fields)["Id"] for _, fields in records(rest)] == ids[2:]


def fault_of(server: Any, db: Database, tenant: Any, body: str, headers: str = "") -> dict[str, str]:
    url = endpoint(server, "48.0")
    answer = post(url, envelope(body, raw_login(url, soap_user(db, tenant)), headers=headers))
    assert answer.status == 500
    return answer.fault()


@pytest.mark.parametrize(
    ("zoql", "kind", "code", "words"),
    [
        ("select Id from Invoice where", "MalformedQueryFault", "MALFORMED_QUERY", "expected a condition"),
        ("select Id, Amount from Invoice order by Amount", "MalformedQueryFault", "MALFORMED_QUERY", "order by"),
        ("select Id, Colour from Invoice", "MalformedQueryFault", "INVALID_FIELD", "Colour"),
        ("select Id from Spaceship", "InvalidTypeFault", "INVALID_TYPE", "Spaceship"),
        ("select Id, Body from Invoice", "UnexpectedErrorFault", "PDF_QUERY_ERROR", "Body"),
    ],
)
def test_query_faults(server: Any, db: Database, tenant: Any, zoql: str, kind: str, code: str, words: str) -> None:
    fault = fault_of(server, db, tenant, query_body(zoql))
    assert (fault["faultcode"], fault["detail"], fault["FaultCode"]) == (f"fns:{code}", f"{{{FNS}}}{kind}", code)
    assert words in fault["FaultMessage"]


def test_an_unknown_query_locator_is_an_invalid_query_locator_fault(server: Any, db: Database, tenant: Any) -> None:
    body = "<ns1:queryMore><ns1:queryLocator>0123456789abcdef0123456789abcdef</ns1:queryLocator></ns1:queryMore>"
    fault = fault_of(server, db, tenant, body)
    assert (fault["detail"], fault["FaultCode"]) == (f"{{{FNS}}}InvalidQueryLocatorFault", "INVALID_VALUE")
    assert "query locator" in fault["FaultMessage"]


@pytest.mark.parametrize("size", ["0", "2001", "many"])
def test_a_batch_size_outside_1_to_2000_is_refused(server: Any, db: Database, tenant: Any, size: str) -> None:
    fault = fault_of(server, db, tenant, query_body("select Id from Invoice"), headers=batch(size))
    assert fault["FaultCode"] == "INVALID_VALUE"
    assert "QueryOptions.batchSize" in fault["FaultMessage"]


def test_another_tenants_records_are_not_seen(server: Any, db: Database, tenant: Any) -> None:
    from conftest import make_tenant

    account_id, _ = three_invoices(db, tenant)
    other = make_tenant(db)
    url = endpoint(server)
    answer = post(
        url,
        envelope(
            query_body(f"select Id from Invoice where AccountId = '{account_id}'"), raw_login(url, soap_user(db, other))
        ),
    )
    (result,) = answer.body
    assert (result.findtext(f"{{{ZNS}}}size"), records(result)) == ("0", [])

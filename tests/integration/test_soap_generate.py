"""SOAP ``generate`` with raw envelopes: the seed's request example as written, one SaveResult per
object (a failure is that object's result, not a fault), booleans in any case, custom fields
ignored, and the faults for the call as a whole. Amounts worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from test_bulk_support import make_plan
from test_soap_support import (
    FNS,
    ZNS,
    account_subscribed,
    endpoint,
    envelope,
    post,
    raw_login,
    results,
    soap_user,
)

from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices
from billforge.services.context import Context

# The request example of the seed page "generate()", copied verbatim (typo included) as test data.
SEED = Path(__file__).parents[1] / "data" / "seed-soap-generate-request.xml"
SEED_ACCOUNT = "8a8ae4b122561fc00122562fbc3d0002"


def seed_request() -> str:
    """The request example of the seed page, exactly as written except for the page's typo
    ``Envelopexmlns`` (its attributes still run together without spaces)."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("<SOAP-ENV:Envelopexmlns")
    end = text.index("</SOAP-ENV:Envelope>") + len("</SOAP-ENV:Envelope>")
    return text[start:end].replace("Envelopexmlns", "Envelope xmlns")


def with_session(request: str, session: str) -> str:
    """The seed leaves the SessionHeader out; a real call carries one."""
    header = (
        f"<SOAP-ENV:Header><ns1:SessionHeader><ns1:session>{session}</ns1:session>"
        "</ns1:SessionHeader></SOAP-ENV:Header>"
    )
    return request.replace("<SOAP-ENV:Body>", header + "<SOAP-ENV:Body>", 1)


def invoice(db: Database, ctx: Context, invoice_id: str) -> Any:
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
    return row


def test_the_seed_example_generates_an_invoice(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    account = account_subscribed(db, ctx, plan, date(2016, 7, 1))
    url = endpoint(server, "52.0")
    request = with_session(seed_request(), raw_login(url, soap_user(db, tenant)))
    assert '"xmlns:ns2=' in request and "<ns2:IncludesOneTime>True</ns2:IncludesOneTime>" in request
    answer = post(url, request.replace(SEED_ACCOUNT, account.id).encode())
    assert answer.status == 200
    assert answer.body.tag == f"{{{ZNS}}}generateResponse"
    (result,) = answer.body
    assert [etree.QName(c).localname for c in result] == ["Id", "Success"]  # the seed's response shape
    assert result.findtext(f"{{{ZNS}}}Success") == "true"
    made = invoice(db, ctx, result.findtext(f"{{{ZNS}}}Id") or "")
    # Monthly 100.00 in advance, bill cycle day 1, from 1 July 2016: the target date 7 July bills
    # July (1-31 July) whole: 100.00. Invoice date and target date as sent; a generated invoice is a Draft.
    assert (made.amount, made.status) == (Decimal("100.00"), "Draft")
    assert (made.invoice_date, made.target_date) == (date(2016, 7, 7), date(2016, 7, 7))


def test_the_seed_example_without_a_session_is_refused_with_invalid_session(server: Any) -> None:
    answer = post(endpoint(server, "52.0"), seed_request().encode())
    assert answer.status == 500
    assert answer.fault()["faultcode"] == "fns:INVALID_SESSION"


def generate_body(*objects: str) -> str:
    return (
        "<ns1:generate>"
        + "".join(f'<ns1:zObjects xsi:type="ns2:Invoice">{o}</ns1:zObjects>' for o in objects)
        + "</ns1:generate>"
    )


def test_each_object_gets_its_own_result(server: Any, db: Database, tenant: Any) -> None:
    ctx: Context = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    second = account_subscribed(db, ctx, plan, date(2024, 1, 1))
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    answer = post(
        url,
        envelope(
            generate_body(
                # 1: all charge types, booleans in upper case, a custom field that is ignored: January, 100.00
                f"<ns2:AccountId>{first.id}</ns2:AccountId><ns2:IncludesOneTime>TRUE</ns2:IncludesOneTime>"
                "<ns2:InvoiceDate>2024-01-01T00:00:00</ns2:InvoiceDate><ns2:TargetDate>2024-01-01</ns2:TargetDate>"
                "<ns2:Region__c>EMEA</ns2:Region__c>",
                # 2: no TargetDate
                f"<ns2:AccountId>{first.id}</ns2:AccountId><ns2:InvoiceDate>2024-02-01</ns2:InvoiceDate>",
                # 3: an account that does not exist
                "<ns2:AccountId>ffffffffffffffffffffffffffffffff</ns2:AccountId>"
                "<ns2:InvoiceDate>2024-01-01</ns2:InvoiceDate><ns2:TargetDate>2024-01-01</ns2:TargetDate>",
                # 4: recurring charges left out ("false" in mixed case): nothing to bill
                f"<ns2:AccountId>{second.id}</ns2:AccountId><ns2:IncludesRecurring>False</ns2:IncludesRecurring>"
                "<ns2:InvoiceDate>2024-01-01</ns2:InvoiceDate><ns2:TargetDate>2024-01-01</ns2:TargetDate>",
                # 5: a field the Invoice does not have, and a boolean that is not one
                f"<ns2:AccountId>{second.id}</ns2:AccountId><ns2:Amount>5</ns2:Amount><ns2:Colour>red</ns2:Colour>"
                "<ns2:IncludesUsage>yes</ns2:IncludesUsage>"
                "<ns2:InvoiceDate>2024-01-01</ns2:InvoiceDate><ns2:TargetDate>2024-01-01</ns2:TargetDate>",
                # 6: the account by its number, February: February alone is due (January is billed by 1), 100.00
                f"<ns2:AccountId>{first.account_number}</ns2:AccountId>"
                "<ns2:InvoiceDate>2024-02-01</ns2:InvoiceDate><ns2:TargetDate>2024-02-01</ns2:TargetDate>",
            ),
            session,
        ),
    )
    assert answer.status == 200
    got = results(answer)
    assert [r["Success"] for r in got] == ["true", "false", "false", "false", "false", "true"]
    assert invoice(db, ctx, got[0]["Id"]).amount == Decimal("100.00")
    assert got[1]["errors"] == [
        {"Code": "MISSING_REQUIRED_VALUE", "Message": "'TargetDate' is required", "Field": "TargetDate"}
    ]
    assert [e["Code"] for e in got[2]["errors"]] == ["INVALID_ID"]
    assert "AccountId" in got[2]["errors"][0]["Message"]
    assert [e["Code"] for e in got[3]["errors"]] == ["INVALID_VALUE"]
    assert "nothing to bill" in got[3]["errors"][0]["Message"]
    assert [(e["Code"], e["Field"]) for e in got[4]["errors"]] == [
        ("INVALID_FIELD", "Colour"),
        ("INVALID_VALUE", "IncludesUsage"),
    ]
    assert "Id" not in got[1]
    sixth = invoice(db, ctx, got[5]["Id"])
    assert (sixth.amount, sixth.account_id, sixth.target_date) == (Decimal("100.00"), first.id, date(2024, 2, 1))
    assert invoices.count_invoices(db=db, ctx=ctx) == 2


def test_a_type_other_than_invoice_fails_the_call(server: Any, db: Database, tenant: Any) -> None:
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    body = '<ns1:generate><ns1:zObjects xsi:type="ns2:Account"><ns2:Name>x</ns2:Name></ns1:zObjects></ns1:generate>'
    answer = post(url, envelope(body, session))
    assert answer.status == 500
    fault = answer.fault()
    assert (fault["faultcode"], fault["detail"], fault["FaultCode"]) == (
        "fns:INVALID_TYPE",
        f"{{{FNS}}}InvalidTypeFault",
        "INVALID_TYPE",
    )
    assert "generate takes Invoice" in fault["FaultMessage"]


def test_an_object_without_xsi_type_is_an_invoice_to_generate(server: Any, db: Database, tenant: Any) -> None:
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    body = (
        "<ns1:generate><ns1:zObjects><ns2:AccountId>ffffffffffffffffffffffffffffffff</ns2:AccountId>"
        "<ns2:InvoiceDate>2024-01-01</ns2:InvoiceDate><ns2:TargetDate>2024-01-01</ns2:TargetDate></ns1:zObjects>"
        "</ns1:generate>"
    )
    answer = post(url, envelope(body, session))
    assert answer.status == 200
    assert [e["Code"] for e in results(answer)[0]["errors"]] == ["INVALID_ID"]


def test_more_than_fifty_objects_or_none_fail_the_call(server: Any, db: Database, tenant: Any) -> None:
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))
    one = "<ns2:AccountId>ffffffffffffffffffffffffffffffff</ns2:AccountId>"
    too_many = post(url, envelope(generate_body(*[one] * 51), session))
    fault = too_many.fault()
    assert (fault["faultcode"], fault["detail"]) == ("fns:MAX_RECORDS_EXCEEDED", f"{{{FNS}}}UnexpectedErrorFault")
    assert "at most 50" in fault["FaultMessage"] and "51" in fault["FaultMessage"]
    none = post(url, envelope("<ns1:generate/>", session))
    assert none.fault()["faultcode"] == "fns:MISSING_REQUIRED_VALUE"

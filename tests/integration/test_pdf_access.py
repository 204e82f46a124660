"""``Body`` and ``RegenerateInvoicePDF`` through every door: the object API, ``/v1/action/query``
and ``/v1/action/update``, SOAP ``query`` and ``update``.

Amounts: ``test_pdf_support.invoice_body`` (total 1,566.85, its docstring has the arithmetic).
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
import zeep
from lxml import etree
from sqlalchemy import select, update

from billforge.db import tables as t
from billforge.db.session import Database
from tests.conftest import ServerThread, Tenant
from tests.integration.test_pdf_support import billed_invoice, files_of, pdf_text, post, set_seller
from tests.integration.test_soap_support import (
    ZNS,
    endpoint,
    envelope,
    raw_login,
    results,
    session_header,
    soap_user,
    zeep_service,
    zuora_wsdl,
)
from tests.integration.test_soap_support import post as soap_post

OBJECT = "/v1/object/invoice/{}"


def regenerations(db: Database, invoice_id: str) -> int:
    with db.read() as conn:
        count = conn.execute(select(t.invoices.c.regenerate_pdf_count).where(t.invoices.c.id == invoice_id)).scalar()
    return int(count or 0)


def test_body_through_the_object_api(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    set_seller(db, tenant)
    billed = billed_invoice(http)
    answer = http.get(OBJECT.format(billed.id), params={"fields": "Body,Status"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(body) == ["Body", "Id", "Status"]
    text = pdf_text(base64.b64decode(body["Body"]))
    assert "DRAFT" in text and billed.number in text and "$1,566.85" in text and "Ada Lovelace" in text
    assert "Body" not in http.get(OBJECT.format(billed.id)).json()  # only when asked for
    post(http, billed.id)
    posted = http.get(OBJECT.format(billed.id), params={"fields": "body"}).json()  # fields are case-insensitive
    pdf = base64.b64decode(posted["Body"])
    assert "DRAFT" not in pdf_text(pdf) and "$1,566.85" in pdf_text(pdf)
    (stored,) = files_of(http, billed.id)  # the posted invoice's Body is its stored first version
    assert stored["status"] == "Ready" and http.get(stored["pdfFileUrl"]).content == pdf


def test_regeneration_through_the_object_api(http: httpx.Client, db: Database) -> None:
    billed = billed_invoice(http)
    post(http, billed.id)
    assert [f["versionNumber"] for f in files_of(http, billed.id)] == [1]  # the posting's PDF
    put = http.put(OBJECT.format(billed.id), json={"RegenerateInvoicePDF": True})
    assert put.json() == {"Success": True, "Id": billed.id}
    assert regenerations(db, billed.id) == 1
    assert [f["versionNumber"] for f in files_of(http, billed.id)] == [2, 1]  # the regenerated one is newest
    together = http.put(OBJECT.format(billed.id), json={"RegenerateInvoicePDF": True, "AutoPay": True})
    assert together.status_code == 400 and together.json()["Errors"][0]["Code"] == "INVALID_VALUE"
    assert "changes on other fields of the invoice are not allowed" in together.json()["Errors"][0]["Message"]
    # A tenant's custom field is a field of the invoice too: changing it with a regeneration is refused
    # (a custom field alone may be set).
    custom = http.put(OBJECT.format(billed.id), json={"RegenerateInvoicePDF": True, "Region__c": "EMEA"})
    assert custom.status_code == 400, custom.text
    assert custom.json()["Errors"][0]["Message"].endswith("(also sent: Region__c)")
    assert regenerations(db, billed.id) == 1  # neither refused update counted
    with db.write() as conn:  # 99 regenerations so far (the one above and 98 more)
        conn.execute(update(t.invoices).where(t.invoices.c.id == billed.id).values(regenerate_pdf_count=99))
    assert http.put(OBJECT.format(billed.id), json={"RegenerateInvoicePDF": True}).json()["Success"] is True
    refused = http.put(OBJECT.format(billed.id), json={"RegenerateInvoicePDF": True})
    assert refused.status_code == 400
    assert "regenerated 100 times" in refused.json()["Errors"][0]["Message"]
    assert [f["versionNumber"] for f in files_of(http, billed.id)] == [3, 2, 1]  # the refused one queued nothing


def test_body_and_regeneration_through_actions(http: httpx.Client, db: Database) -> None:
    one, two = billed_invoice(http), billed_invoice(http)
    query = http.post(
        "/v1/action/query", json={"queryString": f"select Id, Body, Amount from Invoice where Id = '{one.id}'"}
    )
    assert query.status_code == 200, query.text
    (record,) = query.json()["records"]
    assert list(record) == ["Id", "Amount", "Body"]  # XSD order
    assert "$1,566.85" in pdf_text(base64.b64decode(record["Body"]))
    several = http.post(
        "/v1/action/query",
        json={"queryString": f"select Body from Invoice where Id = '{one.id}' or Id = '{two.id}'"},
    )
    assert several.status_code == 400
    assert several.json()["FaultCode"] == "PDF_QUERY_ERROR"
    assert "one invoice at a time" in several.json()["FaultMessage"]
    unfiltered = http.post("/v1/action/query", json={"queryString": "select Id, Body from Invoice"})
    assert unfiltered.json()["FaultCode"] == "PDF_QUERY_ERROR"
    none = http.post("/v1/action/query", json={"queryString": "select Body from Invoice where Id = 'nope'"})
    assert none.json()["size"] == 0 and none.json()["records"] == []
    updated = http.post(
        "/v1/action/update", json={"type": "Invoice", "objects": [{"Id": one.id, "RegenerateInvoicePDF": True}]}
    )
    assert updated.json() == [{"Success": True, "Id": one.id}]
    assert [f["versionNumber"] for f in files_of(http, one.id)] == [1]  # a draft's version, marked DRAFT
    assert regenerations(db, one.id) == 1
    together = http.post(
        "/v1/action/update",
        json={"type": "Invoice", "objects": [{"Id": one.id, "RegenerateInvoicePDF": True, "AutoPay": False}]},
    )
    (refused,) = together.json()
    assert refused["Success"] is False and refused["Errors"][0]["Code"] == "INVALID_VALUE"
    assert refused["Errors"][0]["Message"].endswith("(also sent: AutoPay)")
    with db.write() as conn:  # as if regenerated 100 times (the one above and 99 more)
        conn.execute(update(t.invoices).where(t.invoices.c.id == one.id).values(regenerate_pdf_count=100))
    hundred_and_first = http.post(
        "/v1/action/update", json={"type": "Invoice", "objects": [{"Id": one.id, "RegenerateInvoicePDF": True}]}
    )
    (refused,) = hundred_and_first.json()
    assert refused["Success"] is False and "regenerated 100 times" in refused["Errors"][0]["Message"]
    assert [f["versionNumber"] for f in files_of(http, one.id)] == [1]  # neither refusal queued a version


def test_body_and_regeneration_over_soap(
    server: ServerThread, http: httpx.Client, db: Database, tenant: Tenant
) -> None:
    one, two = billed_invoice(http), billed_invoice(http)
    post(http, one.id)
    assert [f["versionNumber"] for f in files_of(http, one.id)] == [1]  # the posting's PDF
    url = endpoint(server)
    session = raw_login(url, soap_user(db, tenant))

    def query(zoql: str) -> Any:
        return soap_post(url, envelope(f"<ns1:query><ns1:queryString>{zoql}</ns1:queryString></ns1:query>", session))

    answer = query(f"select Id, Body from Invoice where Id = '{one.id}'")
    assert answer.status == 200, etree.tostring(answer.root)
    (record,) = answer.body.findall(f"{{{ZNS}}}result/{{{ZNS}}}records")
    fields = {etree.QName(child).localname: child.text for child in record}
    assert list(fields) == ["Id", "Body"] and fields["Id"] == one.id
    text = pdf_text(base64.b64decode(fields["Body"] or ""))
    assert one.number in text and "$1,566.85" in text and "DRAFT" not in text
    fault = query(f"select Id, Body from Invoice where Id = '{one.id}' or Id = '{two.id}'")
    assert fault.status == 500
    assert fault.fault()["FaultCode"] == "PDF_QUERY_ERROR"
    update_call = (
        '<ns1:update><ns1:zObjects xsi:type="ns2:Invoice">'
        f"<ns2:Id>{one.id}</ns2:Id><ns2:RegenerateInvoicePDF>true</ns2:RegenerateInvoicePDF>"
        "</ns1:zObjects></ns1:update>"
    )
    updated = soap_post(url, envelope(update_call, session))
    assert [(r["Success"], r["Id"]) for r in results(updated)] == [("true", one.id)]
    assert [f["versionNumber"] for f in files_of(http, one.id)] == [2, 1]
    with db.write() as conn:  # as if regenerated 100 times (the one above and 99 more)
        conn.execute(update(t.invoices).where(t.invoices.c.id == one.id).values(regenerate_pdf_count=100))
    (refused,) = results(soap_post(url, envelope(update_call, session)))
    assert refused["Success"] == "false" and "Id" not in refused  # a result of the object, not a fault
    assert [(e["Code"], e["Field"]) for e in refused["errors"]] == [("INVALID_VALUE", "RegenerateInvoicePDF")]
    assert "regenerated 100 times" in refused["errors"][0]["Message"]
    assert [f["versionNumber"] for f in files_of(http, one.id)] == [2, 1]  # the refused one queued nothing


@pytest.mark.parametrize("source", ["billforge", "43.0", "48.0", "52.0"])
def test_body_through_zeep_clients_of_each_wsdl(
    server: ServerThread, http: httpx.Client, db: Database, tenant: Tenant, source: str
) -> None:
    """zuora 1.0.17 reads an invoice's PDF with a query of ``Body``: a client generated from Zuora's
    WSDLs (or billforge's) gets it for one invoice, and PDF_QUERY_ERROR for several."""
    one, two = billed_invoice(http), billed_invoice(http)
    if source == "billforge":
        _, service = zeep_service(endpoint(server) + "?wsdl")
    else:
        _, service = zeep_service(zuora_wsdl(source), endpoint(server, source))
    user = soap_user(db, tenant)
    headers = session_header(service.login(username=user.username, password=user.password).Session)
    found = service.query(queryString=f"select Id, Body from Invoice where Id = '{one.id}'", _soapheaders=headers)
    (record,) = found.records
    assert (found.done, found.size, record.Id) == (True, 1, one.id)
    text = pdf_text(base64.b64decode(record.Body))
    assert one.number in text and "$1,566.85" in text and "DRAFT" in text  # a draft: rendered afresh, marked
    with pytest.raises(zeep.exceptions.Fault) as several:
        service.query(
            queryString=f"select Id, Body from Invoice where Id = '{one.id}' or Id = '{two.id}'", _soapheaders=headers
        )
    assert several.value.code == "fns:PDF_QUERY_ERROR"
    assert "one invoice at a time" in several.value.message


def test_body_of_an_unknown_invoice_is_404_no_data(http: httpx.Client) -> None:
    answer = http.get(OBJECT.format("0" * 32), params={"fields": "Body"})
    assert answer.status_code == 404
    assert answer.json() == {"done": True, "records": [], "size": 0}


def test_the_document_endpoints_are_in_the_openapi_document(server: ServerThread) -> None:
    document = httpx.get(f"{server.url}/openapi.json").json()
    paths = document["paths"]
    assert "post" in paths["/v1/invoice-templates"] and "get" in paths["/v1/invoice-templates"]
    assert "get" in paths["/v1/invoices/{invoice_key}/files"]
    assert "get" in paths["/v1/files/{file_id}"]
    schema = document["components"]["schemas"]["CreateInvoiceTemplateRequest"]
    assert set(schema["properties"]) == {"name", "body", "description", "default"}

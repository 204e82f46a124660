"""Hostile and broken SOAP requests: entity expansion ("billion laughs") refused quickly, external
entities never read, any DOCTYPE refused, size and depth limits, bodies that are not SOAP 1.1
envelopes, an operation billforge does not serve, and an unexpected error: each answered with a
fault, never a 500 page or a hang."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from test_soap_support import FNS, SOAP_ENV, endpoint, envelope, post, raw_login, soap_user

from billforge.db.session import Database
from billforge.soap import operations
from billforge.soap.parsing import MAX_ENVELOPE_BYTES

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10))
    + f']>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"><SOAP-ENV:Body>'
    '<ns1:login xmlns:ns1="http://api.zuora.com/"><ns1:username>&lol9;</ns1:username>'
    "<ns1:password>x</ns1:password></ns1:login></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


def refused(answer: Any) -> dict[str, str]:
    assert answer.status == 500
    fault = answer.fault()
    assert (fault["faultcode"], fault["detail"], fault["FaultCode"]) == (
        "fns:INVALID_VALUE",
        f"{{{FNS}}}UnexpectedErrorFault",
        "INVALID_VALUE",
    )
    return fault


def test_a_billion_laughs_body_is_refused_quickly(server: Any) -> None:
    # lol9 would expand to 10^9 "lol"s (3 GB); the DOCTYPE is refused before any parsing.
    assert LAUGHS.count("<!ENTITY") == 10
    started = time.perf_counter()
    answer = post(endpoint(server), LAUGHS.encode())
    elapsed = time.perf_counter() - started
    assert "DOCTYPE" in refused(answer)["FaultMessage"]
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


@pytest.mark.parametrize(
    "payload",
    [
        # an external entity naming a local file
        f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"><SOAP-ENV:Body><ns1:login xmlns:ns1="http://api.zuora.com/">'
        "<ns1:username>&x;</ns1:username></ns1:login></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        # an external DTD on the network
        f'<!DOCTYPE e SYSTEM "http://127.0.0.1:9/evil.dtd"><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"/>',
        # a DOCTYPE after a comment and a processing instruction
        f'<?xml version="1.0"?><!-- hello --><?pi x?><!DOCTYPE e><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"/>',
    ],
)
def test_a_document_type_declaration_is_refused(server: Any, payload: str) -> None:
    answer = post(endpoint(server), payload.encode())
    fault = refused(answer)
    assert "DOCTYPE" in fault["FaultMessage"]
    assert "root:" not in fault["FaultMessage"]


def test_a_doctype_in_utf16_is_refused_too(server: Any) -> None:
    payload = f'<!DOCTYPE e [<!ENTITY x "y">]><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"/>'.encode("utf-16")
    assert "DOCTYPE" in refused(post(endpoint(server), payload))["FaultMessage"]


def test_an_undeclared_entity_is_not_well_formed(server: Any) -> None:
    answer = post(endpoint(server), envelope("<ns1:login><ns1:username>&lol9;</ns1:username></ns1:login>"))
    assert "not well-formed" in refused(answer)["FaultMessage"]


def test_a_body_over_the_size_limit_is_refused(server: Any) -> None:
    padding = "<ns2:Description>" + "x" * (MAX_ENVELOPE_BYTES + 1) + "</ns2:Description>"
    started = time.perf_counter()
    answer = post(endpoint(server), envelope(f"<ns1:login>{padding}</ns1:login>"))
    assert time.perf_counter() - started < 5.0
    assert f"at most {MAX_ENVELOPE_BYTES}" in refused(answer)["FaultMessage"]


def test_what_the_http_layer_refuses_is_still_a_fault(server: Any, settings: Any) -> None:
    # Refused before the SOAP code runs (request size, Content-Encoding, Zuora-Track-Id): a SOAP
    # client reads only faults, so each is an UnexpectedErrorFault, never a JSON error.
    limit = settings.max_request_bytes  # 20 MiB by default
    over = post(endpoint(server), b"<" + b"x" * limit)
    assert over.fault()["FaultCode"] == "MAX_RECORDS_EXCEEDED"  # as the REST answer to the same body
    assert f"larger than {limit} bytes" in over.fault()["FaultMessage"]
    bad_gzip = post(endpoint(server), b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert bad_gzip.status == 500 and bad_gzip.fault()["detail"] == f"{{{FNS}}}UnexpectedErrorFault"
    track = post(endpoint(server), envelope("<ns1:login/>"), **{"Zuora-Track-Id": "x" * 65})
    assert track.fault()["FaultCode"] == "INVALID_VALUE"
    assert "Zuora-Track-Id must be at most 64 characters" in track.fault()["FaultMessage"]


def test_a_deeply_nested_body_is_refused(server: Any) -> None:
    deep = "<a>" * 5000 + "</a>" * 5000
    assert "not well-formed" in refused(post(endpoint(server), envelope(deep)))["FaultMessage"]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", "empty"),
        (b"this is not XML", "not well-formed"),
        (b"<Envelope><Body/></Envelope>", "SOAP 1.1 Envelope"),
        (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>', "SOAP 1.2"),
        (f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Header/></e:Envelope>'.encode(), "no Body"),
        (f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body/></e:Envelope>'.encode(), "exactly one operation"),
        (f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body><login/><login/></e:Body></e:Envelope>'.encode(), "not 2"),
        (
            f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body><x:login xmlns:x="urn:other"/></e:Body></e:Envelope>'.encode(),
            "namespace",
        ),
    ],
)
def test_bodies_that_are_not_soap_calls(server: Any, payload: bytes, words: str) -> None:
    assert words in refused(post(endpoint(server), payload))["FaultMessage"]


def test_an_operation_billforge_does_not_serve(server: Any, db: Database, tenant: Any) -> None:
    url = endpoint(server)
    answer = post(url, envelope("<ns1:subscribe/>", raw_login(url, soap_user(db, tenant))))
    fault = refused(answer)
    assert "'subscribe'" in fault["FaultMessage"] and "generate" in fault["FaultMessage"]


def test_an_unexpected_error_is_an_unexpected_error_fault(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_exchange: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(operations.HANDLERS, "login", broken)  # type: ignore[arg-type]
    response = httpx.post(endpoint(server), content=envelope("<ns1:login/>"), headers={"Content-Type": "text/xml"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/xml")
    assert b"<faultcode>fns:UNKNOWN_ERROR</faultcode>" in response.content
    assert response.headers["zuora-request-id"].encode() in response.content  # quoted for a report
    assert b"boom" not in response.content

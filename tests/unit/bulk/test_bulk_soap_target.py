"""The soap: target: envelopes in the seed's shape, answers and faults, re-login on INVALID_SESSION."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import httpx
import pytest
from lxml import etree

from billforge.bulk.target import (
    CallRefused,
    Generated,
    InvoiceRequest,
    OutcomeUnknown,
    Refused,
    Retryable,
    TargetError,
)
from billforge.bulk.targets.soap import (
    ONS,
    SOAP_ENV,
    XSI,
    ZNS,
    SoapTarget,
    envelope,
    generate_operation,
    zoql_string,
)

SEED_ACCOUNT = "8a8ae4b122561fc00122562fbc3d0002"
SEED_DAY = date(2016, 7, 7)
SEED_RESPONSE = b"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
   <soapenv:Body>
      <ns1:generateResponse xmlns:ns1="http://api.zuora.com/">
         <ns1:result>
            <ns1:Id>8a8082c453cd2a620153e426c7eb78b3</ns1:Id>
            <ns1:Success>true</ns1:Success>
         </ns1:result>
      </ns1:generateResponse>
   </soapenv:Body>
</soapenv:Envelope>"""


def answer(operation: str, inner: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        f'<ns1:{operation} xmlns:ns1="{ZNS}" xmlns:ns2="{ONS}" xmlns:xsi="{XSI}">{inner}</ns1:{operation}>'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault(code: str, message: str, kind: str = "UnexpectedErrorFault") -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>fns:{code}</faultcode><faultstring>{message}</faultstring>"
        f'<detail><fns:{kind} xmlns:fns="http://fault.api.zuora.com/">'
        f"<fns:FaultCode>{code}</fns:FaultCode><fns:FaultMessage>{message}</fns:FaultMessage>"
        f"</fns:{kind}></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


LOGIN_OK = answer(
    "loginResponse", "<ns1:result><ns1:Session>S{n}</ns1:Session><ns1:ServerUrl>x</ns1:ServerUrl></ns1:result>"
)


class Endpoint:
    """Answers login itself; other operations go to ``handle(operation name, body element)``."""

    def __init__(
        self, handle: Callable[[str, etree._Element], httpx.Response], *, headers: dict[str, str] | None = None
    ) -> None:
        self.handle = handle
        self.headers = headers or {}
        self.logins = 0
        self.sessions: list[str | None] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert request.headers["SOAPAction"] == '""'
        root = etree.fromstring(request.content)
        operation = root.find(f"{{{SOAP_ENV}}}Body")[0]  # type: ignore[index]
        name = etree.QName(operation).localname
        if name == "login":
            self.logins += 1
            body = LOGIN_OK.replace(b"{n}", str(self.logins).encode())
            return httpx.Response(200, content=body, headers=self.headers)
        session = root.find(f"{{{SOAP_ENV}}}Header/{{{ZNS}}}SessionHeader/{{{ZNS}}}session")
        self.sessions.append(session.text if session is not None else None)
        return self.handle(name, operation)


def soap(endpoint: Endpoint) -> SoapTarget:
    client = httpx.Client(transport=httpx.MockTransport(endpoint))
    target = SoapTarget("https://apisandbox.zuora.com/apps/services/a/52.0", "ops@example.com", "pw", client=client)
    target.open()
    return target


def shape(element: etree._Element) -> list[tuple[str, str | None, str | None]]:
    """Every element as (namespace + local name, xsi:type resolved, text) in document order."""
    out = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        xsi_type = node.get(f"{{{XSI}}}type")
        if xsi_type:
            prefix, _, local = xsi_type.partition(":")
            xsi_type = f"{{{node.nsmap[prefix]}}}{local}"
        text = node.text.strip() if node.text and node.text.strip() else None
        out.append((node.tag, xsi_type, text))
    return out


def test_the_generate_envelope_is_the_seeds_example() -> None:
    seed = f"""<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns2="{ONS}" xmlns:xsi="{XSI}" xmlns:ns1="{ZNS}">
   <SOAP-ENV:Body>
   <ns1:generate>
     <ns1:zObjects xsi:type="ns2:Invoice">
       <ns2:AccountId>{SEED_ACCOUNT}</ns2:AccountId>
       <ns2:IncludesOneTime>true</ns2:IncludesOneTime>
       <ns2:IncludesRecurring>true</ns2:IncludesRecurring>
       <ns2:IncludesUsage>true</ns2:IncludesUsage>
       <ns2:InvoiceDate>2016-07-07</ns2:InvoiceDate>
       <ns2:TargetDate>2016-07-07</ns2:TargetDate>
     </ns1:zObjects>
   </ns1:generate>
   </SOAP-ENV:Body>
</SOAP-ENV:Envelope>"""
    # The seed writes True: xs:boolean's lexical form is lower case, which Zuora and zeep clients use.
    ours = etree.fromstring(
        envelope(generate_operation([InvoiceRequest(SEED_ACCOUNT, SEED_DAY, SEED_DAY, True, True, True)]), None)
    )
    assert shape(ours) == shape(etree.fromstring(seed.encode()))
    text = etree.tostring(ours).decode()
    assert 'xsi:type="ns2:Invoice"' in text and "<SOAP-ENV:Body>" in text


def test_login_then_generate_reads_the_seeds_answer_and_sends_the_session() -> None:
    endpoint = Endpoint(lambda _name, _op: httpx.Response(200, content=SEED_RESPONSE))
    target = soap(endpoint)
    results = target.generate([InvoiceRequest(SEED_ACCOUNT, SEED_DAY, SEED_DAY, True, True, True)], key="ignored")
    assert results == [Generated("8a8082c453cd2a620153e426c7eb78b3")]
    assert endpoint.sessions == ["S1"]
    login = etree.fromstring(endpoint.bodies[0])
    assert [(n.tag, n.text) for n in login.iter(f"{{{ZNS}}}username", f"{{{ZNS}}}password")] == [
        (f"{{{ZNS}}}username", "ops@example.com"),
        (f"{{{ZNS}}}password", "pw"),
    ]
    assert login.find(f"{{{SOAP_ENV}}}Header") is None  # no session before login


def test_per_object_errors() -> None:
    inner = (
        "<ns1:result><ns1:Id>i1</ns1:Id><ns1:Success>true</ns1:Success></ns1:result>"
        "<ns1:result><ns1:Errors><ns1:Code>INVALID_VALUE</ns1:Code><ns1:Message>nothing to bill</ns1:Message>"
        "</ns1:Errors><ns1:Success>false</ns1:Success></ns1:result>"
    )
    target = soap(Endpoint(lambda _name, _op: httpx.Response(200, content=answer("generateResponse", inner))))
    obj = InvoiceRequest(SEED_ACCOUNT, SEED_DAY, SEED_DAY, True, True, True)
    assert target.generate([obj, obj], key="k") == [Generated("i1"), Refused("INVALID_VALUE", "nothing to bill")]


def test_an_invalid_session_logs_in_again_and_resends() -> None:
    answers = iter(
        [
            httpx.Response(500, content=fault("INVALID_SESSION", "Invalid session")),
            httpx.Response(200, content=SEED_RESPONSE),
        ]
    )
    endpoint = Endpoint(lambda _name, _op: next(answers))
    target = soap(endpoint)
    obj = InvoiceRequest(SEED_ACCOUNT, SEED_DAY, SEED_DAY, True, True, True)
    assert target.generate([obj], key="k") == [Generated("8a8082c453cd2a620153e426c7eb78b3")]
    assert endpoint.logins == 2
    assert endpoint.sessions == ["S1", "S2"]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, content=fault("REQUEST_EXCEEDED_LIMIT", "slow down")), Retryable),
        (httpx.Response(500, content=fault("UNKNOWN_ERROR", "oops")), OutcomeUnknown),
        (httpx.Response(500, content=fault("INVALID_TYPE", "no such type", "InvalidTypeFault")), CallRefused),
        (httpx.Response(502, content=b"<html>bad gateway</html>"), OutcomeUnknown),
        (httpx.Response(429), Retryable),
        (httpx.Response(503, headers={"Retry-After": "4"}), Retryable),
    ],
)
def test_faults_map_to_retry_rules(response: httpx.Response, error: type[Exception]) -> None:
    target = soap(Endpoint(lambda _name, _op: response))
    with pytest.raises(error):
        target.generate([InvoiceRequest(SEED_ACCOUNT, SEED_DAY, SEED_DAY, True, True, True)], key="k")


def test_a_refused_login_stops_the_run() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, content=fault("INVALID_LOGIN", "Invalid login", "LoginFault"))

    target = SoapTarget(
        "https://z.test/apps/services/a/52.0", "u", "p", client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(TargetError, match="login to https://z.test/apps/services/a/52.0 failed: INVALID_LOGIN"):
        target.open()


def test_no_announced_limit_means_the_fallback_of_20_and_a_header_is_read() -> None:
    assert soap(Endpoint(lambda _n, _o: httpx.Response(200))).concurrency_limit() is None
    assert soap(Endpoint(lambda _n, _o: httpx.Response(200))).unannounced_limit == 20
    announced = soap(Endpoint(lambda _n, _o: httpx.Response(200), headers={"Concurrency-Limit-Limit": "15"}))
    assert announced.concurrency_limit() == 15
    assert announced.invoice_settlement() is None


def test_post_is_an_update_to_status_posted() -> None:
    seen: list[etree._Element] = []

    def handle(name: str, op: etree._Element) -> httpx.Response:
        seen.append(op)
        inner = "<ns1:result><ns1:Id>i1</ns1:Id><ns1:Success>true</ns1:Success></ns1:result>"
        return httpx.Response(200, content=answer("updateResponse", inner))

    assert soap(Endpoint(handle)).post(["i1"], key="k") == [None]
    (obj,) = seen[0]
    assert obj.get(f"{{{XSI}}}type") == "ns2:Invoice"
    assert [(etree.QName(c).localname, c.text) for c in obj] == [("Id", "i1"), ("Status", "Posted")]


def test_queries_for_invoices_and_account_numbers() -> None:
    queries: list[str] = []

    def handle(name: str, op: etree._Element) -> httpx.Response:
        assert name == "query"
        query = op.findtext(f"{{{ZNS}}}queryString") or ""
        queries.append(query)
        if "from Account" in query:
            records = (
                '<ns1:records xsi:type="ns2:Account"><ns2:AccountNumber>A-1</ns2:AccountNumber>'
                f"<ns2:Id>{SEED_ACCOUNT}</ns2:Id></ns1:records>"
            )
        else:
            records = (
                '<ns1:records xsi:type="ns2:Invoice"><ns2:Id>i7</ns2:Id><ns2:AccountId>acc</ns2:AccountId>'
                "<ns2:Amount>-3.50</ns2:Amount><ns2:CreatedDate>2024-05-01T10:00:00.000-08:00</ns2:CreatedDate>"
                "<ns2:IncludesOneTime>true</ns2:IncludesOneTime><ns2:IncludesUsage>false</ns2:IncludesUsage>"
                "<ns2:InvoiceDate>2024-01-31T00:00:00.000-08:00</ns2:InvoiceDate>"
                "<ns2:InvoiceNumber>INV00000007</ns2:InvoiceNumber><ns2:Status>Draft</ns2:Status>"
                "<ns2:TargetDate>2024-01-31</ns2:TargetDate></ns1:records>"
            )
        body = f"<ns1:result><ns1:done>true</ns1:done><ns1:queryLocator/>{records}<ns1:size>1</ns1:size></ns1:result>"
        return httpx.Response(200, content=answer("queryResponse", body))

    target = soap(Endpoint(handle))
    assert target.resolve_accounts(["A-1", "O'Neil"]) == {"A-1": SEED_ACCOUNT}
    (found,) = target.find_invoices("acc", target_dates={date(2024, 1, 31)})
    assert (found.invoice_id, found.invoice_number, found.amount, found.status) == (
        "i7",
        "INV00000007",
        Decimal("-3.50"),
        "Draft",
    )
    assert (found.invoice_date, found.target_date) == (date(2024, 1, 31), date(2024, 1, 31))
    assert (found.includes_one_time, found.includes_recurring, found.includes_usage) == (True, None, False)
    assert found.created is not None and found.created.utcoffset() is not None
    assert (
        queries[0] == "select Id, AccountNumber from Account where AccountNumber = 'A-1' or AccountNumber = 'O\\'Neil'"
    )
    assert queries[1] == (
        "select Id, AccountId, Amount, CreatedDate, IncludesOneTime, IncludesRecurring, IncludesUsage, InvoiceDate, "
        "InvoiceNumber, Status, TargetDate from Invoice where AccountId = 'acc' and TargetDate = '2024-01-31'"
    )


def test_zoql_strings_escape_quotes_and_backslashes() -> None:
    assert zoql_string("it's") == "'it\\'s'"
    assert zoql_string("a\\b") == "'a\\\\b'"

"""The rest: target against a scripted server (httpx.MockTransport): requests sent, answers read,
and how each failure maps to the runner's retry rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import httpx
import pytest

from billforge.bulk.target import (
    CallRefused,
    Generated,
    InvoiceRequest,
    OutcomeUnknown,
    Refused,
    Retryable,
    TargetError,
)
from billforge.bulk.targets.rest import RestTarget, retry_after

Handler = Callable[[httpx.Request], httpx.Response]
ACCOUNT = "8a8ae4b122561fc00122562fbc3d0002"
OBJ = InvoiceRequest(ACCOUNT, date(2024, 2, 1), date(2024, 1, 31), True, False, True)


class Server:
    """Answers /oauth/token and /settings/billing-rules; everything else goes to ``handle``."""

    def __init__(
        self, handle: Handler, *, settlement: object = False, token_headers: dict[str, str] | None = None
    ) -> None:
        self.handle = handle
        self.settlement = settlement
        self.token_headers = token_headers or {}
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth/token":
            self.tokens += 1
            return httpx.Response(
                200, json={"access_token": f"tok{self.tokens}", "expires_in": 3600}, headers=self.token_headers
            )
        if request.url.path == "/settings/billing-rules":
            if self.settlement == "absent":
                return httpx.Response(404, json={"message": "no such page"})
            return httpx.Response(200, json={"invoiceSettlement": self.settlement})
        return self.handle(request)

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


def target(server: Server) -> RestTarget:
    client = httpx.Client(transport=httpx.MockTransport(server), base_url="http://billforge.test")
    rest = RestTarget("http://billforge.test/", "11111111-2222-3333-4444-555555555555", "s3cret", client=client)
    rest.open()
    return rest


def test_open_gets_a_token_the_settlement_setting_and_the_announced_limit() -> None:
    server = Server(lambda _r: httpx.Response(404), settlement=True, token_headers={"Concurrency-Limit-Limit": "7"})
    rest = target(server)
    (token,) = server.calls("/oauth/token")
    assert dict(httpx.QueryParams(token.content.decode())) == {
        "client_id": "11111111-2222-3333-4444-555555555555",
        "client_secret": "s3cret",
        "grant_type": "client_credentials",
    }
    assert server.calls("/settings/billing-rules")[0].headers["Authorization"] == "Bearer tok1"
    assert rest.invoice_settlement() is True
    assert rest.concurrency_limit() == 7
    assert rest.unannounced_limit is None
    assert rest.description == "rest:http://billforge.test"


def test_a_server_that_does_not_say_leaves_settlement_unknown() -> None:
    assert target(Server(lambda _r: httpx.Response(404), settlement="absent")).invoice_settlement() is None


def test_refused_credentials_stop_the_run() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "invalid client credentials"})

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://billforge.test")
    rest = RestTarget("http://billforge.test", "id", "bad", client=client)
    with pytest.raises(TargetError, match="refused the OAuth client \\(401\\): invalid client credentials"):
        rest.open()


def test_generate_sends_the_objects_with_an_idempotency_key_and_reads_each_result() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                {"Success": True, "Id": "2c93808457d787030157e0306cd13a86"},
                {"Success": False, "Errors": [{"Code": "INVALID_VALUE", "Message": "nothing to bill"}]},
            ],
        )

    server = Server(handler)
    results = target(server).generate([OBJ, OBJ], key="bulk-r-0.1-0")
    assert results == [
        Generated("2c93808457d787030157e0306cd13a86"),
        Refused("INVALID_VALUE", "nothing to bill"),
    ]
    (call,) = server.calls("/v1/action/generate")
    assert call.method == "POST"
    assert call.headers["Idempotency-Key"] == "bulk-r-0.1-0"
    assert call.headers["Authorization"] == "Bearer tok1"
    assert json.loads(call.content) == {
        "type": "Invoice",
        "objects": [
            {
                "AccountId": ACCOUNT,
                "InvoiceDate": "2024-02-01",
                "TargetDate": "2024-01-31",
                "IncludesOneTime": True,
                "IncludesRecurring": False,
                "IncludesUsage": True,
            }
        ]
        * 2,
    }


@pytest.mark.parametrize(
    ("response", "error", "wait"),
    [
        (httpx.Response(429, headers={"Retry-After": "3"}), Retryable, 3.0),
        (httpx.Response(429), Retryable, None),
        (
            httpx.Response(400, json={"FaultCode": "REQUEST_EXCEEDED_LIMIT", "FaultMessage": "slow down"}),
            Retryable,
            None,
        ),
        (httpx.Response(500, json={"message": "boom"}), OutcomeUnknown, None),
        (httpx.Response(503, headers={"Retry-After": "12"}), OutcomeUnknown, 12.0),
        (httpx.Response(409, json={"message": "the first request is running"}), OutcomeUnknown, None),
    ],
)
def test_generate_failures_map_to_retry_rules(
    response: httpx.Response, error: type[Exception], wait: float | None
) -> None:
    rest = target(Server(lambda _r: response))
    with pytest.raises(error) as caught:
        rest.generate([OBJ], key="k")
    assert getattr(caught.value, "retry_after", None) == wait


def test_a_whole_call_refused_fails_its_objects() -> None:
    rest = target(
        Server(lambda _r: httpx.Response(400, json={"FaultCode": "INVALID_VALUE", "FaultMessage": "bad type"}))
    )
    with pytest.raises(CallRefused) as caught:
        rest.generate([OBJ], key="k")
    assert (caught.value.code, caught.value.message) == ("INVALID_VALUE", "bad type")


def test_connection_failures_before_and_after_sending() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(Retryable):
        target(Server(refused)).generate([OBJ], key="k")
    with pytest.raises(OutcomeUnknown):
        target(Server(lost)).generate([OBJ], key="k")
    with pytest.raises(Retryable):  # a read that times out changes nothing: just retry it
        target(Server(lost)).find_invoices(ACCOUNT, ids=["x"])


def test_an_expired_token_is_renewed_once_and_the_request_sent_again() -> None:
    answers = iter(
        [httpx.Response(401, json={"message": "expired"}), httpx.Response(200, json=[{"Success": True, "Id": "i1"}])]
    )
    server = Server(lambda _r: next(answers))
    assert target(server).generate([OBJ], key="k") == [Generated("i1")]
    assert server.tokens == 2
    assert [r.headers["Authorization"] for r in server.calls("/v1/action/generate")] == ["Bearer tok1", "Bearer tok2"]
    assert [r.headers["Idempotency-Key"] for r in server.calls("/v1/action/generate")] == ["k", "k"]


def test_every_answer_updates_the_announced_limit() -> None:
    server = Server(
        lambda _r: httpx.Response(200, json=[{"Success": True, "Id": "i1"}], headers={"Concurrency-Limit-Limit": "4"})
    )
    rest = target(server)
    assert rest.concurrency_limit() is None
    rest.generate([OBJ], key="k")
    assert rest.concurrency_limit() == 4


def test_post_through_bulk_post() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "success": True,
                "invoices": [
                    {"success": True, "id": "i1"},
                    {"success": False, "reasons": [{"code": "53000030", "message": "the invoice is Posted"}]},
                ],
            },
        )

    server = Server(handler)
    assert target(server).post(["i1", "i2"], key="p") == [None, Refused("53000030", "the invoice is Posted")]
    (call,) = server.calls("/v1/invoices/bulk-post")
    assert json.loads(call.content) == {"invoices": [{"id": "i1"}, {"id": "i2"}]}
    assert call.headers["Idempotency-Key"] == "p"


def test_post_falls_back_to_the_update_action() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/invoices/bulk-post":
            return httpx.Response(404, json={"message": "not found"})
        return httpx.Response(200, json=[{"Success": True, "Id": "i1"}])

    server = Server(handler)
    assert target(server).post(["i1"], key="p") == [None]
    (call,) = server.calls("/v1/action/update")
    assert json.loads(call.content) == {"type": "Invoice", "objects": [{"Id": "i1", "Status": "Posted"}]}


def test_a_limit_code_on_one_invoice_is_retryable() -> None:
    refusal = Refused("50000070", "too many requests")  # category 70: request exceeded limit
    assert refusal.retryable
    assert Refused("REQUEST_EXCEEDED_LIMIT", "x").retryable
    assert not Refused("INVALID_VALUE", "x").retryable


def test_find_invoices_pages_through_the_account_and_filters() -> None:
    def invoice(n: int, target_date: str) -> dict[str, object]:
        return {
            "id": f"i{n}",
            "invoiceNumber": f"INV{n:08d}",
            "accountId": ACCOUNT,
            "invoiceDate": target_date,
            "targetDate": target_date,
            "amount": -12.5 if n == 2 else 100,
            "status": "Draft",
            "createdDate": "2024-05-01T10:00:00+02:00",
            "includesOneTime": True,
            "includesRecurring": True,
            "includesUsage": False,
        }

    pages = {
        "1": {"success": True, "invoices": [invoice(1, "2024-03-31"), invoice(2, "2024-02-29")], "nextPage": "/p2"},
        "2": {"success": True, "invoices": [invoice(3, "2024-01-31")]},
    }
    server = Server(lambda r: httpx.Response(200, json=pages[r.url.params["page"]]))
    rest = target(server)
    found = rest.find_invoices(ACCOUNT, target_dates={date(2024, 2, 29), date(2024, 1, 31)})
    assert [f.invoice_id for f in found] == ["i2", "i3"]
    assert found[0].amount == Decimal("-12.5")
    assert found[0].created is not None and found[0].created.utcoffset() is not None
    assert (found[0].includes_one_time, found[0].includes_usage) == (True, False)
    listing = server.calls(f"/v1/transactions/invoices/accounts/{ACCOUNT}")
    assert [dict(r.url.params) for r in listing] == [{"page": "1", "pageSize": "40"}, {"page": "2", "pageSize": "40"}]
    # Looking for ids only: stop at the page that has them all.
    found = rest.find_invoices(ACCOUNT, ids=["i1"])
    assert [f.invoice_number for f in found] == ["INV00000001"]
    assert len(server.calls(f"/v1/transactions/invoices/accounts/{ACCOUNT}")) == 3


def test_resolve_account_numbers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode().rsplit("/", 1)[1]
        if key == "A-1":
            return httpx.Response(200, json={"success": True, "basicInfo": {"id": ACCOUNT, "accountNumber": "A-1"}})
        if key == "A%2F2":  # a number with a slash is sent escaped
            return httpx.Response(200, json={"success": True, "basicInfo": {"id": "x" * 32, "accountNumber": "A/2"}})
        if key == "looks-like-an-id":  # the key matched an account id, not a number
            return httpx.Response(200, json={"success": True, "basicInfo": {"id": "y" * 32, "accountNumber": "N-9"}})
        return httpx.Response(404, json={"success": False, "reasons": [{"code": "50000040", "message": "no account"}]})

    server = Server(handler)
    resolved = target(server).resolve_accounts(["A-1", "A/2", "A-404", "looks-like-an-id"])
    assert resolved == {"A-1": ACCOUNT, "A/2": "x" * 32}
    assert b"/v1/accounts/A%2F2" in [r.url.raw_path for r in server.requests]


def test_retry_after_as_an_http_date() -> None:
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after(response) == 0.0  # in the past: retry now
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None

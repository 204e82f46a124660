"""Zuora's headers and error shapes on every /v1 call (raw HTTP: these are wire rules)."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from billforge.api.protocol import ZuoraProtocol
from billforge.db import tables as t
from billforge.db.session import Database
from billforge.services import idempotency, tenancy
from billforge.services.context import SystemClock
from tests.conftest import ServerThread, Tenant, bearer_token, make_tenant

ACCOUNT = {"name": "Acme", "currency": "USD", "billToContact": {"firstName": "Ada", "lastName": "Lovelace"}}


def invoice_body(account_id: str, amount: str = "10.00") -> dict[str, Any]:
    return {
        "accountId": account_id,
        "invoiceDate": "2024-01-15",
        "invoiceItems": [{"amount": amount, "serviceStartDate": "2024-01-01", "chargeName": "Setup"}],
    }


def new_account(http: httpx.Client) -> str:
    response = http.post("/v1/accounts", json=ACCOUNT)
    assert response.status_code == 200, response.text
    account_id: str = response.json()["accountId"]
    return account_id


# --- request id and track id ----------------------------------------------------------------


def test_every_response_has_a_request_id(server: ServerThread, http: httpx.Client) -> None:
    for response in (
        httpx.get(f"{server.url}/health"),
        httpx.get(f"{server.url}/v1/accounts/x"),  # 401: no token
        http.get("/v1/accounts/nope"),  # 404
        http.get("/v1/no-such-resource"),  # 404: unknown path
        http.post("/v1/accounts", json=ACCOUNT),  # 200
    ):
        assert len(response.headers["Zuora-Request-Id"]) == 36


def test_track_id_is_echoed_on_success_and_errors(server: ServerThread, http: httpx.Client) -> None:
    ok = http.get("/v1/accounts/nope", headers={"Zuora-Track-Id": "batch-42/run-7"})
    assert ok.headers["Zuora-Track-Id"] == "batch-42/run-7"
    unauthenticated = httpx.get(f"{server.url}/v1/accounts/x", headers={"Zuora-Track-Id": "t-1"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["Zuora-Track-Id"] == "t-1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 65, "Zuora-Track-Id must be at most 64 characters"),
        ("a:b", "Zuora-Track-Id must not contain a colon, semicolon, double quote or quote"),
        ("a;b", "Zuora-Track-Id must not contain a colon, semicolon, double quote or quote"),
        ('a"b', "Zuora-Track-Id must not contain a colon, semicolon, double quote or quote"),
        ("a'b", "Zuora-Track-Id must not contain a colon, semicolon, double quote or quote"),
    ],
)
def test_bad_track_ids_are_refused(http: httpx.Client, value: str, message: str) -> None:
    response = http.get("/v1/accounts/nope", headers={"Zuora-Track-Id": value})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == message


def test_non_ascii_track_id_is_refused(server: ServerThread, tenant: Tenant) -> None:
    token = bearer_token(server.url, tenant)
    response = httpx.get(
        f"{server.url}/v1/accounts/x",
        headers=[(b"Authorization", f"Bearer {token}".encode()), (b"Zuora-Track-Id", "caf\u00e9".encode())],
    )
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == "Zuora-Track-Id must use printable US-ASCII characters"


# --- compression ------------------------------------------------------------------------------


def test_gzip_request_bodies_are_accepted(http: httpx.Client) -> None:
    body = gzip.compress(json.dumps(ACCOUNT).encode())
    response = http.post(
        "/v1/accounts", content=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["success"] is True


def test_broken_gzip_is_a_400(http: httpx.Client) -> None:
    response = http.post("/v1/accounts", content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == "the request body is not valid gzip data"


def test_responses_over_1000_bytes_are_gzipped_when_asked(http: httpx.Client) -> None:
    account_id = new_account(http)
    big = http.get(f"/v1/accounts/{account_id}", headers={"Accept-Encoding": "gzip"})
    assert len(big.content) > 1000  # httpx inflates it; the wire carried gzip
    assert big.headers["Content-Encoding"] == "gzip"
    small = http.get("/v1/accounts/nope", headers={"Accept-Encoding": "gzip"})
    assert len(small.content) <= 1000
    assert "Content-Encoding" not in small.headers
    plain = http.get(f"/v1/accounts/{account_id}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_zuora_version_header_is_accepted(http: httpx.Client) -> None:
    response = http.post("/v1/accounts", json=ACCOUNT, headers={"Zuora-Version": "2025-08-12"})
    assert response.status_code == 200


# --- authentication ---------------------------------------------------------------------------


def test_token_response_shape_and_stale_authorization_ignored(server: ServerThread, tenant: Tenant) -> None:
    response = httpx.post(
        f"{server.url}/oauth/token",
        data={"client_id": tenant.client_id, "client_secret": tenant.client_secret, "grant_type": "client_credentials"},
        headers={"Authorization": "Bearer an-old-expired-token"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["expires_in"], int)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "jti"}


def test_wrong_secret_is_401_with_a_message(server: ServerThread, tenant: Tenant) -> None:
    response = httpx.post(
        f"{server.url}/oauth/token",
        data={"client_id": tenant.client_id, "client_secret": "wrong", "grant_type": "client_credentials"},
    )
    assert response.status_code == 401
    assert response.json() == {"message": "invalid client credentials"}


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_v1_needs_a_valid_bearer_token(server: ServerThread, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{server.url}/v1/accounts/x", headers=headers)
    assert response.status_code == 401
    assert set(response.json()) == {"message"}


def test_expired_token_is_refused(server: ServerThread, db: Database, tenant: Tenant) -> None:
    token = bearer_token(server.url, tenant)
    with db.write() as conn:
        conn.execute(
            update(t.access_tokens)
            .where(t.access_tokens.c.client_id == tenant.client_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    # A token the server has not cached yet: looked up, found expired.
    fresh_server_view = httpx.get(f"{server.url}/v1/accounts/x", headers={"Authorization": f"Bearer {token}x"})
    assert fresh_server_view.status_code == 401
    other = make_tenant(db)
    other_token = bearer_token(server.url, other)
    with db.write() as conn:
        conn.execute(
            update(t.access_tokens)
            .where(t.access_tokens.c.client_id == other.client_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = httpx.get(f"{server.url}/v1/accounts/x", headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication error: the bearer token has expired"}


# --- entities -----------------------------------------------------------------------------------


def test_entities_are_isolated(server: ServerThread, http: httpx.Client, db: Database) -> None:
    account_id = new_account(http)
    other = make_tenant(db)
    token = bearer_token(server.url, other)
    response = httpx.get(f"{server.url}/v1/accounts/{account_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_client_with_several_entities_must_choose(server: ServerThread, db: Database) -> None:
    first = tenancy.create_entity(db=db, name=f"multi-a-{datetime.now(UTC).timestamp()}", clock=SystemClock())
    second = tenancy.create_entity(db=db, name=f"multi-b-{datetime.now(UTC).timestamp()}", clock=SystemClock())
    client = tenancy.create_client(db=db, clock=SystemClock(), entities=[first.id, second.id])
    tenant = Tenant(first.id, first.name, client.client_id, client.client_secret)
    token = bearer_token(server.url, tenant)
    headers = {"Authorization": f"Bearer {token}"}

    missing = httpx.post(f"{server.url}/v1/accounts", json=ACCOUNT, headers=headers)
    assert missing.status_code == 400
    assert missing.json()["reasons"][0]["message"] == (
        "Zuora-Entity-Ids is required: this client may act in several entities"
    )
    in_first = httpx.post(f"{server.url}/v1/accounts", json=ACCOUNT, headers={**headers, "Zuora-Entity-Ids": first.id})
    assert in_first.status_code == 200
    account_id = in_first.json()["accountId"]
    seen_from_second = httpx.get(
        f"{server.url}/v1/accounts/{account_id}", headers={**headers, "Zuora-Entity-Ids": second.id}
    )
    assert seen_from_second.status_code == 404

    lacking = httpx.get(f"{server.url}/v1/accounts/{account_id}", headers={**headers, "Zuora-Entity-Ids": "f" * 32})
    assert lacking.status_code == 403
    body = lacking.json()
    assert isinstance(body["code"], int)
    assert body["message"] == f"this client has no access to entity {'f' * 32!r} named in Zuora-Entity-Ids"


# --- idempotency ------------------------------------------------------------------------------


def test_idempotent_retry_replays_the_first_answer(http: httpx.Client) -> None:
    account_id = new_account(http)
    headers = {"Idempotency-Key": f"create-{account_id}"}
    first = http.post("/v1/invoices", json=invoice_body(account_id), headers=headers)
    again = http.post("/v1/invoices", json=invoice_body(account_id), headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    listing = http.get(f"/v1/transactions/invoices/accounts/{account_id}").json()
    assert len(listing["invoices"]) == 1  # billed once


def test_idempotency_key_reused_for_another_request_is_422(
    http: httpx.Client, db: Database, server: ServerThread
) -> None:
    account_id = new_account(http)
    key = {"Idempotency-Key": f"k-{account_id}"}
    assert http.post("/v1/invoices", json=invoice_body(account_id), headers=key).status_code == 200
    other_body = http.post("/v1/invoices", json=invoice_body(account_id, "11.00"), headers=key)
    assert other_body.status_code == 422
    assert other_body.json()["reasons"][0]["message"] == (
        "Idempotency-Key was already used with a different request (body, path, method or entity)"
    )
    other_path = http.post("/v1/invoices/batch", json=invoice_body(account_id), headers=key)
    assert other_path.status_code == 422
    other = make_tenant(db)
    token = bearer_token(server.url, other)
    other_entity = httpx.post(
        f"{server.url}/v1/invoices",
        json=invoice_body(account_id),
        headers={**key, "Authorization": f"Bearer {token}"},
    )
    assert other_entity.status_code == 422


def test_idempotency_key_still_running_is_409(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    import hashlib

    body = json.dumps(ACCOUNT).encode()
    claim = idempotency.claim(
        db=db,
        request=idempotency.Request(
            key="in-flight-1",
            client_id=tenant.client_id,
            entity_id=tenant.entity_id,
            method="POST",
            path="/v1/accounts",
            request_hash=hashlib.sha256(body).hexdigest(),
        ),
        now=datetime.now(UTC),
        ttl=timedelta(hours=24),
    )
    assert claim.outcome is idempotency.Outcome.PROCEED
    response = http.post(
        "/v1/accounts", content=body, headers={"Idempotency-Key": "in-flight-1", "Content-Type": "application/json"}
    )
    assert response.status_code == 409
    assert response.json()["reasons"][0]["message"] == (
        "a request with this Idempotency-Key is still being processed; retry later"
    )


def test_idempotency_key_too_long_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/accounts", json=ACCOUNT, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == "Idempotency-Key must be 1 to 255 characters"


def test_idempotency_key_is_ignored_on_get(http: httpx.Client) -> None:
    account_id = new_account(http)
    for _ in range(2):
        response = http.get(f"/v1/accounts/{account_id}", headers={"Idempotency-Key": "get-key"})
        assert response.status_code == 200


def test_idempotency_key_is_ignored_on_put(http: httpx.Client) -> None:
    # POST and PATCH only: two different PUTs with one key both run (no 422, no replay).
    account_id = new_account(http)
    key = {"Idempotency-Key": f"put-{account_id}"}
    first = http.put(f"/v1/accounts/{account_id}", json={"name": "First"}, headers=key)
    second = http.put(f"/v1/accounts/{account_id}", json={"name": "Second"}, headers=key)
    assert first.status_code == second.status_code == 200
    assert http.get(f"/v1/accounts/{account_id}").json()["basicInfo"]["name"] == "Second"


def test_idempotent_answers_are_replayed_for_24_hours(db: Database, tenant: Tenant) -> None:
    from billforge.config import Settings

    ttl = timedelta(seconds=Settings(database_url="sqlite://").idempotency_ttl_seconds)
    assert ttl == timedelta(hours=24)
    request = idempotency.Request(
        key=f"day-{tenant.entity_id}",
        client_id=tenant.client_id,
        entity_id=tenant.entity_id,
        method="POST",
        path="/v1/accounts",
        request_hash="h",
    )
    start = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)

    def claim(now: datetime) -> idempotency.Claim:
        return idempotency.claim(db=db, request=request, now=now, ttl=ttl)

    assert claim(start).outcome is idempotency.Outcome.PROCEED
    idempotency.finish(db=db, key=request.key, status=200, body=b'{"success":true}', content_type="application/json")
    # One second before 24 hours have passed (2024-01-02 11:59:59): the stored answer is replayed.
    last = claim(start + ttl - timedelta(seconds=1))
    assert (last.outcome, last.status, last.body) == (idempotency.Outcome.REPLAY, 200, b'{"success":true}')
    # At 24 hours (2024-01-02 12:00:00) the key has expired: the request runs again.
    assert claim(start + ttl).outcome is idempotency.Outcome.PROCEED


# --- bad input never gives a 500 or a partial write ----------------------------------------------


@pytest.mark.parametrize(
    ("content", "message_start"),
    [
        (b"{", "the request body is not valid JSON"),
        (b"", "the request body is empty"),
        (b"[]", "'body' must be a JSON object"),
        (b'"text"', "'body' must be a JSON object"),
        (b"\xff\xfe", "the request body is not UTF-8 encoded JSON"),
        (b'{"a": NaN}', "the request body is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "the JSON document is nested too deeply"),
    ],
)
def test_malformed_bodies(http: httpx.Client, content: bytes, message_start: str) -> None:
    response = http.post("/v1/invoices", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"].startswith(message_start)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"invoiceDate": 20240115}, "'invoiceDate' must be a date in yyyy-mm-dd format, got 20240115"),
        ({"invoiceDate": "2024-02-30"}, "'invoiceDate' must be a date in yyyy-mm-dd format, got '2024-02-30'"),
        ({"accountId": 123}, "'accountId' must be a string, got 123"),
        ({"autoPay": "yes"}, "'autoPay' must be true or false, got 'yes'"),
        ({"invoiceItems": {"amount": 1}}, "'invoiceItems' must be a JSON array"),
    ],
)
def test_wrong_types(http: httpx.Client, patch: dict[str, Any], message: str) -> None:
    account_id = new_account(http)
    response = http.post("/v1/invoices", json={**invoice_body(account_id), **patch})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == message


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (True, "'invoiceItems[0].amount' must be a number, got a boolean"),
        ("ten", "'invoiceItems[0].amount' must be a number, got 'ten'"),
        ("1e400", "'invoiceItems[0].amount' is too large or too precise: '1e400'"),
        ("9" * 40, f"'invoiceItems[0].amount' is too large or too precise: '{'9' * 40}'"),
        (
            "99999999999999999",
            "'invoiceItems[0].amount' 99999999999999999 is outside the range allowed for an amount "
            "(at most 99999999999999.9999)",
        ),
        ("1.00001", "'invoiceItems[0].amount' 1.00001 has more than 4 decimal places"),
    ],
)
def test_bad_amounts(http: httpx.Client, amount: Any, message: str) -> None:
    account_id = new_account(http)
    body = invoice_body(account_id)
    body["invoiceItems"][0]["amount"] = amount
    response = http.post("/v1/invoices", json=body)
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == message


def test_unknown_ids_in_paths_are_404(http: httpx.Client) -> None:
    for path in ("/v1/invoices/nope", "/v1/invoices/nope/items", "/v1/transactions/invoices/accounts/nope"):
        response = http.get(path)
        assert response.status_code == 404
        assert response.json()["success"] is False
    assert http.put("/v1/invoices/nope/post", json={}).status_code == 404
    assert http.delete("/v1/invoices/nope").status_code == 404


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
invoice_like = st.fixed_dictionaries(
    {},
    optional={
        "accountId": json_values,
        "invoiceDate": json_values | st.dates().map(str),
        "invoiceItems": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "amount": json_values | st.decimals(allow_nan=False, allow_infinity=False).map(str),
                    "serviceStartDate": json_values,
                    "chargeName": json_values,
                    "taxItems": json_values,
                    "discountItems": json_values,
                },
            ),
            max_size=3,
        )
        | json_values,
        "currency": json_values,
        "status": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=invoice_like)
def test_no_input_gives_a_500(http: httpx.Client, body: dict[str, Any]) -> None:
    response = http.post("/v1/invoices", json=body)
    assert response.status_code < 500, response.text
    assert response.json()["success"] in (True, False)


def test_every_v1_answer_announces_the_concurrency_limit(http: httpx.Client) -> None:
    # The default limit is 40 requests in progress per entity; this one holds a slot: 40 - 1 = 39.
    answer = http.get("/v1/accounts/nope")
    assert answer.status_code == 404
    assert (
        answer.headers["Concurrency-Limit-Type"],
        answer.headers["Concurrency-Limit-Limit"],
        answer.headers["Concurrency-Limit-Remaining"],
    ) == ("Default", "40", "39")


def test_a_request_over_the_concurrency_limit_is_429_before_any_work(
    server: ServerThread, settings: Any, db: Database, tenant: Tenant
) -> None:
    # A limit of 2: two requests wait inside the application, the third is refused at once.
    token = bearer_token(server.url, tenant)
    inside = 0
    release = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal inside
        inside += 1
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    protocol = ZuoraProtocol(
        slow_app, settings=settings.model_copy(update={"concurrency_limit": 2}), db=db, clock=SystemClock()
    )

    async def scenario() -> tuple[list[httpx.Response], httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=protocol)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            held = [asyncio.create_task(client.get("/v1/accounts")) for _ in range(2)]
            while inside < 2:
                await asyncio.sleep(0.01)
            refused = await client.get("/v1/accounts")
            release.set()
            finished = list(await asyncio.gather(*held))
            after = await client.get("/v1/accounts")  # both slots are free again
            return finished, refused, after

    finished, refused, after = asyncio.run(scenario())
    assert [r.status_code for r in finished] == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["Concurrency-Limit-Limit"] == "2"
    assert refused.headers["Concurrency-Limit-Remaining"] == "0"
    body = refused.json()
    assert body["success"] is False
    assert body["reasons"][0]["message"] == (
        "the limit of 2 concurrent requests is reached; retry when one has finished"
    )
    assert str(body["reasons"][0]["code"]).endswith("70")  # category 70: limit exceeded
    assert inside == 3  # the two held and the one after: the refused request never reached the application
    assert after.status_code == 200 and after.headers["Concurrency-Limit-Remaining"] == "1"

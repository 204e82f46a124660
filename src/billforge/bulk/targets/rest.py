"""``--target rest:URL``: a billforge server (or anything that speaks these Zuora REST calls).

    POST /oauth/token                                  client credentials; renewed before it expires and on 401
    POST /v1/action/generate                           one call per batch, with an Idempotency-Key
    POST /v1/invoices/bulk-post                        posting (``/v1/action/update`` Status=Posted if absent)
    GET  /v1/transactions/invoices/accounts/{key}      numbers, amounts, and the reconciliation query
    GET  /v1/accounts/{number}                         account numbers to ids
    GET  /settings/billing-rules                       whether Invoice Settlement is on (if the server says)
    DELETE /v1/invoices/{id}                           drafts the Invoice Settlement rule refuses

How answers map to the runner's retry rules: a connection that was never made is ``Retryable``;
one lost after the request went out, a timeout, a 5xx, or a 409 (the first request with this
idempotency key is still running) is ``OutcomeUnknown``; 429 and REQUEST_EXCEEDED_LIMIT are
``Retryable`` after Retry-After. Every response's ``Concurrency-Limit-Limit`` header is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import quote

import httpx

from billforge.bulk.target import (
    CallRefused,
    FoundInvoice,
    Generated,
    GenerateResult,
    InvoiceRequest,
    OutcomeUnknown,
    PostResult,
    Refused,
    Retryable,
    TargetError,
)

PAGE_SIZE: Final = 40  # the largest page Zuora's invoice lists give
TOKEN_MARGIN: Final = 60.0  # renew a token this many seconds before it expires
LIMIT_CODES: Final = frozenset({"REQUEST_EXCEEDED_LIMIT"})


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number of seconds or an HTTP date), if the response has one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def announced_limit(response: httpx.Response) -> int | None:
    value = response.headers.get("Concurrency-Limit-Limit")
    if value is None:
        return None
    try:
        limit = int(value.strip())
    except ValueError:
        return None
    return limit if limit >= 1 else None


def _reasons(body: Any) -> tuple[str, str] | None:
    """(code, message) from any of Zuora's error shapes."""
    if isinstance(body, dict):
        if body.get("FaultCode"):
            return str(body["FaultCode"]), str(body.get("FaultMessage") or body["FaultCode"])
        for key in ("reasons", "Errors"):
            items = body.get(key)
            if isinstance(items, list) and items:
                codes = [str(i.get("code") or i.get("Code") or "") for i in items if isinstance(i, dict)]
                messages = [str(i.get("message") or i.get("Message") or "") for i in items if isinstance(i, dict)]
                if codes:
                    return codes[0], "; ".join(m for m in messages if m) or codes[0]
        if body.get("message"):
            return "", str(body["message"])
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _created(value: Any) -> datetime | None:
    """A timestamp with an offset; one without (Zuora's ``2017-10-20 18:50:03``) is in an unknown
    zone, so it is not used."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def found_invoice(item: dict[str, Any]) -> FoundInvoice:
    """An invoice of ``GET /v1/transactions/invoices/accounts/{key}`` (billforge's and Zuora's names)."""
    return FoundInvoice(
        invoice_id=str(item.get("id")),
        invoice_number=item.get("invoiceNumber"),
        account_id=item.get("accountId"),
        invoice_date=_date(item.get("invoiceDate")),
        target_date=_date(item.get("targetDate") or item.get("invoiceTargetDate")),
        amount=_decimal(item.get("amount")),
        status=item.get("status"),
        created=_created(item.get("createdDate")),
        includes_one_time=_bool(item.get("includesOneTime")),
        includes_recurring=_bool(item.get("includesRecurring")),
        includes_usage=_bool(item.get("includesUsage")),
    )


class RestTarget:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        entity: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._entity = entity
        self._http = client or httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout, connect=15.0))
        self._owns_http = client is None
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self._limit: int | None = None
        self._settlement: bool | None = None
        self._post_with_action = False

    @property
    def description(self) -> str:
        return f"rest:{self.base_url}"

    @property
    def unannounced_limit(self) -> int | None:
        return None

    # --- connection ---------------------------------------------------------------------------

    def open(self) -> None:
        self._renew(None)
        response = self._send("GET", "/settings/billing-rules", effect=False, allow={400, 403, 404, 405})
        if response.status_code == 200:
            body = _json(response)
            value = body.get("invoiceSettlement") if isinstance(body, dict) else None
            self._settlement = value if isinstance(value, bool) else None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def concurrency_limit(self) -> int | None:
        return self._limit

    def invoice_settlement(self) -> bool | None:
        return self._settlement

    def _renew(self, stale: str | None) -> str:
        """A valid token; a new one if the current one is ``stale`` (refused) or about to expire."""
        with self._token_lock:
            if self._token is not None and self._token != stale and time.monotonic() < self._token_expires:
                return self._token
            try:
                response = self._http.post(
                    "/oauth/token",
                    data={
                        "client_id": self._client_id,
                        "client_secret": self._client_secret,
                        "grant_type": "client_credentials",
                    },
                )
            except httpx.ConnectError as error:
                raise Retryable(f"cannot connect to {self.base_url}: {error}") from error
            except httpx.TransportError as error:
                raise Retryable(f"{self.base_url}/oauth/token: {error}") from error
            self._note_limit(response)
            if response.status_code == 429 or response.status_code >= 500:
                raise Retryable(f"/oauth/token answered {response.status_code}", retry_after=retry_after(response))
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
                reason = _reasons(body)
                detail = reason[1] if reason else response.text[:200]
                raise TargetError(f"{self.base_url} refused the OAuth client ({response.status_code}): {detail}")
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
            self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    def _note_limit(self, response: httpx.Response) -> None:
        limit = announced_limit(response)
        if limit is not None:
            self._limit = limit

    def _send(
        self,
        method: str,
        path: str,
        *,
        effect: bool,
        json: Any = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
        allow: Collection[int] = (),
    ) -> httpx.Response:
        """One request with a valid token. ``effect``: the request changes something (so a lost
        answer is an unknown outcome). Statuses in ``allow`` are returned to the caller as they are."""
        for attempt in (1, 2):
            token = self._renew(None)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if key is not None:
                headers["Idempotency-Key"] = key
            if self._entity:
                headers["Zuora-Entity-Ids"] = self._entity
            try:
                response = self._http.request(method, path, json=json, params=params, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                raise Retryable(f"cannot connect to {self.base_url}: {error}") from error
            except httpx.TransportError as error:
                if effect:
                    raise OutcomeUnknown(f"{method} {path}: the answer was lost ({error!r})") from error
                raise Retryable(f"{method} {path}: {error!r}") from error
            self._note_limit(response)
            status = response.status_code
            if status == 401 and attempt == 1:
                self._renew(token)
                continue
            if status in allow or 200 <= status < 300:
                return response
            wait = retry_after(response)
            if status == 429:
                raise Retryable(f"{method} {path}: 429 too many requests", retry_after=wait)
            if status >= 500:
                if effect:
                    raise OutcomeUnknown(f"{method} {path}: {status}", retry_after=wait)
                raise Retryable(f"{method} {path}: {status}", retry_after=wait)
            if status == 409 and key is not None:
                raise OutcomeUnknown(f"{method} {path}: the first request with this idempotency key is still running")
            reason = _reasons(_json(response))
            if reason and reason[0] in LIMIT_CODES:
                raise Retryable(f"{method} {path}: {reason[0]}: {reason[1]}", retry_after=wait)
            if status == 400 and reason:
                raise CallRefused(reason[0] or "INVALID_VALUE", reason[1])
            detail = reason[1] if reason else response.text[:200]
            raise TargetError(f"{method} {path} answered {status}: {detail}")
        raise TargetError(f"{method} {path}: the OAuth token was refused twice")

    # --- the calls ----------------------------------------------------------------------------

    def resolve_accounts(self, numbers: Sequence[str]) -> dict[str, str]:
        resolved: dict[str, str] = {}
        for number in numbers:
            response = self._send("GET", f"/v1/accounts/{quote(number, safe='')}", effect=False, allow={400, 404})
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict) or body.get("success") is False:
                continue
            info = body.get("basicInfo")
            if isinstance(info, dict) and info.get("accountNumber") == number and info.get("id"):
                resolved[number] = str(info["id"])
        return resolved

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:
        payload = {
            "type": "Invoice",
            "objects": [
                {
                    "AccountId": o.account_id,
                    "InvoiceDate": o.invoice_date.isoformat(),
                    "TargetDate": o.target_date.isoformat(),
                    "IncludesOneTime": o.includes_one_time,
                    "IncludesRecurring": o.includes_recurring,
                    "IncludesUsage": o.includes_usage,
                }
                for o in objects
            ],
        }
        response = self._send("POST", "/v1/action/generate", effect=True, json=payload, key=key)
        body = _json(response)
        if not isinstance(body, list) or len(body) != len(objects):
            raise OutcomeUnknown(f"/v1/action/generate answered something else than {len(objects)} results")
        results: list[GenerateResult] = []
        for item in body:
            if isinstance(item, dict) and item.get("Success") is True and item.get("Id"):
                results.append(Generated(str(item["Id"])))
            else:
                reason = _reasons(item) or ("UNKNOWN_ERROR", "the target refused the object without a reason")
                results.append(Refused(reason[0] or "UNKNOWN_ERROR", reason[1]))
        return results

    def post(self, invoice_ids: Sequence[str], *, key: str) -> list[PostResult]:
        if not self._post_with_action:
            payload = {"invoices": [{"id": i} for i in invoice_ids]}
            response = self._send("POST", "/v1/invoices/bulk-post", effect=True, json=payload, key=key, allow={404})
            if response.status_code != 404:
                return self._bulk_post_results(response, len(invoice_ids))
            self._post_with_action = True  # an older server: post through the update action
        payload_action = {"type": "Invoice", "objects": [{"Id": i, "Status": "Posted"} for i in invoice_ids]}
        response = self._send("POST", "/v1/action/update", effect=True, json=payload_action, key=key)
        body = _json(response)
        if not isinstance(body, list) or len(body) != len(invoice_ids):
            raise OutcomeUnknown(f"/v1/action/update answered something else than {len(invoice_ids)} results")
        return [None if isinstance(i, dict) and i.get("Success") is True else _refused(i) for i in body]

    def _bulk_post_results(self, response: httpx.Response, count: int) -> list[PostResult]:
        body = _json(response)
        entries = body.get("invoices") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            reason = _reasons(body)
            if reason and isinstance(body, dict) and body.get("success") is False:
                raise CallRefused(reason[0] or "INVALID_VALUE", reason[1])
            raise OutcomeUnknown("/v1/invoices/bulk-post answered without an invoices list")
        if len(entries) != count:
            raise OutcomeUnknown(f"/v1/invoices/bulk-post answered {len(entries)} results for {count} invoices")
        return [None if isinstance(e, dict) and e.get("success") is True else _refused(e) for e in entries]

    def find_invoices(
        self, account_id: str, *, target_dates: Collection[date] = (), ids: Collection[str] = ()
    ) -> list[FoundInvoice]:
        wanted_dates = set(target_dates)
        wanted_ids = set(ids)
        found: list[FoundInvoice] = []
        page = 1
        while True:
            response = self._send(
                "GET",
                f"/v1/transactions/invoices/accounts/{quote(account_id, safe='')}",
                effect=False,
                params={"page": page, "pageSize": PAGE_SIZE},
            )
            body = _json(response)
            items = body.get("invoices") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise Retryable("the account's invoice list came back without invoices")
            for item in items:
                if not isinstance(item, dict):
                    continue
                invoice = found_invoice(item)
                if invoice.invoice_id in wanted_ids or (invoice.target_date in wanted_dates):
                    found.append(invoice)
            if not wanted_dates and wanted_ids <= {f.invoice_id for f in found}:
                break
            if not (isinstance(body, dict) and body.get("nextPage")) or not items:
                break
            page += 1
        return found

    def discard(self, invoice_ids: Sequence[str]) -> None:
        for invoice_id in invoice_ids:
            try:
                self._send("DELETE", f"/v1/invoices/{quote(invoice_id, safe='')}", effect=True)
            except CallRefused as refused:
                raise TargetError(f"{refused.code}: {refused.message}") from refused


def _refused(item: Any) -> Refused:
    reason = _reasons(item) or ("UNKNOWN_ERROR", "the target refused the invoice without a reason")
    return Refused(reason[0] or "UNKNOWN_ERROR", reason[1])


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None

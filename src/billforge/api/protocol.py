"""Zuora's request and response headers, as one ASGI middleware.

For every request: a ``Zuora-Request-Id`` on the response; ``Zuora-Track-Id`` checked and echoed
(errors included); a gzip request body (``Content-Encoding: gzip``) inflated, with a size limit.
For the API paths (``/v1``, ``/settings``, ``/bulk``): a valid bearer token, the entity chosen by
``Zuora-Entity-Ids``, and ``Idempotency-Key`` handling on POST and PATCH. Gzip responses are a
separate middleware (Starlette's, at 1001 bytes and over).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from billforge.api import jsonio
from billforge.api.errors import Family, family_of, render
from billforge.config import Settings
from billforge.db.session import Database
from billforge.errors import (
    AuthenticationFailed,
    BillforgeError,
    InternalError,
    InvalidValue,
    LimitExceeded,
    LockContention,
    MissingValue,
    PermissionDenied,
    RateLimited,
    RuleRestriction,
)
from billforge.services import idempotency, tenancy
from billforge.services.context import Clock, Context
from billforge.soap import endpoint as soap_endpoint
from billforge.soap.envelope import CONTENT_TYPE as SOAP_CONTENT_TYPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger(__name__)

API_PREFIXES = ("/v1/", "/settings/", "/bulk/")
SOAP_PREFIX = "/apps/services/"
TRACK_ID_MAX = 64
TRACK_ID_FORBIDDEN = frozenset(":;\"'")
IDEMPOTENCY_KEY_MAX = 255


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/v1", "/bulk/tasks")


def check_track_id(value: str) -> str | None:
    """The reason a ``Zuora-Track-Id`` is refused, or None when it is acceptable."""
    if len(value) > TRACK_ID_MAX:
        return f"Zuora-Track-Id must be at most {TRACK_ID_MAX} characters"
    if not value.isascii() or any(not (32 <= ord(c) < 127) for c in value):
        return "Zuora-Track-Id must use printable US-ASCII characters"
    if any(c in TRACK_ID_FORBIDDEN for c in value):
        return "Zuora-Track-Id must not contain a colon, semicolon, double quote or quote"
    return None


@dataclass
class TokenCache:
    """Recently seen bearer tokens, so that most requests need no database lookup."""

    capacity: int = 10_000
    entries: OrderedDict[str, tenancy.Principal] = field(default_factory=OrderedDict)

    def get(self, token: str) -> tenancy.Principal | None:
        principal = self.entries.get(token)
        if principal is not None:
            self.entries.move_to_end(token)
        return principal

    def put(self, token: str, principal: tenancy.Principal) -> None:
        self.entries[token] = principal
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)


class ConcurrencyLimited(RateLimited):
    """An entity's requests in progress are at the limit: 429 with the limit's headers."""

    def __init__(self, message: str, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__(message)
        self.headers = headers


@dataclass
class ConcurrencyLimit:
    """Zuora's concurrent-request limit, per entity and per ``serve`` process: each ``/v1`` answer
    carries ``Concurrency-Limit-Type``, ``-Limit`` and ``-Remaining`` (the official SDK reads them,
    and the bulk generator caps its threads at the limit); a request over it is answered 429
    ``REQUEST_EXCEEDED_LIMIT`` before any work. The event loop runs one request's bookkeeping at a
    time, so plain counters suffice."""

    limit: int
    in_progress: dict[str, int] = field(default_factory=dict)

    def _headers(self, remaining: int) -> list[tuple[bytes, bytes]]:
        return [
            (b"concurrency-limit-type", b"Default"),
            (b"concurrency-limit-limit", str(self.limit).encode()),
            (b"concurrency-limit-remaining", str(max(remaining, 0)).encode()),
        ]

    def enter(self, entity_id: str) -> list[tuple[bytes, bytes]]:
        running = self.in_progress.get(entity_id, 0)
        if running >= self.limit:
            raise ConcurrencyLimited(
                f"the limit of {self.limit} concurrent requests is reached; retry when one has finished",
                self._headers(0),
            )
        self.in_progress[entity_id] = running + 1
        return self._headers(self.limit - running - 1)

    def leave(self, entity_id: str) -> None:
        running = self.in_progress.get(entity_id, 0) - 1
        if running > 0:
            self.in_progress[entity_id] = running
        else:
            self.in_progress.pop(entity_id, None)


class ZuoraProtocol:
    def __init__(self, app: ASGIApp, *, settings: Settings, db: Database, clock: Clock) -> None:
        self.app = app
        self.settings = settings
        self.db = db
        self.clock = clock
        self.tokens = TokenCache()
        self.concurrency = ConcurrencyLimit(settings.concurrency_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        headers = Headers(scope=scope)
        path: str = scope["path"]
        family = family_of(path)
        extra: list[tuple[bytes, bytes]] = [(b"zuora-request-id", request_id.encode())]
        scope.setdefault("state", {})["request_id"] = request_id

        track_id = headers.get("zuora-track-id")
        if track_id is not None:
            problem = check_track_id(track_id)
            if problem is None:
                extra.append((b"zuora-track-id", track_id.encode()))
            elif track_id.isascii() and not any(c in "\r\n" for c in track_id):
                extra.append((b"zuora-track-id", track_id.encode("latin-1")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        entered: str | None = None  # the entity whose concurrent-request slot this request holds
        try:
            try:
                if track_id is not None and (problem := check_track_id(track_id)) is not None:
                    raise InvalidValue(problem, field="Zuora-Track-Id")
                body = await self._read_body(receive, headers)
                if is_api_path(path):
                    ctx = await self._authenticate(headers)
                    scope["state"]["ctx"] = ctx
                    extra.extend(self.concurrency.enter(ctx.entity_id))
                    entered = ctx.entity_id
                    key = headers.get("idempotency-key")
                    if key is not None and scope["method"] in ("POST", "PATCH"):
                        await self._idempotent(scope, receive, body, key, ctx, send_with_headers)
                        return
            except BillforgeError as error:
                if path.startswith(SOAP_PREFIX):
                    await _send_raw(
                        send_with_headers,
                        soap_endpoint.FAULT_STATUS,
                        soap_endpoint.fault_body(error),
                        SOAP_CONTENT_TYPE,
                    )
                else:
                    if isinstance(error, ConcurrencyLimited):
                        extra.extend(error.headers)
                    await _send_error(send_with_headers, error, family, request_id)
                return
            await _run_guarded(self.app, scope, _replay_body(body, receive), send_with_headers, family, request_id)
        finally:
            if entered is not None:
                self.concurrency.leave(entered)

    async def _read_body(self, receive: Receive, headers: Headers) -> bytes:
        limit = self.settings.max_request_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise LimitExceeded(f"the request body is larger than {limit} bytes", field="body")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding == "gzip" and body:
            body = _gunzip(body, limit)
        elif encoding not in ("", "identity", "gzip"):
            raise InvalidValue(f"Content-Encoding {encoding!r} is not supported; use gzip", field="Content-Encoding")
        return body

    async def _authenticate(self, headers: Headers) -> Context:
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("Authentication error: a bearer token is required (Authorization: Bearer ...)")
        token = token.strip()
        principal = self.tokens.get(token)
        now = self.clock.now()
        if principal is None or principal.expires_at <= now:
            principal = await run_in_threadpool(tenancy.authenticate_token, db=self.db, clock=self.clock, token=token)
            self.tokens.put(token, principal)
        entity_id = self._choose_entity(principal, headers.get("zuora-entity-ids"))
        return Context(entity_id=entity_id, actor_id=principal.client_id, clock=self.clock)

    @staticmethod
    def _choose_entity(principal: tenancy.Principal, header: str | None) -> str:
        if header is None or not header.strip():
            if len(principal.entity_ids) == 1:
                return principal.entity_ids[0]
            raise MissingValue(
                "Zuora-Entity-Ids is required: this client may act in several entities", field="Zuora-Entity-Ids"
            )
        wanted = [part.strip() for part in header.split(",") if part.strip()]
        if len(wanted) != 1:
            raise InvalidValue("Zuora-Entity-Ids must name exactly one entity", field="Zuora-Entity-Ids")
        if wanted[0] not in principal.entity_ids:
            raise PermissionDenied(
                f"this client has no access to entity {wanted[0]!r} named in Zuora-Entity-Ids",
                field="Zuora-Entity-Ids",
            )
        return wanted[0]

    async def _idempotent(
        self, scope: Scope, receive: Receive, body: bytes, key: str, ctx: Context, send: Send
    ) -> None:
        if not key or len(key) > IDEMPOTENCY_KEY_MAX:
            raise InvalidValue(
                f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters", field="Idempotency-Key"
            )
        path = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
        request = idempotency.Request(
            key=key,
            client_id=ctx.actor_id,
            entity_id=ctx.entity_id,
            method=scope["method"],
            path=path,
            request_hash=hashlib.sha256(body).hexdigest(),
        )
        ttl = timedelta(seconds=self.settings.idempotency_ttl_seconds)
        claim = await run_in_threadpool(idempotency.claim, db=self.db, request=request, now=ctx.now(), ttl=ttl)
        if claim.outcome is idempotency.Outcome.MISMATCH:
            raise _IdempotencyMismatch(
                "Idempotency-Key was already used with a different request (body, path, method or entity)",
                field="Idempotency-Key",
            )
        if claim.outcome is idempotency.Outcome.RUNNING:
            raise LockContention(
                "a request with this Idempotency-Key is still being processed; retry later", field="Idempotency-Key"
            )
        if claim.outcome is idempotency.Outcome.REPLAY:
            await _send_raw(send, claim.status or 200, claim.body or b"", claim.content_type)
            return
        captured = _Captured()

        async def capture(message: Message) -> None:
            captured.observe(message)

        try:
            await _run_guarded(
                self.app,
                scope,
                _replay_body(body, receive),
                capture,
                family_of(scope["path"]),
                scope["state"]["request_id"],
            )
        except BaseException:
            await run_in_threadpool(idempotency.release, db=self.db, key=key)
            raise
        # Store the answer before anyone sees it: a retry arriving right after the client got the
        # first answer must find it stored (replay), not still running (409).
        await run_in_threadpool(
            idempotency.finish,
            db=self.db,
            key=key,
            status=captured.status,
            body=b"".join(captured.chunks),
            content_type=captured.content_type,
        )
        for message in captured.messages:
            await send(message)


class _IdempotencyMismatch(RuleRestriction):
    """Answered with 422, as Zuora does."""


@dataclass
class _Captured:
    status: int = 500
    content_type: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def observe(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))


def _gunzip(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise InvalidValue("the request body is not valid gzip data", field="Content-Encoding") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise LimitExceeded(f"the inflated request body is larger than {limit} bytes", field="body")
    return out


def _replay_body(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body already read; after it, pass through to the connection (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _run_guarded(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, family: Family, request_id: str
) -> None:
    """Run the app; an unexpected exception becomes a 500 in the family's shape, never a bare page."""
    started = False

    async def watch(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, watch)
    except Exception:
        logger.exception("unexpected error serving %s %s (request %s)", scope["method"], scope["path"], request_id)
        if started:
            raise
        error = InternalError(f"an unexpected error occurred; quote request id {request_id} when reporting it")
        await _send_error(send, error, family, request_id)


async def _send_raw(send: Send, status: int, body: bytes, content_type: str | None) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_error(send: Send, error: BillforgeError, family: Family, request_id: str) -> None:
    status = 422 if isinstance(error, _IdempotencyMismatch) else None
    status, payload = render(error, family, request_id, status)
    await _send_raw(send, status, jsonio.dumps(payload), "application/json")

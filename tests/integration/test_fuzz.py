"""No input of any kind gives a 500: random JSON bodies, wrong types and huge values sent to
every documented endpoint that takes a body (read from /openapi.json)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ServerThread

SKIP = {"/oauth/token"}  # form-encoded; covered in test_protocol


def _endpoints(server: ServerThread) -> list[tuple[str, str, dict[str, Any]]]:
    document = httpx.get(f"{server.url}/openapi.json").json()
    found = []
    for path, operations in document["paths"].items():
        if path in SKIP:
            continue
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                found.append((method, path, content["application/json"].get("schema", {})))
    return found


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    ref = schema.get("$ref", "")
    if ref:
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    return list(schema.get("properties", {}))


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "2024-02-30", "9" * 60, "-1", "1e9999", "\x00", "null", "NaN", "2024-01-01", "A" * 300])
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0" * 32, path)


@pytest.fixture(scope="module")
def endpoints(server: ServerThread) -> list[tuple[str, str, list[str]]]:
    document = httpx.get(f"{server.url}/openapi.json").json()
    components = document.get("components", {}).get("schemas", {})
    return [(m, p, _fields(s, components)) for m, p, s in _endpoints(server)]


def test_there_are_many_endpoints_to_fuzz(endpoints: list[tuple[str, str, list[str]]]) -> None:
    assert len(endpoints) >= 30


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bodies_never_give_a_500(
    http: httpx.Client, endpoints: list[tuple[str, str, list[str]]], data: st.DataObject
) -> None:
    method, path, fields = data.draw(st.sampled_from(endpoints))
    if fields and data.draw(st.booleans()):
        # A body shaped like the request, with hostile values in its real field names.
        body: Any = data.draw(st.dictionaries(st.sampled_from(fields), values, max_size=len(fields)))
    else:
        body = data.draw(values)
    response = http.request(method.upper(), _fill(path), json=_jsonable(body))
    assert response.status_code < 500, f"{method.upper()} {path} {body!r}: {response.text[:500]}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value

"""``/v1/action/*`` on the wire: the request envelopes and the answers (``SaveResult``,
``DeleteResult``, query results). The zObjects inside a create or update are read by
``objects.inputs`` (shared with the SOAP door).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import Field

from billforge.api.validation import ZBool, ZInt, ZStr, ZuoraModel
from billforge.services.queries import QueryResult

# --- envelopes ------------------------------------------------------------------------------------


class QueryConf(ZuoraModel):
    """``conf`` of query and queryMore (``QueryOptions`` in SOAP)."""

    batch_size: ZInt | None = Field(default=None, alias="batchSize")
    case_sensitive: ZBool | None = Field(default=None, alias="caseSensitive")


class QueryRequest(ZuoraModel):
    """``ProxyActionqueryRequest``."""

    query_string: Annotated[ZStr, Field(min_length=1)] = Field(alias="queryString")
    conf: QueryConf | None = None


class QueryMoreRequest(ZuoraModel):
    """``ProxyActionqueryMoreRequest``."""

    query_locator: Annotated[ZStr, Field(min_length=1)] = Field(alias="queryLocator")
    conf: QueryConf | None = None


class CreateRequest(ZuoraModel):
    """``ProxyActioncreateRequest``: zObjects of one ``type``."""

    objects: list[dict[str, Any]]
    type: ZStr


class UpdateRequest(ZuoraModel):
    """``ProxyActionupdateRequest``: zObjects of one ``type``, each with its ``Id``."""

    objects: list[dict[str, Any]]
    type: ZStr


class DeleteRequest(ZuoraModel):
    """``ProxyActiondeleteRequest``."""

    ids: list[ZStr]
    type: ZStr


ENVELOPE_FIELDS: Final = {
    "query": frozenset({"queryString", "conf"}),
    "queryMore": frozenset({"queryLocator", "conf"}),
    "create": frozenset({"objects", "type"}),
    "update": frozenset({"objects", "type"}),
    "delete": frozenset({"ids", "type"}),
}
CONF_FIELDS: Final = frozenset({"batchSize", "caseSensitive"})


def save_result(result: Any) -> dict[str, Any]:
    """A ``SaveResult`` as JSON: ``{"Success", "Id"}`` or ``{"Success": false, "Errors": [...]}``."""
    body: dict[str, Any] = {"Success": result.success}
    if result.id is not None:
        body["Id"] = result.id
    if not result.success:
        body["Errors"] = [{"Code": e.code.value, "Message": e.message} for e in result.errors]
    return body


def delete_result(result: Any) -> dict[str, Any]:
    """A ``DeleteResult`` as JSON: lower-case keys, the errors' ``Code``/``Message`` as in SaveResult."""
    body: dict[str, Any] = {"id": result.id, "success": result.success}
    if not result.success:
        body["errors"] = [{"Code": e.code.value, "Message": e.message} for e in result.errors]
    return body


def wire_value(value: Any) -> Any:
    """A record's value as JSON gives it: dates ``YYYY-MM-DD``, timestamps ISO 8601 with the
    tenant's offset (seconds), decimals as numbers (``jsonio``), the rest as is."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def query_body(result: QueryResult) -> dict[str, Any]:
    """``ProxyActionqueryResponse``: ``queryLocator`` only while there is more to read."""
    body: dict[str, Any] = {
        "records": [{name: wire_value(value) for name, value in record.items()} for record in result.records],
        "size": result.size,
        "done": result.done,
    }
    if result.query_locator is not None:
        body["queryLocator"] = result.query_locator
    return body

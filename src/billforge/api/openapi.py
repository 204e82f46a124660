"""OpenAPI for endpoints that read their own bodies (to answer in Zuora's error shapes).

Routes declare their request model with ``openapi_extra=request_body(Model)``; ``install``
puts every such model's JSON schema, with Zuora's field names, into ``components/schemas``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

_MODELS: dict[str, type[BaseModel]] = {}
REF = "#/components/schemas/{model}"


def request_body(model: type[BaseModel], *, content_type: str = "application/json") -> dict[str, Any]:
    _MODELS[model.__name__] = model
    return {
        "requestBody": {
            "required": True,
            "content": {content_type: {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }
    }


def install(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, defs = models_json_schema([(m, "validation") for m in _MODELS.values()], by_alias=True, ref_template=REF)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]

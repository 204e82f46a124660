"""Zuora's objects as billforge reads them: PascalCase fields (the WSDL names), custom fields
(``*__c``) always known, and the fields an object knows but billforge keeps verbatim
(``PASSTHROUGH``: NetSuite ``*__NS`` fields, revenue settings, ...)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_pascal

from billforge.objects.fields import ZuoraModel


class ObjectModel(ZuoraModel):
    """A zObject as a request body. ``PASSTHROUGH`` names the Zuora fields the object knows
    but billforge keeps verbatim (NetSuite ``*__NS`` fields, revenue settings, ...)."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=False)

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset()

    def kept_fields(self) -> dict[str, Any]:
        """Custom fields and passthrough fields, as sent (for an ``extra`` column)."""
        return {
            name: value
            for name, value in (self.model_extra or {}).items()
            if name.endswith("__c") or name in self.PASSTHROUGH
        }


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models inside a field's annotation (``X | None``, ``list[X]``, ``Annotated``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        return [m for arg in typing.get_args(annotation) for m in _nested_models(arg)]
    return []


def unrecognised_fields(model: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """Paths of the fields in ``data`` that ``model`` does not know, nested objects included."""
    if isinstance(data, list):
        return [name for i, item in enumerate(data) for name in unrecognised_fields(model, item, f"{path}[{i}]")]
    if not isinstance(data, dict):
        return []
    by_alias = {(info.alias or name): info for name, info in model.model_fields.items()}
    passthrough: frozenset[str] = getattr(model, "PASSTHROUGH", frozenset())
    found: list[str] = []
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        info = by_alias.get(key)
        if info is None:
            if not (str(key).endswith("__c") or key in passthrough):
                found.append(where)
            continue
        for nested in _nested_models(info.annotation):
            found += unrecognised_fields(nested, value, where)
    return found


def sent_fields(model: BaseModel, names: Mapping[str, str]) -> dict[str, Any]:
    """The fields the client sent (even as null), renamed by ``names`` (model field -> input field)."""
    declared = type(model).model_fields
    return {names.get(name, name): getattr(model, name) for name in model.model_fields_set if name in declared}

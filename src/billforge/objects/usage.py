"""The Usage zObject (PascalCase), as the Object API (``/v1/object/usage``), ``/v1/action/create|update``
and SOAP read it, turned into the usage service's inputs."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.objects.fields import ZDecimal, ZStr
from billforge.objects.model import ObjectModel
from billforge.services.usage import UsageChanges, UsageInput

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _as_datetime(value: Any) -> datetime:
    """``YYYY-MM-DD``, or a timestamp with an optional offset (the SDK sends ``isoformat()``)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a wall-clock date
    if isinstance(value, str) and _TIMESTAMP.match(value.strip()):
        text = value.strip().replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise PydanticCustomError(
        "bf_datetime",
        "must be a date-time such as 2024-01-15T10:30:00 or 2024-01-15, got {value}",
        {"value": repr(value)},
    )


ZDateTime = Annotated[datetime, BeforeValidator(_as_datetime)]
Text32 = Annotated[ZStr, Field(max_length=32)]


class CreateUsageRequest(ObjectModel):
    """``CreateUsageRequest``; the service says which fields are required."""

    account_id: Text32 | None = None
    account_number: Annotated[ZStr, Field(max_length=70)] | None = None
    subscription_id: Text32 | None = None
    subscription_number: Annotated[ZStr, Field(max_length=100)] | None = None
    charge_id: Text32 | None = None
    charge_number: Annotated[ZStr, Field(max_length=50)] | None = None
    start_date_time: ZDateTime | None = None
    end_date_time: ZDateTime | None = None
    uom: ZStr | None = Field(default=None, alias="UOM")
    quantity: ZDecimal | None = None
    description: Annotated[ZStr, Field(max_length=200)] | None = None

    def to_input(self) -> UsageInput:
        return UsageInput(
            start_date_time=self.start_date_time,
            uom=self.uom,
            quantity=self.quantity,
            account_id=self.account_id,
            account_number=self.account_number,
            subscription_id=self.subscription_id,
            subscription_number=self.subscription_number,
            charge_id=self.charge_id,
            charge_number=self.charge_number,
            end_date_time=self.end_date_time,
            description=self.description,
            extra=self.kept_fields(),
        )


class UpdateUsageRequest(ObjectModel):
    """``UpdateUsageRequest``: only these fields change; ``RbeStatus`` is computed, never set."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset({"RbeStatus"})

    start_date_time: ZDateTime | None = None
    end_date_time: ZDateTime | None = None
    uom: ZStr | None = Field(default=None, alias="UOM")
    quantity: ZDecimal | None = None
    description: Annotated[ZStr, Field(max_length=200)] | None = None

    def to_changes(self) -> UsageChanges:
        return UsageChanges(
            start_date_time=self.start_date_time,
            end_date_time=self.end_date_time,
            uom=self.uom,
            quantity=self.quantity,
            description=self.description,
        )

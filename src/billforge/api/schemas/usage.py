"""The Usage object (``/v1/object/usage``, PascalCase) and usage imports (``POST /v1/usage``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from billforge.api.object_api import ObjectModel
from billforge.api.validation import ZDecimal, ZStr
from billforge.services.usage import ImportView, UsageChanges, UsageInput, UsageView

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


def _n(value: Decimal) -> Decimal:
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _wall(value: datetime | None, zone: ZoneInfo) -> str | None:
    """A stored wall-clock time with the tenant's offset, as Zuora's object API shows it."""
    return value.replace(tzinfo=zone).isoformat(timespec="milliseconds") if value is not None else None


def _ts(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="milliseconds") if value is not None else None


def usage_record(view: UsageView) -> dict[str, Any]:
    row = view.row
    zone = ZoneInfo(view.time_zone)
    return {
        "Id": row.id,
        "AccountId": row.account_id,
        "AccountNumber": view.account_number,
        "SubscriptionId": row.subscription_id,
        "SubscriptionNumber": view.subscription_number,
        "ChargeId": row.charge_id,
        "ChargeNumber": view.charge_number,
        "StartDateTime": _wall(row.start_date_time, zone),
        "EndDateTime": _wall(row.end_date_time, zone),
        "UOM": row.uom,
        "Quantity": _n(row.quantity),
        "SourceType": row.source_type,
        "RbeStatus": "Processed" if view.invoice_id else "Pending",
        "Description": row.description,
        "ImportId": row.import_id,
        "InvoiceId": view.invoice_id,
        "InvoiceNumber": view.invoice_number,
        "SubmissionDateTime": _ts(row.created_at, zone),
        "CreatedById": row.created_by_id,
        "CreatedDate": _ts(row.created_at, zone),
        "UpdatedById": row.updated_by_id,
        "UpdatedDate": _ts(row.updated_at, zone),
        **(row.extra or {}),
    }


def check_import_status(import_id: str) -> str:
    """The status path an upload answers with (Zuora's ``/v1/usage/{import-id}/status``)."""
    return f"/v1/usage/{import_id}/status"


def import_status(view: ImportView) -> dict[str, Any]:
    row = view.row
    zone = ZoneInfo(view.time_zone)
    return {
        "id": row.id,
        "importStatus": row.status,
        "message": row.message,
        "fileName": row.file_name,
        "size": row.size,
        "importedCount": row.record_count,
        "createdDate": _ts(row.created_at, zone),
    }

"""The Usage object as the REST door answers it (``GET /v1/object/usage/{id}``, PascalCase) and usage
imports (``POST /v1/usage``). The Usage zObject's request bodies are ``objects.usage``'s."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from billforge.services.usage import ImportView, UsageView


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

"""Usage: the Usage object (``/v1/object/usage``) and usage file imports (``POST /v1/usage`` with a
multipart part ``file``, then ``GET /v1/usage/{import-id}/status``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from billforge.api.deps import ZuoraJSON, call, context, database, success
from billforge.api.object_api import ObjectRoute, deleted, read_object, record, saved
from billforge.api.openapi import request_body
from billforge.api.schemas.usage import check_import_status, import_status, usage_record
from billforge.errors import InvalidValue, MissingValue
from billforge.objects.usage import CreateUsageRequest, UpdateUsageRequest
from billforge.services import usage

objects = APIRouter(tags=["Usage (Object API)"], route_class=ObjectRoute)
imports = APIRouter(tags=["Usage"])

USAGE = "/v1/object/usage"


@objects.post(USAGE, response_class=ZuoraJSON, openapi_extra=request_body(CreateUsageRequest))
async def create_usage(request: Request) -> ZuoraJSON:
    data = await read_object(request, CreateUsageRequest, obj=usage.OBJ)
    return saved(await call(usage.create_usage, db=database(request), ctx=context(request), data=data.to_input()))


@objects.get(USAGE + "/{object_id}", response_class=ZuoraJSON)
async def get_usage(request: Request, object_id: str) -> ZuoraJSON:
    view = await call(usage.get_usage, db=database(request), ctx=context(request), usage_id=object_id)
    return record(request, usage_record(view))


@objects.put(USAGE + "/{object_id}", response_class=ZuoraJSON, openapi_extra=request_body(UpdateUsageRequest))
async def update_usage(request: Request, object_id: str) -> ZuoraJSON:
    data = await read_object(request, UpdateUsageRequest, obj=usage.OBJ)
    return saved(
        await call(
            usage.update_usage,
            db=database(request),
            ctx=context(request),
            usage_id=object_id,
            changes=data.to_changes(),
        )
    )


@objects.delete(USAGE + "/{object_id}", response_class=ZuoraJSON)
async def delete_usage(request: Request, object_id: str) -> ZuoraJSON:
    await call(usage.delete_usage, db=database(request), ctx=context(request), usage_id=object_id)
    return deleted(object_id)


# Zuora's ``UploadUsageFile``: a multipart body whose part ``file`` is the usage CSV.
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "the usage CSV"}},
                }
            }
        },
    }
}


@imports.post("/v1/usage", response_class=ZuoraJSON, openapi_extra=_UPLOAD_BODY)
async def upload_usage(request: Request) -> ZuoraJSON:
    """Import a usage CSV file (Zuora's usage template); answers ``UploadUsageFileResponse``."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidValue(
            f"the usage file must be sent as multipart/form-data with a part named 'file', not {content_type!r}",
            field="file",
            obj=usage.OBJ,
        )
    form = await request.form()
    part = form.get("file")
    if not isinstance(part, UploadFile):
        raise MissingValue("the multipart part 'file' with the usage CSV file is required", field="file", obj=usage.OBJ)
    content = await part.read()
    view = await call(
        usage.upload_usage, db=database(request), ctx=context(request), file_name=part.filename, content=content
    )
    return ZuoraJSON(success(request, {"checkImportStatus": check_import_status(view.row.id), "size": view.row.size}))


@imports.get("/v1/usage/{import_id}/status", response_class=ZuoraJSON)
async def get_import_status(request: Request, import_id: str) -> ZuoraJSON:
    view = await call(usage.get_import, db=database(request), ctx=context(request), import_id=import_id)
    return ZuoraJSON(success(request, import_status(view)))


router = APIRouter()
router.include_router(objects)
router.include_router(imports)

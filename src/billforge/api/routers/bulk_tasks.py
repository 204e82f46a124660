"""Server-side bulk tasks (the Invoice API Generator run by ``billforge serve``), bearer auth as ``/v1``.

- ``POST /bulk/tasks`` (multipart/form-data): ``file`` (the CSV), ``name``, and optionally
  ``target`` (``local``, the default; ``rest:URL``; ``soap:URL``) with its login (``clientId`` and
  ``clientSecret`` for rest:, ``username`` and ``password`` for soap:) or ``targetLogin`` (a saved
  login's id), ``dateFormat`` (yyyy-MM-dd), ``maxThreads`` (1), ``maxZObjects`` (50), ``version``
  (this build). Answers the task, queued.
- ``GET /bulk/tasks`` (``page``, ``pageSize``), newest first; ``GET /bulk/tasks/{task-id}``: status
  (queued, running, succeeded, failed, canceled), row counts, timings.
- ``GET /bulk/tasks/{task-id}/results``: the results CSV; ``POST /bulk/tasks/{task-id}/cancel``.
- ``GET /bulk/template``: the CSV template.
- ``GET|POST /bulk/logins``, ``DELETE /bulk/logins/{login-id}``: saved rest:/soap: logins.

No answer ever carries a password or client secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, settings, success
from billforge.api.openapi import request_body
from billforge.api.validation import ZStr, ZuoraModel, unknown_fields, validate
from billforge.bulk.template import template_csv
from billforge.errors import BillforgeError, ErrorList, InvalidValue, UnknownField
from billforge.services import bulk_tasks
from billforge.services.bulk_tasks import Keyring, LoginView, NewTask, TaskView

router = APIRouter(tags=["Bulk tasks (Invoice API Generator)"])

TEMPLATE_NAME: Final = "invoice-api-generator-template.csv"
FORM_FIELDS: Final = (
    "name",
    "version",
    "target",
    "targetLogin",
    "dateFormat",
    "maxThreads",
    "maxZObjects",
    "file",
    "clientId",
    "clientSecret",
    "username",
    "password",
)


def _stamp(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def task_answer(task: TaskView, now: datetime) -> dict[str, Any]:
    """A task as ``/bulk/tasks`` answers it (and the web page polls it)."""
    zone = ZoneInfo(task.time_zone)
    login = {"id": task.target_login_id, "name": task.target_login_name} if task.target_login_id else None
    return {
        "id": task.id,
        "name": task.name,
        "version": task.version,
        "target": task.target,
        "targetLogin": login,
        "targetUser": task.target_principal,
        "dateFormat": task.date_format,
        "maxThreads": task.max_threads,
        "maxZObjects": task.max_zobjects,
        "fileName": task.file_name,
        "status": task.status,
        "cancelRequested": task.cancel_requested,
        "rows": {
            "total": task.rows_total,
            "done": task.rows_done,
            "succeeded": task.rows_succeeded,
            "failed": task.rows_failed,
            "skipped": task.rows_skipped,
            "posted": task.rows_posted,
        },
        "createdDate": _stamp(task.created_at, zone),
        "updatedDate": _stamp(task.updated_at, zone),
        "startedDate": _stamp(task.started_at, zone),
        "finishedDate": _stamp(task.finished_at, zone),
        "elapsedSeconds": _round(task.elapsed(now), 1),
        "rowsPerSecond": _round(task.rate(now), 1),
        "etaSeconds": _round(task.eta(now), 0),
        "message": task.message,
        "notes": list(task.notes),
        "resultsUrl": f"/bulk/tasks/{task.id}/results" if task.has_results else None,
    }


def login_answer(login: LoginView) -> dict[str, Any]:
    return {
        "id": login.id,
        "name": login.name,
        "target": login.target,
        "user": login.principal,
        "createdDate": login.created_at.isoformat(timespec="seconds"),
    }


def keyring(request: Request) -> Keyring | None:
    return Keyring.of(settings(request).secret_key)


def _int(value: str | None, field: str, problems: list[BillforgeError]) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not (text.isdigit() or (text[0] in "+-" and text[1:].isdigit())) or len(text) > 9:
        problems.append(InvalidValue(f"'{field}' must be a whole number, got {value[:20]!r}", field=field))
        return None
    return int(text)


async def read_new_task(request: Request) -> NewTask:
    """The multipart form of ``POST /bulk/tasks`` (and of the web page's New Task)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidValue(
            f"a bulk task is sent as multipart/form-data with the CSV in a part named 'file', not {content_type!r}",
            field="file",
        )
    form = await request.form()
    problems: list[BillforgeError] = []
    texts: dict[str, str] = {}
    upload: UploadFile | None = None
    for key, value in form.multi_items():
        if key not in FORM_FIELDS:
            problems.append(
                UnknownField(f"'{key}' is not a field of a bulk task (fields: {', '.join(FORM_FIELDS)})", field=key)
            )
        elif key in texts or (key == "file" and upload is not None):
            problems.append(InvalidValue(f"'{key}' is given more than once", field=key))
        elif key == "file":
            if isinstance(value, UploadFile):
                upload = value
            else:
                problems.append(InvalidValue("'file' must be a file part (the CSV), not a text field", field="file"))
        elif isinstance(value, UploadFile):
            problems.append(InvalidValue(f"'{key}' must be a text field, not a file", field=key))
        else:
            texts[key] = value
    threads = _int(texts.get("maxThreads"), "maxThreads", problems)
    zobjects = _int(texts.get("maxZObjects"), "maxZObjects", problems)
    if problems:
        raise problems[0] if len(problems) == 1 else ErrorList(problems)
    content = await upload.read() if upload is not None else None
    return NewTask(
        name=texts.get("name"),
        file_name=upload.filename if upload is not None else None,
        content=content,
        target=texts.get("target"),
        login_id=texts.get("targetLogin") or None,
        client_id=texts.get("clientId"),
        client_secret=texts.get("clientSecret"),
        username=texts.get("username"),
        password=texts.get("password"),
        version=texts.get("version"),
        date_format=texts.get("dateFormat"),
        max_threads=threads,
        max_zobjects=zobjects,
    )


def wake_workers(request: Request) -> None:
    """Let this process's workers look at the queue now rather than at their next poll."""
    pool = getattr(request.app.state, "workers", None)
    if pool is not None:
        pool.wake()


def _text_part(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


NEW_TASK_FORM: Final = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["name", "file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The CSV (the template's columns)",
                        },
                        "name": _text_part("The task's name", maxLength=bulk_tasks.NAME_MAX),
                        "version": _text_part("The build to run: this installation's (the default)"),
                        "target": _text_part("local (default), rest:URL or soap:URL"),
                        "targetLogin": _text_part("A saved login's id, instead of target and its credentials"),
                        "clientId": _text_part("OAuth client of a rest: target"),
                        "clientSecret": _text_part("OAuth secret of a rest: target (stored encrypted)"),
                        "username": _text_part("Login of a soap: target"),
                        "password": _text_part("Password of a soap: target (stored encrypted)"),
                        "dateFormat": _text_part("Java-style date pattern", default="yyyy-MM-dd"),
                        "maxThreads": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                        "maxZObjects": {"type": "integer", "minimum": 1, "maximum": 50, "default": 50},
                    },
                }
            }
        },
    }
}


@router.post("/bulk/tasks", response_class=ZuoraJSON, openapi_extra=NEW_TASK_FORM)
async def create_task(request: Request) -> ZuoraJSON:
    data = await read_new_task(request)
    ctx = context(request)
    task = await call(bulk_tasks.create_task, db=database(request), ctx=ctx, data=data, keyring=keyring(request))
    wake_workers(request)
    return ZuoraJSON(success(request, {"task": task_answer(task, ctx.now())}))


def _page(request: Request) -> tuple[int, int]:
    values = {"page": 1, "pageSize": bulk_tasks.DEFAULT_PAGE_SIZE}
    for name in values:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        if not raw.strip().isdigit() or len(raw.strip()) > 9:
            raise InvalidValue(f"'{name}' must be a positive integer, got {raw[:20]!r}", field=name)
        values[name] = int(raw)
    return values["page"], values["pageSize"]


@router.get("/bulk/tasks", response_class=ZuoraJSON)
async def list_tasks(request: Request) -> ZuoraJSON:
    page, page_size = _page(request)
    ctx = context(request)
    found = await call(bulk_tasks.list_tasks, db=database(request), ctx=ctx, page=page, page_size=page_size)
    payload: dict[str, Any] = {"tasks": [task_answer(task, ctx.now()) for task in found.tasks]}
    if found.has_next:
        payload["nextPage"] = f"/bulk/tasks?page={page + 1}&pageSize={page_size}"
    return ZuoraJSON(success(request, payload))


@router.get("/bulk/tasks/{task_id}", response_class=ZuoraJSON)
async def get_task(request: Request, task_id: str) -> ZuoraJSON:
    ctx = context(request)
    task = await call(bulk_tasks.get_task, db=database(request), ctx=ctx, task_id=task_id)
    return ZuoraJSON(success(request, {"task": task_answer(task, ctx.now())}))


def csv_download(name: str, content: bytes) -> Response:
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/bulk/tasks/{task_id}/results", response_class=Response)
async def get_results(request: Request, task_id: str) -> Response:
    found = await call(bulk_tasks.task_results, db=database(request), ctx=context(request), task_id=task_id)
    return csv_download(found.name, found.content)


@router.post("/bulk/tasks/{task_id}/cancel", response_class=ZuoraJSON)
async def cancel_task(request: Request, task_id: str) -> ZuoraJSON:
    ctx = context(request)
    task = await call(bulk_tasks.cancel_task, db=database(request), ctx=ctx, task_id=task_id)
    return ZuoraJSON(success(request, {"task": task_answer(task, ctx.now())}))


@router.get("/bulk/template", response_class=Response)
async def get_template() -> Response:
    return csv_download(TEMPLATE_NAME, template_csv().encode())


class CreateLoginRequest(ZuoraModel):
    """``POST /bulk/logins``: a saved login to a rest: or soap: target."""

    name: ZStr | None = None
    target: ZStr | None = None
    clientId: ZStr | None = None  # noqa: N815 - the wire name
    clientSecret: ZStr | None = None  # noqa: N815 - the wire name
    username: ZStr | None = None
    password: ZStr | None = None


@router.post("/bulk/logins", response_class=ZuoraJSON, openapi_extra=request_body(CreateLoginRequest))
async def create_login(request: Request) -> ZuoraJSON:
    model = validate(CreateLoginRequest, await json_body(request))
    extra = unknown_fields(model)
    if extra:
        raise UnknownField(f"'{extra[0]}' is not a field of a login", field=extra[0])
    scheme = (model.target or "").strip().partition(":")[0]
    rest = scheme == bulk_tasks.REST
    if rest and (model.username is not None or model.password is not None):
        raise InvalidValue("a rest: login has clientId and clientSecret, not username and password", field="username")
    if scheme == bulk_tasks.SOAP and (model.clientId is not None or model.clientSecret is not None):
        raise InvalidValue(
            "a soap: login has username and password, not clientId and clientSecret (OAuth is not used for SOAP)",
            field="clientId",
        )
    data = bulk_tasks.LoginInput(
        name=model.name,
        target=model.target,
        principal=model.clientId if rest else model.username,
        secret=model.clientSecret if rest else model.password,
    )
    login = await call(
        bulk_tasks.create_login, db=database(request), ctx=context(request), data=data, keyring=keyring(request)
    )
    return ZuoraJSON(success(request, {"login": login_answer(login)}))


@router.get("/bulk/logins", response_class=ZuoraJSON)
async def list_logins(request: Request) -> ZuoraJSON:
    logins = await call(bulk_tasks.list_logins, db=database(request), ctx=context(request))
    return ZuoraJSON(success(request, {"logins": [login_answer(login) for login in logins]}))


@router.delete("/bulk/logins/{login_id}", response_class=ZuoraJSON)
async def delete_login(request: Request, login_id: str) -> ZuoraJSON:
    await call(bulk_tasks.delete_login, db=database(request), ctx=context(request), login_id=login_id)
    return ZuoraJSON(success(request, {"id": login_id}))

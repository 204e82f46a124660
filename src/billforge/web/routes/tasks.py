"""The Invoice API Generator's tasks: the list, New Task, one task (its progress, results, cancel)
and the CSV template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from billforge.api.deps import ZuoraJSON, call, database, settings
from billforge.api.routers.bulk_tasks import TEMPLATE_NAME, csv_download, task_answer, wake_workers
from billforge.bulk.dates import DEFAULT_PATTERN
from billforge.bulk.planner import DEFAULT_MAX_THREADS, DEFAULT_MAX_ZOBJECTS
from billforge.bulk.template import template_csv
from billforge.errors import BillforgeError, NotFound
from billforge.services import bulk_tasks, tenancy
from billforge.services.bulk_tasks import Keyring, NewTask
from billforge.web.routes.pages import (
    LoggedIn,
    PostedForm,
    current_session,
    error_messages,
    form_text,
    logged_in,
    not_found_page,
    page_number,
    posted_form,
    render,
    request_clock,
    section_router,
    see_other,
    user_context,
)
from billforge.web.session import Session

router = section_router()

TASKS_PAGE: Final = 20


@router.get("/tasks")
async def task_list(request: Request, session: LoggedIn) -> Response:
    page = page_number(request)
    found = await call(
        bulk_tasks.list_tasks, db=database(request), ctx=user_context(request, session), page=page, page_size=TASKS_PAGE
    )
    return render(
        request,
        "tasks.html",
        session=session,
        section="tasks",
        tasks=found.tasks,
        page=page,
        has_next=found.has_next,
    )


def _entity_name(request: Request, session: Session) -> str:
    for entity in tenancy.list_entities(db=database(request)):
        if entity.id == session.entity_id:
            return f"entity {entity.name}"
    return "your entity"


async def _new_task_page(
    request: Request, session: Session, form: Mapping[str, Any], errors: list[str], status: int
) -> Response:
    ctx = user_context(request, session)
    logins = await call(bulk_tasks.list_logins, db=database(request), ctx=ctx)
    entity = await call(_entity_name, request=request, session=session)
    return render(
        request,
        "task_new.html",
        session=session,
        section="new",
        status=status,
        form=form,
        logins=logins,
        entity_name=entity,
        errors=errors,
    )


@router.get("/tasks/new")
async def new_task(request: Request, session: LoggedIn) -> Response:
    defaults = {
        "name": "",
        "target": "local",
        "dateFormat": DEFAULT_PATTERN,
        "maxThreads": DEFAULT_MAX_THREADS,
        "maxZObjects": DEFAULT_MAX_ZOBJECTS,
    }
    return await _new_task_page(request, session, defaults, [], 200)


def _whole(value: str | None, label: str, errors: list[str]) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > 9:
        errors.append(f"{label} must be a whole number, not {value[:20]!r}.")
        return None
    return int(text)


@router.post("/tasks")
async def create_task(request: Request, session: LoggedIn, form: PostedForm) -> Response:
    errors: list[str] = []
    target = form_text(form, "target") or "local"
    upload = form.get("file")
    content = None
    file_name = None
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        file_name = upload.filename
    data = NewTask(
        name=form_text(form, "name"),
        file_name=file_name,
        content=content,
        target=None if target.startswith("login:") else target,
        login_id=target.removeprefix("login:") if target.startswith("login:") else None,
        version=form_text(form, "version"),
        date_format=form_text(form, "dateFormat"),
        max_threads=_whole(form_text(form, "maxThreads"), "Max Threads", errors),
        max_zobjects=_whole(form_text(form, "maxZObjects"), "Max zObjects", errors),
    )
    kept = {
        "name": data.name or "",
        "target": target,
        "dateFormat": data.date_format or "",
        "maxThreads": form_text(form, "maxThreads") or "",
        "maxZObjects": form_text(form, "maxZObjects") or "",
    }
    if errors:
        return await _new_task_page(request, session, kept, errors, 400)
    try:
        task = await call(
            bulk_tasks.create_task,
            db=database(request),
            ctx=user_context(request, session),
            data=data,
            keyring=Keyring.of(settings(request).secret_key),
        )
    except BillforgeError as error:
        return await _new_task_page(request, session, kept, error_messages(error), 400)
    wake_workers(request)
    return see_other(f"/ui/tasks/{task.id}")


@router.get("/tasks/{task_id}")
async def task_page(request: Request, session: LoggedIn, task_id: str) -> Response:
    with not_found_page(request, session):
        task = await call(
            bulk_tasks.get_task, db=database(request), ctx=user_context(request, session), task_id=task_id
        )
    return render(request, "task.html", session=session, section="tasks", task=task)


@router.get("/tasks/{task_id}/progress")
async def task_progress(request: Request, task_id: str) -> Response:
    session = current_session(request)
    if session is None:
        return ZuoraJSON({"message": "log in first"}, status_code=401)
    try:
        task = await call(
            bulk_tasks.get_task, db=database(request), ctx=user_context(request, session), task_id=task_id
        )
    except NotFound as error:
        return ZuoraJSON({"message": error.message}, status_code=404)
    return ZuoraJSON(task_answer(task, request_clock(request).now()), headers={"Cache-Control": "no-store"})


@router.get("/tasks/{task_id}/results")
async def task_results(request: Request, session: LoggedIn, task_id: str) -> Response:
    with not_found_page(request, session):
        found = await call(
            bulk_tasks.task_results, db=database(request), ctx=user_context(request, session), task_id=task_id
        )
    return csv_download(found.name, found.content)


@router.post("/tasks/{task_id}/cancel", dependencies=[Depends(posted_form)])
async def cancel_task(request: Request, session: LoggedIn, task_id: str) -> Response:
    try:
        with not_found_page(request, session):
            await call(
                bulk_tasks.cancel_task, db=database(request), ctx=user_context(request, session), task_id=task_id
            )
    except BillforgeError:
        pass  # it finished meanwhile: its page says so
    return see_other(f"/ui/tasks/{task_id}")


@router.get("/template", dependencies=[Depends(logged_in)])
async def template() -> Response:
    return csv_download(TEMPLATE_NAME, template_csv().encode())

"""Saved logins to ``rest:`` and ``soap:`` targets (``/ui/logins``)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from billforge.api.deps import call, database, settings
from billforge.errors import BillforgeError, NotFound
from billforge.services import bulk_tasks
from billforge.services.bulk_tasks import Keyring, LoginInput
from billforge.web.routes.pages import (
    checked_form,
    current_session,
    error_messages,
    error_page,
    form_text,
    redirect_to_login,
    refused_form,
    render,
    see_other,
    user_context,
)
from billforge.web.session import Session

router = APIRouter(prefix="/ui", include_in_schema=False)


async def _logins_page(
    request: Request, session: Session, form: Mapping[str, str], errors: list[str], status: int
) -> Response:
    ctx = user_context(request, session)
    logins = await call(bulk_tasks.list_logins, db=database(request), ctx=ctx)
    return render(
        request,
        "logins.html",
        session=session,
        section="logins",
        status=status,
        logins=logins,
        form=form,
        errors=errors,
        time_zone="UTC",
    )


@router.get("/logins")
async def logins(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    return await _logins_page(request, session, {"name": "", "kind": "soap", "url": "", "principal": ""}, [], 200)


@router.post("/logins")
async def create_login(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    form = await checked_form(request, session)
    if form is None:
        return refused_form(request, session)
    kind = form_text(form, "kind") or "soap"
    url = (form_text(form, "url") or "").strip()
    kept = {
        "name": form_text(form, "name") or "",
        "kind": kind,
        "url": url,
        "principal": form_text(form, "principal") or "",
    }
    data = LoginInput(
        name=kept["name"],
        target=f"{kind}:{url}" if url else None,
        principal=kept["principal"],
        secret=form_text(form, "secret"),
    )
    try:
        await call(
            bulk_tasks.create_login,
            db=database(request),
            ctx=user_context(request, session),
            data=data,
            keyring=Keyring.of(settings(request).secret_key),
        )
    except BillforgeError as error:
        return await _logins_page(request, session, kept, error_messages(error), 400)
    return see_other("/ui/logins")


@router.post("/logins/{login_id}/delete")
async def delete_login(request: Request, login_id: str) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    if await checked_form(request, session) is None:
        return refused_form(request, session)
    try:
        await call(bulk_tasks.delete_login, db=database(request), ctx=user_context(request, session), login_id=login_id)
    except NotFound as error:
        return error_page(request, session, error, 404)
    return see_other("/ui/logins")

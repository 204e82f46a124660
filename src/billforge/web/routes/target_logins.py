"""Saved logins to ``rest:`` and ``soap:`` targets (``/ui/logins``)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Depends, Request
from fastapi.responses import Response

from billforge.api.deps import call, database, settings
from billforge.errors import BillforgeError
from billforge.services import bulk_tasks
from billforge.services.bulk_tasks import Keyring, LoginInput
from billforge.web.routes.pages import (
    LoggedIn,
    PostedForm,
    error_messages,
    form_text,
    not_found_page,
    posted_form,
    render,
    section_router,
    see_other,
    user_context,
)
from billforge.web.session import Session

router = section_router()


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
async def logins(request: Request, session: LoggedIn) -> Response:
    return await _logins_page(request, session, {"name": "", "kind": "soap", "url": "", "principal": ""}, [], 200)


@router.post("/logins")
async def create_login(request: Request, session: LoggedIn, form: PostedForm) -> Response:
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


@router.post("/logins/{login_id}/delete", dependencies=[Depends(posted_form)])
async def delete_login(request: Request, session: LoggedIn, login_id: str) -> Response:
    with not_found_page(request, session):
        await call(bulk_tasks.delete_login, db=database(request), ctx=user_context(request, session), login_id=login_id)
    return see_other("/ui/logins")

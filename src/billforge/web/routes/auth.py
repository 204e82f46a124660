"""Logging in and out (``/ui/login``, ``/ui/logout``), and ``/ui`` itself."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from billforge.api.deps import call, database
from billforge.errors import AuthenticationFailed
from billforge.services import tenancy
from billforge.web.routes.pages import (
    accepted_form,
    current_session,
    form_text,
    render,
    request_clock,
    section_router,
    see_other,
    session_signer,
)
from billforge.web.session import COOKIE, COOKIE_PATH, LIFETIME, LOGIN_COOKIE, LOGIN_FORM_LIFETIME

router = section_router()


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: a page of this site only."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/tasks"


def _login_page(request: Request, *, next_page: str, username: str = "", errors: list[str], status: int) -> Response:
    token = session_signer(request).login_token(now=request_clock(request).now())
    response = render(
        request,
        "login.html",
        session=None,
        status=status,
        login_token=token,
        next=next_page,
        username=username,
        errors=errors,
    )
    _set_cookie(response, request, LOGIN_COOKIE, token, int(LOGIN_FORM_LIFETIME.total_seconds()))
    return response


@router.get("")
async def home(request: Request) -> Response:
    return see_other("/ui/tasks" if current_session(request) else "/ui/login")


@router.get("/login")
async def login_form(request: Request) -> Response:
    if current_session(request) is not None:
        return see_other(_safe_next(request.query_params.get("next")))
    return _login_page(request, next_page=_safe_next(request.query_params.get("next")), errors=[], status=200)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username = form_text(form, "username") or ""
    password = form_text(form, "password") or ""
    next_page = _safe_next(form_text(form, "next"))
    now = request_clock(request).now()
    if not session_signer(request).login_token_matches(
        form_text(form, "csrf"), request.cookies.get(LOGIN_COOKIE), now=now
    ):
        return _login_page(
            request,
            next_page=next_page,
            username=username,
            errors=["The login form expired: log in again."],
            status=403,
        )
    try:
        user_id, entity_id = await call(tenancy.verify_user, db=database(request), username=username, password=password)
    except AuthenticationFailed as error:
        return _login_page(request, next_page=next_page, username=username, errors=[error.message], status=401)
    session = session_signer(request).new_session(user_id=user_id, entity_id=entity_id, username=username, now=now)
    response = see_other(next_page)
    _set_cookie(response, request, COOKIE, session_signer(request).dump(session), int(LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return see_other("/ui/login")  # nothing to log out of, and no page to come back to
    await accepted_form(request, session)
    response = see_other("/ui/login")
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response

"""What every page shares: the session from its cookie, rendering a template with the security
headers, redirects, and reading a posted form (with its CSRF token).

A page that needs the session or a posted form asks for it as a dependency (``session: LoggedIn``,
``form: PostedForm``); without a session, the page is the login form, and without the session's
CSRF token, the refused-form page. ``with not_found_page(request, session):`` answers the 404 page
when what the block looks up is not found. They do so by raising ``PageAnswer``, which the routes
of ``section_router()`` answer with the page it carries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from billforge import __version__
from billforge.api.deps import settings
from billforge.errors import BillforgeError, ErrorList, NotFound
from billforge.services.context import Clock, Context
from billforge.web.session import COOKIE, Session, Signer, session_key

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: datetime | None, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z") if value is not None else ""


def _money(value: Any) -> str:
    if value is None:
        return ""
    return format(Decimal(value), ",")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    seconds = round(value)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_ENV = Environment(
    loader=PackageLoader("billforge.web", "templates"),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
)
_ENV.filters.update(when=_when, money=_money, number=_number, seconds=_seconds)
_SIGNER_LOCK = threading.Lock()


def request_clock(request: Request) -> Clock:
    """The application's clock."""
    clock: Clock = request.app.state.clock
    return clock


def session_signer(request: Request) -> Signer:
    """The signer of session cookies and login-form tokens, made once per application."""
    state = request.app.state
    with _SIGNER_LOCK:
        signer: Signer | None = getattr(state, "web_signer", None)
        if signer is None:
            signer = Signer(session_key(settings(request).secret_key))
            state.web_signer = signer
    return signer


def current_session(request: Request) -> Session | None:
    """The session of the request's cookie; ``None`` when there is none, or it is forged or over."""
    return session_signer(request).load(request.cookies.get(COOKIE), now=request_clock(request).now())


def user_context(request: Request, session: Session) -> Context:
    """The logged-in user acting in their own entity."""
    return Context(entity_id=session.entity_id, actor_id=session.user_id, clock=request_clock(request))


def render(request: Request, name: str, *, session: Session | None, status: int = 200, **values: Any) -> HTMLResponse:
    context = {
        "session": session,
        "version": __version__,
        "errors": [],
        "section": "",
        "now": request_clock(request).now(),
        **values,
    }
    html = _ENV.get_template(name).render(context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def error_messages(error: BillforgeError) -> list[str]:
    """The messages to show for an error (each one of an ``ErrorList``)."""
    if isinstance(error, ErrorList):
        return [e.message for e in error.errors]
    return [error.message]


def error_page(request: Request, session: Session | None, error: BillforgeError, status: int) -> HTMLResponse:
    return render(request, "error.html", session=session, status=status, heading=error.message)


def redirect_to_login(request: Request) -> RedirectResponse:
    """To the login form, which comes back to this page once logged in."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(wanted, safe='')}", status_code=303)


def see_other(path: str) -> RedirectResponse:
    """To another page with a GET (after a form is posted)."""
    return RedirectResponse(path, status_code=303)


def refused_form(request: Request, session: Session | None) -> HTMLResponse:
    """The answer to a form without the session's CSRF token."""
    return render(
        request,
        "error.html",
        session=session,
        status=403,
        heading="This form has expired or did not come from this site: open the page again and retry.",
    )


class PageAnswer(Exception):
    """The page to answer before the handler gets to its own: the login form, the refused-form
    page, the 404 page. Raised by the dependencies and helpers here; ``PageRoute`` answers it."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class PageRoute(APIRoute):
    """A route of the web page: a ``PageAnswer`` raised while it runs (in a dependency too) is its answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except PageAnswer as early:
                return early.response

        return answer


def section_router() -> APIRouter:
    """The router of one section of the web page: under ``/ui``, out of the OpenAPI schema."""
    return APIRouter(prefix="/ui", include_in_schema=False, route_class=PageRoute)


async def logged_in(request: Request) -> Session:
    """The session (a dependency); without one, the login form, which comes back to this page."""
    session = current_session(request)
    if session is None:
        raise PageAnswer(redirect_to_login(request))
    return session


LoggedIn = Annotated[Session, Depends(logged_in)]


async def accepted_form(request: Request, session: Session) -> FormData:
    """The posted form, if it carries the session's CSRF token; else the refused-form page."""
    form = await request.form()
    token = form.get("csrf")
    if not session.accepts(token if isinstance(token, str) else None):
        raise PageAnswer(refused_form(request, session))
    return form


async def posted_form(request: Request, session: LoggedIn) -> FormData:
    """The posted form (a dependency): logged in first, then the session's CSRF token."""
    return await accepted_form(request, session)


PostedForm = Annotated[FormData, Depends(posted_form)]


@contextmanager
def not_found_page(request: Request, session: Session) -> Iterator[None]:
    """Answers the 404 page when what the block looks up is not found."""
    try:
        yield
    except NotFound as error:
        raise PageAnswer(error_page(request, session, error, 404)) from error


def form_text(form: FormData, name: str) -> str | None:
    """A text field of the form (``None`` when it is missing or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def page_number(request: Request) -> int:
    """The ``page`` query parameter: 1 when it is missing or not a page number."""
    raw = request.query_params.get("page", "1").strip()
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1

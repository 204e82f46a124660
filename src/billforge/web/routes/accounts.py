"""Browsing accounts (search) and one account with its invoices, and one invoice with its items."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from billforge.api.deps import call, database
from billforge.errors import BillforgeError, NotFound
from billforge.services import accounts, invoices
from billforge.web import browse
from billforge.web.routes.pages import (
    current_session,
    error_messages,
    error_page,
    page_number,
    redirect_to_login,
    render,
    user_context,
)

router = APIRouter(prefix="/ui", include_in_schema=False)

ITEMS_PAGE: Final = 40


@router.get("/accounts")
async def account_list(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    search = request.query_params.get("q", "")[: browse.SEARCH_MAX]
    locator = request.query_params.get("locator") or None
    errors: list[str] = []
    try:
        found = await call(
            browse.search_accounts,
            db=database(request),
            ctx=user_context(request, session),
            search=search,
            locator=locator,
        )
    except BillforgeError as error:
        errors = error_messages(error) + ["Showing the first page again."]
        found = await call(
            browse.search_accounts,
            db=database(request),
            ctx=user_context(request, session),
            search=search,
            locator=None,
        )
    return render(
        request, "accounts.html", session=session, section="accounts", search=search, found=found, errors=errors
    )


@router.get("/accounts/{account_key}")
async def account_page(request: Request, account_key: str) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    ctx = user_context(request, session)
    try:
        view = await call(accounts.get_account, db=database(request), ctx=ctx, key=account_key)
        found, _ = await call(
            invoices.list_account_invoices,
            db=database(request),
            ctx=ctx,
            account_key=view.account.id,
            page=page_number(request),
        )
    except NotFound as error:
        return error_page(request, session, error, 404)
    return render(
        request, "account.html", session=session, section="accounts", view=view, account=view.account, invoices=found
    )


@router.get("/invoices/{invoice_key}")
async def invoice_page(request: Request, invoice_key: str) -> Response:
    session = current_session(request)
    if session is None:
        return redirect_to_login(request)
    ctx = user_context(request, session)
    try:
        invoice, zone = await call(invoices.get_invoice, db=database(request), ctx=ctx, key=invoice_key)
        items = await call(
            invoices.get_items,
            db=database(request),
            ctx=ctx,
            key=invoice.id,
            page=page_number(request),
            page_size=ITEMS_PAGE,
        )
    except NotFound as error:
        return error_page(request, session, error, 404)
    return render(
        request,
        "invoice.html",
        session=session,
        section="accounts",
        invoice=invoice,
        items=items,
        time_zone=zone,
    )

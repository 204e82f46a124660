"""Browsing accounts (search) and one account with its invoices, and one invoice with its items."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from billforge.api.deps import call, database
from billforge.errors import BillforgeError
from billforge.services import accounts, invoices
from billforge.web import browse
from billforge.web.routes.pages import (
    LoggedIn,
    error_messages,
    not_found_page,
    page_number,
    render,
    section_router,
    user_context,
)

router = section_router()

ITEMS_PAGE: Final = 40


@router.get("/accounts")
async def account_list(request: Request, session: LoggedIn) -> Response:
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
async def account_page(request: Request, session: LoggedIn, account_key: str) -> Response:
    ctx = user_context(request, session)
    with not_found_page(request, session):
        view = await call(accounts.get_account, db=database(request), ctx=ctx, key=account_key)
        found, _ = await call(
            invoices.list_account_invoices,
            db=database(request),
            ctx=ctx,
            account_key=view.account.id,
            page=page_number(request),
        )
    return render(
        request, "account.html", session=session, section="accounts", view=view, account=view.account, invoices=found
    )


@router.get("/invoices/{invoice_key}")
async def invoice_page(request: Request, session: LoggedIn, invoice_key: str) -> Response:
    ctx = user_context(request, session)
    with not_found_page(request, session):
        invoice, zone = await call(invoices.get_invoice, db=database(request), ctx=ctx, key=invoice_key)
        items = await call(
            invoices.get_items,
            db=database(request),
            ctx=ctx,
            key=invoice.id,
            page=page_number(request),
            page_size=ITEMS_PAGE,
        )
    return render(
        request,
        "invoice.html",
        session=session,
        section="accounts",
        invoice=invoice,
        items=items,
        time_zone=zone,
    )

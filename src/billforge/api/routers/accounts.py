"""``/v1/accounts``: create, read (by id or number) and update customer accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, success
from billforge.api.openapi import request_body
from billforge.api.schemas.accounts import CreateAccountRequest, UpdateAccountRequest, account_detail
from billforge.api.validation import validate
from billforge.services import accounts

router = APIRouter(tags=["Accounts"])


@router.post("/v1/accounts", response_class=ZuoraJSON, openapi_extra=request_body(CreateAccountRequest))
async def create_account(request: Request) -> ZuoraJSON:
    data = validate(CreateAccountRequest, await json_body(request), obj="account")
    created = await call(accounts.create_account, db=database(request), ctx=context(request), data=data.to_input())
    return ZuoraJSON(
        success(
            request,
            {
                "accountId": created.id,
                "accountNumber": created.account_number,
                "billToContactId": created.bill_to_contact_id,
                "soldToContactId": created.sold_to_contact_id,
                "shipToContactId": created.ship_to_contact_id,
            },
        )
    )


@router.get("/v1/accounts/{account_key}", response_class=ZuoraJSON)
async def get_account(request: Request, account_key: str) -> ZuoraJSON:
    view = await call(accounts.get_account, db=database(request), ctx=context(request), key=account_key)
    return ZuoraJSON(success(request, account_detail(view)))


@router.put("/v1/accounts/{account_key}", response_class=ZuoraJSON, openapi_extra=request_body(UpdateAccountRequest))
async def update_account(request: Request, account_key: str) -> ZuoraJSON:
    data = validate(UpdateAccountRequest, await json_body(request), obj="account")
    account_id = await call(
        accounts.update_account, db=database(request), ctx=context(request), key=account_key, changes=data.to_changes()
    )
    return ZuoraJSON(success(request, {"id": account_id}))

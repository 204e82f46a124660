"""``/v1/subscriptions``: create (optionally billing at once), read by id or number, cancel, renew."""

from __future__ import annotations

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, success
from billforge.api.openapi import request_body
from billforge.api.schemas.subscriptions import (
    CancelSubscriptionRequest,
    CreateSubscriptionRequest,
    RenewSubscriptionRequest,
    subscription_response,
)
from billforge.api.validation import validate
from billforge.services import subscriptions

router = APIRouter(tags=["Subscriptions"])


@router.post("/v1/subscriptions", response_class=ZuoraJSON, openapi_extra=request_body(CreateSubscriptionRequest))
async def create_subscription(request: Request) -> ZuoraJSON:
    data = validate(CreateSubscriptionRequest, await json_body(request), obj="subscription")
    created = await call(
        subscriptions.create_subscription, db=database(request), ctx=context(request), data=data.to_input()
    )
    return ZuoraJSON(
        success(
            request,
            {
                "subscriptionId": created.subscription_id,
                "subscriptionNumber": created.subscription_number,
                "invoiceId": created.invoice_id,
                "contractedMrr": created.contracted_mrr,
                "totalContractedValue": created.total_contracted_value,
            },
        )
    )


@router.get("/v1/subscriptions/{subscription_key}", response_class=ZuoraJSON)
async def get_subscription(request: Request, subscription_key: str) -> ZuoraJSON:
    view = await call(subscriptions.get_subscription, db=database(request), ctx=context(request), key=subscription_key)
    return ZuoraJSON(success(request, subscription_response(view)))


@router.put(
    "/v1/subscriptions/{subscription_key}/cancel",
    response_class=ZuoraJSON,
    openapi_extra=request_body(CancelSubscriptionRequest),
)
async def cancel_subscription(request: Request, subscription_key: str) -> ZuoraJSON:
    data = validate(CancelSubscriptionRequest, await json_body(request), obj="subscriptionCancellation")
    done = await call(
        subscriptions.cancel_subscription,
        db=database(request),
        ctx=context(request),
        key=subscription_key,
        data=data.to_input(),
    )
    return ZuoraJSON(
        success(
            request,
            {
                "subscriptionId": done.subscription_id,
                "cancelledDate": done.cancelled_date.isoformat(),
                "invoiceId": done.invoice_id,
                "totalDeltaMrr": done.total_delta_mrr,
                "totalDeltaTcv": done.total_delta_tcv,
            },
        )
    )


@router.put(
    "/v1/subscriptions/{subscription_key}/renew",
    response_class=ZuoraJSON,
    openapi_extra=request_body(RenewSubscriptionRequest),
)
async def renew_subscription(request: Request, subscription_key: str) -> ZuoraJSON:
    raw = await request.body()
    data = validate(
        RenewSubscriptionRequest, await json_body(request) if raw.strip() else {}, obj="subscriptionRenewal"
    )
    done = await call(
        subscriptions.renew_subscription,
        db=database(request),
        ctx=context(request),
        key=subscription_key,
        billing_run=data.to_run(),
    )
    return ZuoraJSON(
        success(
            request,
            {
                "subscriptionId": done.subscription_id,
                "termStartDate": done.term_start_date.isoformat(),
                "termEndDate": done.term_end_date.isoformat() if done.term_end_date else None,
                "invoiceId": done.invoice_id,
                "totalDeltaMrr": done.total_delta_mrr,
                "totalDeltaTcv": done.total_delta_tcv,
            },
        )
    )

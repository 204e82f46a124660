"""``/v1/payments``: external payments applied to invoices, and their refunds."""

from __future__ import annotations

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, success
from billforge.api.openapi import request_body
from billforge.api.schemas.payments import (
    CreatePaymentRequest,
    CreateRefundRequest,
    UpdatePaymentRequest,
    payment_response,
    refund_response,
)
from billforge.api.validation import validate
from billforge.services import payment_changes, payments

router = APIRouter(tags=["Payments"])


@router.post("/v1/payments", response_class=ZuoraJSON, openapi_extra=request_body(CreatePaymentRequest))
async def create_payment(request: Request) -> ZuoraJSON:
    data = validate(CreatePaymentRequest, await json_body(request), obj="payment")
    view = await call(payments.create_payment, db=database(request), ctx=context(request), data=data.to_input())
    return ZuoraJSON(success(request, payment_response(view)))


@router.get("/v1/payments/{payment_key}", response_class=ZuoraJSON)
async def get_payment(request: Request, payment_key: str) -> ZuoraJSON:
    view = await call(payments.get_payment, db=database(request), ctx=context(request), key=payment_key)
    return ZuoraJSON(success(request, payment_response(view)))


@router.put("/v1/payments/{payment_key}", response_class=ZuoraJSON, openapi_extra=request_body(UpdatePaymentRequest))
async def update_payment(request: Request, payment_key: str) -> ZuoraJSON:
    """Change ``comment``, ``referenceId`` and custom fields; answers the payment as GET does."""
    data = validate(UpdatePaymentRequest, await json_body(request), obj="payment")
    payment_id = await call(
        payment_changes.update_payment_by_key,
        db=database(request),
        ctx=context(request),
        key=payment_key,
        changes=data.to_changes(),
    )
    return await get_payment(request, payment_id)


@router.put("/v1/payments/{payment_key}/cancel", response_class=ZuoraJSON)
async def cancel_payment(request: Request, payment_key: str) -> ZuoraJSON:
    """Cancel a Processed payment: what it paid goes back onto its invoices' balances."""
    payment_id = await call(
        payment_changes.cancel_payment_by_key, db=database(request), ctx=context(request), key=payment_key
    )
    return await get_payment(request, payment_id)


@router.delete("/v1/payments/{payment_key}", response_class=ZuoraJSON)
async def delete_payment(request: Request, payment_key: str) -> ZuoraJSON:
    """Delete a Canceled payment (cancel it first)."""
    await call(payment_changes.delete_payment_by_key, db=database(request), ctx=context(request), key=payment_key)
    return ZuoraJSON(success(request, {}))


async def _refund(request: Request, payment_key: str) -> ZuoraJSON:
    data = validate(CreateRefundRequest, await json_body(request), obj="refund")
    view = await call(
        payments.refund_payment, db=database(request), ctx=context(request), key=payment_key, data=data.to_input()
    )
    return ZuoraJSON(success(request, refund_response(view)))


@router.post(
    "/v1/payments/{payment_key}/refunds", response_class=ZuoraJSON, openapi_extra=request_body(CreateRefundRequest)
)
async def refund_payment(request: Request, payment_key: str) -> ZuoraJSON:
    """Refund a payment: unapplied money first, then (invoice settlement off) money paid on invoices."""
    return await _refund(request, payment_key)


@router.post(
    "/v1/payments/{payment_key}/refunds/unapply",
    response_class=ZuoraJSON,
    openapi_extra=request_body(CreateRefundRequest),
)
async def refund_payment_with_unapply(request: Request, payment_key: str) -> ZuoraJSON:
    """Refund a payment, taking the money back from the invoices named in ``invoices``."""
    return await _refund(request, payment_key)

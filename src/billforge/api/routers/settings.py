"""Tenant settings over REST.

Zuora REST (``/v1``, SDK shapes, ``success`` envelope): ``/v1/sequence-sets``,
``/v1/accounting-periods`` (with ``close`` and ``reopen``) and ``GET /v1/invoice-templates``.
Zuora Settings API (``/settings``, the setting itself as the answer): ``billing-rules``,
``currencies``, ``payment-terms``, ``seller`` (billforge's own) and ``tax-codes`` (Zuora Tax).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from billforge.api.deps import ZuoraJSON, call, context, database, json_body, success
from billforge.api.openapi import request_body
from billforge.api.schemas import settings as s
from billforge.api.validation import validate
from billforge.errors import ErrorList, InvalidValue
from billforge.services import accounting_periods, numbering, taxes, templates
from billforge.services import settings as tenant

router = APIRouter()

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 40


def _page(request: Request, obj: str) -> tuple[int, int]:
    """``page`` (from 1) and ``pageSize`` (1 to 40, default 20) from the query string."""
    values: dict[str, int] = {}
    problems: list[InvalidValue] = []
    for name, default, low, high in (("page", 1, 1, 10**9), ("pageSize", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)):
        raw = request.query_params.get(name)
        if raw is None:
            values[name] = default
            continue
        if not raw.strip().isdigit() or not low <= int(raw) <= high:
            problems.append(
                InvalidValue(f"'{name}' must be an integer from {low} to {high}, got {raw[:20]!r}", field=name, obj=obj)
            )
            continue
        values[name] = int(raw)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ErrorList(problems)
    return values["page"], values["pageSize"]


# --- /v1/sequence-sets ----------------------------------------------------------------------

SEQUENCE_SETS: list[str | Enum] = ["Sequence Sets"]


@router.post(
    "/v1/sequence-sets",
    tags=SEQUENCE_SETS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.CreateSequenceSetsRequest),
)
async def create_sequence_sets(request: Request) -> ZuoraJSON:
    data = validate(s.CreateSequenceSetsRequest, await json_body(request), obj="sequenceSet")
    created = await call(
        numbering.create_sequence_sets, db=database(request), ctx=context(request), sets=data.to_inputs()
    )
    return ZuoraJSON(success(request, {"sequenceSets": [s.sequence_set_answer(v) for v in created]}))


@router.get("/v1/sequence-sets", tags=SEQUENCE_SETS, response_class=ZuoraJSON)
async def list_sequence_sets(request: Request) -> ZuoraJSON:
    page, size = _page(request, "sequenceSet")
    found = await call(
        numbering.list_sequence_sets,
        db=database(request),
        ctx=context(request),
        name=request.query_params.get("name"),
    )
    chosen = found[(page - 1) * size : page * size]
    return ZuoraJSON(success(request, {"sequenceSets": [s.sequence_set_answer(v) for v in chosen]}))


@router.get("/v1/sequence-sets/{key}", tags=SEQUENCE_SETS, response_class=ZuoraJSON)
async def get_sequence_set(request: Request, key: str) -> ZuoraJSON:
    view = await call(numbering.get_sequence_set, db=database(request), ctx=context(request), key=key)
    return ZuoraJSON(success(request, s.sequence_set_answer(view)))


@router.put(
    "/v1/sequence-sets/{key}",
    tags=SEQUENCE_SETS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.UpdateSequenceSetRequest),
)
async def update_sequence_set(request: Request, key: str) -> ZuoraJSON:
    data = validate(s.UpdateSequenceSetRequest, await json_body(request), obj="sequenceSet")
    await call(
        numbering.update_sequence_set, db=database(request), ctx=context(request), key=key, changes=data.to_changes()
    )
    return ZuoraJSON(success(request, {}))


@router.delete("/v1/sequence-sets/{key}", tags=SEQUENCE_SETS, response_class=ZuoraJSON)
async def delete_sequence_set(request: Request, key: str) -> ZuoraJSON:
    await call(numbering.delete_sequence_set, db=database(request), ctx=context(request), key=key)
    return ZuoraJSON(success(request, {}))


# --- /v1/accounting-periods -----------------------------------------------------------------

PERIODS: list[str | Enum] = ["Accounting Periods"]


@router.post(
    "/v1/accounting-periods",
    tags=PERIODS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.CreateAccountingPeriodRequest),
)
async def create_accounting_period(request: Request) -> ZuoraJSON:
    data = validate(s.CreateAccountingPeriodRequest, await json_body(request), obj="accountingPeriod")
    period_id = await call(
        accounting_periods.create_period, db=database(request), ctx=context(request), data=data.to_input()
    )
    return ZuoraJSON(success(request, {"id": period_id}))


@router.get("/v1/accounting-periods", tags=PERIODS, response_class=ZuoraJSON)
async def list_accounting_periods(request: Request) -> ZuoraJSON:
    page, size = _page(request, "accountingPeriod")
    found = await call(accounting_periods.list_periods, db=database(request), ctx=context(request))
    chosen = found.periods[(page - 1) * size : page * size]
    payload: dict[str, Any] = {
        "accountingPeriods": [s.accounting_period_answer(r, found.time_zone, in_list=True) for r in chosen]
    }
    if page * size < len(found.periods):
        payload["nextPage"] = f"/v1/accounting-periods?page={page + 1}&pageSize={size}"
    return ZuoraJSON(success(request, payload))


@router.get("/v1/accounting-periods/{ap_id}", tags=PERIODS, response_class=ZuoraJSON)
async def get_accounting_period(request: Request, ap_id: str) -> ZuoraJSON:
    found = await call(accounting_periods.get_period, db=database(request), ctx=context(request), period_id=ap_id)
    return ZuoraJSON(success(request, s.accounting_period_answer(found.periods[0], found.time_zone, in_list=False)))


@router.put(
    "/v1/accounting-periods/{ap_id}",
    tags=PERIODS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.UpdateAccountingPeriodRequest),
)
async def update_accounting_period(request: Request, ap_id: str) -> ZuoraJSON:
    data = validate(s.UpdateAccountingPeriodRequest, await json_body(request), obj="accountingPeriod")
    await call(
        accounting_periods.update_period,
        db=database(request),
        ctx=context(request),
        period_id=ap_id,
        changes=data.to_changes(),
    )
    return ZuoraJSON(success(request, {}))


@router.delete("/v1/accounting-periods/{ap_id}", tags=PERIODS, response_class=ZuoraJSON)
async def delete_accounting_period(request: Request, ap_id: str) -> ZuoraJSON:
    await call(accounting_periods.delete_period, db=database(request), ctx=context(request), period_id=ap_id)
    return ZuoraJSON(success(request, {}))


@router.put("/v1/accounting-periods/{ap_id}/close", tags=PERIODS, response_class=ZuoraJSON)
async def close_accounting_period(request: Request, ap_id: str) -> ZuoraJSON:
    await call(accounting_periods.close_period, db=database(request), ctx=context(request), period_id=ap_id)
    return ZuoraJSON(success(request, {}))


@router.put("/v1/accounting-periods/{ap_id}/reopen", tags=PERIODS, response_class=ZuoraJSON)
async def reopen_accounting_period(request: Request, ap_id: str) -> ZuoraJSON:
    await call(accounting_periods.reopen_period, db=database(request), ctx=context(request), period_id=ap_id)
    return ZuoraJSON(success(request, {}))


# --- /v1/invoice-templates ------------------------------------------------------------------


@router.get("/v1/invoice-templates", tags=["Invoice Templates"], response_class=ZuoraJSON)
async def list_invoice_templates(request: Request) -> ZuoraJSON:
    db, ctx = database(request), context(request)
    rows = await call(templates.list_templates, db=db, ctx=ctx)
    current = await call(tenant.get_settings, db=db, ctx=ctx)
    return ZuoraJSON(
        success(request, {"invoiceTemplates": [s.invoice_template_answer(r, current.time_zone) for r in rows]})
    )


# --- /settings/billing-rules ----------------------------------------------------------------

SETTINGS: list[str | Enum] = ["Settings"]


@router.get("/settings/billing-rules", tags=SETTINGS, response_class=ZuoraJSON)
async def get_billing_rules(request: Request) -> ZuoraJSON:
    current = await call(tenant.get_settings, db=database(request), ctx=context(request))
    return ZuoraJSON(s.billing_rules_answer(current))


@router.put(
    "/settings/billing-rules",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.BillingRulesRequest),
)
async def update_billing_rules(request: Request) -> ZuoraJSON:
    data = validate(s.BillingRulesRequest, await json_body(request), obj="billingRules")
    s.reject_unknown(data, obj="billingRules")
    nulls = data.nulls()
    if nulls:
        raise ErrorList(
            [InvalidValue(f"'{n}' must have a value; null is not allowed", field=n, obj="billingRules") for n in nulls]
        )
    updated = await call(
        tenant.update_billing_rules, db=database(request), ctx=context(request), changes=data.to_changes()
    )
    return ZuoraJSON(s.billing_rules_answer(updated))


# --- /settings/currencies -------------------------------------------------------------------


@router.get("/settings/currencies", tags=SETTINGS, response_class=ZuoraJSON)
async def list_currencies(request: Request) -> ZuoraJSON:
    found = await call(tenant.list_currencies, db=database(request), ctx=context(request))
    return ZuoraJSON([s.currency_answer(c) for c in found])


@router.put(
    "/settings/currencies/{code}",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.CurrencyRequest),
)
async def put_currency(request: Request, code: str) -> ZuoraJSON:
    data = validate(s.CurrencyRequest, await json_body(request), obj="currency")
    s.reject_unknown(data, obj="currency")
    view = await call(
        tenant.put_currency, db=database(request), ctx=context(request), code=code, changes=data.to_changes()
    )
    return ZuoraJSON(s.currency_answer(view))


# --- /settings/payment-terms ----------------------------------------------------------------


@router.get("/settings/payment-terms", tags=SETTINGS, response_class=ZuoraJSON)
async def list_payment_terms(request: Request) -> ZuoraJSON:
    rows = await call(tenant.list_payment_terms, db=database(request), ctx=context(request))
    return ZuoraJSON([s.payment_term_answer(r) for r in rows])


@router.post(
    "/settings/payment-terms",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.CreatePaymentTermRequest),
)
async def create_payment_term(request: Request) -> ZuoraJSON:
    data = validate(s.CreatePaymentTermRequest, await json_body(request), obj="paymentTerm")
    s.reject_unknown(data, obj="paymentTerm")
    row = await call(tenant.create_payment_term, db=database(request), ctx=context(request), data=data.to_input())
    return ZuoraJSON(s.payment_term_answer(row))


@router.put(
    "/settings/payment-terms/{term_id}",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.UpdatePaymentTermRequest),
)
async def update_payment_term(request: Request, term_id: str) -> ZuoraJSON:
    data = validate(s.UpdatePaymentTermRequest, await json_body(request), obj="paymentTerm")
    s.reject_unknown(data, obj="paymentTerm")
    row = await call(
        tenant.update_payment_term,
        db=database(request),
        ctx=context(request),
        term_id=term_id,
        changes=data.to_changes(),
    )
    return ZuoraJSON(s.payment_term_answer(row))


@router.delete("/settings/payment-terms/{term_id}", tags=SETTINGS, status_code=204)
async def delete_payment_term(request: Request, term_id: str) -> Response:
    await call(tenant.delete_payment_term, db=database(request), ctx=context(request), term_id=term_id)
    return Response(status_code=204)


# --- /settings/seller -----------------------------------------------------------------------


@router.get("/settings/seller", tags=SETTINGS, response_class=ZuoraJSON)
async def get_seller(request: Request) -> ZuoraJSON:
    current = await call(tenant.get_settings, db=database(request), ctx=context(request))
    return ZuoraJSON(s.seller_answer(current))


@router.put(
    "/settings/seller",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.SellerRequest),
)
async def update_seller(request: Request) -> ZuoraJSON:
    data = validate(s.SellerRequest, await json_body(request), obj="seller")
    s.reject_unknown(data, obj="seller")
    updated = await call(tenant.update_seller, db=database(request), ctx=context(request), changes=data.to_changes())
    return ZuoraJSON(s.seller_answer(updated))


# --- /settings/tax-codes --------------------------------------------------------------------


@router.get("/settings/tax-codes", tags=SETTINGS, response_class=ZuoraJSON)
async def list_tax_codes(request: Request) -> ZuoraJSON:
    rows = await call(taxes.list_tax_codes, db=database(request), ctx=context(request))
    return ZuoraJSON([s.tax_code_summary(r) for r in rows])


@router.post(
    "/settings/tax-codes/ztax",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.CreateTaxCodeRequest),
)
async def create_tax_code(request: Request) -> ZuoraJSON:
    data = validate(s.CreateTaxCodeRequest, await json_body(request), obj="taxCode")
    s.reject_unknown(data, obj="taxCode")
    view = await call(taxes.create_tax_code, db=database(request), ctx=context(request), data=data.to_input())
    return ZuoraJSON(s.tax_code_answer(view))


@router.get("/settings/tax-codes/ztax/{tax_code_id}", tags=SETTINGS, response_class=ZuoraJSON)
async def get_tax_code(request: Request, tax_code_id: str) -> ZuoraJSON:
    view = await call(taxes.get_tax_code, db=database(request), ctx=context(request), tax_code_id=tax_code_id)
    return ZuoraJSON(s.tax_code_answer(view))


@router.put(
    "/settings/tax-codes/ztax/{tax_code_id}",
    tags=SETTINGS,
    response_class=ZuoraJSON,
    openapi_extra=request_body(s.UpdateTaxCodeRequest),
)
async def update_tax_code(request: Request, tax_code_id: str) -> ZuoraJSON:
    data = validate(s.UpdateTaxCodeRequest, await json_body(request), obj="taxCode")
    s.reject_unknown(data, obj="taxCode")
    view = await call(
        taxes.update_tax_code,
        db=database(request),
        ctx=context(request),
        tax_code_id=tax_code_id,
        changes=data.to_changes(),
    )
    return ZuoraJSON(s.tax_code_answer(view))


@router.delete("/settings/tax-codes/ztax/{tax_code_id}", tags=SETTINGS, status_code=204)
async def delete_tax_code(request: Request, tax_code_id: str) -> Response:
    await call(taxes.delete_tax_code, db=database(request), ctx=context(request), tax_code_id=tax_code_id)
    return Response(status_code=204)

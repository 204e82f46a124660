"""The product catalog: the Object API (``/v1/object/product``, ``product-rate-plan``,
``product-rate-plan-charge``, ``product-rate-plan-charge-tier``) and the catalog views
(``/v1/catalog/products``, ``/v1/catalog/product/{product-key}``, ``/v1/product-rate-plans/{id}``).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from billforge.api.deps import ZuoraJSON, call, context, database, success
from billforge.api.object_api import ObjectRoute, deleted, read_doc, read_object, record, saved, write_doc
from billforge.api.schemas import catalog as schemas
from billforge.errors import InvalidValue
from billforge.objects import catalog as zobjects
from billforge.services import catalog

objects = APIRouter(tags=["Catalog (Object API)"], route_class=ObjectRoute)
views = APIRouter(tags=["Catalog"])

PRODUCT: Final = "/v1/object/product"
PLAN: Final = "/v1/object/product-rate-plan"
CHARGE: Final = "/v1/object/product-rate-plan-charge"
TIER: Final = "/v1/object/product-rate-plan-charge-tier"


# --- products ------------------------------------------------------------------------------


@objects.post(PRODUCT, response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.CreateProductRequest))
async def create_product(request: Request) -> ZuoraJSON:
    data = await read_object(request, zobjects.CreateProductRequest, obj=catalog.PRODUCT)
    return saved(await call(catalog.create_product, db=database(request), ctx=context(request), data=data.to_input()))


@objects.get(PRODUCT + "/{object_id}", response_class=ZuoraJSON, openapi_extra=read_doc())
async def get_product(request: Request, object_id: str) -> ZuoraJSON:
    view = await call(catalog.get_product, db=database(request), ctx=context(request), product_id=object_id)
    values = schemas.product_record(view)
    return record(request, values)


@objects.put(PRODUCT + "/{object_id}", response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.ProductRequest))
async def update_product(request: Request, object_id: str) -> ZuoraJSON:
    data = await read_object(request, zobjects.ProductRequest, obj=catalog.PRODUCT)
    changes = data.to_changes()
    return saved(
        await call(
            catalog.update_product, db=database(request), ctx=context(request), product_id=object_id, changes=changes
        )
    )


@objects.delete(PRODUCT + "/{object_id}", response_class=ZuoraJSON)
async def delete_product(request: Request, object_id: str) -> ZuoraJSON:
    await call(catalog.delete_product, db=database(request), ctx=context(request), product_id=object_id)
    return deleted(object_id)


# --- rate plans ----------------------------------------------------------------------------


@objects.post(PLAN, response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.CreateRatePlanRequest))
async def create_rate_plan(request: Request) -> ZuoraJSON:
    data = await read_object(request, zobjects.CreateRatePlanRequest, obj=catalog.PLAN)
    return saved(await call(catalog.create_rate_plan, db=database(request), ctx=context(request), data=data.to_input()))


@objects.get(PLAN + "/{object_id}", response_class=ZuoraJSON, openapi_extra=read_doc())
async def get_rate_plan(request: Request, object_id: str) -> ZuoraJSON:
    view = await call(catalog.get_rate_plan, db=database(request), ctx=context(request), plan_id=object_id)
    values = schemas.rate_plan_record(view)
    return record(request, values)


@objects.put(PLAN + "/{object_id}", response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.RatePlanRequest))
async def update_rate_plan(request: Request, object_id: str) -> ZuoraJSON:
    data = await read_object(request, zobjects.RatePlanRequest, obj=catalog.PLAN)
    changes = data.to_changes()
    return saved(
        await call(
            catalog.update_rate_plan, db=database(request), ctx=context(request), plan_id=object_id, changes=changes
        )
    )


@objects.delete(PLAN + "/{object_id}", response_class=ZuoraJSON)
async def delete_rate_plan(request: Request, object_id: str) -> ZuoraJSON:
    await call(catalog.delete_rate_plan, db=database(request), ctx=context(request), plan_id=object_id)
    return deleted(object_id)


# --- charges and their tiers ---------------------------------------------------------------


@objects.post(CHARGE, response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.CreateChargeRequest))
async def create_charge(request: Request) -> ZuoraJSON:
    data = await read_object(request, zobjects.CreateChargeRequest, obj=catalog.CHARGE)
    return saved(await call(catalog.create_charge, db=database(request), ctx=context(request), data=data.to_input()))


@objects.get(CHARGE + "/{object_id}", response_class=ZuoraJSON, openapi_extra=read_doc())
async def get_charge(request: Request, object_id: str) -> ZuoraJSON:
    view = await call(catalog.get_charge, db=database(request), ctx=context(request), charge_id=object_id)
    values = schemas.charge_record(view)
    return record(request, values, on_request=[schemas.TIER_DATA])


@objects.put(CHARGE + "/{object_id}", response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.ChargeRequest))
async def update_charge(request: Request, object_id: str) -> ZuoraJSON:
    data = await read_object(request, zobjects.ChargeRequest, obj=catalog.CHARGE)
    changes = data.to_changes()
    return saved(
        await call(
            catalog.update_charge, db=database(request), ctx=context(request), charge_id=object_id, changes=changes
        )
    )


@objects.delete(CHARGE + "/{object_id}", response_class=ZuoraJSON)
async def delete_charge(request: Request, object_id: str) -> ZuoraJSON:
    await call(catalog.delete_charge, db=database(request), ctx=context(request), charge_id=object_id)
    return deleted(object_id)


@objects.get(TIER + "/{object_id}", response_class=ZuoraJSON, openapi_extra=read_doc())
async def get_tier(request: Request, object_id: str) -> ZuoraJSON:
    view = await call(catalog.get_tier, db=database(request), ctx=context(request), tier_id=object_id)
    values = schemas.tier_record(view.row, view.time_zone)
    return record(request, values)


@objects.put(TIER + "/{object_id}", response_class=ZuoraJSON, openapi_extra=write_doc(zobjects.UpdateTierRequest))
async def update_tier(request: Request, object_id: str) -> ZuoraJSON:
    data = await read_object(request, zobjects.UpdateTierRequest, obj=catalog.TIER)
    changes = data.to_changes()
    return saved(
        await call(catalog.update_tier, db=database(request), ctx=context(request), tier_id=object_id, changes=changes)
    )


# --- catalog views -------------------------------------------------------------------------


def _paging(request: Request) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise InvalidValue(f"'{name}' must be an integer, got {raw!r}", field=name) from None

    return number("page", 1), number("pageSize", catalog.DEFAULT_PAGE_SIZE)


_PAGING: Final = {
    "parameters": [
        {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {
            "name": "pageSize",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": catalog.MAX_PAGE_SIZE, "default": 10},
        },
    ]
}


@views.get("/v1/catalog/products", response_class=ZuoraJSON, openapi_extra=_PAGING)
async def list_products(request: Request) -> ZuoraJSON:
    page, size = _paging(request)
    found = await call(catalog.list_catalog, db=database(request), ctx=context(request), page=page, page_size=size)
    payload: dict[str, Any] = {"products": [schemas.catalog_product(p, found.today) for p in found.products]}
    if found.has_next:
        payload["nextPage"] = f"{request.url.path}?page={page + 1}&pageSize={size}"
    return ZuoraJSON(success(request, payload))


@views.get("/v1/catalog/product/{product_key}", response_class=ZuoraJSON)
async def get_catalog_product(request: Request, product_key: str) -> ZuoraJSON:
    product, today = await call(
        catalog.get_catalog_product, db=database(request), ctx=context(request), key=product_key
    )
    return ZuoraJSON(success(request, schemas.catalog_product(product, today)))


@views.get("/v1/product-rate-plans/{plan_id}", response_class=ZuoraJSON)
async def get_product_rate_plan(request: Request, plan_id: str) -> ZuoraJSON:
    row, today = await call(catalog.get_catalog_rate_plan, db=database(request), ctx=context(request), plan_id=plan_id)
    return ZuoraJSON(success(request, schemas.rate_plan_response(row, today)))


router = APIRouter()
router.include_router(objects)
router.include_router(views)

"""The product catalog: products, their rate plans, the plans' charges and the charges' price tiers.

Everything lives in one entity and is looked up in the caller's entity only. The rules are pure
and live in ``domain.catalog_rules`` (products, rate plans, charges) and ``domain.tier_rules``
(tiers); the use cases here read and write the database around them, one module per object:

    products      create, update, delete, read a product
    rate_plans    create, update, delete, read a product rate plan
    charges       create, update, delete, read a charge; read and update one of its tiers
    views         the catalog view (``GET /v1/catalog/...``) and the Object API's one object
    definitions   ``load_charges``: the charges of rate plans as ``ChargeDefinition`` (for subscriptions)
    rows          what they share: lookups, natural keys, audit stamps, deletion of subscribed objects

Callers import from this package (``from billforge.services import catalog``).
"""

from __future__ import annotations

from billforge.domain.catalog_inputs import ChargeInput, ProductInput, RatePlanInput, TierInput
from billforge.domain.catalog_rules import CHARGE, FEATURES, OBJECT_NAMES, PLAN, PRODUCT, TIER, TIERS
from billforge.domain.charge_definitions import ChargeDefinition, ChargeTier
from billforge.services.catalog.charges import (
    TIER_CHANGES,
    create_charge,
    delete_charge,
    get_charge,
    get_tier,
    update_charge,
    update_tier,
)
from billforge.services.catalog.definitions import load_charges
from billforge.services.catalog.products import create_product, delete_product, get_product, update_product
from billforge.services.catalog.rate_plans import create_rate_plan, delete_rate_plan, get_rate_plan, update_rate_plan
from billforge.services.catalog.views import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CatalogCharge,
    CatalogPage,
    CatalogPlan,
    CatalogProduct,
    ObjectView,
    get_catalog_product,
    get_catalog_rate_plan,
    list_catalog,
)

__all__ = [
    "CHARGE",
    "DEFAULT_PAGE_SIZE",
    "FEATURES",
    "MAX_PAGE_SIZE",
    "OBJECT_NAMES",
    "PLAN",
    "PRODUCT",
    "TIER",
    "TIERS",
    "TIER_CHANGES",
    "CatalogCharge",
    "CatalogPage",
    "CatalogPlan",
    "CatalogProduct",
    "ChargeDefinition",
    "ChargeInput",
    "ChargeTier",
    "ObjectView",
    "ProductInput",
    "RatePlanInput",
    "TierInput",
    "create_charge",
    "create_product",
    "create_rate_plan",
    "delete_charge",
    "delete_product",
    "delete_rate_plan",
    "get_catalog_product",
    "get_catalog_rate_plan",
    "get_charge",
    "get_product",
    "get_rate_plan",
    "get_tier",
    "list_catalog",
    "load_charges",
    "update_charge",
    "update_product",
    "update_rate_plan",
    "update_tier",
]

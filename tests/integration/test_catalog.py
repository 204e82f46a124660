"""The product catalog through Zuora's official SDK: products, rate plans, charges, tiers, the
catalog views, tenant isolation, and ``load_charges`` for the billing engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from zuora_sdk import (
    ApiException,
    CreateAccountContact,
    CreateAccountRequest,
    CreateProductRatePlanChargeRequest,
    CreateProductRatePlanRequest,
    CreateProductRequest,
    CreateSubscriptionRatePlan,
    CreateSubscriptionRequest,
    ProductRatePlanChargeTier,
    ProductRatePlanChargeTierData,
    UpdateProductRatePlanChargeRequest,
    UpdateProductRatePlanChargeTierRequest,
    UpdateProductRatePlanRequest,
    UpdateProductRequest,
)

from billforge.db.session import Database
from billforge.domain.catalog import (
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    DiscountLevel,
    EndDateCondition,
    ListPriceBase,
    PriceFormat,
    TriggerEvent,
    UpToPeriodsType,
)
from billforge.services.catalog import ChargeTier, load_charges
from tests.conftest import ServerThread, Tenant, bearer_token, make_tenant

# The SDK's models warn when they serialise the plain strings its own examples use for enums.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")


def _tiers(*tiers: ProductRatePlanChargeTier) -> ProductRatePlanChargeTierData:
    return ProductRatePlanChargeTierData(product_rate_plan_charge_tier=list(tiers))


def _product(zuora: Any, **fields: Any) -> str:
    values: dict[str, Any] = {
        "name": "Cloud Storage",
        "effective_start_date": date(2024, 1, 1),
        "effective_end_date": date(2034, 1, 1),
    }
    values.update(fields)
    product_id: str = zuora.products_api().create_product(CreateProductRequest(**values)).id
    return product_id


def _plan(zuora: Any, product_id: str, **fields: Any) -> str:
    request = CreateProductRatePlanRequest(name=fields.pop("name", "Standard"), product_id=product_id, **fields)
    plan_id: str = zuora.product_rate_plans_api().create_product_rate_plan(request).id
    return plan_id


def _charge_request(plan_id: str, **fields: Any) -> CreateProductRatePlanChargeRequest:
    values: dict[str, Any] = {
        "product_rate_plan_id": plan_id,
        "name": "Monthly fee",
        "charge_type": "Recurring",
        "charge_model": "Flat Fee Pricing",
        "bill_cycle_type": "DefaultFromCustomer",
        "billing_period": "Month",
        "trigger_event": "ContractEffective",
        "use_discount_specific_accounting_code": False,
        "product_rate_plan_charge_tier_data": _tiers(ProductRatePlanChargeTier(currency="USD", price=10)),
    }
    values.update(fields)
    return CreateProductRatePlanChargeRequest(**values)


def _charge(zuora: Any, plan_id: str, **fields: Any) -> str:
    charge_id: str = (
        zuora.product_rate_plan_charges_api().create_product_rate_plan_charge(_charge_request(plan_id, **fields)).id
    )
    return charge_id


def _catalog_charge(http: httpx.Client, product_id: str, charge_id: str) -> dict[str, Any]:
    product = http.get(f"/v1/catalog/product/{product_id}").json()
    for plan in product["productRatePlans"]:
        for charge in plan["productRatePlanCharges"]:
            if charge["id"] == charge_id:
                found: dict[str, Any] = charge
                return found
    raise AssertionError(f"charge {charge_id} is not in the catalog")


def _tier_ids(http: httpx.Client, charge_id: str) -> list[str]:
    """The ids of a charge's tiers (its GET shows them when ``fields`` asks for the tier data)."""
    got = http.get(
        f"/v1/object/product-rate-plan-charge/{charge_id}", params={"fields": "ProductRatePlanChargeTierData"}
    )
    return [tier["Id"] for tier in got.json()["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"]]


# --- products ------------------------------------------------------------------------------


def test_product_life_cycle(zuora: Any) -> None:
    api = zuora.products_api()
    created = api.create_product(
        CreateProductRequest(
            name="Cloud Storage",
            effective_start_date=date(2024, 1, 1),
            effective_end_date=date(2034, 1, 1),
            category="Base Products",
            description="Files in the cloud",
        )
    )
    assert created.success is True and len(created.id) == 32
    # A new tenant's first generated keys: SKU-00000001 and PC-00000001, as Zuora numbers them.
    by_id = api.get_product(created.id)
    assert (by_id.sku, by_id.product_number) == ("SKU-00000001", "PC-00000001")
    assert by_id.name == "Cloud Storage" and by_id.category == "Base Products"
    assert str(by_id.effective_start_date) == "2024-01-01"
    assert by_id.product_rate_plans == []
    # The product key is the id, the SKU or the product number.
    assert api.get_product("SKU-00000001").id == created.id
    assert api.get_product("PC-00000001").id == created.id

    updated = api.update_product(created.id, UpdateProductRequest(name="Cloud Storage Pro", sku="CS-PRO"))
    assert (updated.success, updated.id) == (True, created.id)
    after = api.get_product("CS-PRO")
    assert (after.name, after.description) == ("Cloud Storage Pro", "Files in the cloud")

    removed = api.delete_product(created.id)
    assert (removed.id, removed.success) == (created.id, True)
    with pytest.raises(ApiException) as caught:
        api.get_product(created.id)
    assert caught.value.status == 404


def test_generated_skus_count_up_and_skip_taken_ones(zuora: Any) -> None:
    api = zuora.products_api()
    _product(zuora, sku="SKU-00000002")  # a client-chosen SKU that a generated one would reach
    first = api.get_product(_product(zuora))
    second = api.get_product(_product(zuora))
    # Numbers 1 and 2 are issued in turn; 2 is taken, so the second generated SKU is 3.
    assert (first.sku, second.sku) == ("SKU-00000001", "SKU-00000003")


def test_product_object_get_and_custom_fields(http: httpx.Client) -> None:
    body = {
        "Name": "Support",
        "EffectiveStartDate": "2024-01-01",
        "EffectiveEndDate": "2025-01-01",
        "AllowFeatureChanges": True,
        "Region__c": "EMEA",
        "IntegrationId__NS": "ns-1",
    }
    product_id = http.post("/v1/object/product", json=body).json()["Id"]
    got = http.get(f"/v1/object/product/{product_id}").json()
    assert got["Id"] == product_id
    assert got["Name"] == "Support" and got["AllowFeatureChanges"] is True
    assert (got["Region__c"], got["IntegrationId__NS"]) == ("EMEA", "ns-1")
    assert got["EffectiveEndDate"] == "2025-01-01"
    assert got["CreatedDate"].endswith("+00:00")  # ISO 8601 with the tenant's offset (UTC by default)
    catalog = http.get(f"/v1/catalog/product/{product_id}").json()
    assert catalog["Region__c"] == "EMEA"


# --- rate plans ----------------------------------------------------------------------------


def test_rate_plan_life_cycle(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    api = zuora.product_rate_plans_api()
    created = api.create_product_rate_plan(
        CreateProductRatePlanRequest(
            name="Standard",
            product_id=product_id,
            description="Monthly plan",
            effective_start_date=date(2024, 1, 1),
            effective_end_date=date(2099, 1, 1),
            active_currencies=["USD", "EUR"],
            grade=2,
        )
    )
    assert created.success is True
    plan = api.get_product_rate_plan(created.id)
    assert (plan.id, plan.name, plan.status) == (created.id, "Standard", "Active")
    assert plan.product_rate_plan_number == "PRP-00000001"
    assert plan.grade == 2
    obj = http.get(f"/v1/object/product-rate-plan/{created.id}").json()
    assert obj["ActiveCurrencies"] == ["USD", "EUR"] and obj["ProductId"] == product_id

    api.update_product_rate_plan(created.id, UpdateProductRatePlanRequest(name="Standard 2024", grade=3))
    plan = api.get_product_rate_plan(created.id)
    assert (plan.name, plan.grade, plan.description) == ("Standard 2024", 3, "Monthly plan")

    removed = api.delete_product_rate_plan(created.id)
    assert (removed.id, removed.success) == (created.id, True)
    assert http.get(f"/v1/object/product-rate-plan/{created.id}").status_code == 404


def test_an_expired_rate_plan_shows_as_expired(zuora: Any) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id, effective_start_date=date(2020, 1, 1), effective_end_date=date(2021, 1, 1))
    assert zuora.product_rate_plans_api().get_product_rate_plan(plan_id).status == "Expired"


# --- charges -------------------------------------------------------------------------------


def test_charge_life_cycle_through_the_sdk(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id)
    api = zuora.product_rate_plan_charges_api()
    charge_id = _charge(zuora, plan_id, uom="Each", description="Platform fee")
    got = api.get_product_rate_plan_charge(charge_id)
    assert (got.id, got.product_rate_plan_id, got.name) == (charge_id, plan_id, "Monthly fee")
    assert (got.charge_type, got.charge_model, got.billing_period) == ("Recurring", "Flat Fee Pricing", "Month")
    # Zuora's defaults for a recurring charge, and the SDK's own defaults, are stored and shown.
    assert (got.billing_timing, got.list_price_base) == ("In Advance", "Per Billing Period")
    assert (got.billing_period_alignment, got.end_date_condition) == ("AlignToCharge", "SubscriptionEnd")
    assert (got.price_change_option, got.up_to_periods_type) == ("NoChange", "Billing Periods")
    assert got.exclude_item_billing_from_revenue_accounting is False
    assert got.additional_properties["ProductRatePlanChargeNumber"] == "PRPC-00000001"

    update = UpdateProductRatePlanChargeRequest(
        name="Platform fee",
        product_rate_plan_charge_tier_data=_tiers(
            ProductRatePlanChargeTier(currency="USD", price=12.5), ProductRatePlanChargeTier(currency="EUR", price=11)
        ),
    )
    assert api.update_product_rate_plan_charge(charge_id, update).success is True
    got = api.get_product_rate_plan_charge(charge_id)
    assert (got.name, got.description, got.uom) == ("Platform fee", "Platform fee", "Each")
    catalog = _catalog_charge(http, product_id, charge_id)
    assert [(p["currency"], p["price"]) for p in catalog["pricing"]] == [("EUR", 11), ("USD", 12.5)]

    removed = api.delete_product_rate_plan_charge(charge_id)
    assert (removed.id, removed.success) == (charge_id, True)
    with pytest.raises(ApiException) as caught:
        api.get_product_rate_plan_charge(charge_id)
    assert caught.value.status == 404
    assert caught.value.data.done is True and caught.value.data.size == 0


def test_update_keeps_the_fields_not_sent(zuora: Any) -> None:
    plan_id = _plan(zuora, _product(zuora))
    api = zuora.product_rate_plan_charges_api()
    charge_id = _charge(
        zuora, plan_id, description="Keep me", uom="Seat", charge_model="Per Unit Pricing", default_quantity=3
    )
    api.update_product_rate_plan_charge(charge_id, UpdateProductRatePlanChargeRequest(name="Seats"))
    got = api.get_product_rate_plan_charge(charge_id)
    assert (got.name, got.description, got.uom, got.default_quantity) == ("Seats", "Keep me", "Seat", 3)


def test_every_supported_charge_model_in_the_catalog_view(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id)
    tier = ProductRatePlanChargeTier
    per_unit = _charge(zuora, plan_id, name="Seats", charge_model="Per Unit Pricing", uom="Seat", default_quantity=5)
    tiered = _charge(
        zuora,
        plan_id,
        name="Storage",
        charge_type="Usage",
        charge_model="Tiered Pricing",
        uom="GB",
        product_rate_plan_charge_tier_data=_tiers(
            tier(currency="USD", starting_unit=0, ending_unit=100, price=1),
            tier(currency="USD", starting_unit=100, ending_unit=500, price=0.5),
            tier(currency="USD", starting_unit=500, price=25, price_format="Flat Fee"),
        ),
    )
    volume = _charge(
        zuora,
        plan_id,
        name="Users",
        charge_model="Volume Pricing",
        uom="User",
        product_rate_plan_charge_tier_data=_tiers(
            tier(currency="USD", starting_unit=1, ending_unit=10, price=9),
            tier(currency="USD", starting_unit=11, price=7),
        ),
    )
    overage = _charge(
        zuora,
        plan_id,
        name="API calls",
        charge_type="Usage",
        charge_model="Overage Pricing",
        uom="Call",
        included_units=1000,
        product_rate_plan_charge_tier_data=_tiers(tier(currency="USD", price=0.01)),
    )
    with_overage = _charge(
        zuora,
        plan_id,
        name="Minutes",
        charge_type="Usage",
        charge_model="Tiered with Overage Pricing",
        uom="Minute",
        product_rate_plan_charge_tier_data=_tiers(
            tier(currency="USD", starting_unit=0, ending_unit=60, price=0.1),
            tier(currency="USD", price=0.05, is_overage_price=True),
        ),
    )
    fixed = _charge(
        zuora,
        plan_id,
        name="Welcome discount",
        charge_type="OneTime",
        charge_model="Discount-Fixed Amount",
        product_rate_plan_charge_tier_data=_tiers(tier(currency="USD", discount_amount=5)),
    )
    percent = _charge(
        zuora,
        plan_id,
        name="Loyalty",
        charge_model="Discount-Percentage",
        apply_discount_to="RECURRING",
        discount_level="subscription",
        product_rate_plan_charge_tier_data=_tiers(tier(currency="USD", discount_percentage=15)),
    )

    view = {
        cid: _catalog_charge(http, product_id, cid)
        for cid in (per_unit, tiered, volume, overage, with_overage, fixed, percent)
    }
    assert view[per_unit]["model"] == "PerUnit" and view[per_unit]["pricing"][0]["price"] == 10
    assert view[per_unit]["defaultQuantity"] == 5 and view[per_unit]["pricingSummary"] == ["USD10/Seat"]
    assert view[tiered]["pricing"][0]["tiers"] == [
        {"tier": 1, "startingUnit": 0, "endingUnit": 100, "price": 1, "priceFormat": "PerUnit"},
        {"tier": 2, "startingUnit": 100, "endingUnit": 500, "price": 0.5, "priceFormat": "PerUnit"},
        {"tier": 3, "startingUnit": 500, "endingUnit": None, "price": 25, "priceFormat": "FlatFee"},
    ]
    assert view[tiered]["billingTiming"] == "IN_ARREARS"  # usage is billed in arrears
    assert view[volume]["model"] == "Volume" and len(view[volume]["pricing"][0]["tiers"]) == 2
    assert view[volume]["defaultQuantity"] == 0  # Zuora's default for tiered and volume charges
    assert view[overage]["pricing"][0]["includedUnits"] == 1000
    assert view[overage]["pricing"][0]["overagePrice"] == 0.01
    assert view[with_overage]["model"] == "TieredWithOverage"
    assert view[with_overage]["pricing"][0]["overagePrice"] == 0.05
    assert len(view[with_overage]["pricing"][0]["tiers"]) == 1
    assert view[fixed]["pricing"][0]["discountAmount"] == 5 and view[fixed]["pricing"][0]["price"] is None
    assert (view[fixed]["discountLevel"], view[fixed]["applyDiscountTo"]) == ("rateplan", "ONETIMERECURRINGUSAGE")
    assert view[percent]["pricing"][0]["discountPercentage"] == 15
    assert (view[percent]["discountLevel"], view[percent]["applyDiscountTo"]) == ("subscription", "RECURRING")
    assert view[percent]["pricingSummary"] == ["15% discount"]


def test_schedule_settings_are_stored(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id)
    charge_id = _charge(
        zuora,
        plan_id,
        billing_period="Specific Months",
        specific_billing_period=2,
        bill_cycle_type="SpecificDayofMonth",
        bill_cycle_day=15,
        billing_timing="In Arrears",
        list_price_base="Per Month",
        end_date_condition="FixedPeriod",
        up_to_periods=6,
        trigger_event="ServiceActivation",
    )
    got = http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json()
    assert got["BillingPeriod"] == "Specific Months" and got["SpecificBillingPeriod"] == 2
    assert (got["BillCycleType"], got["BillCycleDay"]) == ("SpecificDayofMonth", 15)
    assert (got["ListPriceBase"], got["BillingTiming"]) == ("Per Month", "In Arrears")
    assert (got["EndDateCondition"], got["UpToPeriods"]) == ("FixedPeriod", 6)
    view = _catalog_charge(http, product_id, charge_id)
    assert (view["billingPeriod"], view["billingDay"]) == ("Specific_Months", "SpecificDayofMonth(15)")
    assert (view["endDateCondition"], view["listPriceBase"]) == ("Fixed_Period", "Per_Month")

    weekly = _charge(
        zuora,
        plan_id,
        name="Weekly",
        billing_period="Week",
        bill_cycle_type="SpecificDayofWeek",
        weekly_bill_cycle_day="Monday",
        list_price_base="Per Week",
    )
    assert _catalog_charge(http, product_id, weekly)["billingDay"] == "SpecificDayofWeek/Monday"


# --- tiers ---------------------------------------------------------------------------------


def test_tier_get_and_update_through_the_sdk(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    charge_id = _charge(
        zuora,
        _plan(zuora, product_id),
        charge_type="Usage",
        charge_model="Tiered Pricing",
        uom="GB",
        product_rate_plan_charge_tier_data=_tiers(
            ProductRatePlanChargeTier(currency="USD", starting_unit=0, ending_unit=10, price=2),
            ProductRatePlanChargeTier(currency="USD", starting_unit=10, price=1),
        ),
    )
    second_id = _tier_ids(http, charge_id)[1]
    api = zuora.product_rate_plan_charge_tiers_api()
    tier = api.get_product_rate_plan_charge_tier(second_id)
    assert (tier.id, tier.currency, tier.tier, tier.price, tier.starting_unit) == (second_id, "USD", 2, 1, 10)
    assert tier.ending_unit is None and tier.price_format == "Per Unit"

    answer = api.update_product_rate_plan_charge_tier(second_id, UpdateProductRatePlanChargeTierRequest(price=0.75))
    assert (answer.success, answer.id) == (True, second_id)
    assert api.get_product_rate_plan_charge_tier(second_id).price == 0.75
    prices = [t["price"] for t in _catalog_charge(http, product_id, charge_id)["pricing"][0]["tiers"]]
    assert prices == [2, 0.75]


# --- the catalog list ----------------------------------------------------------------------


def test_products_are_paged_with_a_next_page_link(zuora: Any) -> None:
    names = ["A", "B", "C"]
    for name in names:
        _plan(zuora, _product(zuora, name=name))
    api = zuora.products_api()
    first = api.get_products(page=1, page_size=2)
    assert [p.name for p in first.products] == ["A", "B"]
    assert first.next_page == "/v1/catalog/products?page=2&pageSize=2"
    assert first.products[0].product_rate_plans[0]["name"] == "Standard"
    second = api.get_products(page=2, page_size=2)
    assert [p.name for p in second.products] == ["C"] and second.next_page is None
    assert len(api.get_products().products) == 3  # the default page holds 10


# --- cascades and isolation ----------------------------------------------------------------


def test_deleting_a_product_deletes_its_plans_charges_and_tiers(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id)
    charge_id = _charge(zuora, plan_id)
    tier_id = _tier_ids(http, charge_id)[0]
    zuora.products_api().delete_product(product_id)
    for path in (
        f"/v1/object/product/{product_id}",
        f"/v1/object/product-rate-plan/{plan_id}",
        f"/v1/object/product-rate-plan-charge/{charge_id}",
        f"/v1/object/product-rate-plan-charge-tier/{tier_id}",
    ):
        answer = http.get(path)
        assert (answer.status_code, answer.json()) == (404, {"done": True, "records": [], "size": 0})


def test_a_subscribed_catalog_cannot_be_deleted(zuora: Any, http: httpx.Client) -> None:
    product_id = _product(zuora)
    plan_id = _plan(zuora, product_id)
    charge_id = _charge(zuora, plan_id)
    account = zuora.accounts_api().create_account(
        CreateAccountRequest(
            name="Acme", currency="USD", bill_to_contact=CreateAccountContact(first_name="Ada", last_name="Lovelace")
        )
    )
    zuora.subscriptions_api().create_subscription(
        CreateSubscriptionRequest(
            account_key=account.account_id,
            contract_effective_date=date(2024, 1, 1),
            term_type="EVERGREEN",
            renewal_term=0,
            subscribe_to_rate_plans=[CreateSubscriptionRatePlan(product_rate_plan_id=plan_id)],
        )
    )
    for path, what in (
        (f"/v1/object/product/{product_id}", "product"),
        (f"/v1/object/product-rate-plan/{plan_id}", "product rate plan"),
        (f"/v1/object/product-rate-plan-charge/{charge_id}", "product rate plan charge"),
    ):
        answer = http.delete(path)
        assert answer.status_code == 400
        message = f"the {what} cannot be deleted: 1 subscription uses it"
        assert answer.json() == {"Success": False, "Errors": [{"Code": "CANNOT_DELETE", "Message": message}]}
        assert http.get(path).status_code == 200


def test_another_tenant_sees_nothing_of_this_catalog(
    zuora: Any, http: httpx.Client, db: Database, server: ServerThread
) -> None:
    product_id = _product(zuora, sku="MINE-1")
    plan_id = _plan(zuora, product_id)
    charge_id = _charge(zuora, plan_id)
    tier_id = _tier_ids(http, charge_id)[0]
    other = make_tenant(db)
    headers = {"Authorization": f"Bearer {bearer_token(server.url, other)}"}
    with httpx.Client(base_url=server.url, headers=headers) as theirs:
        for path in (
            f"/v1/object/product/{product_id}",
            f"/v1/object/product-rate-plan/{plan_id}",
            f"/v1/object/product-rate-plan-charge/{charge_id}",
            f"/v1/object/product-rate-plan-charge-tier/{tier_id}",
        ):
            assert theirs.get(path).status_code == 404
            assert theirs.put(path, json={"Name": "Stolen", "Price": 1}).status_code == 404
            if "tier" not in path:
                assert theirs.delete(path).status_code == 404
        assert theirs.get(f"/v1/catalog/product/{product_id}").status_code == 404
        assert theirs.get("/v1/catalog/product/MINE-1").status_code == 404
        assert theirs.get(f"/v1/product-rate-plans/{plan_id}").status_code == 404
        assert theirs.get("/v1/catalog/products").json()["products"] == []
        # Their own rate plan cannot hang under this tenant's product.
        refused = theirs.post("/v1/object/product-rate-plan", json={"Name": "X", "ProductId": product_id})
        assert refused.status_code == 400
        assert refused.json()["Errors"] == [
            {"Code": "INVALID_VALUE", "Message": f"'ProductId' '{product_id}' is not a product of this tenant"}
        ]
        # The same SKU is free in another tenant.
        mine_too = {
            "Name": "Theirs",
            "SKU": "MINE-1",
            "EffectiveStartDate": "2024-01-01",
            "EffectiveEndDate": "2025-01-01",
        }
        assert theirs.post("/v1/object/product", json=mine_too).status_code == 200
    # Nothing changed here.
    assert http.get(f"/v1/object/product/{product_id}").json()["Name"] == "Cloud Storage"


# --- what the billing engine reads ---------------------------------------------------------


def test_load_charges_reads_every_billing_field_set_wise(zuora: Any, db: Database, tenant: Tenant) -> None:
    plan_id = _plan(zuora, _product(zuora, name="Suite"), name="Pro")
    empty_plan = _plan(zuora, _product(zuora, name="Empty"))
    flat = _charge(
        zuora,
        plan_id,
        name="Base",
        product_rate_plan_charge_tier_data=_tiers(
            ProductRatePlanChargeTier(currency="USD", price=49), ProductRatePlanChargeTier(currency="EUR", price=45)
        ),
    )
    usage = _charge(
        zuora,
        plan_id,
        name="Storage",
        charge_type="Usage",
        charge_model="Tiered with Overage Pricing",
        uom="GB",
        billing_period="Quarter",
        product_rate_plan_charge_tier_data=_tiers(
            ProductRatePlanChargeTier(currency="USD", starting_unit=0, ending_unit=100, price=0),
            ProductRatePlanChargeTier(currency="USD", price=0.2, is_overage_price=True),
        ),
    )
    discount = _charge(
        zuora,
        plan_id,
        name="Promo",
        charge_model="Discount-Percentage",
        apply_discount_to="ONETIMERECURRING",
        end_date_condition="FixedPeriod",
        up_to_periods=3,
        product_rate_plan_charge_tier_data=_tiers(ProductRatePlanChargeTier(currency="USD", discount_percentage=10)),
    )
    other = make_tenant(db)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    with db.read() as conn:
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = load_charges(
                conn, entity_id=tenant.entity_id, product_rate_plan_ids=[plan_id, empty_plan, "nope", plan_id]
            )
            theirs = load_charges(conn, entity_id=other.entity_id, product_rate_plan_ids=[plan_id])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    # One query per table (plans, products, charges, tiers); another entity's call stops after plans.
    assert len(statements) == 4 + 1
    assert theirs == {}
    assert found[empty_plan] == [] and "nope" not in found
    base, storage, promo = found[plan_id]
    assert (base.id, storage.id, promo.id) == (flat, usage, discount)  # in creation order
    assert (base.product_name, base.rate_plan_name, base.sku) == ("Suite", "Pro", "SKU-00000001")
    assert (base.charge_type, base.charge_model, base.billing_period) == (
        ChargeType.RECURRING,
        ChargeModel.FLAT_FEE,
        BillingPeriod.MONTH,
    )
    assert (base.billing_timing, base.list_price_base) == (BillingTiming.IN_ADVANCE, ListPriceBase.PER_BILLING_PERIOD)
    assert (base.bill_cycle_type, base.trigger_event) == (
        BillCycleType.DEFAULT_FROM_CUSTOMER,
        TriggerEvent.CONTRACT_EFFECTIVE,
    )
    assert base.billing_period_alignment is BillingPeriodAlignment.ALIGN_TO_CHARGE
    assert base.end_date_condition is EndDateCondition.SUBSCRIPTION_END
    assert base.up_to_periods_type is UpToPeriodsType.BILLING_PERIODS
    assert base.currencies == {"USD", "EUR"}
    assert base.price_for("EUR") == Decimal(45) and base.price_for("GBP") is None
    assert base.apply_discount_to == frozenset()
    assert storage.billing_timing is BillingTiming.IN_ARREARS and storage.uom == "GB"
    assert storage.tiers_for("USD") == (
        ChargeTier(1, "USD", Decimal(0), PriceFormat.PER_UNIT, Decimal(0), Decimal(100)),
        ChargeTier(2, "USD", Decimal("0.2"), PriceFormat.PER_UNIT, is_overage_price=True),
    )
    assert promo.discount_level is DiscountLevel.RATE_PLAN
    assert promo.apply_discount_to == {ChargeType.ONE_TIME, ChargeType.RECURRING}
    assert (promo.end_date_condition, promo.up_to_periods) == (EndDateCondition.FIXED_PERIOD, 3)
    assert promo.tiers_for("USD")[0].discount_percentage == Decimal(10)
    assert promo.tiers_for("USD")[0].price is None

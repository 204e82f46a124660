"""Every catalog validation rule over raw HTTP, with the exact Object API code and message, and the
Object API conventions (``rejectUnknownFields``, ``fields``, 404 and delete shapes)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

import httpx
import pytest
import zuora_sdk
from zuora_sdk import (
    CreateProductRatePlanChargeRequest,
    CreateProductRequest,
    ProductRatePlanChargeTier,
    ProductRatePlanChargeTierData,
)

from billforge.api.object_api import unrecognised_fields
from billforge.db.session import Database
from billforge.domain.catalog import (
    UNSUPPORTED,
    UNSUPPORTED_VALUES,
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    ChargeModel,
    ChargeType,
    ListPriceBase,
    PriceChangeOption,
    RatingGroup,
    TriggerEvent,
    UpToPeriodsType,
)
from billforge.objects import catalog as schemas
from billforge.services import taxes
from tests.conftest import Tenant

pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")

TIERS = "ProductRatePlanChargeTierData.ProductRatePlanChargeTier"
NO_DATA = {"done": True, "records": [], "size": 0}
UNRECOGNISED = {"message": "Error - unrecognised fields"}
ACTIVE = "(active: EUR, GBP, JPY, USD)"  # product.md's tenant defaults
DROP = object()


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["Success"] is False
    return [(e["Code"], e["Message"]) for e in body["Errors"]]


def _with(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    body = {**base, **changes}
    return {k: v for k, v in body.items() if v is not DROP}


def _product_body(**changes: Any) -> dict[str, Any]:
    base = {"Name": "Storage", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2030-01-01"}
    return _with(base, changes)


def _tiers(*tiers: dict[str, Any]) -> dict[str, Any]:
    return {"ProductRatePlanChargeTier": list(tiers)}


def _charge_body(plan_id: str, **changes: Any) -> dict[str, Any]:
    base = {
        "ProductRatePlanId": plan_id,
        "Name": "Fee",
        "ChargeType": "Recurring",
        "ChargeModel": "Flat Fee Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Month",
        "TriggerEvent": "ContractEffective",
        "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 10}),
    }
    return _with(base, changes)


@pytest.fixture
def product_id(http: httpx.Client) -> str:
    answer = http.post("/v1/object/product", json=_product_body())
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["Id"]
    return value


@pytest.fixture
def plan_id(http: httpx.Client, product_id: str) -> str:
    answer = http.post("/v1/object/product-rate-plan", json={"Name": "Standard", "ProductId": product_id})
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["Id"]
    return value


def _charges_of(http: httpx.Client, product_id: str) -> list[dict[str, Any]]:
    plans = http.get(f"/v1/catalog/product/{product_id}").json()["productRatePlans"]
    return [charge for plan in plans for charge in plan["productRatePlanCharges"]]


def _tier_ids(http: httpx.Client, charge_id: str) -> list[str]:
    """The ids of a charge's tiers (its GET shows them when ``fields`` asks for the tier data)."""
    got = http.get(
        f"/v1/object/product-rate-plan-charge/{charge_id}", params={"fields": "ProductRatePlanChargeTierData"}
    )
    return [tier["Id"] for tier in got.json()["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"]]


# --- the Object API conventions ------------------------------------------------------------


def test_reject_unknown_fields_refuses_with_zuoras_exact_body(http: httpx.Client, plan_id: str) -> None:
    refused = http.post("/v1/object/product?rejectUnknownFields=true", json=_product_body(Colour="blue"))
    assert (refused.status_code, refused.json()) == (400, UNRECOGNISED)
    nested = _charge_body(plan_id, ProductRatePlanChargeTierData=_tiers({"Currency": "USD", "Price": 1, "Tint": 2}))
    refused = http.post("/v1/object/product-rate-plan-charge?rejectUnknownFields=true", json=nested)
    assert (refused.status_code, refused.json()) == (400, UNRECOGNISED)
    refused = http.put(f"/v1/object/product-rate-plan/{plan_id}?rejectUnknownFields=true", json={"Colour": "blue"})
    assert (refused.status_code, refused.json()) == (400, UNRECOGNISED)
    # Only the product made by the fixture exists: nothing was stored.
    assert len(http.get("/v1/catalog/products").json()["products"]) == 1


def test_custom_and_known_fields_pass_reject_unknown_fields(http: httpx.Client) -> None:
    body = _product_body(Tier__c="Gold", SyncDate__NS="2024-01-01")
    created = http.post("/v1/object/product?rejectUnknownFields=true", json=body)
    assert created.status_code == 200, created.text
    got = http.get(f"/v1/object/product/{created.json()['Id']}").json()
    assert (got["Tier__c"], got["SyncDate__NS"]) == ("Gold", "2024-01-01")


def test_unknown_fields_are_ignored_without_the_flag(http: httpx.Client) -> None:
    for query in ("", "?rejectUnknownFields=false"):
        created = http.post(f"/v1/object/product{query}", json=_product_body(Colour="blue"))
        assert created.status_code == 200
        assert "Colour" not in http.get(f"/v1/object/product/{created.json()['Id']}").json()


def test_the_sdks_own_defaults_are_known_fields(zuora: Any, plan_id: str) -> None:
    # The SDK sends EndDateCondition, PriceChangeOption, UpToPeriodsType, ExcludeItem... on its own.
    request = CreateProductRatePlanChargeRequest(
        product_rate_plan_id=plan_id,
        name="Fee",
        charge_type="OneTime",
        charge_model="Flat Fee Pricing",
        bill_cycle_type="DefaultFromCustomer",
        billing_period="Month",
        trigger_event="ContractEffective",
        use_discount_specific_accounting_code=False,
        product_rate_plan_charge_tier_data=ProductRatePlanChargeTierData(
            product_rate_plan_charge_tier=[ProductRatePlanChargeTier(currency="USD", price=5)]
        ),
    )
    api = zuora.product_rate_plan_charges_api()
    created = api.create_product_rate_plan_charge(request, reject_unknown_fields=True, x_zuora_wsdl_version="133")
    assert created.success is True


def test_the_wsdl_version_header_is_accepted(zuora: Any) -> None:
    request = CreateProductRequest(name="P", effective_start_date="2024-01-01", effective_end_date="2025-01-01")
    assert zuora.products_api().create_product(request, x_zuora_wsdl_version="133").success is True


def test_fields_selects_fields_case_insensitively_and_always_id(http: httpx.Client, product_id: str) -> None:
    got = http.get(f"/v1/object/product/{product_id}", params={"fields": "name, SKU ,effectiveenddate"})
    assert got.json() == {"Id": product_id, "Name": "Storage", "SKU": "SKU-00000001", "EffectiveEndDate": "2030-01-01"}
    # A field that has no value is still a field of the object; it is simply absent.
    assert http.get(f"/v1/object/product/{product_id}", params={"fields": "Description"}).json() == {"Id": product_id}


def test_a_charge_is_flat_unless_its_tiers_are_asked_for(http: httpx.Client, plan_id: str) -> None:
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=_charge_body(plan_id)).json()["Id"]
    flat = http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json()
    assert not any(isinstance(value, dict | list) for value in flat.values())
    asked = http.get(
        f"/v1/object/product-rate-plan-charge/{charge_id}", params={"fields": "Name,ProductRatePlanChargeTierData"}
    )
    (tier,) = asked.json()["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"]
    assert (tier["Currency"], tier["Price"], tier["Tier"]) == ("USD", 10, 1)
    assert asked.json()["Name"] == "Fee"


def test_fields_refuses_a_field_the_object_does_not_have(http: httpx.Client, product_id: str) -> None:
    answer = http.get(f"/v1/object/product/{product_id}", params={"fields": "Name,Colour"})
    assert _errors(answer) == [("INVALID_FIELD", "'fields': 'Colour' is not a field of this object")]


@pytest.mark.parametrize(
    "path", ["product", "product-rate-plan", "product-rate-plan-charge", "product-rate-plan-charge-tier"]
)
def test_an_unknown_id_is_proxy_no_data(http: httpx.Client, path: str) -> None:
    missing = "0" * 32
    assert (lambda r: (r.status_code, r.json()))(http.get(f"/v1/object/{path}/{missing}")) == (404, NO_DATA)
    answer = http.put(f"/v1/object/{path}/{missing}", json={"Name": "X", "Price": 1})
    assert (answer.status_code, answer.json()) == (404, NO_DATA)
    if path != "product-rate-plan-charge-tier":  # tiers are deleted with their charge only
        answer = http.delete(f"/v1/object/{path}/{missing}")
        assert (answer.status_code, answer.json()) == (404, NO_DATA)


def test_create_and_delete_answer_zuoras_shapes(http: httpx.Client) -> None:
    created = http.post("/v1/object/product", json=_product_body())
    product_id = created.json()["Id"]
    assert created.json() == {"Success": True, "Id": product_id}
    deleted = http.delete(f"/v1/object/product/{product_id}")
    assert (deleted.status_code, deleted.json()) == (200, {"id": product_id, "success": True})


def test_a_body_that_is_not_a_json_object_is_refused(http: httpx.Client) -> None:
    answer = http.post("/v1/object/product", json=["Name"])
    assert _errors(answer) == [("INVALID_VALUE", "'body' must be a JSON object")]
    answer = http.post("/v1/object/product", content=b"{", headers={"Content-Type": "application/json"})
    ((code, message),) = _errors(answer)
    assert code == "INVALID_VALUE" and message.startswith("the request body is not valid JSON")


# --- products ------------------------------------------------------------------------------

PRODUCT_RULES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "required",
        {"Name": DROP, "EffectiveStartDate": DROP, "EffectiveEndDate": DROP},
        [
            ("MISSING_REQUIRED_VALUE", "'Name' is required"),
            ("MISSING_REQUIRED_VALUE", "'EffectiveStartDate' is required"),
            ("MISSING_REQUIRED_VALUE", "'EffectiveEndDate' is required"),
        ],
    ),
    ("blank name", {"Name": "  "}, [("MISSING_REQUIRED_VALUE", "'Name' is required")]),
    ("name too long", {"Name": "x" * 101}, [("INVALID_VALUE", "'Name' must be at most 100 characters")]),
    (
        "end before start",
        {"EffectiveStartDate": "2024-06-01", "EffectiveEndDate": "2024-01-01"},
        [("INVALID_VALUE", "'EffectiveEndDate' 2024-01-01 must be after 'EffectiveStartDate' 2024-06-01")],
    ),
    (
        "end on start",
        {"EffectiveStartDate": "2024-06-01", "EffectiveEndDate": "2024-06-01"},
        [("INVALID_VALUE", "'EffectiveEndDate' 2024-06-01 must be after 'EffectiveStartDate' 2024-06-01")],
    ),
    (
        "date format",
        {"EffectiveStartDate": "2024/01/01"},
        [("INVALID_VALUE", "'EffectiveStartDate' must be a date in yyyy-mm-dd format, got '2024/01/01'")],
    ),
    (
        "category",
        {"Category": "Hardware"},
        [
            (
                "INVALID_VALUE",
                "'Category' must be one of 'Base Products', 'Add On Services', 'Miscellaneous Products', "
                "got 'Hardware'",
            )
        ],
    ),
    ("blank sku", {"SKU": " "}, [("INVALID_VALUE", "'SKU' must not be blank")]),
    ("sku too long", {"SKU": "S" * 51}, [("INVALID_VALUE", "'SKU' must be at most 50 characters")]),
    (
        "boolean",
        {"AllowFeatureChanges": "yes"},
        [("INVALID_VALUE", "'AllowFeatureChanges' must be true or false, got 'yes'")],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [r[1:] for r in PRODUCT_RULES], ids=[r[0] for r in PRODUCT_RULES])
def test_product_rules(http: httpx.Client, changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _errors(http.post("/v1/object/product", json=_product_body(**changes))) == expected
    assert http.get("/v1/catalog/products").json()["products"] == []


def test_skus_and_product_numbers_are_unique_in_the_tenant(http: httpx.Client) -> None:
    first = http.post("/v1/object/product", json=_product_body(SKU="ABC", ProductNumber="PN-1")).json()["Id"]
    again = http.post("/v1/object/product", json=_product_body(SKU="ABC", ProductNumber="PN-1"))
    assert _errors(again) == [
        ("DUPLICATE_VALUE", "'SKU' 'ABC' is already used by another product"),
        ("DUPLICATE_VALUE", "'ProductNumber' 'PN-1' is already used by another product"),
    ]
    second = http.post("/v1/object/product", json=_product_body(SKU="DEF")).json()["Id"]
    assert _errors(http.put(f"/v1/object/product/{second}", json={"SKU": "ABC"})) == [
        ("DUPLICATE_VALUE", "'SKU' 'ABC' is already used by another product")
    ]
    # A product may keep its own SKU.
    assert http.put(f"/v1/object/product/{first}", json={"SKU": "ABC", "Name": "Renamed"}).status_code == 200


def test_a_product_update_is_checked_as_a_whole(http: httpx.Client, product_id: str) -> None:
    # Stored: 2024-01-01 to 2030-01-01; moving only the end before the start is refused.
    answer = http.put(f"/v1/object/product/{product_id}", json={"EffectiveEndDate": "2023-01-01"})
    assert _errors(answer) == [
        ("INVALID_VALUE", "'EffectiveEndDate' 2023-01-01 must be after 'EffectiveStartDate' 2024-01-01")
    ]
    answer = http.put(f"/v1/object/product/{product_id}", json={"Name": None})
    assert _errors(answer) == [("MISSING_REQUIRED_VALUE", "'Name' is required")]
    # A SKU sent as null keeps the product's SKU.
    assert http.put(f"/v1/object/product/{product_id}", json={"SKU": None}).status_code == 200
    assert http.get(f"/v1/object/product/{product_id}").json()["SKU"] == "SKU-00000001"


# --- rate plans ----------------------------------------------------------------------------


def test_rate_plan_rules(http: httpx.Client, product_id: str) -> None:
    post = lambda body: http.post("/v1/object/product-rate-plan", json=body)  # noqa: E731
    assert _errors(post({})) == [
        ("MISSING_REQUIRED_VALUE", "'Name' is required"),
        ("MISSING_REQUIRED_VALUE", "'ProductId' is required"),
    ]
    assert _errors(post({"Name": "P", "ProductId": "nope"})) == [
        ("INVALID_VALUE", "'ProductId' 'nope' is not a product of this tenant")
    ]
    assert _errors(post({"Name": "P", "ProductId": product_id, "Grade": 0})) == [
        ("INVALID_VALUE", "'Grade' must be a positive integer, got 0")
    ]
    assert _errors(post({"Name": "P", "ProductId": product_id, "ActiveCurrencies": ["USD", "XXX"]})) == [
        ("INVALID_VALUE", f"'ActiveCurrencies[1]' 'XXX' is not an active currency of this tenant {ACTIVE}")
    ]
    assert _errors(post({"Name": "P", "ProductId": product_id, "ActiveCurrencies": ["USD"] * 6})) == [
        ("INVALID_VALUE", "'ActiveCurrencies' may list at most 5 currencies, got 6"),
        ("INVALID_VALUE", "'ActiveCurrencies' lists a currency twice"),
    ]
    dates = {"EffectiveStartDate": "2024-02-01", "EffectiveEndDate": "2024-01-01"}
    assert _errors(post({"Name": "P", "ProductId": product_id, **dates})) == [
        ("INVALID_VALUE", "'EffectiveEndDate' 2024-01-01 must be after 'EffectiveStartDate' 2024-02-01")
    ]
    assert post({"Name": "P", "ProductId": product_id, "ProductRatePlanNumber": "RP-1"}).status_code == 200
    assert _errors(post({"Name": "P", "ProductId": product_id, "ProductRatePlanNumber": "RP-1"})) == [
        ("DUPLICATE_VALUE", "'Name' 'P' is already used by another rate plan of this product"),
        ("DUPLICATE_VALUE", "'ProductRatePlanNumber' 'RP-1' is already used by another product rate plan"),
    ]
    # The same name is fine under another product.
    other = http.post("/v1/object/product", json=_product_body()).json()["Id"]
    assert post({"Name": "P", "ProductId": other}).status_code == 200


def test_a_rate_plan_moves_only_to_a_product_of_the_tenant(http: httpx.Client, plan_id: str) -> None:
    answer = http.put(f"/v1/object/product-rate-plan/{plan_id}", json={"ProductId": "f" * 32})
    assert _errors(answer) == [("INVALID_VALUE", f"'ProductId' '{'f' * 32}' is not a product of this tenant")]


def test_deleting_a_rate_plan_deletes_its_charges(http: httpx.Client, product_id: str, plan_id: str) -> None:
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=_charge_body(plan_id)).json()["Id"]
    assert http.delete(f"/v1/object/product-rate-plan/{plan_id}").json() == {"id": plan_id, "success": True}
    assert http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").status_code == 404
    assert http.get(f"/v1/object/product/{product_id}").status_code == 200


# --- charges -------------------------------------------------------------------------------


def _tier_path(index: int, name: str = "") -> str:
    return f"{TIERS}[{index}]" + (f".{name}" if name else "")


CHARGE_RULES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "required",
        {
            "Name": DROP,
            "ChargeType": DROP,
            "ChargeModel": DROP,
            "BillCycleType": DROP,
            "TriggerEvent": DROP,
            "ProductRatePlanChargeTierData": DROP,
        },
        [
            ("MISSING_REQUIRED_VALUE", "'Name' is required"),
            ("MISSING_REQUIRED_VALUE", "'ChargeType' is required"),
            ("MISSING_REQUIRED_VALUE", "'ChargeModel' is required"),
            ("MISSING_REQUIRED_VALUE", "'BillCycleType' is required"),
            ("MISSING_REQUIRED_VALUE", "'TriggerEvent' is required"),
            ("MISSING_REQUIRED_VALUE", "'ProductRatePlanChargeTierData' is required"),
        ],
    ),
    (
        "billing period of a recurring charge",
        {"BillingPeriod": DROP},
        [("MISSING_REQUIRED_VALUE", "'BillingPeriod' is required for Recurring charges")],
    ),
    (
        "billing period of a usage charge",
        {"BillingPeriod": None, "ChargeType": "Usage"},
        [("MISSING_REQUIRED_VALUE", "'BillingPeriod' is required for Usage charges")],
    ),
    (
        "no tiers",
        {"ProductRatePlanChargeTierData": _tiers()},
        [("MISSING_REQUIRED_VALUE", f"'{TIERS}' is required: a charge is priced by at least one tier")],
    ),
    (
        "unknown enum value",
        {"ChargeType": "Monthly"},
        [("INVALID_VALUE", "'ChargeType' must be one of 'OneTime', 'Recurring', 'Usage', 'Others', got 'Monthly'")],
    ),
    (
        "enum values are case-sensitive",
        {"TriggerEvent": "contracteffective"},
        [
            (
                "INVALID_VALUE",
                "'TriggerEvent' must be one of 'ContractEffective', 'ServiceActivation', 'CustomerAcceptance', "
                "'SpecificDate', got 'contracteffective'",
            )
        ],
    ),
    (
        "discount on usage",
        {
            "ChargeType": "Usage",
            "ChargeModel": "Discount-Fixed Amount",
            "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "DiscountAmount": 5}),
        },
        [
            (
                "INVALID_VALUE",
                "'ChargeModel' Discount-Fixed Amount is for one-time and recurring charges, not usage charges",
            )
        ],
    ),
    (
        "overage on recurring",
        {"ChargeModel": "Overage Pricing", "UOM": "GB", "IncludedUnits": 10},
        [("INVALID_VALUE", "'ChargeModel' Overage Pricing is for usage charges only, not Recurring charges")],
    ),
    (
        "uom of a per-unit model",
        {"ChargeModel": "Per Unit Pricing", "DefaultQuantity": 1},
        [("MISSING_REQUIRED_VALUE", "'UOM' is required for Per Unit Pricing")],
    ),
    (
        "default quantity of per unit",
        {"ChargeModel": "Per Unit Pricing", "UOM": "Seat"},
        [
            (
                "MISSING_REQUIRED_VALUE",
                "'DefaultQuantity' is required for Recurring charges priced with Per Unit Pricing",
            )
        ],
    ),
    (
        "included units of overage",
        {"ChargeType": "Usage", "ChargeModel": "Overage Pricing", "UOM": "GB"},
        [("MISSING_REQUIRED_VALUE", "'IncludedUnits' is required for Overage Pricing")],
    ),
    (
        "negative default quantity",
        {"ChargeModel": "Per Unit Pricing", "UOM": "Seat", "DefaultQuantity": -1},
        [("INVALID_VALUE", "'DefaultQuantity' must be 0 or more, got -1")],
    ),
    (
        "quantity decimals",
        {"ChargeModel": "Per Unit Pricing", "UOM": "Seat", "DefaultQuantity": "1.1234567"},
        [("INVALID_VALUE", "'DefaultQuantity' 1.1234567 has more than 6 decimal places")],
    ),
    (
        "bill cycle day range",
        {"BillCycleDay": 32},
        [("INVALID_VALUE", "'BillCycleDay' must be between 1 and 31, got 32")],
    ),
    (
        "specific day of month needs the day",
        {"BillCycleType": "SpecificDayofMonth"},
        [("MISSING_REQUIRED_VALUE", "'BillCycleDay' is required when 'BillCycleType' is SpecificDayofMonth")],
    ),
    (
        "specific day of month with weeks",
        {"BillCycleType": "SpecificDayofMonth", "BillCycleDay": 1, "BillingPeriod": "Week"},
        [("INVALID_VALUE", "'BillCycleType' SpecificDayofMonth needs a month-based billing period, not Week")],
    ),
    (
        "specific day of week needs the day",
        {"BillCycleType": "SpecificDayofWeek", "BillingPeriod": "Week"},
        [("MISSING_REQUIRED_VALUE", "'WeeklyBillCycleDay' is required when 'BillCycleType' is SpecificDayofWeek")],
    ),
    (
        "specific day of week with months",
        {"BillCycleType": "SpecificDayofWeek", "WeeklyBillCycleDay": "Friday"},
        [("INVALID_VALUE", "'BillCycleType' SpecificDayofWeek needs the Week billing period, not Month")],
    ),
    (
        "weekday",
        {"BillCycleType": "SpecificDayofWeek", "BillingPeriod": "Week", "WeeklyBillCycleDay": "Funday"},
        [
            (
                "INVALID_VALUE",
                "'WeeklyBillCycleDay' must be one of 'Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', "
                "'Friday', 'Saturday', got 'Funday'",
            )
        ],
    ),
    (
        "specific months need the months",
        {"BillingPeriod": "Specific Months"},
        [("MISSING_REQUIRED_VALUE", "'SpecificBillingPeriod' is required when 'BillingPeriod' is Specific Months")],
    ),
    (
        "specific months are positive",
        {"BillingPeriod": "Specific Months", "SpecificBillingPeriod": 0},
        [("INVALID_VALUE", "'SpecificBillingPeriod' must be a positive number of months, got 0")],
    ),
    (
        "usage in advance",
        {"ChargeType": "Usage", "BillingTiming": "In Advance"},
        [("INVALID_VALUE", "'BillingTiming' In Advance is not possible: usage charges are billed in arrears")],
    ),
    (
        "per week list price with months",
        {"ListPriceBase": "Per Week"},
        [("INVALID_VALUE", "'ListPriceBase' Per Week does not fit the Month billing period")],
    ),
    (
        "per year list price with weeks",
        {"ListPriceBase": "Per_Year", "BillingPeriod": "Week"},
        [("INVALID_VALUE", "'ListPriceBase' Per Year does not fit the Week billing period")],
    ),
    (
        "fixed period needs periods",
        {"EndDateCondition": "FixedPeriod"},
        [("MISSING_REQUIRED_VALUE", "'UpToPeriods' is required when 'EndDateCondition' is FixedPeriod")],
    ),
    (
        "fixed period range",
        {"EndDateCondition": "FixedPeriod", "UpToPeriods": 0},
        [("INVALID_VALUE", "'UpToPeriods' must be between 1 and 65534, got 0")],
    ),
    (
        "one-time end of a recurring charge",
        {"EndDateCondition": "OneTime"},
        [("INVALID_VALUE", "'EndDateCondition' OneTime is for one-time charges only")],
    ),
    (
        "specific end date in the catalog",
        {"EndDateCondition": "SpecificEndDate"},
        [
            (
                "INVALID_VALUE",
                "'EndDateCondition' SpecificEndDate belongs to a subscription's charge, which has the date; a "
                "catalog charge ends with the subscription (SubscriptionEnd) or after a fixed period (FixedPeriod)",
            )
        ],
    ),
    (
        "taxable needs code and mode",
        {"Taxable": True},
        [
            ("MISSING_REQUIRED_VALUE", "'TaxCode' is required when 'Taxable' is true"),
            ("MISSING_REQUIRED_VALUE", "'TaxMode' is required when 'Taxable' is true"),
        ],
    ),
    (
        "unknown tax code",
        {"Taxable": True, "TaxCode": "VAT", "TaxMode": "TaxExclusive"},
        [("INVALID_VALUE", "'TaxCode' 'VAT' is not an active tax code of this tenant")],
    ),
    (
        "unknown rate plan",
        {"ProductRatePlanId": "nope"},
        [("INVALID_VALUE", "'ProductRatePlanId' 'nope' is not a product rate plan of this tenant")],
    ),
    (
        "unsupported feature",
        {"SmoothingModel": "Rollover", "IsPrepaid": True, "ChargeFunction": "Prepayment"},
        [
            ("INVALID_VALUE", "'SmoothingModel' value 'Rollover' is not supported: overage smoothing is not billed"),
            ("INVALID_VALUE", "'IsPrepaid' value true is not supported: prepaid charges are not billed"),
            ("INVALID_VALUE", "'ChargeFunction' value 'Prepayment' is not supported: only standard charges are billed"),
        ],
    ),
    # --- tiers ---
    (
        "tier currency",
        {"ProductRatePlanChargeTierData": _tiers({"Price": 1})},
        [("MISSING_REQUIRED_VALUE", f"'{_tier_path(0, 'Currency')}' is required")],
    ),
    (
        "inactive currency",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 1}, {"Currency": "XXX", "Price": 1})},
        [("INVALID_VALUE", f"'{_tier_path(1, 'Currency')}' 'XXX' is not an active currency of this tenant {ACTIVE}")],
    ),
    (
        "default currency",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "EUR", "Price": 1})},
        [("MISSING_REQUIRED_VALUE", f"'{TIERS}' must price the tenant's default currency USD")],
    ),
    (
        "one tier per currency",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 1}, {"Currency": "USD", "Price": 2})},
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(1)}' is a second tier for USD: Flat Fee Pricing takes one tier per currency",
            )
        ],
    ),
    (
        "price of a flat fee",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "DiscountAmount": 2})},
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(0, 'DiscountAmount')}' does not apply to Flat Fee Pricing: its tiers carry Price only",
            ),
            ("MISSING_REQUIRED_VALUE", f"'{_tier_path(0, 'Price')}' is required for Flat Fee Pricing"),
        ],
    ),
    (
        "amount of a fixed discount",
        {
            "ChargeModel": "Discount-Fixed Amount",
            "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "DiscountAmount": 0}),
        },
        [("INVALID_VALUE", f"'{_tier_path(0, 'DiscountAmount')}' must be more than 0, got 0")],
    ),
    (
        "percentage of a discount",
        {
            "ChargeModel": "Discount-Percentage",
            "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "DiscountPercentage": 101}),
        },
        [("INVALID_VALUE", f"'{_tier_path(0, 'DiscountPercentage')}' must be more than 0 and at most 100, got 101")],
    ),
    (
        "a discount has no price",
        {
            "ChargeModel": "Discount-Percentage",
            "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 10}),
        },
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(0, 'Price')}' does not apply to Discount-Percentage: its tiers carry "
                "DiscountPercentage only",
            ),
            ("MISSING_REQUIRED_VALUE", f"'{_tier_path(0, 'DiscountPercentage')}' is required for Discount-Percentage"),
        ],
    ),
    (
        "overage flag on a flat fee",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 1, "IsOveragePrice": True})},
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(0, 'IsOveragePrice')}' can be true only in Overage Pricing and Tiered with Overage "
                "Pricing, not Flat Fee Pricing",
            )
        ],
    ),
    (
        "overage tier of overage pricing",
        {
            "ChargeType": "Usage",
            "ChargeModel": "Overage Pricing",
            "UOM": "GB",
            "IncludedUnits": 5,
            "ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 1, "IsOveragePrice": False}),
        },
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(0, 'IsOveragePrice')}' must be true: the tier of Overage Pricing is its overage price",
            )
        ],
    ),
    (
        "price with ten decimals",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": "1.0123456789"})},
        [("INVALID_VALUE", f"'{_tier_path(0, 'Price')}' 1.0123456789 has more than 9 decimal places")],
    ),
    (
        "price too large",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 10000000000})},
        [("INVALID_VALUE", f"'{_tier_path(0, 'Price')}' 10000000000 is too large (at most 999999999.999999999)")],
    ),
    (
        "price not a number",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": True})},
        [("INVALID_VALUE", f"'{_tier_path(0, 'Price')}' must be a number, got a boolean")],
    ),
    (
        "minimum amount",
        {"ProductRatePlanChargeTierData": _tiers({"Currency": "USD", "Price": 1, "MinimumAmount": 5})},
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(0, 'MinimumAmount')}' is not supported: billforge does not bill minimum or maximum "
                "tier amounts",
            )
        ],
    ),
]


def _tiered(*ranges: tuple[Any, Any], overage: bool = False, **first: Any) -> dict[str, Any]:
    tiers = [{"Currency": "USD", "StartingUnit": s, "EndingUnit": e, "Price": 1} for s, e in ranges]
    tiers[0].update(first)
    if overage:
        tiers.append({"Currency": "USD", "Price": 2, "IsOveragePrice": True})
    return _tiers(*[{k: v for k, v in t.items() if v is not None} for t in tiers])


TIER_TABLE_RULES: list[tuple[str, str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "starting unit",
        "Tiered Pricing",
        _tiered((None, 10), (10, None)),
        [
            ("MISSING_REQUIRED_VALUE", f"'{_tier_path(0, 'StartingUnit')}' is required"),
        ],
    ),
    (
        "first tier",
        "Tiered Pricing",
        _tiered((5, 10), (10, None)),
        [
            ("INVALID_VALUE", f"'{_tier_path(0, 'StartingUnit')}' must be 0 or 1 for the first tier, got 5"),
        ],
    ),
    (
        "negative units",
        "Volume Pricing",
        _tiered((-1, 10), (10, None)),
        [
            ("INVALID_VALUE", f"'{_tier_path(0, 'StartingUnit')}' must be 0 or more, got -1"),
            ("INVALID_VALUE", f"'{_tier_path(0, 'StartingUnit')}' must be 0 or 1 for the first tier, got -1"),
        ],
    ),
    (
        "gap",
        "Tiered Pricing",
        _tiered((0, 10), (12, None)),
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(1, 'StartingUnit')}' 12 leaves a gap after the previous tier, which ends at "
                "10: tiers must be listed in ascending order, contiguous and not overlapping",
            ),
        ],
    ),
    (
        "overlap",
        "Volume Pricing",
        _tiered((0, 10), (5, None)),
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(1, 'StartingUnit')}' 5 overlaps the previous tier, which ends at 10: tiers "
                "must be listed in ascending order, contiguous and not overlapping",
            ),
        ],
    ),
    (
        "ending below starting",
        "Tiered Pricing",
        _tiered((0, 10), (10, 5)),
        [
            ("INVALID_VALUE", f"'{_tier_path(1, 'EndingUnit')}' 5 is below its StartingUnit 10"),
        ],
    ),
    (
        "open tier before the last",
        "Tiered Pricing",
        _tiered((0, None), (10, 20)),
        [
            (
                "MISSING_REQUIRED_VALUE",
                f"'{_tier_path(0, 'EndingUnit')}' is required: only the last tier may be open-ended",
            ),
        ],
    ),
    (
        "open last tier before the overage",
        "Tiered with Overage Pricing",
        _tiered((0, None), overage=True),
        [
            (
                "MISSING_REQUIRED_VALUE",
                f"'{_tier_path(0, 'EndingUnit')}' is required: the overage tier prices the units above the last tier",
            ),
        ],
    ),
    (
        "no overage tier",
        "Tiered with Overage Pricing",
        _tiered((0, 10)),
        [
            ("INVALID_VALUE", f"'{TIERS}' must have exactly one overage tier (IsOveragePrice true) for USD, got 0"),
        ],
    ),
    (
        "overage tier in tiered",
        "Tiered Pricing",
        _tiered((0, 10), overage=True),
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(1, 'IsOveragePrice')}' can be true only in Overage Pricing and Tiered with "
                "Overage Pricing, not Tiered Pricing",
            ),
        ],
    ),
    (
        "overage price format",
        "Tiered with Overage Pricing",
        _tiers(
            {"Currency": "USD", "StartingUnit": 0, "EndingUnit": 10, "Price": 1},
            {"Currency": "USD", "Price": 2, "IsOveragePrice": True, "PriceFormat": "Flat Fee"},
        ),
        [
            (
                "INVALID_VALUE",
                f"'{_tier_path(1, 'PriceFormat')}' must be Per Unit: the overage price is charged per unit",
            ),
        ],
    ),
    (
        "same ranges in every currency",
        "Tiered Pricing",
        _tiers(
            {"Currency": "USD", "StartingUnit": 0, "EndingUnit": 10, "Price": 1},
            {"Currency": "USD", "StartingUnit": 10, "Price": 1},
            {"Currency": "EUR", "StartingUnit": 0, "EndingUnit": 20, "Price": 1},
            {"Currency": "EUR", "StartingUnit": 20, "Price": 1},
        ),
        [
            (
                "INVALID_VALUE",
                f"'{TIERS}' must give every currency the same ranges and price formats: EUR differ from USD",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [r[1:] for r in CHARGE_RULES], ids=[r[0] for r in CHARGE_RULES])
def test_charge_rules(
    http: httpx.Client, product_id: str, plan_id: str, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    answer = http.post("/v1/object/product-rate-plan-charge", json=_charge_body(plan_id, **changes))
    assert _errors(answer) == expected
    assert _charges_of(http, product_id) == []


@pytest.mark.parametrize(
    ("model", "tiers", "expected"), [r[1:] for r in TIER_TABLE_RULES], ids=[r[0] for r in TIER_TABLE_RULES]
)
def test_tier_table_rules(
    http: httpx.Client,
    product_id: str,
    plan_id: str,
    model: str,
    tiers: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    body = _charge_body(plan_id, ChargeType="Usage", ChargeModel=model, UOM="GB", ProductRatePlanChargeTierData=tiers)
    assert _errors(http.post("/v1/object/product-rate-plan-charge", json=body)) == expected
    assert _charges_of(http, product_id) == []


def test_whole_unit_and_contiguous_tiers_are_both_accepted(http: httpx.Client, plan_id: str) -> None:
    for ranges in (((0, 100), (100, None)), ((1, 100), (101, 200), (201, None))):
        body = _charge_body(
            plan_id,
            Name=f"Tiers {ranges}",
            ChargeModel="Volume Pricing",
            UOM="GB",
            ProductRatePlanChargeTierData=_tiered(*ranges),
        )
        assert http.post("/v1/object/product-rate-plan-charge", json=body).status_code == 200


def test_a_one_time_charge_needs_no_billing_period(http: httpx.Client, plan_id: str) -> None:
    body = _charge_body(plan_id, ChargeType="OneTime", BillingPeriod=DROP, EndDateCondition="OneTime")
    assert http.post("/v1/object/product-rate-plan-charge", json=body).status_code == 200


def test_charge_names_and_numbers_are_unique(http: httpx.Client, plan_id: str, product_id: str) -> None:
    post = lambda body: http.post("/v1/object/product-rate-plan-charge", json=body)  # noqa: E731
    assert post(_charge_body(plan_id, ProductRatePlanChargeNumber="C-1")).status_code == 200
    assert _errors(post(_charge_body(plan_id, ProductRatePlanChargeNumber="C-1"))) == [
        ("DUPLICATE_VALUE", "'Name' 'Fee' is already used by another charge of this rate plan"),
        ("DUPLICATE_VALUE", "'ProductRatePlanChargeNumber' 'C-1' is already used by another product rate plan charge"),
    ]
    other_plan = http.post("/v1/object/product-rate-plan", json={"Name": "Other", "ProductId": product_id}).json()["Id"]
    assert post(_charge_body(other_plan)).status_code == 200  # the same name in another plan


def test_an_active_tax_code_is_accepted(http: httpx.Client, plan_id: str, db: Database, tenant: Tenant) -> None:
    rate = taxes.TaxRateInput(name="VAT 20%", rate=Decimal("0.2"), rate_type="Percentage")
    taxes.create_tax_code(db=db, ctx=tenant.ctx, data=taxes.TaxCodeInput(name="VAT", rates=[rate]))
    body = _charge_body(plan_id, Taxable=True, TaxCode="VAT", TaxMode="TaxInclusive")
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=body).json()["Id"]
    got = http.get(f"/v1/object/product-rate-plan-charge/{charge_id}", params={"fields": "taxable,taxcode,taxmode"})
    assert got.json() == {"Id": charge_id, "Taxable": True, "TaxCode": "VAT", "TaxMode": "TaxInclusive"}


def test_neutral_feature_settings_are_accepted_and_kept(http: httpx.Client, plan_id: str) -> None:
    body = _charge_body(plan_id, ChargeFunction="Standard", IsPrepaid=False, PriceChangeOption="NoChange")
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=body).json()["Id"]
    got = http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json()
    assert (got["ChargeFunction"], got["IsPrepaid"], got["PriceChangeOption"]) == ("Standard", False, "NoChange")


# --- values recognised but not supported ---------------------------------------------------

_FIELDS: dict[type[StrEnum], str] = {
    ChargeType: "ChargeType",
    ChargeModel: "ChargeModel",
    BillCycleType: "BillCycleType",
    BillingPeriod: "BillingPeriod",
    BillingPeriodAlignment: "BillingPeriodAlignment",
    TriggerEvent: "TriggerEvent",
    ListPriceBase: "ListPriceBase",
    UpToPeriodsType: "UpToPeriodsType",
    RatingGroup: "RatingGroup",
    PriceChangeOption: "PriceChangeOption",
}


def _wire(value: StrEnum) -> str:
    """The Object API's spelling (list price bases with spaces)."""
    return value.value.replace("_", " ") if isinstance(value, ListPriceBase) else value.value


@pytest.mark.parametrize("value", sorted(UNSUPPORTED, key=lambda v: (type(v).__name__, v.value)), ids=str)
def test_an_unsupported_value_is_refused_and_never_stored(
    http: httpx.Client, product_id: str, plan_id: str, value: StrEnum
) -> None:
    field = _FIELDS[type(value)]
    body = _charge_body(plan_id, **{field: _wire(value)})
    expected = f"'{field}' value '{_wire(value)}' is not supported: billforge cannot bill it"
    assert _errors(http.post("/v1/object/product-rate-plan-charge", json=body)) == [("INVALID_VALUE", expected)]
    assert _charges_of(http, product_id) == []
    # Nor through an update of a stored charge.
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=_charge_body(plan_id)).json()["Id"]
    answer = http.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json={field: _wire(value)})
    assert _errors(answer) == [("INVALID_VALUE", expected)]
    assert http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json().get(field) != _wire(value)


def test_every_unsupported_value_has_a_field() -> None:
    assert {type(v) for v in UNSUPPORTED} | UNSUPPORTED_VALUES.keys() <= _FIELDS.keys()


@pytest.mark.parametrize(
    ("kind", "value"),
    sorted(
        ((k, v) for k, values in UNSUPPORTED_VALUES.items() for v in values), key=lambda kv: (kv[0].__name__, kv[1])
    ),
)
def test_a_recognised_value_without_a_member_is_refused_as_unsupported(
    http: httpx.Client, product_id: str, plan_id: str, kind: type[StrEnum], value: str
) -> None:
    field = _FIELDS[kind]
    body = _charge_body(plan_id, **{field: value})
    expected = f"'{field}' value '{value}' is not supported: billforge cannot bill it"
    assert _errors(http.post("/v1/object/product-rate-plan-charge", json=body)) == [("INVALID_VALUE", expected)]
    assert _charges_of(http, product_id) == []


# --- updates -------------------------------------------------------------------------------


def test_a_charge_update_is_checked_as_a_whole(http: httpx.Client, plan_id: str) -> None:
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=_charge_body(plan_id)).json()["Id"]
    # Switching to Per Unit needs a UOM and a default quantity the stored flat fee charge lacks.
    answer = http.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json={"ChargeModel": "Per Unit Pricing"})
    assert _errors(answer) == [
        ("MISSING_REQUIRED_VALUE", "'UOM' is required for Per Unit Pricing"),
        ("MISSING_REQUIRED_VALUE", "'DefaultQuantity' is required for Recurring charges priced with Per Unit Pricing"),
    ]
    fixed = {"ChargeModel": "Per Unit Pricing", "UOM": "Seat", "DefaultQuantity": 2}
    assert http.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json=fixed).status_code == 200
    got = http.get(f"/v1/object/product-rate-plan-charge/{charge_id}").json()
    assert (got["ChargeModel"], got["UOM"], got["DefaultQuantity"]) == ("Per Unit Pricing", "Seat", 2)


def test_tier_updates_are_checked_with_the_whole_table(http: httpx.Client, plan_id: str) -> None:
    body = _charge_body(
        plan_id,
        ChargeType="Usage",
        ChargeModel="Tiered Pricing",
        UOM="GB",
        ProductRatePlanChargeTierData=_tiered((0, 10), (10, None)),
    )
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=body).json()["Id"]
    first, second = _tier_ids(http, charge_id)
    put = lambda tier_id, change: http.put(f"/v1/object/product-rate-plan-charge-tier/{tier_id}", json=change)  # noqa: E731
    assert _errors(put(first, {"StartingUnit": 3})) == [
        ("INVALID_VALUE", "'StartingUnit' must be 0 or 1 for the first tier, got 3")
    ]
    assert _errors(put(first, {"Price": "0.0000000001"})) == [
        ("INVALID_VALUE", "'Price' 0.0000000001 has more than 9 decimal places")
    ]
    # Shrinking the first tier leaves a gap before the second one, which the message names.
    assert _errors(put(first, {"EndingUnit": 5})) == [
        (
            "INVALID_VALUE",
            f"'{_tier_path(1, 'StartingUnit')}' 10 leaves a gap after the previous tier, which ends at 5: "
            "tiers must be listed in ascending order, contiguous and not overlapping",
        ),
    ]
    assert put(second, {"Price": 0.5, "StartingUnit": 10}).json() == {"Success": True, "Id": second}
    assert http.get(f"/v1/object/product-rate-plan-charge-tier/{second}").json()["Price"] == 0.5
    # The tiers keep their ids through an update of their charge.
    update = {"ProductRatePlanChargeTierData": _tiered((0, 20), (20, None))}
    assert http.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json=update).status_code == 200
    assert _tier_ids(http, charge_id) == [first, second]
    assert http.get(f"/v1/object/product-rate-plan-charge-tier/{first}").json()["EndingUnit"] == 20


def test_a_discount_tier_takes_no_price(http: httpx.Client, plan_id: str) -> None:
    body = _charge_body(
        plan_id,
        ChargeModel="Discount-Percentage",
        ProductRatePlanChargeTierData=_tiers({"Currency": "USD", "DiscountPercentage": 10}),
    )
    charge_id = http.post("/v1/object/product-rate-plan-charge", json=body).json()["Id"]
    tier_id = _tier_ids(http, charge_id)[0]
    answer = http.put(f"/v1/object/product-rate-plan-charge-tier/{tier_id}", json={"Price": 1})
    assert _errors(answer) == [
        ("INVALID_VALUE", "'Price' does not apply to Discount-Percentage: its tiers carry DiscountPercentage only")
    ]
    answer = http.put(f"/v1/object/product-rate-plan-charge-tier/{tier_id}", json={"DiscountPercentage": 12.5})
    assert answer.status_code == 200
    assert http.get(f"/v1/object/product-rate-plan-charge-tier/{tier_id}").json()["DiscountPercentage"] == 12.5


# --- catalog views -------------------------------------------------------------------------


def test_catalog_paging_parameters_are_checked(http: httpx.Client) -> None:
    def reasons(query: str) -> list[dict[str, Any]]:
        answer = http.get(f"/v1/catalog/products?{query}")
        assert answer.status_code == 400
        body = answer.json()
        assert body["success"] is False
        found: list[dict[str, Any]] = body["reasons"]
        return found

    # REST /v1 errors: resource 500000 (products have no published code) and category 20 (invalid value).
    assert reasons("pageSize=41") == [{"code": 50000020, "message": "'pageSize' must be between 1 and 40"}]
    assert reasons("page=0") == [{"code": 50000020, "message": "'page' must be 1 or more"}]
    assert reasons("page=x") == [{"code": 50000020, "message": "'page' must be an integer, got 'x'"}]


def test_an_unknown_catalog_product_is_a_rest_404(http: httpx.Client) -> None:
    answer = http.get("/v1/catalog/product/SKU-404")
    assert answer.status_code == 404
    assert answer.json()["reasons"] == [
        {"code": 50000040, "message": "no product with id, SKU or product number 'SKU-404'"}
    ]


SDK_BODIES = [
    ("CreateProductRequest", schemas.CreateProductRequest),
    ("UpdateProductRequest", schemas.ProductRequest),
    ("CreateProductRatePlanRequest", schemas.CreateRatePlanRequest),
    ("UpdateProductRatePlanRequest", schemas.RatePlanRequest),
    ("CreateProductRatePlanChargeRequest", schemas.CreateChargeRequest),
    ("UpdateProductRatePlanChargeRequest", schemas.ChargeRequest),
    ("ProductRatePlanChargeTier", schemas.TierRequest),
    ("UpdateProductRatePlanChargeTierRequest", schemas.UpdateTierRequest),
]


@pytest.mark.parametrize(("sdk_model", "ours"), SDK_BODIES, ids=[name for name, _ in SDK_BODIES])
def test_every_field_the_sdk_can_send_is_known(sdk_model: str, ours: type[schemas.ObjectModel]) -> None:
    """``rejectUnknownFields=true`` must never refuse a field of the SDK's own request models."""
    fields = [
        f.alias for name, f in getattr(zuora_sdk, sdk_model).model_fields.items() if name != "additional_properties"
    ]
    assert fields
    assert unrecognised_fields(ours, dict.fromkeys(fields)) == []

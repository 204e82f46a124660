"""Setup shared by the billing tests (subscriptions, usage, generate, exactly-once, scenarios): a
catalog, accounts and subscriptions, through Zuora's SDK or through the services. No tests here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from zuora_sdk import (
    ApiException,
    CreateAccountContact,
    CreateAccountRequest,
    CreateProductRatePlanChargeRequest,
    CreateProductRatePlanRequest,
    CreateProductRequest,
    CreateSubscriptionComponent,
    CreateSubscriptionRatePlan,
    CreateSubscriptionRequest,
    ProductRatePlanChargeTier,
    ProductRatePlanChargeTierData,
)

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.domain.catalog import BillCycleType, BillingPeriod, BillingTiming, ChargeModel, ChargeType, TriggerEvent
from billforge.services import accounts, catalog, subscriptions
from billforge.services.context import Context

D = Decimal
PRODUCT_START = date(2000, 1, 1)
PRODUCT_END = date(2099, 12, 31)


# --- through the SDK -----------------------------------------------------------------------------


def tiers(*entries: dict[str, Any], currency: str = "USD") -> ProductRatePlanChargeTierData:
    return ProductRatePlanChargeTierData(
        product_rate_plan_charge_tier=[ProductRatePlanChargeTier(currency=currency, **e) for e in entries]
    )


@dataclass
class SdkCatalog:
    """Products, plans and charges created through Zuora's SDK (the Object API)."""

    zuora: Any
    product_id: str = ""
    names: dict[str, str] = field(default_factory=dict)

    def product(self) -> str:
        if not self.product_id:
            created = self.zuora.products_api().create_product(
                CreateProductRequest(name="Cloud", effective_start_date=PRODUCT_START, effective_end_date=PRODUCT_END)
            )
            self.product_id = created.id
        return self.product_id

    def plan(self, name: str = "Plan", *charges: dict[str, Any]) -> str:
        plan = self.zuora.product_rate_plans_api().create_product_rate_plan(
            CreateProductRatePlanRequest(name=name, product_id=self.product())
        )
        for spec in charges:
            self.charge(plan.id, **spec)
        return str(plan.id)

    def charge(self, plan_id: str, **spec: Any) -> str:
        created = self.zuora.product_rate_plan_charges_api().create_product_rate_plan_charge(
            CreateProductRatePlanChargeRequest(product_rate_plan_id=plan_id, **spec)
        )
        self.names[spec["name"]] = created.id
        return str(created.id)


def recurring(name: str, price: str, *, period: str = "Month", **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "charge_type": "Recurring",
        "charge_model": "Flat Fee Pricing",
        "bill_cycle_type": "DefaultFromCustomer",
        "billing_period": period,
        "trigger_event": "ContractEffective",
        "product_rate_plan_charge_tier_data": tiers({"price": D(price)}),
    }
    spec.update(extra)
    return spec


def per_unit_recurring(
    name: str, price: str, *, uom: str = "Seat", quantity: str = "1", **extra: Any
) -> dict[str, Any]:
    spec = recurring(name, price, charge_model="Per Unit Pricing", uom=uom, default_quantity=D(quantity))
    spec.update(extra)
    return spec


def one_time(name: str, price: str, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "charge_type": "OneTime",
        "charge_model": "Flat Fee Pricing",
        "bill_cycle_type": "DefaultFromCustomer",
        "trigger_event": "ContractEffective",
        "product_rate_plan_charge_tier_data": tiers({"price": D(price)}),
    }
    spec.update(extra)
    return spec


def usage_charge(
    name: str, uom: str, model: str = "Per Unit Pricing", *tier_rows: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "charge_type": "Usage",
        "charge_model": model,
        "uom": uom,
        "bill_cycle_type": "DefaultFromCustomer",
        "billing_period": "Month",
        "trigger_event": "ContractEffective",
        "product_rate_plan_charge_tier_data": tiers(*tier_rows),
    }
    spec.update(extra)
    return spec


def sdk_account(zuora: Any, *, bill_cycle_day: int = 1, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "Acme",
        "currency": "USD",
        "bill_cycle_day": bill_cycle_day,
        "bill_to_contact": CreateAccountContact(
            first_name="Ada", last_name="Lovelace", country="United States", state="CA"
        ),
    }
    fields.update(overrides)
    return zuora.accounts_api().create_account(CreateAccountRequest(**fields))


def sdk_subscribe(
    zuora: Any,
    account_key: str,
    plan_id: str,
    start: date,
    *,
    overrides: list[CreateSubscriptionComponent] | None = None,
    term_type: str = "EVERGREEN",
    **fields: Any,
) -> Any:
    body: dict[str, Any] = {
        "account_key": account_key,
        "contract_effective_date": start,
        "term_type": term_type,
        "renewal_term": fields.pop("renewal_term", 12 if term_type == "TERMED" else 0),
        "subscribe_to_rate_plans": [
            CreateSubscriptionRatePlan(product_rate_plan_id=plan_id, charge_overrides=overrides or None)
        ],
    }
    if term_type == "TERMED":
        body.setdefault("initial_term", fields.pop("initial_term", 12))
    body.update(fields)
    return zuora.subscriptions_api().create_subscription(CreateSubscriptionRequest(**body))


def reasons(error: ApiException) -> list[dict[str, Any]]:
    return list(json.loads(error.body)["reasons"])


# --- raw HTTP --------------------------------------------------------------------------------------


def action_generate(http: httpx.Client, *objects: dict[str, Any], **params: Any) -> httpx.Response:
    return http.post("/v1/action/generate", json={"objects": list(objects), "type": "Invoice"}, params=params)


def generate_one(
    http: httpx.Client, account_id: str, target: str, invoice_date: str | None = None, **flags: Any
) -> dict[str, Any]:
    body = {"AccountId": account_id, "InvoiceDate": invoice_date or target, "TargetDate": target, **flags}
    response = action_generate(http, body)
    assert response.status_code == 200, response.text
    (result,) = response.json()
    return dict(result)


def invoice_items(http: httpx.Client, invoice_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1/invoices/{invoice_id}/items", params={"pageSize": 40})
    assert response.status_code == 200, response.text
    return list(response.json()["invoiceItems"])


def lines(items: list[dict[str, Any]]) -> list[tuple[str, str, str, Decimal]]:
    """(charge name, service start, service end, amount) of each item, in invoice order."""
    return [(i["chargeName"], i["serviceStartDate"], i["serviceEndDate"], D(i["chargeAmount"])) for i in items]


# --- through the services --------------------------------------------------------------------------


def service_plan(db: Database, ctx: Context, *charges: catalog.ChargeInput, name: str = "Plan") -> str:
    with db.read() as conn:
        existing = conn.execute(
            select(t.products.c.id).where(t.products.c.entity_id == ctx.entity_id, t.products.c.name == "Cloud")
        ).scalar_one_or_none()
    product_id = existing or catalog.create_product(
        db=db,
        ctx=ctx,
        data=catalog.ProductInput(name="Cloud", effective_start_date=PRODUCT_START, effective_end_date=PRODUCT_END),
    )
    plan_id = catalog.create_rate_plan(db=db, ctx=ctx, data=catalog.RatePlanInput(name=name, product_id=product_id))
    for charge in charges:
        charge.product_rate_plan_id = plan_id
        catalog.create_charge(db=db, ctx=ctx, data=charge)
    return plan_id


def service_charge(
    name: str,
    charge_type: ChargeType,
    price: str,
    *,
    model: ChargeModel = ChargeModel.FLAT_FEE,
    period: BillingPeriod | None = BillingPeriod.MONTH,
    timing: BillingTiming | None = None,
    uom: str | None = None,
    quantity: str | None = None,
    bill_cycle_type: BillCycleType = BillCycleType.DEFAULT_FROM_CUSTOMER,
) -> catalog.ChargeInput:
    return catalog.ChargeInput(
        name=name,
        charge_type=charge_type,
        charge_model=model,
        bill_cycle_type=bill_cycle_type,
        billing_period=period if charge_type is not ChargeType.ONE_TIME else None,
        billing_timing=timing,
        trigger_event=TriggerEvent.CONTRACT_EFFECTIVE,
        uom=uom,
        default_quantity=D(quantity) if quantity is not None else None,
        tiers=[catalog.TierInput(currency="USD", price=D(price))],
    )


def service_account(db: Database, ctx: Context, *, bill_cycle_day: int = 1) -> accounts.CreatedAccount:
    return accounts.create_account(
        db=db,
        ctx=ctx,
        data=accounts.AccountInput(
            name="Acme",
            currency="USD",
            bill_cycle_day=bill_cycle_day,
            bill_to=accounts.ContactInput(first_name="Ada", last_name="Lovelace"),
        ),
    )


def service_subscribe(
    db: Database, ctx: Context, account_id: str, plan_id: str, start: date, **fields: Any
) -> subscriptions.Created:
    data = subscriptions.SubscriptionInput(
        account_key=account_id,
        contract_effective_date=start,
        term_type=fields.pop("term_type", "EVERGREEN"),
        rate_plans=[
            subscriptions.RatePlanRequest(
                product_rate_plan_id=plan_id, charge_overrides=fields.pop("charge_overrides", [])
            )
        ],
        **fields,
    )
    return subscriptions.create_subscription(db=db, ctx=ctx, data=data)

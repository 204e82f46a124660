"""Subscriptions (``/v1/subscriptions``): create from the catalog with overrides, read by id or number,
cancel with each policy, renew; every refusal names its field. Through Zuora's SDK."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from zuora_sdk import (
    ApiException,
    CancelSubscriptionRequest,
    CreateSubscriptionComponent,
    CreateSubscriptionRatePlan,
    CreateSubscriptionRequest,
    RenewSubscriptionRequest,
)
from zuora_sdk.models.tier import Tier

from tests.integration.test_generate_support import (
    SdkCatalog,
    invoice_items,
    lines,
    one_time,
    reasons,
    recurring,
    sdk_account,
    sdk_subscribe,
    usage_charge,
)

D = Decimal


@pytest.fixture
def plan(zuora: Any) -> tuple[SdkCatalog, str]:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan(
        "Pro",
        recurring("Pro monthly", "100"),
        one_time("Setup", "50"),
        usage_charge("API calls", "Call", "Per Unit Pricing", {"price": D("0.01")}),
    )
    return shop, plan_id


def test_create_and_read_a_subscription(zuora: Any, plan: tuple[SdkCatalog, str]) -> None:
    shop, plan_id = plan
    account = sdk_account(zuora)
    created = sdk_subscribe(zuora, account.account_number, plan_id, date(2024, 1, 1), term_type="TERMED")
    assert created.success is True
    assert created.subscription_number == "A-S00000001"
    assert len(created.subscription_id) == 32
    assert created.invoice_id is None
    # MRR: the 100.00 monthly fee; TCV: 12 months x 100.00 + the 50.00 setup fee = 1250.00.
    assert D(str(created.contracted_mrr)) == D("100.00")
    assert D(str(created.total_contracted_value)) == D("1250.00")

    by_number = zuora.subscriptions_api().get_subscription_by_key(created.subscription_number)
    by_id = zuora.subscriptions_api().get_subscription_by_key(created.subscription_id)
    assert by_number.id == by_id.id == created.subscription_id
    assert by_number.account_id == account.account_id
    assert by_number.account_number == account.account_number
    assert by_number.status == "Active"
    assert by_number.term_type == "TERMED"
    # 12 months from 2024-01-01: the term ends (first day not served) on 2025-01-01.
    assert str(by_number.term_start_date) == "2024-01-01"
    assert str(by_number.term_end_date) == "2025-01-01"
    assert by_number.initial_term == 12 and by_number.renewal_term == 12
    (rate_plan,) = by_number.rate_plans
    assert rate_plan.product_rate_plan_id == plan_id
    assert rate_plan.rate_plan_name == "Pro"
    charges = {c.name: c for c in rate_plan.rate_plan_charges}
    assert [c.number for c in rate_plan.rate_plan_charges] == ["C-00000001", "C-00000002", "C-00000003"]
    assert charges["Pro monthly"].type == "Recurring"
    assert charges["Pro monthly"].model == "FlatFee"
    assert D(str(charges["Pro monthly"].price)) == D("100")
    assert charges["Pro monthly"].billing_period == "Month"
    assert charges["Pro monthly"].billing_timing == "IN_ADVANCE"
    assert charges["Pro monthly"].product_rate_plan_charge_id == shop.names["Pro monthly"]
    assert charges["Pro monthly"].charged_through_date is None
    assert charges["API calls"].uom == "Call"
    assert charges["API calls"].billing_timing == "IN_ARREARS"
    assert charges["Setup"].type == "OneTime"


def test_charge_overrides_are_copied(zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan(
        "Seats",
        recurring("Seats", "10", charge_model="Per Unit Pricing", uom="Seat", default_quantity=D(1)),
        usage_charge(
            "Storage",
            "GB",
            "Tiered Pricing",
            {"starting_unit": D(0), "ending_unit": D(100), "price": D("1"), "price_format": "Per Unit"},
            {"starting_unit": D(100), "price": D("0.5"), "price_format": "Per Unit"},
        ),
    )
    account = sdk_account(zuora)
    overrides = [
        CreateSubscriptionComponent(
            product_rate_plan_charge_id=shop.names["Seats"],
            price=D("12.5"),
            quantity=D(4),
            bill_cycle_type="SpecificDayofMonth",
            bill_cycle_day="15",
            billing_period="Quarter",
            billing_timing="IN_ARREARS",
        ),
        CreateSubscriptionComponent(
            product_rate_plan_charge_id=shop.names["Storage"],
            tiers=[
                Tier(tier=1, starting_unit=D(0), ending_unit=D(50), price=D("2"), price_format="PerUnit"),
                Tier(tier=2, starting_unit=D(50), price=D("1"), price_format="PerUnit"),
            ],
        ),
    ]
    created = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), overrides=overrides)
    view = zuora.subscriptions_api().get_subscription_by_key(created.subscription_id)
    charges = {c.name: c for c in view.rate_plans[0].rate_plan_charges}
    seats = charges["Seats"]
    assert D(str(seats.price)) == D("12.5") and D(str(seats.quantity)) == D(4)
    assert seats.billing_day == "SpecificDayofMonth(15)"
    assert seats.billing_period == "Quarter"
    assert seats.billing_timing == "IN_ARREARS"
    # Quarterly 12.50 x 4 seats = 50.00 a quarter: MRR = 50.00 / 3 = 16.67.
    assert D(str(seats.mrr)) == D("16.67")
    storage = charges["Storage"]
    assert [(t.tier, t.ending_unit, D(str(t.price))) for t in storage.tiers] == [(1, 50, D(2)), (2, None, D(1))]


def test_run_billing_bills_the_new_subscription_at_once(zuora: Any, http: Any, plan: tuple[SdkCatalog, str]) -> None:
    _, plan_id = plan
    account = sdk_account(zuora)
    created = sdk_subscribe(
        zuora, account.account_id, plan_id, date(2024, 1, 1), run_billing=True, target_date=date(2024, 1, 1)
    )
    assert created.invoice_id is not None
    # In advance: January's 100.00; the 50.00 setup fee; no usage yet (usage bills in arrears).
    assert lines(invoice_items(http, created.invoice_id)) == [
        ("Pro monthly", "2024-01-01", "2024-01-31", D("100.00")),
        ("Setup", "2024-01-01", "2024-01-01", D("50.00")),
    ]
    invoice = zuora.invoices_api().get_invoice(created.invoice_id)
    assert invoice.status == "Draft"
    assert D(str(invoice.amount)) == D("150.00")
    assert invoice.source_type == "Subscription"
    assert str(invoice.invoice_date) == "2024-01-01" and str(invoice.target_date) == "2024-01-01"
    charge = (
        zuora.subscriptions_api().get_subscription_by_key(created.subscription_id).rate_plans[0].rate_plan_charges[0]
    )
    assert str(charge.charged_through_date) == "2024-02-01"
    assert str(charge.processed_through_date) == "2024-01-01"


def test_custom_numbers_and_duplicates(zuora: Any, plan: tuple[SdkCatalog, str]) -> None:
    shop, plan_id = plan
    account = sdk_account(zuora)
    created = sdk_subscribe(
        zuora,
        account.account_id,
        plan_id,
        date(2024, 1, 1),
        subscription_number="SUB-ACME-1",
        overrides=[CreateSubscriptionComponent(product_rate_plan_charge_id=shop.names["Setup"], number="SETUP-1")],
    )
    assert created.subscription_number == "SUB-ACME-1"
    view = zuora.subscriptions_api().get_subscription_by_key("SUB-ACME-1")
    assert {c.name: c.number for c in view.rate_plans[0].rate_plan_charges}["Setup"] == "SETUP-1"
    with pytest.raises(ApiException) as caught:
        sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), subscription_number="SUB-ACME-1")
    assert caught.value.status == 400
    assert "already used" in reasons(caught.value)[0]["message"]


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"term_type": "MONTHLY"}, "53100320", "termType"),
        ({"term_type": "TERMED", "initial_term": None}, "53000322", "initialTerm"),
        ({"account_key": "A-NOPE"}, "53000120", "accountKey"),
        ({"renewal_term_period_type": "Decade"}, "53000020", "renewalTermPeriodType"),
        ({"service_activation_date": date(2023, 12, 1)}, "53000020", "serviceActivationDate"),
    ],
)
def test_invalid_subscriptions_name_the_field(
    zuora: Any, plan: tuple[SdkCatalog, str], change: dict[str, Any], code: str, words: str
) -> None:
    _, plan_id = plan
    account = sdk_account(zuora)
    body: dict[str, Any] = {
        "account_key": account.account_id,
        "contract_effective_date": date(2024, 1, 1),
        "term_type": "EVERGREEN",
        "renewal_term": 0,
        "subscribe_to_rate_plans": [CreateSubscriptionRatePlan(product_rate_plan_id=plan_id)],
    }
    body.update(change)
    if body.get("initial_term", 0) is None:
        body.pop("initial_term")
    with pytest.raises(ApiException) as caught:
        zuora.subscriptions_api().create_subscription(CreateSubscriptionRequest(**body))
    assert caught.value.status == 400
    found = reasons(caught.value)
    assert str(found[0]["code"]) == code, found
    assert words in found[0]["message"]


def test_invalid_rate_plans_and_overrides(zuora: Any, http: Any, plan: tuple[SdkCatalog, str]) -> None:
    shop, plan_id = plan
    account = sdk_account(zuora)
    base = {
        "accountKey": account.account_id,
        "contractEffectiveDate": "2024-01-01",
        "termType": "EVERGREEN",
        "renewalTerm": 0,
    }
    cases: list[tuple[list[dict[str, Any]], str]] = [
        ([], "'subscribeToRatePlans' must contain at least one rate plan"),
        ([{"productRatePlanId": "0" * 32}], "is not a product rate plan"),
        ([{}], "needs 'productRatePlanId' or 'productRatePlanNumber'"),
        (
            [{"productRatePlanId": plan_id, "chargeOverrides": [{"productRatePlanChargeId": "f" * 32}]}],
            "is not a charge of product rate plan 'Pro'",
        ),
        (
            [
                {
                    "productRatePlanId": plan_id,
                    "chargeOverrides": [{"productRatePlanChargeId": shop.names["Pro monthly"], "billCycleDay": 32}],
                }
            ],
            "billCycleDay' must be between 1 and 31",
        ),
        (
            [
                {
                    "productRatePlanId": plan_id,
                    "chargeOverrides": [
                        {"productRatePlanChargeId": shop.names["Pro monthly"], "billingTiming": "LATER"}
                    ],
                }
            ],
            "must be one of IN_ADVANCE, IN_ARREARS",
        ),
        (
            [
                {
                    "productRatePlanId": plan_id,
                    "chargeOverrides": [{"productRatePlanChargeId": shop.names["API calls"], "quantity": 3}],
                }
            ],
            "cannot be set on a usage charge",
        ),
        (
            [
                {
                    "productRatePlanId": plan_id,
                    "chargeOverrides": [
                        {"productRatePlanChargeId": shop.names["Pro monthly"], "billCycleType": "SpecificDayofMonth"}
                    ],
                }
            ],
            "SpecificDayofMonth needs a bill cycle day",
        ),
    ]
    for plans, message in cases:
        response = http.post("/v1/subscriptions", json={**base, "subscribeToRatePlans": plans})
        assert response.status_code == 400, (plans, response.text)
        body = response.json()
        assert body["success"] is False
        assert any(message in r["message"] for r in body["reasons"]), (message, body)


def test_cancel_at_a_specific_date_then_bill_the_credit(zuora: Any, http: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Basic", recurring("Basic", "310"))
    account = sdk_account(zuora)
    created = sdk_subscribe(
        zuora, account.account_id, plan_id, date(2024, 1, 1), run_billing=True, target_date=date(2024, 1, 1)
    )
    cancelled = zuora.subscriptions_api().cancel_subscription(
        created.subscription_number,
        CancelSubscriptionRequest(
            cancellation_policy="SpecificDate",
            cancellation_effective_date=date(2024, 1, 21),
            run_billing=True,
            target_date=date(2024, 1, 21),
        ),
    )
    assert cancelled.success is True
    assert str(cancelled.cancelled_date) == "2024-01-21"
    # January was billed in advance (310.00); service ends 2024-01-20, so 2024-01-21..31 (11 of 31
    # days) comes back: -310.00 x 11 / 31 = -110.00.
    assert lines(invoice_items(http, cancelled.invoice_id)) == [("Basic", "2024-01-21", "2024-01-31", D("-110.00"))]
    view = zuora.subscriptions_api().get_subscription_by_key(created.subscription_id)
    assert view.status == "Cancelled"
    assert str(view.subscription_end_date) == "2024-01-21"
    assert str(view.rate_plans[0].rate_plan_charges[0].charged_through_date) == "2024-01-21"
    with pytest.raises(ApiException) as again:
        zuora.subscriptions_api().cancel_subscription(
            created.subscription_id, CancelSubscriptionRequest(cancellation_policy="EndOfLastInvoicePeriod")
        )
    assert again.value.status == 400
    assert "only an Active subscription can be cancelled" in reasons(again.value)[0]["message"]


def test_cancel_policies(zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Basic", recurring("Basic", "100"))
    account = sdk_account(zuora)
    api = zuora.subscriptions_api()
    termed = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), term_type="TERMED")
    end_of_term = api.cancel_subscription(
        termed.subscription_id, CancelSubscriptionRequest(cancellation_policy="EndOfCurrentTerm")
    )
    assert str(end_of_term.cancelled_date) == "2025-01-01"

    billed = sdk_subscribe(
        zuora, account.account_id, plan_id, date(2024, 1, 1), run_billing=True, target_date=date(2024, 2, 1)
    )
    last_period = api.cancel_subscription(
        billed.subscription_id, CancelSubscriptionRequest(cancellation_policy="EndOfLastInvoicePeriod")
    )
    # Billed in advance through February: the last invoiced period ends 2024-02-29.
    assert str(last_period.cancelled_date) == "2024-03-01"

    evergreen = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    for request, message in (
        (CancelSubscriptionRequest(cancellation_policy="EndOfCurrentTerm"), "EVERGREEN"),
        (CancelSubscriptionRequest(cancellation_policy="SpecificDate"), "'cancellationEffectiveDate' is required"),
        (
            CancelSubscriptionRequest(cancellation_policy="SpecificDate", cancellation_effective_date=date(2023, 1, 1)),
            "before the subscription's contract effective date",
        ),
        (CancelSubscriptionRequest(cancellation_policy="Whenever"), "must be one of EndOfCurrentTerm"),
    ):
        with pytest.raises(ApiException) as caught:
            api.cancel_subscription(evergreen.subscription_id, request)
        assert caught.value.status == 400
        assert message in reasons(caught.value)[0]["message"]
    with pytest.raises(ApiException) as missing:
        api.cancel_subscription("A-S99999999", CancelSubscriptionRequest(cancellation_policy="EndOfCurrentTerm"))
    assert missing.value.status == 404


def test_renew_a_termed_subscription(zuora: Any, http: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Annual", recurring("Annual", "1200", period="Annual"))
    account = sdk_account(zuora)
    created = sdk_subscribe(
        zuora,
        account.account_id,
        plan_id,
        date(2024, 1, 1),
        term_type="TERMED",
        initial_term=12,
        renewal_term=6,
        run_billing=True,
        target_date=date(2024, 1, 1),
    )
    renewed = zuora.subscriptions_api().renew_subscription(
        created.subscription_id, RenewSubscriptionRequest(run_billing=True, target_date=date(2025, 1, 1))
    )
    # The new term: 6 months from the old term's end, 2025-01-01 .. 2025-07-01 (exclusive).
    assert str(renewed.term_start_date) == "2025-01-01"
    assert str(renewed.term_end_date) == "2025-07-01"
    # The annual period 2025-01-01..2025-12-31 is cut at the term end: 6 of 12 months = 600.00.
    assert lines(invoice_items(http, renewed.invoice_id)) == [("Annual", "2025-01-01", "2025-06-30", D("600.00"))]
    view = zuora.subscriptions_api().get_subscription_by_key(created.subscription_id)
    assert view.current_term == 6 and str(view.term_end_date) == "2025-07-01"
    evergreen = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    with pytest.raises(ApiException) as caught:
        zuora.subscriptions_api().renew_subscription(evergreen.subscription_id, RenewSubscriptionRequest())
    assert caught.value.status == 400
    assert "only a TERMED subscription can be renewed" in reasons(caught.value)[0]["message"]


def test_unknown_subscription_is_404(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.subscriptions_api().get_subscription_by_key("A-S00000999")
    assert caught.value.status == 404


def test_subscriptions_are_per_tenant(zuora: Any, plan: tuple[SdkCatalog, str], db: Any) -> None:
    _, plan_id = plan
    account = sdk_account(zuora)
    created = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    from billforge.errors import NotFound
    from billforge.services import subscriptions
    from tests.conftest import make_tenant

    other = make_tenant(db)
    with pytest.raises(NotFound):
        subscriptions.get_subscription(db=db, ctx=other.ctx, key=created.subscription_id)


def test_a_plan_must_be_priced_in_the_account_currency(zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Dollars only", recurring("Fee", "9"))
    account = sdk_account(zuora, currency="EUR")
    with pytest.raises(ApiException) as caught:
        sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    assert caught.value.status == 400
    assert "has no price in the account's currency EUR" in reasons(caught.value)[0]["message"]


def test_collect_is_refused_without_a_gateway(zuora: Any, plan: tuple[SdkCatalog, str]) -> None:
    _, plan_id = plan
    account = sdk_account(zuora)
    with pytest.raises(ApiException) as caught:
        sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1), run_billing=True, collect=True)
    assert caught.value.status == 400
    assert "'collect' cannot be true" in reasons(caught.value)[0]["message"]
    # Nothing was stored: the account has no subscription yet, so the next one is A-S00000001.
    assert sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1)).subscription_number == "A-S00000001"


def test_the_older_invoice_flag_with_an_invoice_target_date(
    http: Any, zuora: Any, plan: tuple[SdkCatalog, str]
) -> None:
    # Zuora's older spelling of runBilling: "invoice": true with "invoiceTargetDate".
    _, plan_id = plan
    account = sdk_account(zuora)
    response = http.post(
        "/v1/subscriptions",
        json={
            "accountKey": account.account_number,
            "contractEffectiveDate": "2024-01-01",
            "termType": "EVERGREEN",
            "renewalTerm": 0,
            "subscribeToRatePlans": [{"productRatePlanId": plan_id}],
            "invoice": True,
            "invoiceTargetDate": "2024-02-01",
        },
    )
    assert response.status_code == 200, response.text
    created = response.json()
    # In advance through 2024-02-01: January and February, 100.00 each, and the 50.00 setup fee = 250.00.
    assert lines(invoice_items(http, created["invoiceId"])) == [
        ("Pro monthly", "2024-01-01", "2024-01-31", D("100.00")),
        ("Pro monthly", "2024-02-01", "2024-02-29", D("100.00")),
        ("Setup", "2024-01-01", "2024-01-01", D("50.00")),
    ]

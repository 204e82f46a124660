"""Billing stories told through the API: a catalog and subscriptions through Zuora's SDK, invoices
generated with ``POST /v1/action/generate`` (raw HTTP: the SDK has no such call), each invoice item
checked to the cent with its service period. Every amount is worked out by hand in a comment.

Tenant defaults unless a story says otherwise: bill cycle day 1, proration by month first with the
actual days of the month, USD rounded half-up to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import CancelSubscriptionRequest, CreateSubscriptionComponent, UpdateAccountRequest

from tests.integration.test_generate_support import (
    SdkCatalog,
    generate_one,
    invoice_items,
    lines,
    one_time,
    per_unit_recurring,
    recurring,
    sdk_account,
    sdk_subscribe,
    tiers,
    usage_charge,
)

D = Decimal


def bill(
    http: httpx.Client, account_id: str, target: str, invoice_date: str | None = None
) -> list[tuple[str, str, str, Decimal]]:
    result = generate_one(http, account_id, target, invoice_date)
    assert result["Success"] is True, result
    return lines(invoice_items(http, result["Id"]))


def nothing_to_bill(http: httpx.Client, account_id: str, target: str) -> bool:
    result = generate_one(http, account_id, target)
    return result["Success"] is False and result["Errors"][0]["Code"] == "INVALID_VALUE"


def usage(http: httpx.Client, account_id: str, day: str, quantity: str, uom: str) -> None:
    response = http.post(
        "/v1/object/usage", json={"AccountId": account_id, "StartDateTime": day, "UOM": uom, "Quantity": quantity}
    )
    assert response.status_code == 200, response.text


def test_monthly_in_advance_with_a_prorated_first_month(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Team", recurring("Team plan", "100"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 15))
    # Bill cycle day 1: 2024-01-15..31 is 17 of January's 31 days: 100 x 17 / 31 = 54.838.. = 54.84.
    assert bill(http, account.account_id, "2024-01-15") == [("Team plan", "2024-01-15", "2024-01-31", D("54.84"))]
    assert nothing_to_bill(http, account.account_id, "2024-01-31")
    # February is due on its first day, in advance: a full month, 100.00.
    assert bill(http, account.account_id, "2024-02-01") == [("Team plan", "2024-02-01", "2024-02-29", D("100.00"))]


def test_monthly_in_arrears(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Support", recurring("Support", "90", billing_timing="In Arrears"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 11))
    # In arrears a period is due once it has ended: nothing on 2024-01-31 ...
    assert nothing_to_bill(http, account.account_id, "2024-01-31")
    # ... and on 2024-02-01 January's 21 days (01-11..01-31): 90 x 21 / 31 = 60.967.. = 60.97.
    assert bill(http, account.account_id, "2024-02-01") == [("Support", "2024-01-11", "2024-01-31", D("60.97"))]
    # Through 2024-04-01: February and March, 90.00 each.
    assert bill(http, account.account_id, "2024-04-01") == [
        ("Support", "2024-02-01", "2024-02-29", D("90.00")),
        ("Support", "2024-03-01", "2024-03-31", D("90.00")),
    ]


def test_annual_charge_starting_mid_month(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Annual", recurring("Annual licence", "1200", period="Annual"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 3, 10))
    # Annual periods start on the bill cycle date (the 1st) on or after the start: 2024-04-01.
    # The partial 2024-03-10..03-31 is 22 of March's 31 days, prorated by month first:
    # 1200 x (22/31) / 12 = 70.967.. = 70.97; then 2024-04-01..2025-03-31 in full: 1200.00.
    assert bill(http, account.account_id, "2024-04-01") == [
        ("Annual licence", "2024-03-10", "2024-03-31", D("70.97")),
        ("Annual licence", "2024-04-01", "2025-03-31", D("1200.00")),
    ]


def test_quarterly_charge(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Quarterly", recurring("Quarterly", "300", period="Quarter"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 2, 16))
    # Quarters start 2024-03-01 (first bill cycle date after the start). The partial
    # 2024-02-16..02-29 is 14 of February's 29 days: 300 x (14/29) / 3 = 48.275.. = 48.28;
    # then the quarter 2024-03-01..05-31: 300.00.
    assert bill(http, account.account_id, "2024-03-01") == [
        ("Quarterly", "2024-02-16", "2024-02-29", D("48.28")),
        ("Quarterly", "2024-03-01", "2024-05-31", D("300.00")),
    ]


def test_weekly_charge_on_a_specific_weekday(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan(
        "Weekly",
        recurring(
            "Weekly box",
            "70",
            period="Week",
            bill_cycle_type="SpecificDayofWeek",
            weekly_bill_cycle_day="Monday",
        ),
    )
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 3))
    # 2024-01-03 is a Wednesday; weeks start on Mondays, the first 2024-01-08. The partial
    # 2024-01-03..01-07 is 5 of 7 days: 70 x 5 / 7 = 50.00; then 2024-01-08..01-14: 70.00.
    assert bill(http, account.account_id, "2024-01-08") == [
        ("Weekly box", "2024-01-03", "2024-01-07", D("50.00")),
        ("Weekly box", "2024-01-08", "2024-01-14", D("70.00")),
    ]


def test_tiered_and_volume_usage(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan(
        "Metered",
        usage_charge(
            "Tiered calls",
            "Call",
            "Tiered Pricing",
            {"starting_unit": D(0), "ending_unit": D(100), "price": D("0.10"), "price_format": "Per Unit"},
            {"starting_unit": D(100), "price": D("0.05"), "price_format": "Per Unit"},
        ),
        usage_charge(
            "Volume storage",
            "GB",
            "Volume Pricing",
            {"starting_unit": D(0), "ending_unit": D(100), "price": D("0.10"), "price_format": "Per Unit"},
            {"starting_unit": D(100), "ending_unit": D(1000), "price": D("0.08"), "price_format": "Per Unit"},
        ),
    )
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    usage(http, account.account_id, "2024-01-05", "200", "Call")
    usage(http, account.account_id, "2024-01-20", "50", "Call")
    usage(http, account.account_id, "2024-01-09", "250", "GB")
    # January's 250 calls, tiered: 100 x 0.10 + 150 x 0.05 = 10.00 + 7.50 = 17.50.
    # January's 250 GB, volume: all 250 in the 100-1000 tier at 0.08 = 20.00.
    assert bill(http, account.account_id, "2024-02-01") == [
        ("Tiered calls", "2024-01-01", "2024-01-31", D("17.50")),
        ("Volume storage", "2024-01-01", "2024-01-31", D("20.00")),
    ]
    # 40 more calls arrive for January after it was billed: 290 calls cost 10.00 + 190 x 0.05 =
    # 19.50; billed before 17.50, so the difference 2.00 bills now.
    usage(http, account.account_id, "2024-01-30", "40", "Call")
    assert bill(http, account.account_id, "2024-02-01") == [("Tiered calls", "2024-01-01", "2024-01-31", D("2.00"))]


def test_one_time_charge_bills_once(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Onboarding", one_time("Onboarding", "499.99"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 5, 20))
    assert nothing_to_bill(http, account.account_id, "2024-05-19")
    # Due on its trigger date, the contract effective date: 499.99, once.
    assert bill(http, account.account_id, "2024-05-20") == [("Onboarding", "2024-05-20", "2024-05-20", D("499.99"))]
    assert nothing_to_bill(http, account.account_id, "2025-05-20")


def test_percentage_and_fixed_discounts(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan(
        "Discounted",
        per_unit_recurring("Seats", "20", quantity="5"),
        recurring(
            "Loyalty 10%",
            "0",
            charge_model="Discount-Percentage",
            product_rate_plan_charge_tier_data=tiers({"discount_percentage": D(10)}),
            discount_level="rateplan",
            apply_discount_to="RECURRING",
        ),
        recurring(
            "Welcome credit",
            "0",
            charge_model="Discount-Fixed Amount",
            product_rate_plan_charge_tier_data=tiers({"discount_amount": D(15)}),
            discount_level="rateplan",
            apply_discount_to="RECURRING",
        ),
    )
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    result = generate_one(http, account.account_id, "2024-01-01")
    items = invoice_items(http, result["Id"])
    # 5 seats x 20.00 = 100.00; 10% of it = -10.00; the fixed discount -15.00 a month.
    assert lines(items) == [
        ("Seats", "2024-01-01", "2024-01-31", D("100.00")),
        ("Loyalty 10%", "2024-01-01", "2024-01-31", D("-10.00")),
        ("Welcome credit", "2024-01-01", "2024-01-31", D("-15.00")),
    ]
    assert [i["processingType"] for i in items] == ["Charge", "Discount", "Discount"]
    assert items[1]["appliedToItemId"] == items[0]["id"]
    invoice = zuora.invoices_api().get_invoice(result["Id"])
    # 100.00 - 10.00 - 15.00 = 75.00; the discount total -25.00.
    assert D(str(invoice.amount)) == D("75.00")
    assert D(str(invoice.discount)) == D("-25.00")


def test_taxes_on_generated_items(http: httpx.Client, zuora: Any) -> None:
    created = http.post(
        "/settings/tax-codes/ztax",
        json={"name": "VAT", "taxRates": [{"name": "VAT 20%", "taxRate": "0.20", "taxRateType": "Percentage"}]},
    )
    assert created.status_code == 200, created.text
    shop = SdkCatalog(zuora)
    plan = shop.plan(
        "Taxed",
        recurring("Hosting", "99.99", taxable=True, tax_code="VAT", tax_mode="TaxExclusive"),
        one_time("Setup", "10", taxable=True, tax_code="VAT", tax_mode="TaxInclusive"),
    )
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    result = generate_one(http, account.account_id, "2024-01-01")
    items = invoice_items(http, result["Id"])
    # Exclusive: 99.99 x 0.20 = 19.998 = 20.00 on top of 99.99.
    # Inclusive: 10.00 holds the tax: net 10 / 1.20 = 8.333..; tax 8.333.. x 0.20 = 1.666.. = 1.67;
    # the item's charge amount 10.00 - 1.67 = 8.33.
    assert [(i["chargeName"], D(i["chargeAmount"]), D(i["taxAmount"])) for i in items] == [
        ("Hosting", D("99.99"), D("20.00")),
        ("Setup", D("8.33"), D("1.67")),
    ]
    assert items[0]["taxationItems"]["data"][0]["name"] == "VAT 20%"
    invoice = zuora.invoices_api().get_invoice(result["Id"])
    # Amount without tax 99.99 + 8.33 = 108.32; tax 20.00 + 1.67 = 21.67; total 129.99.
    assert D(str(invoice.amount_without_tax)) == D("108.32")
    assert D(str(invoice.tax_amount)) == D("21.67")
    assert D(str(invoice.amount)) == D("129.99")


def test_cancellation_mid_period_credits_the_rest(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Quarterly", recurring("Quarterly", "900", period="Quarter"))
    account = sdk_account(zuora)
    subscription = sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    # The quarter 2024-01-01..03-31 bills in advance: 900.00.
    assert bill(http, account.account_id, "2024-01-01") == [("Quarterly", "2024-01-01", "2024-03-31", D("900.00"))]
    zuora.subscriptions_api().cancel_subscription(
        subscription.subscription_id,
        CancelSubscriptionRequest(cancellation_policy="SpecificDate", cancellation_effective_date=date(2024, 2, 16)),
    )
    # Service ends 2024-02-15: 2024-02-16..03-31 comes back, prorated by month first: February's
    # 14 of 29 days plus all of March = (14/29 + 1) / 3 of the quarter:
    # 900 x (14/29 + 1) / 3 = 444.827.. = -444.83.
    assert bill(http, account.account_id, "2024-02-16") == [("Quarterly", "2024-02-16", "2024-03-31", D("-444.83"))]
    assert nothing_to_bill(http, account.account_id, "2024-12-31")


def test_auto_renewal_keeps_billing(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Monthly", recurring("Monthly", "50"))
    account = sdk_account(zuora)
    renewing = sdk_subscribe(
        zuora,
        account.account_id,
        plan,
        date(2024, 1, 1),
        term_type="TERMED",
        initial_term=3,
        renewal_term=3,
        auto_renew=True,
    )
    ending = sdk_subscribe(
        zuora, account.account_id, plan, date(2024, 1, 1), term_type="TERMED", initial_term=3, renewal_term=3
    )
    # Through 2024-04-01: January to March for both (6 x 50.00), and April only for the
    # subscription that renews automatically (its new term 2024-04-01..06-30): 50.00.
    assert bill(http, account.account_id, "2024-04-01") == [
        ("Monthly", "2024-01-01", "2024-01-31", D("50.00")),
        ("Monthly", "2024-02-01", "2024-02-29", D("50.00")),
        ("Monthly", "2024-03-01", "2024-03-31", D("50.00")),
        ("Monthly", "2024-04-01", "2024-04-30", D("50.00")),
        ("Monthly", "2024-01-01", "2024-01-31", D("50.00")),
        ("Monthly", "2024-02-01", "2024-02-29", D("50.00")),
        ("Monthly", "2024-03-01", "2024-03-31", D("50.00")),
    ]
    renewed = zuora.subscriptions_api().get_subscription_by_key(renewing.subscription_id)
    assert str(renewed.term_start_date) == "2024-04-01" and str(renewed.term_end_date) == "2024-07-01"
    expired = zuora.subscriptions_api().get_subscription_by_key(ending.subscription_id)
    assert str(expired.term_end_date) == "2024-04-01"


def test_invoice_separately(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan("Site", recurring("Site", "30"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1), invoice_separately=True)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    result = generate_one(http, account.account_id, "2024-01-01")
    # The combined invoice (A-S00000002) comes first and its id is the answer; A-S00000001 has
    # its own invoice.
    first = zuora.invoices_api().get_invoice(result["Id"])
    assert first.invoice_number == "INV00000001"
    assert [i["subscriptionName"] for i in invoice_items(http, result["Id"])] == ["A-S00000002"]
    second = zuora.invoices_api().get_invoice("INV00000002")
    assert [i["subscriptionName"] for i in invoice_items(http, second.id)] == ["A-S00000001"]
    assert D(str(first.amount)) == D(str(second.amount)) == D("30.00")


@pytest.mark.parametrize("bill_cycle_day", [31])
def test_bill_cycle_day_31_through_february(http: httpx.Client, zuora: Any, bill_cycle_day: int) -> None:
    plan = SdkCatalog(zuora).plan("Monthly", recurring("Monthly", "100"))
    account = sdk_account(zuora, bill_cycle_day=bill_cycle_day)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 31))
    # Bill cycle day 31 falls on the last day of shorter months: 2024-01-31, 2024-02-29 (a leap
    # year), 2024-03-31. Each period is a whole month: 100.00 each.
    assert bill(http, account.account_id, "2024-03-31") == [
        ("Monthly", "2024-01-31", "2024-02-28", D("100.00")),
        ("Monthly", "2024-02-29", "2024-03-30", D("100.00")),
        ("Monthly", "2024-03-31", "2024-04-29", D("100.00")),
    ]


def test_charge_override_bill_cycle_day_and_quantity(http: httpx.Client, zuora: Any) -> None:
    shop = SdkCatalog(zuora)
    plan = shop.plan("Seats", per_unit_recurring("Seats", "8", quantity="1"))
    account = sdk_account(zuora)
    sdk_subscribe(
        zuora,
        account.account_id,
        plan,
        date(2024, 1, 1),
        overrides=[
            CreateSubscriptionComponent(
                product_rate_plan_charge_id=shop.names["Seats"],
                quantity=D(10),
                bill_cycle_type="SpecificDayofMonth",
                bill_cycle_day="15",
            )
        ],
    )
    # 10 seats x 8.00 = 80.00 a month, periods from the 15th. The partial 2024-01-01..01-14 lies
    # in the month 2023-12-15..2024-01-14 (31 days): 80 x 14 / 31 = 36.129.. = 36.13; then
    # 2024-01-15..02-14 in full: 80.00.
    assert bill(http, account.account_id, "2024-01-15") == [
        ("Seats", "2024-01-01", "2024-01-14", D("36.13")),
        ("Seats", "2024-01-15", "2024-02-14", D("80.00")),
    ]


def test_the_tenants_proration_setting_chooses_the_day_count(http: httpx.Client, zuora: Any) -> None:
    # $300 a month in advance from 2024-01-17, bill cycle day 1: 01-17..01-31 is 15 days of January.
    plan = SdkCatalog(zuora).plan("Monthly", recurring("Monthly", "300"))

    def first_month() -> list[tuple[str, str, str, Decimal]]:
        account = sdk_account(zuora)
        sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 17))
        return bill(http, account.account_id, "2024-01-17")

    # Actual days (the default): 300 x 15/31 = 145.161.. = 145.16.
    assert first_month() == [("Monthly", "2024-01-17", "2024-01-31", D("145.16"))]
    # 30-day months, actual/360: 300 x 15/30 = 150.00.
    assert http.put("/settings/billing-rules", json={"daysInMonth": "Assume30DaysActual360"}).status_code == 200
    assert first_month() == [("Monthly", "2024-01-17", "2024-01-31", D("150.00"))]
    # Strict 30/360: the 31st counts as the 30th, 01-17..01-30 is 14 days: 300 x 14/30 = 140.00.
    assert http.put("/settings/billing-rules", json={"daysInMonth": "Assume30DaysStrict30360"}).status_code == 200
    assert first_month() == [("Monthly", "2024-01-17", "2024-01-31", D("140.00"))]


def test_the_tenants_proration_unit_by_month_or_by_day(http: httpx.Client, zuora: Any) -> None:
    # $1,200 a year from 2024-07-05, bill cycle day 1: the first period is 07-05..07-31 of the year
    # 2023-08-01..2024-07-31 (366 days, with 2024-02-29).
    plan = SdkCatalog(zuora).plan("Annual", recurring("Annual", "1200", period="Annual"))

    def first_period() -> list[tuple[str, str, str, Decimal]]:
        account = sdk_account(zuora)
        sdk_subscribe(zuora, account.account_id, plan, date(2024, 7, 5))
        return bill(http, account.account_id, "2024-07-05")

    # By month first (the default): 27 of July's 31 days of one of 12 months: 1200 x 27/31 / 12 = 87.096.. = 87.10.
    assert first_period() == [("Annual", "2024-07-05", "2024-07-31", D("87.10"))]
    # By day: 27 of the year's 366 days: 1200 x 27/366 = 88.524.. = 88.52.
    assert http.put("/settings/billing-rules", json={"prorationUnit": "ProrateByDay"}).status_code == 200
    assert first_period() == [("Annual", "2024-07-05", "2024-07-31", D("88.52"))]


def test_charges_triggered_by_service_activation_and_customer_acceptance(http: httpx.Client, zuora: Any) -> None:
    plan = SdkCatalog(zuora).plan(
        "Onboarded",
        one_time("Installation", "50", trigger_event="ServiceActivation"),
        recurring("Service", "100", trigger_event="CustomerAcceptance"),
    )
    account = sdk_account(zuora)
    created = sdk_subscribe(
        zuora,
        account.account_id,
        plan,
        date(2024, 1, 1),
        service_activation_date=date(2024, 1, 5),
        customer_acceptance_date=date(2024, 1, 10),
    )
    view = zuora.subscriptions_api().get_subscription_by_key(created.subscription_id)
    assert (str(view.service_activation_date), str(view.customer_acceptance_date)) == ("2024-01-05", "2024-01-10")
    # Nothing is due before the service is activated.
    assert nothing_to_bill(http, account.account_id, "2024-01-04")
    # The installation bills on the activation date; the service from its acceptance, 01-10..01-31:
    # 22 of January's 31 days, 100 x 22/31 = 70.967.. = 70.97.
    assert bill(http, account.account_id, "2024-01-10") == [
        ("Installation", "2024-01-05", "2024-01-05", D("50.00")),
        ("Service", "2024-01-10", "2024-01-31", D("70.97")),
    ]


def test_changing_the_accounts_bill_cycle_day(http: httpx.Client, zuora: Any) -> None:
    # $100 a month in advance from 2024-01-01 on bill cycle day 1; January billed. The account's bill
    # cycle day then becomes the 15th: 02-01..02-14 is billed as 14 days of the new billing month
    # 01-15..02-14 (31 days), 100 x 14/31 = 45.161.. = 45.16 (January's days are not billed again),
    # then 02-15..03-14 whole.
    plan = SdkCatalog(zuora).plan("Monthly", recurring("Monthly", "100"))
    account = sdk_account(zuora)
    sdk_subscribe(zuora, account.account_id, plan, date(2024, 1, 1))
    assert bill(http, account.account_id, "2024-01-01") == [("Monthly", "2024-01-01", "2024-01-31", D("100.00"))]
    zuora.accounts_api().update_account(account.account_id, UpdateAccountRequest(bill_cycle_day=15))
    assert bill(http, account.account_id, "2024-02-15") == [
        ("Monthly", "2024-02-01", "2024-02-14", D("45.16")),
        ("Monthly", "2024-02-15", "2024-03-14", D("100.00")),
    ]

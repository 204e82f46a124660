"""Standalone invoices (``POST /v1/invoices`` and ``/v1/invoices/batch``): every rule of the
"Create standalone invoices" page, through Zuora's official SDK where it has the call."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import (
    ApiException,
    BulkCreateInvoicesRequest,
    CreateAccountContact,
    CreateAccountRequest,
    CreateInvoiceItem,
    CreateInvoiceRequest,
)

from billforge.db.session import Database
from tests.conftest import Tenant


def new_account(zuora: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "Acme",
        "currency": "USD",
        "bill_to_contact": CreateAccountContact(
            first_name="Ada", last_name="Lovelace", country="United States", state="CA"
        ),
    }
    fields.update(overrides)
    return zuora.accounts_api().create_account(CreateAccountRequest(**fields))


def item(amount: str = "100.00", **overrides: Any) -> CreateInvoiceItem:
    fields: dict[str, Any] = {"amount": Decimal(amount), "service_start_date": date(2024, 1, 1), "charge_name": "Setup"}
    fields.update(overrides)
    return CreateInvoiceItem(**fields)


def invoice_request(account_id: str, *items: CreateInvoiceItem, **overrides: Any) -> CreateInvoiceRequest:
    fields: dict[str, Any] = {
        "account_id": account_id,
        "invoice_date": date(2024, 1, 15),
        "invoice_items": list(items) or [item()],
    }
    fields.update(overrides)
    return CreateInvoiceRequest(**fields)


def reasons(error: ApiException) -> list[dict[str, Any]]:
    import json

    body = json.loads(error.body)
    return list(body["reasons"])


def raw_invoice(account_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accountId": account_id,
        "invoiceDate": "2024-01-15",
        "invoiceItems": [{"amount": "100.00", "serviceStartDate": "2024-01-01", "chargeName": "Setup"}],
    }
    body.update(overrides)
    return body


# --- one invoice ----------------------------------------------------------------------------


def test_create_one_invoice_with_defaults(zuora: Any) -> None:
    account = new_account(zuora)
    created = zuora.invoices_api().create_standalone_invoice(
        invoice_request(account.account_id, item("100.00"), item("25.50", charge_name="Support"))
    )
    # 100.00 + 25.50 = 125.50; no tax, no payment: balance = amount.
    assert created.success is True
    assert created.invoice_number == "INV00000001"
    assert created.status == "Draft"
    assert Decimal(str(created.amount)) == Decimal("125.50")
    assert Decimal(str(created.amount_without_tax)) == Decimal("125.50")
    assert Decimal(str(created.tax_amount)) == 0
    assert Decimal(str(created.balance)) == Decimal("125.50")
    # Due Upon Receipt (the tenant default): due date = invoice date.
    assert created.due_date == "2024-01-15"
    assert created.auto_pay is False
    assert created.currency == "USD"
    assert created.source_type == "Standalone"
    second = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))
    assert second.invoice_number == "INV00000002"


def test_payment_term_gives_the_due_date(zuora: Any) -> None:
    account = new_account(zuora, payment_term="Net 30")
    created = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))
    # 2024-01-15 + 30 days = 2024-02-14
    assert created.due_date == "2024-02-14"
    by_name = zuora.invoices_api().create_standalone_invoice(
        invoice_request(account.account_id, invoice_date=date(2024, 1, 31), payment_term="Net 15")
    )
    # 2024-01-31 + 15 days = 2024-02-15
    assert by_name.due_date == "2024-02-15"
    explicit = zuora.invoices_api().create_standalone_invoice(
        invoice_request(account.account_id, due_date=date(2024, 3, 1))
    )
    assert explicit.due_date == "2024-03-01"


def test_due_date_before_invoice_date_is_refused(zuora: Any) -> None:
    account = new_account(zuora)
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, due_date=date(2024, 1, 1)))
    assert caught.value.status == 400
    assert reasons(caught.value)[0]["message"] == "'dueDate' must be on or after 'invoiceDate'"


def test_status_posted_posts_at_creation(zuora: Any) -> None:
    account = new_account(zuora)
    created = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, status="Posted"))
    assert created.status == "Posted"
    assert created.posted_date is not None


def test_account_number_and_id_must_agree(zuora: Any) -> None:
    first = new_account(zuora)
    second = new_account(zuora)
    ok = zuora.invoices_api().create_standalone_invoice(
        invoice_request(first.account_id, account_number=first.account_number)
    )
    assert ok.account_id == first.account_id
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().create_standalone_invoice(
            invoice_request(first.account_id, account_number=second.account_number)
        )
    assert "refer to different accounts" in reasons(caught.value)[0]["message"]


def test_account_is_required(http: httpx.Client) -> None:
    body = raw_invoice("x")
    del body["accountId"]
    response = http.post("/v1/invoices", json=body)
    assert response.status_code == 400
    reason = response.json()["reasons"][0]
    assert reason["message"] == "one of 'accountId' or 'accountNumber' is required"
    assert str(reason["code"]).endswith("22")  # category 22: missing required field


def test_unknown_account_is_an_invalid_value(http: httpx.Client) -> None:
    response = http.post("/v1/invoices", json=raw_invoice("0" * 32))
    assert response.status_code == 400
    reason = response.json()["reasons"][0]
    assert reason["message"] == f"'accountId' {'0' * 32!r} is not a known account"
    assert str(reason["code"]).endswith("20")


def test_invoice_date_is_required(http: httpx.Client, zuora: Any) -> None:
    account = new_account(zuora)
    body = raw_invoice(account.account_id)
    del body["invoiceDate"]
    response = http.post("/v1/invoices", json=body)
    assert response.status_code == 400
    reason = response.json()["reasons"][0]
    assert reason["message"] == "'invoiceDate' is required"
    assert str(reason["code"]).endswith("22")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("A" * 33, "'invoiceNumber' must be at most 32 characters"),
        ("INV 1", "'invoiceNumber' may contain only letters a-z and A-Z, digits 0-9, '-' and '_'"),
        ("INV#1", "'invoiceNumber' may contain only letters a-z and A-Z, digits 0-9, '-' and '_'"),
    ],
)
def test_invoice_number_format(zuora: Any, number: str, message: str) -> None:
    account = new_account(zuora)
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, invoice_number=number))
    assert reasons(caught.value)[0]["message"] == message


def test_custom_invoice_numbers_are_unique_and_skipped_by_the_sequence(zuora: Any) -> None:
    account = new_account(zuora)
    api = zuora.invoices_api()
    # The page's examples of valid custom numbers.
    for number in ("202310000300", "2023-09-100009785", "INV00000002"):
        assert (
            api.create_standalone_invoice(invoice_request(account.account_id, invoice_number=number)).invoice_number
            == number
        )
    with pytest.raises(ApiException) as caught:
        api.create_standalone_invoice(invoice_request(account.account_id, invoice_number="202310000300"))
    assert reasons(caught.value)[0]["message"] == "'invoiceNumber' '202310000300' is already used by another invoice"
    # The sequence gives INV00000001, then skips INV00000002 (taken above) and gives INV00000003.
    assert api.create_standalone_invoice(invoice_request(account.account_id)).invoice_number == "INV00000001"
    assert api.create_standalone_invoice(invoice_request(account.account_id)).invoice_number == "INV00000003"


def test_items_required_and_limited(http: httpx.Client, zuora: Any) -> None:
    account = new_account(zuora)
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[]))
    assert response.json()["reasons"][0]["message"] == "'invoiceItems' must contain at least one item"
    many = [{"amount": "1.00", "serviceStartDate": "2024-01-01", "chargeName": f"c{i}"} for i in range(1001)]
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=many))
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == "'invoiceItems' has 1001 items; at most 1000 are allowed"


def test_item_rules(http: httpx.Client, zuora: Any) -> None:
    account = new_account(zuora)
    body = raw_invoice(
        account.account_id,
        invoiceItems=[
            {"amount": "10.00", "serviceStartDate": "2024-01-01"},
            {"amount": "10.005", "serviceStartDate": "2024-01-01", "chargeName": "x"},
            {"amount": "10", "serviceStartDate": "2024-02-01", "serviceEndDate": "2024-01-31", "chargeName": "y"},
        ],
    )
    response = http.post("/v1/invoices", json=body)
    messages = [r["message"] for r in response.json()["reasons"]]
    assert messages == [
        "'invoiceItems[0].chargeName' is required when productRatePlanChargeId is not given",
        "'invoiceItems[1].amount' 10.005 has more decimal places than USD allows (2)",
        "'invoiceItems[2].serviceEndDate' must be on or after serviceStartDate",
    ]


def test_tax_and_discount_item_limits(http: httpx.Client, zuora: Any) -> None:
    account = new_account(zuora)
    tax = {
        "name": "VAT",
        "taxAmount": "1.00",
        "taxCode": "VAT",
        "taxDate": "2024-01-15",
        "taxRate": "0.1",
        "taxRateType": "Percentage",
        "taxMode": "TaxExclusive",
    }
    body = raw_invoice(
        account.account_id,
        invoiceItems=[
            {"amount": "10.00", "serviceStartDate": "2024-01-01", "chargeName": "a", "taxItems": [tax] * 6},
            {
                "amount": "10.00",
                "serviceStartDate": "2024-01-01",
                "chargeName": "b",
                "discountItems": [{"amount": "-1.00", "chargeName": "d"}] * 11,
            },
        ],
    )
    response = http.post("/v1/invoices", json=body)
    messages = [r["message"] for r in response.json()["reasons"]]
    assert messages == [
        "'invoiceItems[0].taxItems' must contain at most 5 entries",
        "'invoiceItems[1].discountItems' must contain at most 10 entries",
    ]


def test_discount_items_are_negative_and_reduce_the_total(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    body = raw_invoice(
        account.account_id,
        invoiceItems=[
            {
                "amount": "100.00",
                "serviceStartDate": "2024-01-01",
                "chargeName": "Licence",
                "discountItems": [{"amount": "-10.00", "chargeName": "Launch discount"}],
            }
        ],
    )
    created = http.post("/v1/invoices", json=body).json()
    # 100.00 - 10.00 = 90.00
    assert created["amount"] == 90.00
    assert created["discount"] == -10.00
    items = http.get(f"/v1/invoices/{created['id']}/items").json()["invoiceItems"]
    assert [(i["chargeName"], i["chargeAmount"], i["processingType"]) for i in items] == [
        ("Licence", "100.00", "Charge"),
        ("Launch discount", "-10.00", "Discount"),
    ]
    assert items[1]["appliedToItemId"] == items[0]["id"]
    body["invoiceItems"][0]["discountItems"][0]["amount"] = "10.00"
    response = http.post("/v1/invoices", json=body)
    assert response.json()["reasons"][0]["message"] == (
        "'invoiceItems[0].discountItems[0].amount' must be negative for a discount item, got 10.00"
    )


def test_external_tax_items(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    tax = {
        "name": "State tax",
        "taxAmount": "7.25",
        "taxCode": "ST",
        "taxDate": "2024-01-15",
        "taxRate": "0.0725",
        "taxRateType": "Percentage",
        "taxMode": "TaxExclusive",
        "jurisdiction": "CALIFORNIA",
    }
    body = raw_invoice(
        account.account_id,
        invoiceItems=[{"amount": "100.00", "serviceStartDate": "2024-01-01", "chargeName": "Gear", "taxItems": [tax]}],
    )
    created = http.post("/v1/invoices", json=body).json()
    # 100.00 + 7.25 tax = 107.25
    assert (created["amountWithoutTax"], created["taxAmount"], created["amount"]) == (100.00, 7.25, 107.25)
    items = http.get(f"/v1/invoices/{created['id']}/items").json()["invoiceItems"]
    (line,) = items[0]["taxationItems"]["data"]
    assert (line["name"], line["jurisdiction"], line["taxAmount"]) == ("State tax", "CALIFORNIA", 7.25)

    with_code = {**body["invoiceItems"][0], "taxCode": "ST"}
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[with_code]))
    assert response.json()["reasons"][0]["message"] == (
        "'invoiceItems[0].taxCode' must not be given with taxItems: externally calculated taxes carry their own "
        "taxCode and taxMode"
    )
    inclusive = {**body["invoiceItems"][0], "taxItems": [{**tax, "taxMode": "TaxInclusive"}]}
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[inclusive]))
    assert response.json()["reasons"][0]["message"] == (
        "'invoiceItems[0].taxItems[0].taxMode' must be TaxExclusive for externally calculated taxes"
    )


def test_contact_rules(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    other = new_account(zuora)
    contact = {"firstName": "Grace", "lastName": "Hopper"}
    both = raw_invoice(account.account_id, billToContact=contact, billToContactId=account.bill_to_contact_id)
    assert http.post("/v1/invoices", json=both).json()["reasons"][0]["message"] == (
        "'billToContactId' and 'billToContact' are mutually exclusive: give one of them"
    )
    same = raw_invoice(account.account_id, billToContact=contact, soldToContact=contact, soldToSameAsBillTo=True)
    assert http.post("/v1/invoices", json=same).json()["reasons"][0]["message"] == (
        "'soldToSameAsBillTo' is mutually exclusive with 'soldToContact' and 'soldToContactId'"
    )
    foreign = raw_invoice(account.account_id, billToContactId=other.bill_to_contact_id)
    assert http.post("/v1/invoices", json=foreign).json()["reasons"][0]["message"] == (
        f"'billToContactId' {other.bill_to_contact_id!r} is not a contact of account {account.account_number}"
    )
    created = http.post(
        "/v1/invoices", json=raw_invoice(account.account_id, billToContact=contact, soldToSameAsBillTo=True)
    ).json()
    assert created["billToContactId"] == created["soldToContactId"]
    assert created["billToContactId"] not in (account.bill_to_contact_id, None)


def test_currency_must_be_active(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, currency="CHF"))
    assert response.json()["reasons"][0]["message"] == "'currency' 'CHF' is not an active currency of this tenant"
    eur = http.post("/v1/invoices", json=raw_invoice(account.account_id, currency="EUR")).json()
    assert eur["currency"] == "EUR"


def test_yen_has_no_minor_units(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora, currency="JPY")
    body = raw_invoice(
        account.account_id, invoiceItems=[{"amount": "1000.5", "serviceStartDate": "2024-01-01", "chargeName": "x"}]
    )
    assert http.post("/v1/invoices", json=body).json()["reasons"][0]["message"] == (
        "'invoiceItems[0].amount' 1000.5 has more decimal places than JPY allows (0)"
    )


def test_custom_rates_at_most_two(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    rate = {"currency": "EUR", "customFxRate": "0.9"}
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, customRates=[rate, rate, rate]))
    assert response.json()["reasons"][0]["message"] == "'customRates' must contain at most 2 entries"
    created = http.post("/v1/invoices", json=raw_invoice(account.account_id, customRates=[rate])).json()
    assert created["customRates"] == [{"currency": "EUR", "customFxRate": "0.9", "rateDate": None}]


def test_transferred_to_accounting_values(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    for value in ("Processing", "Error", "Yes", "Ignore", "No"):
        created = http.post("/v1/invoices", json=raw_invoice(account.account_id, transferredToAccounting=value)).json()
        assert created["transferredToAccounting"] == value
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, transferredToAccounting="Maybe"))
    assert response.json()["reasons"][0]["message"].startswith("'transferredToAccounting' must be one of")


def test_comments_autopay_and_netsuite_fields_round_trip(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    body = raw_invoice(
        account.account_id,
        comments="Thanks for your business",
        autoPay=True,
        IntegrationId__NS="ns-42",
        SyncDate__NS="2024-01-15",
        invoiceItems=[
            {
                "amount": "5.00",
                "serviceStartDate": "2024-01-01",
                "chargeName": "x",
                "accountingCode": "4000",
                "IntegrationStatus__NS": "Synced",
            }
        ],
    )
    created = http.post("/v1/invoices", json=body).json()
    fetched = http.get(f"/v1/invoices/{created['invoiceNumber']}").json()
    assert fetched["comments"] == "Thanks for your business"
    assert fetched["autoPay"] is True
    assert (fetched["IntegrationId__NS"], fetched["SyncDate__NS"]) == ("ns-42", "2024-01-15")
    (line,) = http.get(f"/v1/invoices/{created['id']}/items").json()["invoiceItems"]
    assert (line["accountingCode"], line["IntegrationStatus__NS"]) == ("4000", "Synced")


def test_unknown_sequence_set_and_template(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, sequenceSet="nope", templateId="t" * 32))
    assert [r["message"] for r in response.json()["reasons"]] == [
        "'sequenceSet' 'nope' is not a known sequence set",
        f"'templateId' {'t' * 32!r} is not a known invoice template",
    ]


# --- batches --------------------------------------------------------------------------------


def test_batch_in_separate_transactions_answers_per_invoice_in_order(zuora: Any) -> None:
    account = new_account(zuora)
    good = invoice_request(account.account_id)
    bad = invoice_request(account.account_id, invoice_number="bad number")
    response = zuora.invoices_api().bulk_create_standalone_invoices(
        BulkCreateInvoicesRequest(invoices=[good, bad, good])
    )
    assert [entry.success for entry in response.invoices] == [True, False, True]
    assert [entry.invoice_number for entry in response.invoices if entry.success] == ["INV00000001", "INV00000002"]
    failed = response.invoices[1]
    assert failed.reasons[0].message == (
        "invoices[1]: 'invoiceNumber' may contain only letters a-z and A-Z, digits 0-9, '-' and '_'"
    )


def test_batch_in_one_transaction_is_all_or_nothing(zuora: Any, db: Database, tenant: Tenant) -> None:
    from billforge.services.invoices import count_invoices

    account = new_account(zuora)
    good = invoice_request(account.account_id)
    bad = invoice_request(account.account_id, due_date=date(2020, 1, 1))
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().bulk_create_standalone_invoices(
            BulkCreateInvoicesRequest(invoices=[good, good, bad], use_single_transaction=True)
        )
    assert caught.value.status == 400
    assert reasons(caught.value)[0]["message"] == "invoices[2]: 'dueDate' must be on or after 'invoiceDate'"
    assert count_invoices(db=db, ctx=tenant.ctx) == 0


def test_batch_limits(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    response = http.post("/v1/invoices/batch", json={"invoices": [raw_invoice(account.account_id)] * 51})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["message"] == "'invoices' has 51 invoices; at most 50 are allowed per request"
    items = [{"amount": "1.00", "serviceStartDate": "2024-01-01", "chargeName": "c"}] * 501
    response = http.post(
        "/v1/invoices/batch", json={"invoices": [raw_invoice(account.account_id, invoiceItems=items)] * 2}
    )
    assert response.json()["reasons"][0]["message"] == (
        "the request has 1002 invoice items; at most 1000 are allowed per request"
    )


def test_batch_duplicate_numbers_within_one_request(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    same = raw_invoice(account.account_id, invoiceNumber="DUP-1")
    entries = http.post("/v1/invoices/batch", json={"invoices": [same, same]}).json()["invoices"]
    assert [e["success"] for e in entries] == [True, False]
    assert (
        entries[1]["reasons"][0]["message"] == "invoices[1]: 'invoiceNumber' 'DUP-1' is already used by another invoice"
    )


def test_invoice_date_in_a_closed_accounting_period_is_refused(zuora: Any, http: httpx.Client) -> None:
    from zuora_sdk import CreateAccountingPeriodRequest

    periods = zuora.accounting_periods_api()
    january = periods.create_accounting_period(
        CreateAccountingPeriodRequest(
            name="Jan 2024", start_date=date(2024, 1, 1), end_date=date(2024, 1, 31), fiscal_year="2024"
        )
    )
    periods.create_accounting_period(
        CreateAccountingPeriodRequest(
            name="Feb 2024", start_date=date(2024, 2, 1), end_date=date(2024, 2, 29), fiscal_year="2024"
        )
    )
    account = new_account(zuora)
    draft = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))  # dated 2024-01-15
    periods.close_accounting_period(january.id)

    response = http.post("/v1/invoices", json=raw_invoice(account.account_id))
    assert response.status_code == 400
    reason = response.json()["reasons"][0]
    assert reason["message"] == "'invoiceDate' 2024-01-15 falls in the closed accounting period 'Jan 2024'"
    assert str(reason["code"]).endswith("30")  # a rule restriction
    in_batch = http.post("/v1/invoices/batch", json={"invoices": [raw_invoice(account.account_id)]}).json()
    assert in_batch["invoices"][0]["reasons"][0]["message"] == (
        "invoices[0]: 'invoiceDate' 2024-01-15 falls in the closed accounting period 'Jan 2024'"
    )
    # Posting the January draft is refused too, unless it is re-dated into the open February.
    refused = http.put(f"/v1/invoices/{draft.id}/post", json={})
    assert refused.json()["reasons"][0]["message"] == (
        "'invoiceDate' 2024-01-15 falls in the closed accounting period 'Jan 2024'"
    )
    moved = http.put(f"/v1/invoices/{draft.id}/post", json={"invoiceDate": "2024-02-01"})
    assert moved.status_code == 200
    assert http.get(f"/v1/invoices/{draft.id}").json()["invoiceDate"] == "2024-02-01"


# --- every rule with its exact code ---------------------------------------------------------------
# Zuora's code for the standalone invoice resource is 584900 (its "Create standalone invoices"
# example answers 58490020); the last two digits are the category: 20 invalid value, 22 missing
# required field, 30 rule restriction, 70 limit.

LINE = {"amount": "10.00", "serviceStartDate": "2024-01-01", "chargeName": "x"}
TAX = {
    "name": "VAT",
    "taxAmount": "1.00",
    "taxCode": "VAT",
    "taxDate": "2024-01-15",
    "taxRate": "0.1",
    "taxRateType": "Percentage",
    "taxMode": "TaxExclusive",
}


def _without(key: str) -> Any:
    return lambda body: {k: v for k, v in body.items() if k != key}


def _with(**fields: Any) -> Any:
    return lambda body: {**body, **fields}


def _line(**fields: Any) -> Any:
    return lambda body: {**body, "invoiceItems": [{**LINE, **fields}]}


def _line_without(key: str) -> Any:
    return lambda body: {**body, "invoiceItems": [{k: v for k, v in LINE.items() if k != key}]}


RULES: list[tuple[str, Any, int, str]] = [
    ("invoice date required", _without("invoiceDate"), 58490022, "'invoiceDate' is required"),
    ("items required", _with(invoiceItems=[]), 58490022, "'invoiceItems' must contain at least one item"),
    (
        "at most 1000 items",
        _with(invoiceItems=[LINE] * 1001),
        58490020,
        "'invoiceItems' has 1001 items; at most 1000 are allowed",
    ),
    ("unknown account", _with(accountId="0" * 32), 58490020, f"'accountId' {'0' * 32!r} is not a known account"),
    (
        "number length",
        _with(invoiceNumber="N" * 33),
        58490020,
        "'invoiceNumber' must be at most 32 characters",
    ),
    (
        "number characters",
        _with(invoiceNumber="N/1"),
        58490020,
        "'invoiceNumber' may contain only letters a-z and A-Z, digits 0-9, '-' and '_'",
    ),
    (
        "charge name or charge id",
        _line(chargeName=None),
        58490022,
        "'invoiceItems[0].chargeName' is required when productRatePlanChargeId is not given",
    ),
    (
        "unknown catalog charge",
        _line(productRatePlanChargeId="c" * 32),
        58490020,
        f"'invoiceItems[0].productRatePlanChargeId' {'c' * 32!r} is not a known charge",
    ),
    (
        "amount in minor units",
        _line(amount="1.001"),
        58490020,
        "'invoiceItems[0].amount' 1.001 has more decimal places than USD allows (2)",
    ),
    (
        "service end after start",
        _line(serviceEndDate="2023-12-31"),
        58490020,
        "'invoiceItems[0].serviceEndDate' must be on or after serviceStartDate",
    ),
    (
        "at most 5 tax items",
        _line(taxItems=[TAX] * 6),
        58490020,
        "'invoiceItems[0].taxItems' must contain at most 5 entries",
    ),
    (
        "at most 10 discount items",
        _line(discountItems=[{"amount": "-1.00", "chargeName": "d"}] * 11),
        58490020,
        "'invoiceItems[0].discountItems' must contain at most 10 entries",
    ),
    (
        "discounts are negative",
        _line(discountItems=[{"amount": "1.00", "chargeName": "d"}]),
        58490020,
        "'invoiceItems[0].discountItems[0].amount' must be negative for a discount item, got 1.00",
    ),
    (
        "no item tax code with external taxes",
        _line(taxItems=[TAX], taxCode="VAT"),
        58490020,
        "'invoiceItems[0].taxCode' must not be given with taxItems: externally calculated taxes carry their own "
        "taxCode and taxMode",
    ),
    (
        "external taxes are exclusive",
        _line(taxItems=[{**TAX, "taxMode": "TaxInclusive"}]),
        58490020,
        "'invoiceItems[0].taxItems[0].taxMode' must be TaxExclusive for externally calculated taxes",
    ),
    (
        "tax code must be active",
        _line(taxCode="NOPE", taxMode="TaxExclusive"),
        58490020,
        "'invoiceItems[0].taxCode' 'NOPE' is not an active tax code",
    ),
    (
        "bill-to contact or its id",
        _with(billToContactId="b" * 32, billToContact={"firstName": "A", "lastName": "B"}),
        58490020,
        "'billToContactId' and 'billToContact' are mutually exclusive: give one of them",
    ),
    (
        "sold-to same as bill-to is exclusive",
        _with(soldToSameAsBillTo=True, soldToContactId="s" * 32),
        58490030,
        "'soldToSameAsBillTo' is mutually exclusive with 'soldToContact' and 'soldToContactId'",
    ),
    ("active currency", _with(currency="CHF"), 58490020, "'currency' 'CHF' is not an active currency of this tenant"),
    (
        "at most 2 custom rates",
        _with(customRates=[{"currency": "EUR", "customFxRate": "1"}] * 3),
        58490020,
        "'customRates' must contain at most 2 entries",
    ),
    ("status Draft or Posted", _with(status="Canceled"), 58490020, "'status' must be one of 'Draft' or 'Posted'"),
    (
        "transferred to accounting values",
        _with(transferredToAccounting="Maybe"),
        58490020,
        "'transferredToAccounting' must be one of 'Processing', 'Error', 'Yes', 'Ignore' or 'No'",
    ),
    ("known payment term", _with(paymentTerm="Net 7"), 58490020, "'paymentTerm' 'Net 7' is not an active payment term"),
    ("due after invoice date", _with(dueDate="2024-01-01"), 58490020, "'dueDate' must be on or after 'invoiceDate'"),
    ("known sequence set", _with(sequenceSet="nope"), 58490020, "'sequenceSet' 'nope' is not a known sequence set"),
    (
        "service start date required",
        _line_without("serviceStartDate"),
        58490022,
        "'invoiceItems[0].serviceStartDate' is required",
    ),
    ("item amount required", _line_without("amount"), 58490022, "'invoiceItems[0].amount' is required"),
    (
        "tax item fields required",
        _line(taxItems=[{k: v for k, v in TAX.items() if k != "taxDate"}]),
        58490022,
        "'invoiceItems[0].taxItems[0].taxDate' is required",
    ),
    (
        "tax item rate type values",
        _line(taxItems=[{**TAX, "taxRateType": "Fixed"}]),
        58490020,
        "'invoiceItems[0].taxItems[0].taxRateType' must be one of 'Percentage' or 'FlatFee'",
    ),
    (
        "tax item amount in minor units",
        _line(taxItems=[{**TAX, "taxAmount": "1.001"}]),
        58490020,
        "'invoiceItems[0].taxItems[0].taxAmount' 1.001 has more decimal places than USD allows",
    ),
    (
        "discount amount required",
        _line(discountItems=[{"chargeName": "d"}]),
        58490022,
        "'invoiceItems[0].discountItems[0].amount' is required",
    ),
    (
        "custom rate fields required",
        _with(customRates=[{"currency": "EUR"}]),
        58490022,
        "'customRates[0].customFxRate' is required",
    ),
    (
        "charge date format",
        _line(chargeDate="15/01/2024"),
        58490020,
        "'invoiceItems[0].chargeDate' must be in yyyy-mm-dd hh:mm:ss format, got '15/01/2024'",
    ),
    (
        "revenue recognition trigger values",
        _line(revRecTriggerCondition="Whenever"),
        58490020,
        "'invoiceItems[0].revRecTriggerCondition' must be one of 'ServiceActivationDate', 'ContractEffectiveDate' "
        "or 'CustomerAcceptanceDate'",
    ),
    ("unknown account number", _with(accountNumber="NOPE"), 58490020, "'accountNumber' 'NOPE' is not a known account"),
    (
        "contacts of the account",
        _with(soldToContactId="s" * 32),
        58490020,
        f"'soldToContactId' {'s' * 32!r} is not a contact of account A00000001",
    ),
    (
        "known template",
        _with(templateId="t" * 32),
        58490020,
        f"'templateId' {'t' * 32!r} is not a known invoice template",
    ),
]


@pytest.mark.parametrize(("rule", "change", "code", "message"), RULES, ids=[r[0] for r in RULES])
def test_rule_answers_its_exact_code_and_message(
    zuora: Any, http: httpx.Client, rule: str, change: Any, code: int, message: str
) -> None:
    account = new_account(zuora)
    body = change(raw_invoice(account.account_id))
    for line in body.get("invoiceItems", []):
        if isinstance(line, dict) and line.get("chargeName") is None:
            line.pop("chargeName", None)
    response = http.post("/v1/invoices", json=body)
    assert response.status_code == 400, response.text
    first = response.json()["reasons"][0]  # the contact rules also report the unknown contact id after this
    assert (first["code"], first["message"]) == (code, message)


def test_duplicate_number_and_limits_codes(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceNumber="ONCE-1")).raise_for_status()
    again = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceNumber="ONCE-1")).json()["reasons"]
    assert (again[0]["code"], again[0]["message"]) == (
        58490030,
        "'invoiceNumber' 'ONCE-1' is already used by another invoice",
    )
    too_many = http.post("/v1/invoices/batch", json={"invoices": [raw_invoice(account.account_id)] * 51})
    (reason,) = too_many.json()["reasons"]
    assert (reason["code"], reason["message"]) == (
        58490070,
        "'invoices' has 51 invoices; at most 50 are allowed per request",
    )


# --- Zuora-calculated tax and catalog charges ---------------------------------------------------


def _tax_code(http: httpx.Client, name: str, rate: str) -> None:
    body = {"name": name, "taxRates": [{"name": f"{name} rate", "taxRate": rate, "taxRateType": "Percentage"}]}
    response = http.post("/settings/tax-codes/ztax", json=body)
    assert response.status_code == 200, response.text


def _line_taxes(http: httpx.Client, invoice_id: str) -> list[tuple[str, str, str, list[float]]]:
    items = http.get(f"/v1/invoices/{invoice_id}/items").json()["invoiceItems"]
    return [
        (i["chargeName"], i["chargeAmount"], i["taxMode"], [t["taxAmount"] for t in i["taxationItems"]["data"]])
        for i in items
    ]


def test_zuora_calculated_tax_exclusive_and_inclusive(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    _tax_code(http, "VAT", "0.075")
    _tax_code(http, "STD", "0.2")
    body = raw_invoice(
        account.account_id,
        invoiceItems=[
            {**LINE, "chargeName": "a", "amount": "10.05", "taxCode": "VAT", "taxMode": "TaxExclusive"},
            {**LINE, "chargeName": "b", "amount": "10.05", "taxCode": "VAT"},  # taxMode defaults to exclusive
            {**LINE, "chargeName": "c", "amount": "100.00", "taxCode": "STD", "taxMode": "TaxInclusive"},
        ],
    )
    created = http.post("/v1/invoices", json=body)
    assert created.status_code == 200, created.text
    invoice = created.json()
    # Exclusive, rounded per tax item: 10.05 x 0.075 = 0.75375 -> 0.75, twice (not 1.5075 -> 1.51).
    # Inclusive: net 100.00 / 1.2 = 83.333..; tax 83.333.. x 0.2 = 16.666.. -> 16.67; charge 100.00 - 16.67
    # = 83.33. Without tax 10.05 + 10.05 + 83.33 = 103.43; tax 0.75 + 0.75 + 16.67 = 18.17; total 121.60.
    assert _line_taxes(http, invoice["id"]) == [
        ("a", "10.05", "TaxExclusive", [0.75]),
        ("b", "10.05", "TaxExclusive", [0.75]),
        ("c", "83.33", "TaxInclusive", [16.67]),
    ]
    assert (invoice["amountWithoutTax"], invoice["taxAmount"], invoice["amount"], invoice["balance"]) == (
        103.43,
        18.17,
        121.60,
        121.60,
    )


def test_tax_follows_the_currency_rounding_mode(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    _tax_code(http, "VAT", "0.1")
    item = {**LINE, "amount": "0.25", "taxCode": "VAT", "taxMode": "TaxExclusive"}
    # 0.25 x 0.1 = 0.025, a tie: half-up (the default) gives 0.03 ...
    half_up = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[item])).json()
    assert (half_up["taxAmount"], half_up["amount"]) == (0.03, 0.28)
    # ... and half-even, once the tenant sets it for USD, 0.02.
    assert http.put("/settings/currencies/USD", json={"roundingMode": "HALF_EVEN"}).status_code == 200
    half_even = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[item])).json()
    assert (half_even["taxAmount"], half_even["amount"]) == (0.02, 0.27)


def _object(http: httpx.Client, kind: str, body: dict[str, Any]) -> str:
    response = http.post(f"/v1/object/{kind}", json=body)
    assert response.status_code == 200, response.text
    object_id: str = response.json()["Id"]
    return object_id


def test_catalog_charge_fields_are_copied_whatever_the_request_says(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    _tax_code(http, "VAT", "0.1")
    product = _object(
        http,
        "product",
        {"Name": "Gear", "SKU": "GEAR-1", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2030-01-01"},
    )
    plan = _object(http, "product-rate-plan", {"Name": "Standard", "ProductId": product})
    one_time = {"ProductRatePlanId": plan, "ChargeType": "OneTime", "TriggerEvent": "ContractEffective"}
    widget = _object(
        http,
        "product-rate-plan-charge",
        {
            **one_time,
            "Name": "Widget",
            "ChargeModel": "Flat Fee Pricing",
            "BillCycleType": "DefaultFromCustomer",
            "UOM": "Each",
            "Taxable": True,
            "TaxCode": "VAT",
            "TaxMode": "TaxExclusive",
            "AccountingCode": "4000",
            "DeferredRevenueAccount": "2400",
            "RecognizedRevenueAccount": "4100",
            "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 100}]},
        },
    )
    discount = {
        **one_time,
        "ChargeModel": "Discount-Fixed Amount",
        "BillCycleType": "DefaultFromCustomer",
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "DiscountAmount": 5}]},
    }
    promo = _object(
        http,
        "product-rate-plan-charge",
        {**discount, "Name": "Promo", "AccountingCode": "4900", "UseDiscountSpecificAccountingCode": True},
    )
    loyalty = _object(http, "product-rate-plan-charge", {**discount, "Name": "Loyalty", "AccountingCode": "4950"})
    body = raw_invoice(
        account.account_id,
        invoiceItems=[
            {
                "amount": "100.00",
                "serviceStartDate": "2024-01-01",
                "productRatePlanChargeId": widget,
                "chargeName": "Something else",
                "sku": "OTHER-1",
                "uom": "Box",
                "taxMode": "TaxInclusive",
                "accountingCode": "9999",
                "discountItems": [
                    {"amount": "-10.00", "productRatePlanChargeId": promo, "chargeName": "x", "accountingCode": "1"},
                    {"amount": "-5.00", "productRatePlanChargeId": loyalty, "sku": "OTHER-2"},
                ],
            }
        ],
    )
    created = http.post("/v1/invoices", json=body)
    assert created.status_code == 200, created.text
    invoice = created.json()
    items = http.get(f"/v1/invoices/{invoice['id']}/items").json()["invoiceItems"]
    codes = ("accountingCode", "deferredRevenueAccountingCode", "recognizedRevenueAccountingCode")
    assert [(i["chargeName"], i["sku"], i["productRatePlanChargeId"], *(i.get(c) for c in codes)) for i in items] == [
        # The item: name, SKU, UOM, tax code and mode and the three accounting codes of its charge.
        ("Widget", "GEAR-1", widget, "4000", "2400", "4100"),
        # A discount charge with its own accounting codes keeps them (it has no deferred or recognized code) ...
        ("Promo", "GEAR-1", promo, "4900", None, None),
        # ... one without them takes those of the item's charge.
        ("Loyalty", "GEAR-1", loyalty, "4000", "2400", "4100"),
    ]
    assert (items[0]["unitOfMeasure"], items[0]["taxCode"], items[0]["taxMode"], items[0]["productName"]) == (
        "Each",
        "VAT",
        "TaxExclusive",
        "Gear",
    )
    # The charge's tax code, exclusive, on the item and (with the item's code) on its discounts:
    # 100.00 x 0.1 = 10.00; -10.00 x 0.1 = -1.00; -5.00 x 0.1 = -0.50.
    # Without tax 100.00 - 10.00 - 5.00 = 85.00; tax 10.00 - 1.00 - 0.50 = 8.50; total 93.50.
    assert [t["taxAmount"] for i in items for t in i["taxationItems"]["data"]] == [10.00, -1.00, -0.50]
    assert (invoice["amountWithoutTax"], invoice["taxAmount"], invoice["amount"], invoice["discount"]) == (
        85.00,
        8.50,
        93.50,
        -15.00,
    )


def test_an_item_sku_must_differ_from_every_product_sku(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    _object(
        http,
        "product",
        {"Name": "Gear", "SKU": "GEAR-1", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2030-01-01"},
    )
    taken = {**LINE, "sku": "GEAR-1", "discountItems": [{"amount": "-1.00", "chargeName": "d", "sku": "GEAR-1"}]}
    response = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[taken]))
    assert response.status_code == 400, response.text
    assert [(r["code"], r["message"]) for r in response.json()["reasons"]] == [
        (
            58490020,
            "'invoiceItems[0].sku' 'GEAR-1' is the SKU of an existing product; an item's SKU must differ from it",
        ),
        (
            58490020,
            "'invoiceItems[0].discountItems[0].sku' 'GEAR-1' is the SKU of an existing product; "
            "an item's SKU must differ from it",
        ),
    ]
    # Another SKU is fine: 10.00 - 1.00 = 9.00.
    free = {**LINE, "sku": "GEAR-2", "discountItems": [{"amount": "-1.00", "chargeName": "d", "sku": "GEAR-3"}]}
    created = http.post("/v1/invoices", json=raw_invoice(account.account_id, invoiceItems=[free]))
    assert created.status_code == 200, created.text
    assert created.json()["amount"] == 9.00


def test_account_and_contact_agreement_codes(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    other = new_account(zuora)
    mixed = raw_invoice(account.account_id, accountNumber=other.account_number)
    (reason,) = http.post("/v1/invoices", json=mixed).json()["reasons"]
    assert (reason["code"], reason["message"]) == (
        58490020,
        f"'accountId' {account.account_id!r} and 'accountNumber' {other.account_number!r} refer to different accounts",
    )
    foreign = raw_invoice(account.account_id, billToContactId=other.bill_to_contact_id)
    (reason,) = http.post("/v1/invoices", json=foreign).json()["reasons"]
    assert (reason["code"], reason["message"]) == (
        58490020,
        f"'billToContactId' {other.bill_to_contact_id!r} is not a contact of account {account.account_number}",
    )

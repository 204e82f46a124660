"""Accounts through Zuora's official SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from zuora_sdk import ApiException, CreateAccountContact, CreateAccountRequest, UpdateAccountRequest


def _account(**overrides: Any) -> CreateAccountRequest:
    fields: dict[str, Any] = {
        "name": "Acme Corp",
        "currency": "USD",
        "bill_to_contact": CreateAccountContact(first_name="Ada", last_name="Lovelace", country="United States"),
    }
    fields.update(overrides)
    return CreateAccountRequest(**fields)


def test_create_and_read_back_by_id_and_number(zuora: Any) -> None:
    api = zuora.accounts_api()
    created = api.create_account(_account(bill_cycle_day=15, payment_term="Net 30"))
    # The first generated account number of a new tenant is A00000001.
    assert created.account_number == "A00000001"
    assert len(created.account_id) == 32
    by_id = api.get_account(created.account_id)
    by_number = api.get_account("A00000001")
    assert by_id.basic_info.id == by_number.basic_info.id == created.account_id
    assert by_id.billing_and_payment.bill_cycle_day == 15
    assert by_id.billing_and_payment.payment_term == "Net 30"
    # No sold-to contact given: the bill-to contact is also the sold-to contact.
    assert created.sold_to_contact_id == created.bill_to_contact_id
    assert by_id.sold_to_contact.first_name == "Ada"


def test_defaults_come_from_the_tenant(zuora: Any) -> None:
    api = zuora.accounts_api()
    created = api.create_account(_account())
    detail = api.get_account(created.account_id)
    # product.md tenant defaults: bill cycle day 1, payment term Due Upon Receipt, auto pay off.
    assert detail.billing_and_payment.bill_cycle_day == 1
    assert detail.billing_and_payment.payment_term == "Due Upon Receipt"
    assert detail.billing_and_payment.auto_pay is False


def test_inactive_currency_is_refused_with_the_field_named(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.accounts_api().create_account(_account(currency="XXX"))
    assert caught.value.status == 400
    body = caught.value.body
    assert "'currency'" in body and "XXX" in body
    assert '"success":false' in body


def test_duplicate_account_number_is_a_rule_restriction(zuora: Any) -> None:
    api = zuora.accounts_api()
    api.create_account(_account(account_number="ACME-1"))
    with pytest.raises(ApiException) as caught:
        api.create_account(_account(account_number="ACME-1"))
    assert caught.value.status == 400
    assert "already used" in caught.value.body


def test_update_changes_fields_and_contacts(zuora: Any) -> None:
    api = zuora.accounts_api()
    created = api.create_account(_account())
    api.update_account(
        created.account_number,
        UpdateAccountRequest(name="Acme Renamed", bill_cycle_day=28, auto_pay=True),
    )
    detail = api.get_account(created.account_id)
    assert detail.basic_info.name == "Acme Renamed"
    assert detail.billing_and_payment.bill_cycle_day == 28
    assert detail.billing_and_payment.auto_pay is True


def test_unknown_account_is_404(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.accounts_api().get_account("nope")
    assert caught.value.status == 404


def test_sold_to_ship_to_sequence_set_and_template(zuora: Any, http: httpx.Client) -> None:
    sets = http.post(
        "/v1/sequence-sets", json={"sequenceSets": [{"name": "Europe", "invoice": {"prefix": "EU", "startNumber": 7}}]}
    )
    assert sets.status_code == 200, sets.text
    sequence_set_id = sets.json()["sequenceSets"][0]["id"]
    (template,) = http.get("/v1/invoice-templates").json()["invoiceTemplates"]
    api = zuora.accounts_api()
    created = api.create_account(
        _account(
            sold_to_contact=CreateAccountContact(first_name="Charles", last_name="Babbage", country="United Kingdom"),
            ship_to_contact=CreateAccountContact(first_name="Grace", last_name="Hopper", country="United States"),
            sequence_set_id=sequence_set_id,
            invoice_template_id=template["id"],
        )
    )
    # Three contacts given: three contacts made.
    assert len({created.bill_to_contact_id, created.sold_to_contact_id, created.ship_to_contact_id}) == 3
    detail = api.get_account(created.account_id)
    assert (detail.bill_to_contact.last_name, detail.sold_to_contact.last_name, detail.ship_to_contact.last_name) == (
        "Lovelace",
        "Babbage",
        "Hopper",
    )
    assert detail.basic_info.sequence_set_id == sequence_set_id
    assert detail.basic_info.invoice_template_id == template["id"]
    # The account's invoices are numbered from its sequence set: prefix EU, from 7, 8 digits.
    invoice = http.post(
        "/v1/invoices",
        json={
            "accountId": created.account_id,
            "invoiceDate": "2024-01-15",
            "invoiceItems": [{"amount": "10.00", "serviceStartDate": "2024-01-01", "chargeName": "Setup"}],
        },
    ).json()
    assert (invoice["invoiceNumber"], invoice["sequenceSetId"], invoice["templateId"]) == (
        "EU00000007",
        sequence_set_id,
        template["id"],
    )


def test_update_changes_a_contact_in_place(zuora: Any, http: httpx.Client) -> None:
    api = zuora.accounts_api()
    created = api.create_account(
        _account(sold_to_contact=CreateAccountContact(first_name="Charles", last_name="Babbage"))
    )
    answer = http.put(
        f"/v1/accounts/{created.account_number}",
        json={"billToContact": {"firstName": "Ada", "lastName": "King", "city": "London"}},
    )
    assert answer.status_code == 200, answer.text
    detail = api.get_account(created.account_id)
    assert (detail.bill_to_contact.id, detail.bill_to_contact.last_name, detail.bill_to_contact.city) == (
        created.bill_to_contact_id,
        "King",
        "London",
    )
    assert detail.sold_to_contact.last_name == "Babbage"  # untouched


@pytest.mark.parametrize("field", ["sequenceSetId", "invoiceTemplateId"])
def test_unknown_sequence_set_or_template_is_a_400_naming_the_field(http: httpx.Client, field: str) -> None:
    body = {"name": "Acme", "currency": "USD", "billToContact": {"firstName": "Ada", "lastName": "Lovelace"}}
    response = http.post("/v1/accounts", json={**body, field: "f" * 32})
    what = "sequence set" if field == "sequenceSetId" else "invoice template"
    assert response.status_code == 400, response.text  # a body field naming nothing: bad input, not a 404
    (reason,) = response.json()["reasons"]
    assert reason["message"] == f"'{field}' {'f' * 32!r} is not a known {what}"
    assert str(reason["code"]).endswith("20")  # category 20: invalid value
    assert http.post("/v1/accounts", json=body).json()["accountNumber"] == "A00000001"  # nothing was stored

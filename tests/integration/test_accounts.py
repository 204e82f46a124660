"""Accounts through Zuora's official SDK."""

from __future__ import annotations

from typing import Any

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

"""The invoice life cycle over REST (product.md's table): read, list, update, post, unpost,
cancel and delete, each refusal a rule restriction saying why."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from zuora_sdk import (
    ApiException,
    BulkPostInvoicesRequest,
    PostAsyncInvoiceRequest,
    UpdateInvoiceRequest,
)

from tests.integration.test_standalone_invoices import invoice_request, item, new_account, raw_invoice


def first_reason(error: ApiException) -> dict[str, Any]:
    reason: dict[str, Any] = json.loads(error.body)["reasons"][0]
    return reason


def draft(zuora: Any, *items: Any, **overrides: Any) -> Any:
    account = new_account(zuora)
    return zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, *items, **overrides))


def test_read_by_id_and_by_number(zuora: Any) -> None:
    created = draft(zuora)
    api = zuora.invoices_api()
    assert api.get_invoice(created.id).invoice_number == created.invoice_number
    assert api.get_invoice(created.invoice_number).id == created.id


def test_items_are_paged(zuora: Any) -> None:
    created = draft(zuora, *[item("1.00", charge_name=f"Line {n}") for n in range(25)])
    api = zuora.invoices_api()
    first = api.get_invoice_items(created.id, page_size=20, page=1)
    second = api.get_invoice_items(created.id, page_size=20, page=2)
    # 25 items: 20 on page one (with a next page), 5 on page two.
    assert [i.charge_name for i in first.invoice_items] == [f"Line {n}" for n in range(20)]
    assert first.next_page is not None
    assert [i.charge_name for i in second.invoice_items] == [f"Line {n}" for n in range(20, 25)]
    assert second.next_page is None


def test_account_invoices_are_listed_newest_first(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    for day in (10, 20, 5):
        zuora.invoices_api().create_standalone_invoice(
            invoice_request(account.account_id, invoice_date=date(2024, 1, day))
        )
    listed = http.get(f"/v1/transactions/invoices/accounts/{account.account_number}", params={"pageSize": 2}).json()
    assert [i["invoiceDate"] for i in listed["invoices"]] == ["2024-01-20", "2024-01-10"]
    assert listed["nextPage"].endswith("page=2&pageSize=2")


def test_update_a_draft_recomputes_totals_and_keeps_item_ids(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora, item("100.00"), item("50.00", charge_name="Extra"))
    items = http.get(f"/v1/invoices/{created.id}/items").json()["invoiceItems"]
    response = http.put(
        f"/v1/invoices/{created.id}",
        json={
            "comments": "adjusted",
            "dueDate": "2024-02-01",
            "invoiceItems": [
                {"id": items[0]["id"], "amount": "120.00"},
                {"id": items[1]["id"], "delete": True},
                {"amount": "5.00", "serviceStartDate": "2024-01-02", "chargeName": "Shipping"},
            ],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # 120.00 + 5.00 = 125.00
    assert body["amount"] == 125.00
    assert body["comment"] == "adjusted"
    assert body["number"] == created.invoice_number
    assert body["dueDate"] == "2024-02-01"
    after = http.get(f"/v1/invoices/{created.id}/items").json()["invoiceItems"]
    assert [(i["chargeName"], i["chargeAmount"]) for i in after] == [("Setup", "120.00"), ("Shipping", "5.00")]
    assert after[0]["id"] == items[0]["id"]


def test_update_through_the_sdk(zuora: Any) -> None:
    created = draft(zuora)
    updated = zuora.invoices_api().update_invoice(created.id, UpdateInvoiceRequest(auto_pay=True, comments="hello"))
    assert updated.auto_pay is True
    assert updated.comment == "hello"


def test_posted_invoice_accepts_only_transferred_to_accounting_and_autopay(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    zuora.invoices_api().post_invoice(created.id, PostAsyncInvoiceRequest())
    ok = http.put(f"/v1/invoices/{created.id}", json={"transferredToAccounting": "Yes", "autoPay": True})
    assert ok.status_code == 200
    assert ok.json()["transferredToAccounting"] == "Yes"
    refused = http.put(f"/v1/invoices/{created.id}", json={"comments": "late note"})
    assert refused.status_code == 400
    reason = refused.json()["reasons"][0]
    assert reason["message"] == (
        f"invoice {created.invoice_number} is Posted: comments cannot change "
        "(only transferredToAccounting and autoPay can)"
    )
    assert str(reason["code"]).endswith("30")  # category 30: rule restriction
    amounts = http.put(
        f"/v1/invoices/{created.id}", json={"invoiceItems": [{"amount": "1.00", "serviceStartDate": "2024-01-01"}]}
    )
    assert amounts.status_code == 400


def test_post_and_its_job_answer(zuora: Any) -> None:
    created = draft(zuora)
    answer = zuora.invoices_api().post_invoice(created.id, PostAsyncInvoiceRequest(invoice_date=date(2024, 1, 20)))
    assert answer.job_status == "Completed"
    posted = zuora.invoices_api().get_invoice(created.id)
    assert posted.status == "Posted"
    assert posted.invoice_date == "2024-01-20"
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().post_invoice(created.id, PostAsyncInvoiceRequest())
    assert first_reason(caught.value)["message"] == (
        f"invoice {created.invoice_number} is Posted: only a Draft invoice can be posted"
    )


def test_bulk_post_answers_per_invoice(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    first = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id))
    second = zuora.invoices_api().create_standalone_invoice(invoice_request(account.account_id, status="Posted"))
    response = zuora.invoices_api().bulk_post_invoices(
        BulkPostInvoicesRequest(invoices=[{"id": first.id}, {"id": second.id}])
    )
    assert [entry.success for entry in response.invoices] == [True, False]
    assert zuora.invoices_api().get_invoice(first.id).status == "Posted"


def test_unpost_only_while_unpaid(zuora: Any, http: httpx.Client, db: Any, tenant: Any) -> None:
    from sqlalchemy import update

    from billforge.db import tables as t

    created = draft(zuora, status="Posted")
    answer = zuora.invoices_api().unpost_invoice(created.id)
    assert answer.job_status == "Completed"
    assert answer.invoice.status == "Draft"
    zuora.invoices_api().post_invoice(created.id, PostAsyncInvoiceRequest())
    with db.write() as conn:  # a payment of 10.00 applied (payments are another door)
        conn.execute(update(t.invoices).where(t.invoices.c.id == created.id).values(payment_amount=Decimal("10.00")))
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().unpost_invoice(created.id)
    assert first_reason(caught.value)["message"] == (
        f"invoice {created.invoice_number} has payments applied (10.00): unapply them before unposting"
    )


def test_cancel_then_delete(zuora: Any, http: httpx.Client) -> None:
    created = draft(zuora)
    canceled = zuora.invoices_api().cancel_invoice(created.id)
    assert canceled.job_status == "Completed"
    assert zuora.invoices_api().get_invoice(created.id).status == "Canceled"
    refused = http.put(f"/v1/invoices/{created.id}", json={"comments": "x"})
    assert refused.json()["reasons"][0]["message"] == (
        f"invoice {created.invoice_number} is Canceled: it can only be deleted"
    )
    deleted = zuora.invoices_api().delete_invoice(created.id)
    assert deleted.status == "Completed"
    assert deleted.object_id == created.id
    assert http.get(f"/v1/invoices/{created.id}").status_code == 404


def test_posted_invoices_cannot_be_canceled_or_deleted(zuora: Any) -> None:
    created = draft(zuora, status="Posted")
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().cancel_invoice(created.id)
    assert first_reason(caught.value)["message"] == (
        f"invoice {created.invoice_number} is Posted: only a Draft invoice can be canceled"
    )
    with pytest.raises(ApiException) as caught:
        zuora.invoices_api().delete_invoice(created.id)
    assert first_reason(caught.value)["message"] == (
        f"invoice {created.invoice_number} is Posted: only a Draft or Canceled invoice can be deleted"
    )


def test_deleting_a_draft_never_reuses_its_number(zuora: Any) -> None:
    account = new_account(zuora)
    api = zuora.invoices_api()
    first = api.create_standalone_invoice(invoice_request(account.account_id))
    api.delete_invoice(first.id)
    second = api.create_standalone_invoice(invoice_request(account.account_id))
    assert (first.invoice_number, second.invoice_number) == ("INV00000001", "INV00000002")


def test_bulk_update(zuora: Any, http: httpx.Client) -> None:
    account = new_account(zuora)
    first = http.post("/v1/invoices", json=raw_invoice(account.account_id)).json()
    second = http.post("/v1/invoices", json=raw_invoice(account.account_id, status="Posted")).json()
    response = http.put(
        "/v1/invoices",
        json={"invoices": [{"id": first["id"], "comments": "one"}, {"id": second["id"], "comments": "two"}]},
    )
    entries = response.json()["invoices"]
    assert [e["success"] for e in entries] == [True, False]
    assert http.get(f"/v1/invoices/{first['id']}").json()["comments"] == "one"


def test_every_refusal_of_the_life_cycle_table(zuora: Any, http: httpx.Client) -> None:
    # product.md: a Draft cannot be unposted; a Posted invoice keeps its dates; a Canceled invoice
    # can only be deleted (no post, unpost, cancel or edit). Each refusal is a rule restriction (30).
    def refusal(response: httpx.Response) -> tuple[int, str]:
        assert response.status_code == 400, response.text
        reason = response.json()["reasons"][0]
        assert str(reason["code"]).endswith("30"), reason
        return response.status_code, reason["message"]

    created = draft(zuora)
    number = created.invoice_number
    assert refusal(http.put(f"/v1/invoices/{created.id}/unpost")) == (
        400,
        f"invoice {number} is Draft: only a Posted invoice can be unposted",
    )
    http.put(f"/v1/invoices/{created.id}/post", json={}).raise_for_status()
    for change in ({"dueDate": "2024-03-01"}, {"invoiceDate": "2024-01-20"}):
        (name,) = change
        assert refusal(http.put(f"/v1/invoices/{created.id}", json=change)) == (
            400,
            f"invoice {number} is Posted: {name} cannot change (only transferredToAccounting and autoPay can)",
        )
    assert zuora.invoices_api().get_invoice(created.id).due_date == "2024-01-15"  # unchanged

    canceled = draft(zuora)
    zuora.invoices_api().cancel_invoice(canceled.id)
    number = canceled.invoice_number
    assert refusal(http.put(f"/v1/invoices/{canceled.id}/post", json={})) == (
        400,
        f"invoice {number} is Canceled: only a Draft invoice can be posted",
    )
    assert refusal(http.put(f"/v1/invoices/{canceled.id}/unpost")) == (
        400,
        f"invoice {number} is Canceled: only a Posted invoice can be unposted",
    )
    assert refusal(http.put(f"/v1/invoices/{canceled.id}/cancel")) == (
        400,
        f"invoice {number} is Canceled: only a Draft invoice can be canceled",
    )
    assert zuora.invoices_api().get_invoice(canceled.id).status == "Canceled"


def test_an_update_naming_an_unknown_item_or_template_is_a_400(zuora: Any, http: httpx.Client) -> None:
    # A body field naming an object that does not exist is bad input (400, category 20), not a 404:
    # the invoice in the path exists.
    created = draft(zuora)
    unknown_item = http.put(f"/v1/invoices/{created.id}", json={"invoiceItems": [{"id": "f" * 32, "amount": "1"}]})
    assert unknown_item.status_code == 400, unknown_item.text
    (reason,) = unknown_item.json()["reasons"]
    assert reason["message"] == f"'invoiceItems[0].id' {'f' * 32!r} is not an item of this invoice"
    assert str(reason["code"]).endswith("20")
    unknown_template = http.put(f"/v1/invoices/{created.id}", json={"templateId": "t" * 32})
    assert unknown_template.status_code == 400, unknown_template.text
    (reason,) = unknown_template.json()["reasons"]
    assert reason["message"] == f"'templateId' {'t' * 32!r} is not a known invoice template"
    assert str(reason["code"]).endswith("20")
    # 100.00 as created: nothing changed.
    assert Decimal(str(zuora.invoices_api().get_invoice(created.id).amount)) == Decimal("100.00")

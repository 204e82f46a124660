"""Usage: the Usage object (``/v1/object/usage``: create, read, update, delete; billed usage is
locked) and usage files (``POST /v1/usage`` then the import status), through Zuora's SDK where it
has the call and raw HTTP for the Object API's wire rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from zuora_sdk import ApiException, CreateUsageRequest, UpdateUsageRequest

from tests.integration.test_generate_support import (
    SdkCatalog,
    generate_one,
    invoice_items,
    lines,
    reasons,
    sdk_account,
    sdk_subscribe,
    usage_charge,
)

D = Decimal


@pytest.fixture
def metered(zuora: Any) -> dict[str, Any]:
    """An account with one subscription from 2024-01-01 whose usage charge prices each Call at 0.10."""
    shop = SdkCatalog(zuora)
    plan_id = shop.plan("Metered", usage_charge("Calls", "Call", "Per Unit Pricing", {"price": D("0.10")}))
    account = sdk_account(zuora)
    subscription = sdk_subscribe(zuora, account.account_id, plan_id, date(2024, 1, 1))
    view = zuora.subscriptions_api().get_subscription_by_key(subscription.subscription_id)
    charge = view.rate_plans[0].rate_plan_charges[0]
    return {"account": account, "subscription": subscription, "charge": charge}


def test_create_read_update_delete(zuora: Any, metered: dict[str, Any]) -> None:
    api = zuora.usage_api()
    account = metered["account"]
    created = api.create_usage(
        CreateUsageRequest(
            account_number=account.account_number,
            subscription_number=metered["subscription"].subscription_number,
            charge_number=metered["charge"].number,
            start_date_time=datetime(2024, 1, 10, 9, 30),  # noqa: DTZ001 - a wall-clock time, as the SDK sends it
            uom="Call",
            quantity=D("120"),
            description="batch 1",
        )
    )
    assert created.success is True and len(created.id) == 32
    read = api.get_usage(created.id)
    assert read.id == created.id
    assert read.account_id == account.account_id
    assert read.account_number == account.account_number
    assert read.subscription_number == "A-S00000001"
    assert read.charge_number == metered["charge"].number
    assert read.uom == "Call" and D(str(read.quantity)) == D(120)
    assert str(read.start_date_time).startswith("2024-01-10")
    assert read.source_type == "API" and read.rbe_status == "Pending"
    assert read.description == "batch 1"

    updated = api.update_usage(created.id, UpdateUsageRequest(quantity=D("150")))
    assert updated.success is True and updated.id == created.id
    assert D(str(api.get_usage(created.id).quantity)) == D(150)

    api.delete_usage(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_usage(created.id)
    assert gone.value.status == 404


def test_object_api_wire_rules(http: httpx.Client, metered: dict[str, Any]) -> None:
    account = metered["account"]
    body = {"AccountId": account.account_id, "StartDateTime": "2024-01-10", "UOM": "call", "Quantity": 3}
    created = http.post("/v1/object/usage", json=body)
    assert created.status_code == 200 and created.json()["Success"] is True
    usage_id = created.json()["Id"]
    # The UOM matches the charge's "Call" case-insensitively; the record keeps it as sent.
    chosen = http.get(f"/v1/object/usage/{usage_id}", params={"fields": "uom,quantity"})
    assert chosen.json() == {"Id": usage_id, "UOM": "call", "Quantity": 3}
    refused = http.post("/v1/object/usage", json={**body, "Colour": "red"}, params={"rejectUnknownFields": "true"})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Error - unrecognised fields"}
    missing = http.get(f"/v1/object/usage/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json() == {"done": True, "records": [], "size": 0}
    assert http.delete(f"/v1/object/usage/{'0' * 32}").status_code == 404


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"Quantity": None}, "MISSING_REQUIRED_VALUE", "'Quantity' is required"),
        ({"StartDateTime": None}, "MISSING_REQUIRED_VALUE", "'StartDateTime' is required"),
        ({"AccountId": None}, "MISSING_REQUIRED_VALUE", "'AccountId' or 'AccountNumber' is required"),
        ({"Quantity": -1}, "INVALID_VALUE", "must be 0 or more"),
        ({"UOM": "Parsec"}, "INVALID_VALUE", "not a unit of measure"),
        ({"AccountId": "0" * 32}, "INVALID_ID", "is not an account"),
        ({"ChargeNumber": "C-99999999"}, "INVALID_ID", "is not a rate plan charge"),
        ({"SubscriptionNumber": "A-S99999999"}, "INVALID_ID", "is not a subscription"),
        ({"StartDateTime": "10/01/2024"}, "INVALID_VALUE", "StartDateTime"),
        ({"EndDateTime": "2024-01-01T00:00:00"}, "INVALID_VALUE", "before 'StartDateTime'"),
    ],
)
def test_invalid_usage(
    http: httpx.Client, metered: dict[str, Any], change: dict[str, Any], code: str, words: str
) -> None:
    body: dict[str, Any] = {
        "AccountId": metered["account"].account_id,
        "StartDateTime": "2024-01-10T08:00:00",
        "UOM": "Call",
        "Quantity": 3,
        **change,
    }
    response = http.post("/v1/object/usage", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["Success"] is False
    assert answer["Errors"][0]["Code"] == code, answer
    assert any(words in e["Message"] for e in answer["Errors"]), answer


def test_usage_of_another_account(http: httpx.Client, zuora: Any, metered: dict[str, Any]) -> None:
    stranger = sdk_account(zuora, name="Stranger")
    response = http.post(
        "/v1/object/usage",
        json={
            "AccountId": stranger.account_id,
            "ChargeNumber": metered["charge"].number,
            "StartDateTime": "2024-01-10",
            "UOM": "Call",
            "Quantity": 1,
        },
    )
    assert response.status_code == 400
    assert "is not a charge of account" in response.json()["Errors"][0]["Message"]


def test_billed_usage_is_locked_until_its_invoice_goes(http: httpx.Client, zuora: Any, metered: dict[str, Any]) -> None:
    account = metered["account"]
    first = http.post(
        "/v1/object/usage",
        json={"AccountNumber": account.account_number, "StartDateTime": "2024-01-10", "UOM": "Call", "Quantity": 100},
    ).json()["Id"]
    result = generate_one(http, account.account_id, "2024-02-01")
    # January's 100 calls at 0.10, billed in arrears once the period ends: 10.00.
    assert lines(invoice_items(http, result["Id"])) == [("Calls", "2024-01-01", "2024-01-31", D("10.00"))]
    read = http.get(f"/v1/object/usage/{first}").json()
    assert read["RbeStatus"] == "Processed"
    assert read["InvoiceId"] == result["Id"] and read["InvoiceNumber"] == "INV00000001"
    changed = http.put(f"/v1/object/usage/{first}", json={"Quantity": 5})
    assert changed.status_code == 400
    assert "billed usage cannot be changed" in changed.json()["Errors"][0]["Message"]
    deleted = http.delete(f"/v1/object/usage/{first}")
    assert deleted.status_code == 400
    assert deleted.json()["Errors"][0]["Code"] == "CANNOT_DELETE"

    cancelled = http.put(f"/v1/invoices/{result['Id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert http.get(f"/v1/object/usage/{first}").json()["RbeStatus"] == "Pending"
    assert http.put(f"/v1/object/usage/{first}", json={"Quantity": 50}).status_code == 200
    again = generate_one(http, account.account_id, "2024-02-01")
    # Released by the cancellation, January bills again with the corrected 50 calls: 5.00.
    assert lines(invoice_items(http, again["Id"])) == [("Calls", "2024-01-01", "2024-01-31", D("5.00"))]


def test_late_usage_bills_as_the_difference(http: httpx.Client, metered: dict[str, Any]) -> None:
    account = metered["account"]

    def add(quantity: int, day: str) -> str:
        return str(
            http.post(
                "/v1/object/usage",
                json={"AccountId": account.account_id, "StartDateTime": day, "UOM": "Call", "Quantity": quantity},
            ).json()["Id"]
        )

    add(100, "2024-01-05")
    first = generate_one(http, account.account_id, "2024-02-01")
    late = add(30, "2024-01-28")
    second = generate_one(http, account.account_id, "2024-02-01")
    # 30 late calls in January at 0.10: the January period bills again for the difference, 3.00.
    assert lines(invoice_items(http, second["Id"])) == [("Calls", "2024-01-01", "2024-01-31", D("3.00"))]
    assert http.get(f"/v1/object/usage/{late}").json()["InvoiceId"] == second["Id"]
    assert first["Id"] != second["Id"]


def test_upload_a_usage_file(zuora: Any, http: httpx.Client, metered: dict[str, Any], tmp_path: Path) -> None:
    account = metered["account"]
    path = tmp_path / "usage.csv"
    path.write_text(
        "ACCOUNT_ID,UOM,QTY,STARTDATE,ENDDATE,SUBSCRIPTION_ID,CHARGE_ID,DESCRIPTION\n"
        f"{account.account_number},Call,40,01/03/2024,01/03/2024,A-S00000001,{metered['charge'].number},first\n"
        f"{account.account_number},Call,60,01/20/2024,,,,second\n"
        f"{account.account_number},Call,500,02/01/2024 10:15:00,,,,february\n"
    )
    uploaded = zuora.usage_api().upload_usage_file(str(path))
    assert uploaded.success is True
    assert uploaded.size == path.stat().st_size
    assert uploaded.check_import_status.startswith("/v1/usage/") and uploaded.check_import_status.endswith("/status")
    status = http.get(uploaded.check_import_status)
    assert status.status_code == 200
    assert status.json()["importStatus"] == "Completed"
    assert status.json()["importedCount"] == 3
    result = generate_one(http, account.account_id, "2024-02-01")
    # January: 40 + 60 = 100 calls x 0.10 = 10.00; February's usage is not due until March.
    assert lines(invoice_items(http, result["Id"])) == [("Calls", "2024-01-01", "2024-01-31", D("10.00"))]


def test_a_bad_row_fails_the_whole_import(
    zuora: Any, http: httpx.Client, metered: dict[str, Any], tmp_path: Path
) -> None:
    account = metered["account"]
    path = tmp_path / "bad.csv"
    path.write_text(
        "ACCOUNT_ID,UOM,QTY,STARTDATE,ENDDATE,SUBSCRIPTION_ID,CHARGE_ID,DESCRIPTION\n"
        f"{account.account_number},Call,40,01/03/2024,,,,ok\n"
        f"A-NOBODY,Call,1,01/03/2024,,,,bad account\n"
        f"{account.account_number},Call,many,2024-01-03,,,,bad quantity\n"
    )
    uploaded = zuora.usage_api().upload_usage_file(str(path))
    status = http.get(uploaded.check_import_status).json()
    assert status["importStatus"] == "Failed"
    assert "line 3: 'ACCOUNT_ID' 'A-NOBODY' is not an account number" in status["message"]
    assert "line 4: 'QTY' 'many' is not a number" in status["message"]
    # Atomic: not even the good first row was stored.
    assert generate_one(http, account.account_id, "2024-02-01")["Success"] is False


def test_upload_file_problems(zuora: Any, http: httpx.Client, tmp_path: Path) -> None:
    missing_columns = tmp_path / "short.csv"
    missing_columns.write_text("ACCOUNT_ID,UOM,QTY\nA00000001,Call,1\n")
    with pytest.raises(ApiException) as caught:
        zuora.usage_api().upload_usage_file(str(missing_columns))
    assert caught.value.status == 400
    assert "lacks the column(s) STARTDATE, ENDDATE, SUBSCRIPTION_ID, CHARGE_ID" in reasons(caught.value)[0]["message"]
    excel = tmp_path / "usage.xlsx"
    excel.write_bytes(b"PK\x03\x04")
    with pytest.raises(ApiException) as not_csv:
        zuora.usage_api().upload_usage_file(str(excel))
    assert "must be a CSV file" in reasons(not_csv.value)[0]["message"]
    no_part = http.post("/v1/usage", files={"other": ("u.csv", b"x")})
    assert no_part.status_code == 400
    assert "'file'" in no_part.json()["reasons"][0]["message"]
    assert http.get(f"/v1/usage/{'0' * 32}/status").status_code == 404

"""Accounting periods through Zuora's official SDK, and ``closed_period_for``.

Error codes: accounting periods have no published Zuora resource code (500000), so a rule
restriction is 500000 * 100 + 30 = 50000030, an invalid value 50000020, not found 50000040.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, String, insert
from zuora_sdk import ApiException, CreateAccountingPeriodRequest, UpdateAccountingPeriodRequest

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.types import UTCDateTime
from billforge.services.accounting_periods import closed_period_for
from billforge.services.accounts import AccountInput, ContactInput, create_account
from billforge.services.context import new_id
from tests.conftest import Tenant

INVALID, MISSING, RULE, NOT_FOUND = 50000020, 50000022, 50000030, 50000040


def _create(zuora: Any, name: str, start: date, end: date, **extra: Any) -> str:
    request = CreateAccountingPeriodRequest(name=name, start_date=start, end_date=end, fiscal_year=start.year, **extra)
    created = zuora.accounting_periods_api().create_accounting_period(request)
    assert created.success is True
    period_id: str = created.id
    return period_id


def _invoice_dated(db: Database, tenant: Tenant, invoice_date: date) -> None:
    """An invoice row dated ``invoice_date`` (the other columns hold placeholders)."""
    account = create_account(
        db=db, ctx=tenant.ctx, data=AccountInput(name="Acme", currency="USD", bill_to=ContactInput("Ada", "Lovelace"))
    )
    values: dict[str, Any] = {}
    for column in t.invoices.columns:
        if column.nullable or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, UTCDateTime):
            values[column.name] = datetime.now(UTC)
        elif isinstance(kind, Date):
            values[column.name] = invoice_date
        elif isinstance(kind, String):
            values[column.name] = "x"
        elif isinstance(kind, Boolean):
            values[column.name] = False
        elif isinstance(kind, JSON):
            values[column.name] = {}
        else:
            values[column.name] = 0
    values.update(id=new_id(), entity_id=tenant.entity_id, account_id=account.id, invoice_number="INV-X")
    with db.write() as conn:
        conn.execute(insert(t.invoices).values(values))


def _quarter(zuora: Any) -> tuple[str, str, str]:
    """January, February and March 2024, contiguous."""
    return (
        _create(zuora, "Jan 2024", date(2024, 1, 1), date(2024, 1, 31), fiscal_quarter=1),
        _create(zuora, "Feb 2024", date(2024, 2, 1), date(2024, 2, 29), fiscal_quarter=1),
        _create(zuora, "Mar 2024", date(2024, 3, 1), date(2024, 3, 31), fiscal_quarter=1),
    )


def _reason(caught: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body = json.loads(caught.value.body)
    assert body["success"] is False
    reason: dict[str, Any] = body["reasons"][0]
    return reason


def test_create_and_read_back(zuora: Any, tenant: Tenant) -> None:
    api = zuora.accounting_periods_api()
    period_id = _create(zuora, "Jan 2024", date(2024, 1, 1), date(2024, 1, 31), fiscal_quarter=1, notes="first")
    got = api.get_accounting_period(period_id)
    # The SDK keeps the dates as the server wrote them.
    assert (got.name, got.start_date, got.end_date) == ("Jan 2024", "2024-01-01", "2024-01-31")
    assert (got.status, got.fiscal_year, got.fiscal_quarter, got.notes) == ("Open", 2024, 1, "first")
    assert got.created_by == tenant.client_id
    # Timestamps are in the tenant's time zone (UTC by default).
    assert got.created_on.endswith("+00:00")
    listed = api.get_all_accounting_periods()
    assert [(p.id, p.name, p.status) for p in listed.accounting_periods] == [(period_id, "Jan 2024", "Open")]
    # The SDK's list model holds fiscalYear as a string.
    assert listed.accounting_periods[0].fiscal_year == "2024"


def test_periods_are_contiguous(zuora: Any) -> None:
    _create(zuora, "Jan 2024", date(2024, 1, 1), date(2024, 1, 31))
    for start, end in ((date(2024, 2, 2), date(2024, 2, 29)), (date(2024, 1, 15), date(2024, 2, 15))):
        with pytest.raises(ApiException) as caught:
            _create(zuora, "Gap or overlap", start, end)
        reason = _reason(caught)
        assert caught.value.status == 400
        assert reason["code"] == RULE
        # Jan 31 + 1 day = Feb 1.
        assert reason["message"].startswith("'startDate' must be 2024-02-01, the day after the latest period")
    _create(zuora, "Feb 2024", date(2024, 2, 1), date(2024, 2, 29))


def test_field_rules(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        _create(zuora, "Backwards", date(2024, 1, 31), date(2024, 1, 1))
    assert _reason(caught)["code"] == INVALID
    assert "'endDate' 2024-01-01 must be on or after 'startDate' 2024-01-31" in _reason(caught)["message"]
    with pytest.raises(ApiException) as caught:
        _create(zuora, "Q5", date(2024, 1, 1), date(2024, 1, 31), fiscal_quarter=5)
    assert _reason(caught)["message"] == "'fiscalQuarter' must be 1, 2, 3 or 4"
    _create(zuora, "Jan 2024", date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(ApiException) as caught:
        _create(zuora, "Jan 2024", date(2024, 2, 1), date(2024, 2, 29))
    assert _reason(caught)["code"] == RULE
    assert "an accounting period named 'Jan 2024' already exists" in _reason(caught)["message"]


def test_raw_requests_with_bad_input_are_400(http: Any) -> None:
    answer = http.post("/v1/accounting-periods", json={"name": "X", "startDate": "2024-13-01"})
    assert answer.status_code == 400
    messages = [r["message"] for r in answer.json()["reasons"]]
    assert messages == [
        "'startDate' must be a date in yyyy-mm-dd format, got '2024-13-01'",
        "'endDate' is required",
        "'fiscalYear' is required",
    ]
    answer = http.post(
        "/v1/accounting-periods",
        json={"name": "X", "startDate": "2024-01-01", "endDate": "2024-01-31", "fiscalYear": 10**20},
    )
    assert answer.status_code == 400
    assert answer.json()["reasons"][0]["message"] == "'fiscalYear' must be a year in yyyy format"
    answer = http.post(
        "/v1/accounting-periods",
        content=b'{"name": "X", "startDate": ',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    answer = http.post(
        "/v1/accounting-periods",
        json={"name": "A\x00B", "startDate": "2024-01-01", "endDate": "2024-01-31", "fiscalYear": 2024},
    )
    assert answer.status_code == 400
    assert answer.json()["reasons"][0]["message"] == "'name' must not contain NUL characters"


def test_the_last_period_may_end_on_the_last_day_there_is(zuora: Any) -> None:
    _create(zuora, "Forever", date(9999, 1, 1), date(9999, 12, 31))
    with pytest.raises(ApiException) as caught:
        _create(zuora, "After forever", date(9999, 12, 31), date(9999, 12, 31))
    assert "never ends, so no period can follow it" in _reason(caught)["message"]


def test_close_in_order_and_reopen_only_the_latest_closed(zuora: Any) -> None:
    api = zuora.accounting_periods_api()
    jan, feb, mar = _quarter(zuora)
    with pytest.raises(ApiException) as caught:
        api.close_accounting_period(feb)
    assert _reason(caught)["code"] == RULE
    assert "cannot close while earlier periods are open: Jan 2024" in _reason(caught)["message"]
    assert api.close_accounting_period(jan).success is True
    assert api.close_accounting_period(feb).success is True
    with pytest.raises(ApiException) as caught:
        api.close_accounting_period(feb)
    assert "is already closed" in _reason(caught)["message"]
    with pytest.raises(ApiException) as caught:
        api.reopen_accounting_period(jan)
    assert "cannot reopen while later periods are closed: Feb 2024" in _reason(caught)["message"]
    with pytest.raises(ApiException) as caught:
        api.reopen_accounting_period(mar)
    assert "is not closed" in _reason(caught)["message"]
    assert api.reopen_accounting_period(feb).success is True
    statuses = [(p.name, p.status) for p in api.get_all_accounting_periods().accounting_periods]
    assert statuses == [("Jan 2024", "Closed"), ("Feb 2024", "Open"), ("Mar 2024", "Open")]


def test_delete_only_the_latest_open_period(zuora: Any) -> None:
    api = zuora.accounting_periods_api()
    jan, feb, mar = _quarter(zuora)
    with pytest.raises(ApiException) as caught:
        api.delete_accounting_period(feb)
    assert "only the latest accounting period ('Mar 2024') can be deleted" in _reason(caught)["message"]
    for period in (jan, feb, mar):
        api.close_accounting_period(period)
    with pytest.raises(ApiException) as caught:
        api.delete_accounting_period(mar)
    assert "is closed; reopen it before deleting it" in _reason(caught)["message"]
    api.reopen_accounting_period(mar)
    assert api.delete_accounting_period(mar).success is True
    with pytest.raises(ApiException) as caught:
        api.get_accounting_period(mar)
    assert caught.value.status == 404
    assert _reason(caught)["code"] == NOT_FOUND


def test_update_rules(zuora: Any) -> None:
    api = zuora.accounting_periods_api()
    jan, feb, mar = _quarter(zuora)
    api.update_accounting_period(jan, UpdateAccountingPeriodRequest(name="January", notes="renamed", fiscal_year=2023))
    got = api.get_accounting_period(jan)
    assert (got.name, got.notes, got.fiscal_year) == ("January", "renamed", 2023)
    # The earliest period's start and the latest period's end may move.
    api.update_accounting_period(jan, UpdateAccountingPeriodRequest(start_date=date(2023, 12, 15)))
    api.update_accounting_period(mar, UpdateAccountingPeriodRequest(end_date=date(2024, 4, 15)))
    assert api.get_accounting_period(jan).start_date == "2023-12-15"
    assert api.get_accounting_period(mar).end_date == "2024-04-15"
    with pytest.raises(ApiException) as caught:
        api.update_accounting_period(feb, UpdateAccountingPeriodRequest(start_date=date(2024, 2, 2)))
    assert "'startDate' can change only on the earliest accounting period ('January')" in _reason(caught)["message"]
    with pytest.raises(ApiException) as caught:
        api.update_accounting_period(feb, UpdateAccountingPeriodRequest(end_date=date(2024, 2, 28)))
    assert "'endDate' can change only on the latest accounting period ('Mar 2024')" in _reason(caught)["message"]
    with pytest.raises(ApiException) as caught:
        api.update_accounting_period(mar, UpdateAccountingPeriodRequest(end_date=date(2024, 2, 1)))
    assert "'endDate' 2024-02-01 must be on or after 'startDate' 2024-03-01" in _reason(caught)["message"]
    api.close_accounting_period(jan)
    with pytest.raises(ApiException) as caught:
        api.update_accounting_period(jan, UpdateAccountingPeriodRequest(start_date=date(2023, 12, 1)))
    assert "the dates of the closed period 'January' cannot change; reopen it first" in _reason(caught)["message"]


def test_unknown_period_is_404(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        zuora.accounting_periods_api().close_accounting_period("0" * 32)
    assert caught.value.status == 404
    assert _reason(caught)["message"] == f"'ap-id': no accounting period with id {'0' * 32!r}"


def test_list_pages_with_next_page(http: Any, zuora: Any) -> None:
    _quarter(zuora)
    first = http.get("/v1/accounting-periods", params={"pageSize": 2}).json()
    assert [p["name"] for p in first["accountingPeriods"]] == ["Jan 2024", "Feb 2024"]
    assert first["nextPage"] == "/v1/accounting-periods?page=2&pageSize=2"
    second = http.get(first["nextPage"]).json()
    assert [p["name"] for p in second["accountingPeriods"]] == ["Mar 2024"]
    assert "nextPage" not in second


def test_closed_period_for_maps_each_date_to_its_closed_period(zuora: Any, db: Database, tenant: Tenant) -> None:
    api = zuora.accounting_periods_api()
    jan, feb, _mar = _quarter(zuora)
    api.close_accounting_period(jan)
    days = [date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 1), date(2024, 3, 15)]
    with db.read() as conn:
        assert closed_period_for(conn, entity_id=tenant.entity_id, dates=days) == {
            date(2024, 1, 1): "Jan 2024",
            date(2024, 1, 31): "Jan 2024",
        }
        assert closed_period_for(conn, entity_id=tenant.entity_id, dates=[]) == {}
    api.close_accounting_period(feb)
    with db.read() as conn:
        assert closed_period_for(conn, entity_id=tenant.entity_id, dates=iter(days)) == {
            date(2024, 1, 1): "Jan 2024",
            date(2024, 1, 31): "Jan 2024",
            date(2024, 2, 1): "Feb 2024",
        }


def test_the_first_period_starts_no_later_than_the_earliest_invoice(zuora: Any, db: Database, tenant: Tenant) -> None:
    _invoice_dated(db, tenant, date(2024, 1, 10))
    with pytest.raises(ApiException) as caught:
        _create(zuora, "Feb 2024", date(2024, 2, 1), date(2024, 2, 29))
    assert _reason(caught)["code"] == RULE
    assert _reason(caught)["message"] == (
        "'startDate' of the first accounting period must be on or before 2024-01-10, the date of the earliest invoice"
    )
    # Starting on the invoice's own date is allowed.
    jan = _create(zuora, "Jan 2024", date(2024, 1, 10), date(2024, 1, 31))
    with pytest.raises(ApiException) as caught:
        zuora.accounting_periods_api().update_accounting_period(
            jan, UpdateAccountingPeriodRequest(start_date=date(2024, 1, 11))
        )
    assert "must be on or before 2024-01-10" in _reason(caught)["message"]

"""Sequence sets through Zuora's official SDK, and the invoice numbers they hand out.

Error codes: sequence sets have no published Zuora resource code, so they use 500000; the code is
500000 * 100 + category (20 invalid value, 22 missing value, 30 rule restriction, 40 not found).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, String, insert
from zuora_sdk import (
    ApiException,
    CreateSequenceSetRequest,
    CreateSequenceSetsRequest,
    CreditMemoEntityPrefix,
    DebitMemoEntityPrefix,
    InvoiceEntityPrefix,
    PaymentEntityPrefix,
    RefundEntityPrefix,
    UpdateSequenceSetRequest,
)

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.types import UTCDateTime
from billforge.errors import NotFound
from billforge.services import numbering
from billforge.services.accounts import AccountInput, ContactInput, create_account
from billforge.services.context import new_id
from tests.conftest import Tenant, make_tenant

INVALID, MISSING, RULE, NOT_FOUND = 50000020, 50000022, 50000030, 50000040


def _set(name: str, prefix: str, start: int = 1, **others: Any) -> CreateSequenceSetRequest:
    return CreateSequenceSetRequest(name=name, invoice=InvoiceEntityPrefix(prefix=prefix, start_number=start), **others)


def _create(zuora: Any, *sets: CreateSequenceSetRequest) -> Any:
    return zuora.sequence_sets_api().create_sequence_sets(CreateSequenceSetsRequest(sequence_sets=list(sets)))


def _error(caught: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(caught.value.body)
    assert body["success"] is False
    return body


def _allocate(db: Database, tenant: Tenant, set_id: str | None, count: int) -> list[str]:
    with db.write() as conn:
        return numbering.allocate_invoice_numbers(conn, entity_id=tenant.entity_id, sequence_set_id=set_id, count=count)


def _account(db: Database, tenant: Tenant, sequence_set_id: str | None = None) -> str:
    created = create_account(
        db=db,
        ctx=tenant.ctx,
        data=AccountInput(
            name="Acme", currency="USD", bill_to=ContactInput("Ada", "Lovelace"), sequence_set_id=sequence_set_id
        ),
    )
    return created.id


def _invoice_row(db: Database, tenant: Tenant, number: str) -> None:
    """An invoice holding ``number`` (as a standalone invoice with a custom number would)."""
    account_id = _account(db, tenant)
    now = datetime.now(UTC)
    values: dict[str, Any] = {}
    for column in t.invoices.columns:
        if column.nullable or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, UTCDateTime):
            values[column.name] = now
        elif isinstance(kind, Date):
            values[column.name] = date(2024, 1, 1)
        elif isinstance(kind, String):
            values[column.name] = "x"
        elif isinstance(kind, Boolean):
            values[column.name] = False
        elif isinstance(kind, JSON):
            values[column.name] = {}
        else:  # integers and exact decimals
            values[column.name] = 0
    values.update(id=new_id(), entity_id=tenant.entity_id, account_id=account_id, invoice_number=number)
    with db.write() as conn:
        conn.execute(insert(t.invoices).values(values))


def test_a_new_entity_has_the_default_set_inv_from_1(zuora: Any) -> None:
    listed = zuora.sequence_sets_api().get_sequence_sets()
    assert [(s.name, s.invoice.prefix, s.invoice.start_number) for s in listed.sequence_sets] == [("Default", "INV", 1)]


def test_create_read_back_with_every_document_type(zuora: Any) -> None:
    api = zuora.sequence_sets_api()
    created = _create(
        zuora,
        _set(
            "Europe",
            "EU",
            1000,
            credit_memo=CreditMemoEntityPrefix(prefix="EUCM", start_number=1),
            debit_memo=DebitMemoEntityPrefix(prefix="EUDM", start_number=5),
            payment=PaymentEntityPrefix(prefix="EUP", start_number=7),
            refund=RefundEntityPrefix(prefix="EUR", start_number=9),
        ),
    )
    (made,) = created.sequence_sets
    assert len(made.id) == 32
    got = api.get_sequence_set(made.id)
    assert got.name == "Europe"
    assert (got.invoice.prefix, got.invoice.start_number) == ("EU", 1000)
    assert (got.credit_memo.prefix, got.credit_memo.start_number) == ("EUCM", 1)
    assert (got.debit_memo.prefix, got.debit_memo.start_number) == ("EUDM", 5)
    assert (got.payment.prefix, got.payment.start_number) == ("EUP", 7)
    assert (got.refund.prefix, got.refund.start_number) == ("EUR", 9)
    # By name too, and the list filter by name.
    assert api.get_sequence_set("Europe").id == made.id
    assert [s.id for s in api.get_sequence_sets(name="Europe").sequence_sets] == [made.id]


def test_list_pages(zuora: Any) -> None:
    _create(zuora, _set("A", "AA"), _set("B", "BB"), _set("C", "CC"))
    api = zuora.sequence_sets_api()
    # 4 sets (Default first, then A, B, C in creation order); pages of 3: [Default, A, B], [C].
    assert [s.name for s in api.get_sequence_sets(page_size=3, page=1).sequence_sets] == ["Default", "A", "B"]
    assert [s.name for s in api.get_sequence_sets(page_size=3, page=2).sequence_sets] == ["C"]


def test_update_changes_name_and_prefix(zuora: Any, db: Database, tenant: Tenant) -> None:
    api = zuora.sequence_sets_api()
    (made,) = _create(zuora, _set("US", "US", 1)).sequence_sets
    api.update_sequence_set(
        made.id,
        request=UpdateSequenceSetRequest(name="USA", invoice=InvoiceEntityPrefix(prefix="USA-", start_number=500)),
    )
    got = api.get_sequence_set(made.id)
    assert (got.name, got.invoice.prefix, got.invoice.start_number) == ("USA", "USA-", 500)
    # The new prefix starts at 500: 500 padded to 8 digits.
    assert _allocate(db, tenant, made.id, 2) == ["USA-00000500", "USA-00000501"]


def test_invoice_numbers_are_consecutive_and_never_reused(db: Database, tenant: Tenant) -> None:
    # Default set: INV from 1. First batch 1..3, second batch 4..5.
    assert _allocate(db, tenant, None, 3) == ["INV00000001", "INV00000002", "INV00000003"]
    assert _allocate(db, tenant, None, 2) == ["INV00000004", "INV00000005"]
    assert _allocate(db, tenant, None, 0) == []


def test_numbers_already_used_by_an_invoice_are_skipped(db: Database, tenant: Tenant) -> None:
    _invoice_row(db, tenant, "INV00000002")
    _invoice_row(db, tenant, "INV00000004")
    # 1 is free, 2 taken, 3 free, 4 taken, 5 free: three numbers are 1, 3, 5 (reserved 1-3, then 4-5).
    assert _allocate(db, tenant, None, 3) == ["INV00000001", "INV00000003", "INV00000005"]
    # The counter went past 5: the next is 6.
    assert _allocate(db, tenant, None, 1) == ["INV00000006"]


def test_a_start_number_with_more_digits_is_written_in_full(zuora: Any, db: Database, tenant: Tenant) -> None:
    (made,) = _create(zuora, _set("Big", "BIG", 123456789)).sequence_sets
    # 123456789 has 9 digits, more than the 8 of the padding.
    assert _allocate(db, tenant, made.id, 2) == ["BIG123456789", "BIG123456790"]


def test_a_start_number_below_what_the_prefix_issued_is_refused(zuora: Any, db: Database, tenant: Tenant) -> None:
    _allocate(db, tenant, None, 5)  # INV00000001..INV00000005
    with pytest.raises(ApiException) as caught:
        _create(zuora, _set("Again", "INV", 3))
    body = _error(caught)
    assert caught.value.status == 400
    assert body["reasons"][0]["code"] == RULE
    assert "'sequenceSets[0].invoice.startNumber' 3 would reuse invoice numbers" in body["reasons"][0]["message"]
    assert "use 6 or more" in body["reasons"][0]["message"]
    # Two sets may share a prefix from its next number on: they share its numbers.
    (shared,) = _create(zuora, _set("Shared", "INV", 6)).sequence_sets
    assert _allocate(db, tenant, shared.id, 1) == ["INV00000006"]
    assert _allocate(db, tenant, None, 1) == ["INV00000007"]


def test_changing_a_prefix_away_and_back_does_not_reuse_numbers(zuora: Any, db: Database, tenant: Tenant) -> None:
    api = zuora.sequence_sets_api()
    (made,) = _create(zuora, _set("Swap", "SW", 1)).sequence_sets
    assert _allocate(db, tenant, made.id, 2) == ["SW00000001", "SW00000002"]
    api.update_sequence_set(
        made.id, request=UpdateSequenceSetRequest(invoice=InvoiceEntityPrefix(prefix="XX", start_number=1))
    )
    with pytest.raises(ApiException) as caught:
        api.update_sequence_set(
            made.id, request=UpdateSequenceSetRequest(invoice=InvoiceEntityPrefix(prefix="SW", start_number=1))
        )
    assert "'invoice.startNumber' 1 would reuse invoice numbers" in _error(caught)["reasons"][0]["message"]
    api.update_sequence_set(
        made.id, request=UpdateSequenceSetRequest(invoice=InvoiceEntityPrefix(prefix="SW", start_number=3))
    )
    assert _allocate(db, tenant, made.id, 1) == ["SW00000003"]


def test_concurrent_batches_get_disjoint_numbers(db: Database, tenant: Tenant) -> None:
    results: list[list[str]] = []
    lock = threading.Lock()

    def worker() -> None:
        numbers = _allocate(db, tenant, None, 25)
        with lock:
            results.append(numbers)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = sorted(n for batch in results for n in batch)
    # 4 batches of 25 = 100 numbers, exactly INV00000001..INV00000100, each batch consecutive.
    assert everything == [f"INV{n:08d}" for n in range(1, 101)]
    for batch in results:
        first = int(batch[0][3:])
        assert batch == [f"INV{n:08d}" for n in range(first, first + 25)]


def test_resolve_by_id_or_name_and_unknown_names_the_field(zuora: Any, db: Database, tenant: Tenant) -> None:
    (made,) = _create(zuora, _set("Named", "NM")).sequence_sets
    with db.read() as conn:
        assert numbering.resolve_sequence_set(conn, entity_id=tenant.entity_id, key=made.id) == made.id
        assert numbering.resolve_sequence_set(conn, entity_id=tenant.entity_id, key="Named") == made.id
        with pytest.raises(NotFound) as caught:
            numbering.resolve_sequence_set(conn, entity_id=tenant.entity_id, key="Nope")
    assert caught.value.field == "sequenceSet"
    with db.write() as conn, pytest.raises(NotFound) as missing:
        numbering.allocate_invoice_numbers(conn, entity_id=tenant.entity_id, sequence_set_id="f" * 32, count=1)
    assert missing.value.field == "sequenceSet"


def test_validation_names_each_field(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        _create(zuora, _set("Sixteen-chars-xx", "P" * 17, 0))
    reasons = _error(caught)["reasons"]
    assert caught.value.status == 400
    assert [r["code"] for r in reasons] == [INVALID, INVALID, INVALID]
    assert "'sequenceSets[0].name' must be 1 to 15 characters" in reasons[0]["message"]
    assert "'sequenceSets[0].invoice.prefix' must be 1 to 16 letters, digits, '-' or '_'" in reasons[1]["message"]
    assert "'sequenceSets[0].invoice.startNumber' must be between 1 and" in reasons[2]["message"]


def test_missing_invoice_and_bad_types_are_400(http: Any) -> None:
    answer = http.post("/v1/sequence-sets", json={"sequenceSets": [{"name": "X"}]})
    assert answer.status_code == 400
    assert answer.json()["reasons"] == [{"code": MISSING, "message": "'sequenceSets[0].invoice' is required"}]
    answer = http.post(
        "/v1/sequence-sets",
        json={"sequenceSets": [{"name": "X", "invoice": {"prefix": 5, "startNumber": "ten"}}]},
    )
    assert answer.status_code == 400
    messages = [r["message"] for r in answer.json()["reasons"]]
    assert messages == [
        "'sequenceSets[0].invoice.prefix' must be a string, got 5",
        "'sequenceSets[0].invoice.startNumber' must be an integer, got 'ten'",
    ]
    answer = http.post("/v1/sequence-sets", json={"sequenceSets": []})
    assert answer.status_code == 400
    assert "'sequenceSets' must contain at least one sequence set" in answer.json()["reasons"][0]["message"]
    # 101 sets: one more than the 100 a request may carry.
    many = [{"name": f"S{i}", "invoice": {"prefix": f"S{i}", "startNumber": 1}} for i in range(101)]
    answer = http.post("/v1/sequence-sets", json={"sequenceSets": many})
    assert answer.status_code == 400
    assert "at most 100" in answer.json()["reasons"][0]["message"]
    # A start number far beyond any integer column is refused, not a 500.
    answer = http.post(
        "/v1/sequence-sets",
        json={"sequenceSets": [{"name": "Huge", "invoice": {"prefix": "H", "startNumber": 10**30}}]},
    )
    assert answer.status_code == 400


def test_a_refused_set_means_none_is_created(zuora: Any) -> None:
    with pytest.raises(ApiException) as caught:
        _create(zuora, _set("Good", "GD"), _set("Good", "G2"))
    reasons = _error(caught)["reasons"]
    assert reasons[0]["code"] == RULE
    assert "'sequenceSets[1].name': a sequence set named 'Good' already exists" in reasons[0]["message"]
    names = [s.name for s in zuora.sequence_sets_api().get_sequence_sets().sequence_sets]
    assert names == ["Default"]


def test_memos_are_required_while_invoice_settlement_is_on(zuora: Any, http: Any) -> None:
    assert http.put("/settings/billing-rules", json={"invoiceSettlement": True}).status_code == 200
    with pytest.raises(ApiException) as caught:
        _create(zuora, _set("NoMemo", "NM"))
    messages = [r["message"] for r in _error(caught)["reasons"]]
    assert messages == [
        "'sequenceSets[0].creditMemo' is required while invoice settlement is on",
        "'sequenceSets[0].debitMemo' is required while invoice settlement is on",
    ]


def test_delete_rules(zuora: Any, db: Database, tenant: Tenant) -> None:
    api = zuora.sequence_sets_api()
    default_id = api.get_sequence_sets().sequence_sets[0].id
    with pytest.raises(ApiException) as caught:
        api.delete_sequence_set(default_id)
    body = _error(caught)
    assert body["reasons"][0]["code"] == RULE
    assert "'Default' is the default sequence set and cannot be deleted" in body["reasons"][0]["message"]

    used, unused = _create(zuora, _set("Used", "UD"), _set("Unused", "UN")).sequence_sets
    _account(db, tenant, sequence_set_id=used.id)
    with pytest.raises(ApiException) as caught:
        api.delete_sequence_set(used.id)
    assert "is used by 1 account(s) and cannot be deleted" in _error(caught)["reasons"][0]["message"]

    assert api.delete_sequence_set(unused.id).success is True
    with pytest.raises(ApiException) as caught:
        api.get_sequence_set(unused.id)
    assert caught.value.status == 404
    assert _error(caught)["reasons"][0]["code"] == NOT_FOUND


def test_sets_of_another_entity_are_invisible(zuora: Any, db: Database) -> None:
    other = make_tenant(db)
    with db.read() as conn:
        other_default = numbering.resolve_sequence_set(conn, entity_id=other.entity_id, key="Default")
    with pytest.raises(ApiException) as caught:
        zuora.sequence_sets_api().get_sequence_set(other_default)
    assert caught.value.status == 404


def test_nul_and_overlong_keys_are_not_found_not_500(http: Any) -> None:
    assert http.get("/v1/sequence-sets/a%00b").status_code == 404
    assert http.get("/v1/sequence-sets/" + "x" * 300).status_code == 404
    assert http.get("/v1/sequence-sets", params={"name": "a\x00b"}).json()["sequenceSets"] == []
    answer = http.get("/v1/sequence-sets", params={"pageSize": "41"})
    assert answer.status_code == 400
    assert answer.json()["reasons"][0]["message"] == "'pageSize' must be an integer from 1 to 40, got '41'"

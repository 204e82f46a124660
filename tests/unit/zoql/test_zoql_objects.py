"""The object registry (fields in XSD order, every field buildable on both databases) and how a
query becomes SQL: comparisons by field type, exact decimal and date edges, case-sensitive like,
the entity filter, keyset paging. No database: statements are compiled, not run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from billforge.zoql import OBJECTS, find_object, parse, xsd_order
from billforge.zoql.errors import InvalidQueryField, InvalidQueryType, MalformedQuery
from billforge.zoql.objects import INVOICE, FieldType, Sources, ZField, ZObject, table_of
from billforge.zoql.sql import Plan, plain, plan

UTC_ZONE = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")

# The WSDL 52 field sequences (wire-facts section 5, without the tenant's custom fields).
WSDL_52 = {
    "Invoice": "AccountId AdjustmentAmount Amount AmountWithoutTax Balance Body Comments CreatedById CreatedDate "
    "DueDate IncludesOneTime IncludesRecurring IncludesUsage InvoiceDate InvoiceNumber LastEmailSentDate "
    "PaymentAmount PostedBy PostedDate RefundAmount RegenerateInvoicePDF Status TargetDate TaxAmount "
    "TaxExemptAmount TransferredToAccounting UpdatedById UpdatedDate",
    "InvoiceItem": "AccountingCode AppliedToInvoiceItemId ChargeAmount ChargeDate ChargeDescription ChargeName "
    "ChargeNumber CreatedById CreatedDate InvoiceId ProcessingType ProductDescription ProductId ProductName "
    "Quantity RatePlanChargeId RevRecCode RevRecStartDate RevRecTriggerCondition ServiceEndDate ServiceStartDate "
    "SKU SubscriptionId SubscriptionNumber TaxAmount TaxCode TaxExemptAmount UnitPrice UOM UpdatedById UpdatedDate",
    "Usage": "AccountId AccountNumber AncestorAccountId ChargeId ChargeNumber CreatedById CreatedDate Description "
    "EndDateTime ImportId InvoiceId InvoiceNumber Quantity RbeStatus SourceName SourceType StartDateTime "
    "SubmissionDateTime SubscriptionId SubscriptionNumber UOM UpdatedById UpdatedDate",
}


def compiled(prepared: Plan, dialect: str = "sqlite", after: list[Any] | None = None) -> tuple[str, dict[str, Any]]:
    engine_dialect = sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()
    statement = prepared.page(after, 10).compile(dialect=engine_dialect)
    return str(statement), dict(statement.params)


def build(text: str, *, dialect: str = "sqlite", zone: ZoneInfo = UTC_ZONE) -> Plan:
    return plan(parse(text), entity_id="e1", zone=zone, dialect=dialect)


def where_sql(text: str, dialect: str = "sqlite", zone: ZoneInfo = UTC_ZONE) -> tuple[str, dict[str, Any]]:
    sql, params = compiled(build(f"select Id from Invoice where {text}", dialect=dialect, zone=zone), dialect)
    return sql.split("WHERE", 1)[1].split("ORDER BY", 1)[0].strip(), params


# --- the registry -------------------------------------------------------------------------------


def test_the_thirteen_objects() -> None:
    assert sorted(o.name for o in OBJECTS.values()) == sorted(
        [
            "Invoice",
            "InvoiceItem",
            "Account",
            "Contact",
            "Subscription",
            "RatePlan",
            "RatePlanCharge",
            "Product",
            "ProductRatePlan",
            "ProductRatePlanCharge",
            "ProductRatePlanChargeTier",
            "Usage",
            "Payment",
        ]
    )


@pytest.mark.parametrize("obj", OBJECTS.values(), ids=lambda o: o.name)
def test_fields_are_in_xsd_order(obj: ZObject) -> None:
    names = obj.field_names
    assert names[0] == "Id"
    assert list(names[1:]) == sorted(names[1:], key=str.lower)
    assert len({n.lower() for n in names}) == len(names)
    assert xsd_order(obj.name.upper()) == names


@pytest.mark.parametrize("name", sorted(WSDL_52))
def test_the_wsdl_fields_keep_their_order(name: str) -> None:
    ours = xsd_order(name)
    wsdl = WSDL_52[name].split()
    assert set(wsdl) <= set(ours)
    assert [n for n in ours if n in wsdl] == wsdl


def test_the_seed_invoice_fields_are_all_there() -> None:
    seed = (
        "AccountId AdjustmentAmount Amount AmountWithoutTax AutoPay Balance BillRunId BillToContactId "
        "BillToContactSnapshotId Body Comments CreatedById CreatedDate CreditBalanceAdjustmentAmount Currency DueDate "
        "Id IncludesOneTime IncludesRecurring IncludesUsage InvoiceDate InvoiceNumber LastEmailSentDate PaymentAmount "
        "PaymentTerm PostedBy PostedDate RefundAmount RegenerateInvoicePDF Source SourceId SourceType Status "
        "SoldToContactSnapshotId TargetDate TaxAmount TaxExemptAmount TaxStatus TaxMessage TransferredToAccounting "
        "UpdatedById UpdatedDate"
    ).split()
    assert sorted(seed) == sorted(INVOICE.field_names)


@pytest.mark.parametrize("obj", [o for o in OBJECTS.values() if o.name != "Payment"], ids=lambda o: o.name)
def test_every_kept_field_has_a_column_or_expression(obj: ZObject) -> None:
    sources = Sources(table_of(obj))
    for field in obj.fields:
        if field.expr is not None:
            assert field.expr(sources) is not None, f"{obj.name}.{field.name}"


@pytest.mark.parametrize("obj", OBJECTS.values(), ids=lambda o: o.name)
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_field_compiles_on_both_databases(obj: ZObject, dialect: str) -> None:
    selectable = [f.name for f in obj.fields if not f.unsupported]
    prepared = build(f"select {', '.join(selectable)} from {obj.name}", dialect=dialect)
    sql, params = compiled(prepared, dialect)
    assert prepared.fields == tuple(selectable)
    assert params["entity_id_1"] == "e1"
    assert "ORDER BY" in sql


def test_payment_reads_the_payments_tables_columns() -> None:
    table = table_of(find_object("Payment"))
    sources = Sources(table)
    kept = {f.name for f in find_object("Payment").fields if f.expr is not None and f.expr(sources) is not None}
    assert {"Id", "AccountId", "Amount", "EffectiveDate", "Status", "Type", "PaymentNumber", "RefundAmount"} <= kept


def test_unknown_object_and_missing_table_are_invalid_type() -> None:
    with pytest.raises(InvalidQueryType) as unknown:
        find_object("Refund")
    assert unknown.value.code.value == "INVALID_TYPE"
    assert unknown.value.message.startswith("'Refund' is not an object billforge can query (objects: Invoice, ")
    future = ZObject("Future", "no_such_table", (ZField("Id", FieldType.ID),))
    with pytest.raises(InvalidQueryType) as missing:
        table_of(future)
    assert missing.value.message == "Future cannot be queried yet: billforge does not keep Future records"


def test_unknown_field_is_invalid_field_with_its_position() -> None:
    with pytest.raises(InvalidQueryField) as caught:
        build("select Id, Colour from Invoice")
    assert caught.value.code.value == "INVALID_FIELD"
    assert caught.value.message == (
        "invalid field for query: Invoice.Colour (at line 1, column 12) is not a field of Invoice"
    )
    with pytest.raises(InvalidQueryField):
        build("select Id from Invoice where Colour = 'red'")


def test_names_are_case_insensitive_and_records_use_the_objects_spelling() -> None:
    prepared = build("select amount, ACCOUNTID, id from INVOICE")
    assert prepared.obj.name == "Invoice"
    assert prepared.fields == ("Id", "AccountId", "Amount")  # XSD order, not the order written


def test_body_is_selected_as_null_for_the_query_service_to_fill() -> None:
    # services.queries puts the PDF in, for one invoice named by Id (tests/integration/test_pdf_access.py).
    prepared = build("select Id, Body from Invoice where Id = 'x'")
    assert prepared.fields == ("Id", "Body")


# --- where: by field type ---------------------------------------------------------------------------


def test_every_query_is_restricted_to_the_entity() -> None:
    sql, params = where_sql("Status = 'Draft'")
    assert sql == "invoices.entity_id = ? AND invoices.status = ?"
    assert params["entity_id_1"] == "e1" and params["status_1"] == "Draft"


def test_and_or_become_sql_and_or_with_and_first() -> None:
    sql, _ = where_sql("Status = 'A' or Status = 'B' and AutoPay = true")
    assert sql == ("invoices.entity_id = ? AND (invoices.status = ? OR invoices.status = ? AND invoices.auto_pay = 1)")


def test_quoted_numbers_compare_as_numbers_scaled_on_sqlite() -> None:
    sql, params = where_sql("Balance > '100'")
    assert sql.endswith("invoices.balance > ?")
    assert params["balance_1"] == Decimal(100)


def test_a_value_more_precise_than_the_column_is_compared_exactly() -> None:
    # Amounts keep 4 decimals: 10.00005 lies between 10.0000 and 10.0001.
    assert where_sql("Amount > 10.00005")[1]["amount_1"] == Decimal("10.0000")  # > 10.0000
    assert where_sql("Amount >= 10.00005")[1]["amount_1"] == Decimal("10.0000")  # > 10.0000
    assert where_sql("Amount < 10.00005")[1]["amount_1"] == Decimal("10.0001")  # < 10.0001
    assert where_sql("Amount <= 10.00005")[1]["amount_1"] == Decimal("10.0001")  # < 10.0001
    assert where_sql("Amount = 10.00005")[0] == "0 = 1"  # no amount equals it: nothing matches
    assert where_sql("Amount != 10.00005")[0].endswith("invoices.amount IS NOT NULL")


def test_a_value_beyond_the_columns_range_is_compared_exactly() -> None:
    sql, params = where_sql("Amount < 1e3".replace("1e3", "100000000000000"))  # above 99,999,999,999,999.9999
    assert sql.endswith("invoices.amount <= ?") and params["amount_1"] == Decimal("99999999999999.9999")


def test_dates_and_timestamps() -> None:
    assert where_sql("InvoiceDate >= '2024-01-01'")[1]["invoice_date_1"] == date(2024, 1, 1)
    # A time of day on a date field lies between two days: >= 10:00 on Jan 1 means after Jan 1.
    sql, params = where_sql("InvoiceDate >= '2024-01-01T10:00:00'")
    assert sql.endswith("invoices.invoice_date > ?") and params["invoice_date_1"] == date(2024, 1, 1)
    # Without an offset a timestamp is in the tenant's zone: 2024-01-15 00:00 in Los Angeles (UTC-8)
    # is 08:00 UTC.
    _, params = where_sql("CreatedDate >= '2024-01-15'", zone=LA)
    assert params["created_at_1"] == datetime(2024, 1, 15, tzinfo=LA)
    assert params["created_at_1"].astimezone(UTC) == datetime(2024, 1, 15, 8, tzinfo=UTC)
    _, params = where_sql("CreatedDate < '2024-01-15T10:30:00Z'", zone=LA)
    assert params["created_at_1"] == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def test_booleans() -> None:
    assert where_sql("AutoPay = true")[0].endswith("invoices.auto_pay = 1")
    assert where_sql("AutoPay != 'FALSE'")[0].endswith("invoices.auto_pay != 0")


def test_null_checks_and_fields_billforge_does_not_keep() -> None:
    assert where_sql("Comments is null")[0].endswith("invoices.comments IS NULL")
    assert where_sql("Comments != null")[0].endswith("invoices.comments IS NOT NULL")
    assert where_sql("BillRunId is null")[0] == "invoices.entity_id = ?"  # never kept: always null
    assert where_sql("BillRunId = 'x'")[0] == "0 = 1"


def test_like_is_case_sensitive_on_both_databases() -> None:
    sql, params = where_sql(r"InvoiceNumber like 'INV*[00_%'")
    assert sql.endswith("(invoices.invoice_number GLOB ?)")
    assert params["invoice_number_1"] == "INV[*][[]00?*"
    sql, params = where_sql(r"InvoiceNumber like 'a\_b%'", dialect="postgresql")
    assert sql.endswith("invoices.invoice_number LIKE %(invoice_number_1)s::VARCHAR ESCAPE '\\'")
    assert params["invoice_number_1"] == "a\\_b%"


def test_one_time_charges_are_queried_as_one_hyphen_time() -> None:
    prepared = build("select Id from ProductRatePlanCharge where ChargeType = 'One-Time'")
    assert compiled(prepared)[1]["charge_type_1"] == "OneTime"


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ("Amount = 'ten'", "Invoice.Amount is a number field: 'ten' is not a number"),
        ("Amount > true", "Invoice.Amount is a number field: true is not a number"),
        ("InvoiceDate > '31/01/2024'", "Invoice.InvoiceDate is a date field: '31/01/2024' is not a date such as"),
        ("InvoiceDate > 20240131", "Invoice.InvoiceDate is a date field: 20240131 is not a date such as"),
        ("AutoPay > true", "Invoice.AutoPay is a boolean field: compare it with = or !=, not >"),
        ("AutoPay = 'yes'", "Invoice.AutoPay is a boolean field: compare it with true or false, not 'yes'"),
        ("Status = true", "Invoice.Status is a text field: compare it with a quoted string, not true"),
        ("Amount like '1%'", "'like' compares text, and Invoice.Amount is a decimal field"),
    ],
)
def test_values_that_do_not_fit_the_field(condition: str, why: str) -> None:
    with pytest.raises(MalformedQuery) as caught:
        build(f"select Id from Invoice where {condition}")
    assert caught.value.code.value == "MALFORMED_QUERY"
    assert why in caught.value.message
    assert caught.value.message.startswith("malformed query at line 1, column ")


def test_integers_between_whole_numbers() -> None:
    prepared = build("select Id from Account where BillCycleDay > 14.5")
    sql, params = compiled(prepared)
    assert "accounts.bill_cycle_day > ?" in sql and params["bill_cycle_day_1"] == 14


def test_list_fields_cannot_filter() -> None:
    with pytest.raises(MalformedQuery) as caught:
        build("select Id from ProductRatePlan where ActiveCurrencies = 'USD'")
    assert "ProductRatePlan.ActiveCurrencies cannot be used in a where clause" in caught.value.message


def test_custom_fields_are_read_from_extra() -> None:
    prepared = build("select Id, Region__c from Account where Region__c = 'EMEA'")
    assert prepared.fields == ("Id", "Region__c")
    sql, params = compiled(prepared)
    assert "CAST(JSON_EXTRACT(accounts.extra, ?) AS VARCHAR) = ?" in sql
    assert "EMEA" in params.values()


# --- paging -----------------------------------------------------------------------------------------


def test_paging_is_by_creation_then_id_after_the_last_key() -> None:
    prepared = build("select Id from Invoice")
    sql, _ = compiled(prepared, after=[{"datetime": "2024-01-01T00:00:00+00:00"}, "abc"])
    assert sql.endswith(
        "WHERE invoices.entity_id = ? AND (invoices.created_at > ? OR invoices.created_at = ? AND invoices.id > ?) "
        "ORDER BY invoices.created_at, invoices.id\n LIMIT ? OFFSET ?"
    )


def test_items_page_by_invoice_and_position() -> None:
    sql, _ = compiled(build("select Id from InvoiceItem"))
    assert sql.split("ORDER BY")[1].startswith(" invoice_items.invoice_id, invoice_items.position, invoice_items.id")


def test_plain_decimals() -> None:
    # 10.0000 is 10, 0.5000 is 0.5, 100 stays 100 (never 1E+2).
    assert str(plain(Decimal("10.0000"))) == "10"
    assert str(plain(Decimal("0.5000"))) == "0.5"
    assert str(plain(Decimal("100.0000"))) == "100"
    assert str(plain(Decimal("0.0000"))) == "0"

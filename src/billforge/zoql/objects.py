"""The objects ZOQL can query: each WSDL field, its type, and the SQL expression that gives its value.

Every object lists its fields in XSD order (``Id`` first, as ``zObject`` declares it, then the
object's own fields sorted case-insensitively, which is how Zuora's WSDLs order them); the SOAP door
answers exactly the selected fields in this order (:func:`xsd_order`). A field billforge does not
keep (``BillRunId``, ``TaxExemptCertificateID``, ...) is known, selectable and always null. Tenant
custom fields (``*__c``) are read from the object's ``extra`` column.

Tables are looked up by name when a query is planned, so an object whose table does not exist yet
(``Payment``, until the payments tables land) answers ``INVALID_TYPE``, and a column a table does not
have reads as null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import Boolean, Date, Integer, Table, and_, case, exists, func, literal, null, or_, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from billforge.db import tables as t
from billforge.db.types import Amount
from billforge.zoql.errors import InvalidQueryType


class FieldType(StrEnum):
    """How a field's values are compared and returned."""

    ID = "ID"
    STRING = "string"
    DECIMAL = "decimal"
    INTEGER = "int"
    BOOLEAN = "boolean"
    DATE = "date"  # a calendar day
    DATETIME = "dateTime"  # an instant (stored in UTC, shown in the tenant's time zone)
    LOCAL_DATETIME = "localDateTime"  # a wall-clock time in the tenant's time zone (usage times)
    LIST = "list"  # a list of strings, returned comma-separated; not filterable


class Sources:
    """What field expressions are built from: the object's table and the other tables by name."""

    def __init__(self, main: Table) -> None:
        self.main = main

    def column(self, *names: str) -> ColumnElement[Any] | None:
        """The first of ``names`` that the object's table has, or None."""
        for name in names:
            if name in self.main.c:
                return self.main.c[name]
        return None

    def table(self, name: str) -> Table:
        found = t.metadata.tables.get(name)
        if found is None:
            raise InvalidQueryType(f"table {name!r} does not exist yet", field="queryString")
        return found


Expr = Callable[[Sources], ColumnElement[Any] | None]


@dataclass(frozen=True, slots=True)
class ZField:
    """One field. ``expr`` None: billforge keeps no value for it (always null). ``aliases``: values a
    query may use for a stored value (``ChargeType = 'One-Time'`` finds ``OneTime``). ``unsupported``:
    selecting it is refused, with this reason."""

    name: str
    type: FieldType
    expr: Expr | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    unsupported: str | None = None


@dataclass(frozen=True, slots=True)
class ZObject:
    """A queryable object: its WSDL name, table, fields in XSD order and the stable paging order."""

    name: str
    table: str
    fields: tuple[ZField, ...]
    order: tuple[str, ...] = ("created_at", "id")

    def field(self, name: str) -> ZField | None:
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


# --- building fields ----------------------------------------------------------------------------


def col(*names: str) -> Expr:
    """A column of the object's table (the first of ``names`` it has)."""

    def build(sources: Sources) -> ColumnElement[Any] | None:
        return sources.column(*names)

    return build


def parent(table: str, column: str, *, via: str) -> Expr:
    """A column of the row of ``table`` whose id is this object's ``via`` column (same entity)."""

    def build(sources: Sources) -> ColumnElement[Any] | None:
        other = sources.table(table)
        link = sources.column(via)
        if link is None:
            return None
        return (
            select(other.c[column])
            .where(other.c.id == link, other.c.entity_id == sources.main.c.entity_id)
            .scalar_subquery()
        )

    return build


def constant(value: Any, type_: Any) -> Expr:
    def build(_sources: Sources) -> ColumnElement[Any]:
        return literal(value, type_)

    return build


def _audit() -> list[ZField]:
    return [
        ZField("CreatedById", FieldType.ID, col("created_by_id")),
        ZField("CreatedDate", FieldType.DATETIME, col("created_at")),
        ZField("UpdatedById", FieldType.ID, col("updated_by_id")),
        ZField("UpdatedDate", FieldType.DATETIME, col("updated_at")),
    ]


def _nulls(kind: FieldType, *names: str) -> list[ZField]:
    """Fields of the WSDL object that billforge keeps no value for."""
    return [ZField(name, kind) for name in names]


def _object(name: str, table: str, fields: list[ZField], order: tuple[str, ...] = ("created_at", "id")) -> ZObject:
    """``Id`` first, then the fields in the WSDL's (case-insensitive alphabetical) order."""
    own = sorted(fields, key=lambda f: f.name.lower())
    return ZObject(name, table, (ZField("Id", FieldType.ID, col("id")), *own), order)


# --- computed values ------------------------------------------------------------------------------


def _account_balance(sources: Sources) -> ColumnElement[Any]:
    """The sum of the account's posted invoices' balances (as ``GET /v1/accounts/{key}`` shows it)."""
    invoices, main = t.invoices, sources.main
    total = (
        select(func.sum(invoices.c.balance))
        .where(invoices.c.account_id == main.c.id, invoices.c.entity_id == main.c.entity_id)
        .where(invoices.c.status == "Posted")
        .scalar_subquery()
    )
    return type_coerce(func.coalesce(total, 0), Amount())


def _last_invoice_date(sources: Sources) -> ColumnElement[Any]:
    invoices, main = t.invoices, sources.main
    latest = (
        select(func.max(invoices.c.invoice_date))
        .where(invoices.c.account_id == main.c.id, invoices.c.entity_id == main.c.entity_id)
        .where(invoices.c.status == "Posted")
        .scalar_subquery()
    )
    return type_coerce(latest, Date())


def _item_tax_exempt(sources: Sources) -> ColumnElement[Any]:
    taxes = t.taxation_items
    total = select(func.sum(taxes.c.exempt_amount)).where(taxes.c.invoice_item_id == sources.main.c.id)
    return type_coerce(func.coalesce(total.scalar_subquery(), 0), Amount())


def _processing_type(sources: Sources) -> ColumnElement[Any]:
    """Zuora's numeric processing type: 0 for a charge item, 1 for a discount item."""
    kind = sources.main.c.processing_type
    return type_coerce(case((kind == "Charge", 0), (kind == "Discount", 1), else_=null()), Integer())


def _usage_billed(sources: Sources) -> ColumnElement[bool]:
    """The usage record's invoice still bills it (neither cancelled nor deleted: billing's ledger)."""
    ledger = sources.table("charge_billings")
    invoice_id = sources.main.c.invoice_id
    return and_(invoice_id.is_not(None), exists().where(ledger.c.invoice_id == invoice_id))


def _usage_invoice_id(sources: Sources) -> ColumnElement[Any]:
    return case((_usage_billed(sources), sources.main.c.invoice_id), else_=null())


def _usage_invoice_number(sources: Sources) -> ColumnElement[Any]:
    invoices = t.invoices
    number = select(invoices.c.invoice_number).where(invoices.c.id == sources.main.c.invoice_id).scalar_subquery()
    return case((_usage_billed(sources), number), else_=null())


def _rbe_status(sources: Sources) -> ColumnElement[Any]:
    return case((_usage_billed(sources), "Processed"), else_="Pending")


def _subscription_end(sources: Sources) -> ColumnElement[Any]:
    """The earlier of the cancellation date and, for a termed subscription, the term end."""
    s = sources.main.c
    termed = and_(s.term_type == "TERMED", s.term_end_date.is_not(None))
    cancelled_first = and_(s.cancelled_date.is_not(None), or_(~termed, s.cancelled_date < s.term_end_date))
    return type_coerce(
        case((cancelled_first, s.cancelled_date), (termed, s.term_end_date), else_=null()),
        Date(),
    )


def _payment_invoice(column: str) -> Expr:
    """The invoice a payment was applied to first (Zuora's single-invoice ``InvoiceId``)."""

    def build(sources: Sources) -> ColumnElement[Any] | None:
        applications = t.metadata.tables.get("payment_applications")
        if applications is None or "payment_id" not in applications.c:
            return None
        first = (
            select(applications.c.invoice_id)
            .where(applications.c.payment_id == sources.main.c.id)
            .order_by(*(applications.c[n] for n in ("position", "id") if n in applications.c))
            .limit(1)
            .scalar_subquery()
        )
        if column == "id":
            return first
        return select(t.invoices.c.invoice_number).where(t.invoices.c.id == first).scalar_subquery()

    return build


def _spaced(column: str) -> Expr:
    """A stored enum value with underscores, as the Object API spells it (``Per Billing Period``)."""

    def build(sources: Sources) -> ColumnElement[Any] | None:
        value = sources.column(column)
        return None if value is None else func.replace(value, "_", " ")

    return build


ONE_TIME_ALIASES: Final = MappingProxyType({"One-Time": "OneTime"})

S, D, INT, B = FieldType.STRING, FieldType.DECIMAL, FieldType.INTEGER, FieldType.BOOLEAN
ID_, DAY, TS = FieldType.ID, FieldType.DATE, FieldType.DATETIME


# --- the objects ---------------------------------------------------------------------------------

INVOICE = _object(
    "Invoice",
    "invoices",
    [
        ZField("AccountId", ID_, col("account_id")),
        ZField("AdjustmentAmount", D, col("adjustment_amount")),
        ZField("Amount", D, col("amount")),
        ZField("AmountWithoutTax", D, col("amount_without_tax")),
        ZField("AutoPay", B, col("auto_pay")),
        ZField("Balance", D, col("balance")),
        ZField("BillToContactId", ID_, col("bill_to_contact_id")),
        ZField("Body", S),  # the PDF: services.queries fills it in, for one invoice named by Id
        ZField("Comments", S, col("comments")),
        ZField("CreditBalanceAdjustmentAmount", D, col("credit_balance_adjustment_amount")),
        ZField("Currency", S, col("currency")),
        ZField("DueDate", DAY, col("due_date")),
        ZField("IncludesOneTime", B, col("includes_one_time")),
        ZField("IncludesRecurring", B, col("includes_recurring")),
        ZField("IncludesUsage", B, col("includes_usage")),
        ZField("InvoiceDate", DAY, col("invoice_date")),
        ZField("InvoiceNumber", S, col("invoice_number")),
        ZField("LastEmailSentDate", TS, col("last_email_sent_date")),
        ZField("PaymentAmount", D, col("payment_amount")),
        ZField("PaymentTerm", S, col("payment_term")),
        ZField("PostedBy", ID_, col("posted_by_id")),
        ZField("PostedDate", TS, col("posted_date")),
        ZField("RefundAmount", D, col("refund_amount")),
        ZField("Source", S, col("source")),
        ZField("SourceId", ID_, col("source_id")),
        ZField("SourceType", S, col("source_type")),
        ZField("Status", S, col("status")),
        ZField("TargetDate", DAY, col("target_date")),
        ZField("TaxAmount", D, col("tax_amount")),
        ZField("TaxExemptAmount", D, col("tax_exempt_amount")),
        ZField("TransferredToAccounting", S, col("transferred_to_accounting")),
        *_nulls(ID_, "BillRunId", "BillToContactSnapshotId", "SoldToContactSnapshotId"),
        *_nulls(S, "TaxMessage", "TaxStatus"),
        ZField("RegenerateInvoicePDF", B),  # an update instruction, never stored
        *_audit(),
    ],
)

INVOICE_ITEM = _object(
    "InvoiceItem",
    "invoice_items",
    [
        ZField("AppliedToInvoiceItemId", ID_, col("applied_to_item_id")),
        ZField("ChargeAmount", D, col("charge_amount")),
        ZField("ChargeDate", TS, col("charge_date")),
        ZField("ChargeDescription", S, col("description")),
        ZField("ChargeName", S, col("charge_name")),
        ZField("ChargeNumber", S, parent("rate_plan_charges", "charge_number", via="rate_plan_charge_id")),
        ZField("InvoiceId", ID_, col("invoice_id")),
        ZField("ProcessingType", INT, _processing_type),
        ZField("ProductDescription", S, parent("products", "description", via="product_id")),
        ZField("ProductId", ID_, col("product_id")),
        ZField("ProductName", S, col("product_name")),
        ZField("Quantity", D, col("quantity")),
        ZField("RatePlanChargeId", ID_, col("rate_plan_charge_id")),
        ZField("ServiceEndDate", DAY, col("service_end_date")),
        ZField("ServiceStartDate", DAY, col("service_start_date")),
        ZField("SKU", S, col("sku")),
        ZField("SubscriptionId", ID_, col("subscription_id")),
        ZField("SubscriptionNumber", S, col("subscription_number")),
        ZField("TaxAmount", D, col("tax_amount")),
        ZField("TaxCode", S, col("tax_code")),
        ZField("TaxExemptAmount", D, _item_tax_exempt),
        ZField("UnitPrice", D, col("unit_price")),
        ZField("UOM", S, col("uom")),
        # Items have no audit columns of their own: they are created and changed with their invoice.
        ZField("CreatedById", ID_, parent("invoices", "created_by_id", via="invoice_id")),
        ZField("CreatedDate", TS, parent("invoices", "created_at", via="invoice_id")),
        ZField("UpdatedById", ID_, parent("invoices", "updated_by_id", via="invoice_id")),
        ZField("UpdatedDate", TS, parent("invoices", "updated_at", via="invoice_id")),
        *_nulls(S, "AccountingCode", "RevRecCode", "RevRecTriggerCondition"),
        ZField("RevRecStartDate", DAY),
    ],
    order=("invoice_id", "position", "id"),
)

ACCOUNT = _object(
    "Account",
    "accounts",
    [
        ZField("AccountNumber", S, col("account_number")),
        ZField("AutoPay", B, col("auto_pay")),
        ZField("Balance", D, _account_balance),
        ZField("Batch", S, col("batch")),
        ZField("BillCycleDay", INT, col("bill_cycle_day")),
        ZField("BillToId", ID_, col("bill_to_contact_id")),
        ZField("CommunicationProfileId", ID_, col("communication_profile_id")),
        ZField("CrmId", S, col("crm_id")),
        ZField("Currency", S, col("currency")),
        ZField("InvoiceDeliveryPrefsEmail", B, col("invoice_delivery_prefs_email")),
        ZField("InvoiceDeliveryPrefsPrint", B, col("invoice_delivery_prefs_print")),
        ZField("InvoiceTemplateId", ID_, col("invoice_template_id")),
        ZField("LastInvoiceDate", DAY, _last_invoice_date),
        ZField("Name", S, col("name")),
        ZField("Notes", S, col("notes")),
        ZField("ParentId", ID_, col("parent_id")),
        ZField("PaymentTerm", S, col("payment_term")),
        ZField("SalesRepName", S, col("sales_rep")),
        ZField("SequenceSetId", ID_, col("sequence_set_id")),
        ZField("ShipToId", ID_, col("ship_to_contact_id")),
        ZField("SoldToId", ID_, col("sold_to_contact_id")),
        ZField("Status", S, col("status")),
        ZField("AllowInvoiceEdit", B),
        ZField("TaxExemptEffectiveDate", DAY),
        ZField("TaxExemptExpirationDate", DAY),
        *_nulls(ID_, "DefaultPaymentMethodId"),
        *_nulls(
            S,
            "AdditionalEmailAddresses",
            "BcdSettingOption",
            "CustomerServiceRepName",
            "PaymentGateway",
            "PurchaseOrderNumber",
            "TaxExemptCertificateID",
            "TaxExemptCertificateType",
            "TaxExemptDescription",
            "TaxExemptIssuingJurisdiction",
            "TaxExemptStatus",
        ),
        *_audit(),
    ],
)

CONTACT = _object(
    "Contact",
    "contacts",
    [
        ZField("AccountId", ID_, col("account_id")),
        ZField("Address1", S, col("address1")),
        ZField("Address2", S, col("address2")),
        ZField("City", S, col("city")),
        ZField("Country", S, col("country")),
        ZField("County", S, col("county")),
        ZField("Description", S, col("description")),
        ZField("Fax", S, col("fax")),
        ZField("FirstName", S, col("first_name")),
        ZField("HomePhone", S, col("home_phone")),
        ZField("LastName", S, col("last_name")),
        ZField("MobilePhone", S, col("mobile_phone")),
        ZField("NickName", S, col("nickname")),
        ZField("OtherPhone", S, col("other_phone")),
        ZField("OtherPhoneType", S, col("other_phone_type")),
        ZField("PersonalEmail", S, col("personal_email")),
        ZField("PostalCode", S, col("postal_code")),
        ZField("State", S, col("state")),
        ZField("TaxRegion", S, col("tax_region")),
        ZField("WorkEmail", S, col("work_email")),
        ZField("WorkPhone", S, col("work_phone")),
        *_audit(),
    ],
)

SUBSCRIPTION = _object(
    "Subscription",
    "subscriptions",
    [
        ZField("AccountId", ID_, col("account_id")),
        ZField("AutoRenew", B, col("auto_renew")),
        ZField("CancelledDate", DAY, col("cancelled_date")),
        ZField("ContractAcceptanceDate", DAY, col("customer_acceptance_date")),
        ZField("ContractEffectiveDate", DAY, col("contract_effective_date")),
        ZField("CreatorAccountId", ID_, col("account_id")),
        ZField("CreatorInvoiceOwnerId", ID_, col("account_id")),
        ZField("CurrentTerm", INT, col("current_term")),
        ZField("CurrentTermPeriodType", S, col("current_term_period_type")),
        ZField("InitialTerm", INT, col("initial_term")),
        ZField("InitialTermPeriodType", S, col("initial_term_period_type")),
        ZField("InvoiceOwnerId", ID_, col("account_id")),
        ZField("IsInvoiceSeparate", B, col("invoice_separately")),
        ZField("Name", S, col("subscription_number")),
        ZField("Notes", S, col("notes")),
        ZField("OriginalCreatedDate", TS, col("created_at")),
        ZField("OriginalId", ID_, col("id")),
        ZField("RenewalSetting", S, col("renewal_setting")),
        ZField("RenewalTerm", INT, col("renewal_term")),
        ZField("RenewalTermPeriodType", S, col("renewal_term_period_type")),
        ZField("ServiceActivationDate", DAY, col("service_activation_date")),
        ZField("Status", S, col("status")),
        ZField("SubscriptionEndDate", DAY, _subscription_end),
        ZField("SubscriptionStartDate", DAY, col("contract_effective_date")),
        ZField("TermEndDate", DAY, col("term_end_date")),
        ZField("TermStartDate", DAY, col("term_start_date")),
        ZField("TermType", S, col("term_type")),
        ZField("Version", INT, col("version")),
        *_nulls(ID_, "AncestorAccountId", "PreviousSubscriptionId"),
        *_audit(),
    ],
)

RATE_PLAN = _object(
    "RatePlan",
    "rate_plans",
    [
        ZField("Name", S, col("name")),
        ZField("ProductRatePlanId", ID_, col("product_rate_plan_id")),
        ZField("SubscriptionId", ID_, col("subscription_id")),
        *_nulls(ID_, "AmendmentId", "AmendmentSubscriptionRatePlanId"),
        ZField("AmendmentType", S),
        *_audit(),
    ],
    order=("created_at", "subscription_id", "position", "id"),
)

RATE_PLAN_CHARGE = _object(
    "RatePlanCharge",
    "rate_plan_charges",
    [
        ZField("ApplyDiscountTo", S, col("apply_discount_to")),
        ZField("BillCycleDay", INT, col("bill_cycle_day")),
        ZField("BillCycleType", S, col("bill_cycle_type")),
        ZField("BillingPeriod", S, col("billing_period")),
        ZField("BillingPeriodAlignment", S, col("billing_period_alignment")),
        ZField("BillingTiming", S, col("billing_timing")),
        ZField("ChargeModel", S, col("charge_model")),
        ZField("ChargeNumber", S, col("charge_number")),
        ZField("ChargeType", S, col("charge_type"), aliases=ONE_TIME_ALIASES),
        ZField("Description", S, col("description")),
        ZField("DiscountAmount", D, col("discount_amount")),
        ZField("DiscountLevel", S, col("discount_level")),
        ZField("DiscountPercentage", D, col("discount_percentage")),
        ZField("EndDateCondition", S, col("end_date_condition")),
        ZField("IncludedUnits", D, col("included_units")),
        ZField("IsLastSegment", B, constant(True, Boolean())),
        ZField("ListPriceBase", S, _spaced("list_price_base")),
        ZField("Name", S, col("name")),
        ZField("OriginalId", ID_, col("id")),
        ZField("Price", D, col("price")),
        ZField("ProductRatePlanChargeId", ID_, col("product_rate_plan_charge_id")),
        ZField("Quantity", D, col("quantity")),
        ZField("RatePlanId", ID_, col("rate_plan_id")),
        ZField("Segment", INT, constant(1, Integer())),
        ZField("SpecificBillingPeriod", INT, col("specific_billing_period")),
        ZField("SpecificEndDate", DAY, col("specific_end_date")),
        ZField("TaxCode", S, col("tax_code")),
        ZField("TaxMode", S, col("tax_mode")),
        ZField("TriggerDate", DAY, col("trigger_date")),
        ZField("TriggerEvent", S, col("trigger_event")),
        ZField("UOM", S, col("uom")),
        ZField("UpToPeriods", INT, col("up_to_periods")),
        ZField("Version", INT, constant(1, Integer())),
        *_nulls(D, "DMRC", "DTCV", "MRR", "OveragePrice", "PriceIncreasePercentage", "RolloverBalance", "TCV"),
        *_nulls(D, "UnusedUnitsCreditRates"),
        *_nulls(DAY, "ChargedThroughDate", "EffectiveEndDate", "EffectiveStartDate", "ProcessedThroughDate"),
        *_nulls(
            S,
            "AccountingCode",
            "OverageCalculationOption",
            "OverageUnusedUnitsCreditOption",
            "PriceChangeOption",
            "RevRecCode",
            "RevRecTriggerCondition",
            "UsageRecordRatingOption",
        ),
        ZField("NumberOfPeriods", INT),
        ZField("UseDiscountSpecificAccountingCode", B),
        *_audit(),
    ],
    order=("created_at", "subscription_id", "position", "id"),
)

PRODUCT = _object(
    "Product",
    "products",
    [
        ZField("AllowFeatureChanges", B, col("allow_feature_changes")),
        ZField("Category", S, col("category")),
        ZField("Description", S, col("description")),
        ZField("EffectiveEndDate", DAY, col("effective_end_date")),
        ZField("EffectiveStartDate", DAY, col("effective_start_date")),
        ZField("Name", S, col("name")),
        ZField("ProductNumber", S, col("product_number")),
        ZField("SKU", S, col("sku")),
        *_audit(),
    ],
)

PRODUCT_RATE_PLAN = _object(
    "ProductRatePlan",
    "product_rate_plans",
    [
        ZField("ActiveCurrencies", FieldType.LIST, col("active_currencies")),
        ZField("Description", S, col("description")),
        ZField("EffectiveEndDate", DAY, col("effective_end_date")),
        ZField("EffectiveStartDate", DAY, col("effective_start_date")),
        ZField("Grade", INT, col("grade")),
        ZField("Name", S, col("name")),
        ZField("ProductId", ID_, col("product_id")),
        ZField("ProductRatePlanNumber", S, col("product_rate_plan_number")),
        *_audit(),
    ],
)

PRODUCT_RATE_PLAN_CHARGE = _object(
    "ProductRatePlanCharge",
    "product_rate_plan_charges",
    [
        ZField("AccountingCode", S, col("accounting_code")),
        ZField("ApplyDiscountTo", S, col("apply_discount_to")),
        ZField("BillCycleDay", INT, col("bill_cycle_day")),
        ZField("BillCycleType", S, col("bill_cycle_type")),
        ZField("BillingPeriod", S, col("billing_period")),
        ZField("BillingPeriodAlignment", S, col("billing_period_alignment")),
        ZField("BillingTiming", S, col("billing_timing")),
        ZField("ChargeModel", S, col("charge_model")),
        ZField("ChargeType", S, col("charge_type"), aliases=ONE_TIME_ALIASES),
        ZField("DefaultQuantity", D, col("default_quantity")),
        ZField("DeferredRevenueAccount", S, col("deferred_revenue_accounting_code")),
        ZField("Description", S, col("description")),
        ZField("DiscountLevel", S, col("discount_level")),
        ZField("EndDateCondition", S, col("end_date_condition")),
        ZField("IncludedUnits", D, col("included_units")),
        ZField("ListPriceBase", S, _spaced("list_price_base")),
        ZField("Name", S, col("name")),
        ZField("ProductRatePlanChargeNumber", S, col("product_rate_plan_charge_number")),
        ZField("ProductRatePlanId", ID_, col("product_rate_plan_id")),
        ZField("RatingGroup", S, col("rating_group")),
        ZField("RecognizedRevenueAccount", S, col("recognized_revenue_accounting_code")),
        ZField("SpecificBillingPeriod", INT, col("specific_billing_period")),
        ZField("Taxable", B, col("taxable")),
        ZField("TaxCode", S, col("tax_code")),
        ZField("TaxMode", S, col("tax_mode")),
        ZField("TriggerEvent", S, col("trigger_event")),
        ZField("UOM", S, col("uom")),
        ZField("UpToPeriods", INT, col("up_to_periods")),
        ZField("UpToPeriodsType", S, col("up_to_periods_type")),
        ZField("WeeklyBillCycleDay", S, col("weekly_bill_cycle_day")),
        *_nulls(D, "MaxQuantity", "MinQuantity", "PriceIncreasePercentage"),
        *_nulls(
            S,
            "OverageCalculationOption",
            "OverageUnusedUnitsCreditOption",
            "PriceChangeOption",
            "RevenueRecognitionRuleName",
            "RevRecCode",
            "RevRecTriggerCondition",
            "SmoothingModel",
        ),
        ZField("NumberOfPeriod", INT),
        *_nulls(B, "LegacyRevenueReporting", "UseDiscountSpecificAccountingCode", "UseTenantDefaultForPriceChange"),
        *_audit(),
    ],
)

PRODUCT_RATE_PLAN_CHARGE_TIER = _object(
    "ProductRatePlanChargeTier",
    "product_rate_plan_charge_tiers",
    [
        ZField("Currency", S, col("currency")),
        ZField("DiscountAmount", D, col("discount_amount")),
        ZField("DiscountPercentage", D, col("discount_percentage")),
        ZField("EndingUnit", D, col("ending_unit")),
        ZField("IsOveragePrice", B, col("is_overage_price")),
        ZField("Price", D, col("price")),
        ZField("PriceFormat", S, col("price_format")),
        ZField("ProductRatePlanChargeId", ID_, col("charge_id")),
        ZField("StartingUnit", D, col("starting_unit")),
        ZField("Tier", INT, col("tier")),
        *_audit(),
    ],
    order=("created_at", "charge_id", "currency", "tier", "id"),
)

USAGE = _object(
    "Usage",
    "usage",
    [
        ZField("AccountId", ID_, col("account_id")),
        ZField("AccountNumber", S, parent("accounts", "account_number", via="account_id")),
        ZField("ChargeId", ID_, col("charge_id")),
        ZField("ChargeNumber", S, parent("rate_plan_charges", "charge_number", via="charge_id")),
        ZField("Description", S, col("description")),
        ZField("EndDateTime", FieldType.LOCAL_DATETIME, col("end_date_time")),
        ZField("ImportId", ID_, col("import_id")),
        ZField("InvoiceId", ID_, _usage_invoice_id),
        ZField("InvoiceNumber", S, _usage_invoice_number),
        ZField("Quantity", D, col("quantity")),
        ZField("RbeStatus", S, _rbe_status),
        ZField("SourceType", S, col("source_type")),
        ZField("StartDateTime", FieldType.LOCAL_DATETIME, col("start_date_time")),
        ZField("SubmissionDateTime", TS, col("created_at")),
        ZField("SubscriptionId", ID_, col("subscription_id")),
        ZField("SubscriptionNumber", S, parent("subscriptions", "subscription_number", via="subscription_id")),
        ZField("UOM", S, col("uom")),
        ZField("AncestorAccountId", ID_),
        ZField("SourceName", S),
        *_audit(),
    ],
)

# The payments tables come with the payments work; until then Payment answers INVALID_TYPE. Each
# field names the columns it may be stored in (the first one the table has is used).
PAYMENT = _object(
    "Payment",
    "payments",
    [
        ZField("AccountId", ID_, col("account_id")),
        ZField("AccountingCode", S, col("accounting_code")),
        ZField("Amount", D, col("amount")),
        ZField("AppliedCreditBalanceAmount", D, col("applied_credit_balance_amount")),
        ZField("AppliedInvoiceAmount", D, col("applied_invoice_amount", "applied_amount")),
        ZField("AuthTransactionId", S, col("auth_transaction_id")),
        ZField("BankIdentificationNumber", S, col("bank_identification_number")),
        ZField("CancelledOn", TS, col("cancelled_on", "cancelled_at")),
        ZField("Comment", S, col("comment")),
        ZField("Currency", S, col("currency")),
        ZField("EffectiveDate", DAY, col("effective_date")),
        ZField("GatewayOrderId", S, col("gateway_order_id")),
        ZField("GatewayResponse", S, col("gateway_response")),
        ZField("GatewayResponseCode", S, col("gateway_response_code")),
        ZField("GatewayState", S, col("gateway_state")),
        ZField("InvoiceId", ID_, _payment_invoice("id")),
        ZField("InvoiceNumber", S, _payment_invoice("number")),
        ZField("MarkedForSubmissionOn", TS, col("marked_for_submission_on")),
        ZField("PaymentMethodId", ID_, col("payment_method_id")),
        ZField("PaymentNumber", S, col("payment_number", "number")),
        ZField("ReferenceId", S, col("reference_id")),
        ZField("RefundAmount", D, col("refund_amount", "refunded_amount")),
        ZField("SecondPaymentReferenceId", S, col("second_payment_reference_id")),
        ZField("SettledOn", TS, col("settled_on")),
        ZField("Status", S, col("status")),
        ZField("SubmittedOn", TS, col("submitted_on")),
        ZField("TransferredToAccounting", S, col("transferred_to_accounting")),
        ZField("Type", S, col("type")),
        *_audit(),
    ],
)

OBJECTS: Final[Mapping[str, ZObject]] = MappingProxyType(
    {
        o.name.lower(): o
        for o in (
            INVOICE,
            INVOICE_ITEM,
            ACCOUNT,
            CONTACT,
            SUBSCRIPTION,
            RATE_PLAN,
            RATE_PLAN_CHARGE,
            PRODUCT,
            PRODUCT_RATE_PLAN,
            PRODUCT_RATE_PLAN_CHARGE,
            PRODUCT_RATE_PLAN_CHARGE_TIER,
            USAGE,
            PAYMENT,
        )
    }
)


def find_object(name: str) -> ZObject:
    """The object named ``name`` (any case); ``INVALID_TYPE`` for an object ZOQL cannot query here."""
    found = OBJECTS.get(name.lower())
    if found is None:
        known = ", ".join(o.name for o in OBJECTS.values())
        raise InvalidQueryType(f"{name!r} is not an object billforge can query (objects: {known})", field="queryString")
    return found


def table_of(obj: ZObject) -> Table:
    """The object's table; ``INVALID_TYPE`` while it does not exist (``Payment`` before payments)."""
    table = t.metadata.tables.get(obj.table)
    if table is None:
        raise InvalidQueryType(
            f"{obj.name} cannot be queried yet: billforge does not keep {obj.name} records", field="queryString"
        )
    return table


def xsd_order(object_name: str) -> tuple[str, ...]:
    """The object's field names in XSD order (``Id`` first): the order of a SOAP record's elements."""
    return find_object(object_name).field_names


def is_custom(name: str) -> bool:
    """A tenant custom field (``Region__c``)."""
    return name.lower().endswith("__c") and len(name) > 3

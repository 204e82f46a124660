"""Requests and answers for sequence sets, accounting periods, invoice templates and ``/settings``.

``/v1/sequence-sets`` and ``/v1/accounting-periods`` use the shapes of Zuora's REST API (the
official SDK's models). ``/settings/*`` follows Zuora's Settings API: the setting itself is the
answer (no ``success`` envelope), a list is a JSON array, and a field the setting does not have
is refused (Zuora's setting schemas forbid additional properties). Where Zuora has no field for a
billforge setting, billforge's own names are used; the README of each shape is in ``*_answer``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError
from sqlalchemy import Row

from billforge.api.jsonio import iso_date, iso_timestamp
from billforge.api.validation import ZBool, ZDate, ZDecimal, ZInt, ZStr, ZuoraModel
from billforge.errors import BillforgeError, ErrorList, UnknownField
from billforge.services.accounting_periods import PeriodChanges, PeriodInput
from billforge.services.numbering import DocumentPrefix, SequenceSetChanges, SequenceSetInput, SequenceSetView
from billforge.services.settings import (
    BillingRulesChanges,
    CurrencyChanges,
    CurrencyView,
    PaymentTermChanges,
    PaymentTermInput,
    SellerChanges,
)
from billforge.services.taxes import TaxCodeChanges, TaxCodeInput, TaxCodeView, TaxRateInput
from billforge.services.tenant_settings import TenantSettings


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("bf_nul", "must not contain NUL characters")
    return value


Text = Annotated[ZStr, AfterValidator(_no_nul)]


def reject_unknown(model: BaseModel, *, obj: str, prefix: str = "") -> None:
    """Refuse every field the model does not know, nested ones included (Settings API schemas
    forbid additional properties)."""
    problems: list[BillforgeError] = []
    _collect_unknown(model, prefix, obj, problems)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ErrorList(problems)


def _collect_unknown(model: BaseModel, prefix: str, obj: str, problems: list[BillforgeError]) -> None:
    for name in model.model_extra or {}:
        path = f"{prefix}.{name}" if prefix else name
        problems.append(UnknownField(f"'{path}' is not a field of this setting", field=path, obj=obj))
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = info.alias or name
        path = f"{prefix}.{path}" if prefix else path
        if isinstance(value, BaseModel):
            _collect_unknown(value, path, obj, problems)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _collect_unknown(item, f"{path}[{i}]", obj, problems)


def _clear(model: BaseModel, name: str, value: str | None) -> str | None:
    """``null`` sent for a text field clears it (``""``); an absent field stays ``None``."""
    if value is None and name in model.model_fields_set:
        return ""
    return value


# --- sequence sets --------------------------------------------------------------------------


class DocumentPrefixRequest(ZuoraModel):
    prefix: Text
    start_number: ZInt = Field(alias="startNumber")

    def to_input(self) -> DocumentPrefix:
        return DocumentPrefix(self.prefix, self.start_number)


class CreateSequenceSetRequest(ZuoraModel):
    name: Text
    invoice: DocumentPrefixRequest
    credit_memo: DocumentPrefixRequest | None = Field(default=None, alias="creditMemo")
    debit_memo: DocumentPrefixRequest | None = Field(default=None, alias="debitMemo")
    payment: DocumentPrefixRequest | None = None
    refund: DocumentPrefixRequest | None = None
    sequence_set_number: Text | None = Field(default=None, alias="sequenceSetNumber")

    def others(self) -> dict[str, DocumentPrefix]:
        given = {
            "creditMemo": self.credit_memo,
            "debitMemo": self.debit_memo,
            "payment": self.payment,
            "refund": self.refund,
        }
        return {kind: value.to_input() for kind, value in given.items() if value is not None}

    def to_input(self) -> SequenceSetInput:
        return SequenceSetInput(self.name, self.invoice.to_input(), self.others(), self.sequence_set_number)


class CreateSequenceSetsRequest(ZuoraModel):
    sequence_sets: list[CreateSequenceSetRequest] = Field(alias="sequenceSets")

    def to_inputs(self) -> list[SequenceSetInput]:
        return [s.to_input() for s in self.sequence_sets]


class UpdateSequenceSetRequest(ZuoraModel):
    name: Text | None = None
    invoice: DocumentPrefixRequest | None = None
    credit_memo: DocumentPrefixRequest | None = Field(default=None, alias="creditMemo")
    debit_memo: DocumentPrefixRequest | None = Field(default=None, alias="debitMemo")
    payment: DocumentPrefixRequest | None = None
    refund: DocumentPrefixRequest | None = None

    def to_changes(self) -> SequenceSetChanges:
        given = {
            "creditMemo": self.credit_memo,
            "debitMemo": self.debit_memo,
            "payment": self.payment,
            "refund": self.refund,
        }
        return SequenceSetChanges(
            name=self.name,
            invoice=self.invoice.to_input() if self.invoice else None,
            others={kind: value.to_input() for kind, value in given.items() if value is not None},
        )


def _prefix(document: DocumentPrefix | None) -> dict[str, Any] | None:
    return None if document is None else {"prefix": document.prefix, "startNumber": document.start_number}


def sequence_set_answer(view: SequenceSetView) -> dict[str, Any]:
    """``GetSequenceSetResponse``: types without a prefix answer ``null``."""
    return {
        "id": view.id,
        "name": view.name,
        "invoice": _prefix(view.invoice),
        "creditMemo": _prefix(view.others.get("creditMemo")),
        "debitMemo": _prefix(view.others.get("debitMemo")),
        "payment": _prefix(view.others.get("payment")),
        "refund": _prefix(view.others.get("refund")),
    }


# --- accounting periods ---------------------------------------------------------------------


class CreateAccountingPeriodRequest(ZuoraModel):
    name: Text
    start_date: ZDate = Field(alias="startDate")
    end_date: ZDate = Field(alias="endDate")
    fiscal_year: ZInt = Field(alias="fiscalYear")
    fiscal_quarter: ZInt | None = Field(default=None, alias="fiscalQuarter")
    notes: Text | None = None
    organization_labels: list[Any] | None = Field(default=None, alias="organizationLabels")

    def to_input(self) -> PeriodInput:
        return PeriodInput(self.name, self.start_date, self.end_date, self.fiscal_year, self.fiscal_quarter, self.notes)


class UpdateAccountingPeriodRequest(ZuoraModel):
    name: Text | None = None
    start_date: ZDate | None = Field(default=None, alias="startDate")
    end_date: ZDate | None = Field(default=None, alias="endDate")
    fiscal_year: ZInt | None = Field(default=None, alias="fiscalYear")
    fiscal_quarter: ZInt | None = Field(default=None, alias="fiscalQuarter")
    notes: Text | None = None

    def to_changes(self) -> PeriodChanges:
        return PeriodChanges(
            name=self.name,
            start_date=self.start_date,
            end_date=self.end_date,
            fiscal_year=self.fiscal_year,
            fiscal_quarter=self.fiscal_quarter,
            notes=_clear(self, "notes", self.notes),
        )


def _stamp(value: datetime, zone: ZoneInfo) -> str | None:
    return iso_timestamp(value.astimezone(zone))


def accounting_period_answer(row: Row[Any], time_zone: str, *, in_list: bool) -> dict[str, Any]:
    """``GetAccountingPeriodResponse``; in a list, the SDK's model wants ``fiscalYear`` as a string.

    billforge runs no trial balance and keeps no report files: those fields are ``null``.
    """
    zone = ZoneInfo(time_zone)
    return {
        "id": row.id,
        "name": row.name,
        "startDate": iso_date(row.start_date),
        "endDate": iso_date(row.end_date),
        "status": row.status,
        "fiscalYear": str(row.fiscal_year) if in_list else row.fiscal_year,
        "fiscalQuarter": row.fiscal_quarter,
        "notes": row.notes,
        "createdBy": row.created_by_id,
        "createdOn": _stamp(row.created_at, zone),
        "updatedBy": row.updated_by_id,
        "updatedOn": _stamp(row.updated_at, zone),
        "fileIds": None,
        "runTrialBalanceStatus": None,
        "runTrialBalanceStart": None,
        "runTrialBalanceEnd": None,
        "runTrialBalanceErrorMessage": None,
    }


# --- invoice templates ----------------------------------------------------------------------


def invoice_template_answer(row: Row[Any], time_zone: str) -> dict[str, Any]:
    """One entry of ``GET /v1/invoice-templates`` (billforge's shape; the body is not listed)."""
    zone = ZoneInfo(time_zone)
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "engine": row.engine,
        "default": row.is_default,
        "createdOn": _stamp(row.created_at, zone),
        "updatedOn": _stamp(row.updated_at, zone),
    }


# --- billing rules --------------------------------------------------------------------------


class BillingRulesRequest(ZuoraModel):
    proration_unit: Text | None = Field(default=None, alias="prorationUnit")
    days_in_month: Text | None = Field(default=None, alias="daysInMonth")
    default_bill_cycle_day: ZInt | None = Field(default=None, alias="defaultBillCycleDay")
    time_zone: Text | None = Field(default=None, alias="timeZone")
    default_currency: Text | None = Field(default=None, alias="defaultCurrency")
    default_payment_term: Text | None = Field(default=None, alias="defaultPaymentTerm")
    invoice_settlement: ZBool | None = Field(default=None, alias="invoiceSettlement")

    def to_changes(self) -> BillingRulesChanges:
        return BillingRulesChanges(
            proration_unit=self.proration_unit,
            day_count=self.days_in_month,
            default_bill_cycle_day=self.default_bill_cycle_day,
            time_zone=self.time_zone,
            default_currency=self.default_currency,
            default_payment_term=self.default_payment_term,
            invoice_settlement=self.invoice_settlement,
        )

    def nulls(self) -> list[str]:
        """Fields sent as ``null``: every billing rule has a value, so ``null`` is refused."""
        return [
            info.alias or name
            for name, info in type(self).model_fields.items()
            if name in self.model_fields_set and getattr(self, name) is None
        ]


def billing_rules_answer(settings: TenantSettings) -> dict[str, Any]:
    """Zuora's ``prorationUnit`` and ``daysInMonth`` (values of ``domain.rules.DayCountRule``), and
    billforge's ``defaultBillCycleDay``, ``timeZone``, ``defaultCurrency``, ``defaultPaymentTerm``
    and ``invoiceSettlement``."""
    rules = settings.billing_rules
    return {
        "prorationUnit": rules.proration_unit.value,
        "daysInMonth": rules.day_count.value,
        "defaultBillCycleDay": rules.default_bill_cycle_day,
        "timeZone": settings.time_zone,
        "defaultCurrency": settings.default_currency,
        "defaultPaymentTerm": settings.default_payment_term,
        "invoiceSettlement": rules.invoice_settlement,
    }


# --- currencies -----------------------------------------------------------------------------


class CurrencyRequest(ZuoraModel):
    decimal_places: ZInt | None = Field(default=None, alias="decimalPlaces")
    rounding_mode: Text | None = Field(default=None, alias="roundingMode")
    active: ZBool | None = None

    def to_changes(self) -> CurrencyChanges:
        return CurrencyChanges(self.decimal_places, self.rounding_mode, self.active)


def currency_answer(view: CurrencyView) -> dict[str, Any]:
    """``{currencyCode, decimalPlaces, roundingMode, active, default}`` (``default`` is read-only)."""
    return {
        "currencyCode": view.code,
        "decimalPlaces": view.minor_units,
        "roundingMode": view.rounding_mode,
        "active": view.active,
        "default": view.is_default,
    }


# --- payment terms --------------------------------------------------------------------------


class CreatePaymentTermRequest(ZuoraModel):
    name: Text
    due_days: ZInt = Field(alias="dueDays")
    description: Text | None = None
    active: ZBool = True

    def to_input(self) -> PaymentTermInput:
        return PaymentTermInput(self.name, self.due_days, self.description, self.active)


class UpdatePaymentTermRequest(ZuoraModel):
    name: Text | None = None
    due_days: ZInt | None = Field(default=None, alias="dueDays")
    description: Text | None = None
    active: ZBool | None = None

    def to_changes(self) -> PaymentTermChanges:
        return PaymentTermChanges(
            name=self.name,
            due_days=self.due_days,
            description=_clear(self, "description", self.description),
            active=self.active,
        )


def payment_term_answer(row: Row[Any]) -> dict[str, Any]:
    """``{id, name, description, dueDays, active, default}`` (``default`` is read-only: set it with
    ``defaultPaymentTerm`` in the billing rules)."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "dueDays": row.due_days,
        "active": row.active,
        "default": row.is_default,
    }


# --- seller ---------------------------------------------------------------------------------


class SellerRequest(ZuoraModel):
    name: Text | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Text | None = None
    state: Text | None = None
    postal_code: Text | None = Field(default=None, alias="postalCode")
    country: Text | None = None
    tax_id: Text | None = Field(default=None, alias="taxId")
    email: Text | None = None
    phone: Text | None = None
    locale: Text | None = None

    def to_changes(self) -> SellerChanges:
        names = (
            "name",
            "address1",
            "address2",
            "city",
            "state",
            "postal_code",
            "country",
            "tax_id",
            "email",
            "phone",
            "locale",
        )
        return SellerChanges(**{n: _clear(self, n, getattr(self, n)) for n in names})


def seller_answer(settings: TenantSettings) -> dict[str, Any]:
    """billforge's seller details, printed on invoices: address, tax id, contact and locale."""
    s = settings.seller
    return {
        "name": s.name,
        "address1": s.address1,
        "address2": s.address2,
        "city": s.city,
        "state": s.state,
        "postalCode": s.postal_code,
        "country": s.country,
        "taxId": s.tax_id,
        "email": s.email,
        "phone": s.phone,
        "locale": settings.locale,
    }


# --- tax codes ------------------------------------------------------------------------------


class TaxRateRequest(ZuoraModel):
    name: Text
    tax_rate: ZDecimal = Field(alias="taxRate")
    tax_rate_type: Text = Field(alias="taxRateType")
    jurisdiction: Text | None = None
    country: Text | None = None
    state: Text | None = None
    location_code: Text | None = Field(default=None, alias="locationCode")
    description: Text | None = None
    effective_start_date: ZDate | None = Field(default=None, alias="effectiveStartDate")
    effective_end_date: ZDate | None = Field(default=None, alias="effectiveEndDate")

    def to_input(self) -> TaxRateInput:
        return TaxRateInput(
            name=self.name,
            rate=self.tax_rate,
            rate_type=self.tax_rate_type,
            jurisdiction=self.jurisdiction,
            country=self.country,
            state=self.state,
            location_code=self.location_code,
            description=self.description,
            effective_start_date=self.effective_start_date,
            effective_end_date=self.effective_end_date,
        )


class CreateTaxCodeRequest(ZuoraModel):
    name: Text
    description: Text | None = None
    active: ZBool = True
    tax_rates: list[TaxRateRequest] = Field(default_factory=list, alias="taxRates")

    def to_input(self) -> TaxCodeInput:
        return TaxCodeInput(self.name, self.description, self.active, [r.to_input() for r in self.tax_rates])


class UpdateTaxCodeRequest(ZuoraModel):
    name: Text | None = None
    description: Text | None = None
    active: ZBool | None = None
    tax_rates: list[TaxRateRequest] | None = Field(default=None, alias="taxRates")

    def to_changes(self) -> TaxCodeChanges:
        return TaxCodeChanges(
            name=self.name,
            description=_clear(self, "description", self.description),
            active=self.active,
            rates=None if self.tax_rates is None else [r.to_input() for r in self.tax_rates],
        )


def tax_code_summary(row: Row[Any]) -> dict[str, Any]:
    """One entry of ``GET /settings/tax-codes``: ``taxEngine`` is always ``ZuoraTax`` here."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "active": row.active,
        "taxEngine": "ZuoraTax",
    }


def tax_code_answer(view: TaxCodeView) -> dict[str, Any]:
    """A Zuora Tax code with its rates (``taxRate`` is a fraction for Percentage: 7% is 0.07)."""
    return {**tax_code_summary(view.code), "taxRates": [_tax_rate(r) for r in view.rates]}


def _tax_rate(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "taxRate": row.rate.normalize(),
        "taxRateType": row.rate_type,
        "jurisdiction": row.jurisdiction,
        "country": row.country,
        "state": row.state,
        "locationCode": row.location_code,
        "description": row.description,
        "effectiveStartDate": iso_date(row.effective_start_date),
        "effectiveEndDate": iso_date(row.effective_end_date),
    }

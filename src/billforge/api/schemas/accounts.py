"""``CreateAccountRequest``, ``UpdateAccountRequest`` and the account detail answer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from billforge.api.jsonio import iso_timestamp
from billforge.api.schemas.contacts import ContactRequest, contact_info
from billforge.api.validation import ZBool, ZInt, ZStr, ZuoraModel
from billforge.services.accounts import AccountChanges, AccountInput, AccountView

NS_FIELDS = (
    "Class__NS",
    "CustomerType__NS",
    "Department__NS",
    "IntegrationId__NS",
    "IntegrationStatus__NS",
    "Location__NS",
    "Subsidiary__NS",
    "SyncDate__NS",
    "SynctoNetSuite__NS",
)


def _custom_fields(model: ZuoraModel) -> dict[str, Any]:
    """Tenant custom fields (``*__c``) and NetSuite fields (``*__NS``) are stored and returned."""
    return {k: v for k, v in (model.model_extra or {}).items() if k.endswith("__c") or k in NS_FIELDS}


class CreateAccountRequest(ZuoraModel):
    name: Annotated[ZStr, Field(max_length=255)]
    currency: Annotated[ZStr, Field(min_length=3, max_length=3)]
    bill_to_contact: ContactRequest = Field(alias="billToContact")
    sold_to_contact: ContactRequest | None = Field(default=None, alias="soldToContact")
    ship_to_contact: ContactRequest | None = Field(default=None, alias="shipToContact")
    sold_to_same_as_bill_to: ZBool = Field(default=False, alias="soldToSameAsBillTo")
    ship_to_same_as_bill_to: ZBool = Field(default=False, alias="shipToSameAsBillTo")
    account_number: Annotated[ZStr, Field(max_length=70)] | None = Field(default=None, alias="accountNumber")
    bill_cycle_day: ZInt | None = Field(default=None, alias="billCycleDay")
    payment_term: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="paymentTerm")
    auto_pay: ZBool = Field(default=False, alias="autoPay")
    invoice_template_id: ZStr | None = Field(default=None, alias="invoiceTemplateId")
    sequence_set_id: ZStr | None = Field(default=None, alias="sequenceSetId")
    batch: ZStr | None = None
    crm_id: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="crmId")
    notes: Annotated[ZStr, Field(max_length=65535)] | None = None
    parent_id: ZStr | None = Field(default=None, alias="parentId")
    sales_rep: Annotated[ZStr, Field(max_length=50)] | None = Field(default=None, alias="salesRep")
    communication_profile_id: ZStr | None = Field(default=None, alias="communicationProfileId")
    invoice_delivery_prefs_email: ZBool = Field(default=False, alias="invoiceDeliveryPrefsEmail")
    invoice_delivery_prefs_print: ZBool = Field(default=False, alias="invoiceDeliveryPrefsPrint")

    def to_input(self) -> AccountInput:
        return AccountInput(
            name=self.name,
            currency=self.currency,
            bill_to=self.bill_to_contact.to_input(),
            sold_to=self.sold_to_contact.to_input() if self.sold_to_contact else None,
            ship_to=self.ship_to_contact.to_input() if self.ship_to_contact else None,
            sold_to_same_as_bill_to=self.sold_to_same_as_bill_to,
            ship_to_same_as_bill_to=self.ship_to_same_as_bill_to,
            account_number=self.account_number,
            bill_cycle_day=self.bill_cycle_day,
            payment_term=self.payment_term,
            auto_pay=self.auto_pay,
            invoice_template_id=self.invoice_template_id,
            sequence_set_id=self.sequence_set_id,
            batch=self.batch,
            crm_id=self.crm_id,
            notes=self.notes,
            parent_id=self.parent_id,
            sales_rep=self.sales_rep,
            communication_profile_id=self.communication_profile_id,
            invoice_delivery_prefs_email=self.invoice_delivery_prefs_email,
            invoice_delivery_prefs_print=self.invoice_delivery_prefs_print,
            extra=_custom_fields(self),
        )


class UpdateAccountRequest(ZuoraModel):
    name: Annotated[ZStr, Field(max_length=255)] | None = None
    bill_cycle_day: ZInt | None = Field(default=None, alias="billCycleDay")
    payment_term: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="paymentTerm")
    auto_pay: ZBool | None = Field(default=None, alias="autoPay")
    invoice_template_id: ZStr | None = Field(default=None, alias="invoiceTemplateId")
    sequence_set_id: ZStr | None = Field(default=None, alias="sequenceSetId")
    batch: ZStr | None = None
    crm_id: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="crmId")
    notes: Annotated[ZStr, Field(max_length=65535)] | None = None
    parent_id: ZStr | None = Field(default=None, alias="parentId")
    sales_rep: Annotated[ZStr, Field(max_length=50)] | None = Field(default=None, alias="salesRep")
    communication_profile_id: ZStr | None = Field(default=None, alias="communicationProfileId")
    invoice_delivery_prefs_email: ZBool | None = Field(default=None, alias="invoiceDeliveryPrefsEmail")
    invoice_delivery_prefs_print: ZBool | None = Field(default=None, alias="invoiceDeliveryPrefsPrint")
    bill_to_contact: ContactRequest | None = Field(default=None, alias="billToContact")
    sold_to_contact: ContactRequest | None = Field(default=None, alias="soldToContact")
    ship_to_contact: ContactRequest | None = Field(default=None, alias="shipToContact")

    def to_changes(self) -> AccountChanges:
        return AccountChanges(
            name=self.name,
            bill_cycle_day=self.bill_cycle_day,
            payment_term=self.payment_term,
            auto_pay=self.auto_pay,
            invoice_template_id=self.invoice_template_id,
            sequence_set_id=self.sequence_set_id,
            batch=self.batch,
            crm_id=self.crm_id,
            notes=self.notes,
            parent_id=self.parent_id,
            sales_rep=self.sales_rep,
            communication_profile_id=self.communication_profile_id,
            invoice_delivery_prefs_email=self.invoice_delivery_prefs_email,
            invoice_delivery_prefs_print=self.invoice_delivery_prefs_print,
            bill_to=self.bill_to_contact.to_input() if self.bill_to_contact else None,
            sold_to=self.sold_to_contact.to_input() if self.sold_to_contact else None,
            ship_to=self.ship_to_contact.to_input() if self.ship_to_contact else None,
            extra=_custom_fields(self),
        )


def account_detail(view: AccountView) -> dict[str, Any]:
    """``AccountDetailResponse`` (without the common fields)."""
    a = view.account
    custom = a.extra or {}
    return {
        "basicInfo": {
            "id": a.id,
            "name": a.name,
            "accountNumber": a.account_number,
            "status": a.status,
            "batch": a.batch,
            "crmId": a.crm_id,
            "notes": a.notes,
            "parentId": a.parent_id,
            "salesRep": a.sales_rep,
            "invoiceTemplateId": a.invoice_template_id,
            "sequenceSetId": a.sequence_set_id,
            "communicationProfileId": a.communication_profile_id,
            "lastMetricsUpdate": iso_timestamp(a.updated_at),
            **custom,
        },
        "billingAndPayment": {
            "billCycleDay": a.bill_cycle_day,
            "currency": a.currency,
            "paymentTerm": a.payment_term,
            "autoPay": a.auto_pay,
            "invoiceDeliveryPrefsEmail": a.invoice_delivery_prefs_email,
            "invoiceDeliveryPrefsPrint": a.invoice_delivery_prefs_print,
            "paymentGateway": None,
            "additionalEmailAddresses": [],
            "bcdSettingOption": "ManualSet",
        },
        "metrics": {
            "balance": view.balance,
            "totalInvoiceBalance": view.balance,
            "creditBalance": 0,
            "contractedMrr": 0,
            "currency": a.currency,
        },
        "billToContact": contact_info(view.bill_to),
        "soldToContact": contact_info(view.sold_to),
        "shipToContact": contact_info(view.ship_to),
    }

"""The Account and Contact zObjects (PascalCase, the WSDL names), as ``/v1/action/create|update`` and
SOAP read them, turned into the accounts service's inputs.

Two ways to create an account:

- Zuora's (its WSDLs' ``Account`` has no contact fields): ``create`` the Account with ``Status``
  ``Draft``, ``create`` its Contacts with ``AccountId``, then ``update`` the Account with
  ``BillToId``, ``SoldToId`` and ``Status`` ``Active``;
- billforge's own WSDL's shortcut: ``create`` the Account with ``BillToContact`` (and optionally
  ``SoldToContact``), Active at once (``Status`` omitted or ``Active``).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from billforge.errors import BillforgeError, ErrorList, InvalidValue, MissingValue
from billforge.objects.fields import ZBool, ZInt, ZStr
from billforge.objects.model import ObjectModel
from billforge.services import accounts
from billforge.services.actions import ContactChanges, ContactCreate
from billforge.zoql.objects import ACCOUNT, CONTACT, is_custom


class ContactObject(ObjectModel):
    """A ``Contact`` zObject (also ``BillToContact`` / ``SoldToContact`` inside an Account)."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(CONTACT.field_names) - {"Id"}

    account_id: ZStr | None = None
    first_name: Annotated[ZStr, Field(max_length=100)] | None = None
    last_name: Annotated[ZStr, Field(max_length=100)] | None = None
    nickname: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="NickName")
    address1: Annotated[ZStr, Field(max_length=255)] | None = None
    address2: Annotated[ZStr, Field(max_length=255)] | None = None
    city: Annotated[ZStr, Field(max_length=100)] | None = None
    county: Annotated[ZStr, Field(max_length=100)] | None = None
    state: Annotated[ZStr, Field(max_length=100)] | None = None
    postal_code: Annotated[ZStr, Field(max_length=20)] | None = None
    country: Annotated[ZStr, Field(max_length=64)] | None = None
    tax_region: Annotated[ZStr, Field(max_length=32)] | None = None
    work_email: Annotated[ZStr, Field(max_length=80)] | None = None
    personal_email: Annotated[ZStr, Field(max_length=80)] | None = None
    work_phone: Annotated[ZStr, Field(max_length=40)] | None = None
    home_phone: Annotated[ZStr, Field(max_length=40)] | None = None
    mobile_phone: Annotated[ZStr, Field(max_length=40)] | None = None
    fax: Annotated[ZStr, Field(max_length=40)] | None = None
    other_phone: Annotated[ZStr, Field(max_length=40)] | None = None
    other_phone_type: Annotated[ZStr, Field(max_length=20)] | None = None
    description: Annotated[ZStr, Field(max_length=100)] | None = None

    def _values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set if name in accounts.CONTACT_COLUMNS}

    def to_contact(self, where: str = "") -> accounts.ContactInput:
        missing: list[BillforgeError] = [
            MissingValue(f"'{where}{label}' is required", field=f"{where}{label}", obj="contact")
            for name, label in (("first_name", "FirstName"), ("last_name", "LastName"))
            if not (getattr(self, name) or "").strip()
        ]
        if missing:
            raise missing[0] if len(missing) == 1 else _all(missing)
        return accounts.ContactInput(**self._values(), extra=self.kept_custom())

    def to_create(self) -> ContactCreate:
        if not self.account_id:
            raise MissingValue("'AccountId' is required: the account the contact belongs to", field="AccountId")
        return ContactCreate(self.account_id, self.to_contact())

    def to_changes(self) -> ContactChanges:
        if "account_id" in self.model_fields_set:
            raise InvalidValue("'AccountId' of a contact cannot be changed", field="AccountId", obj="contact")
        return ContactChanges(self._values(), self.kept_custom())

    def kept_custom(self) -> dict[str, Any]:
        return {name: value for name, value in (self.model_extra or {}).items() if is_custom(name)}


class AccountObject(ObjectModel):
    """An ``Account`` zObject: created Draft without contacts, or Active with ``BillToContact`` (see
    the module's docstring); an update may set ``BillToId``, ``SoldToId`` (contacts of the account)
    and ``Status``."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(ACCOUNT.field_names) - {"Id"}
    #: Fields of the Account that this call cannot change once the account exists.
    FIXED: ClassVar[frozenset[str]] = frozenset({"AccountNumber", "Currency"})
    #: Fields that name contacts, which only exist once the account does: set by an update.
    CONTACT_IDS: ClassVar[tuple[str, ...]] = ("BillToId", "SoldToId")

    account_number: Annotated[ZStr, Field(max_length=70)] | None = None
    name: Annotated[ZStr, Field(max_length=255)] | None = None
    currency: ZStr | None = None
    bill_cycle_day: ZInt | None = None
    payment_term: ZStr | None = None
    auto_pay: ZBool | None = None
    batch: ZStr | None = None
    crm_id: Annotated[ZStr, Field(max_length=100)] | None = None
    notes: Annotated[ZStr, Field(max_length=65535)] | None = None
    parent_id: ZStr | None = None
    sales_rep_name: Annotated[ZStr, Field(max_length=50)] | None = None
    invoice_template_id: ZStr | None = None
    sequence_set_id: ZStr | None = None
    communication_profile_id: ZStr | None = None
    invoice_delivery_prefs_email: ZBool | None = None
    invoice_delivery_prefs_print: ZBool | None = None
    status: ZStr | None = None
    bill_to_id: ZStr | None = None
    sold_to_id: ZStr | None = None
    bill_to_contact: ContactObject | None = None
    sold_to_contact: ContactObject | None = None

    _COMMON: ClassVar[tuple[str, ...]] = (
        "bill_cycle_day",
        "payment_term",
        "auto_pay",
        "invoice_template_id",
        "sequence_set_id",
        "batch",
        "crm_id",
        "notes",
        "parent_id",
        "communication_profile_id",
        "invoice_delivery_prefs_email",
        "invoice_delivery_prefs_print",
    )

    def _sent(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self._COMMON if name in self.model_fields_set}
        if "sales_rep_name" in self.model_fields_set:
            values["sales_rep"] = self.sales_rep_name
        return values

    def _custom(self) -> dict[str, Any]:
        return {name: value for name, value in (self.model_extra or {}).items() if is_custom(name)}

    def _status(self) -> str | None:
        """``Status`` as the service spells it (Zuora's values, read in any case), or None if not sent."""
        if self.status is None:
            return None
        known = {status.lower(): status for status in accounts.ACCOUNT_STATUSES}
        found = known.get(self.status.strip().lower())
        if found is None:
            raise InvalidValue(
                f"'Status' {self.status!r} is not an account status (statuses: {', '.join(accounts.ACCOUNT_STATUSES)})",
                field="Status",
                obj="account",
            )
        return found

    def _create_status_problems(self, status: str | None) -> list[BillforgeError]:
        """A new account is Draft (contacts optional) or Active (omitted ``Status`` too), which needs
        its ``BillToContact``; never Canceled."""
        if status == accounts.CANCELED:
            return [
                InvalidValue(
                    "'Status' Canceled cannot be given to a new account: create it Draft (its contacts may follow) "
                    "or Active (with its 'BillToContact')",
                    field="Status",
                    obj="account",
                )
            ]
        if status != accounts.DRAFT and self.bill_to_contact is None:
            return [
                MissingValue(
                    "'BillToContact' is required to create an Active account. Without contacts, create the account "
                    "with 'Status' Draft, create its Contacts with the account's id as 'AccountId', then update the "
                    "Account's 'BillToId', 'SoldToId' and 'Status' (Active)",
                    field="BillToContact",
                    obj="account",
                )
            ]
        return []

    def to_input(self) -> accounts.AccountInput:
        problems: list[BillforgeError] = [
            MissingValue(f"'{label}' is required", field=label, obj="account")
            for name, label in (("name", "Name"), ("currency", "Currency"))
            if not getattr(self, name)
        ]
        status: str | None = None
        try:
            status = self._status()
        except BillforgeError as error:
            problems.append(error)
        else:
            problems += self._create_status_problems(status)
        problems += [
            InvalidValue(
                f"'{name}' cannot be set when an account is created: it names a contact of the account, which "
                "does not exist yet. Create the Account with 'Status' Draft, then its Contact with the account's "
                f"id as 'AccountId', then update the Account's '{name}' (and 'Status' to Active)",
                field=name,
                obj="account",
            )
            for name, value in zip(self.CONTACT_IDS, (self.bill_to_id, self.sold_to_id), strict=True)
            if value is not None
        ]
        contacts: dict[str, accounts.ContactInput] = {}
        for role, contact in (("bill_to", self.bill_to_contact), ("sold_to", self.sold_to_contact)):
            if contact is None:
                continue
            label = "BillToContact." if role == "bill_to" else "SoldToContact."
            try:
                contacts[role] = contact.to_contact(label)
            except BillforgeError as error:
                problems.append(error)
        if problems:
            raise _all(problems)
        assert self.name is not None and self.currency is not None  # noqa: S101 - checked above
        return accounts.AccountInput(
            name=self.name,
            currency=self.currency,
            bill_to=contacts.get("bill_to"),
            status=status or accounts.ACTIVE,
            sold_to=contacts.get("sold_to"),
            account_number=self.account_number,
            extra=self._custom(),
            **self._sent(),
        )

    def to_changes(self) -> accounts.AccountChanges:
        sent = {info.alias or name for name, info in type(self).model_fields.items() if name in self.model_fields_set}
        fixed = sorted((sent | set(self.model_extra or {})) & self.FIXED)
        if fixed:
            raise _all(
                [
                    InvalidValue(f"'{name}' of an existing account cannot be updated here", field=name, obj="account")
                    for name in fixed
                ]
            )
        changes = accounts.AccountChanges(
            extra=self._custom(),
            bill_to_contact_id=self.bill_to_id,
            sold_to_contact_id=self.sold_to_id,
            status=self._status(),
            **self._sent(),
        )
        if "name" in self.model_fields_set:
            changes.name = self.name
        for role, contact in (("bill_to", self.bill_to_contact), ("sold_to", self.sold_to_contact)):
            if contact is not None:
                label = "BillToContact." if role == "bill_to" else "SoldToContact."
                setattr(changes, role, contact.to_contact(label))
        return changes


def _all(problems: list[BillforgeError]) -> BillforgeError:
    return problems[0] if len(problems) == 1 else ErrorList(problems)

"""``/v1/action/*`` on the wire: the request envelopes and each zObject type's fields (PascalCase,
the WSDL names), turned into the owning service's inputs.

:func:`parse_create` and :func:`parse_update` take one zObject as a dict of field name to value (as
JSON or a SOAP body gives it: strings, numbers, booleans, nested dicts) and answer the service input
or the error that belongs to that object alone, so the SOAP door can use them too.
:func:`unrecognised` lists the fields a type does not know (for ``rejectUnknownFields=true``).
Catalog and usage objects reuse the Object API's models (``schemas.catalog``, ``schemas.usage``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Final

from pydantic import BaseModel, Field

from billforge.api.object_api import ObjectModel, unrecognised_fields
from billforge.api.schemas import catalog as catalog_schemas
from billforge.api.schemas import usage as usage_schemas
from billforge.api.validation import ZBool, ZInt, ZStr, ZuoraModel, validate
from billforge.errors import BillforgeError, ErrorList, InvalidValue, MissingValue
from billforge.services import accounts
from billforge.services.actions import ContactChanges, ContactCreate, ObjectUpdate, Operation
from billforge.services.invoice_objects import InvoiceUpdate
from billforge.services.queries import QueryResult
from billforge.zoql.objects import ACCOUNT, CONTACT, INVOICE, is_custom

FIELDS_TO_NULL: Final = "fieldsToNull"

# --- envelopes ------------------------------------------------------------------------------------


class QueryConf(ZuoraModel):
    """``conf`` of query and queryMore (``QueryOptions`` in SOAP)."""

    batch_size: ZInt | None = Field(default=None, alias="batchSize")
    case_sensitive: ZBool | None = Field(default=None, alias="caseSensitive")


class QueryRequest(ZuoraModel):
    """``ProxyActionqueryRequest``."""

    query_string: Annotated[ZStr, Field(min_length=1)] = Field(alias="queryString")
    conf: QueryConf | None = None


class QueryMoreRequest(ZuoraModel):
    """``ProxyActionqueryMoreRequest``."""

    query_locator: Annotated[ZStr, Field(min_length=1)] = Field(alias="queryLocator")
    conf: QueryConf | None = None


class CreateRequest(ZuoraModel):
    """``ProxyActioncreateRequest``: zObjects of one ``type``."""

    objects: list[dict[str, Any]]
    type: ZStr


class UpdateRequest(ZuoraModel):
    """``ProxyActionupdateRequest``: zObjects of one ``type``, each with its ``Id``."""

    objects: list[dict[str, Any]]
    type: ZStr


class DeleteRequest(ZuoraModel):
    """``ProxyActiondeleteRequest``."""

    ids: list[ZStr]
    type: ZStr


ENVELOPE_FIELDS: Final = {
    "query": frozenset({"queryString", "conf"}),
    "queryMore": frozenset({"queryLocator", "conf"}),
    "create": frozenset({"objects", "type"}),
    "update": frozenset({"objects", "type"}),
    "delete": frozenset({"ids", "type"}),
}
CONF_FIELDS: Final = frozenset({"batchSize", "caseSensitive"})


# --- zObjects billforge models here ---------------------------------------------------------------


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
    """An ``Account`` zObject. billforge creates an account with its bill-to contact, so a create
    carries ``BillToContact`` (and optionally ``SoldToContact``), as the Object API's account does."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(ACCOUNT.field_names) - {"Id"}
    #: Fields of the Account that this call cannot change once the account exists.
    FIXED: ClassVar[frozenset[str]] = frozenset({"AccountNumber", "Currency", "Status", "BillToId", "SoldToId"})

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

    def to_input(self) -> accounts.AccountInput:
        problems: list[BillforgeError] = [
            MissingValue(f"'{label}' is required", field=label, obj="account")
            for name, label in (("name", "Name"), ("currency", "Currency"))
            if not getattr(self, name)
        ]
        if self.bill_to_contact is None:
            problems.append(
                MissingValue(
                    "'BillToContact' is required: billforge creates an account together with its bill-to contact "
                    "(accounts without contacts, in Draft, are not supported)",
                    field="BillToContact",
                    obj="account",
                )
            )
        if self.status is not None and self.status != "Active":
            problems.append(
                InvalidValue(
                    f"'Status' {self.status!r} cannot be set: an account is created Active with its contacts",
                    field="Status",
                    obj="account",
                )
            )
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
            bill_to=contacts["bill_to"],
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
        changes = accounts.AccountChanges(extra=self._custom(), **self._sent())
        if "name" in self.model_fields_set:
            changes.name = self.name
        for role, contact in (("bill_to", self.bill_to_contact), ("sold_to", self.sold_to_contact)):
            if contact is not None:
                label = "BillToContact." if role == "bill_to" else "SoldToContact."
                setattr(changes, role, contact.to_contact(label))
        return changes


class InvoiceObject(ObjectModel):
    """An ``Invoice`` zObject of an update (``/v1/object/invoice/{id}`` PUT, ``/v1/action/update``).
    Every Invoice field is recognised; which ones may change is the service's rule."""

    PASSTHROUGH: ClassVar[frozenset[str]] = frozenset(INVOICE.field_names)

    status: ZStr | None = None
    auto_pay: ZBool | None = None
    transferred_to_accounting: ZStr | None = None
    regenerate_invoice_pdf: ZBool | None = Field(default=None, alias="RegenerateInvoicePDF")

    def to_update(self, fields_to_null: tuple[str, ...] = ()) -> InvoiceUpdate:
        declared = {
            info.alias or name for name, info in type(self).model_fields.items() if name in self.model_fields_set
        }
        others = {name for name in (self.model_extra or {}) if name in INVOICE.field_names and name != "Id"}
        return InvoiceUpdate(
            sent=frozenset(declared | others),
            status=self.status,
            auto_pay=self.auto_pay,
            transferred_to_accounting=self.transferred_to_accounting,
            regenerate_invoice_pdf=self.regenerate_invoice_pdf,
            custom={name: value for name, value in (self.model_extra or {}).items() if is_custom(name)},
            fields_to_null=fields_to_null,
        )


def _all(problems: list[BillforgeError]) -> BillforgeError:
    return problems[0] if len(problems) == 1 else ErrorList(problems)


# --- per type ---------------------------------------------------------------------------------------


def _create_parsers() -> dict[str, tuple[type[BaseModel], Callable[[Any], Any]]]:
    return {
        "Account": (AccountObject, lambda m: m.to_input()),
        "Contact": (ContactObject, lambda m: m.to_create()),
        "Product": (catalog_schemas.CreateProductRequest, lambda m: m.to_input()),
        "ProductRatePlan": (catalog_schemas.CreateRatePlanRequest, lambda m: m.to_input()),
        "ProductRatePlanCharge": (catalog_schemas.CreateChargeRequest, lambda m: m.to_input()),
        "Usage": (usage_schemas.CreateUsageRequest, lambda m: m.to_input()),
    }


def _update_parsers() -> dict[str, tuple[type[BaseModel], Callable[[Any], Any]]]:
    return {
        "Account": (AccountObject, lambda m: m.to_changes()),
        "Contact": (ContactObject, lambda m: m.to_changes()),
        "Product": (catalog_schemas.ProductRequest, lambda m: m.to_changes()),
        "ProductRatePlan": (catalog_schemas.RatePlanRequest, lambda m: m.to_changes()),
        "ProductRatePlanCharge": (catalog_schemas.ChargeRequest, lambda m: m.to_changes()),
        "ProductRatePlanChargeTier": (catalog_schemas.UpdateTierRequest, lambda m: m.to_changes()),
        "Usage": (usage_schemas.UpdateUsageRequest, lambda m: m.to_changes()),
    }


CREATE_MODELS: Final = _create_parsers()
UPDATE_MODELS: Final = _update_parsers()
#: Update types whose changes can carry a null (``fieldsToNull`` becomes the field sent as null).
_NULLABLE_UPDATES: Final = frozenset({"Product", "ProductRatePlan", "ProductRatePlanCharge", "Contact"})
_OBJECT_CODES: Final = {
    "Account": "account",
    "Contact": "contact",
    "Invoice": "invoice",
    "Product": "product",
    "ProductRatePlan": "productRatePlan",
    "ProductRatePlanCharge": "productRatePlanCharge",
    "ProductRatePlanChargeTier": "productRatePlanChargeTier",
    "Usage": "usage",
}


def _model(type_name: str, operation: Operation) -> type[BaseModel]:
    if type_name == "Invoice":
        return InvoiceObject
    models = CREATE_MODELS if operation is Operation.CREATE else UPDATE_MODELS
    return models[type_name][0]


def unrecognised(type_name: str, operation: Operation, raw: Any) -> list[str]:
    """The fields of one zObject that ``type_name`` does not know (custom ``__c`` fields are known)."""
    if not isinstance(raw, dict):
        return []
    data = {k: v for k, v in raw.items() if k not in ("Id", FIELDS_TO_NULL)}
    return unrecognised_fields(_model(type_name, operation), data)


def parse_create(type_name: str, raw: Any, index: int) -> Any:
    """One zObject to create as the owning service's input, or its error (named ``objects[i]``)."""
    where = f"objects[{index}]"
    if not isinstance(raw, dict):
        return InvalidValue(f"'{where}' must be a {type_name} object", field=where)
    model, convert = CREATE_MODELS[type_name]
    try:
        return convert(validate(model, raw, obj=_OBJECT_CODES.get(type_name)))
    except BillforgeError as error:
        return error


def parse_update(type_name: str, raw: Any, index: int) -> ObjectUpdate | BillforgeError:
    """One zObject to update: its ``Id`` and changes, or (once the ``Id`` is known) its ``Id`` and
    the error its changes gave; an error alone when it has no ``Id``."""
    where = f"objects[{index}]"
    if not isinstance(raw, dict):
        return InvalidValue(f"'{where}' must be a {type_name} object", field=where)
    object_id = raw.get("Id")
    if not isinstance(object_id, str) or not object_id.strip():
        return MissingValue(f"'Id' is required: the id of the {type_name} to update", field="Id")
    data = {k: v for k, v in raw.items() if k not in ("Id", FIELDS_TO_NULL)}
    try:
        nulls = _fields_to_null(type_name, raw.get(FIELDS_TO_NULL))
        obj = _OBJECT_CODES.get(type_name)
        if type_name == "Invoice":
            return ObjectUpdate(object_id, validate(InvoiceObject, data, obj=obj).to_update(nulls))
        if nulls:
            data.update(dict.fromkeys(nulls))
        model, convert = UPDATE_MODELS[type_name]
        return ObjectUpdate(object_id, convert(validate(model, data, obj=obj)))
    except BillforgeError as error:
        return ObjectUpdate(object_id, error)


def _fields_to_null(type_name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidValue(f"'{FIELDS_TO_NULL}' must be a list of field names", field=FIELDS_TO_NULL)
    if value and type_name != "Invoice" and type_name not in _NULLABLE_UPDATES:
        raise InvalidValue(
            f"'{FIELDS_TO_NULL}' is not supported for {type_name} objects: send the fields to change",
            field=FIELDS_TO_NULL,
        )
    known = _known_names(type_name)
    unknown = [name for name in value if name not in known and not is_custom(name)]
    if unknown:
        raise InvalidValue(
            f"'{FIELDS_TO_NULL}' names fields that {type_name} does not have: {', '.join(unknown)}",
            field=FIELDS_TO_NULL,
        )
    return tuple(value)


def _known_names(type_name: str) -> frozenset[str]:
    if type_name == "Invoice":
        return frozenset(INVOICE.field_names)
    model = UPDATE_MODELS[type_name][0]
    return frozenset(info.alias or name for name, info in model.model_fields.items())


def save_result(result: Any) -> dict[str, Any]:
    """A ``SaveResult`` as JSON: ``{"Success", "Id"}`` or ``{"Success": false, "Errors": [...]}``."""
    body: dict[str, Any] = {"Success": result.success}
    if result.id is not None:
        body["Id"] = result.id
    if not result.success:
        body["Errors"] = [{"Code": e.code.value, "Message": e.message} for e in result.errors]
    return body


def delete_result(result: Any) -> dict[str, Any]:
    """A ``DeleteResult`` as JSON: lower-case keys, the errors' ``Code``/``Message`` as in SaveResult."""
    body: dict[str, Any] = {"id": result.id, "success": result.success}
    if not result.success:
        body["errors"] = [{"Code": e.code.value, "Message": e.message} for e in result.errors]
    return body


def wire_value(value: Any) -> Any:
    """A record's value as JSON gives it: dates ``YYYY-MM-DD``, timestamps ISO 8601 with the
    tenant's offset (seconds), decimals as numbers (``jsonio``), the rest as is."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def query_body(result: QueryResult) -> dict[str, Any]:
    """``ProxyActionqueryResponse``: ``queryLocator`` only while there is more to read."""
    body: dict[str, Any] = {
        "records": [{name: wire_value(value) for name, value in record.items()} for record in result.records],
        "size": result.size,
        "done": result.done,
    }
    if result.query_locator is not None:
        body["queryLocator"] = result.query_locator
    return body

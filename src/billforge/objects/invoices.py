"""The Invoice zObject of an update (``/v1/object/invoice/{id}`` PUT, ``/v1/action/update``, SOAP
update), turned into the invoice objects service's ``InvoiceUpdate``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from billforge.objects.fields import ZBool, ZStr
from billforge.objects.model import ObjectModel
from billforge.services.invoice_objects import InvoiceUpdate
from billforge.zoql.objects import INVOICE, is_custom


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

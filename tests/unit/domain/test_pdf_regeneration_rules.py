"""``RegenerateInvoicePDF``: one rule for every door (object API, ``/v1/action/update``, SOAP)."""

from __future__ import annotations

import pytest

from billforge.domain.invoices import MAX_PDF_REGENERATIONS, check_pdf_regeneration, check_pdf_regeneration_alone
from billforge.errors import RuleRestriction


def test_at_most_100_regenerations_of_one_invoice() -> None:
    for status in ("Draft", "Posted"):
        check_pdf_regeneration(status, "INV00000007", MAX_PDF_REGENERATIONS - 1)  # the 100th is allowed
    with pytest.raises(RuleRestriction) as refused:
        check_pdf_regeneration("Posted", "INV00000007", 100)
    assert (refused.value.field, refused.value.message) == (
        "RegenerateInvoicePDF",
        "invoice INV00000007: its PDF has been regenerated 100 times, the most allowed for one invoice is 100",
    )


def test_a_canceled_invoice_is_not_regenerated() -> None:
    with pytest.raises(RuleRestriction) as refused:
        check_pdf_regeneration("Canceled", "INV00000007", 0)
    assert refused.value.message == "invoice INV00000007 is Canceled: its PDF cannot be regenerated"


def test_regeneration_must_be_alone() -> None:
    check_pdf_regeneration_alone(["Id", "RegenerateInvoicePDF"])
    check_pdf_regeneration_alone(["regenerateinvoicepdf", "id"])  # as a client may spell them
    with pytest.raises(RuleRestriction) as refused:
        check_pdf_regeneration_alone(["Id", "RegenerateInvoicePDF", "Region__c", "AutoPay", "Region__c"])
    assert (refused.value.field, refused.value.message) == (
        "RegenerateInvoicePDF",
        "When field RegenerateInvoicePDF is set to true to regenerate the invoice PDF file, changes on other "
        "fields of the invoice are not allowed (also sent: AutoPay, Region__c)",
    )

"""Invoice rendering: an invoice document (``model``), a Jinja2 template run in a sandbox
(``templates``) that writes invoice markup (``markup``), laid out as a PDF by reportlab
(``render``), with amounts and dates in the tenant's locale (``formatting``).

Pure: nothing here reads the database or the clock (but for the monotonic clock that bounds a
layout's time: ``render.CHECK_SECONDS``, ``render.RENDER_SECONDS``); ``services.documents`` loads the invoice,
chooses its template and stores the PDF.
"""

from __future__ import annotations

from billforge.pdf import samples
from billforge.pdf.model import InvoiceDocument
from billforge.pdf.overflow import LayoutFailure
from billforge.pdf.render import CHECK_SECONDS, RenderedPdf, layout, render_pdf
from billforge.pdf.templates import TemplateProblem, check_template

__all__ = ["InvoiceDocument", "RenderedPdf", "TemplateProblem", "render_pdf", "validate_template"]


def validate_template(body: str) -> None:
    """Refuse a template that would not make a PDF: ``TemplateProblem`` says why and on which line.

    The template is parsed, its names and fields are checked, and it renders the sample invoices
    through to PDFs (so that problems of its markup or layout show now, not on a customer's
    invoice). A block that does not fit on a page is refused with the template line it is written on.
    """
    documents = samples.samples()
    outputs = check_template(body, documents)
    for document, text in zip(documents, outputs, strict=True):
        try:
            layout(document, text, seconds=CHECK_SECONDS)
        except LayoutFailure as failure:
            raise TemplateProblem(failure.message, failure.line) from None
        except Exception as error:  # noqa: BLE001 - any layout failure is the template's problem
            raise TemplateProblem(f"the PDF could not be laid out: {error}") from None

"""Laying an invoice document out as a PDF: template -> markup -> platypus flowables -> pages.

Every page has a footer (the seller and invoice number, "Page N of M"); a draft has DRAFT across
every page (a canceled invoice, CANCELED). The page size follows the locale: US Letter where
people print on it, A4 elsewhere. Output is byte-for-byte the same for the same invoice
(reportlab's invariant mode: no creation time or random document id).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from billforge.pdf import markup, overflow, templates
from billforge.pdf.formatting import parse_locale, uses_letter_paper
from billforge.pdf.model import InvoiceDocument

logger = logging.getLogger(__name__)

MAX_PAGES: Final = 2000  # about 60,000 items in the default template
CHECK_SECONDS: Final = 5.0  # layout of one sample invoice when a template is uploaded
RENDER_SECONDS: Final = 60.0  # layout of an invoice with its uploaded template (else the default's)
SIDE_MARGIN: Final = 16 * mm
TOP_MARGIN: Final = 16 * mm
BOTTOM_MARGIN: Final = 20 * mm
FOOTER_COLOR: Final = colors.HexColor("#777777")
WATERMARK_COLOR: Final = colors.Color(0.55, 0.55, 0.55, alpha=0.22)


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    content: bytes
    pages: int
    fallback_error: str | None = None  # why the invoice's own template was not used, if it was not


Decorate = Callable[[Canvas, int, int], None]


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type information
    """Holds the finished pages back until the end, so that each can say "Page N of M"."""

    def __init__(self, *args: Any, decorate: Decorate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._decorate(self, self.getPageNumber(), total)
            Canvas.showPage(self)
        Canvas.save(self)


class _Document(SimpleDocTemplate):  # type: ignore[misc]  # reportlab has no type information
    """Lays the flowables out; one that cannot be is told as an ``overflow.LayoutFailure`` naming
    its template line (reportlab's own error is a dump of its objects)."""

    _last_line: int | None = None
    deadline: float | None = None  # time.monotonic() by which the layout must be done

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        current = flowables[0] if flowables else None
        if self.page > MAX_PAGES:
            raise overflow.LayoutFailure(f"the document runs past {MAX_PAGES} pages", self._last_line)
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise overflow.LayoutFailure(
                "laying the document out takes too long (very long paragraphs or tables?)", self._last_line
            )
        try:
            super().handle_flowable(flowables)
        except overflow.LayoutFailure:
            raise
        except Exception as error:  # noqa: BLE001 - whatever fails here fails on this flowable
            empty = getattr(self, "_emptyPages", 0) >= getattr(self, "_emptyPagesAllowed", 10)
            raise overflow.explain(current, self.frame, error, last_line=self._last_line, empty_pages=empty) from error
        self._last_line = overflow.template_line(current) or self._last_line


def _decorator(document: InvoiceDocument, pages: list[int]) -> Decorate:
    seller = document.seller.name
    label = f"Invoice {document.invoice.invoice_number}"
    watermark = document.watermark
    footer_left = " \u00b7 ".join(part for part in (watermark, seller, label) if part)

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        pages[:] = [total]
        width, _ = canvas._pagesize
        canvas.saveState()
        canvas.setStrokeColor(FOOTER_COLOR)
        canvas.setLineWidth(0.4)
        canvas.line(SIDE_MARGIN, BOTTOM_MARGIN - 6 * mm, width - SIDE_MARGIN, BOTTOM_MARGIN - 6 * mm)
        canvas.setFont(markup.FONT, 7.5)
        canvas.setFillColor(FOOTER_COLOR)
        canvas.drawString(SIDE_MARGIN, BOTTOM_MARGIN - 10 * mm, footer_left)
        canvas.drawRightString(width - SIDE_MARGIN, BOTTOM_MARGIN - 10 * mm, f"Page {page} of {total}")
        if watermark:
            _, height = canvas._pagesize
            canvas.setFont(markup.BOLD, 110)
            canvas.setFillColor(WATERMARK_COLOR)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(40)
            canvas.drawCentredString(0, -38, watermark)
        canvas.restoreState()

    return decorate


def layout(document: InvoiceDocument, text: str, *, seconds: float | None = None) -> RenderedPdf:
    """The PDF of ``document`` from the markup ``text`` a template wrote for it, laid out in at most
    ``seconds`` (reportlab re-wraps a long paragraph at every page break: markup can be slow)."""
    locale = parse_locale(document.locale)
    pagesize = LETTER if uses_letter_paper(locale) else A4
    frame_width = pagesize[0] - 2 * SIDE_MARGIN
    flowables: list[Flowable] = markup.Layout(frame_width).flowables(text) or [Spacer(1, 1)]
    buffer = io.BytesIO()
    pdf = _Document(
        buffer,
        pagesize=pagesize,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"Invoice {document.invoice.invoice_number}",
        author=document.seller.name or "",
        subject=f"Invoice {document.invoice.invoice_number} for {document.account.name}",
        creator="billforge",
        invariant=True,
    )
    if seconds is not None:
        pdf.deadline = time.monotonic() + seconds
    pages: list[int] = [0]
    decorate = _decorator(document, pages)

    def canvas_maker(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, decorate=decorate, **kwargs)

    pdf.build(flowables, canvasmaker=canvas_maker)
    return RenderedPdf(buffer.getvalue(), pages[0])


def render_pdf(document: InvoiceDocument, *, template: str | None = None) -> RenderedPdf:
    """The invoice's PDF, from ``template`` (a checked Jinja2 body) or the built-in default.

    A template was checked when it was uploaded; should it still fail on this invoice, the PDF
    is made with the default template and ``fallback_error`` says why.
    """
    if template is not None:
        try:
            return layout(document, templates.render_markup(template, document), seconds=RENDER_SECONDS)
        except Exception as error:  # noqa: BLE001 - never fail an invoice because of its template
            reason = templates.TemplateProblem(templates.describe_error(error), templates.template_line(error))
            logger.warning("invoice %s: its template failed (%s); using the default", document.invoice.id, reason)
            fallback = layout(document, templates.render_markup(templates.default_template_body(), document))
            return RenderedPdf(fallback.content, fallback.pages, str(reason))
    return layout(document, templates.render_markup(templates.default_template_body(), document))

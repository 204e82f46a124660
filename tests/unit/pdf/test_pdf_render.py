"""Rendering invoice documents to PDF: what a customer sees, read back with ``pdftotext``."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal

from PIL import Image as PILImage

from billforge.pdf import layout, render_pdf, samples
from billforge.pdf.markup import Layout, column_widths, parse
from tests.unit.pdf.pdftext import pdf_text


def pages_of(pdf: bytes) -> int:
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    return int(next(line.split()[1] for line in done.stdout.decode().splitlines() if line.startswith("Pages:")))


def test_a_posted_invoice_shows_everything_a_customer_needs() -> None:
    document = samples.posted_invoice(10)
    rendered = render_pdf(document)
    assert rendered.fallback_error is None and rendered.pages == pages_of(rendered.content) == 2
    text = pdf_text(rendered.content)
    invoice = document.invoice
    # Sample arithmetic: charge n costs (1 + n % 4) x (12.50 + 3.25 n); n = 1..10 gives
    # 31.50 + 57.00 + 89.00 + 25.50 + 57.50 + 96.00 + 141.00 + 38.50 + 83.50 + 135.00 = 754.50.
    assert invoice.subtotal == Decimal("754.50")
    # less the 10.00 discount: 744.50; state tax 744.50 x 0.06 = 44.67; county 744.50 x 0.0225 = 16.75125 -> 16.75
    assert (invoice.amount_without_tax, invoice.tax_amount, invoice.amount) == (
        Decimal("744.50"),
        Decimal("61.42"),
        Decimal("805.92"),
    )
    for expected in [
        "Northwind Billing Ltd",
        "Suite 400",
        "San Francisco, CA 94105",
        "Tax ID: US-12-3456789",
        "INV00001234",
        "Feb 1, 2024",  # invoice and target date
        "Mar 2, 2024",  # due date
        "Net 30",
        "A00000042",
        "Ada Lovelace",
        "Oakland, CA 94612",
        "Charles Babbage",
        "SW1A 1AA London",
        "Service 1",
        "Service 10",
        "Jan 1, 2024 – Jan 31, 2024",
        "2 Each",
        "$15.75",
        "$31.50",
        "Discount: Loyalty discount",
        "-$10.00",
        "$754.50",
        "$61.42",
        "$805.92",
        "-$100.00",
        "$705.92",  # balance: 805.92 - 100.00
        "CALIFORNIA",
        "6%",
        "$44.67",
        "ALAMEDA",
        "2.25%",
        "$16.75",
        "P-00000007",
        "Feb 10, 2024",
        "Thank you for your business.",
        "Page 1 of 2",
    ]:
        assert expected in text, expected
    assert "DRAFT" not in text


def test_each_value_sits_on_the_row_of_its_label() -> None:
    """Not only somewhere on the page: each date, item, total, tax and payment on its own labelled row."""
    document = samples.posted_invoice(3)
    document = replace(document, invoice=replace(document.invoice, target_date=date(2024, 1, 28)))
    text = pdf_text(render_pdf(document).content)
    # Charge n costs (1 + n % 4) x (12.50 + 3.25 n): 2 x 15.75 = 31.50, 3 x 19.00 = 57.00, 4 x 22.25 = 89.00;
    # subtotal 177.50; less the 10.00 discount 167.50; state tax 167.50 x 0.06 = 10.05, county tax
    # 167.50 x 0.0225 = 3.76875 -> 3.77; tax 13.82; total 167.50 + 13.82 = 181.32; paid 100.00, balance 81.32.
    rows = [
        r"Invoice number +INV00001234",
        r"Invoice date +Feb 1, 2024",
        r"Target date +Jan 28, 2024",
        r"Due date +Mar 2, 2024",
        r"Payment term +Net 30",
        r"Description +Service period +Qty +Unit price +Amount",
        r"Service 1 +Jan 1, 2024 – Jan 31, 2024 +2 Each +\$15\.75 +\$31\.50",
        r"Discount: Loyalty discount +-\$10\.00",
        r"Service 3 +Jan 1, 2024 – Jan 31, 2024 +4 Each +\$22\.25 +\$89\.00",
        r"Subtotal +\$177\.50",
        r"Discounts +-\$10\.00",
        r"Tax +\$13\.82",
        r"Total +\$181\.32",
        r"Payments +-\$100\.00",
        r"Balance due +\$81\.32",
        r"Jurisdiction +Tax +Rate +Tax amount",
        r"CALIFORNIA +CA State Tax \(SALES\) +6% +\$10\.05",
        r"ALAMEDA +Alameda County Tax \(SALES\) +2\.25% +\$3\.77",
        r"P-00000007 +Feb 10, 2024 +\$100\.00",
    ]
    for row in rows:
        assert re.search(row, text), row


def test_drafts_are_marked_and_locales_format_their_own_way() -> None:
    text = pdf_text(render_pdf(samples.bare_draft()).content)
    assert "DRAFT · Invoice INV00000001" in text
    assert "100,00 €" in text and "15.01.2024" in text
    canceled = samples.posted_invoice(1)
    canceled = replace(canceled, invoice=replace(canceled.invoice, status="Canceled"))
    assert "CANCELED" in pdf_text(render_pdf(canceled).content)


def test_300_items_run_over_pages_each_starting_with_the_table_header() -> None:
    rendered = render_pdf(samples.posted_invoice(300))
    pages = pages_of(rendered.content)
    assert rendered.pages == pages >= 8
    text = pdf_text(rendered.content)
    page_texts = [page for page in text.split("\f") if page.strip()]
    assert len(page_texts) == pages
    with_items = [page for page in page_texts if "Service " in page]
    assert len(with_items) >= 8
    for page in with_items:
        first_row = next(line for line in page.splitlines() if "Service" in line or "Description" in line)
        assert "Description" in first_row and "Amount" in first_row  # the header comes before any item
    for n in (1, 150, 300):
        assert f"Service {n}," in text  # each item's description line
    assert f"Page {pages} of {pages}" in text


def test_the_same_invoice_renders_to_the_same_bytes() -> None:
    document = samples.posted_invoice(3)
    assert render_pdf(document).content == render_pdf(document).content


def _png() -> str:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_the_markup_language() -> None:
    markup = f"""
    <h1>Title</h1><h2>Second</h2><h3>Third</h3>
    <p align="right" class="muted small">Right <b>bold</b> <i>italic</i> <u>under</u> <s>gone</s> x<sup>2</sup>
    <span color="#336699" size="12">blue</span> <font color="red">red</font> <span color="url(evil)">plain</span></p>
    <img src="data:image/png;base64,{_png()}" width="20mm">
    <img src="/etc/passwd"><img src="http://example.com/x.png">
    <table class="grid zebra" widths="2*,1*,30mm">
      <thead><tr><th colspan="2">Wide header</th><th>Third</th></tr></thead>
      <tr><td>a</td><td>b</td><td align="right">c</td></tr>
      <tr><td colspan="3"><p>block in a cell</p><table class="plain"><tr><td>nested</td></tr></table></td></tr>
    </table>
    <ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>
    <hr><marquee>unknown tags keep their text</marquee>
    <div class="page-break"></div>
    <p>second page &amp; &lt;escaped&gt;
    """
    pdf = layout(samples.bare_draft(), markup).content
    text = pdf_text(pdf)
    for expected in [
        "Title",
        "Second",
        "Right bold italic under gone x2",
        "blue red plain",
        "Wide header",
        "block in a cell",
        "nested",
        "• one",
        "1. first",
        "unknown tags keep their text",
        "second page & <escaped>",
    ]:
        assert expected in text, expected
    assert pages_of(pdf) == 2


def test_broken_markup_is_read_leniently() -> None:
    pdf = layout(samples.bare_draft(), "<table><tr><td>open cell<p>para <b>bold").content
    assert "open cell" in pdf_text(pdf) and "para bold" in pdf_text(pdf)
    assert layout(samples.bare_draft(), "").pages == 1
    assert parse("   ") is None


def test_column_widths() -> None:
    assert column_widths("50%,25%,25%", 3, 400) == [200, 100, 100]
    assert column_widths("2*,1*,100pt", 3, 400) == [200, 100, 100]
    assert column_widths(None, 4, 400) == [100, 100, 100, 100]
    assert column_widths("100pt", 3, 400) == [100, 150, 150]
    assert column_widths("300pt,300pt", 2, 400) == [200, 200]  # too wide: scaled down to fit
    assert column_widths("nonsense,1*", 2, 400) == [200, 200]


def test_flowables_fit_the_frame() -> None:
    flowables = Layout(300).flowables('<table widths="50%,50%"><tr><td>a</td><td>b</td></tr></table>')
    (table,) = flowables
    assert table._colWidths == [150, 150]

"""Invoice templates: refused at upload with the line of the problem, run in a sandbox that no
template escapes, bounded in the work it may do, and never failing an invoice at render time."""

from __future__ import annotations

import base64
import io
import time
from dataclasses import replace

import pytest
from PIL import Image as PILImage

from billforge.pdf import TemplateProblem, render_pdf, samples, validate_template
from billforge.pdf.model import InvoiceFields
from billforge.pdf.render import CHECK_SECONDS
from billforge.pdf.templates import check_template, default_template_body, field_names, render_markup
from billforge.services.tenant_defaults import DEFAULT_TEMPLATE_BODY
from tests.unit.pdf.pdftext import pdf_text


def problem(body: str) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        validate_template(body)
    return caught.value


def test_the_default_templates_are_accepted() -> None:
    validate_template(default_template_body())
    validate_template(DEFAULT_TEMPLATE_BODY)  # the body every entity is seeded with


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("<p>ok</p>\n<p>{{ invoice.amount|money }</p>", 2, "unexpected '}'"),
        ("<p>\n{% for item in items %}\n{{ item.charge_name }}\n", 3, "Unexpected end of template."),
        ("{% if invoice.is_draft %}\n<p>x</p>\n{% endfor %}", 3, "Encountered unknown tag 'endfor'."),
        ("<p>\n{{ invoice.amount|nonsense }}</p>", 2, "No filter named 'nonsense'."),
    ],
)
def test_syntax_errors_point_at_their_line(body: str, line: int, message: str) -> None:
    found = problem(body)
    assert found.line == line
    assert found.message.startswith(message)


def test_unknown_names_and_fields_are_refused_even_in_branches_no_sample_reaches() -> None:
    unknown = problem("<p>\n{% if invoice.amount > 1000000000 %}{{ customer }}{% endif %}</p>")
    assert (unknown.line, unknown.message.split(" (")[0]) == (2, "'customer' is not a field of invoice templates")
    typo = problem("<p>\n\n{% if false %}{{ invoice.totl }}{% endif %}</p>")
    assert typo.line == 3 and typo.message.startswith("'invoice' has no field 'totl' (its fields: ")
    looped = problem("{% for tax in taxes %}\n{{ tax.amount }}\n{% endfor %}")
    assert looped.line == 2 and looped.message.startswith("'tax' has no field 'amount'")
    nested = problem("{% for item in items %}{% for d in item.discounts %}\n{{ d.amout }}{% endfor %}{% endfor %}")
    assert nested.line == 2 and nested.message.startswith("'d' has no field 'amout'")


def test_every_documented_field_can_be_used() -> None:
    fields = sorted(field_names(InvoiceFields))
    body = "".join(f"<p>{{{{ invoice.{name} }}}}</p>\n" for name in fields)
    validate_template(body)
    assert {"invoice_number", "subtotal", "paid_amount", "is_draft", "balance", "number"} <= set(fields)


def test_runtime_errors_point_at_their_line() -> None:
    found = problem("<p>ok</p>\n<p>{{ invoice.amount / 0 }}</p>")
    assert (found.line, found.message) == (2, "division by zero")
    strict = problem("<p>\n\n{{ items[40].charge_name }}</p>")  # the samples have 12 items and 1
    assert strict.line == 3


def test_checked_markup_carries_the_line_of_each_tag() -> None:
    body = "<p>a</p>\n{% if true %}\n<p>b<br>{{ invoice.number }}</p>\n{% endif %}<table>\n<tr><td>c</td></tr></table>"
    (checked,) = check_template(body, [samples.bare_draft()])
    assert checked == (
        '<p data-template-line="1">a</p>\n<p data-template-line="3">b<br data-template-line="3">INV00000001</p>\n'
        '<table data-template-line="4">\n<tr data-template-line="5"><td data-template-line="5">c</td></tr></table>'
    )
    assert render_markup(body, samples.bare_draft()).startswith("<p>a</p>")  # invoices are rendered without them


def _tall_png() -> str:
    buffer = io.BytesIO()
    PILImage.new("RGB", (10, 100), (200, 30, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


# The first sample is en_US, on US Letter: 792 pt high, less margins of 16 mm (45.35 pt) and 20 mm
# (56.69 pt) and the frame's padding of 6 pt above and below = 677.95 pt of room. A cell's line of
# text is 11 pt, and a cell has 2.5 pt of padding above and below.
TALL_ROW = """<h1>{{ invoice.invoice_number }}</h1>
<table>
<thead><tr><th>Item</th></tr></thead>
{% for item in items %}
<tr><td>{{ item.charge_name }}</td></tr>
{% endfor %}
<tr>
<td>{% for i in range(100) %}Line {{ i }}<br>{% endfor %}</td>
</tr>
</table>
"""
TALL_HEADER = """<table>
<thead>
<tr><th>{% for i in range(70) %}Heading {{ i }}<br>{% endfor %}</th></tr>
</thead>
<tr><td>{{ invoice.number }}</td></tr>
</table>
"""
ROW_UNDER_HEADER = """{% macro tall(lines) %}{% for i in range(lines) %}{{ i }}<br>{% endfor %}{% endmacro %}
<table>
<thead><tr><th>{{ tall(40) }}</th></tr></thead>
{% for item in items %}<tr><td>{{ item.charge_name }}</td></tr>{% endfor %}
<tr><td>{{ tall(30) }}</td></tr>
</table>
"""


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        # 100 lines of 11 pt + 2 x 2.5 pt of padding = 1,105 pt; the row is the 13th, after 12 items
        # that start the table on the first page: it is refused on the second, at its own line.
        (
            TALL_ROW,
            7,
            "a table row is taller than a page (1,105 pt high; a page has room for 678 pt): split its content "
            "over several rows",
        ),
        # 70 x 11 + 5 = 775 pt of header, repeated on every page.
        (
            TALL_HEADER,
            3,
            "the table's header rows, repeated on every page, are taller than a page (775 pt high; a page has room "
            "for 678 pt)",
        ),
        # 30 x 11 + 5 = 335 pt of row under 40 x 11 + 5 = 445 pt of header: 780 pt.
        (
            ROW_UNDER_HEADER,
            5,
            "a table row does not fit on a page under the table's repeated header rows (335 pt and 445 pt of "
            "header; a page has room for 678 pt)",
        ),
        # 900 pt high (its width follows: 90 pt).
        (
            "<h1>Logo</h1>\n<p>{{ invoice.number }}</p>\n"
            f'<img src="data:image/png;base64,{_tall_png()}" height="900">',
            3,
            "an image is taller than a page (900 pt high; a page has room for 678 pt): give it a smaller width or "
            "height",
        ),
    ],
)
def test_blocks_that_do_not_fit_a_page_are_refused_at_their_line(body: str, line: int, message: str) -> None:
    found = problem(body)
    assert (found.line, found.message) == (line, message)
    assert str(found) == f"line {line}: {message}"


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ items.__class__.mro() }}",
    "{{ invoice.__class__.__init__.__globals__ }}",
    "{{ invoice|attr('__class__') }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ self.__dict__ }}",
    "{{ '{0.__class__}'.format(invoice) }}",
    "{{ ('%s' % invoice) }}",
    "{{ invoice.amount.__class__.__base__.__subclasses__() }}",
    "{{ range.__globals__ }}",
    "{{ items.append(1) }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os }}",
    "{% extends 'base.html' %}",
    "{% from 'macros' import x %}",
    "{{ config }}",
    "{{ request }}",
    "{{ namespace(a=1) }}",
    "{{ __builtins__ }}",
]


@pytest.mark.parametrize("body", ESCAPES)
def test_sandbox_escapes_are_refused(body: str) -> None:
    found = problem(body)
    assert found.line == 1
    assert found.message, body


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(100000000) %}{% endfor %}",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
        "{% set s = 'xxxxxxxxxx' %}" + "{% set s = s ~ s %}" * 30,
        "{% set s = 'xxxxxxxxxx' %}" + "{% set s = s + s %}" * 30,
        "{{ 'x'.ljust(100000000) }}",
        "{{ 'x'.center(100000000) }}",
        "{{ ('x' * 100000)|replace('x', 'yyyyyyyyyyyyyyyy') }}",
        "{{ 10 ** 100000000 }}",
        "{% for a in items %}{% for b in items %}{% for c in items %}{% for d in items %}{% endfor %}{% endfor %}"
        "{% endfor %}{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% for i in range(90000) %}{{ 'x' * 100 }}{% endfor %}",  # 9,000,000 characters of output
    ],
)
def test_work_is_bounded(body: str) -> None:
    found = problem(body)
    assert found.message.startswith(("not allowed: ", "loops may nest at most 3 deep", "a macro calls itself"))


def test_values_are_escaped_so_data_cannot_inject_markup() -> None:
    document = samples.posted_invoice(1)
    name = '<table><tr><td>x</td></tr></table><img src="/etc/passwd">'
    hostile = replace(document, account=replace(document.account, name=name))
    markup = render_markup("<h1>{{ account.name }}</h1>", hostile)
    assert markup == (
        "<h1>&lt;table&gt;&lt;tr&gt;&lt;td&gt;x&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"
        "&lt;img src=&#34;/etc/passwd&#34;&gt;</h1>"
    )


def test_a_template_that_fails_on_one_invoice_falls_back_to_the_default() -> None:
    body = "<p>{{ invoice.amount / (items|length - 3) }}</p>"
    validate_template(body)  # the samples have 12 items and 1: fine
    rendered = render_pdf(samples.posted_invoice(3), template=body)
    assert rendered.fallback_error == "line 1: division by zero"
    assert "Tax summary" in pdf_text(rendered.content)  # the default layout
    fine = render_pdf(samples.posted_invoice(4), template=body)
    assert fine.fallback_error is None
    assert "Tax summary" not in pdf_text(fine.content)


def test_a_layout_that_takes_too_long_is_refused_at_upload() -> None:
    # One paragraph of 40,000 words: reportlab re-wraps its rest at every page break, so its layout
    # grows with the square of its length. The check stops after CHECK_SECONDS (5 s) per sample.
    started = time.perf_counter()
    found = problem("<p>{% for i in range(40000) %}word{{ i }} {% endfor %}</p>")
    assert found.message == "laying the document out takes too long (very long paragraphs or tables?)"
    assert found.line == 1
    assert time.perf_counter() - started < 4 * CHECK_SECONDS

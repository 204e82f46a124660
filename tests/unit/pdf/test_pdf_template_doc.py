"""``docs/invoice-templates.md`` stays true: every name, field, filter and limit the renderer has
is in it, nothing it lists as a field is missing from the renderer, and its example is accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import StrictUndefined

from billforge.pdf import render_pdf, samples, templates, validate_template
from billforge.pdf.markup import MAX_IMAGE_BYTES
from billforge.services.templates import BODY_MAX
from tests.unit.pdf.pdftext import pdf_text

DOC = Path(__file__).resolve().parents[3] / "docs" / "invoice-templates.md"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def sections() -> dict[str, str]:
    """Each ``##`` and ``###`` section of the doc by its heading."""
    parts = re.split(r"^#{2,3} (.+)$", doc(), flags=re.MULTILINE)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def listed(section: str) -> set[str]:
    """The names in the first column of a section's table."""
    return set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, flags=re.MULTILINE))


def test_every_top_level_name_is_documented() -> None:
    exposed = {name for name in templates.context_of(samples.bare_draft()) if not name.startswith("_")}
    assert exposed == set(templates.OBJECTS) | set(templates.COLLECTIONS) | templates.SCALARS
    assert listed(sections()["Top-level names"]) == exposed


@pytest.mark.parametrize("name", sorted({**templates.OBJECTS, **templates.COLLECTIONS}))
def test_every_field_is_documented_with_a_type_and_an_example(name: str) -> None:
    kind = {**templates.OBJECTS, **templates.COLLECTIONS}[name]
    (section,) = [body for heading, body in sections().items() if f"`{name}`" in heading]
    assert listed(section) == templates.field_names(kind)
    for row in re.findall(r"^\| `[a-z_0-9]+` \|.*$", section, flags=re.MULTILINE):
        assert len([cell for cell in row.strip("|").split(" | ") if cell.strip()]) == 3, row  # field, type, example


def test_every_filter_and_global_is_documented() -> None:
    environment = templates.InvoiceTemplateEnvironment(StrictUndefined)
    section = sections()["Filters"]
    mentioned = set(re.findall(r"`([a-z_]+)`", section))
    assert set(environment.filters) <= mentioned
    assert set(environment.globals) <= mentioned
    assert listed(section) <= set(environment.filters)  # the table lists real filters only


def test_the_limits_are_the_renderer_s() -> None:
    section = sections()["The sandbox and its limits"]
    for figure in (templates.MAX_STEPS, templates.MAX_VALUE_CHARS, templates.MAX_OUTPUT_CHARS, BODY_MAX):
        assert f"{figure:,}" in section
    assert f"nest at most {templates.MAX_LOOP_DEPTH} deep" in section
    assert f"powers above {templates.MAX_POWER}" in section
    assert all(f"`{method}`" in section for method in templates.REFUSED_STR_METHODS)
    assert f"{MAX_IMAGE_BYTES:,} bytes" in sections()["The markup"]


def test_the_example_template_is_accepted_and_renders() -> None:
    (example,) = re.findall(r"```jinja\n(.*?)```", doc(), flags=re.DOTALL)
    validate_template(example)
    text = pdf_text(render_pdf(samples.posted_invoice(10), template=example).content)
    assert "Invoice INV00001234" in text and "Loyalty discount" in text
    assert "$805.92" in text and "$705.92" in text  # the total; the balance: 805.92 - 100.00 paid

"""Invoice markup: what an invoice template writes, and how it becomes reportlab flowables.

The markup is a small part of HTML, read leniently (a missing end tag never fails):

Blocks
    ``<h1>`` ``<h2>`` ``<h3>`` ``<p>``
        a heading or a paragraph (``align="right"``, ``class="..."``).
    ``<div>``
        a group of blocks; ``class="page-break"`` starts a new page, ``class="keep"`` keeps its
        content on one page, ``class="spacer"`` is blank space (``height="12"``, in points).
    ``<table>``
        ``widths="50%,20%,30%"`` (also ``3*`` shares, ``40mm``, ``1in``, ``120pt``); ``width="45%"``
        and ``align="right"`` for a narrower table; ``class`` any of ``grid`` (every line),
        ``lines`` (a line under each row), ``box`` (a frame), ``zebra`` (shaded rows), ``compact``
        (less padding), ``flush`` (no side padding, for layout tables), ``plain`` (no header
        shading). The rows of ``<thead>`` are repeated at the top of every page the table runs
        onto.
    ``<tr>`` ``<th>`` ``<td>``
        rows and cells (``align``, ``valign``, ``colspan``, ``class``); a cell holds text or blocks.
        A row's classes apply to its cells; ``class="rule"`` on a row draws a line above it.
    ``<hr>``, ``<ul>``/``<ol>`` with ``<li>``
        a rule; bulleted or numbered lists.
    ``<img src="data:image/png;base64,..." width="40mm">``
        an embedded PNG or JPEG (``data:`` URLs only: nothing is ever read from a file or the
        network).
Inline (in a paragraph, heading, list item or cell)
    ``<b>``/``<strong>``, ``<i>``/``<em>``, ``<u>``, ``<s>``, ``<sup>``, ``<sub>``, ``<br>``,
    ``<span>``/``<font>`` with ``color="#336699"`` (or a colour name) and ``size="8"``.
Classes (``p``, ``h*``, ``td``, ``th``, ``span``, ``div``)
    ``small``, ``large``, ``muted``, ``strong``, ``right``, ``center``.

Any other element keeps its text and loses its tag; attributes other than these are ignored.

Why a markup of our own rather than HTML and CSS through xhtml2pdf (which does install from
wheels): that adds ten packages (svglib, pypdf, html5lib, ...), resolves ``<img>`` and
``<link>`` URLs (file and network access a template must not have), and gives less control over
table headers repeated across pages. This small language maps one to one onto reportlab's
platypus, and everything it can say is listed here.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final
from xml.sax.saxutils import escape

import lxml.html
from lxml import etree
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)

from billforge.pdf.overflow import LinedLongTable, LinedTable, line_of, mark

FONT: Final = "Helvetica"
BOLD: Final = "Helvetica-Bold"
TEXT: Final = colors.HexColor("#222222")
MUTED: Final = colors.HexColor("#666666")
RULE: Final = colors.HexColor("#999999")
HEADER_FILL: Final = colors.HexColor("#eeeeee")
ZEBRA_FILL: Final = colors.HexColor("#f7f7f7")
PADDING: Final = 4.0
LONG_TABLE_ROWS: Final = 200
MAX_IMAGE_BYTES: Final = 2_000_000

HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCKS: Final = frozenset(
    {"p", "div", "table", "hr", "ul", "ol", "li", "img", "section", "header", "footer", "article", "main", "blockquote"}
    | HEADINGS
)
ALIGNMENTS: Final = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}
_COLOR: Final = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[a-zA-Z]{3,30}")
_LENGTH: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(%|\*|mm|cm|in|pt)?\s*")
_DATA_URL: Final = re.compile(r"data:image/(png|jpeg|jpg);base64,(.*)", re.DOTALL)
_NAMED_COLORS: Final = frozenset(name.lower() for name in colors.getAllNamedColors())
_UNITS: Final = {"mm": mm, "cm": cm, "in": inch, "pt": 1.0, None: 1.0}


# --- styles ---------------------------------------------------------------------------------

_BASE: Final[dict[str, dict[str, Any]]] = {
    "p": {"fontSize": 9, "leading": 11.5, "spaceAfter": 3},
    "cell": {"fontSize": 9, "leading": 11},
    "th": {"fontSize": 9, "leading": 11, "fontName": BOLD},
    "h1": {"fontSize": 18, "leading": 22, "fontName": BOLD, "spaceAfter": 4},
    "h2": {"fontSize": 12.5, "leading": 15.5, "fontName": BOLD, "spaceBefore": 8, "spaceAfter": 4},
    "h3": {"fontSize": 10, "leading": 12.5, "fontName": BOLD, "spaceBefore": 6, "spaceAfter": 2},
    "li": {"fontSize": 9, "leading": 11.5, "leftIndent": 12, "bulletIndent": 2, "spaceAfter": 1},
}


@lru_cache(maxsize=512)
def paragraph_style(kind: str, classes: frozenset[str] = frozenset(), align: str | None = None) -> ParagraphStyle:
    """A paragraph style: the base of its kind changed by the markup's classes and alignment."""
    values: dict[str, Any] = {"fontName": FONT, "textColor": TEXT, **_BASE.get(kind, _BASE["p"])}
    if "small" in classes:
        values.update(fontSize=7.5, leading=9.5)
    if "large" in classes:
        values.update(fontSize=values["fontSize"] + 2.5, leading=values["leading"] + 3)
    if "muted" in classes:
        values["textColor"] = MUTED
    if "strong" in classes:
        values["fontName"] = BOLD
    for name in ("right", "center"):
        if name in classes:
            values["alignment"] = ALIGNMENTS[name]
    if align in ALIGNMENTS:
        values["alignment"] = ALIGNMENTS[align]
    name = f"{kind}:{','.join(sorted(classes))}:{align}"
    return ParagraphStyle(name, **values)


def _classes(element: Any) -> frozenset[str]:
    return frozenset((element.get("class") or "").lower().split())


def _align(element: Any) -> str | None:
    value = (element.get("align") or "").strip().lower()
    return value if value in ALIGNMENTS else None


# --- inline text ----------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return escape(value) if value else ""


def _color(value: str | None) -> str | None:
    if not value or not _COLOR.fullmatch(value.strip()):
        return None
    value = value.strip()
    if value.startswith("#") or value.lower() in _NAMED_COLORS:
        return value
    return None


def _size(value: str | None) -> float | None:
    try:
        size = float(value) if value else None
    except ValueError:
        return None
    return size if size is not None and 4 <= size <= 48 else None


def inline(element: Any) -> str:
    """The paragraph markup (reportlab's mini-language) of an element's content."""
    parts = [_text(element.text)]
    for child in element:
        parts.append(_inline_element(child))
        parts.append(_text(child.tail))
    return "".join(parts)


def _inline_element(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        return "<br/>"
    if tag == "img":
        return ""
    inner = inline(element)
    if tag in ("b", "strong"):
        return f"<b>{inner}</b>"
    if tag in ("i", "em"):
        return f"<i>{inner}</i>"
    if tag == "u":
        return f"<u>{inner}</u>"
    if tag in ("s", "strike", "del"):
        return f"<strike>{inner}</strike>"
    if tag == "sup":
        return f"<super>{inner}</super>"
    if tag == "sub":
        return f"<sub>{inner}</sub>"
    if tag in ("span", "font", "small"):
        classes = _classes(element) | ({"small"} if tag == "small" else set())
        color = _color(element.get("color")) or ("#666666" if "muted" in classes else None)
        size = _size(element.get("size")) or (7.5 if "small" in classes else None)
        attributes = (f' color="{color}"' if color else "") + (f' size="{size:g}"' if size else "")
        if attributes:
            inner = f"<font{attributes}>{inner}</font>"
        return f"<b>{inner}</b>" if "strong" in classes else inner
    if tag in BLOCKS:  # a block inside text: its text, on a line of its own
        return f"<br/>{inner}<br/>" if inner.strip() else ""
    return inner


# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """Turns markup into flowables for a frame ``width`` points wide."""

    width: float

    def flowables(self, markup: str) -> list[Flowable]:
        body = parse(markup)
        if body is None:
            return []
        return self.blocks(body, self.width, "p", frozenset(), None)

    def blocks(
        self, element: Any, width: float, kind: str, classes: frozenset[str], align: str | None
    ) -> list[Flowable]:
        out: list[Flowable] = []
        run = [_text(element.text)]
        run_lines: list[int] = []  # the template lines of the run's inline elements

        def flush() -> None:
            text = "".join(run)
            run.clear()
            if text.strip():
                line = run_lines[0] if run_lines else line_of(element)
                out.append(mark(Paragraph(text, paragraph_style(kind, classes, align)), line))
            run_lines.clear()

        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in BLOCKS:
                flush()
                out.extend(self.block(child, width, classes))
            else:
                if (line := line_of(child)) is not None:
                    run_lines.append(line)
                run.append(_inline_element(child))
            run.append(_text(child.tail))
        flush()
        return out

    def block(self, element: Any, width: float, inherited: frozenset[str] = frozenset()) -> list[Flowable]:
        """The flowables of one block element, each with the template line it comes from."""
        line = line_of(element)
        return [mark(flowable, line) for flowable in self._block(element, width, inherited)]

    def _block(self, element: Any, width: float, inherited: frozenset[str]) -> list[Flowable]:
        tag = element.tag
        classes = _classes(element)
        if tag in HEADINGS:
            level = "h1" if tag == "h1" else "h2" if tag == "h2" else "h3"
            return [Paragraph(inline(element), paragraph_style(level, classes, _align(element)))]
        if tag == "p":
            return [Paragraph(inline(element), paragraph_style("p", classes | inherited, _align(element)))]
        if tag == "table":
            return [self.table(element, width)]
        if tag == "hr":
            return [HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=3, spaceAfter=3)]
        if tag in ("ul", "ol"):
            return self.list(element, ordered=tag == "ol")
        if tag == "li":
            return [Paragraph(inline(element), paragraph_style("li", classes), bulletText="\u2022")]
        if tag == "img":
            image = self.image(element, width)
            return [image] if image is not None else []
        if "page-break" in classes:
            return [PageBreak()]
        if "spacer" in classes:
            return [Spacer(1, _points(element.get("height"), 200) or 12)]
        content = self.blocks(element, width, "p", classes | inherited, _align(element))
        return [KeepTogether(content)] if "keep" in classes and content else content

    def list(self, element: Any, *, ordered: bool) -> list[Flowable]:
        out: list[Flowable] = []
        number = 0
        for child in element:
            if child.tag != "li":
                continue
            number += 1
            bullet = f"{number}." if ordered else "\u2022"
            item = Paragraph(inline(child), paragraph_style("li", _classes(child)), bulletText=bullet)
            out.append(mark(item, line_of(child)))
        return out

    def image(self, element: Any, width: float) -> Flowable | None:
        found = _DATA_URL.fullmatch((element.get("src") or "").strip())
        if found is None:
            return None
        try:
            data = base64.b64decode(found.group(2), validate=False)
            if len(data) > MAX_IMAGE_BYTES:
                return None
            reader = ImageReader(io.BytesIO(data))
            natural_width, natural_height = reader.getSize()
        except (binascii.Error, OSError, ValueError, TypeError):
            return None
        if natural_width <= 0 or natural_height <= 0:
            return None
        wanted_width = _length(element.get("width"), width)
        wanted_height = _points(element.get("height"), 1000)
        if wanted_width and not wanted_height:
            wanted_height = wanted_width * natural_height / natural_width
        elif wanted_height and not wanted_width:
            wanted_width = wanted_height * natural_width / natural_height
        elif not wanted_width:
            wanted_width, wanted_height = float(natural_width), float(natural_height)
        assert wanted_height is not None  # noqa: S101 - set by every branch above
        scale = min(1.0, width / wanted_width) if wanted_width else 1.0
        image = Image(io.BytesIO(data), width=wanted_width * scale, height=wanted_height * scale)
        image.hAlign = (_align(element) or "left").upper()
        return image

    # --- tables -----------------------------------------------------------------------------

    def table(self, element: Any, width: float) -> Flowable:
        header: list[Any] = []
        body: list[Any] = []
        for child in element:
            if child.tag == "thead":
                header.extend(row for row in child if row.tag == "tr")
            elif child.tag in ("tbody", "tfoot"):
                body.extend(row for row in child if row.tag == "tr")
            elif child.tag == "tr":
                body.append(child)
        rows = header + body
        if not rows:
            return Spacer(0, 0)
        classes = _classes(element)
        total = min(_length(element.get("width"), width) or width, width)
        columns = max((sum(_colspan(cell) for cell in _cells(row)) for row in rows), default=1) or 1
        widths = column_widths(element.get("widths"), columns, total)
        padding = 0.0 if "flush" in classes else 1.5 if "compact" in classes else PADDING
        vertical = 1.0 if "compact" in classes else 2.5
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
            ("TOPPADDING", (0, 0), (-1, -1), vertical),
            ("BOTTOMPADDING", (0, 0), (-1, -1), vertical),
        ]
        data: list[list[Any]] = []
        for r, row in enumerate(rows):
            cells: list[Any] = []
            column = 0
            row_classes = _classes(row)
            if "rule" in row_classes:
                commands.append(("LINEABOVE", (0, r), (-1, r), 0.6, RULE))
            for cell in _cells(row):
                span = min(_colspan(cell), columns - column)
                if span <= 0:
                    break
                inner = max(sum(widths[column : column + span]) - 2 * padding, 1.0)
                is_header = r < len(header) or cell.tag == "th"
                value = self.cell(cell, inner, is_header, row_classes)
                if isinstance(value, _PlainText):
                    commands.extend(value.commands((column, r), (column + span - 1, r)))
                    value = value.text
                cells.append(value)
                if span > 1:
                    commands.append(("SPAN", (column, r), (column + span - 1, r)))
                    cells.extend([""] * (span - 1))
                if (cell.get("valign") or "").lower() in ("middle", "bottom"):
                    commands.append(("VALIGN", (column, r), (column + span - 1, r), cell.get("valign").upper()))
                if _align(cell):
                    commands.append(("ALIGN", (column, r), (column + span - 1, r), _align(cell).upper()))  # type: ignore[union-attr]  # checked just above
                column += span
            cells.extend([""] * (columns - column))
            data.append(cells)
        commands += _table_lines(classes, len(header), len(rows))
        kind = LinedLongTable if len(data) > LONG_TABLE_ROWS else LinedTable
        table = kind(data, colWidths=widths, repeatRows=len(header), style=TableStyle(commands))
        table.hAlign = (_align(element) or "left").upper()
        table.row_lines = [_row_line(row) for row in rows]
        return table

    def cell(self, cell: Any, width: float, header: bool, row_classes: frozenset[str]) -> Any:
        classes = _classes(cell) | row_classes
        kind = "th" if header else "cell"
        style = paragraph_style(kind, classes, _align(cell))
        if len(cell) == 0:
            # Text alone that fits on one line is drawn as a string: a Paragraph costs far more.
            text = " ".join((cell.text or "").split())
            if not text:
                return ""
            if stringWidth(text, style.fontName, style.fontSize) <= width:
                return _PlainText(text, style)
        if any(isinstance(child.tag, str) and child.tag in BLOCKS for child in cell):
            return self.blocks(cell, width, kind, classes, _align(cell))
        return mark(Paragraph(inline(cell), style), line_of(cell))


@dataclass(frozen=True, slots=True)
class _PlainText:
    """A cell of one line of text, drawn with the cell's style."""

    text: str
    style: ParagraphStyle

    def commands(self, start: tuple[int, int], end: tuple[int, int]) -> list[tuple[Any, ...]]:
        alignment = {TA_RIGHT: "RIGHT", TA_CENTER: "CENTER"}.get(self.style.alignment, "LEFT")
        return [
            ("FONT", start, end, self.style.fontName, self.style.fontSize, self.style.leading),
            ("TEXTCOLOR", start, end, self.style.textColor),
            ("ALIGN", start, end, alignment),
        ]


def _row_line(row: Any) -> int | None:
    """The template line of a row: its ``<tr>``'s, or its first cell's (a row lxml implied)."""
    return line_of(row) or next((line for line in map(line_of, _cells(row)) if line is not None), None)


def _cells(row: Any) -> Iterable[Any]:
    return (cell for cell in row if cell.tag in ("td", "th"))


def _colspan(cell: Any) -> int:
    value = (cell.get("colspan") or "1").strip()
    return min(int(value), 50) if value.isdigit() and int(value) > 0 else 1


def _table_lines(classes: frozenset[str], header_rows: int, rows: int) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = []
    if header_rows and "plain" not in classes:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL))
        commands.append(("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, RULE))
    if "grid" in classes:
        commands.append(("GRID", (0, 0), (-1, -1), 0.4, RULE))
    if "box" in classes:
        commands.append(("BOX", (0, 0), (-1, -1), 0.6, RULE))
    if "lines" in classes and rows > header_rows:
        commands.append(("LINEBELOW", (0, header_rows), (-1, -1), 0.25, colors.HexColor("#dddddd")))
    if "zebra" in classes and rows > header_rows:
        commands.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, ZEBRA_FILL]))
    return commands


# --- lengths --------------------------------------------------------------------------------


def _points(value: str | None, limit: float) -> float | None:
    """An absolute length (``12``, ``4mm``, ``1in``) in points, up to ``limit``."""
    if not value:
        return None
    found = _LENGTH.fullmatch(value)
    if found is None or found.group(2) in ("%", "*"):
        return None
    points = float(found.group(1)) * _UNITS[found.group(2)]
    return min(points, limit) if points > 0 else None


def _length(value: str | None, whole: float) -> float | None:
    """A length in points: absolute, or a percentage of ``whole``."""
    if not value:
        return None
    found = _LENGTH.fullmatch(value)
    if found is None or found.group(2) == "*":
        return None
    if found.group(2) == "%":
        return whole * min(float(found.group(1)), 100.0) / 100
    return _points(value, whole)


def column_widths(spec: str | None, columns: int, total: float) -> list[float]:
    """Column widths in points from ``widths="50%,2*,30mm"``; columns without a width share
    what is left (``*`` shares weigh as written, the others one share each)."""
    entries = [entry.strip() for entry in (spec or "").split(",")][:columns]
    entries += [""] * (columns - len(entries))
    fixed: list[float | None] = []
    weights: list[float] = []
    for entry in entries:
        found = _LENGTH.fullmatch(entry) if entry else None
        if found is not None and found.group(2) == "*":
            fixed.append(None)
            weights.append(float(found.group(1)) or 1.0)
        elif found is not None:
            fixed.append(_length(entry, total))
            weights.append(0.0)
        else:
            fixed.append(None)
            weights.append(1.0)
    used = sum(width for width in fixed if width is not None)
    if used > total:
        ratio = total / used
        fixed = [width * ratio if width is not None else None for width in fixed]
        used = total
    rest = total - used
    share = sum(weight for width, weight in zip(fixed, weights, strict=True) if width is None)
    return [
        width if width is not None else (rest * weight / share if share else 0.0)
        for width, weight in zip(fixed, weights, strict=True)
    ]


# --- parsing --------------------------------------------------------------------------------

_parsers = threading.local()  # an lxml parser must not be used by two threads at once


def _parser() -> lxml.html.HTMLParser:
    parser: lxml.html.HTMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
        _parsers.parser = parser
    return parser


def parse(markup: str) -> Any:
    """The ``<body>`` of the markup, read leniently; ``None`` when there is nothing in it."""
    if not markup.strip():
        return None
    try:
        document = lxml.html.document_fromstring(f"<html><body>{markup}</body></html>", parser=_parser())
    except (etree.ParserError, ValueError):
        return None
    return document.find("body")

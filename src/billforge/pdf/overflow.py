"""Template lines on laid-out blocks, and what to say when a block cannot be laid out on a page.

When a template is checked, each tag it writes carries the template line it is written on
(``<tr data-template-line="12">``, added by ``pdf.templates``); ``pdf.markup`` copies that line
onto the flowables it makes (``template_line``; a table keeps one per row, through its splits
across pages). Some problems show only when reportlab lays the flowables out on pages (a table
row or an image taller than a page): ``explain`` turns them into a ``LayoutFailure`` that names
the line and says what is wrong in words, not as reportlab's dump of its objects.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from reportlab.platypus import Image, LongTable, Table
from reportlab.platypus.doctemplate import LayoutError

LINE_ATTRIBUTE: Final = "data-template-line"

F = TypeVar("F")


class LayoutFailure(Exception):
    """A block of the markup that cannot be laid out, and the template line it comes from."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def line_of(element: Any) -> int | None:
    """The template line written into a markup element, if any."""
    value = element.get(LINE_ATTRIBUTE) if isinstance(element.tag, str) else None
    return int(value) if value and value.isdigit() else None


def mark(flowable: F, line: int | None) -> F:
    """Give ``flowable`` the template ``line`` unless it has one already (a more precise one)."""
    if line is not None and getattr(flowable, "template_line", None) is None:
        flowable.template_line = line  # type: ignore[attr-defined]  # reportlab flowables take attributes
    return flowable


def template_line(flowable: Any) -> int | None:
    line = getattr(flowable, "template_line", None)
    return line if isinstance(line, int) else None


class _RowLines:
    """A table that knows the template line of each row, also in the parts it splits into."""

    row_lines: list[int | None]
    repeatRows: int  # reportlab's name

    def split(self, available_width: float, available_height: float) -> list[Any]:
        parts: list[Any] = super().split(available_width, available_height)  # type: ignore[misc]  # Table.split
        rows = getattr(self, "row_lines", None)
        if rows is not None and len(parts) == 2:
            first, rest = parts
            taken = len(first._cellvalues)
            first.row_lines = rows[:taken]
            rest.row_lines = rows[: self.repeatRows] + rows[taken:]
        for part in parts:
            mark(part, template_line(self))
        return parts


class LinedTable(_RowLines, Table):  # type: ignore[misc]  # reportlab has no type information
    pass


class LinedLongTable(_RowLines, LongTable):  # type: ignore[misc]  # reportlab has no type information
    pass


SENTINEL_HEIGHT: Final = 0xFFFFFF  # what reportlab's KeepTogether answers when its content is too tall


def _points(value: float) -> str:
    return f"{value:,.0f} pt"


def _high(height: float) -> str:
    return f"{_points(height)} high; " if height < SENTINEL_HEIGHT / 2 else ""


def explain(
    flowable: Any, frame: Any, error: Exception, *, last_line: int | None = None, empty_pages: bool = False
) -> LayoutFailure:
    """Why ``flowable`` could not be laid out in ``frame`` (reportlab raised ``error``), in words and
    with its template line (``last_line``, the line of the block before it, if it has none).
    ``empty_pages``: reportlab stopped because page after page came out empty."""
    room = float(frame._aH)
    line = template_line(flowable) or last_line
    if empty_pages:
        return LayoutFailure("too many empty pages in a row from here (page breaks one after another?)", line)
    if not isinstance(error, LayoutError):
        text = str(error)
        if "negative availWidth" in text:
            return LayoutFailure(
                "a table column is narrower than the padding of its cells: give the table's columns more width, "
                'use class="flush" (no side padding), or nest fewer tables',
                line,
            )
        return LayoutFailure(f"this block could not be drawn: {text.splitlines()[0][:200] if text else error!r}", line)
    if isinstance(flowable, Table):
        return _table(flowable, room, line)
    if isinstance(flowable, Image):
        return LayoutFailure(
            f"an image is taller than a page ({_high(flowable.drawHeight)}a page has room for {_points(room)}): "
            "give it a smaller width or height",
            line,
        )
    return LayoutFailure(f"this block does not fit on a page (a page has room for {_points(room)})", line)


def _table(table: Any, room: float, line: int | None) -> LayoutFailure:
    heights = [float(h) for h in getattr(table, "_rowHeights", None) or ()]
    rows: list[int | None] = getattr(table, "row_lines", None) or [None] * len(heights)
    repeated = table.repeatRows if isinstance(table.repeatRows, int) else 0
    header = sum(heights[:repeated])
    if heights and header > room:
        return LayoutFailure(
            f"the table's header rows, repeated on every page, are taller than a page ({_high(header)}"
            f"a page has room for {_points(room)})",
            rows[0] or line,
        )
    for index in range(repeated, len(heights)):
        height = heights[index]
        row_line = (rows[index] if index < len(rows) else None) or line
        if height > room:
            return LayoutFailure(
                f"a table row is taller than a page ({_high(height)}a page has room for {_points(room)}): "
                "split its content over several rows",
                row_line,
            )
        if header + height > room:
            return LayoutFailure(
                f"a table row does not fit on a page under the table's repeated header rows ({_points(height)} "
                f"and {_points(header)} of header; a page has room for {_points(room)})",
                row_line,
            )
    return LayoutFailure(f"a table does not fit on a page (a page has room for {_points(room)})", line)

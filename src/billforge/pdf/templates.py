"""Invoice templates: Jinja2 run in a sandbox over a documented set of invoice fields.

``docs/invoice-templates.md`` is the user's guide (a test keeps it listing every field, filter and
limit defined here).

How a template makes a PDF
--------------------------
A template is Jinja2 that writes *invoice markup*, a small HTML-like language (``pdf.markup``
describes it): headings, paragraphs, tables whose ``thead`` rows repeat on every page, rules,
page breaks. billforge turns that markup into reportlab platypus flowables and lays them out on
pages (A4, or US Letter for US-style locales) with a footer ("Page 2 of 3") and, for drafts, a
DRAFT mark across each page. The built-in default template (``pdf/templates/default.html.j2``)
is written the same way and is the best example.

Values are escaped (autoescape is on), so a customer's name can never inject markup. Amounts are
Decimals and dates are dates: format them with the filters below.

Fields
------
``invoice``
    ``id``, ``invoice_number`` (also ``number``), ``status`` (Draft, Posted, Canceled),
    ``is_draft``, ``currency``, ``invoice_date``, ``target_date``, ``due_date``,
    ``payment_term``, ``posted_date``, ``comments``, ``amount`` (the total), ``amount_without_tax``,
    ``subtotal`` (the charges before discounts and tax), ``discount`` (zero or negative),
    ``tax_amount``, ``tax_exempt_amount``, ``payment_amount``, ``refund_amount``, ``paid_amount``
    (payments less refunds), ``adjustment_amount``, ``credit_balance_adjustment_amount``,
    ``balance``.
``account``
    ``id``, ``account_number``, ``name``, ``currency``, ``payment_term``, ``bill_cycle_day``,
    ``crm_id``.
``seller``, ``bill_to``, ``sold_to`` (parties)
    ``name`` (a contact's full name, or the seller's name), ``first_name``, ``last_name``,
    ``company`` (a contact's account name), ``address1``, ``address2``, ``city``, ``county``,
    ``state``, ``postal_code``, ``country``, ``email``, ``phone``, ``tax_id`` (the seller's),
    ``lines`` (the postal address as printed lines).
``items`` (the charges, in order) and ``discounts`` (every discount item)
    ``id``, ``position``, ``processing_type`` (Charge, Discount), ``is_discount``,
    ``charge_name``, ``description``, ``charge_type``, ``product_name``, ``sku``, ``uom``,
    ``quantity``, ``unit_price``, ``amount`` (also ``charge_amount``; without tax),
    ``tax_amount``, ``service_start_date``, ``service_end_date``, ``subscription_number``,
    ``purchase_order_number``, ``tax_code``, ``applied_to_item_id``, ``discounts`` (a charge's
    discount items, with the same fields).
``taxes`` (the tax by jurisdiction, tax and rate)
    ``jurisdiction``, ``name``, ``tax_code``, ``tax_rate``, ``tax_rate_type`` (Percentage,
    FlatFee), ``tax_amount``, ``exempt_amount``.
``payments`` (payments applied to the invoice)
    ``number``, ``effective_date``, ``amount`` (applied to this invoice), ``refunded``, ``type``.
``locale`` (the tenant's, e.g. ``en_US``), ``watermark`` (``DRAFT``, ``CANCELED`` or none).

Filters (in the invoice's currency and the tenant's locale): ``money`` (``$1,234.56``,
``1.234,56 €``), ``price`` (every decimal of a unit price), ``number`` and ``quantity``,
``percent`` (a tax rate, kept as a fraction: ``0.0825`` gives ``8.25%``), ``date`` (``date``, ``date("short")``,
``date("long")``), plus Jinja2's harmless built-ins (``default``, ``join``, ``length``, ``upper``,
``lower``, ``title``, ``trim``, ``replace``, ``round``, ``sum``, ``sort``, ``map``,
``selectattr``, ``groupby``, ``first``, ``last``, ``truncate``, ...).

The sandbox
-----------
Templates run in Jinja2's immutable sandbox: no attribute that starts with ``_`` (so no
``__class__``, ``__mro__``, ``__globals__``, ``__subclasses__``), no changing lists or dicts,
no ``include``, ``import`` or ``extends`` (there is no loader: no file or network access), and
the values are frozen dataclasses, strings, numbers and dates with nothing behind them. Work is
bounded: loops nest at most three deep, ``range`` and every attribute, call and operator count
against a budget, no value may grow past 200,000 characters and the output past 5,000,000, and
``%``-formatting and ``str.format`` are refused (use the filters).

A template is checked when it is uploaded (``check_template``): its syntax, the names and fields
it uses, and trial renders of sample invoices (posted with discounts, taxes and payments; a bare
draft) through to a PDF. A problem is refused then with the line it is on; rendering an invoice
later never fails because of its template (an unexpected error falls back to the default).
"""

from __future__ import annotations

import decimal
import hashlib
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import fields, is_dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    StrictUndefined,
    Template,
    TemplateSyntaxError,
    nodes,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from billforge.domain.money import Currency
from billforge.pdf.formatting import Formats
from billforge.pdf.model import AccountFields, InvoiceDocument, InvoiceFields, Line, Party, PaymentLine, TaxLine
from billforge.pdf.overflow import LINE_ATTRIBUTE

TEMPLATE_FILENAME: Final = "<invoice template>"
MAX_LOOP_DEPTH: Final = 3
MAX_STEPS: Final = 2_000_000
MAX_VALUE_CHARS: Final = 200_000
MAX_OUTPUT_CHARS: Final = 5_000_000
MAX_POWER: Final = 64
_START_TAG: Final = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*")

# Jinja2's built-in filters that cannot read anything but their input nor build a huge value.
SAFE_BUILTIN_FILTERS: Final = frozenset(
    {
        "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "groupby", "int", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "reverse", "round", "select", "selectattr", "sort", "string",
        "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount",
    }
)  # fmt: skip
# String methods that pad or format to a caller-given size.
REFUSED_STR_METHODS: Final = frozenset(
    {"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "encode", "translate", "maketrans"}
)

# The names a template may use, and the fields of each object (checked at upload).
OBJECTS: Final[dict[str, type]] = {
    "invoice": InvoiceFields,
    "account": AccountFields,
    "seller": Party,
    "bill_to": Party,
    "sold_to": Party,
}
COLLECTIONS: Final[dict[str, type]] = {"items": Line, "discounts": Line, "taxes": TaxLine, "payments": PaymentLine}
SCALARS: Final = frozenset({"locale", "watermark"})
GLOBALS: Final = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "concat"})


class TemplateProblem(Exception):
    """A template that cannot be used, and the line of the template where the problem is."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


# --- the budget of one render -----------------------------------------------------------------


class _Budget:
    def __init__(self) -> None:
        self.steps = 0

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise SecurityError(f"the template does too much work (more than {MAX_STEPS:,} steps)")


_budget: ContextVar[_Budget | None] = ContextVar("invoice_template_budget", default=None)


def _spend(steps: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(steps)


def _bounded(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_VALUE_CHARS:
        raise SecurityError(f"a value of the template grew past {MAX_VALUE_CHARS:,} characters or items")
    return value


def _range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_STEPS:
        raise SecurityError(f"range() of more than {MAX_STEPS:,} numbers")
    for number in numbers:
        _spend()
        yield number


def _concat(*parts: Any) -> Markup:
    """The ``~`` operator, bounded (templates are compiled with it in place of Jinja2's join)."""
    _spend()
    return _bounded(Markup("").join(parts))  # type: ignore[no-any-return]  # Markup.join escapes each part


def _replace(value: Any, old: Any, new: Any, count: int | None = None) -> Any:
    text, old_text, new_text = str(value), str(old), str(new)
    occurrences = text.count(old_text) if old_text else len(text) + 1
    if count is not None:
        occurrences = min(occurrences, max(count, 0))
    if len(text) + occurrences * len(new_text) > MAX_VALUE_CHARS:
        raise SecurityError(f"replace() would grow a value past {MAX_VALUE_CHARS:,} characters")
    replace: Callable[..., Any] = DEFAULT_FILTERS["replace"]
    return replace(_EvalContextStub(), value, old, new, count)


class _EvalContextStub:
    """What Jinja2's ``replace`` filter reads from its evaluation context (autoescape is on)."""

    autoescape = True


# --- formatting filters ---------------------------------------------------------------------


def _formats(context: Context) -> Formats:
    formats = context.get("_formats")
    if not isinstance(formats, Formats):
        raise SecurityError("formatting filters need an invoice")
    return formats


def _defined(value: Any) -> Any:
    return None if isinstance(value, Undefined) else value


@pass_context
def _money(context: Context, value: Any) -> str:
    return _formats(context).money(_defined(value))


@pass_context
def _price(context: Context, value: Any) -> str:
    return _formats(context).price(_defined(value))


@pass_context
def _number(context: Context, value: Any) -> str:
    return _formats(context).number(_defined(value))


@pass_context
def _percent(context: Context, value: Any) -> str:
    return _formats(context).percent(_defined(value))


@pass_context
def _date(context: Context, value: Any, style: str = "medium") -> str:
    return _formats(context).date(_defined(value), str(style))


# --- the environment ------------------------------------------------------------------------


class _NoLoader(BaseLoader):
    """There are no other templates: ``include``, ``import`` and ``extends`` find nothing."""


class InvoiceTemplateEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with a work budget, bounded values and invoice filters."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, undefined: type[Undefined]) -> None:
        super().__init__(
            autoescape=True,
            undefined=undefined,
            loader=_NoLoader(),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            cache_size=0,
        )
        self.filters = {name: f for name, f in DEFAULT_FILTERS.items() if name in SAFE_BUILTIN_FILTERS}
        self.filters.update(
            replace=_replace, money=_money, price=_price, number=_number, quantity=_number, percent=_percent, date=_date
        )
        self.globals = {name: value for name, value in self.globals.items() if name in GLOBALS}
        self.globals.update(range=_range, concat=_concat)
        self.tests = dict(self.tests)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return not (isinstance(obj, str) and attr in REFUSED_STR_METHODS)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        return super().getitem(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's signature
        _spend()
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' string formatting is not allowed: use the money, number and date filters")
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise SecurityError(f"powers above {MAX_POWER} are not allowed")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(times, int):
                    if len(sequence) * times > MAX_VALUE_CHARS:
                        raise SecurityError(f"a value of the template grew past {MAX_VALUE_CHARS:,} characters")
        return _bounded(super().call_binop(context, operator, left, right))


_lenient = InvoiceTemplateEnvironment(ChainableUndefined)  # rendering invoices: a missing value prints nothing
_strict = InvoiceTemplateEnvironment(StrictUndefined)  # checking at upload: a missing value is an error


# --- compiling ------------------------------------------------------------------------------


def _rewrite(tree: nodes.Template) -> None:
    """Compile ``a ~ b`` as ``concat(a, b)`` so that joining strings is bounded too."""
    for parent in tree.find_all(nodes.Node):
        for name in parent.fields:
            value = getattr(parent, name)
            if isinstance(value, nodes.Concat):
                setattr(parent, name, _concat_call(value))
            elif isinstance(value, list):
                setattr(parent, name, [_concat_call(v) if isinstance(v, nodes.Concat) else v for v in value])


def _concat_call(node: nodes.Concat) -> nodes.Call:
    call = nodes.Call(nodes.Name("concat", "load"), node.nodes, [], None, None)
    call.set_lineno(node.lineno)
    return call


def _static_checks(tree: nodes.Template) -> None:
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise TemplateProblem("templates may not extend, include or import other templates", node.lineno)
    for node in tree.find_all(nodes.For):
        depth = _loop_depth(node)
        if depth > MAX_LOOP_DEPTH:
            raise TemplateProblem(f"loops may nest at most {MAX_LOOP_DEPTH} deep", node.lineno)
    known = set(OBJECTS) | set(COLLECTIONS) | SCALARS | GLOBALS
    unknown = sorted(find_undeclared_variables(tree) - known)
    if unknown:
        first = next(n for n in tree.find_all(nodes.Name) if n.name == unknown[0])
        raise TemplateProblem(
            f"{unknown[0]!r} is not a field of invoice templates (they have: {', '.join(sorted(known - GLOBALS))})",
            first.lineno,
        )
    _check_fields(tree)


def _loop_depth(loop: nodes.For) -> int:
    deepest = 1
    for inner in loop.find_all(nodes.For):
        deepest = max(deepest, 1 + _loop_depth(inner))
    return deepest


def field_names(kind: type) -> frozenset[str]:
    """The public fields and properties of one of the template's value types."""
    names = {f.name for f in fields(kind)} if is_dataclass(kind) else set()
    names |= {name for name, value in vars(kind).items() if isinstance(value, property)}
    return frozenset(names)


def _check_fields(tree: nodes.Template) -> None:
    """``invoice.totl`` or ``item.amout`` is refused at upload, even in a branch no sample reaches."""
    kinds: dict[str, set[type]] = {name: {kind} for name, kind in OBJECTS.items()}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.target, nodes.Name):
            element = _element_kind(loop.iter, kinds)
            if element is not None:
                kinds.setdefault(loop.target.name, set()).add(element)
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in kinds:
            allowed = frozenset().union(*(field_names(kind) for kind in kinds[node.node.name]))
            if node.attr not in allowed:
                raise TemplateProblem(
                    f"{node.node.name!r} has no field {node.attr!r} (its fields: {', '.join(sorted(allowed))})",
                    node.lineno,
                )


def _element_kind(iterable: nodes.Node, kinds: dict[str, set[type]]) -> type | None:
    if isinstance(iterable, nodes.Name):
        return COLLECTIONS.get(iterable.name)
    if isinstance(iterable, nodes.Getattr) and iterable.attr == "discounts":
        if isinstance(iterable.node, nodes.Name) and kinds.get(iterable.node.name) == {Line}:
            return Line
    return None


def _mark_lines(tree: nodes.Template) -> None:
    """Write into each tag of the template's text the line it is on (``<tr data-template-line="12">``),
    so that a block the layout refuses is reported at its line. Only when checking a template: the
    attribute changes nothing in the PDF."""
    for node in tree.find_all(nodes.TemplateData):
        data: str = node.data
        parts: list[str] = []
        line, done = node.lineno, 0
        for tag in _START_TAG.finditer(data):
            line += data.count("\n", done, tag.start())
            parts.append(f'{data[done : tag.end()]} {LINE_ATTRIBUTE}="{line}"')
            done = tag.end()
        parts.append(data[done:])
        node.data = "".join(parts)


def _compile(environment: InvoiceTemplateEnvironment, body: str, *, lines: bool = False) -> Template:
    tree = environment.parse(body, filename=TEMPLATE_FILENAME)
    _static_checks(tree)
    _rewrite(tree)
    if lines:
        _mark_lines(tree)
    code = environment.compile(tree, name="invoice template", filename=TEMPLATE_FILENAME)
    return environment.template_class.from_code(environment, code, environment.make_globals(None))


class _CompiledCache:
    """Compiled templates by the hash of their body (bodies are up to a megabyte: not kept)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, body: str) -> Template:
        key = hashlib.sha256(body.encode()).hexdigest()
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        compiled = _compile(_lenient, body)
        with self._lock:
            self._entries[key] = compiled
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return compiled


_compiled = _CompiledCache(64)


@lru_cache(maxsize=1)
def default_template_body() -> str:
    """The built-in default template (Jinja2 writing invoice markup)."""
    return resources.files("billforge.pdf").joinpath("templates/default.html.j2").read_text(encoding="utf-8")


# --- rendering ------------------------------------------------------------------------------


def context_of(document: InvoiceDocument) -> dict[str, Any]:
    """The names a template sees (the fields listed in this module's docstring)."""
    currency = Currency(document.invoice.currency, document.minor_units, document.rounding_mode)
    return {
        "invoice": document.invoice,
        "account": document.account,
        "seller": document.seller,
        "bill_to": document.bill_to,
        "sold_to": document.sold_to,
        "items": document.items,
        "discounts": document.discounts,
        "taxes": document.taxes,
        "payments": document.payments,
        "locale": document.locale,
        "watermark": document.watermark,
        "_formats": Formats.of(document.locale, currency),
    }


def _run(template: Template, document: InvoiceDocument) -> str:
    token = _budget.set(_Budget())
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context_of(document)):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the template wrote more than {MAX_OUTPUT_CHARS:,} characters")
            parts.append(chunk)
        return "".join(parts)
    finally:
        _budget.reset(token)


def render_markup(body: str, document: InvoiceDocument) -> str:
    """The markup a (checked) template writes for ``document``."""
    return _run(_compiled.get(body), document)


def template_line(error: BaseException) -> int | None:
    """The template line an error was raised on (Jinja2 rewrites tracebacks to point at it)."""
    if isinstance(error, TemplateSyntaxError):
        return error.lineno
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == TEMPLATE_FILENAME:
            line = frame.lineno
    return line


def check_template(body: str, samples: list[InvoiceDocument]) -> list[str]:
    """Refuse a template that would not render (``TemplateProblem`` with its line); answer the
    markup it writes for each sample, for the caller to lay out, each tag marked with its template
    line (``pdf.overflow``)."""
    try:
        template = _compile(_strict, body, lines=True)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or "syntax error", error.lineno) from None
    outputs = []
    for sample in samples:
        try:
            outputs.append(_run(template, sample))
        except TemplateProblem:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the template is the template's problem
            raise TemplateProblem(describe_error(error), template_line(error)) from None
    return outputs


def describe_error(error: BaseException) -> str:
    """What went wrong in a template, in words."""
    if isinstance(error, SecurityError):
        return f"not allowed: {error}"
    if isinstance(error, ZeroDivisionError | decimal.DivisionByZero | decimal.DivisionUndefined):
        return "division by zero"
    if isinstance(error, decimal.InvalidOperation):
        return "invalid arithmetic on a number"
    if isinstance(error, RecursionError):
        return "a macro calls itself without end"
    return str(error) or type(error).__name__

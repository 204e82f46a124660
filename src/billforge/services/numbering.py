"""Sequence sets (``/v1/sequence-sets``) and invoice numbers.

Rules:
- a sequence set has a name (1 to 15 characters, unique in the entity) and a prefix and start
  number for invoices, credit memos, debit memos, payments and refunds; invoices are required,
  credit and debit memos too when invoice settlement is on (Zuora offers memos only then);
- a prefix is 1 to 16 letters, digits, ``-`` or ``_`` and a start number 1 to 16 digits, so an
  invoice number fits the 32 characters of ``invoices.invoice_number``;
- an invoice number is the prefix and the number zero-padded to 8 digits (``INV00000001``); a
  number with more digits is written in full (``INV123456789``);
- each prefix has one number space per entity (``invoice_number_counters``): numbers only go up,
  so a number is never issued twice, even when a set changes its prefix, two sets share one, or a
  set is deleted; a start number below the prefix's next unissued number is refused for the same
  reason, and one above it moves the prefix on;
- numbers already taken by an invoice (a custom ``invoiceNumber`` on a standalone invoice) are
  skipped;
- the entity's default set (``Default``, prefix ``INV``) serves accounts without a set; it and any
  set used by an account cannot be deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.services import tenant_settings
from billforge.services.context import Context, new_id
from billforge.services.settings import lock, raise_all, usable_key

PAD_DIGITS: Final = 8
NAME_MAX: Final = 15
NUMBER_MAX: Final = 32
PREFIX_MAX: Final = 16
START_MAX: Final = 10**16 - 1
SETS_PER_REQUEST: Final = 100
OTHER_DOCUMENTS: Final = ("creditMemo", "debitMemo", "payment", "refund")
_PREFIX: Final = re.compile(r"^[A-Za-z0-9_-]+$")
OBJ: Final = "sequenceSet"


def format_invoice_number(prefix: str, number: int) -> str:
    """``INV`` and 1 give ``INV00000001``; 123456789 gives ``INV123456789`` (never truncated)."""
    return f"{prefix}{number:0{PAD_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class DocumentPrefix:
    prefix: str
    start_number: int


@dataclass(slots=True)
class SequenceSetInput:
    name: str
    invoice: DocumentPrefix
    others: dict[str, DocumentPrefix] = field(default_factory=dict)  # creditMemo, debitMemo, payment, refund
    number: str | None = None


@dataclass(slots=True)
class SequenceSetChanges:
    """Fields to change; ``None`` leaves a field as it is. ``others`` replaces the given types only."""

    name: str | None = None
    invoice: DocumentPrefix | None = None
    others: dict[str, DocumentPrefix] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SequenceSetView:
    id: str
    name: str
    number: str | None
    invoice: DocumentPrefix
    others: dict[str, DocumentPrefix]
    is_default: bool


def _view(row: Row[Any]) -> SequenceSetView:
    others = {
        kind: DocumentPrefix(value["prefix"], int(value["startNumber"]))
        for kind, value in (row.documents or {}).items()
        if kind in OTHER_DOCUMENTS
    }
    return SequenceSetView(
        row.id,
        row.name,
        row.number,
        DocumentPrefix(row.invoice_prefix, int(row.invoice_start_number)),
        others,
        row.is_default,
    )


def _documents(others: dict[str, DocumentPrefix]) -> dict[str, dict[str, Any]]:
    return {kind: {"prefix": p.prefix, "startNumber": p.start_number} for kind, p in sorted(others.items())}


# --- validation -----------------------------------------------------------------------------


def _prefix_problems(where: str, document: DocumentPrefix) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if not document.prefix or len(document.prefix) > PREFIX_MAX or not _PREFIX.match(document.prefix):
        problems.append(
            InvalidValue(
                f"'{where}.prefix' must be 1 to {PREFIX_MAX} letters, digits, '-' or '_'",
                field=f"{where}.prefix",
                obj=OBJ,
            )
        )
    if not 1 <= document.start_number <= START_MAX:
        problems.append(
            InvalidValue(
                f"'{where}.startNumber' must be between 1 and {START_MAX} (at most 16 digits)",
                field=f"{where}.startNumber",
                obj=OBJ,
            )
        )
    return problems


def _name_problems(where: str, name: str) -> list[BillforgeError]:
    if not name.strip():
        return [MissingValue(f"'{where}name' must not be blank", field=f"{where}name", obj=OBJ)]
    if len(name) > NAME_MAX or "\x00" in name:
        return [
            InvalidValue(f"'{where}name' must be 1 to {NAME_MAX} characters without NUL", field=f"{where}name", obj=OBJ)
        ]
    return []


def _counter(conn: Connection, entity_id: str, prefix: str) -> int | None:
    value: int | None = conn.execute(
        select(t.invoice_number_counters.c.next_number).where(
            t.invoice_number_counters.c.entity_id == entity_id, t.invoice_number_counters.c.prefix == prefix
        )
    ).scalar()
    return value


def _start_problem(conn: Connection, entity_id: str, where: str, invoice: DocumentPrefix) -> BillforgeError | None:
    """A start number below the prefix's next unissued number would issue a number twice."""
    next_number = _counter(conn, entity_id, invoice.prefix)
    if next_number is not None and invoice.start_number < next_number:
        return RuleRestriction(
            f"'{where}.startNumber' {invoice.start_number} would reuse invoice numbers: prefix "
            f"{invoice.prefix!r} has issued numbers up to {format_invoice_number(invoice.prefix, next_number - 1)}; "
            f"use {next_number} or more",
            field=f"{where}.startNumber",
            obj=OBJ,
        )
    return None


def _move_counter(conn: Connection, entity_id: str, invoice: DocumentPrefix) -> None:
    """Make the prefix's next number at least the start number (checked before: never lower)."""
    current = _counter(conn, entity_id, invoice.prefix)
    if current is None:
        conn.execute(
            insert(t.invoice_number_counters).values(
                entity_id=entity_id, prefix=invoice.prefix, next_number=invoice.start_number
            )
        )
    elif invoice.start_number > current:
        conn.execute(
            update(t.invoice_number_counters)
            .where(
                t.invoice_number_counters.c.entity_id == entity_id,
                t.invoice_number_counters.c.prefix == invoice.prefix,
            )
            .values(next_number=invoice.start_number)
        )


def _memos_required(conn: Connection, entity_id: str) -> bool:
    return tenant_settings.load(conn, entity_id).billing_rules.invoice_settlement


# --- create, read, update, delete -----------------------------------------------------------


def create_sequence_sets(*, db: Database, ctx: Context, sets: Sequence[SequenceSetInput]) -> list[SequenceSetView]:
    """Create up to 100 sets at once: all of them, or none when any is refused."""
    if not sets:
        raise MissingValue("'sequenceSets' must contain at least one sequence set", field="sequenceSets", obj=OBJ)
    if len(sets) > SETS_PER_REQUEST:
        raise InvalidValue(
            f"'sequenceSets' must contain at most {SETS_PER_REQUEST} sequence sets", field="sequenceSets", obj=OBJ
        )
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        memos_required = _memos_required(conn, ctx.entity_id)
        problems: list[BillforgeError] = []
        names: set[str] = set()
        numbers: set[str] = set()
        for i, data in enumerate(sets):
            where = f"sequenceSets[{i}]"
            name_problems = _name_problems(f"{where}.", data.name)
            problems.extend(name_problems)
            problems.extend(_prefix_problems(f"{where}.invoice", data.invoice))
            for kind, document in sorted(data.others.items()):
                problems.extend(_prefix_problems(f"{where}.{kind}", document))
            if memos_required:
                for kind in ("creditMemo", "debitMemo"):
                    if kind not in data.others:
                        problems.append(
                            MissingValue(
                                f"'{where}.{kind}' is required while invoice settlement is on",
                                field=f"{where}.{kind}",
                                obj=OBJ,
                            )
                        )
            if not name_problems and (data.name in names or _find(conn, ctx.entity_id, name=data.name) is not None):
                problems.append(
                    RuleRestriction(
                        f"'{where}.name': a sequence set named {data.name!r} already exists",
                        field=f"{where}.name",
                        obj=OBJ,
                    )
                )
            names.add(data.name)
            if data.number is not None:
                if not data.number or len(data.number) > NUMBER_MAX or "\x00" in data.number:
                    problems.append(
                        InvalidValue(
                            f"'{where}.sequenceSetNumber' must be 1 to {NUMBER_MAX} characters",
                            field=f"{where}.sequenceSetNumber",
                            obj=OBJ,
                        )
                    )
                elif data.number in numbers or _find(conn, ctx.entity_id, number=data.number) is not None:
                    problems.append(
                        RuleRestriction(
                            f"'{where}.sequenceSetNumber': a sequence set numbered {data.number!r} already exists",
                            field=f"{where}.sequenceSetNumber",
                            obj=OBJ,
                        )
                    )
                numbers.add(data.number)
        if not problems:
            starts: dict[str, int] = {}
            for i, data in enumerate(sets):
                invoice = data.invoice
                problem = _start_problem(conn, ctx.entity_id, f"sequenceSets[{i}].invoice", invoice)
                if problem is not None:
                    problems.append(problem)
                starts[invoice.prefix] = max(starts.get(invoice.prefix, 0), invoice.start_number)
        raise_all(problems)
        now = ctx.now()
        rows = [
            {
                "id": new_id(),
                "entity_id": ctx.entity_id,
                "name": data.name,
                "number": data.number,
                "invoice_prefix": data.invoice.prefix,
                "invoice_start_number": data.invoice.start_number,
                "documents": _documents(data.others),
                "is_default": False,
                "created_at": now,
                "updated_at": now,
                "created_by_id": ctx.actor_id,
                "updated_by_id": ctx.actor_id,
            }
            for data in sets
        ]
        conn.execute(insert(t.sequence_sets), rows)
        for prefix, start in starts.items():
            _move_counter(conn, ctx.entity_id, DocumentPrefix(prefix, start))
        ids = [r["id"] for r in rows]
        found = {r.id: r for r in conn.execute(select(t.sequence_sets).where(t.sequence_sets.c.id.in_(ids)))}
        return [_view(found[i]) for i in ids]


def _find(
    conn: Connection, entity_id: str, *, key: str | None = None, name: str | None = None, number: str | None = None
) -> Row[Any] | None:
    ss = t.sequence_sets
    query = select(ss).where(ss.c.entity_id == entity_id)
    if key is not None:
        query = query.where(or_(ss.c.id == key, ss.c.number == key, ss.c.name == key)).order_by(
            (ss.c.id == key).desc(), (ss.c.number == key).desc()
        )
    if name is not None:
        query = query.where(ss.c.name == name)
    if number is not None:
        query = query.where(ss.c.number == number)
    return conn.execute(query.limit(1)).first()


def _find_by_key(conn: Connection, entity_id: str, key: str, *, field_name: str = "id", obj: str = OBJ) -> Row[Any]:
    usable_key(key, field=field_name, obj=obj, what="sequence set")
    row = _find(conn, entity_id, key=key)
    if row is None:
        raise NotFound(f"'{field_name}': no sequence set with id, number or name {key!r}", field=field_name, obj=obj)
    return row


def list_sequence_sets(*, db: Database, ctx: Context, name: str | None = None) -> list[SequenceSetView]:
    """Every set of the entity, oldest first (the default set first); ``name`` filters by name or number."""
    ss = t.sequence_sets
    query = select(ss).where(ss.c.entity_id == ctx.entity_id)
    if name is not None:
        if "\x00" in name:
            return []
        query = query.where(or_(ss.c.name == name, ss.c.number == name))
    with db.read() as conn:
        rows = conn.execute(query.order_by(ss.c.is_default.desc(), ss.c.created_at, ss.c.name))
        return [_view(r) for r in rows]


def get_sequence_set(*, db: Database, ctx: Context, key: str) -> SequenceSetView:
    with db.read() as conn:
        return _view(_find_by_key(conn, ctx.entity_id, key))


def update_sequence_set(*, db: Database, ctx: Context, key: str, changes: SequenceSetChanges) -> SequenceSetView:
    """Change a set. A new invoice prefix starts at its start number (above what it already issued);
    the same prefix with a new start number moves on, never back."""
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find_by_key(conn, ctx.entity_id, key)
        current = _view(row)
        problems: list[BillforgeError] = []
        if changes.name is not None:
            name_problems = _name_problems("", changes.name)
            problems.extend(name_problems)
            if (
                not name_problems
                and changes.name != row.name
                and _find(conn, ctx.entity_id, name=changes.name) is not None
            ):
                problems.append(
                    RuleRestriction(
                        f"'name': a sequence set named {changes.name!r} already exists", field="name", obj=OBJ
                    )
                )
        invoice_changed = changes.invoice is not None and changes.invoice != current.invoice
        if changes.invoice is not None:
            problems.extend(_prefix_problems("invoice", changes.invoice))
        for kind, document in sorted(changes.others.items()):
            problems.extend(_prefix_problems(kind, document))
        if not problems and changes.invoice is not None and invoice_changed:
            problem = _start_problem(conn, ctx.entity_id, "invoice", changes.invoice)
            if problem is not None:
                problems.append(problem)
        raise_all(problems)
        values: dict[str, Any] = {"updated_at": ctx.now(), "updated_by_id": ctx.actor_id}
        if changes.name is not None:
            values["name"] = changes.name
        if changes.invoice is not None and invoice_changed:
            values["invoice_prefix"] = changes.invoice.prefix
            values["invoice_start_number"] = changes.invoice.start_number
            _move_counter(conn, ctx.entity_id, changes.invoice)
        if changes.others:
            values["documents"] = _documents({**current.others, **changes.others})
        conn.execute(update(t.sequence_sets).where(t.sequence_sets.c.id == row.id).values(values))
        return _view(_find_by_key(conn, ctx.entity_id, row.id))


def delete_sequence_set(*, db: Database, ctx: Context, key: str) -> None:
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find_by_key(conn, ctx.entity_id, key)
        if row.is_default:
            raise RuleRestriction(
                f"'id': {row.name!r} is the default sequence set and cannot be deleted",
                field="id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            )
        used: int = conn.execute(
            select(func.count()).where(t.accounts.c.entity_id == ctx.entity_id, t.accounts.c.sequence_set_id == row.id)
        ).scalar_one()
        if used:
            raise RuleRestriction(
                f"'id': the sequence set {row.name!r} is used by {used} account(s) and cannot be deleted",
                field="id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            )
        try:
            conn.execute(delete(t.sequence_sets).where(t.sequence_sets.c.id == row.id))
        except IntegrityError:
            raise RuleRestriction(
                f"'id': the sequence set {row.name!r} is still referenced and cannot be deleted",
                field="id",
                obj=OBJ,
                code=ErrorCode.CANNOT_DELETE,
            ) from None


def set_default_sequence_set(*, db: Database, ctx: Context, key: str) -> SequenceSetView:
    """Make a set the one used by accounts without a set of their own."""
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        row = _find_by_key(conn, ctx.entity_id, key, field_name="sequenceSet")
        ss = t.sequence_sets
        conn.execute(update(ss).where(ss.c.entity_id == ctx.entity_id).values(is_default=ss.c.id == row.id))
        return _view(_find_by_key(conn, ctx.entity_id, row.id))


# --- for the invoice services ---------------------------------------------------------------


def resolve_sequence_set(conn: Connection, *, entity_id: str, key: str) -> str:
    """The id of the set with this id, number or name (the ``sequenceSet`` field of an invoice)."""
    return str(_find_by_key(conn, entity_id, key, field_name="sequenceSet", obj="invoice").id)


def allocate_invoice_numbers(conn: Connection, *, entity_id: str, sequence_set_id: str | None, count: int) -> list[str]:
    """``count`` new invoice numbers from the set (``None``: the entity's default set), in order.

    One ``UPDATE ... RETURNING`` reserves the whole batch on the prefix's counter (a row lock on
    PostgreSQL, so concurrent batches get disjoint ranges); one ``IN`` query finds numbers that an
    invoice already uses, and only those are replaced, by another round of the same two queries.
    """
    if count <= 0:
        return []
    ss, counters = t.sequence_sets, t.invoice_number_counters
    chosen = ss.c.is_default.is_(True) if sequence_set_id is None else ss.c.id == sequence_set_id
    prefix_of_set = select(ss.c.invoice_prefix).where(ss.c.entity_id == entity_id, chosen).limit(1).scalar_subquery()
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        reserved = conn.execute(
            update(counters)
            .where(counters.c.entity_id == entity_id, counters.c.prefix == prefix_of_set)
            .values(next_number=counters.c.next_number + wanted)
            .returning(counters.c.prefix, counters.c.next_number)
        ).first()
        if reserved is None:
            raise NotFound(
                f"'sequenceSet': no sequence set with id {sequence_set_id!r}"
                if sequence_set_id is not None
                else "the entity has no default sequence set",
                field="sequenceSet",
                obj="invoice",
            )
        first = reserved.next_number - wanted
        candidates = [format_invoice_number(reserved.prefix, n) for n in range(first, reserved.next_number)]
        taken = set(
            conn.execute(
                select(t.invoices.c.invoice_number).where(
                    t.invoices.c.entity_id == entity_id, t.invoices.c.invoice_number.in_(candidates)
                )
            ).scalars()
        )
        numbers.extend(c for c in candidates if c not in taken)
    return numbers

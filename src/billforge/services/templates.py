"""The invoice template registry: one list of templates per entity, found by id.

Every entity starts with a default template (``tenant_defaults``). A template's body is Jinja2
(``pdf.templates`` lists its fields); a body that would not render an invoice is refused when it
is added, with ``INVALID_TEMPLATE`` and the line (``pdf.validate_template``). Names are 1 to 255
characters and unique in the entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Row, insert, select, update

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import BillforgeError, ErrorCode, InvalidValue, MissingValue, NotFound, RuleRestriction
from billforge.pdf import TemplateProblem, validate_template
from billforge.services.context import Context, new_id
from billforge.services.settings import lock, raise_all, usable_key
from billforge.services.tenant_defaults import DEFAULT_TEMPLATE_ENGINE

OBJ: Final = "invoiceTemplate"
NAME_MAX: Final = 255
BODY_MAX: Final = 1_000_000


@dataclass(slots=True)
class TemplateInput:
    name: str
    body: str
    description: str | None = None
    is_default: bool = False


def create_template(*, db: Database, ctx: Context, data: TemplateInput) -> str:
    """Store a template; ``is_default`` makes it the entity's default instead of the current one."""
    problems: list[BillforgeError] = []
    if not data.name.strip():
        problems.append(MissingValue("'name' must not be blank", field="name", obj=OBJ))
    elif len(data.name) > NAME_MAX or "\x00" in data.name:
        problems.append(InvalidValue(f"'name' must be 1 to {NAME_MAX} characters", field="name", obj=OBJ))
    if not data.body.strip():
        problems.append(MissingValue("'body' must not be empty", field="body", obj=OBJ))
    elif len(data.body) > BODY_MAX or "\x00" in data.body:
        problems.append(InvalidValue(f"'body' must be text of at most {BODY_MAX} characters", field="body", obj=OBJ))
    if data.description is not None and (len(data.description) > 255 or "\x00" in data.description):
        problems.append(InvalidValue("'description' must be at most 255 characters", field="description", obj=OBJ))
    raise_all(problems)
    check_body(data.body)
    with db.write() as conn:
        lock(conn, ctx.entity_id)
        it = t.invoice_templates
        taken = conn.execute(select(it.c.id).where(it.c.entity_id == ctx.entity_id, it.c.name == data.name)).first()
        if taken is not None:
            raise RuleRestriction(f"'name': a template named {data.name!r} already exists", field="name", obj=OBJ)
        if data.is_default:
            conn.execute(update(it).where(it.c.entity_id == ctx.entity_id).values(is_default=False))
        template_id = new_id()
        now = ctx.now()
        conn.execute(
            insert(it).values(
                id=template_id,
                entity_id=ctx.entity_id,
                name=data.name,
                description=data.description or None,
                engine=DEFAULT_TEMPLATE_ENGINE,
                body=data.body,
                is_default=data.is_default,
                created_at=now,
                updated_at=now,
                created_by_id=ctx.actor_id,
                updated_by_id=ctx.actor_id,
            )
        )
        return template_id


def check_body(body: str) -> None:
    """Refuse a body that would not render an invoice, with ``INVALID_TEMPLATE`` and its line."""
    try:
        validate_template(body)
    except TemplateProblem as problem:
        where = f"'body' line {problem.line}" if problem.line else "'body'"
        raise InvalidValue(
            f"INVALID_TEMPLATE: {where}: {problem.message}", field="body", obj=OBJ, code=ErrorCode.INVALID_TEMPLATE
        ) from None


def list_templates(*, db: Database, ctx: Context) -> list[Row[Any]]:
    """The entity's templates, the default first, then by name."""
    it = t.invoice_templates
    with db.read() as conn:
        return list(
            conn.execute(select(it).where(it.c.entity_id == ctx.entity_id).order_by(it.c.is_default.desc(), it.c.name))
        )


def find_template(conn: Connection, *, entity_id: str, template_id: str) -> Row[Any]:
    """A template of the entity by id (the ``templateId`` of an invoice)."""
    usable_key(template_id, field="templateId", obj="invoice", what="invoice template")
    it = t.invoice_templates
    row = conn.execute(select(it).where(it.c.entity_id == entity_id, it.c.id == template_id)).first()
    if row is None:
        raise NotFound(f"'templateId': no invoice template with id {template_id!r}", field="templateId", obj="invoice")
    return row


def default_template(conn: Connection, *, entity_id: str) -> Row[Any]:
    """The entity's default template (every entity has one from the start)."""
    it = t.invoice_templates
    row = conn.execute(select(it).where(it.c.entity_id == entity_id, it.c.is_default.is_(True)).limit(1)).first()
    if row is None:
        raise NotFound("the entity has no default invoice template", field="templateId", obj="invoice")
    return row

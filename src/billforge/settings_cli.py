"""``billforge settings``: tenant settings from the command line, for the ones Zuora has no
endpoint for (time zone, seller, defaults, templates) and as a shortcut for the others.

Every command takes ``--entity NAME`` (a name or id; the default entity when absent) and uses
``BILLFORGE_DATABASE_URL`` like the rest of the CLI. Errors print ``error: ...`` and exit with
the CLI's codes (3 invalid input, 4 not found, 5 conflict).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

import click
import orjson

from billforge.errors import BillforgeError, Category, InvalidValue

T = TypeVar("T")
CLI_ACTOR: Final = "cli"
EXIT_CODES: Final = {Category.NOT_FOUND: 4, Category.RULE_RESTRICTION: 5}

# ``settings set KEY VALUE``: key -> (what it sets, how the value is read)
BILLING_KEYS: Final = {
    "time-zone": "time_zone",
    "default-currency": "default_currency",
    "payment-term": "default_payment_term",
    "bill-cycle-day": "default_bill_cycle_day",
    "proration-unit": "proration_unit",
    "day-count": "day_count",
    "invoice-settlement": "invoice_settlement",
}
SELLER_KEYS: Final = {
    "seller.name": "name",
    "seller.address1": "address1",
    "seller.address2": "address2",
    "seller.city": "city",
    "seller.state": "state",
    "seller.postal-code": "postal_code",
    "seller.country": "country",
    "seller.tax-id": "tax_id",
    "seller.email": "email",
    "seller.phone": "phone",
    "seller.locale": "locale",
    "locale": "locale",
}
OTHER_KEYS: Final = ("sequence-set",)
ALL_KEYS: Final = (*BILLING_KEYS, *SELLER_KEYS, *OTHER_KEYS)


def _fail(error: BillforgeError) -> NoReturn:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(EXIT_CODES.get(error.category, 3))


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f").encode())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _print_json(value: Any) -> None:
    """Indented JSON; decimals as exact JSON numbers."""
    click.echo(orjson.dumps(value, default=_exact, option=orjson.OPT_INDENT_2).decode())


@contextmanager
def _session(entity: str | None) -> Iterator[tuple[Any, Any]]:
    """The database and a context acting in the entity; migrations applied first."""
    from billforge.config import Settings
    from billforge.db.migrate import upgrade
    from billforge.db.session import Database
    from billforge.services import tenancy
    from billforge.services.context import Context, SystemClock

    try:
        config = Settings()
    except Exception as exc:  # pydantic's ValidationError: explain and stop
        click.echo(f"error: invalid settings: {exc}", err=True)
        sys.exit(3)
    upgrade(config.database_url)
    db = Database(config.database_url)
    try:
        tenancy.ensure_default_entity(db=db, clock=SystemClock())
        with db.read() as conn:
            (chosen,) = tenancy.resolve_entities(conn, [entity or tenancy.DEFAULT_ENTITY])
        yield db, Context(entity_id=chosen.id, actor_id=CLI_ACTOR)
    except BillforgeError as error:
        _fail(error)
    finally:
        db.dispose()


def _run(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except BillforgeError as error:
        _fail(error)


entity_option = click.option("--entity", default=None, help="Entity name or id; the default entity if absent.")


@click.group(help="Tenant settings: billing rules, seller, currencies, payment terms, tax codes, templates.")
def settings() -> None:
    pass


@settings.command("show", help="Print every setting of the entity as JSON.")
@entity_option
def show(entity: str | None) -> None:
    from billforge.services import numbering, taxes, templates
    from billforge.services import settings as tenant

    with _session(entity) as (db, ctx):
        current = _run(lambda: tenant.get_settings(db=db, ctx=ctx))
        rules = current.billing_rules
        seller = current.seller
        _print_json(
            {
                "entity": ctx.entity_id,
                "timeZone": current.time_zone,
                "defaultCurrency": current.default_currency,
                "defaultPaymentTerm": current.default_payment_term,
                "billCycleDay": rules.default_bill_cycle_day,
                "prorationUnit": rules.proration_unit.value,
                "dayCount": rules.day_count.value,
                "invoiceSettlement": rules.invoice_settlement,
                "seller": {
                    "name": seller.name,
                    "address1": seller.address1,
                    "address2": seller.address2,
                    "city": seller.city,
                    "state": seller.state,
                    "postalCode": seller.postal_code,
                    "country": seller.country,
                    "taxId": seller.tax_id,
                    "email": seller.email,
                    "phone": seller.phone,
                    "locale": current.locale,
                },
                "currencies": [
                    {
                        "code": c.code,
                        "decimalPlaces": c.minor_units,
                        "roundingMode": c.rounding_mode,
                        "active": c.active,
                    }
                    for c in tenant.list_currencies(db=db, ctx=ctx)
                ],
                "paymentTerms": [
                    {"name": p.name, "dueDays": p.due_days, "active": p.active}
                    for p in tenant.list_payment_terms(db=db, ctx=ctx)
                ],
                "sequenceSets": [
                    {"id": s.id, "name": s.name, "prefix": s.invoice.prefix, "default": s.is_default}
                    for s in numbering.list_sequence_sets(db=db, ctx=ctx)
                ],
                "taxCodes": [{"name": c.name, "active": c.active} for c in taxes.list_tax_codes(db=db, ctx=ctx)],
                "invoiceTemplates": [
                    {"id": r.id, "name": r.name, "default": r.is_default}
                    for r in templates.list_templates(db=db, ctx=ctx)
                ],
            }
        )


def _bool(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "on", "yes", "1"):
        return True
    if lowered in ("false", "off", "no", "0"):
        return False
    raise InvalidValue(f"{key} must be true or false, got {value!r}", field=key)


def _int(key: str, value: str) -> int:
    if not value.strip().lstrip("-").isdigit() or len(value.strip()) > 9:
        raise InvalidValue(f"{key} must be an integer, got {value!r}", field=key)
    return int(value)


@settings.command("set", help=f"Set one setting. KEY is one of: {', '.join(ALL_KEYS)}.")
@click.argument("key")
@click.argument("value")
@entity_option
def set_value(key: str, value: str, entity: str | None) -> None:
    from billforge.services import numbering
    from billforge.services import settings as tenant

    if key not in ALL_KEYS:
        click.echo(f"error: unknown setting {key!r}; known settings: {', '.join(ALL_KEYS)}", err=True)
        sys.exit(3)
    with _session(entity) as (db, ctx):
        if key in BILLING_KEYS:
            name = BILLING_KEYS[key]
            converted: Any = value
            if name == "invoice_settlement":
                converted = _run(lambda: _bool(key, value))
            elif name == "default_bill_cycle_day":
                converted = _run(lambda: _int(key, value))
            changes = tenant.BillingRulesChanges(**{name: converted})
            _run(lambda: tenant.update_billing_rules(db=db, ctx=ctx, changes=changes))
        elif key in SELLER_KEYS:
            seller = tenant.SellerChanges(**{SELLER_KEYS[key]: value})
            _run(lambda: tenant.update_seller(db=db, ctx=ctx, changes=seller))
        else:
            _run(lambda: numbering.set_default_sequence_set(db=db, ctx=ctx, key=value))
    click.echo(f"{key} = {value}")


@settings.group("tax-code", help="Tax codes and their rates (Zuora Tax).")
def tax_code() -> None:
    pass


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidValue(f"--rate must be a number, got {value!r}", field="taxRate") from None
    if not number.is_finite():
        raise InvalidValue(f"--rate must be a finite number, got {value!r}", field="taxRate")
    return number


@tax_code.command("add", help="Add a rate to tax code CODE (created when new). Percentages are fractions: 7% is 0.07.")
@click.argument("code")
@click.option("--rate-name", required=True, help="The tax's name on invoices, e.g. VAT.")
@click.option("--rate", "rate_value", required=True, help="0.07 for 7% (Percentage), or an amount (FlatFee).")
@click.option("--type", "rate_type", type=click.Choice(["Percentage", "FlatFee"]), default="Percentage")
@click.option("--country", default=None, help="Applies only to sold-to contacts in this country.")
@click.option("--state", default=None, help="Applies only to sold-to contacts in this state.")
@click.option("--jurisdiction", default=None)
@click.option("--location-code", default=None)
@click.option("--rate-description", default=None)
@click.option(
    "--start-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Effective from (yyyy-mm-dd)."
)
@click.option("--end-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Effective to (yyyy-mm-dd).")
@click.option("--description", default=None, help="The tax code's description.")
@entity_option
def tax_code_add(
    code: str,
    rate_name: str,
    rate_value: str,
    rate_type: str,
    country: str | None,
    state: str | None,
    jurisdiction: str | None,
    location_code: str | None,
    rate_description: str | None,
    start_date: Any,
    end_date: Any,
    description: str | None,
    entity: str | None,
) -> None:
    from billforge.api.schemas.settings import tax_code_answer
    from billforge.services import taxes

    rate = taxes.TaxRateInput(
        name=rate_name,
        rate=_run(lambda: _decimal(rate_value)),
        rate_type=rate_type,
        jurisdiction=jurisdiction,
        country=country,
        state=state,
        location_code=location_code,
        description=rate_description,
        effective_start_date=_date(start_date),
        effective_end_date=_date(end_date),
    )
    with _session(entity) as (db, ctx):
        view = _run(lambda: taxes.add_tax_rate(db=db, ctx=ctx, code_name=code, rate=rate, description=description))
        _print_json(tax_code_answer(view))


def _date(value: Any) -> date | None:
    return None if value is None else value.date()  # click.DateTime gives a datetime


@tax_code.command("list", help="List the tax codes.")
@entity_option
def tax_code_list(entity: str | None) -> None:
    from billforge.api.schemas.settings import tax_code_summary
    from billforge.services import taxes

    with _session(entity) as (db, ctx):
        _print_json([tax_code_summary(r) for r in taxes.list_tax_codes(db=db, ctx=ctx)])


@tax_code.command("delete", help="Delete tax code CODE (a name or id) and its rates.")
@click.argument("code")
@entity_option
def tax_code_delete(code: str, entity: str | None) -> None:
    from billforge.services import taxes

    with _session(entity) as (db, ctx):
        _run(lambda: taxes.delete_tax_code(db=db, ctx=ctx, tax_code_id=code))
    click.echo(f"deleted tax code {code}")


@settings.group("template", help="The invoice template registry (Jinja2 bodies).")
def template() -> None:
    pass


@template.command("add", help="Add an invoice template NAME whose Jinja2 body is the file FILE.")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--description", default=None)
@click.option("--default", "make_default", is_flag=True, help="Make it the entity's default template.")
@entity_option
def template_add(name: str, file: Path, description: str | None, make_default: bool, entity: str | None) -> None:
    from billforge.services import templates

    try:
        body = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"error: cannot read {file}: {exc}", err=True)
        sys.exit(3)
    data = templates.TemplateInput(name=name, body=body, description=description, is_default=make_default)
    with _session(entity) as (db, ctx):
        template_id = _run(lambda: templates.create_template(db=db, ctx=ctx, data=data))
    _print_json({"id": template_id, "name": name})


@template.command("check", help="Check the Jinja2 template in FILE as `add` would, without adding it.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def template_check(file: Path) -> None:
    from billforge.services import templates

    try:
        body = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"error: cannot read {file}: {exc}", err=True)
        sys.exit(3)
    _run(lambda: templates.check_body(body))
    click.echo(f"{file}: the template renders invoices")


@template.command("list", help="List the invoice templates.")
@entity_option
def template_list(entity: str | None) -> None:
    from billforge.services import templates

    with _session(entity) as (db, ctx):
        _print_json(
            [
                {"id": r.id, "name": r.name, "description": r.description, "default": r.is_default}
                for r in templates.list_templates(db=db, ctx=ctx)
            ]
        )

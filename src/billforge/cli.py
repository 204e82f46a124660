"""The ``billforge`` command line. Scripts outside this code base rely on these commands and
their options: keep them exactly (see the README)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, NoReturn

import click

from billforge import __version__, settings_cli
from billforge.bulk.cli import bulk
from billforge.config import Settings
from billforge.errors import BillforgeError, Category

# Exit codes: 0 success, 1 unexpected failure, 2 usage (click), 3 invalid input, 4 not found,
# 5 conflict with existing data.
EXIT_CODES = {Category.NOT_FOUND: 4, Category.RULE_RESTRICTION: 5}


def _fail(error: BillforgeError) -> NoReturn:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(EXIT_CODES.get(error.category, 3))


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's ValidationError: explain and stop
        click.echo(f"error: invalid settings: {exc}", err=True)
        sys.exit(3)


def _prepare(settings: Settings) -> None:
    """Apply migrations and make sure the default entity exists."""
    from billforge.db.migrate import upgrade
    from billforge.db.session import Database
    from billforge.services import tenancy
    from billforge.services.context import SystemClock

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        tenancy.ensure_default_entity(db=db, clock=SystemClock())
    finally:
        db.dispose()


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


@click.group(help="billforge: a self-hostable invoicing engine that speaks Zuora's invoice API.")
@click.version_option(__version__, prog_name="billforge")
def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command(help="Run the API server (REST /v1, SOAP, web page). Applies migrations first.")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default 8080).")
def serve(host: str | None, port: int | None) -> None:
    import uvicorn

    from billforge.api.app import create_app

    settings = _settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    _prepare(settings)
    app = create_app(settings)
    click.echo(f"billforge {__version__} on http://{settings.host}:{settings.port} (database: {settings.database_url})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", proxy_headers=False)


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply all migrations to BILLFORGE_DATABASE_URL.")
def db_upgrade() -> None:
    settings = _settings()
    _prepare(settings)
    click.echo("database is up to date")


@db.command("check", help="Fail if the migrations do not build exactly the tables in code.")
def db_check() -> None:
    from billforge.db.migrate import check

    settings = _settings()
    _prepare(settings)
    check(settings.database_url)
    click.echo("migrations match the tables")


@main.group(help="Entities: tenants inside one installation; nothing is shared between them.")
def entities() -> None:
    pass


@entities.command("create", help="Create an entity named NAME (with the default tenant settings).")
@click.argument("name")
def entities_create(name: str) -> None:
    from billforge.db.session import Database
    from billforge.services import tenancy
    from billforge.services.context import SystemClock

    settings = _settings()
    _prepare(settings)
    database = Database(settings.database_url)
    try:
        entity = tenancy.create_entity(db=database, name=name, clock=SystemClock())
    except BillforgeError as error:
        _fail(error)
    finally:
        database.dispose()
    _print_json({"id": entity.id, "name": entity.name})


@entities.command("list", help="List the entities.")
def entities_list() -> None:
    from billforge.db.session import Database
    from billforge.services import tenancy

    settings = _settings()
    _prepare(settings)
    database = Database(settings.database_url)
    try:
        _print_json([{"id": e.id, "name": e.name} for e in tenancy.list_entities(db=database)])
    finally:
        database.dispose()


@main.group(help="OAuth clients (client-credentials) for the REST API.")
def clients() -> None:
    pass


@clients.command("create", help="Create an OAuth client; prints JSON with client_id and client_secret.")
@click.option("--client-id", default=None, help="A UUID; generated when absent.")
@click.option("--client-secret", default=None, help="At most 42 characters; generated when absent.")
@click.option("--entity", "entity_names", multiple=True, help="Entity name or id (repeatable); default entity if none.")
def clients_create(client_id: str | None, client_secret: str | None, entity_names: tuple[str, ...]) -> None:
    from billforge.db.session import Database
    from billforge.services import tenancy
    from billforge.services.context import SystemClock

    settings = _settings()
    _prepare(settings)
    database = Database(settings.database_url)
    try:
        created = tenancy.create_client(
            db=database,
            clock=SystemClock(),
            client_id=client_id,
            client_secret=client_secret,
            entities=list(entity_names) or None,
        )
    except BillforgeError as error:
        _fail(error)
    finally:
        database.dispose()
    _print_json(
        {"client_id": created.client_id, "client_secret": created.client_secret, "entity_ids": list(created.entity_ids)}
    )


@main.group(help="API users: SOAP login and the web page.")
def users() -> None:
    pass


@users.command("create", help="Create an API user.")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--entity", "entity_name", default=None, help="Entity name or id; the default entity if absent.")
def users_create(username: str, password: str, entity_name: str | None) -> None:
    from billforge.db.session import Database
    from billforge.services import tenancy
    from billforge.services.context import SystemClock

    settings = _settings()
    _prepare(settings)
    database = Database(settings.database_url)
    try:
        user_id = tenancy.create_user(
            db=database, clock=SystemClock(), username=username, password=password, entity=entity_name
        )
    except BillforgeError as error:
        _fail(error)
    finally:
        database.dispose()
    _print_json({"id": user_id, "username": username})


@main.command(help="Load a small catalog, three accounts and subscriptions, and bill them up to today.")
@click.option("--entity", "entity_name", default=None, help="Entity name or id; the default entity if absent.")
def demo(entity_name: str | None) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from billforge.db.session import Database
    from billforge.services import tenancy, tenant_settings
    from billforge.services.context import Context, SystemClock
    from billforge.services.demo import load_demo

    settings = _settings()
    _prepare(settings)
    database = Database(settings.database_url)
    try:
        with database.read() as conn:
            (entity,) = tenancy.resolve_entities(conn, [entity_name or tenancy.DEFAULT_ENTITY])
            zone = ZoneInfo(tenant_settings.load(conn, entity.id).time_zone)
        ctx = Context(entity_id=entity.id, actor_id="billforge-demo", clock=SystemClock())
        made = load_demo(db=database, ctx=ctx, today=datetime.now(zone).date())
    except BillforgeError as error:
        _fail(error)
    finally:
        database.dispose()
    click.echo(f"demo data loaded in entity {entity.name!r}:")
    for invoice in made:
        click.echo(f"  {invoice.account_number}  {invoice.invoice_number}  {invoice.amount:>10.2f}  {invoice.status}")
    click.echo("next: `billforge clients create`, then `billforge serve`, and GET /v1/invoices/{number}")


main.add_command(settings_cli.settings)
main.add_command(bulk)

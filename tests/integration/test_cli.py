"""The CLI contract scripts rely on: ``db upgrade``, ``entities create``, ``clients create``,
``users create``, ``demo`` and ``--help``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from billforge.cli import main
from billforge.db.session import Database
from billforge.services import invoices, tenancy
from billforge.services.context import SystemClock
from billforge.services.demo import load_demo
from tests.conftest import Tenant, free_port


def run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"BILLFORGE_DATABASE_URL": database_url})


def test_help_explains_every_command(database_url: str) -> None:
    result = run(database_url, "--help")
    assert result.exit_code == 0
    for command in ("serve", "db", "entities", "clients", "users", "demo", "bulk", "settings"):
        assert f"  {command} " in result.output


def test_db_upgrade_is_repeatable(database_url: str) -> None:
    assert run(database_url, "db", "upgrade").exit_code == 0
    again = run(database_url, "db", "upgrade")
    assert again.exit_code == 0
    assert "database is up to date" in again.output


def test_clients_create_prints_uuid_and_short_secret(database_url: str) -> None:
    result = run(database_url, "clients", "create")
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert str(uuid.UUID(created["client_id"])) == created["client_id"]  # 36 characters with hyphens
    assert 1 <= len(created["client_secret"]) <= 42


def test_clients_create_with_given_credentials_and_entities(database_url: str, db: Database) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    assert run(database_url, "entities", "create", name).exit_code == 0
    client_id = str(uuid.uuid4())
    result = run(
        database_url, "clients", "create", "--client-id", client_id, "--client-secret", "s" * 42, "--entity", name
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert (created["client_id"], created["client_secret"]) == (client_id, "s" * 42)
    with db.read() as conn:
        (entity,) = tenancy.resolve_entities(conn, [name])
    assert created["entity_ids"] == [entity.id]


def test_clients_create_refuses_bad_input(database_url: str) -> None:
    not_uuid = run(database_url, "clients", "create", "--client-id", "abc")
    assert not_uuid.exit_code == 3
    assert "client id must be a UUID" in not_uuid.output
    long_secret = run(database_url, "clients", "create", "--client-secret", "s" * 43)
    assert long_secret.exit_code == 3
    unknown_entity = run(database_url, "clients", "create", "--entity", "no-such-entity")
    assert unknown_entity.exit_code == 4


def test_a_client_without_entity_belongs_to_the_default_entity(database_url: str, db: Database) -> None:
    result = run(database_url, "clients", "create")
    assert result.exit_code == 0, result.output
    default = tenancy.ensure_default_entity(db=db, clock=SystemClock())
    assert json.loads(result.output)["entity_ids"] == [default.id]


@pytest.mark.sqlite_only
def test_serve_makes_and_migrates_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    # No BILLFORGE_DATABASE_URL: the default is ./billforge.db; serve migrates it before it answers.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLFORGE_")}
    env["BILLFORGE_WORKERS"] = "0"
    port = free_port()
    command = [str(Path(sys.executable).with_name("billforge")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0].decode()
                assert time.monotonic() < deadline, "billforge serve did not answer within 60 s"
                time.sleep(0.2)
        # GET /health answers without a token.
        assert health.status_code == 200
        assert (health.json()["status"], health.json()["database"]) == ("ok", "sqlite")
        database = tmp_path / "billforge.db"
        with sqlite3.connect(database) as conn:
            (revisions,) = conn.execute("SELECT count(*) FROM alembic_version").fetchone()
        assert revisions == 1
        created = json.loads(run(f"sqlite:///{database}", "clients", "create").output)
        token = httpx.post(
            f"http://127.0.0.1:{port}/oauth/token",
            data={**created, "grant_type": "client_credentials"},
        )
        assert token.status_code == 200, token.text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_users_create(database_url: str, db: Database) -> None:
    username = f"soap-{uuid.uuid4().hex[:8]}"
    result = run(database_url, "users", "create", "--username", username, "--password", "correct horse")
    assert result.exit_code == 0, result.output
    assert tenancy.verify_user(db=db, username=username, password="correct horse")
    duplicate = run(database_url, "users", "create", "--username", username, "--password", "correct horse")
    assert duplicate.exit_code == 5


def test_demo_bills_three_accounts(db: Database, tenant: Tenant) -> None:
    made = load_demo(db=db, ctx=tenant.ctx, today=date(2024, 6, 15))
    by_account = {m.account_number: m for m in made}
    acme = by_account["DEMO-001"]
    # Acme starts 95 days before 2024-06-15, on 2024-03-12; bill cycle day 1, monthly in advance:
    #   platform fee 99.00 x 20/31 (12-31 March) = 63.87, then April, May, June: 3 x 99.00 = 297.00
    #   onboarding once: 250.00
    #   API calls in arrears (first 10,000 a month at 0.002, the rest at 0.001):
    #     March 4,000 -> 8.00; April 5,500 + 7,000 = 12,500 -> 20.00 + 2.50 = 22.50;
    #     May 8,500 + 10,000 = 18,500 -> 20.00 + 8.50 = 28.50 (June has not ended)
    #   total 63.87 + 297.00 + 250.00 + 8.00 + 22.50 + 28.50 = 669.87
    assert acme.amount == Decimal("669.87")
    assert acme.status == "Posted"
    assert [m.status for m in made[1:]] == ["Draft", "Draft"]
    row, _ = invoices.get_invoice(db=db, ctx=tenant.ctx, key=acme.invoice_number)
    assert row.due_date == date(2024, 7, 15)  # Net 30 from 2024-06-15


def test_demo_refuses_to_load_twice(database_url: str, db: Database) -> None:
    name = f"demo-{uuid.uuid4().hex[:8]}"
    tenancy.create_entity(db=db, name=name, clock=SystemClock())
    first = run(database_url, "demo", "--entity", name)
    assert first.exit_code == 0, first.output
    assert "DEMO-001" in first.output
    second = run(database_url, "demo", "--entity", name)
    assert second.exit_code == 5
    assert "already loaded" in second.output

"""Test fixtures shared by every tier.

Databases: ``--db sqlite`` (default) or ``--db postgresql``. Each test worker gets its own
database, migrated with Alembic. Instead of rolling a transaction back after each test, every
test gets its own *entity* (a tenant): nothing of one entity is visible through another, so
tests cannot see each other's rows, and the same isolation holds for tests that drive a real
server over HTTP from several threads (which a rolled-back transaction could not serve).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from billforge.config import Settings
from billforge.db.migrate import upgrade
from billforge.db.session import Database
from billforge.services import tenancy
from billforge.services.context import Context, SystemClock

POSTGRES_ADMIN_URL = os.environ.get(
    "BILLFORGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("BILLFORGE_TEST_DB", "sqlite"),
        choices=("sqlite", "postgresql"),
        help="database backend for integration and scenario tests",
    )


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    value: str = request.config.getoption("--db")
    return value


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / f"billforge-{_worker()}.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"billforge_test_{_worker()}_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, host="127.0.0.1")


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url, pool_size=20)
    tenancy.ensure_default_entity(db=database, clock=SystemClock())
    yield database
    database.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """billforge's app served by uvicorn in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, settings: Settings, db: Database) -> None:
        from billforge.api.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings, db=db), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(settings: Settings, db: Database) -> Iterator[ServerThread]:
    with ServerThread(settings, db) as running:
        yield running


@dataclass(frozen=True)
class Tenant:
    """A fresh entity with its own OAuth client: one per test."""

    entity_id: str
    entity_name: str
    client_id: str
    client_secret: str

    @property
    def ctx(self) -> Context:
        return Context(entity_id=self.entity_id, actor_id=self.client_id)


def make_tenant(db: Database) -> Tenant:
    name = f"t-{uuid.uuid4().hex[:12]}"
    entity = tenancy.create_entity(db=db, name=name, clock=SystemClock())
    client = tenancy.create_client(db=db, clock=SystemClock(), entities=[entity.id])
    return Tenant(entity.id, name, client.client_id, client.client_secret)


@pytest.fixture
def tenant(db: Database) -> Tenant:
    return make_tenant(db)


def bearer_token(base_url: str, tenant: Tenant) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={"client_id": tenant.client_id, "client_secret": tenant.client_secret, "grant_type": "client_credentials"},
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def http(server: ServerThread, tenant: Tenant) -> Iterator[httpx.Client]:
    """Raw HTTP with a bearer token for this test's tenant."""
    token = bearer_token(server.url, tenant)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        yield client


@pytest.fixture
def zuora(server: ServerThread, tenant: Tenant) -> object:
    """Zuora's official Python SDK, pointed at the test server, authenticated as this tenant."""
    from zuora_sdk import Configuration
    from zuora_sdk.zuora_client import ZuoraClient

    client = ZuoraClient(
        client_id=tenant.client_id,
        client_secret=tenant.client_secret,
        env=None,
        config=Configuration(host=server.url),
    )
    client.initialize()
    return client

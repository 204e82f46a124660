"""Setup for the server-side bulk task tests (no tests here): a billforge server whose settings carry a
secret key, a database of their own for the tests that must control which worker runs a task, and
HTTP helpers for ``/bulk/tasks``."""

from __future__ import annotations

import csv
import io
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from billforge.config import Settings
from billforge.db.migrate import upgrade
from billforge.db.session import Database
from billforge.services import tenancy
from billforge.services.context import SystemClock
from tests.conftest import POSTGRES_ADMIN_URL, ServerThread, Tenant, bearer_token

SECRET_KEY: Final = "bulk-task-tests: a long random string, the same for every process"


@contextmanager
def secret_key_in_environment() -> Iterator[None]:
    """BILLFORGE_SECRET_KEY for the workers (they read it from the environment, as ``serve`` does)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLFORGE_SECRET_KEY", SECRET_KEY)
        yield


@contextmanager
def task_server(
    database_url: str, db: Database, *, workers: int, secret_key: str | None = SECRET_KEY
) -> Iterator[ServerThread]:
    settings = Settings(database_url=database_url, host="127.0.0.1", secret_key=secret_key, workers=workers)
    with ServerThread(settings, db) as running:
        yield running


@contextmanager
def own_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated database of its own (so that only the test's workers see its jobs)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'tasks.db'}"
        upgrade(url)
        yield url
        return
    name = f"billforge_tasks_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def default_entity(db: Database) -> None:
    tenancy.ensure_default_entity(db=db, clock=SystemClock())


@contextmanager
def client_for(server: ServerThread, tenant: Tenant) -> Iterator[httpx.Client]:
    token = bearer_token(server.url, tenant)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        yield client


def post_task(http: httpx.Client, csv_text: str, **fields: Any) -> httpx.Response:
    data = {"name": "May catch-up", **{k: str(v) for k, v in fields.items()}}
    return http.post("/bulk/tasks", data=data, files={"file": ("invoices.csv", csv_text.encode(), "text/csv")})


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()["task"]
    return task


def wait_for_task(http: httpx.Client, task_id: str, *, timeout: float = 60.0) -> dict[str, Any]:
    """The task once it has ended (succeeded, failed or canceled)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = http.get(f"/bulk/tasks/{task_id}")
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] = answer.json()["task"]
        if task["status"] in ("succeeded", "failed", "canceled"):
            return task
        assert time.monotonic() < deadline, f"the task did not end: {task}"
        time.sleep(0.1)


def results_of(http: httpx.Client, task_id: str) -> list[dict[str, str]]:
    answer = http.get(f"/bulk/tasks/{task_id}/results")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def environment_has_no_key() -> bool:
    return not os.environ.get("BILLFORGE_SECRET_KEY")

"""Server-side bulk tasks over ``/bulk/tasks``: created with a CSV upload, run by the workers inside
the server, against each target (``local``, ``rest:`` a billforge server, ``soap:`` billforge's own
SOAP endpoint); progress, results, cancel, saved logins, secrets, errors in billforge's REST shapes.
Amounts worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from test_bulk_support import HEADER, make_plan, subscribed_accounts
from test_bulk_tasks_support import (
    SECRET_KEY,
    client_for,
    created,
    default_entity,
    own_database,
    post_task,
    results_of,
    secret_key_in_environment,
    task_server,
    wait_for_task,
)
from test_soap_support import endpoint, soap_user

from billforge import __version__
from billforge.db.session import Database
from billforge.db.tables_bulk import bulk_target_logins, bulk_tasks
from billforge.db.tables_jobs import jobs
from billforge.domain.catalog import ChargeType
from billforge.services import invoices
from billforge.services.bulk_tasks import Keyring
from billforge.services.context import Context
from tests.conftest import ServerThread, Tenant, make_tenant


@pytest.fixture(scope="module")
def running(settings: Any, db: Database) -> Iterator[ServerThread]:
    """A server with a secret key and two workers (the ``serve`` shape)."""
    with secret_key_in_environment(), task_server(settings.database_url, db, workers=2) as server:
        yield server


@dataclass(frozen=True)
class Idle:
    """A server with a secret key and no workers, on a database of its own that no worker watches:
    its tasks stay queued. ``tenant`` is an entity of that database."""

    server: ServerThread
    db: Database
    tenant: Tenant


@pytest.fixture(scope="module")
def idle_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Database]]:
    with own_database(backend, tmp_path_factory.mktemp("idle")) as url:
        database = Database(url)
        default_entity(database)
        try:
            with task_server(url, database, workers=0) as server:
                yield server, database
        finally:
            database.dispose()


@pytest.fixture
def idle(idle_server: tuple[ServerThread, Database]) -> Idle:
    server, database = idle_server
    return Idle(server, database, make_tenant(database))


@pytest.fixture
def api(running: ServerThread, tenant: Tenant) -> Iterator[httpx.Client]:
    with client_for(running, tenant) as client:
        yield client


def csv_of(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def amount_and_status(db: Database, ctx: Context, invoice_id: str) -> tuple[Decimal, str]:
    row, _ = invoices.get_invoice(db=db, ctx=ctx, key=invoice_id)
    return Decimal(row.amount), str(row.status)


def local_target(server: ServerThread, db: Database, tenant: Tenant) -> dict[str, str]:  # noqa: ARG001
    return {"target": "local"}


def rest_target(server: ServerThread, db: Database, tenant: Tenant) -> dict[str, str]:  # noqa: ARG001
    return {"target": f"rest:{server.url}", "clientId": tenant.client_id, "clientSecret": tenant.client_secret}


def soap_target(server: ServerThread, db: Database, tenant: Tenant) -> dict[str, str]:
    user = soap_user(db, tenant)
    return {"target": f"soap:{endpoint(server, '52.0')}", "username": user.username, "password": user.password}


TARGETS: dict[str, Callable[[ServerThread, Database, Tenant], dict[str, str]]] = {
    "local": local_target,
    "rest": rest_target,
    "soap": soap_target,
}


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_a_task_runs_in_the_servers_workers_against_each_target(
    kind: str, running: ServerThread, api: httpx.Client, db: Database, tenant: Tenant
) -> None:
    ctx = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first, second = subscribed_accounts(db, ctx, plan, 2)
    fields = TARGETS[kind](running, db, tenant)
    task = created(
        post_task(
            api,
            csv_of(
                f"{first.id},,,,,,2024-01-01,TRUE",  # January: 100.00, posted
                f",{second.account_number},,,,,2024-02-01,TRUE",  # January + February: 2 x 100.00 = 200.00, posted
                f"{first.id},,,,,,2024-02-01,",  # February: 100.00, a draft
                f"{first.id},,,,,,2023-06-01,",  # before the subscription starts: nothing to bill
                f"{first.id},,,,,,2024-13-01,",  # no month 13: fails before reaching the target
            ),
            maxThreads=2,
            maxZObjects=2,
            **fields,
        )
    )
    assert task["status"] == "queued"
    assert task["target"] == fields["target"]
    assert (task["dateFormat"], task["maxThreads"], task["maxZObjects"]) == ("yyyy-MM-dd", 2, 2)
    assert task["version"] == __version__
    done = wait_for_task(api, task["id"])
    assert done["status"] == "succeeded", done
    # 5 rows: 3 Success, 2 Failed; 2 of the Success rows posted.
    assert done["rows"] == {"total": 5, "done": 5, "succeeded": 3, "failed": 2, "skipped": 0, "posted": 2}
    assert done["startedDate"] is not None and done["finishedDate"] is not None
    assert done["resultsUrl"] == f"/bulk/tasks/{task['id']}/results"
    rows = results_of(api, task["id"])
    assert [r["Status"] for r in rows] == ["Success", "Success", "Success", "Failed", "Failed"]
    assert [r["Posted"] for r in rows] == ["TRUE", "TRUE", "FALSE", "FALSE", "FALSE"]
    assert amount_and_status(db, ctx, rows[0]["InvoiceId"]) == (Decimal("100.00"), "Posted")
    assert amount_and_status(db, ctx, rows[1]["InvoiceId"]) == (Decimal("200.00"), "Posted")
    assert amount_and_status(db, ctx, rows[2]["InvoiceId"]) == (Decimal("100.00"), "Draft")
    assert rows[3]["ErrorCode"] == "INVALID_VALUE" and "nothing to bill" in rows[3]["ErrorMessage"]
    assert rows[4]["ErrorCode"] == "INVALID_VALUE" and "Invoice.TargetDate" in rows[4]["ErrorMessage"]
    assert invoices.count_invoices(db=db, ctx=ctx) == 3


def test_the_defaults_are_the_seeds(api: httpx.Client, db: Database, tenant: Tenant) -> None:
    (account,) = subscribed_accounts(db, tenant.ctx, make_plan(db, tenant.ctx, ChargeType.ONE_TIME, "25"), 1)
    answer = api.post(
        "/bulk/tasks",
        data={"name": "defaults"},
        files={"file": ("in.csv", csv_of(f"{account.id},,,,,,2024-01-01,").encode(), "text/csv")},
    )
    task = created(answer)
    # Target local, Date Format yyyy-MM-dd, Max Threads 1, Max zObjects 50, Version: this build.
    assert (task["target"], task["dateFormat"], task["maxThreads"], task["maxZObjects"]) == (
        "local",
        "yyyy-MM-dd",
        1,
        50,
    )
    assert task["version"] == __version__
    assert task["fileName"] == "in.csv"
    done = wait_for_task(api, task["id"])
    assert done["rows"]["succeeded"] == 1
    (row,) = results_of(api, task["id"])
    assert amount_and_status(db, tenant.ctx, row["InvoiceId"]) == (Decimal("25.00"), "Draft")  # the one-time fee


def test_a_date_format_from_the_advanced_tab(api: httpx.Client, db: Database, tenant: Tenant) -> None:
    plan = make_plan(db, tenant.ctx, ChargeType.RECURRING, "40", name="Monthly")
    (account,) = subscribed_accounts(db, tenant.ctx, plan, 1)
    task = created(post_task(api, csv_of(f"{account.id},,,,,15.03.2024,01.03.2024,"), dateFormat="dd.MM.yyyy"))
    wait_for_task(api, task["id"])
    (row,) = results_of(api, task["id"])
    assert row["Status"] == "Success", row
    invoice, _ = invoices.get_invoice(db=db, ctx=tenant.ctx, key=row["InvoiceId"])
    # January, February and March in advance: 3 x 40.00 = 120.00, dated 15 March.
    assert (Decimal(invoice.amount), str(invoice.invoice_date), str(invoice.target_date)) == (
        Decimal("120.00"),
        "2024-03-15",
        "2024-03-01",
    )


def test_a_login_the_target_refuses_fails_the_task(running: ServerThread, api: httpx.Client, tenant: Tenant) -> None:
    task = created(
        post_task(
            api,
            csv_of(f"{'1' * 32},,,,,,2024-01-01,"),
            target=f"soap:{endpoint(running, '52.0')}",
            username="nobody@example.com",
            password="not the password",
        )
    )
    done = wait_for_task(api, task["id"])
    assert done["status"] == "failed"
    assert "Invalid login" in done["message"]
    assert done["resultsUrl"] is None
    missing = api.get(f"/bulk/tasks/{task['id']}/results")
    assert missing.status_code == 404
    assert missing.json()["reasons"][0]["code"] == 50000040  # 500000 x 100 + 40 (not found)


def test_saved_logins_keep_their_secret_encrypted_and_never_answer_it(
    running: ServerThread, api: httpx.Client, db: Database, tenant: Tenant
) -> None:
    plan = make_plan(db, tenant.ctx, ChargeType.RECURRING, "100", name="Monthly")
    (account,) = subscribed_accounts(db, tenant.ctx, plan, 1)
    user = soap_user(db, tenant)
    answer = api.post(
        "/bulk/logins",
        json={
            "name": "billforge SOAP",
            "target": f"soap:{endpoint(running, '52.0')}",
            "username": user.username,
            "password": user.password,
        },
    )
    assert answer.status_code == 200, answer.text
    login = answer.json()["login"]
    assert login["user"] == user.username and user.password not in answer.text
    with db.read() as conn:
        stored = conn.execute(
            select(bulk_target_logins.c.secret).where(bulk_target_logins.c.id == login["id"])
        ).scalar()
    assert user.password not in stored
    assert Keyring(SECRET_KEY).open(stored) == user.password

    task = created(post_task(api, csv_of(f"{account.id},,,,,,2024-01-01,TRUE"), targetLogin=login["id"]))
    assert task["targetLogin"] == {"id": login["id"], "name": "billforge SOAP"}
    assert task["target"] == f"soap:{endpoint(running, '52.0')}"
    done = wait_for_task(api, task["id"])
    assert done["rows"]["succeeded"] == 1 and done["rows"]["posted"] == 1
    for path in ("/bulk/logins", f"/bulk/tasks/{task['id']}", "/bulk/tasks"):
        body = api.get(path).text
        assert user.password not in body, path

    listed = api.get("/bulk/logins").json()["logins"]
    assert [entry["name"] for entry in listed] == ["billforge SOAP"]
    assert api.delete(f"/bulk/logins/{login['id']}").status_code == 200
    assert api.get("/bulk/logins").json()["logins"] == []
    assert api.delete(f"/bulk/logins/{login['id']}").status_code == 404


def test_task_credentials_are_stored_encrypted_and_never_answered(
    running: ServerThread, api: httpx.Client, db: Database, tenant: Tenant
) -> None:
    fields = rest_target(running, db, tenant)
    response = post_task(api, csv_of(f"{'2' * 32},,,,,,2024-01-01,"), **fields)
    task = created(response)
    assert tenant.client_secret not in response.text
    assert task["targetUser"] == tenant.client_id
    with db.read() as conn:
        sealed = conn.execute(select(bulk_tasks.c.credentials).where(bulk_tasks.c.id == task["id"])).scalar()
    assert tenant.client_secret not in sealed
    assert Keyring(SECRET_KEY).open(sealed) == tenant.client_secret
    wait_for_task(api, task["id"])
    assert tenant.client_secret not in api.get(f"/bulk/tasks/{task['id']}").text


def test_no_secret_key_no_stored_credentials(settings: Any, db: Database, tenant: Tenant) -> None:
    with (
        task_server(settings.database_url, db, workers=0, secret_key=None) as server,
        client_for(server, tenant) as api,
    ):
        refused = post_task(
            api,
            csv_of(f"{'3' * 32},,,,,,2024-01-01,"),
            target="soap:https://example.com/apps/services/a/52.0",
            username="u@example.com",
            password="a password",
        )
        assert refused.status_code == 400
        (reason,) = refused.json()["reasons"]
        assert reason["code"] == 50000030  # 500000 x 100 + 30 (rule restriction)
        assert "BILLFORGE_SECRET_KEY is not set" in reason["message"]
        login = api.post(
            "/bulk/logins",
            json={"name": "x", "target": "rest:https://example.com", "clientId": "c", "clientSecret": "s"},
        )
        assert login.status_code == 400 and "BILLFORGE_SECRET_KEY" in login.text
        # The local target needs no secret: it is accepted.
        assert post_task(api, csv_of(f"{'3' * 32},,,,,,2024-01-01,")).status_code == 200


def test_canceling_a_queued_task(idle: Idle) -> None:
    with client_for(idle.server, idle.tenant) as api:
        task = created(post_task(api, csv_of(f"{'4' * 32},,,,,,2024-01-01,")))
        answer = api.post(f"/bulk/tasks/{task['id']}/cancel")
        assert answer.status_code == 200, answer.text
        canceled = answer.json()["task"]
        assert (canceled["status"], canceled["cancelRequested"]) == ("canceled", True)
        assert canceled["message"] == "canceled before it started"
        assert api.post(f"/bulk/tasks/{task['id']}/cancel").json()["task"]["status"] == "canceled"  # again: no change
        assert api.get(f"/bulk/tasks/{task['id']}/results").status_code == 404


def test_a_finished_task_cannot_be_canceled(api: httpx.Client, db: Database, tenant: Tenant) -> None:
    task = created(post_task(api, csv_of(f"{'5' * 32},,,,,,2024-01-01,")))
    done = wait_for_task(api, task["id"])
    assert done["status"] == "succeeded"
    assert done["rows"] == {"total": 1, "done": 1, "succeeded": 0, "failed": 1, "skipped": 0, "posted": 0}
    refused = api.post(f"/bulk/tasks/{task['id']}/cancel")
    assert refused.status_code == 400
    assert refused.json()["reasons"][0]["code"] == 50000030


def test_tasks_are_listed_newest_first_in_pages(idle: Idle) -> None:
    with client_for(idle.server, idle.tenant) as api:
        ids = [created(post_task(api, csv_of(), name=f"task {n}"))["id"] for n in range(3)]
        first = api.get("/bulk/tasks", params={"pageSize": 2}).json()
        assert [t["id"] for t in first["tasks"]] == [ids[2], ids[1]]
        assert first["nextPage"] == "/bulk/tasks?page=2&pageSize=2"
        second = api.get(first["nextPage"]).json()
        assert [t["id"] for t in second["tasks"]] == [ids[0]]
        assert "nextPage" not in second
        assert [t["status"] for t in second["tasks"]] == ["queued"]


def test_tasks_belong_to_their_entity(idle: Idle) -> None:
    other = make_tenant(idle.db)
    with client_for(idle.server, idle.tenant) as mine, client_for(idle.server, other) as theirs:
        task = created(post_task(mine, csv_of()))
        for method, path in (
            ("GET", f"/bulk/tasks/{task['id']}"),
            ("GET", f"/bulk/tasks/{task['id']}/results"),
            ("POST", f"/bulk/tasks/{task['id']}/cancel"),
        ):
            answer = theirs.request(method, path)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["success"] is False
        assert theirs.get("/bulk/tasks").json()["tasks"] == []


def test_bulk_paths_need_a_bearer_token(idle: Idle) -> None:
    for method, path in (("GET", "/bulk/tasks"), ("POST", "/bulk/tasks"), ("GET", "/bulk/template")):
        answer = httpx.request(method, f"{idle.server.url}{path}")
        assert answer.status_code == 401
        assert answer.json() == {
            "message": "Authentication error: a bearer token is required (Authorization: Bearer ...)"
        }


def test_the_template(idle: Idle) -> None:
    with client_for(idle.server, idle.tenant) as api:
        answer = api.get("/bulk/template")
    assert answer.status_code == 200
    assert answer.text == HEADER + "\r\n"
    assert 'filename="invoice-api-generator-template.csv"' in answer.headers["content-disposition"]


def reasons(answer: httpx.Response) -> list[tuple[int, str]]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["success"] is False
    return [(r["code"], r["message"]) for r in body["reasons"]]


def test_a_task_is_checked_before_it_is_queued(idle: Idle) -> None:
    with client_for(idle.server, idle.tenant) as api:
        good = csv_of(f"{'6' * 32},,,,,,2024-01-01,")
        # Codes: 500000 x 100 + category (20 invalid value, 21 unknown field, 22 missing value).
        assert reasons(api.post("/bulk/tasks", data={"name": "x"}, files={"other": ("a.csv", b"x")})) == [
            (
                50000021,
                "'other' is not a field of a bulk task (fields: name, version, target, targetLogin, dateFormat, "
                "maxThreads, maxZObjects, file, clientId, clientSecret, username, password)",
            ),
        ]
        assert reasons(api.post("/bulk/tasks", json={"name": "json"})) == [
            (
                50000020,
                "a bulk task is sent as multipart/form-data with the CSV in a part named 'file', not "
                "'application/json'",
            ),
        ]
        missing = reasons(post_task(api, good, name=""))
        assert missing == [(50000022, "'name' is required: the task's name")]
        bad = reasons(post_task(api, good, dateFormat="yyyy-MM-dd HH:mm", maxThreads=0, maxZObjects=51))
        assert [code for code, _ in bad] == [50000020, 50000020, 50000020]
        assert bad[0][1].startswith("'dateFormat': ")
        assert bad[1][1] == "'maxThreads' must be between 1 and 100, got 0"
        assert bad[2][1] == "'maxZObjects' must be between 1 and 50 (Zuora's limit of objects in one call), got 51"
        assert reasons(post_task(api, good, maxThreads="two")) == [
            (50000020, "'maxThreads' must be a whole number, got 'two'")
        ]
        assert reasons(post_task(api, "Invoice.AccountId,Invoice.Post\nabc,TRUE\n")) == [
            (
                50000020,
                "'file': the header has no Invoice.TargetDate column (the template's columns: Invoice.AccountId, "
                "Invoice.AccountNumber, Invoice.IncludesOneTime, Invoice.IncludesRecurring, Invoice.IncludesUsage, "
                "Invoice.Date, Invoice.TargetDate, Invoice.Post)",
            ),
        ]
        assert reasons(post_task(api, "")) == [(50000020, "'file' is empty: it needs the template's header line")]
        assert reasons(post_task(api, good, version="0.0.1")) == [
            (
                50000020,
                f"'version' must be {__version__}, the build of this installation (the only one it can run), "
                "not '0.0.1'",
            ),
        ]
        assert reasons(post_task(api, good, target="ftp://host")) == [
            (50000020, "'target' must be local, rest:URL or soap:URL, not 'ftp://host'"),
        ]
        assert reasons(post_task(api, good, target="local", password="x")) == [
            (
                50000020,
                "the local target bills this installation's entity and takes no credentials: leave out password",
            ),
        ]
        assert reasons(post_task(api, good, target="soap:https://example.com/a", clientId="c", clientSecret="s")) == [
            (
                50000020,
                "a soap: target logs in with username and password: leave out clientId, clientSecret "
                "(OAuth is not used for SOAP logins)",
            ),
        ]
        assert reasons(post_task(api, good, target="rest:https://example.com", clientId="c")) == [
            (50000022, "'clientSecret' is required: the rest: login's secret"),
        ]
        assert reasons(post_task(api, good, targetLogin="f" * 32)) == [
            (50000020, f"'targetLogin': no saved login with id {'f' * 32!r}"),
        ]
        assert reasons(api.post("/bulk/tasks", data={"name": "x"}, files={"file": ("a.csv", b"\xff\xfe\x00")})) == [
            (
                50000020,
                "'file' must be a CSV file in UTF-8: byte 1 is not UTF-8 text (save it from the spreadsheet "
                "as 'CSV UTF-8')",
            ),
        ]
        assert api.get("/bulk/tasks", params={"pageSize": 101}).json()["reasons"] == [
            {"code": 50000020, "message": "'pageSize' must be between 1 and 100, got 101"}
        ]
        assert api.get(f"/bulk/tasks/{'a' * 32}").status_code == 404


def test_a_task_whose_job_was_given_up_reads_as_failed(idle: Idle) -> None:
    with client_for(idle.server, idle.tenant) as api:
        task = created(post_task(api, csv_of()))
        with idle.db.write() as conn:
            job_id = conn.execute(select(bulk_tasks.c.job_id).where(bulk_tasks.c.id == task["id"])).scalar()
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(status="failed", last_error="given up after 25 attempts (its worker stopped each time)")
            )
        seen = api.get(f"/bulk/tasks/{task['id']}").json()["task"]
    assert seen["status"] == "failed"
    assert seen["message"] == (
        "the task's background job ended: given up after 25 attempts (its worker stopped each time)"
    )

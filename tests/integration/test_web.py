"""The web page at ``/ui`` over plain HTTP: login (users made as ``billforge users create`` makes them),
the signed session cookie, CSRF on every form, logout, the New Task form, saved logins, account and
invoice browsing, and the user's entity as the boundary. The browser test is in test_web_browser.py."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from test_bulk_support import HEADER, make_plan, subscribed_accounts
from test_bulk_tasks_support import secret_key_in_environment, task_server

from billforge import __version__
from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import accounts, billing, tenancy
from billforge.services.context import SystemClock
from tests.conftest import ServerThread, Tenant, make_tenant

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(settings: Any, db: Database) -> Iterator[ServerThread]:
    with secret_key_in_environment(), task_server(settings.database_url, db, workers=2) as server:
        yield server


@dataclass(frozen=True)
class User:
    username: str
    tenant: Tenant


def make_user(db: Database, tenant: Tenant) -> User:
    username = f"web-{uuid.uuid4().hex[:10]}@example.com"
    tenancy.create_user(db=db, clock=SystemClock(), username=username, password=PASSWORD, entity=tenant.entity_id)
    return User(username, tenant)


@pytest.fixture
def user(db: Database, tenant: Tenant) -> User:
    return make_user(db, tenant)


def form_token(html: str, name: str = "csrf") -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no {name} field in the page"
    return found.group(1)


@contextmanager
def log_in(site: ServerThread, user: User) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        page = client.get("/ui/login")
        answer = client.post(
            "/ui/login",
            data={"username": user.username, "password": PASSWORD, "csrf": form_token(page.text), "next": ""},
        )
        assert answer.status_code == 303, answer.text
        yield client


@pytest.fixture
def browser(site: ServerThread, user: User) -> Iterator[httpx.Client]:
    with log_in(site, user) as client:
        yield client


def test_pages_need_a_login_and_come_back_after_it(site: ServerThread, user: User) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        answer = client.get("/ui/accounts?q=Acme")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/login?next=%2Fui%2Faccounts%3Fq%3DAcme"
        page = client.get(answer.headers["location"])
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        login_cookie = page.headers["set-cookie"]
        assert "HttpOnly" in login_cookie and "SameSite=lax" in login_cookie and "Path=/ui" in login_cookie
        token = form_token(page.text)
        assert form_token(page.text, "next") == "/ui/accounts?q=Acme"
        answer = client.post(
            "/ui/login",
            data={"username": user.username, "password": PASSWORD, "csrf": token, "next": "/ui/accounts?q=Acme"},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/accounts?q=Acme"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("billforge_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
        assert client.get("/ui/accounts?q=Acme").status_code == 200


def test_a_wrong_password_or_a_forged_login_form_is_refused(site: ServerThread, user: User) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        token = form_token(client.get("/ui/login").text)
        wrong = client.post("/ui/login", data={"username": user.username, "password": "nope", "csrf": token})
        assert wrong.status_code == 401
        assert "Invalid login. User name and password do not match." in wrong.text
        assert "billforge_session" not in wrong.headers.get("set-cookie", "")
    with httpx.Client(base_url=site.url, timeout=30) as stranger:  # no login cookie: a form posted from elsewhere
        forged = stranger.post("/ui/login", data={"username": user.username, "password": PASSWORD, "csrf": token})
        assert forged.status_code == 403
        assert "The login form expired" in forged.text


def test_an_altered_cookie_is_no_session(site: ServerThread, user: User) -> None:
    with log_in(site, user) as client:
        value = client.cookies["billforge_session"]
        client.cookies.set("billforge_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), path="/ui")
        assert client.get("/ui/tasks").status_code == 303
        assert client.get(f"/ui/tasks/{'a' * 32}/progress").status_code == 401


def test_forms_without_the_csrf_token_are_refused(browser: httpx.Client, db: Database, user: User) -> None:
    csv_text = HEADER + "\n" + f"{'1' * 32},,,,,,2024-01-01,\n"
    refused = browser.post("/ui/tasks", data={"name": "x"}, files={"file": ("a.csv", csv_text.encode(), "text/csv")})
    assert refused.status_code == 403
    assert browser.post("/ui/logout").status_code == 403
    assert browser.post("/ui/logins", data={"name": "x"}).status_code == 403
    assert browser.get("/ui/tasks").status_code == 200  # still logged in


def test_logout(browser: httpx.Client) -> None:
    token = form_token(browser.get("/ui/tasks").text)
    answer = browser.post("/ui/logout", data={"csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/login"
    assert 'billforge_session=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    assert browser.get("/ui/tasks").status_code == 303


def test_the_new_task_form_has_the_seeds_fields_and_defaults(browser: httpx.Client) -> None:
    page = browser.get("/ui/tasks/new").text
    for label in (
        "General",
        "Advanced",
        "Name",
        "Version",
        "Target",
        "Date Format",
        "Choose File",
        "Max Threads",
        "Max zObjects",
        "Download template",
        "Create",
    ):
        assert label in page, label
    assert f'<option value="{__version__}" selected>billforge {__version__} (latest)</option>' in page
    assert 'id="dateFormat" name="dateFormat" maxlength="100" value="yyyy-MM-dd"' in page
    assert 'name="maxThreads" type="number" min="1" max="100" value="1"' in page
    assert 'name="maxZObjects" type="number" min="1" max="50" value="50"' in page
    assert '<option value="local" selected>' in page
    template = browser.get("/ui/template")
    assert template.text == HEADER + "\r\n"


def test_creating_a_task_from_the_form(browser: httpx.Client, db: Database, user: User) -> None:
    ctx = user.tenant.ctx
    (account,) = subscribed_accounts(db, ctx, make_plan(db, ctx, ChargeType.ONE_TIME, "30"), 1)
    page = browser.get("/ui/tasks/new").text
    form = {
        "csrf": form_token(page),
        "name": "From the form",
        "version": __version__,
        "target": "local",
        "dateFormat": "MM/dd/yyyy",
        "maxThreads": "1",
        "maxZObjects": "50",
    }
    bad = browser.post("/ui/tasks", data={**form, "maxZObjects": "51"}, files={"file": ("a.csv", b"x", "text/csv")})
    assert bad.status_code == 400
    assert "&#39;maxZObjects&#39; must be between 1 and 50" in bad.text
    assert 'value="From the form"' in bad.text  # what was typed stays
    content = f"{HEADER}\n{account.id},,,,,,01/15/2024,TRUE\n".encode()
    answer = browser.post("/ui/tasks", data=form, files={"file": ("jan.csv", content, "text/csv")})
    assert answer.status_code == 303
    task_path = answer.headers["location"]
    task_id = task_path.rsplit("/", 1)[1]
    progress: dict[str, Any] = {}
    for _ in range(300):
        progress = browser.get(f"{task_path}/progress").json()
        if progress["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert progress["status"] == "succeeded", progress
    assert progress["rows"] == {"total": 1, "done": 1, "succeeded": 1, "failed": 0, "skipped": 0, "posted": 1}
    results = browser.get(f"/ui/tasks/{task_id}/results")
    assert results.status_code == 200
    lines = results.text.splitlines()
    assert lines[0].endswith(",Status,InvoiceId,InvoiceNumber,Posted,ErrorCode,ErrorMessage")
    assert ",Success," in lines[1] and ",TRUE,," in lines[1]
    listing = browser.get("/ui/tasks").text
    assert "From the form" in listing and f"/ui/tasks/{task_id}/results" in listing


def test_saved_logins_from_the_page(browser: httpx.Client) -> None:
    page = browser.get("/ui/logins").text
    token = form_token(page)
    missing = browser.post("/ui/logins", data={"csrf": token, "name": "Tenant", "kind": "soap", "url": ""})
    assert missing.status_code == 400 and "&#39;target&#39; is required" in missing.text
    answer = browser.post(
        "/ui/logins",
        data={
            "csrf": token,
            "name": "Sandbox",
            "kind": "soap",
            "url": "https://apisandbox.zuora.com/apps/services/a/52.0",
            "principal": "ops@example.com",
            "secret": "s3cret-password",
        },
    )
    assert answer.status_code == 303
    listing = browser.get("/ui/logins").text
    assert "Sandbox" in listing and "ops@example.com" in listing and "s3cret-password" not in listing
    new_task = browser.get("/ui/tasks/new").text
    assert "Sandbox: soap:https://apisandbox.zuora.com/apps/services/a/52.0 (ops@example.com)" in new_task
    login_id = re.search(r'action="/ui/logins/([0-9a-f]{32})/delete"', listing)
    assert login_id is not None
    assert browser.post(f"/ui/logins/{login_id.group(1)}/delete", data={"csrf": token}).status_code == 303
    assert "Sandbox" not in browser.get("/ui/logins").text


def test_account_and_invoice_browsing(browser: httpx.Client, db: Database, user: User) -> None:
    ctx = user.tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first, second = subscribed_accounts(db, ctx, plan, 2)
    accounts.update_account(db=db, ctx=ctx, key=second.id, changes=accounts.AccountChanges(name="Globex Ltd"))
    (invoice_id,) = billing.generate_invoices(
        db=db, ctx=ctx, account_key=first.id, invoice_date=date(2024, 2, 1), target_date=date(2024, 2, 1)
    )
    listing = browser.get("/ui/accounts").text
    assert first.account_number in listing and second.account_number in listing
    found = browser.get("/ui/accounts", params={"q": "Globex"}).text
    assert second.account_number in found and first.account_number not in found
    assert "1 account." in found
    assert "No account matches" in browser.get("/ui/accounts", params={"q": "globex"}).text  # letter case counts
    by_number = browser.get("/ui/accounts", params={"q": first.account_number}).text
    assert f"/ui/accounts/{first.id}" in by_number
    page = browser.get(f"/ui/accounts/{first.id}").text
    assert f"/ui/invoices/{invoice_id}" in page
    assert "2024-02-01" in page and "200.00" in page  # January and February in advance: 2 x 100.00
    invoice = browser.get(f"/ui/invoices/{invoice_id}").text
    assert '<dd id="invoice-amount">200.00</dd>' in invoice
    assert invoice.count("<td>Monthly</td>") == 2  # one item per month
    assert "2024-01-01 to 2024-01-31" in invoice and "2024-02-01 to 2024-02-29" in invoice


def test_the_users_entity_is_the_boundary(site: ServerThread, browser: httpx.Client, db: Database, user: User) -> None:
    other = make_user(db, make_tenant(db))
    ctx = other.tenant.ctx
    (theirs,) = subscribed_accounts(db, ctx, None, 1)
    assert browser.get(f"/ui/accounts/{theirs.id}").status_code == 404
    assert theirs.account_number not in browser.get("/ui/accounts").text
    with log_in(site, other) as them:
        page = them.get("/ui/tasks/new").text
        content = f"{HEADER}\n{theirs.id},,,,,,2024-01-01,\n".encode()
        answer = them.post(
            "/ui/tasks", data={"csrf": form_token(page), "name": "theirs"}, files={"file": ("t.csv", content)}
        )
        task_path = answer.headers["location"]
    assert browser.get(task_path).status_code == 404
    assert browser.get(f"{task_path}/progress").status_code == 404
    assert browser.get(f"{task_path}/results").status_code == 404

"""The web page in headless Chromium (Playwright): log in, create a task on the New Task page (General
and Advanced tabs, Download template), watch its progress, download the results, browse the account
and invoice it made, log out. Amounts worked out by hand in the comments."""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_bulk_support import HEADER, make_plan, subscribed_accounts
from test_bulk_tasks_support import secret_key_in_environment, task_server

from billforge import __version__
from billforge.db.session import Database
from billforge.domain.catalog import ChargeType
from billforge.services import invoices, tenancy
from billforge.services.context import SystemClock
from tests.conftest import ServerThread, Tenant

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]


@pytest.fixture(scope="module")
def site(settings: Any, db: Database) -> Iterator[ServerThread]:
    with secret_key_in_environment(), task_server(settings.database_url, db, workers=2) as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_log_in_upload_a_csv_watch_it_run_and_download_the_results(
    site: ServerThread, chromium: Any, db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ctx = tenant.ctx
    plan = make_plan(db, ctx, ChargeType.RECURRING, "100", name="Monthly")
    first, second = subscribed_accounts(db, ctx, plan, 2)
    username = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    tenancy.create_user(db=db, clock=SystemClock(), username=username, password=PASSWORD, entity=tenant.entity_id)
    upload = tmp_path / "january.csv"
    upload.write_text(
        "\n".join(
            [
                HEADER,
                f"{first.id},,,,,,01/01/2024,TRUE",  # January: 100.00, posted
                f",{second.account_number},,,,,02/01/2024,TRUE",  # January and February: 2 x 100.00 = 200.00, posted
                f"{first.id},,,,,,02/01/2024,",  # February: 100.00, a draft
                f"{first.id},,,,,,06/01/2023,",  # before the subscription: nothing to bill
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    context = chromium.new_context(accept_downloads=True, base_url=site.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto("/ui")
        expect(page).to_have_url(f"{site.url}/ui/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Log in')")
        expect(page).to_have_url(f"{site.url}/ui/tasks")

        page.click("a.button:has-text('New Task')")
        expect(page).to_have_url(f"{site.url}/ui/tasks/new")
        # General tab: Name, Version (this build, chosen), Target (local by default).
        expect(page.locator("#name")).to_be_visible()
        page.fill("#name", "January catch-up")
        expect(page.locator("#version")).to_have_value(__version__)
        expect(page.locator("#target")).to_have_value("local")
        expect(page.locator("#dateFormat")).to_be_hidden()
        # Advanced tab: the seed's defaults.
        page.click("#tab-advanced")
        expect(page.locator("#name")).to_be_hidden()
        expect(page.locator("#dateFormat")).to_have_value("yyyy-MM-dd")
        expect(page.locator("#maxThreads")).to_have_value("1")
        expect(page.locator("#maxZObjects")).to_have_value("50")
        page.fill("#dateFormat", "MM/dd/yyyy")
        page.set_input_files("#file", str(upload))

        with page.expect_download() as template:
            page.click("#download-template")
        assert Path(template.value.path()).read_bytes() == (HEADER + "\r\n").encode()
        assert template.value.suggested_filename == "invoice-api-generator-template.csv"

        page.click("#create")
        expect(page).to_have_url(re.compile(re.escape(site.url) + "/ui/tasks/[0-9a-f]{32}$"))
        task_id = page.url.rsplit("/", 1)[-1]
        # The page polls the task's progress until it ends.
        expect(page.locator("#status")).to_have_text("succeeded", timeout=60_000)
        expect(page.locator("#succeeded")).to_have_text("3")
        expect(page.locator("#failed")).to_have_text("1")
        expect(page.locator("#results")).to_be_visible()
        expect(page.locator("#cancel")).to_be_hidden()

        with page.expect_download() as download:
            page.click("#results")
        rows = read_csv(Path(download.value.path()))
        assert [r["Status"] for r in rows] == ["Success", "Success", "Success", "Failed"]
        assert [r["Posted"] for r in rows] == ["TRUE", "TRUE", "FALSE", "FALSE"]
        assert rows[3]["ErrorCode"] == "INVALID_VALUE" and "nothing to bill" in rows[3]["ErrorMessage"]
        amounts = []
        for row in rows[:3]:
            invoice, _ = invoices.get_invoice(db=db, ctx=ctx, key=row["InvoiceId"])
            amounts.append((str(invoice.amount), invoice.status))
        assert amounts == [("100.00", "Posted"), ("200.00", "Posted"), ("100.00", "Draft")]

        # The task list shows it, with its results.
        page.click("nav >> text=Tasks")
        row = page.locator(f"tr:has(a[href='/ui/tasks/{task_id}'])")
        expect(row.locator("[data-field='status']")).to_have_text("succeeded")
        expect(row.locator("a[data-results]")).to_be_visible()

        # Browse to the 200.00 invoice of the second account.
        page.click("nav >> text=Accounts")
        page.fill("#q", second.account_number)
        page.click("form.search button")
        page.click(f"a:has-text('{second.account_number}')")
        expect(page.locator("#invoices tbody tr")).to_have_count(1)
        page.click(f"#invoices a:has-text('{rows[1]['InvoiceNumber']}')")
        expect(page.locator("#invoice-amount")).to_have_text("200.00")
        expect(page.locator("#invoice-status")).to_have_text("Posted")
        expect(page.locator("#items tbody tr")).to_have_count(2)  # January and February

        page.click("button:has-text('Log out')")
        expect(page).to_have_url(f"{site.url}/ui/login")
        page.goto("/ui/tasks")
        expect(page).to_have_url(f"{site.url}/ui/login?next=%2Fui%2Ftasks")
    finally:
        context.close()

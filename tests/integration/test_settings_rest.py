"""``/settings/*`` (Zuora's Settings API shapes) and ``/v1/invoice-templates`` over raw HTTP.

Error codes: these settings objects have no published Zuora resource code (500000), so the code
is 500000 * 100 + category: 20 invalid value, 21 unknown field, 22 missing value, 30 rule
restriction, 40 not found.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billforge.db.session import Database
from billforge.domain.tax import TaxRate, TaxRateType
from billforge.errors import NotFound
from billforge.services import taxes, templates
from tests.conftest import Tenant, make_tenant

INVALID, UNKNOWN, MISSING, RULE, NOT_FOUND = 50000020, 50000021, 50000022, 50000030, 50000040


def _reasons(answer: httpx.Response, status: int = 400) -> list[tuple[int, str]]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["success"] is False
    return [(r["code"], r["message"]) for r in body["reasons"]]


# --- billing rules --------------------------------------------------------------------------


def test_billing_rules_start_with_the_tenant_defaults(http: httpx.Client) -> None:
    assert http.get("/settings/billing-rules").json() == {
        "prorationUnit": "ProrateByMonthFirst",
        "daysInMonth": "UseActualDays",
        "defaultBillCycleDay": 1,
        "timeZone": "UTC",
        "defaultCurrency": "USD",
        "defaultPaymentTerm": "Due Upon Receipt",
        "invoiceSettlement": False,
    }


def test_billing_rules_change_and_stay_changed(http: httpx.Client) -> None:
    changed = http.put(
        "/settings/billing-rules",
        json={
            "prorationUnit": "ProrateByDay",
            "daysInMonth": "Assume30DaysStrict30360",
            "defaultBillCycleDay": "15",
            "timeZone": "America/Los_Angeles",
            "defaultCurrency": "EUR",
            "defaultPaymentTerm": "Net 30",
            "invoiceSettlement": True,
        },
    )
    assert changed.status_code == 200
    expected = {
        "prorationUnit": "ProrateByDay",
        "daysInMonth": "Assume30DaysStrict30360",
        "defaultBillCycleDay": 15,
        "timeZone": "America/Los_Angeles",
        "defaultCurrency": "EUR",
        "defaultPaymentTerm": "Net 30",
        "invoiceSettlement": True,
    }
    assert changed.json() == expected
    assert http.get("/settings/billing-rules").json() == expected
    # The default payment term follows: Net 30 is now the default, Due Upon Receipt no longer.
    defaults = {t["name"]: t["default"] for t in http.get("/settings/payment-terms").json()}
    assert defaults["Net 30"] is True and defaults["Due Upon Receipt"] is False
    # A partial update leaves the rest alone.
    assert http.put("/settings/billing-rules", json={"defaultBillCycleDay": 28}).json() == {
        **expected,
        "defaultBillCycleDay": 28,
    }


def test_billing_rules_refuse_bad_values_naming_each_field(http: httpx.Client) -> None:
    answer = http.put(
        "/settings/billing-rules",
        json={
            "prorationUnit": "ByWeek",
            "daysInMonth": "Assume31",
            "defaultBillCycleDay": 32,
            "timeZone": "Mars/Olympus",
            "defaultCurrency": "XXX",
            "defaultPaymentTerm": "Net 1000",
        },
    )
    assert _reasons(answer) == [
        (INVALID, "'prorationUnit' must be one of ['ProrateByMonthFirst', 'ProrateByDay']"),
        (
            INVALID,
            "'daysInMonth' must be one of ['UseActualDays', 'Assume30DaysActual360', 'Assume30DaysStrict30360']",
        ),
        (INVALID, "'defaultBillCycleDay' must be between 1 and 31"),
        (INVALID, "'timeZone' 'Mars/Olympus' is not an IANA time zone name (e.g. 'Europe/Paris')"),
        (INVALID, "'defaultCurrency' 'XXX' is not an active currency of this tenant (active: EUR, GBP, JPY, USD)"),
        (INVALID, "'defaultPaymentTerm' 'Net 1000' is not an active payment term"),
    ]
    # Nothing was written.
    assert http.get("/settings/billing-rules").json()["prorationUnit"] == "ProrateByMonthFirst"


def test_billing_rules_refuse_unknown_fields_nulls_and_bad_types(http: httpx.Client) -> None:
    assert _reasons(http.put("/settings/billing-rules", json={"includeNegativeInvoice": True})) == [
        (UNKNOWN, "'includeNegativeInvoice' is not a field of this setting")
    ]
    assert _reasons(http.put("/settings/billing-rules", json={"timeZone": None})) == [
        (INVALID, "'timeZone' must have a value; null is not allowed")
    ]
    assert _reasons(http.put("/settings/billing-rules", json={"invoiceSettlement": "maybe"})) == [
        (INVALID, "'invoiceSettlement' must be true or false, got 'maybe'")
    ]
    assert _reasons(http.put("/settings/billing-rules", json=[1, 2])) == [(INVALID, "'body' must be a JSON object")]
    malformed = http.put("/settings/billing-rules", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["reasons"][0]["message"].startswith("the request body is not valid JSON")
    huge = http.put("/settings/billing-rules", json={"defaultBillCycleDay": 10**40})
    assert _reasons(huge) == [(INVALID, "'defaultBillCycleDay' must be between 1 and 31")]


# --- currencies -----------------------------------------------------------------------------


def test_currencies_start_with_the_four_defaults(http: httpx.Client) -> None:
    assert http.get("/settings/currencies").json() == [
        {"currencyCode": "EUR", "decimalPlaces": 2, "roundingMode": "HALF_UP", "active": True, "default": False},
        {"currencyCode": "GBP", "decimalPlaces": 2, "roundingMode": "HALF_UP", "active": True, "default": False},
        {"currencyCode": "JPY", "decimalPlaces": 0, "roundingMode": "HALF_UP", "active": True, "default": False},
        {"currencyCode": "USD", "decimalPlaces": 2, "roundingMode": "HALF_UP", "active": True, "default": True},
    ]


def test_currency_change_and_add(http: httpx.Client) -> None:
    changed = http.put("/settings/currencies/GBP", json={"roundingMode": "HALF_EVEN", "active": False})
    assert changed.json() == {
        "currencyCode": "GBP",
        "decimalPlaces": 2,
        "roundingMode": "HALF_EVEN",
        "active": False,
        "default": False,
    }
    added = http.put("/settings/currencies/KWD", json={"decimalPlaces": 3})
    assert added.json() == {
        "currencyCode": "KWD",
        "decimalPlaces": 3,
        "roundingMode": "HALF_UP",
        "active": True,
        "default": False,
    }
    # GBP is no longer active, KWD is: an account in GBP is refused, in KWD accepted.
    contact = {"firstName": "Ada", "lastName": "Lovelace"}
    refused = http.post("/v1/accounts", json={"name": "A", "currency": "GBP", "billToContact": contact})
    assert refused.status_code == 400
    accepted = http.post("/v1/accounts", json={"name": "A", "currency": "KWD", "billToContact": contact})
    assert accepted.status_code == 200


def test_currency_rules(http: httpx.Client) -> None:
    answer = http.put("/settings/currencies/USD", json={"decimalPlaces": 5, "roundingMode": "BANKERS", "active": False})
    assert _reasons(answer) == [
        (INVALID, "'decimalPlaces' must be between 0 and 4"),
        (
            INVALID,
            "'roundingMode' must be one of ['HALF_UP', 'HALF_EVEN', 'HALF_DOWN', 'UP', 'DOWN', 'CEILING', 'FLOOR']",
        ),
        (
            RULE,
            "'active': USD is the tenant's default currency and cannot be deactivated; change 'defaultCurrency' in "
            "the billing rules first",
        ),
    ]
    assert _reasons(http.put("/settings/currencies/usd", json={"active": True})) == [
        (INVALID, "'currencyCode' 'usd' must be three capital letters (ISO 4217, e.g. 'CAD')")
    ]
    assert _reasons(http.put("/settings/currencies/CAD", json={"active": True})) == [
        (MISSING, "'decimalPlaces' is required to add the currency CAD")
    ]
    assert _reasons(http.put("/settings/currencies/CAD", json={"decimalPlaces": 2, "symbol": "$"})) == [
        (UNKNOWN, "'symbol' is not a field of this setting")
    ]


# --- payment terms --------------------------------------------------------------------------


def test_payment_terms_start_with_the_six_defaults(http: httpx.Client) -> None:
    terms = http.get("/settings/payment-terms").json()
    assert [(t["name"], t["dueDays"], t["active"], t["default"]) for t in terms] == [
        ("Due Upon Receipt", 0, True, True),
        ("Net 15", 15, True, False),
        ("Net 30", 30, True, False),
        ("Net 45", 45, True, False),
        ("Net 60", 60, True, False),
        ("Net 90", 90, True, False),
    ]
    assert all(len(t["id"]) == 32 for t in terms)


def test_payment_term_create_update_delete(http: httpx.Client) -> None:
    created = http.post("/settings/payment-terms", json={"name": "Net 7", "dueDays": 7, "description": "a week"})
    assert created.status_code == 200
    term = created.json()
    assert (term["name"], term["dueDays"], term["description"], term["active"], term["default"]) == (
        "Net 7",
        7,
        "a week",
        True,
        False,
    )
    updated = http.put(f"/settings/payment-terms/{term['id']}", json={"name": "Net 10", "dueDays": 10})
    assert (updated.json()["name"], updated.json()["dueDays"], updated.json()["description"]) == (
        "Net 10",
        10,
        "a week",
    )
    cleared = http.put(f"/settings/payment-terms/{term['id']}", json={"description": None})
    assert cleared.json()["description"] is None
    assert http.delete(f"/settings/payment-terms/{term['id']}").status_code == 204
    assert "Net 10" not in [t["name"] for t in http.get("/settings/payment-terms").json()]
    assert _reasons(http.delete(f"/settings/payment-terms/{term['id']}"), 404) == [
        (NOT_FOUND, f"'id': no payment term with id {term['id']!r}")
    ]


def test_payment_term_rules(http: httpx.Client) -> None:
    assert _reasons(http.post("/settings/payment-terms", json={"name": "Net 30", "dueDays": -1})) == [
        (INVALID, "'dueDays' must be between 0 and 3650")
    ]
    assert _reasons(http.post("/settings/payment-terms", json={"name": "Net 30", "dueDays": 30})) == [
        (RULE, "'name': a payment term named 'Net 30' already exists")
    ]
    assert _reasons(http.post("/settings/payment-terms", json={"name": "  ", "dueDays": 3})) == [
        (MISSING, "'name' must not be blank")
    ]
    assert _reasons(http.post("/settings/payment-terms", json={"dueDays": 3})) == [(MISSING, "'name' is required")]
    terms = {t["name"]: t["id"] for t in http.get("/settings/payment-terms").json()}
    default = terms["Due Upon Receipt"]
    assert _reasons(http.delete(f"/settings/payment-terms/{default}")) == [
        (RULE, "'id': 'Due Upon Receipt' is the default payment term and cannot be deleted")
    ]
    assert _reasons(http.put(f"/settings/payment-terms/{default}", json={"active": False})) == [
        (
            RULE,
            "'active': 'Due Upon Receipt' is the default payment term and cannot be deactivated; change "
            "'defaultPaymentTerm' in the billing rules first",
        )
    ]
    contact = {"firstName": "Ada", "lastName": "Lovelace"}
    account = http.post(
        "/v1/accounts", json={"name": "A", "currency": "USD", "paymentTerm": "Net 45", "billToContact": contact}
    )
    assert account.status_code == 200
    net45 = terms["Net 45"]
    assert _reasons(http.delete(f"/settings/payment-terms/{net45}")) == [
        (RULE, "'id': the payment term 'Net 45' is used by 1 account(s) and cannot be deleted")
    ]
    assert _reasons(http.put(f"/settings/payment-terms/{net45}", json={"name": "Net 44", "active": False})) == [
        (RULE, "'name': the payment term 'Net 45' is used by 1 account(s) and cannot be renamed"),
        (RULE, "'active': the payment term 'Net 45' is used by 1 account(s) and cannot be deactivated"),
    ]
    # The default term can be renamed: the billing rules follow it.
    renamed = http.put(f"/settings/payment-terms/{default}", json={"name": "On Receipt"})
    assert renamed.json()["default"] is True
    assert http.get("/settings/billing-rules").json()["defaultPaymentTerm"] == "On Receipt"
    assert _reasons(http.put("/settings/payment-terms/nope", json={"dueDays": 1}), 404) == [
        (NOT_FOUND, "'id': no payment term with id 'nope'")
    ]


# --- seller ---------------------------------------------------------------------------------


def test_seller_details(http: httpx.Client) -> None:
    empty = http.get("/settings/seller").json()
    assert empty["name"] is None and empty["locale"] == "en_US"
    details = {
        "name": "Grand Hotels Ltd",
        "address1": "1 Main St",
        "address2": "Suite 2",
        "city": "London",
        "state": "Greater London",
        "postalCode": "SW1A 1AA",
        "country": "United Kingdom",
        "taxId": "GB123456789",
        "email": "billing@grandhotels.example",
        "phone": "+44 20 7946 0000",
        "locale": "en_GB",
    }
    assert http.put("/settings/seller", json=details).json() == details
    assert http.get("/settings/seller").json() == details
    # null clears a field; absent fields stay.
    cleared = http.put("/settings/seller", json={"address2": None}).json()
    assert cleared == {**details, "address2": None}


def test_seller_rules(http: httpx.Client) -> None:
    answer = http.put(
        "/settings/seller", json={"locale": "english", "email": "not-an-address", "taxId": "x" * 65, "fax": "1"}
    )
    assert _reasons(answer) == [(UNKNOWN, "'fax' is not a field of this setting")]
    answer = http.put("/settings/seller", json={"locale": "english", "email": "not-an-address", "taxId": "x" * 65})
    assert _reasons(answer) == [
        (INVALID, "'taxId' must be at most 64 characters"),
        (INVALID, "'email' 'not-an-address' is not an e-mail address"),
        (INVALID, "'locale' 'english' is not a locale such as 'en_US' or 'de_CH'"),
    ]
    assert _reasons(http.put("/settings/seller", json={"locale": None})) == [
        (INVALID, "'locale' '' is not a locale such as 'en_US' or 'de_CH'")
    ]
    assert _reasons(http.put("/settings/seller", json={"name": "A\x00"})) == [
        (INVALID, "'name' must not contain NUL characters")
    ]


# --- tax codes ------------------------------------------------------------------------------


VAT = {
    "name": "VAT",
    "description": "Value added tax",
    "taxRates": [
        {"name": "VAT DE", "taxRate": "0.19", "taxRateType": "Percentage", "country": "Germany"},
        {
            "name": "Sales tax CA",
            "taxRate": 0.0725,
            "taxRateType": "Percentage",
            "country": "United States",
            "state": "CA",
            "jurisdiction": "State",
            "locationCode": "CA-01",
            "effectiveStartDate": "2024-01-01",
        },
        {"name": "Env fee", "taxRate": "1.50", "taxRateType": "FlatFee", "description": "per item"},
        {
            "name": "Old VAT",
            "taxRate": "0.16",
            "taxRateType": "Percentage",
            "country": "Germany",
            "effectiveEndDate": "2023-12-31",
        },
    ],
}


def test_tax_code_create_and_read_back(http: httpx.Client) -> None:
    created = http.post("/settings/tax-codes/ztax", json=VAT)
    assert created.status_code == 200, created.text
    code = created.json()
    assert (code["name"], code["description"], code["active"], code["taxEngine"]) == (
        "VAT",
        "Value added tax",
        True,
        "ZuoraTax",
    )
    assert [
        (r["name"], r["taxRate"], r["taxRateType"], r["country"], r["state"], r["effectiveStartDate"])
        for r in code["taxRates"]
    ] == [
        ("VAT DE", 0.19, "Percentage", "Germany", None, None),
        ("Sales tax CA", 0.0725, "Percentage", "United States", "CA", "2024-01-01"),
        ("Env fee", 1.5, "FlatFee", None, None, None),
        ("Old VAT", 0.16, "Percentage", "Germany", None, None),
    ]
    assert code["taxRates"][1]["jurisdiction"] == "State" and code["taxRates"][1]["locationCode"] == "CA-01"
    assert http.get(f"/settings/tax-codes/ztax/{code['id']}").json() == code
    assert http.get("/settings/tax-codes").json() == [
        {"id": code["id"], "name": "VAT", "description": "Value added tax", "active": True, "taxEngine": "ZuoraTax"}
    ]


def test_tax_rates_for_picks_the_rates_of_the_date_and_place(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    http.post("/settings/tax-codes/ztax", json=VAT)
    http.post("/settings/tax-codes/ztax", json={"name": "OFF", "active": False, "taxRates": VAT["taxRates"][:1]})
    http.post("/settings/tax-codes/ztax", json={"name": "EMPTY"})

    def rate(name: str, value: str, kind: TaxRateType = TaxRateType.PERCENTAGE, **extra: Any) -> TaxRate:
        return TaxRate(
            name=name,
            rate=Decimal(value),
            rate_type=kind,
            tax_code="VAT",
            tax_code_description="Value added tax",
            **extra,
        )

    sales_ca = rate("Sales tax CA", "0.0725", jurisdiction="State", location_code="CA-01")
    env_fee = rate("Env fee", "1.5", TaxRateType.FLAT_FEE, description="per item")
    with db.read() as conn:

        def rates_for(on: date, country: str | None, state: str | None) -> dict[str, list[TaxRate]]:
            return taxes.tax_rates_for(
                conn,
                entity_id=tenant.entity_id,
                tax_codes=["VAT", "OFF", "EMPTY", "NOPE"],
                on_date=on,
                country=country,
                state=state,
            )

        # California in 2024: the state's sales tax and the flat fee (no country rule); never Germany's.
        assert rates_for(date(2024, 6, 1), "united states", "ca") == {"VAT": [sales_ca, env_fee], "EMPTY": []}
        # Germany in 2024: today's VAT (the old one ended 2023-12-31) and the flat fee.
        assert rates_for(date(2024, 6, 1), "GERMANY", None) == {
            "VAT": [rate("VAT DE", "0.19"), env_fee],
            "EMPTY": [],
        }
        # Germany in 2023: both German rates were effective then (old VAT ends 2023-12-31).
        assert rates_for(date(2023, 12, 31), "Germany", None)["VAT"] == [
            rate("VAT DE", "0.19"),
            env_fee,
            rate("Old VAT", "0.16"),
        ]
        # California in 2023: the sales tax starts 2024-01-01, so only the flat fee.
        assert rates_for(date(2023, 12, 31), "United States", "CA")["VAT"] == [env_fee]
        assert taxes.active_tax_codes(conn, entity_id=tenant.entity_id) == {"VAT", "EMPTY"}
        assert (
            taxes.tax_rates_for(
                conn, entity_id=tenant.entity_id, tax_codes=[], on_date=date(2024, 1, 1), country=None, state=None
            )
            == {}
        )


def test_tax_code_rules(http: httpx.Client) -> None:
    answer = http.post(
        "/settings/tax-codes/ztax",
        json={
            "name": "BAD",
            "taxRates": [
                {"name": "Seven", "taxRate": 7, "taxRateType": "Percentage"},
                {"name": "Neg", "taxRate": "-1", "taxRateType": "FlatFee"},
                {"name": "Kind", "taxRate": "0.1", "taxRateType": "Percent"},
                {"name": "Fine", "taxRate": "0.0000000001", "taxRateType": "Percentage"},
                {
                    "name": "Dates",
                    "taxRate": "0.1",
                    "taxRateType": "Percentage",
                    "effectiveStartDate": "2024-02-01",
                    "effectiveEndDate": "2024-01-01",
                },
            ],
        },
    )
    assert _reasons(answer) == [
        (
            INVALID,
            "'taxRates[0].taxRate' 7 must be a decimal fraction between 0 and 1 for a Percentage rate (7% is 0.07)",
        ),
        (INVALID, "'taxRates[1].taxRate' must be between 0 and 999999999 for a FlatFee rate"),
        (INVALID, "'taxRates[2].taxRateType' must be one of ['Percentage', 'FlatFee']"),
        (INVALID, "'taxRates[3].taxRate' must have at most 9 decimal places"),
        (INVALID, "'taxRates[4].effectiveEndDate' 2024-01-01 must be on or after 'effectiveStartDate' 2024-02-01"),
    ]
    twice = {
        "name": "TWICE",
        "taxRates": [
            {"name": "VAT", "taxRate": "0.2", "taxRateType": "Percentage", "effectiveEndDate": "2024-06-30"},
            {"name": "vat", "taxRate": "0.21", "taxRateType": "Percentage", "effectiveStartDate": "2024-06-01"},
        ],
    }
    assert _reasons(http.post("/settings/tax-codes/ztax", json=twice)) == [
        (
            RULE,
            "'taxRates[1]': rate 'vat' is effective on the same days as taxRates[0] for the same country, state and "
            "location code; the tax would be charged twice",
        )
    ]
    assert _reasons(http.post("/settings/tax-codes/ztax", json={"name": "X", "taxRates": [{"name": "A"}]})) == [
        (MISSING, "'taxRates[0].taxRate' is required"),
        (MISSING, "'taxRates[0].taxRateType' is required"),
    ]
    assert _reasons(http.post("/settings/tax-codes/ztax", json={"name": "X", "taxRates": [{"name": "A", "rate": 1}]}))[
        0
    ] == (MISSING, "'taxRates[0].taxRate' is required")
    unknown = http.post(
        "/settings/tax-codes/ztax",
        json={"name": "X", "taxRates": [{"name": "A", "taxRate": "0.1", "taxRateType": "Percentage", "zip": "1"}]},
    )
    assert _reasons(unknown) == [(UNKNOWN, "'taxRates[0].zip' is not a field of this setting")]
    assert _reasons(http.post("/settings/tax-codes/ztax", json={"name": "T", "taxRates": [{"taxRate": "NaN"}]}))[0] == (
        MISSING,
        "'taxRates[0].name' is required",
    )
    http.post("/settings/tax-codes/ztax", json={"name": "DUP"})
    assert _reasons(http.post("/settings/tax-codes/ztax", json={"name": "DUP"})) == [
        (RULE, "'name': a tax code named 'DUP' already exists")
    ]


def test_tax_code_update_replaces_rates_and_delete(http: httpx.Client) -> None:
    code = http.post("/settings/tax-codes/ztax", json=VAT).json()
    updated = http.put(
        f"/settings/tax-codes/ztax/{code['id']}",
        json={
            "name": "VAT2",
            "active": False,
            "description": None,
            "taxRates": [{"name": "Flat", "taxRate": 2, "taxRateType": "FlatFee"}],
        },
    ).json()
    assert (updated["name"], updated["active"], updated["description"]) == ("VAT2", False, None)
    assert [(r["name"], r["taxRate"]) for r in updated["taxRates"]] == [("Flat", 2)]
    # Without taxRates the rates stay.
    kept = http.put(f"/settings/tax-codes/ztax/{code['id']}", json={"active": True}).json()
    assert [r["name"] for r in kept["taxRates"]] == ["Flat"]
    assert http.delete(f"/settings/tax-codes/ztax/{code['id']}").status_code == 204
    assert _reasons(http.get(f"/settings/tax-codes/ztax/{code['id']}"), 404) == [
        (NOT_FOUND, f"'id': no tax code with id or name {code['id']!r}")
    ]
    assert http.get("/settings/tax-codes").json() == []


def test_settings_of_another_entity_are_invisible(http: httpx.Client, db: Database) -> None:
    code = http.post("/settings/tax-codes/ztax", json={"name": "MINE"}).json()
    other = make_tenant(db)
    with pytest.raises(NotFound):
        taxes.get_tax_code(db=db, ctx=other.ctx, tax_code_id=code["id"])
    with db.read() as conn:
        assert taxes.active_tax_codes(conn, entity_id=other.entity_id) == set()


def test_nul_in_a_path_is_not_found(http: httpx.Client) -> None:
    assert http.get("/settings/tax-codes/ztax/a%00b").status_code == 404
    assert http.delete("/settings/payment-terms/a%00b").status_code == 404


# --- invoice templates ----------------------------------------------------------------------


def test_invoice_templates_registry(http: httpx.Client, db: Database, tenant: Tenant) -> None:
    listed = http.get("/v1/invoice-templates").json()
    assert listed["success"] is True
    (default,) = listed["invoiceTemplates"]
    assert (default["name"], default["engine"], default["default"]) == ("Default Template", "Jinja2", True)
    new_id = templates.create_template(
        db=db,
        ctx=tenant.ctx,
        data=templates.TemplateInput(name="Compact", body="<p>{{ invoice.invoice_number }}</p>", description="short"),
    )
    names = [(t["id"], t["name"], t["default"]) for t in http.get("/v1/invoice-templates").json()["invoiceTemplates"]]
    assert names == [(default["id"], "Default Template", True), (new_id, "Compact", False)]
    with db.read() as conn:
        found = templates.find_template(conn, entity_id=tenant.entity_id, template_id=new_id)
        assert found.body == "<p>{{ invoice.invoice_number }}</p>"
        assert templates.default_template(conn, entity_id=tenant.entity_id).id == default["id"]
        with pytest.raises(NotFound) as caught:
            templates.find_template(conn, entity_id=tenant.entity_id, template_id="nope")
    assert caught.value.field == "templateId"

"""``/openapi.json`` documents every REST endpoint, with Zuora's field names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ServerThread

ENDPOINTS = [
    ("post", "/oauth/token"),
    ("get", "/health"),
    ("post", "/v1/accounts"),
    ("get", "/v1/accounts/{account_key}"),
    ("put", "/v1/accounts/{account_key}"),
    ("post", "/v1/invoices"),
    ("post", "/v1/invoices/batch"),
    ("get", "/v1/invoices/{invoice_key}"),
    ("get", "/v1/invoices/{invoice_key}/items"),
    ("put", "/v1/invoices/{invoice_key}"),
    ("put", "/v1/invoices"),
    ("put", "/v1/invoices/{invoice_key}/post"),
    ("post", "/v1/invoices/bulk-post"),
    ("put", "/v1/invoices/{invoice_key}/unpost"),
    ("put", "/v1/invoices/{invoice_key}/cancel"),
    ("delete", "/v1/invoices/{invoice_key}"),
    ("get", "/v1/transactions/invoices/accounts/{account_key}"),
    ("post", "/v1/sequence-sets"),
    ("get", "/v1/sequence-sets"),
    ("post", "/v1/accounting-periods"),
    ("get", "/v1/accounting-periods"),
    ("get", "/settings/billing-rules"),
    ("put", "/settings/billing-rules"),
    ("get", "/settings/payment-terms"),
    ("get", "/settings/currencies"),
    ("get", "/settings/tax-codes"),
    ("post", "/v1/object/product"),
    ("post", "/v1/object/product-rate-plan"),
    ("post", "/v1/object/product-rate-plan-charge"),
    ("get", "/v1/catalog/products"),
    # issue 2, the rest of the settings and catalog endpoints
    ("put", "/v1/accounting-periods/{ap_id}/close"),
    ("put", "/v1/accounting-periods/{ap_id}/reopen"),
    ("put", "/settings/currencies/{code}"),
    ("get", "/settings/seller"),
    ("put", "/settings/seller"),
    ("post", "/settings/tax-codes/ztax"),
    ("get", "/v1/invoice-templates"),
    *[
        (m, f"/v1/object/{kind}/{{id}}")
        for kind in ("product", "product-rate-plan", "product-rate-plan-charge")
        for m in ("get", "put", "delete")
    ],
    ("get", "/v1/object/product-rate-plan-charge-tier/{id}"),
    ("put", "/v1/object/product-rate-plan-charge-tier/{id}"),
    ("get", "/v1/catalog/product/{product_key}"),
    # issue 3: billing
    ("post", "/v1/subscriptions"),
    ("get", "/v1/subscriptions/{subscription_key}"),
    ("put", "/v1/subscriptions/{subscription_key}/cancel"),
    ("put", "/v1/subscriptions/{subscription_key}/renew"),
    ("post", "/v1/object/usage"),
    ("get", "/v1/object/usage/{id}"),
    ("put", "/v1/object/usage/{id}"),
    ("delete", "/v1/object/usage/{id}"),
    ("post", "/v1/usage"),
    ("get", "/v1/usage/{import_id}/status"),
    ("post", "/v1/action/generate"),
    ("post", "/v1/accounts/{account_key}/billing-documents/generate"),
    ("get", "/v1/object/invoice/{id}"),
    ("put", "/v1/object/invoice/{id}"),
    ("delete", "/v1/object/invoice/{id}"),
    *[("post", f"/v1/action/{action}") for action in ("create", "update", "delete", "query", "queryMore")],
    ("post", "/v1/payments"),
    ("get", "/v1/payments/{payment_key}"),
    ("put", "/v1/payments/{payment_key}"),
    ("put", "/v1/payments/{payment_key}/cancel"),
    ("delete", "/v1/payments/{payment_key}"),
    ("post", "/v1/payments/{payment_key}/refunds"),
]


@pytest.fixture(scope="module")
def document(server: ServerThread) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _normalise(path: str) -> str:
    """Path parameters named however the router names them: compare shapes only."""
    import re

    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_endpoint_is_documented(document: dict[str, Any], method: str, path: str) -> None:
    documented = {(m, _normalise(p)) for p, ops in document["paths"].items() for m in ops}
    assert (method, _normalise(path)) in documented


def test_request_bodies_use_zuora_field_names(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    invoice = schemas["CreateInvoiceRequest"]["properties"]
    assert {"accountId", "accountNumber", "invoiceDate", "invoiceItems", "soldToSameAsBillTo", "customRates"} <= set(
        invoice
    )
    assert set(schemas["CreateInvoiceRequest"]["required"]) == {"invoiceDate", "invoiceItems"}
    item = schemas["InvoiceItem"]["properties"]
    assert {"amount", "serviceStartDate", "productRatePlanChargeId", "taxItems", "discountItems"} <= set(item)
    batch = schemas["BulkCreateInvoicesRequest"]["properties"]
    assert {"invoices", "useSingleTransaction"} <= set(batch)
    account = schemas["CreateAccountRequest"]["properties"]
    assert {"name", "currency", "billToContact", "billCycleDay", "paymentTerm"} <= set(account)


def test_the_usage_upload_documents_its_file_part(document: dict[str, Any]) -> None:
    body = document["paths"]["/v1/usage"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert body["properties"]["file"]["format"] == "binary"


def test_billing_request_bodies_use_zuora_field_names(document: dict[str, Any]) -> None:
    operations = document["paths"]

    def fields(path: str) -> set[str]:
        schema = operations[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set(document["components"]["schemas"][name]["properties"])

    assert {"accountKey", "contractEffectiveDate", "termType", "subscribeToRatePlans", "invoiceSeparately"} <= fields(
        "/v1/subscriptions"
    )
    assert {"objects", "type"} <= fields("/v1/action/generate")
    assert {"amount", "currency", "type", "accountId", "invoices"} <= fields("/v1/payments")

"""Setup for the SOAP tests (no tests here): Zuora's published WSDLs (downloaded from PyPI once and
cached outside the repository), SOAP users, raw envelopes, and zeep clients pointed at the test
server.

The WSDLs come from the sdists of ``zuora==1.0.17`` (``zuora/zuora.a.43.0.wsdl``,
``zuora/zuora.a.48.0.wsdl``) and ``zuora-client==1.0`` (``wsdls/zuora.a.52.0.wsdl``), fetched
through PyPI's JSON API, checked against the SHA-256 digest PyPI publishes, and read straight out of
the archive (nothing in it is run or extracted to disk). The cache directory is
``~/.cache/billforge-test-wsdls`` unless ``BILLFORGE_TEST_WSDL_CACHE`` names another.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from lxml import etree

from billforge.db.session import Database
from billforge.services import accounts, subscriptions, tenancy
from billforge.services.context import Context, SystemClock

SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
ZNS: Final = "http://api.zuora.com/"
ONS: Final = "http://object.api.zuora.com/"
FNS: Final = "http://fault.api.zuora.com/"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
BINDING: Final = "{http://api.zuora.com/}SoapBinding"
PASSWORD: Final = "correct horse battery"

#: version -> (PyPI project, version, member of the sdist)
ZUORA_WSDLS: Final = {
    "43.0": ("zuora", "1.0.17", "zuora-1.0.17/zuora/zuora.a.43.0.wsdl"),
    "48.0": ("zuora", "1.0.17", "zuora-1.0.17/zuora/zuora.a.48.0.wsdl"),
    "52.0": ("zuora-client", "1.0", "zuora-client-1.0/wsdls/zuora.a.52.0.wsdl"),
}


def wsdl_cache() -> Path:
    configured = os.environ.get("BILLFORGE_TEST_WSDL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "billforge-test-wsdls"


def _sdist(project: str, version: str) -> bytes:
    cache = wsdl_cache()
    cache.mkdir(parents=True, exist_ok=True)
    meta = httpx.get(f"https://pypi.org/pypi/{project}/json", timeout=60, follow_redirects=True)
    meta.raise_for_status()
    (release,) = [u for u in meta.json()["releases"][version] if u["packagetype"] == "sdist"]
    archive = cache / release["filename"]
    if archive.exists() and hashlib.sha256(archive.read_bytes()).hexdigest() == release["digests"]["sha256"]:
        return archive.read_bytes()
    content = httpx.get(release["url"], timeout=120, follow_redirects=True).raise_for_status().content
    if hashlib.sha256(content).hexdigest() != release["digests"]["sha256"]:
        raise RuntimeError(f"{release['filename']} does not match the SHA-256 digest PyPI publishes")
    partial = archive.with_suffix(f".{uuid.uuid4().hex}.part")
    partial.write_bytes(content)
    partial.replace(archive)
    return content


def zuora_wsdl(version: str) -> Path:
    """Zuora's published WSDL of ``version`` (43.0, 48.0 or 52.0), from the cache or from PyPI."""
    project, release, member = ZUORA_WSDLS[version]
    target = wsdl_cache() / f"zuora.a.{version}.wsdl"
    if target.exists():
        return target
    with tarfile.open(fileobj=io.BytesIO(_sdist(project, release)), mode="r:gz") as archive:
        source = archive.extractfile(member)
        if source is None:
            raise RuntimeError(f"{member} is not a file in the {project} {release} sdist")
        content = source.read()
    partial = target.with_suffix(f".{uuid.uuid4().hex}.part")
    partial.write_bytes(content)
    partial.replace(target)
    return target


# --- users, URLs, data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoapUser:
    username: str
    password: str
    user_id: str


def soap_user(db: Database, tenant: Any) -> SoapUser:
    username = f"soap-{uuid.uuid4().hex[:12]}@example.com"
    user_id = tenancy.create_user(
        db=db, clock=SystemClock(), username=username, password=PASSWORD, entity=tenant.entity_id
    )
    return SoapUser(username, PASSWORD, user_id)


def endpoint(server: Any, version: str = "52.0") -> str:
    return f"{server.url}/apps/services/a/{version}"


def account_subscribed(db: Database, ctx: Context, plan_id: str, start: date) -> accounts.CreatedAccount:
    """An account (bill cycle day 1, USD) subscribed to the plan from ``start``, evergreen."""
    account = accounts.create_account(
        db=db,
        ctx=ctx,
        data=accounts.AccountInput(
            name="Acme",
            currency="USD",
            bill_cycle_day=1,
            bill_to=accounts.ContactInput(first_name="Ada", last_name="Lovelace"),
        ),
    )
    subscriptions.create_subscription(
        db=db,
        ctx=ctx,
        data=subscriptions.SubscriptionInput(
            account_key=account.id,
            contract_effective_date=start,
            term_type="EVERGREEN",
            rate_plans=[subscriptions.RatePlanRequest(product_rate_plan_id=plan_id)],
        ),
    )
    return account


def midnight(day: date) -> datetime:
    """A calendar date as zeep sends and reads an ``xsd:dateTime`` without an offset."""
    return datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a date, not an instant: no offset


# --- raw envelopes --------------------------------------------------------------------------------


def envelope(body: str, session: str | None = None, headers: str = "") -> bytes:
    """A SOAP 1.1 envelope in the prefixes of Zuora's examples (SOAP-ENV, ns1 api, ns2 object)."""
    session_header = f"<ns1:SessionHeader><ns1:session>{session}</ns1:session></ns1:SessionHeader>" if session else ""
    return (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns1="{ZNS}" xmlns:ns2="{ONS}" xmlns:xsi="{XSI}">'
        f"<SOAP-ENV:Header>{session_header}{headers}</SOAP-ENV:Header>"
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    root: etree._Element

    @property
    def body(self) -> etree._Element:
        found = self.root.find(f"{{{SOAP_ENV}}}Body")
        assert found is not None
        return found[0]

    def fault(self) -> dict[str, str]:
        """faultcode, faultstring, the detail element's name, FaultCode and FaultMessage."""
        fault = self.body
        assert fault.tag == f"{{{SOAP_ENV}}}Fault", etree.tostring(fault)
        (detail,) = fault.find("detail")  # type: ignore[misc]
        return {
            "faultcode": fault.findtext("faultcode") or "",
            "faultstring": fault.findtext("faultstring") or "",
            "detail": detail.tag,
            "FaultCode": detail.findtext(f"{{{FNS}}}FaultCode") or "",
            "FaultMessage": detail.findtext(f"{{{FNS}}}FaultMessage") or "",
        }


def post(url: str, payload: bytes, **headers: str) -> Answer:
    response = httpx.post(
        url,
        content=payload,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""', **headers},
        timeout=60,
    )
    assert response.headers["content-type"].startswith("text/xml"), response.text
    return Answer(response.status_code, etree.fromstring(response.content))


def raw_login(url: str, user: SoapUser) -> str:
    answer = post(
        url,
        envelope(
            f"<ns1:login><ns1:username>{user.username}</ns1:username><ns1:password>{user.password}</ns1:password></ns1:login>"
        ),
    )
    assert answer.status == 200, etree.tostring(answer.root)
    session = answer.body.findtext(f"{{{ZNS}}}result/{{{ZNS}}}Session")
    assert session
    return session


def results(answer: Answer) -> list[dict[str, Any]]:
    """The ``result`` elements of a create/generate/update/delete answer, as dicts."""
    found = []
    for result in answer.body.findall(f"{{{ZNS}}}result"):
        item: dict[str, Any] = {"errors": []}
        for child in result:
            name = etree.QName(child).localname
            if name.lower() == "errors":
                item["errors"].append({etree.QName(c).localname: c.text for c in child})
            else:
                item[name] = child.text
        found.append(item)
    return found


# --- zeep ---------------------------------------------------------------------------------------


def zeep_service(wsdl: str | Path, address: str | None = None) -> tuple[Any, Any]:
    """(client, service) from a WSDL file or URL; ``address`` overrides the WSDL's service address."""
    import zeep

    client = zeep.Client(str(wsdl))
    service = client.create_service(BINDING, address) if address else client.service
    return client, service


def session_header(session: str) -> Mapping[str, Any]:
    return {"SessionHeader": {"session": session}}


@pytest.fixture(scope="session")
def zuora_wsdls() -> dict[str, Path]:
    return {version: zuora_wsdl(version) for version in ZUORA_WSDLS}

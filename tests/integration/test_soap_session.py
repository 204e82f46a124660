"""SOAP sessions and the WSDL: login (LoginResult with the URL the call came in on), the
SessionHeader on every other call, INVALID_SESSION for a missing, unknown or expired session,
getUserInfo, the versions served, and billforge's own WSDL fetched with ``?wsdl``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import zeep
from lxml import etree
from sqlalchemy import update
from test_soap_support import (
    FNS,
    ONS,
    PASSWORD,
    ZNS,
    SoapUser,
    endpoint,
    envelope,
    post,
    raw_login,
    session_header,
    soap_user,
    zeep_service,
)

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.errors import AuthenticationFailed
from billforge.services import tenancy

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XS = "http://www.w3.org/2001/XMLSchema"


def test_login_answers_a_session_and_the_url_the_call_came_in_on(server: Any, db: Database, tenant: Any) -> None:
    user = soap_user(db, tenant)
    for version in ("43.0", "52.0", "117.0", "43"):
        url = endpoint(server, version)
        answer = post(
            url,
            envelope(
                f"<ns1:login><ns1:username>{user.username}</ns1:username>"
                f"<ns1:password>{user.password}</ns1:password></ns1:login>"
            ),
        )
        assert answer.status == 200
        result = answer.body.find(f"{{{ZNS}}}result")
        assert result is not None
        assert [etree.QName(c).localname for c in result] == ["Session", "ServerUrl"]
        assert result.findtext(f"{{{ZNS}}}ServerUrl") == url  # same host, same path
        assert len(result.findtext(f"{{{ZNS}}}Session") or "") >= 32


def test_a_user_made_with_the_cli_logs_in(server: Any, database_url: str, tenant: Any) -> None:
    from click.testing import CliRunner

    from billforge.cli import main

    username = f"cli-{uuid.uuid4().hex[:12]}@example.com"
    made = CliRunner().invoke(
        main,
        ["users", "create", "--username", username, "--password", PASSWORD, "--entity", tenant.entity_name],
        env={"BILLFORGE_DATABASE_URL": database_url},
    )
    assert made.exit_code == 0, made.output
    url = endpoint(server)
    session = raw_login(url, SoapUser(username, PASSWORD, json.loads(made.output)["id"]))
    answer = post(url, envelope("<ns1:getUserInfo/>", session))
    assert (answer.body.findtext(f"{{{ZNS}}}Username"), answer.body.findtext(f"{{{ZNS}}}TenantId")) == (
        username,
        tenant.entity_id,
    )


def test_a_wrong_password_is_a_login_fault(server: Any, db: Database, tenant: Any) -> None:
    user = soap_user(db, tenant)
    answer = post(
        endpoint(server),
        envelope(
            f"<ns1:login><ns1:username>{user.username}</ns1:username><ns1:password>nope</ns1:password></ns1:login>"
        ),
    )
    assert answer.status == 500
    assert answer.fault() == {
        "faultcode": "fns:INVALID_VALUE",
        "faultstring": "Invalid login. User name and password do not match.",
        "detail": f"{{{FNS}}}LoginFault",
        "FaultCode": "INVALID_VALUE",
        "FaultMessage": "Invalid login. User name and password do not match.",
    }


@pytest.mark.parametrize(
    "header",
    [
        "",  # no SessionHeader at all
        "<ns1:SessionHeader><ns1:session></ns1:session></ns1:SessionHeader>",
        "<ns1:SessionHeader><ns1:session>not-a-session</ns1:session></ns1:SessionHeader>",
    ],
)
def test_a_missing_or_unknown_session_is_invalid_session(server: Any, header: str) -> None:
    answer = post(endpoint(server), envelope("<ns1:getUserInfo/>", headers=header))
    assert answer.status == 500
    fault = answer.fault()
    assert fault["faultcode"] == "fns:INVALID_SESSION"  # the exact text suds clients re-login on
    assert (fault["detail"], fault["FaultCode"]) == (f"{{{FNS}}}UnexpectedErrorFault", "INVALID_SESSION")
    assert "login" in fault["FaultMessage"]


class Later:
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def test_sessions_last_at_least_eight_hours_then_expire(server: Any, db: Database, tenant: Any, settings: Any) -> None:
    user = soap_user(db, tenant)
    session = raw_login(endpoint(server), user)
    ttl = settings.soap_session_ttl_seconds
    assert ttl >= 8 * 3600
    # zuora 1.0.17 reuses a session for 7 h 55 min: still good then; gone once the TTL has passed.
    found = tenancy.find_soap_session(db=db, clock=Later(timedelta(hours=7, minutes=55)), token=session)
    assert found.user_id == user.user_id
    with pytest.raises(AuthenticationFailed):
        tenancy.find_soap_session(db=db, clock=Later(timedelta(seconds=ttl + 1)), token=session)


def test_an_expired_session_on_the_wire_is_invalid_session(server: Any, db: Database, tenant: Any) -> None:
    user = soap_user(db, tenant)
    url = endpoint(server)
    session = raw_login(url, user)
    assert post(url, envelope("<ns1:getUserInfo/>", session)).status == 200  # good while it lasts
    with db.write() as conn:  # the TTL has passed: the session expired one second ago
        conn.execute(
            update(t.soap_sessions)
            .where(t.soap_sessions.c.user_id == user.user_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answer = post(url, envelope("<ns1:getUserInfo/>", session))
    assert answer.status == 500
    fault = answer.fault()
    # Exactly the text suds-based clients (zuora 1.0.17, zuora-client 1.0) re-login on.
    assert fault["faultcode"] == "fns:INVALID_SESSION"
    assert (fault["detail"], fault["FaultCode"]) == (f"{{{FNS}}}UnexpectedErrorFault", "INVALID_SESSION")
    assert "expired" in fault["FaultMessage"] and "login" in fault["FaultMessage"]
    assert post(url, envelope("<ns1:getUserInfo/>", raw_login(url, user))).status == 200  # a new login works


def test_get_user_info_names_the_tenant_and_the_user(server: Any, db: Database, tenant: Any) -> None:
    user = soap_user(db, tenant)
    url = endpoint(server)
    answer = post(url, envelope("<ns1:getUserInfo/>", raw_login(url, user)))
    assert answer.status == 200
    assert {etree.QName(c).localname: c.text for c in answer.body} == {
        "TenantId": tenant.entity_id,
        "TenantName": tenant.entity_name,
        "UserEmail": user.username,  # the username is an e-mail address
        "UserFullName": user.username,
        "UserId": user.user_id,
        "Username": user.username,
    }


def test_only_a_username_that_is_an_address_is_the_users_email() -> None:
    def email(username: str) -> str:
        return tenancy.SoapSession("u", username, "e", datetime.now(UTC)).email

    assert email("ops@example.com") == "ops@example.com"
    assert (email("ops"), email("ops@localhost"), email("@example.com")) == ("", "", "")


@pytest.mark.parametrize("version", ["42.0", "11.0", "abc", "52.0.1"])
def test_versions_before_43_are_refused(server: Any, version: str) -> None:
    answer = post(endpoint(server, version), envelope("<ns1:login/>"))
    assert answer.status == 500
    fault = answer.fault()
    assert (fault["faultcode"], fault["FaultCode"]) == ("fns:INVALID_VERSION", "INVALID_VERSION")
    assert "43.0" in fault["FaultMessage"]
    assert httpx.get(endpoint(server, version) + "?wsdl").status_code == 404


def test_the_wsdl_has_zuoras_names_and_the_address_it_was_fetched_from(server: Any) -> None:
    url = endpoint(server, "52.0")
    response = httpx.get(url + "?wsdl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.get("targetNamespace") == ZNS
    (service,) = root.findall(f"{{{WSDL}}}service")
    assert service.get("name") == "ZuoraService"
    (port,) = service.findall(f"{{{WSDL}}}port")
    assert (port.get("name"), port.get("binding")) == ("Soap", "zns:SoapBinding")
    address = port.find(f"{{{WSDL_SOAP}}}address")
    assert address is not None and address.get("location") == url
    schemas = {s.get("targetNamespace") for s in root.iter(f"{{{XS}}}schema")}
    assert schemas == {ZNS, ONS, FNS}
    binding = root.find(f"{{{WSDL}}}binding")
    assert binding is not None and binding.get("type") == "zns:Soap"
    style = binding.find(f"{{{WSDL_SOAP}}}binding")
    assert style is not None and style.get("style") == "document"
    assert {o.get("soapAction") for o in binding.iter(f"{{{WSDL_SOAP}}}operation")} == {""}
    assert {b.get("use") for b in binding.iter(f"{{{WSDL_SOAP}}}body")} == {"literal"}
    # The fetch address decides the address: another version, another soap:address.
    other = etree.fromstring(httpx.get(endpoint(server, "43.0") + "?WSDL").content)
    assert other.find(f".//{{{WSDL_SOAP}}}address").get("location") == endpoint(server, "43.0")  # type: ignore[union-attr]


def test_a_client_generated_from_billforges_wsdl_logs_in(server: Any, db: Database, tenant: Any) -> None:
    user = soap_user(db, tenant)
    client, service = zeep_service(endpoint(server) + "?wsdl")
    result = service.login(username=user.username, password=user.password)
    assert result.ServerUrl == endpoint(server)
    info = service.getUserInfo(_soapheaders=session_header(result.Session))
    assert (info.UserId, info.TenantId) == (user.user_id, tenant.entity_id)
    with pytest.raises(zeep.exceptions.Fault) as refused:
        service.getUserInfo(_soapheaders=session_header("expired"))
    assert refused.value.code == "fns:INVALID_SESSION"
    assert client.wsdl.services["ZuoraService"].ports["Soap"].binding.name.text == "{http://api.zuora.com/}SoapBinding"


def test_get_without_wsdl_says_how_to_use_the_endpoint(server: Any) -> None:
    response = httpx.get(endpoint(server))
    assert response.status_code == 405
    assert "?wsdl" in response.text

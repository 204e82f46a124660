"""``--target soap:URL``: a Zuora-compatible SOAP endpoint (a Zuora tenant, or billforge's own).

Raw SOAP 1.1 envelopes, built with lxml in the shape of Zuora's own example (the seed
``soap-generate-call.txt``): ``SOAP-ENV`` envelope, operations in ``http://api.zuora.com/``
(``ns1``), zObjects typed ``xsi:type="ns2:Invoice"`` with children in ``http://object.api.zuora.com/``
(``ns2``) in the WSDL's order, the session in a ``SessionHeader``. Faults are read from
``http://fault.api.zuora.com/``.

    login(username, password)  -> session; logged in again on a fault whose faultcode is
                                  ``fns:INVALID_SESSION``
    generate(zObjects)         -> one SaveResult per object
    update(Invoice Id, Status=Posted)
    query(ZOQL)                -> numbers, amounts, statuses; account numbers; reconciliation
    delete(Invoice, ids)

Zuora's SOAP responses need not announce a concurrency limit; without one, Max Threads is capped
at 20 (Zuora's documented limit for concurrent invoice generation) with a warning.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

import httpx
from lxml import etree

from billforge.bulk.target import (
    CallRefused,
    FoundInvoice,
    Generated,
    GenerateResult,
    InvoiceRequest,
    OutcomeUnknown,
    PostResult,
    Refused,
    Retryable,
    TargetError,
)
from billforge.bulk.targets.rest import announced_limit, retry_after

SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
ZNS: Final = "http://api.zuora.com/"
ONS: Final = "http://object.api.zuora.com/"
FNS: Final = "http://fault.api.zuora.com/"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP: Final = {"SOAP-ENV": SOAP_ENV, "ns1": ZNS, "ns2": ONS, "xsi": XSI}

UNANNOUNCED_LIMIT: Final = 20
INVALID_SESSION: Final = "INVALID_SESSION"
RETRYABLE_FAULTS: Final = frozenset({"REQUEST_EXCEEDED_LIMIT", "SERVER_UNAVAILABLE", "LOCK_COMPETITION"})
UNKNOWN_OUTCOME_FAULTS: Final = frozenset({"UNKNOWN_ERROR", "TRANSACTION_FAILED"})
QUERY_CHUNK: Final = 50
INVOICE_FIELDS: Final = (
    "Id",
    "AccountId",
    "Amount",
    "CreatedDate",
    "IncludesOneTime",
    "IncludesRecurring",
    "IncludesUsage",
    "InvoiceDate",
    "InvoiceNumber",
    "Status",
    "TargetDate",
)


class SoapFault(Exception):
    def __init__(self, faultcode: str, code: str, message: str) -> None:
        super().__init__(f"{faultcode}: {message}")
        self.faultcode = faultcode
        self.code = code
        self.message = message


# --- envelopes --------------------------------------------------------------------------------


def _z(tag: str) -> str:
    return f"{{{ZNS}}}{tag}"


def _o(tag: str) -> str:
    return f"{{{ONS}}}{tag}"


def envelope(operation: etree._Element, session: str | None) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    if session is not None:
        header = etree.SubElement(root, f"{{{SOAP_ENV}}}Header")
        session_header = etree.SubElement(header, _z("SessionHeader"))
        etree.SubElement(session_header, _z("session")).text = session
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    body.append(operation)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def login_operation(username: str, password: str) -> etree._Element:
    op = etree.Element(_z("login"), nsmap=NSMAP)
    etree.SubElement(op, _z("username")).text = username
    etree.SubElement(op, _z("password")).text = password
    return op


def _zobject(parent: etree._Element, fields: Sequence[tuple[str, str]], type_name: str = "Invoice") -> None:
    obj = etree.SubElement(parent, _z("zObjects"))
    obj.set(f"{{{XSI}}}type", f"ns2:{type_name}")
    for name, value in fields:
        etree.SubElement(obj, _o(name)).text = value


def _flag(value: bool) -> str:
    return "true" if value else "false"


def generate_operation(objects: Sequence[InvoiceRequest]) -> etree._Element:
    op = etree.Element(_z("generate"), nsmap=NSMAP)
    for o in objects:
        # The WSDL's order: AccountId, IncludesOneTime, IncludesRecurring, IncludesUsage, InvoiceDate, TargetDate.
        _zobject(
            op,
            [
                ("AccountId", o.account_id),
                ("IncludesOneTime", _flag(o.includes_one_time)),
                ("IncludesRecurring", _flag(o.includes_recurring)),
                ("IncludesUsage", _flag(o.includes_usage)),
                ("InvoiceDate", o.invoice_date.isoformat()),
                ("TargetDate", o.target_date.isoformat()),
            ],
        )
    return op


def post_operation(invoice_ids: Sequence[str]) -> etree._Element:
    op = etree.Element(_z("update"), nsmap=NSMAP)
    for invoice_id in invoice_ids:
        _zobject(op, [("Id", invoice_id), ("Status", "Posted")])
    return op


def query_operation(zoql: str) -> etree._Element:
    op = etree.Element(_z("query"), nsmap=NSMAP)
    etree.SubElement(op, _z("queryString")).text = zoql
    return op


def delete_operation(type_name: str, ids: Sequence[str]) -> etree._Element:
    op = etree.Element(_z("delete"), nsmap=NSMAP)
    etree.SubElement(op, _z("type")).text = type_name
    for i in ids:
        etree.SubElement(op, _z("ids")).text = i
    return op


def zoql_string(value: str) -> str:
    """A ZOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- answers ----------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child) == name:
            return child
    return None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and _local(c) == name]


def _text(element: etree._Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text is not None else None


def parse_answer(content: bytes) -> etree._Element:
    """The element inside the answer's Body; a SOAP fault raises ``SoapFault``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"the answer is not XML: {error}") from error
    body = _child(root, "Body")
    if body is None:
        raise ValueError("the answer has no SOAP Body")
    inner = next((c for c in body if isinstance(c.tag, str)), None)
    if inner is None:
        raise ValueError("the answer's SOAP Body is empty")
    if _local(inner) == "Fault":
        faultcode = _text(inner, "faultcode") or ""
        message = _text(inner, "faultstring") or ""
        code = faultcode.rpartition(":")[2]
        detail = _child(inner, "detail")
        if detail is not None:
            fault = next((c for c in detail if isinstance(c.tag, str)), None)
            if fault is not None:
                code = _text(fault, "FaultCode") or code
                message = _text(fault, "FaultMessage") or message
        raise SoapFault(faultcode, code, message)
    return inner


def save_results(answer: etree._Element) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """(Id if it succeeded, errors) for each ``result`` of a generate/update answer."""
    out: list[tuple[str | None, list[tuple[str, str]]]] = []
    for result in _children(answer, "result"):
        success = (_text(result, "Success") or _text(result, "success") or "").lower() == "true"
        errors = [
            (_text(e, "Code") or _text(e, "code") or "UNKNOWN_ERROR", _text(e, "Message") or _text(e, "message") or "")
            for e in _children(result, "Errors") + _children(result, "errors")
        ]
        out.append(((_text(result, "Id") or _text(result, "id")) if success else None, errors))
    return out


def query_records(answer: etree._Element) -> list[dict[str, str | None]]:
    result = _child(answer, "result")
    if result is None:
        return []
    return [
        {_local(f): (f.text or "").strip() for f in record if isinstance(f.tag, str)}
        for record in _children(result, "records")
    ]


def _date(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _created(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("true", "1")


def _decimal(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def record_invoice(record: dict[str, str | None]) -> FoundInvoice:
    return FoundInvoice(
        invoice_id=str(record.get("Id")),
        invoice_number=record.get("InvoiceNumber") or None,
        account_id=record.get("AccountId") or None,
        invoice_date=_date(record.get("InvoiceDate")),
        target_date=_date(record.get("TargetDate")),
        amount=_decimal(record.get("Amount")),
        status=record.get("Status") or None,
        created=_created(record.get("CreatedDate")),
        includes_one_time=_bool(record.get("IncludesOneTime")),
        includes_recurring=_bool(record.get("IncludesRecurring")),
        includes_usage=_bool(record.get("IncludesUsage")),
    )


def _errors_text(errors: list[tuple[str, str]]) -> tuple[str, str]:
    if not errors:
        return "UNKNOWN_ERROR", "the target refused the object without a reason"
    return errors[0][0], "; ".join(m for _, m in errors if m) or errors[0][0]


# --- the target -------------------------------------------------------------------------------


class SoapTarget:
    def __init__(
        self, url: str, username: str, password: str, *, client: httpx.Client | None = None, timeout: float = 300.0
    ) -> None:
        self.url = url
        self._username = username
        self._password = password
        self._http = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=15.0))
        self._owns_http = client is None
        self._session: str | None = None
        self._session_lock = threading.Lock()
        self._limit: int | None = None

    @property
    def description(self) -> str:
        return f"soap:{self.url}"

    @property
    def unannounced_limit(self) -> int | None:
        return UNANNOUNCED_LIMIT

    def open(self) -> None:
        self._login(None)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def concurrency_limit(self) -> int | None:
        return self._limit

    def invoice_settlement(self) -> bool | None:
        return None  # SOAP does not say: a negative invoice is the sign

    def _login(self, stale: str | None) -> str:
        with self._session_lock:
            if self._session is not None and self._session != stale:
                return self._session
            try:
                answer = self._exchange(envelope(login_operation(self._username, self._password), None), effect=False)
            except SoapFault as fault:
                raise TargetError(f"login to {self.url} failed: {fault.code}: {fault.message}") from fault
            result = _child(answer, "result")
            session = _text(result, "Session") if result is not None else None
            if not session:
                raise TargetError(f"login to {self.url} answered no session")
            self._session = session
            return session

    def _exchange(self, payload: bytes, *, effect: bool) -> etree._Element:
        """POST one envelope; transport problems become Retryable / OutcomeUnknown."""
        try:
            response = self._http.post(
                self.url,
                content=payload,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise Retryable(f"cannot connect to {self.url}: {error}") from error
        except httpx.TransportError as error:
            if effect:
                raise OutcomeUnknown(f"the answer was lost ({error!r})") from error
            raise Retryable(repr(error)) from error
        limit = announced_limit(response)
        if limit is not None:
            self._limit = limit
        wait = retry_after(response)
        if response.status_code in (429, 503):
            raise Retryable(f"{self.url} answered {response.status_code}", retry_after=wait)
        try:
            return parse_answer(response.content)
        except ValueError as error:
            if response.status_code >= 500 and effect:
                raise OutcomeUnknown(f"{self.url} answered {response.status_code}", retry_after=wait) from error
            if response.status_code >= 500:
                raise Retryable(f"{self.url} answered {response.status_code}", retry_after=wait) from error
            raise TargetError(f"{self.url} answered {response.status_code} with no SOAP answer: {error}") from error

    def _call(self, operation: etree._Element, *, effect: bool) -> etree._Element:
        """An operation with the session; logs in again once if the session was refused."""
        for attempt in (1, 2):
            session = self._login(None)
            try:
                return self._exchange(envelope(operation, session), effect=effect)
            except SoapFault as fault:
                if fault.faultcode == f"fns:{INVALID_SESSION}" or fault.code == INVALID_SESSION:
                    if attempt == 1:
                        self._login(session)
                        continue
                    raise TargetError(f"{self.url} refused the session twice: {fault.message}") from fault
                if fault.code in RETRYABLE_FAULTS:
                    raise Retryable(f"{fault.code}: {fault.message}") from fault
                if fault.code in UNKNOWN_OUTCOME_FAULTS:
                    if effect:
                        raise OutcomeUnknown(f"{fault.code}: {fault.message}") from fault
                    raise Retryable(f"{fault.code}: {fault.message}") from fault
                raise CallRefused(fault.code or "UNKNOWN_ERROR", fault.message) from fault
        raise TargetError("unreachable")  # the loop always returns or raises

    def _query(self, zoql: str) -> list[dict[str, str | None]]:
        return query_records(self._call(query_operation(zoql), effect=False))

    # --- the calls ----------------------------------------------------------------------------

    def resolve_accounts(self, numbers: Sequence[str]) -> dict[str, str]:
        resolved: dict[str, str] = {}
        for start in range(0, len(numbers), QUERY_CHUNK):
            chunk = numbers[start : start + QUERY_CHUNK]
            where = " or ".join(f"AccountNumber = {zoql_string(n)}" for n in chunk)
            for record in self._query(f"select Id, AccountNumber from Account where {where}"):  # noqa: S608 (ZOQL has no parameters: values are quoted by zoql_string)
                number, account_id = record.get("AccountNumber"), record.get("Id")
                if number is not None and number in chunk and account_id:
                    resolved[number] = account_id
        return resolved

    def generate(self, objects: Sequence[InvoiceRequest], *, key: str) -> list[GenerateResult]:  # noqa: ARG002 (SOAP has no idempotency keys: the runner reconciles)
        results = save_results(self._call(generate_operation(objects), effect=True))
        if len(results) != len(objects):
            raise OutcomeUnknown(f"generate answered {len(results)} results for {len(objects)} objects")
        out: list[GenerateResult] = []
        for invoice_id, errors in results:
            if invoice_id:
                out.append(Generated(invoice_id))
            else:
                out.append(Refused(*_errors_text(errors)))
        return out

    def post(self, invoice_ids: Sequence[str], *, key: str) -> list[PostResult]:  # noqa: ARG002 (no idempotency keys in SOAP)
        results = save_results(self._call(post_operation(invoice_ids), effect=True))
        if len(results) != len(invoice_ids):
            raise OutcomeUnknown(f"update answered {len(results)} results for {len(invoice_ids)} invoices")
        return [None if invoice_id else Refused(*_errors_text(errors)) for invoice_id, errors in results]

    def find_invoices(
        self, account_id: str, *, target_dates: Collection[date] = (), ids: Collection[str] = ()
    ) -> list[FoundInvoice]:
        fields = ", ".join(INVOICE_FIELDS)
        found: dict[str, FoundInvoice] = {}
        id_list = sorted(ids)
        for start in range(0, len(id_list), QUERY_CHUNK):
            where = " or ".join(f"Id = {zoql_string(i)}" for i in id_list[start : start + QUERY_CHUNK])
            for record in self._query(f"select {fields} from Invoice where {where}"):  # noqa: S608 (as above)
                invoice = record_invoice(record)
                found[invoice.invoice_id] = invoice
        for day in sorted(set(target_dates)):
            where = f"AccountId = {zoql_string(account_id)} and TargetDate = {zoql_string(day.isoformat())}"
            zoql = f"select {fields} from Invoice where {where}"  # noqa: S608 (values quoted by zoql_string)
            for record in self._query(zoql):
                invoice = record_invoice(record)
                found[invoice.invoice_id] = invoice
        return list(found.values())

    def discard(self, invoice_ids: Sequence[str]) -> None:
        try:
            answer = self._call(delete_operation("Invoice", invoice_ids), effect=True)
        except CallRefused as refused:
            raise TargetError(f"{refused.code}: {refused.message}") from refused
        failures = [_errors_text(errors)[1] for invoice_id, errors in save_results(answer) if not invoice_id]
        if failures:
            raise TargetError("; ".join(failures))

"""The SOAP operations: each reads its request, calls billforge's services, and writes the answer.

No business rule lives here; a rule broken by one object comes back from the service as an error
and becomes that object's ``Success=false`` result (``Errors``: ``Code``, ``Message``, ``Field``).
Faults are for the call as a whole: no session, a type the operation does not take, zObjects of
several types in one call, more than ``MAX_OBJECTS`` objects, a malformed query.

    login(username, password)         LoginResult{Session, ServerUrl}
    getUserInfo()                     the session's tenant and user
    generate(zObjects: Invoice[])     billing.generate_invoices per object: the first invoice's id
    create(zObjects) + CallOptions    actions.create_objects (Account, Contact, Product,
                                      ProductRatePlan, ProductRatePlanCharge, Usage, Payment); with
                                      useSingleTransaction=true all of them or none (the
                                      service's single_transaction)
    update(zObjects)                  actions.update_objects (Invoice: Status, AutoPay,
                                      TransferredToAccounting, RegenerateInvoicePDF; Payment,
                                      Subscription, and the others the action services update)
    delete(type, ids)                 actions.delete_objects: one DeleteResult per id
    query(queryString) + QueryOptions queries.query: the first batch and a locator
    queryMore(queryLocator)           queries.query_more

Each zObject of create and update is turned into the owning service's input by ``objects.inputs``,
which ``/v1/action/create`` and ``/v1/action/update`` use too, after its XML has been read into the
same shapes a JSON body has: so both doors apply the same field rules and give the same messages.
``generate`` reads its Invoice itself, with the semantics of ``/v1/action/generate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from lxml import etree

from billforge.config import Settings
from billforge.db.session import Database
from billforge.errors import (
    AuthenticationFailed,
    BillforgeError,
    ErrorCode,
    ErrorList,
    InvalidValue,
    MissingValue,
    UnknownField,
    flatten,
)
from billforge.objects.inputs import parse_create, parse_update
from billforge.services import actions, billing, queries, tenancy
from billforge.services.context import Clock, Context
from billforge.soap import envelope, faults, values, zobjects
from billforge.soap.envelope import Call, add, zns
from billforge.soap.faults import FaultKind, SoapFault
from billforge.soap.schema import OBJECT_TYPES, object_type

MAX_OBJECTS: Final = actions.MAX_OBJECTS  # zObjects (or ids) in one create, generate, update or delete call


@dataclass(frozen=True, slots=True)
class Exchange:
    """What an operation works with: the services' dependencies, the call, and its session."""

    db: Database
    clock: Clock
    settings: Settings
    server_url: str
    call: Call
    session: tenancy.SoapSession | None

    @property
    def ctx(self) -> Context:
        if self.session is None:  # pragma: no cover - only login runs without a session
            raise faults.invalid_session("this call needs a session")
        return Context(entity_id=self.session.entity_id, actor_id=self.session.user_id, clock=self.clock)


Handler = Callable[[Exchange], etree._Element]


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in envelope.elements(parent) if envelope.local(child) == name), None)


def _child_text(parent: etree._Element, name: str) -> str | None:
    child = _child(parent, name)
    return None if child is None or envelope.is_nil(child) else envelope.text_of(child)


# --- results ------------------------------------------------------------------------------------


def _add_errors(result: etree._Element, tag: str, errors: Sequence[BillforgeError]) -> None:
    for problem in errors:
        item = add(result, zns(tag))
        add(item, zns("Code"), problem.code.value)
        add(item, zns("Message"), problem.message)
        if problem.field:
            add(item, zns("Field"), problem.field)


def _add_saved(answer: etree._Element, object_id: str) -> None:
    result = add(answer, zns("result"))
    add(result, zns("Id"), object_id)
    add(result, zns("Success"), "true")


def _add_failed(answer: etree._Element, errors: Sequence[BillforgeError]) -> None:
    result = add(answer, zns("result"))
    _add_errors(result, "Errors", errors)
    add(result, zns("Success"), "false")


def _add_save_results(answer: etree._Element, saved: Sequence[actions.SaveResult]) -> None:
    for outcome in saved:
        if outcome.success and outcome.id is not None:
            _add_saved(answer, outcome.id)
        else:
            _add_failed(answer, outcome.errors)


# --- the zObjects of a call ---------------------------------------------------------------------


def _zobjects(call: Call, accept: Callable[[str], str]) -> tuple[str, list[etree._Element]]:
    """The call's zObjects and their one type (``accept`` names it from ``xsi:type``, or refuses it
    with a fault). No zObject, more than ``MAX_OBJECTS``, or several types fail the whole call."""
    found = zobjects.zobject_elements(call.body)
    if not found:
        raise faults.unexpected(
            ErrorCode.MISSING_REQUIRED_VALUE, f"{call.operation} needs at least one zObject (<zObjects>)"
        )
    if len(found) > MAX_OBJECTS:
        raise faults.unexpected(
            ErrorCode.MAX_RECORDS_EXCEEDED,
            f"{call.operation} takes at most {MAX_OBJECTS} zObjects in one call; this one has {len(found)}",
        )
    names: list[str] = []
    for index, element in enumerate(found):
        declared = zobjects.declared_type(element)
        if declared is None:
            raise faults.invalid_type(
                f"zObjects[{index}] has xsi:type {element.get(envelope.XSI_TYPE)!r}, which is not a type in "
                f"{envelope.ONS}"
            )
        names.append(accept(declared))
    if len(set(names)) > 1:
        kinds = ", ".join(sorted(set(names)))
        raise faults.invalid_type(
            f"all zObjects of one {call.operation} call must be of one type; this one has {kinds}"
        )
    return names[0], found


def _accepting(operation: actions.Operation) -> Callable[[str], str]:
    def accept(declared: str) -> str:
        if not declared:
            raise faults.invalid_type(f"each zObject of {operation} needs an xsi:type (such as ns2:Account)")
        try:
            return actions.object_type(declared, operation)
        except BillforgeError as error:
            raise faults.invalid_type(error.message) from None

    return accept


def _fields(element: etree._Element, type_name: str) -> dict[str, Any]:
    """A zObject as the dict the action parsers take; its problems raised all at once."""
    kind = object_type(type_name)
    if kind is None:  # pragma: no cover - every action type is in the registry
        raise faults.invalid_type(f"{type_name} is not a zObject type of this WSDL")
    obj = zobjects.read(element, kind)
    data, problems = zobjects.as_fields(obj)
    if obj.problems or problems:
        raise ErrorList([*obj.problems, *problems])
    return data


# --- login and getUserInfo -----------------------------------------------------------------------


def login(exchange: Exchange) -> etree._Element:
    body = exchange.call.body
    username, password = _child_text(body, "username"), _child_text(body, "password")
    if not username or password is None:
        raise SoapFault(FaultKind.LOGIN, ErrorCode.INVALID_VALUE, "login needs a username and a password")
    try:
        session = tenancy.open_soap_session(
            db=exchange.db,
            clock=exchange.clock,
            username=username,
            password=password,
            ttl_seconds=exchange.settings.soap_session_ttl_seconds,
        )
    except AuthenticationFailed as error:
        raise SoapFault(FaultKind.LOGIN, ErrorCode.INVALID_VALUE, error.message) from None
    answer = envelope.answer_element("login")
    result = add(answer, zns("result"))
    add(result, zns("Session"), session)
    add(result, zns("ServerUrl"), exchange.server_url)
    return answer


def get_user_info(exchange: Exchange) -> etree._Element:
    session = exchange.session
    if session is None:  # pragma: no cover - the endpoint checked the session header
        raise faults.invalid_session("getUserInfo needs a session")
    tenant = next((e for e in tenancy.list_entities(db=exchange.db) if e.id == session.entity_id), None)
    answer = envelope.answer_element("getUserInfo")
    add(answer, zns("TenantId"), session.entity_id)
    add(answer, zns("TenantName"), tenant.name if tenant else "")
    add(answer, zns("UserEmail"), session.email)
    add(answer, zns("UserFullName"), session.username)
    add(answer, zns("UserId"), session.user_id)
    add(answer, zns("Username"), session.username)
    return answer


# --- generate ------------------------------------------------------------------------------------

_INVOICE: Final = OBJECT_TYPES["Invoice"]
_GENERATE_REQUIRED: Final = ("AccountId", "InvoiceDate", "TargetDate")
_INCLUDES: Final = ("IncludesOneTime", "IncludesRecurring", "IncludesUsage")


@dataclass(frozen=True, slots=True)
class _GenerateRequest:
    account_id: str
    invoice_date: date
    target_date: date
    includes: dict[str, bool]


def _generate_request(obj: zobjects.ZObject) -> _GenerateRequest:
    """Generate reads AccountId (an id or an account number), InvoiceDate, TargetDate and the three
    Includes flags (true unless sent false, in any case); the Invoice's other fields are allowed and
    not used, as in ``/v1/action/generate``."""
    problems: list[BillforgeError] = list(obj.problems)
    present = {name: (obj.fields.get(name) or "").strip() for name in _GENERATE_REQUIRED}
    problems += [MissingValue(f"'{name}' is required", field=name) for name, text in present.items() if not text]
    includes: dict[str, bool] = {}
    for name in _INCLUDES:
        flag = obj.fields.get(name)
        try:
            includes[name] = True if flag is None else values.read_bool(flag, field=name)
        except InvalidValue as error:
            problems.append(error)
    dates: dict[str, date] = {}
    for name in ("InvoiceDate", "TargetDate"):
        if present[name]:
            try:
                dates[name] = values.read_date(present[name], field=name)
            except InvalidValue as error:
                problems.append(error)
    if problems:
        raise ErrorList(problems)
    return _GenerateRequest(present["AccountId"], dates["InvoiceDate"], dates["TargetDate"], includes)


def _only_invoices(declared: str) -> str:
    if declared.lower() not in ("", "invoice"):
        raise faults.invalid_type(f"generate takes Invoice zObjects (xsi:type ns2:Invoice), not {declared}")
    return "Invoice"


def generate(exchange: Exchange) -> etree._Element:
    _, elements = _zobjects(exchange.call, _only_invoices)
    answer = envelope.answer_element("generate")
    for element in elements:
        try:
            wanted = _generate_request(zobjects.read(element, _INVOICE))
            ids = billing.generate_invoices(
                db=exchange.db,
                ctx=exchange.ctx,
                account_key=wanted.account_id,
                invoice_date=wanted.invoice_date,
                target_date=wanted.target_date,
                includes_one_time=wanted.includes["IncludesOneTime"],
                includes_recurring=wanted.includes["IncludesRecurring"],
                includes_usage=wanted.includes["IncludesUsage"],
                account_field="AccountId",
            )
        except BillforgeError as error:
            _add_failed(answer, flatten(error))
            continue
        _add_saved(answer, ids[0])
    return answer


# --- create, update, delete ----------------------------------------------------------------------


def _single_transaction(headers: Mapping[str, etree._Element]) -> bool:
    options = headers.get("CallOptions")
    text = _child_text(options, "useSingleTransaction") if options is not None else None
    if text is None or not text.strip():
        return False
    try:
        return values.read_bool(text, field="CallOptions.useSingleTransaction")
    except InvalidValue as error:
        raise faults.unexpected(ErrorCode.INVALID_VALUE, error.message) from None


def create(exchange: Exchange) -> etree._Element:
    type_name, elements = _zobjects(exchange.call, _accepting(actions.Operation.CREATE))
    single = _single_transaction(exchange.call.headers)
    entries: list[Any] = []
    for index, element in enumerate(elements):
        try:
            entries.append(parse_create(type_name, _fields(element, type_name), index))
        except BillforgeError as error:
            entries.append(error)
    saved = actions.create_objects(
        db=exchange.db, ctx=exchange.ctx, type_name=type_name, objects=entries, single_transaction=single
    )
    answer = envelope.answer_element("create")
    _add_save_results(answer, saved)
    return answer


def update(exchange: Exchange) -> etree._Element:
    type_name, elements = _zobjects(exchange.call, _accepting(actions.Operation.UPDATE))
    entries: list[actions.ObjectUpdate | BillforgeError] = []
    for index, element in enumerate(elements):
        try:
            entries.append(parse_update(type_name, _fields(element, type_name), index))
        except BillforgeError as error:
            entries.append(error)
    saved = actions.update_objects(db=exchange.db, ctx=exchange.ctx, type_name=type_name, objects=entries)
    answer = envelope.answer_element("update")
    _add_save_results(answer, saved)
    return answer


def delete(exchange: Exchange) -> etree._Element:
    body = exchange.call.body
    type_name = (_child_text(body, "type") or "").strip()
    if not type_name:
        raise faults.invalid_type("delete needs a type (<type>Invoice</type>)")
    ids = [envelope.text_of(e).strip() for e in zobjects.zobject_elements(body, "ids")]
    outcomes = actions.delete_objects(db=exchange.db, ctx=exchange.ctx, type_name=type_name, ids=ids)
    answer = envelope.answer_element("delete")
    for outcome in outcomes:
        result = add(answer, zns("result"))
        _add_errors(result, "errors", outcome.errors)
        add(result, zns("id"), outcome.id)
        add(result, zns("success"), "true" if outcome.success else "false")
    return answer


# --- query and queryMore -------------------------------------------------------------------------


def _batch_size(headers: Mapping[str, etree._Element]) -> int | None:
    """``QueryOptions.batchSize`` (43.0 and 48.0 declare the header; it is read at any version).
    ``caseSensitive`` is accepted and not used: ZOQL string comparisons are case-sensitive."""
    options = headers.get("QueryOptions")
    text = _child_text(options, "batchSize") if options is not None else None
    if text is None or not text.strip():
        return None
    try:
        return values.read_int(text, field="QueryOptions.batchSize")
    except InvalidValue as error:
        raise faults.unexpected(ErrorCode.INVALID_VALUE, error.message) from None


def _run_query(run: Callable[[int | None], queries.QueryResult], batch_size: int | None) -> queries.QueryResult:
    try:
        return run(batch_size)
    except UnknownField as error:  # a field the object does not have: the query is malformed
        raise SoapFault(FaultKind.MALFORMED_QUERY, error.code, error.message) from None
    except InvalidValue as error:
        if error.field == "conf.batchSize":  # the action door's name for QueryOptions.batchSize
            message = error.message.replace("'conf.batchSize'", "QueryOptions.batchSize")
            raise faults.unexpected(ErrorCode.INVALID_VALUE, message) from None
        raise


def _query_answer(operation: str, result: queries.QueryResult) -> etree._Element:
    answer = envelope.answer_element(operation)
    found = add(answer, zns("result"))
    add(found, zns("done"), "true" if result.done else "false")
    if result.query_locator is None:
        envelope.add_nil(found, zns("queryLocator"))
    else:
        add(found, zns("queryLocator"), result.query_locator)
    for record in result.records:
        zobjects.add_record(found, result.object_name, result.fields, record)
    add(found, zns("size"), str(result.size))
    return answer


def query(exchange: Exchange) -> etree._Element:
    text = _child_text(exchange.call.body, "queryString")
    if text is None or not text.strip():
        raise SoapFault(FaultKind.MALFORMED_QUERY, ErrorCode.MALFORMED_QUERY, "query needs a queryString (ZOQL)")
    result = _run_query(
        lambda size: queries.query(db=exchange.db, ctx=exchange.ctx, query_string=text, batch_size=size),
        _batch_size(exchange.call.headers),
    )
    return _query_answer("query", result)


def query_more(exchange: Exchange) -> etree._Element:
    locator = (_child_text(exchange.call.body, "queryLocator") or "").strip()
    if not locator:
        raise SoapFault(
            FaultKind.INVALID_QUERY_LOCATOR,
            ErrorCode.INVALID_VALUE,
            "queryMore needs the queryLocator of a query whose result was not done",
        )
    result = _run_query(
        lambda size: queries.query_more(db=exchange.db, ctx=exchange.ctx, query_locator=locator, batch_size=size),
        _batch_size(exchange.call.headers),
    )
    return _query_answer("queryMore", result)


# --- the table -----------------------------------------------------------------------------------

HANDLERS: Final[Mapping[str, Handler]] = {
    "login": login,
    "create": create,
    "generate": generate,
    "update": update,
    "delete": delete,
    "query": query,
    "queryMore": query_more,
    "getUserInfo": get_user_info,
}
OPEN_OPERATIONS: Final = frozenset({"login"})
_DEFAULT_FAULTS: Final = {"login": FaultKind.LOGIN, "delete": FaultKind.INVALID_VALUE}


def default_fault(operation: str) -> FaultKind:
    """The fault for a billforge error that fails the whole ``operation``."""
    return _DEFAULT_FAULTS.get(operation, FaultKind.UNEXPECTED_ERROR)

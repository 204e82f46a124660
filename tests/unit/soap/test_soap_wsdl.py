"""billforge's own WSDL: Zuora's names and namespaces, the operations billforge serves with their
headers and faults, every zObject type in XSD order, and the address it is served at."""

from __future__ import annotations

from pathlib import Path

import zeep
from lxml import etree

from billforge.errors import ErrorCode
from billforge.soap import schema, wsdl
from billforge.zoql.objects import xsd_order

W, S, XS = wsdl.WSDL, wsdl.WSDL_SOAP, wsdl.XS
ZNS, ONS, FNS = "http://api.zuora.com/", "http://object.api.zuora.com/", "http://fault.api.zuora.com/"
ADDRESS = "http://billing.example.com:8080/apps/services/a/52.0"


def document() -> etree._Element:
    return etree.fromstring(wsdl.document(ADDRESS))


def test_service_port_binding_and_address() -> None:
    root = document()
    assert root.get("targetNamespace") == ZNS
    assert {root.nsmap[p] for p in ("zns", "ons", "fns")} == {ZNS, ONS, FNS}
    (service,) = root.findall(f"{{{W}}}service")
    (port,) = service.findall(f"{{{W}}}port")
    assert (service.get("name"), port.get("name"), port.get("binding")) == ("ZuoraService", "Soap", "zns:SoapBinding")
    assert port.find(f"{{{S}}}address").get("location") == ADDRESS  # type: ignore[union-attr]
    (binding,) = root.findall(f"{{{W}}}binding")
    assert (binding.get("name"), binding.get("type")) == ("SoapBinding", "zns:Soap")
    style = binding.find(f"{{{S}}}binding")
    assert style is not None
    assert (style.get("style"), style.get("transport")) == ("document", "http://schemas.xmlsoap.org/soap/http")


def test_an_address_with_markup_characters_is_escaped() -> None:
    root = etree.fromstring(wsdl.document('http://h/apps/services/a/52.0?x="<&>"'))
    assert root.find(f".//{{{S}}}address").get("location") == 'http://h/apps/services/a/52.0?x="<&>"'  # type: ignore[union-attr]


def test_operations_headers_and_faults() -> None:
    binding = document().find(f"{{{W}}}binding")
    assert binding is not None
    found = {}
    for operation in binding.findall(f"{{{W}}}operation"):
        action = operation.find(f"{{{S}}}operation")
        assert action is not None and action.get("soapAction") == ""
        headers = [h.get("part") for h in operation.iter(f"{{{S}}}header")]
        faults = [f.get("name") for f in operation.findall(f"{{{W}}}fault")]
        found[operation.get("name")] = (headers, faults)
    assert found == {
        "login": ([], ["LoginFault", "UnexpectedErrorFault"]),
        "create": (["CallOptions", "SessionHeader"], ["InvalidTypeFault", "UnexpectedErrorFault"]),
        "generate": (["SessionHeader"], ["InvalidTypeFault", "UnexpectedErrorFault"]),
        "update": (["SessionHeader"], ["InvalidTypeFault", "UnexpectedErrorFault"]),
        "delete": (["SessionHeader"], ["InvalidTypeFault", "InvalidValueFault", "UnexpectedErrorFault"]),
        "query": (
            ["QueryOptions", "SessionHeader"],
            ["MalformedQueryFault", "InvalidTypeFault", "InvalidQueryLocatorFault", "UnexpectedErrorFault"],
        ),
        "queryMore": (["QueryOptions", "SessionHeader"], ["InvalidQueryLocatorFault", "UnexpectedErrorFault"]),
        "getUserInfo": (["SessionHeader"], ["UnexpectedErrorFault"]),
    }


def _schema(root: etree._Element, namespace: str) -> etree._Element:
    (found,) = [s for s in root.iter(f"{{{XS}}}schema") if s.get("targetNamespace") == namespace]
    assert found.get("elementFormDefault") == "qualified"
    return found


def _sequence(complex_type: etree._Element) -> list[tuple[str | None, str | None]]:
    return [(e.get("name"), e.get("type")) for e in complex_type.iter(f"{{{XS}}}element")]


def test_every_zobject_extends_zobject_with_its_fields_in_xsd_order() -> None:
    objects = _schema(document(), ONS)
    types = {t.get("name"): t for t in objects.findall(f"{{{XS}}}complexType")}
    assert _sequence(types["zObject"]) == [("fieldsToNull", "xs:string"), ("Id", "zns:ID")]
    assert list(types)[1:] == list(schema.OBJECT_TYPES)
    for name, object_type in schema.OBJECT_TYPES.items():
        extension = types[name].find(f"{{{XS}}}complexContent/{{{XS}}}extension")
        assert extension is not None and extension.get("base") == "ons:zObject"
        declared = [field for field, _ in _sequence(types[name])]
        assert declared == list(object_type.names[1:])
        queryable = [n for n in declared if object_type.get(n).kind is not None]  # type: ignore[union-attr]
        assert queryable == list(xsd_order(name)[1:])  # the order query results are written in


def test_the_invoice_keeps_zuoras_order_and_types() -> None:
    invoice = {t.get("name"): t for t in _schema(document(), ONS).findall(f"{{{XS}}}complexType")}["Invoice"]
    declared = _sequence(invoice)
    # Zuora's 52.0 Invoice fields (the seed's list), in the WSDL's order, with the WSDL's types.
    zuora_52 = [
        ("AccountId", "zns:ID"), ("AdjustmentAmount", "xs:decimal"), ("Amount", "xs:decimal"),
        ("AmountWithoutTax", "xs:decimal"), ("Balance", "xs:decimal"), ("Body", "xs:string"),
        ("Comments", "xs:string"), ("CreatedById", "zns:ID"), ("CreatedDate", "xs:dateTime"),
        ("DueDate", "xs:dateTime"), ("IncludesOneTime", "xs:boolean"), ("IncludesRecurring", "xs:boolean"),
        ("IncludesUsage", "xs:boolean"), ("InvoiceDate", "xs:dateTime"), ("InvoiceNumber", "xs:string"),
        ("LastEmailSentDate", "xs:dateTime"), ("PaymentAmount", "xs:decimal"), ("PostedBy", "zns:ID"),
        ("PostedDate", "xs:dateTime"), ("RefundAmount", "xs:decimal"), ("RegenerateInvoicePDF", "xs:boolean"),
        ("Status", "xs:string"), ("TargetDate", "xs:dateTime"), ("TaxAmount", "xs:decimal"),
        ("TaxExemptAmount", "xs:decimal"), ("TransferredToAccounting", "xs:string"), ("UpdatedById", "zns:ID"),
        ("UpdatedDate", "xs:dateTime"),
    ]  # fmt: skip
    assert [entry for entry in declared if entry in zuora_52] == zuora_52


def test_api_types_and_error_codes() -> None:
    api = _schema(document(), ZNS)
    types = {t.get("name"): t for t in api.findall(f"{{{XS}}}complexType")}
    assert _sequence(types["SaveResult"]) == [("Errors", "zns:Error"), ("Id", "zns:ID"), ("Success", "xs:boolean")]
    assert _sequence(types["DeleteResult"]) == [("errors", "zns:Error"), ("id", "zns:ID"), ("success", "xs:boolean")]
    assert _sequence(types["QueryResult"]) == [
        ("done", "xs:boolean"),
        ("queryLocator", "zns:QueryLocator"),
        ("records", "ons:zObject"),
        ("size", "xs:int"),
    ]
    assert _sequence(types["LoginResult"]) == [("Session", "xs:string"), ("ServerUrl", "xs:string")]
    assert _sequence(types["Error"]) == [("Code", "zns:ErrorCode"), ("Message", "xs:string"), ("Field", "xs:string")]
    (codes,) = [t for t in api.findall(f"{{{XS}}}simpleType") if t.get("name") == "ErrorCode"]
    listed = [e.get("value") for e in codes.iter(f"{{{XS}}}enumeration")]
    assert listed[:3] == ["API_DISABLED", "CANNOT_DELETE", "CREDIT_CARD_PROCESSING_FAILURE"]
    assert listed[-1] == "PDF_QUERY_ERROR" and len(listed) == 22
    assert set(listed) == {c.value for c in ErrorCode} - {"REQUEST_EXCEEDED_LIMIT"}
    faults = _schema(document(), FNS)
    assert _sequence(next(t for t in faults if t.get("name") == "ApiFault")) == [
        ("FaultCode", "zns:ErrorCode"),
        ("FaultMessage", "xs:string"),
    ]


def test_zeep_builds_a_client_from_it(tmp_path: Path) -> None:
    path = tmp_path / "billforge.wsdl"
    path.write_bytes(wsdl.document(ADDRESS))
    client = zeep.Client(str(path))
    operations = client.wsdl.bindings[f"{{{ZNS}}}SoapBinding"]._operations
    assert sorted(operations) == sorted(o.name for o in wsdl.OPERATIONS)
    assert client.service._binding_options["address"] == ADDRESS
    charge = client.get_type(f"{{{ONS}}}ProductRatePlanCharge")
    assert "ProductRatePlanChargeTierData" in [name for name, _ in charge.elements]

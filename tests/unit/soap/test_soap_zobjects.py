"""zObjects read from requests (types, unknown and custom fields, nested objects, values by XSD
type) and records written in query results (xsi:type, selected fields in order, no nulls)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from billforge.errors import InvalidValue, UnknownField
from billforge.soap import envelope, zobjects
from billforge.soap.schema import OBJECT_TYPES

ZNS, ONS, XSI = "http://api.zuora.com/", "http://object.api.zuora.com/", "http://www.w3.org/2001/XMLSchema-instance"


def element(inner: str, type_attribute: str = 'xsi:type="o:Invoice"', extra_ns: str = "") -> etree._Element:
    return etree.fromstring(
        f'<z:zObjects xmlns:z="{ZNS}" xmlns:o="{ONS}" xmlns:xsi="{XSI}" {extra_ns} {type_attribute}>'
        f"{inner}</z:zObjects>"
    )


def test_the_declared_type() -> None:
    assert zobjects.declared_type(element("")) == "Invoice"
    assert zobjects.declared_type(element("", "")) == ""
    assert zobjects.declared_type(element("", 'xsi:type="Invoice"')) == "Invoice"
    assert zobjects.declared_type(element("", 'xsi:type="z:Invoice"')) is None  # the api namespace
    assert zobjects.declared_type(element("", 'xsi:type="d:Invoice"', f'xmlns="{ONS}" xmlns:d="{ONS}"')) == "Invoice"
    assert zobjects.declared_type(element("", 'xsi:type="Invoice"', 'xmlns="urn:other"')) is None


def test_fields_nils_custom_fields_and_problems() -> None:
    obj = zobjects.read(
        element(
            "<o:Status>Posted</o:Status><o:AutoPay xsi:nil='true'/><o:Region__c>EMEA</o:Region__c>"
            "<o:fieldsToNull>Comments</o:fieldsToNull><o:status>x</o:status><o:Colour>red</o:Colour>"
            "<o:Status>Canceled</o:Status><o:fieldsToNull>Nonsense</o:fieldsToNull>"
        ),
        OBJECT_TYPES["Invoice"],
    )
    assert dict(obj.fields) == {"Status": "Posted", "AutoPay": None}
    assert obj.fields_to_null == ("Comments", "Nonsense")
    assert [(type(p), p.field) for p in obj.problems] == [
        (UnknownField, "status"),
        (UnknownField, "Colour"),
        (InvalidValue, "Status"),
        (UnknownField, "fieldsToNull"),
    ]
    assert "did you mean Status?" in obj.problems[0].message
    assert "Nonsense" in obj.problems[3].message


def test_values_by_xsd_type_and_nested_objects() -> None:
    charge = zobjects.read(
        element(
            "<o:Name>Calls</o:Name><o:BillCycleDay>5</o:BillCycleDay><o:Taxable>TRUE</o:Taxable>"
            "<o:DefaultQuantity>2.5</o:DefaultQuantity>"
            "<o:ProductRatePlanChargeTierData>"
            "<z:ProductRatePlanChargeTier><o:Currency>USD</o:Currency><o:Price>1.25</o:Price>"
            "<o:IsOveragePrice>0</o:IsOveragePrice></z:ProductRatePlanChargeTier>"
            "<z:ProductRatePlanChargeTier><o:Currency>EUR</o:Currency><o:Price>1</o:Price></z:ProductRatePlanChargeTier>"
            "</o:ProductRatePlanChargeTierData>",
            'xsi:type="o:ProductRatePlanCharge"',
        ),
        OBJECT_TYPES["ProductRatePlanCharge"],
    )
    data, problems = zobjects.as_fields(charge)
    assert problems == []
    assert data == {
        "Name": "Calls",
        "BillCycleDay": 5,
        "Taxable": True,
        "DefaultQuantity": Decimal("2.5"),
        "ProductRatePlanChargeTierData": {
            "ProductRatePlanChargeTier": [
                {"Currency": "USD", "Price": Decimal("1.25"), "IsOveragePrice": False},
                {"Currency": "EUR", "Price": Decimal("1")},
            ]
        },
    }
    plan, _ = zobjects.as_fields(
        zobjects.read(
            element(
                "<o:ActiveCurrencies>USD, EUR</o:ActiveCurrencies><o:EffectiveStartDate>2024-01-01T00:00:00-08:00"
                "</o:EffectiveStartDate>",
                'xsi:type="o:ProductRatePlan"',
            ),
            OBJECT_TYPES["ProductRatePlan"],
        )
    )
    assert plan == {"ActiveCurrencies": ["USD", "EUR"], "EffectiveStartDate": date(2024, 1, 1)}
    account = zobjects.read(
        element(
            "<o:Name>Acme</o:Name><o:BillToContact><o:FirstName>Ada</o:FirstName><o:Colour>red</o:Colour>"
            "</o:BillToContact><o:BillCycleDay>first</o:BillCycleDay>",
            'xsi:type="o:Account"',
        ),
        OBJECT_TYPES["Account"],
    )
    assert [p.field for p in account.problems] == ["BillToContact.Colour"]
    data, problems = zobjects.as_fields(account)
    assert data["BillToContact"] == {"FirstName": "Ada"}
    assert [(p.field, "must be an integer" in p.message) for p in problems] == [("BillCycleDay", True)]


def test_a_record_has_its_type_and_the_selected_fields_in_order() -> None:
    answer = envelope.answer_element("query")
    zobjects.add_record(
        answer,
        "Invoice",
        ("Id", "Amount", "InvoiceDate", "PostedDate", "Status", "UpdatedDate"),
        {
            "Status": "Posted",
            "Id": "a" * 32,
            "Amount": Decimal("1E+1"),
            "InvoiceDate": date(2024, 1, 31),
            "UpdatedDate": datetime(2024, 2, 1, 9, 0, tzinfo=timezone(timedelta(hours=-8))),
            "Unasked": "x",
        },
    )
    (record,) = answer
    assert record.tag == f"{{{ZNS}}}records"
    assert record.get(f"{{{XSI}}}type") == "ns2:Invoice"
    assert record.nsmap["ns2"] == ONS
    assert [(etree.QName(c).localname, c.text) for c in record] == [
        ("Id", "a" * 32),
        ("Amount", "10"),
        ("InvoiceDate", "2024-01-31T00:00:00"),
        ("Status", "Posted"),
        ("UpdatedDate", "2024-02-01T09:00:00-08:00"),
    ]

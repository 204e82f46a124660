"""ZOQL, the query language of Zuora's ``query()`` call: a tokenizer and recursive-descent parser
(:mod:`.lexer`, :mod:`.parser`) that build a query AST (:mod:`.ast`), the registry of queryable
objects with their fields in XSD order (:mod:`.objects`), and the mapping of a query to SQLAlchemy
Core statements (:mod:`.sql`). ``services.queries`` runs queries and pages them with locators."""

from billforge.zoql.objects import OBJECTS, FieldType, ZField, ZObject, find_object, xsd_order
from billforge.zoql.parser import MAX_CONDITIONS, MAX_QUERY_LENGTH, parse

__all__ = [
    "MAX_CONDITIONS",
    "MAX_QUERY_LENGTH",
    "OBJECTS",
    "FieldType",
    "ZField",
    "ZObject",
    "find_object",
    "parse",
    "xsd_order",
]

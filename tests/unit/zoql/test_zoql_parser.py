"""The ZOQL tokenizer and parser: every operator, 'and' over 'or', case-insensitive keywords, quoting
and escapes, and each malformed query's message (where and why)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billforge.errors import ErrorCode
from billforge.zoql.ast import (
    And,
    Comparison,
    Like,
    Literal,
    LiteralKind,
    NullCheck,
    Operator,
    Or,
    Position,
    Query,
    Wildcard,
    conditions,
)
from billforge.zoql.errors import MalformedQuery
from billforge.zoql.lexer import Kind, tokenize
from billforge.zoql.parser import MAX_CONDITIONS, MAX_QUERY_LENGTH, parse


def where(text: str) -> object:
    query = parse(f"select Id from Invoice where {text}")
    return query.where


def value_of(text: str) -> Literal:
    condition = where(f"Amount = {text}")
    assert isinstance(condition, Comparison)
    return condition.value


def malformed(text: str) -> str:
    with pytest.raises(MalformedQuery) as caught:
        parse(text)
    assert caught.value.code is ErrorCode.MALFORMED_QUERY
    assert caught.value.field == "queryString"
    return caught.value.message


# --- shapes ----------------------------------------------------------------------------------------


def test_select_fields_object_and_no_where() -> None:
    query = parse("select Id, AccountId, Amount from Invoice")
    assert isinstance(query, Query)
    assert [f.text for f in query.fields] == ["Id", "AccountId", "Amount"]
    assert query.obj.text == "Invoice"
    assert query.where is None


def test_positions_are_line_and_column() -> None:
    query = parse("select\n  Id,\n  Amount\nfrom   Invoice")
    # "select\n" is 7 characters and "  Id,\n" 6, so line 3 starts at offset 13; "Amount" is 2 further.
    assert query.fields[1].position == Position(offset=15, line=3, column=3)
    # "select\n" is 7 characters, "  Id,\n" 6, "  Amount\n" 9, "from   " 7: 7 + 6 + 9 + 7 = 29.
    assert query.obj.position == Position(offset=29, line=4, column=8)


def test_repeated_fields_are_selected_once_case_insensitively() -> None:
    assert [f.text for f in parse("select Id, Amount, id, AMOUNT from Invoice").fields] == ["Id", "Amount"]


@pytest.mark.parametrize(
    ("written", "operator"),
    [
        ("=", Operator.EQ),
        ("!=", Operator.NE),
        ("<", Operator.LT),
        (">", Operator.GT),
        ("<=", Operator.LE),
        (">=", Operator.GE),
    ],
)
def test_every_comparison_operator(written: str, operator: Operator) -> None:
    condition = where(f"Balance {written} 100")
    assert isinstance(condition, Comparison)
    assert condition.field.text == "Balance"
    assert condition.operator is operator
    assert condition.value.kind is LiteralKind.NUMBER and condition.value.value == Decimal(100)


def test_operators_need_no_spaces() -> None:
    condition = where("Balance>='100'")
    assert isinstance(condition, Comparison) and condition.operator is Operator.GE and condition.value.value == "100"


def test_like_with_wildcards() -> None:
    condition = where("InvoiceNumber like 'INV%0_1'")
    assert isinstance(condition, Like)
    assert condition.pattern.value == "INV%0_1"
    assert condition.pattern.pattern == ("INV", Wildcard.ANY, "0", Wildcard.ONE, "1")


def test_like_escaped_wildcards_are_text() -> None:
    condition = where(r"Comments like '50\% off\_%'")
    assert isinstance(condition, Like)
    assert condition.pattern.pattern == ("50% off_", Wildcard.ANY)


@pytest.mark.parametrize(
    ("text", "is_null"),
    [
        ("Comments is null", True),
        ("Comments IS NOT NULL", False),
        ("Comments = null", True),
        ("Comments != NULL", False),
    ],
)
def test_null_checks(text: str, is_null: bool) -> None:
    condition = where(text)
    assert condition == NullCheck(condition.field, is_null=is_null)  # type: ignore[union-attr]


def test_and_binds_tighter_than_or() -> None:
    # a or b and c or d  ==  a or (b and c) or d
    condition = where("Status = 'A' or Status = 'B' and Amount > 1 or Status = 'D'")
    assert isinstance(condition, Or)
    first, middle, last = condition.terms
    assert isinstance(first, Comparison) and first.value.value == "A"
    assert isinstance(middle, And) and [c.value.value for c in middle.terms] == ["B", Decimal(1)]  # type: ignore[union-attr]
    assert isinstance(last, Comparison) and last.value.value == "D"


def test_a_chain_of_and_is_one_node() -> None:
    condition = where("Amount > 1 and Amount < 9 and Status = 'Draft'")
    assert isinstance(condition, And) and len(condition.terms) == 3
    assert len(conditions(condition)) == 3


def test_keywords_are_case_insensitive_and_names_keep_their_spelling() -> None:
    query = parse(
        "SELECT AccountID, amount\nFROM invoice\nWHERE Balance > '100' AND status = 'Posted' Or AutoPay = TRUE"
    )
    assert [f.text for f in query.fields] == ["AccountID", "amount"]
    assert query.obj.text == "invoice"
    assert isinstance(query.where, Or)


def test_line_breaks_and_tabs_anywhere() -> None:
    query = parse("\n\tselect\n\t\tId\n\tfrom\n\t\tInvoice\n\twhere\n\t\tId\n\t\t=\n\t\t'x'\n")
    assert isinstance(query.where, Comparison) and query.where.value.value == "x"


def test_a_trailing_semicolon_is_allowed() -> None:
    assert parse("select Id from Invoice;").where is None


# --- values ----------------------------------------------------------------------------------------


def test_single_and_double_quoted_strings() -> None:
    assert value_of("'Posted'").value == "Posted"
    assert value_of('"Posted"').value == "Posted"
    assert value_of("''").value == ""


def test_escapes_in_strings() -> None:
    assert value_of(r"'it\'s'").value == "it's"
    assert value_of("'it''s'").value == "it's"
    assert value_of(r"'say \"hi\"'").value == 'say "hi"'
    assert value_of(r"'back\\slash'").value == "back\\slash"
    assert value_of(r"'a\nb\tc\rd'").value == "a\nb\tc\rd"
    assert value_of(r"'100\%'").value == "100%"


def test_numbers() -> None:
    assert value_of("100").value == Decimal(100)
    assert value_of("-12.50").value == Decimal("-12.50")
    assert value_of("+.5").value == Decimal("0.5")
    assert value_of("0.0001").source == "0.0001"


def test_quoted_numbers_and_dates_stay_strings_for_the_field_to_read() -> None:
    assert value_of("'100'") == Literal(LiteralKind.STRING, "100", "'100'", value_of("'100'").position, ("100",))
    date = where("InvoiceDate >= '2024-01-01'")
    assert isinstance(date, Comparison) and date.value.value == "2024-01-01"


def test_booleans_any_case() -> None:
    assert value_of("true").value is True
    assert value_of("FALSE").value is False
    assert value_of("True").kind is LiteralKind.BOOLEAN


def test_tokens() -> None:
    tokens = tokenize("select Id,x from y where a<=1")
    assert [t.kind for t in tokens] == [
        Kind.WORD,
        Kind.WORD,
        Kind.COMMA,
        Kind.WORD,
        Kind.WORD,
        Kind.WORD,
        Kind.WORD,
        Kind.WORD,
        Kind.OPERATOR,
        Kind.NUMBER,
        Kind.END,
    ]


# --- limits ----------------------------------------------------------------------------------------


def test_at_most_200_conditions() -> None:
    allowed = " or ".join(f"Id = '{n}'" for n in range(MAX_CONDITIONS))
    assert len(conditions(where(allowed))) == 200  # type: ignore[arg-type]
    message = malformed("select Id from Invoice where " + allowed + " or Id = 'one more'")
    assert "at most 200 conditions" in message


def test_at_most_10000_characters() -> None:
    prefix = "select Id from Invoice where Comments = '"  # 41 characters
    text = prefix + "x" * (MAX_QUERY_LENGTH - 41) + "'"
    assert len(text) == MAX_QUERY_LENGTH + 1  # 41 + 9,959 x's + the closing quote = 10,001
    assert malformed(text) == "malformed query: it has 10001 characters; at most 10000 are allowed"


# --- malformed queries: where and why --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "malformed query: it is empty; write select <fields> from <object> [where <conditions>]"),
        ("   \n ", "malformed query: it is empty; write select <fields> from <object> [where <conditions>]"),
        ("from Invoice", "malformed query at line 1, column 1: a query starts with 'select', found 'from'"),
        (
            "select from Invoice",
            "malformed query at line 1, column 8: no fields between 'select' and 'from': name at least one field",
        ),
        (
            "select * from Invoice",
            "malformed query at line 1, column 8: the wild card '*' is not supported: name each field to select",
        ),
        (
            "select Id, from Invoice",
            "malformed query at line 1, column 12: expected a field name after ',', found keyword 'from'",
        ),
        (
            "select Id Amount from Invoice",
            "malformed query at line 1, column 11: expected ',' or 'from' after field 'Id', found 'Amount'",
        ),
        (
            "select Id",
            "malformed query at line 1, column 10: expected 'from' after the field list, found the end of the query",
        ),
        (
            "select Id from",
            "malformed query at line 1, column 15: expected an object name after 'from', found the end of the query",
        ),
        (
            "select 'Id' from Invoice",
            "malformed query at line 1, column 8: field and object names are not quoted: found 'Id'",
        ),
        (
            "select Account.Name from Invoice",
            "malformed query at line 1, column 8: 'Account.Name' names a field of another object: ZOQL has no "
            "joins, so query one object at a time",
        ),
        (
            "select count(Id) from Invoice",
            "malformed query at line 1, column 8: count(...) is a function call: ZOQL has no functions or aggregates",
        ),
        (
            "select Id from Invoice Amount",
            "malformed query at line 1, column 24: expected 'where' or the end of the query after the object name, "
            "found 'Amount'",
        ),
        (
            "select Id from Invoice order by Id",
            "malformed query at line 1, column 24: ZOQL has no 'order by': query() results come in no guaranteed order",
        ),
        (
            "select Id from Invoice limit 10",
            "malformed query at line 1, column 24: ZOQL has no 'limit': set conf.batchSize (1 to 2000) and page "
            "with queryMore",
        ),
        ("select Id from Invoice group by Status", "malformed query at line 1, column 24: ZOQL has no 'group by'"),
        (
            "select Id from Invoice where",
            "malformed query at line 1, column 29: expected a condition, found the end of the query",
        ),
        (
            "select Id from Invoice where (Amount = 1)",
            "malformed query at line 1, column 30: parentheses are not supported in ZOQL: 'and' binds tighter than "
            "'or', so write without them",
        ),
        (
            "select Id from Invoice where Amount = 1)",
            "malformed query at line 1, column 40: unbalanced ')': ZOQL has no parentheses",
        ),
        (
            "select Id from Invoice where not Amount = 1",
            "malformed query at line 1, column 30: ZOQL has no 'not' here: use '!=', or 'is not null'",
        ),
        (
            "select Id from Invoice where Status in ('A')",
            "malformed query at line 1, column 37: ZOQL has no 'in' operator: combine comparisons with 'or'",
        ),
        (
            "select Id from Invoice where Amount between 1 and 2",
            "malformed query at line 1, column 37: ZOQL has no 'between': combine '>=' and '<=' with 'and'",
        ),
        (
            "select Id from Invoice where Amount <> 1",
            "malformed query at line 1, column 37: '<>' is not a ZOQL operator: write '!='",
        ),
        (
            "select Id from Invoice where Amount == 1",
            "malformed query at line 1, column 37: '==' is not a ZOQL operator: write '='",
        ),
        (
            "select Id from Invoice where Amount ! 1",
            "malformed query at line 1, column 37: '!' must be followed by '=' (the operator is '!=')",
        ),
        (
            "select Id from Invoice where Amount 1",
            "malformed query at line 1, column 37: expected an operator (= != < > <= >= like is) after field "
            "'Amount', found '1'",
        ),
        (
            "select Id from Invoice where Amount =",
            "malformed query at line 1, column 38: expected a value after the operator for field 'Amount', found "
            "the end of the query",
        ),
        (
            "select Id from Invoice where Status = Posted",
            "malformed query at line 1, column 39: 'Posted' is not a value: quote strings ('Posted'); comparing two "
            "fields is not supported",
        ),
        (
            "select Id from Invoice where Amount > Balance.x",
            "malformed query at line 1, column 39: ZOQL has no joins: a value cannot name another object's field",
        ),
        (
            "select Id from Invoice where Amount < null",
            "malformed query at line 1, column 39: null cannot be compared with '<': use 'is null' or 'is not null'",
        ),
        (
            "select Id from Invoice where Comments is 'x'",
            "malformed query at line 1, column 42: expected 'null' after 'is', found \"'x'\"",
        ),
        (
            "select Id from Invoice where Comments is not 1",
            "malformed query at line 1, column 46: expected 'null' after 'is not', found '1'",
        ),
        (
            "select Id from Invoice where Comments like 5",
            "malformed query at line 1, column 44: 'like' needs a quoted pattern such as 'abc%', found '5'",
        ),
        (
            "select Id from Invoice where 'x' = Id",
            "malformed query at line 1, column 30: a condition starts with a field name, found the value 'x'",
        ),
        (
            "select Id from Invoice where and = 1",
            "malformed query at line 1, column 30: expected a field name to start a condition, found keyword 'and'",
        ),
        (
            "select Id from Invoice where Amount = 1 Status = 'x'",
            "malformed query at line 1, column 41: expected 'and', 'or' or the end of the query after a condition, "
            "found 'Status'",
        ),
        (
            "select Id from Invoice where Amount = 1 and",
            "malformed query at line 1, column 44: expected a condition, found the end of the query",
        ),
        (
            "select Id from Invoice where Comments = 'open",
            "malformed query at line 1, column 41: the string starting here has no closing '",
        ),
        (
            "select Id from Invoice where Comments = 'a\\qb'",
            "malformed query at line 1, column 43: '\\\\q' is not an escape sequence (use \\' \\\" \\\\ \\n \\r "
            "\\t, or \\% \\_ in like)",
        ),
        (
            "select Id from Invoice where Amount = 12abc",
            "malformed query at line 1, column 39: '12abc' is not a number",
        ),
        (
            "select Id from Invoice where Amount = 1.2.3",
            "malformed query at line 1, column 39: '1.2.3' is not a number",
        ),
        (
            "select Id from Invoice where Amount = 1 # x",
            "malformed query at line 1, column 41: unexpected character '#'",
        ),
        (
            "select Id from Invoice; select Id from Invoice",
            "malformed query at line 1, column 25: nothing may follow ';', found 'select'",
        ),
        (
            "select Id\nfrom Invoice\nwhere Status = \n",
            "malformed query at line 4, column 1: expected a value after the operator for field 'Status', found the "
            "end of the query",
        ),
    ],
)
def test_malformed_query_messages(text: str, message: str) -> None:
    assert malformed(text) == message

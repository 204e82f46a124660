"""The account search's ZOQL: the search text is literal text, whatever characters it has."""

from __future__ import annotations

from billforge.web.browse import account_query, like_text
from billforge.zoql import parse
from billforge.zoql.ast import Like, Wildcard, conditions

SELECT = "select Id, AccountNumber, Name, Currency, Balance, Status from Account"


def test_no_search_lists_every_account() -> None:
    assert account_query("") == SELECT
    assert account_query("   ") == SELECT


def test_a_search_matches_the_number_or_the_name() -> None:
    assert account_query(" Acme ") == f"{SELECT} where AccountNumber like '%Acme%' or Name like '%Acme%'"


def test_an_id_is_also_looked_up_by_id() -> None:
    key = "0123456789abcdef0123456789abcdef"
    assert account_query(key) == (f"{SELECT} where AccountNumber like '%{key}%' or Name like '%{key}%' or Id = '{key}'")


def test_quotes_backslashes_and_wildcards_are_escaped() -> None:
    assert like_text("O'Brien_50%\\") == "O\\'Brien\\_50\\%\\\\"
    query = parse(account_query("O'Brien_50%\\"))
    patterns = [c.pattern for c in conditions(query.where) if isinstance(c, Like)]
    # Each pattern: any text, the search text literally, any text.
    assert [p.pattern for p in patterns] == [(Wildcard.ANY, "O'Brien_50%\\", Wildcard.ANY)] * 2


def test_a_long_search_is_cut_to_100_characters() -> None:
    assert account_query("x" * 150) == f"{SELECT} where AccountNumber like '%{'x' * 100}%' or Name like '%{'x' * 100}%'"

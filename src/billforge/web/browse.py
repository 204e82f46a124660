"""Account and invoice browsing for the web page, on billforge's services.

The account list is a ZOQL query (``services.queries``): every account of the user's entity in
creation order, or those whose number or name contains the search text (ZOQL's ``like``, which
matches letter case as Zuora's does), or the one whose id it is; pages continue with the query's
locator, as ``queryMore`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from billforge.db.session import Database
from billforge.services import queries
from billforge.services.context import Context

PAGE_SIZE: Final = 25
SEARCH_MAX: Final = 100
FIELDS: Final = ("Id", "AccountNumber", "Name", "Currency", "Balance", "Status")
_ID: Final = re.compile(r"[0-9a-f]{32}")
_ESCAPES: Final = {"\\": "\\\\", "'": "\\'", "%": "\\%", "_": "\\_", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def like_text(text: str) -> str:
    """``text`` as literal text inside a quoted ZOQL ``like`` pattern (quotes, backslashes and the
    wildcards ``%`` and ``_`` escaped)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def account_query(search: str) -> str:
    """The ZOQL of the account list, for a search text (blank: every account)."""
    select = f"select {', '.join(FIELDS)} from Account"  # noqa: S608 - ZOQL for the query service, text escaped
    text = search.strip()[:SEARCH_MAX]
    if not text:
        return select
    pattern = f"'%{like_text(text)}%'"
    where = f"AccountNumber like {pattern} or Name like {pattern}"
    if _ID.fullmatch(text):
        where += f" or Id = '{text}'"
    return f"{select} where {where}"


@dataclass(frozen=True, slots=True)
class AccountsPage:
    accounts: list[dict[str, Any]]
    total: int
    next_locator: str | None


def search_accounts(*, db: Database, ctx: Context, search: str, locator: str | None = None) -> AccountsPage:
    if locator:
        answer = queries.query_more(db=db, ctx=ctx, query_locator=locator, batch_size=PAGE_SIZE)
    else:
        answer = queries.query(db=db, ctx=ctx, query_string=account_query(search), batch_size=PAGE_SIZE)
    return AccountsPage(answer.records, answer.size, None if answer.done else answer.query_locator)

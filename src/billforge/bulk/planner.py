"""How rows become calls, exactly as the seed describes the Invoice API Generator:

- rows are grouped by account and target date, and all of one account's invoices are made in a
  single thread (a thread takes a whole account; the runner hands accounts out one at a time);
- a thread processes one account at a time and generates the earliest target date first; rows
  with the same account and target date go in file order;
- each generate call carries at most Max zObjects objects, all of one account (one call may span
  several target dates of that account, in order: a historical account with one invoice a month
  still fills its calls);
- rows with ``Invoice.Post=TRUE`` are posted after the account's invoices are generated, in
  batched updates of at most Max zObjects invoices.

Pure functions over rows; the runner feeds them one account's rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from billforge.bulk.spool import GENERATED, PENDING, SpooledRow

MAX_ZOBJECTS_LIMIT: Final = 50  # Zuora's limit of objects per generate/update call
DEFAULT_MAX_ZOBJECTS: Final = 50
DEFAULT_MAX_THREADS: Final = 1

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[list[T]]:
    if size < 1:
        raise ValueError("a batch holds at least one object")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def in_order(rows: Iterable[SpooledRow]) -> list[SpooledRow]:
    """Earliest target date first; the same date in file order."""
    return sorted(rows, key=lambda r: (r.target_date, r.idx))


def generate_batches(rows: Iterable[SpooledRow], max_zobjects: int) -> list[list[SpooledRow]]:
    """The generate calls for one account's rows that still need an invoice."""
    accounts = {r.account for r in rows}
    if len(accounts) > 1:
        raise ValueError("a generate call carries the rows of one account only")
    return chunks(in_order(r for r in rows if r.state == PENDING), max_zobjects)


def post_batches(rows: Iterable[SpooledRow], max_zobjects: int) -> list[list[SpooledRow]]:
    """The post calls for one account's generated invoices whose rows ask to post them."""
    return chunks(in_order(r for r in rows if r.state == GENERATED and r.post and r.invoice_id), max_zobjects)


def effective_threads(max_threads: int, announced: int | None, unannounced_cap: int | None) -> tuple[int, str | None]:
    """Max Threads, capped at the target's concurrency limit; the second value explains a cap."""
    if announced is not None and announced >= 1:
        if max_threads > announced:
            return announced, (
                f"Max Threads lowered from {max_threads} to {announced}: the target's concurrency limit "
                "(Concurrency-Limit-Limit)"
            )
        return max_threads, None
    if unannounced_cap is not None and max_threads > unannounced_cap:
        return unannounced_cap, (
            f"the target announces no concurrency limit: Max Threads lowered from {max_threads} to "
            f"{unannounced_cap}, Zuora's documented limit for concurrent invoice generation"
        )
    return max_threads, None


@dataclass(frozen=True, slots=True)
class AccountPlan:
    account: str
    rows: int
    posts: int
    first_target_date: str
    last_target_date: str
    generate_calls: int
    post_calls: int


def account_plan(account: str, rows: int, posts: int, first: str, last: str, max_zobjects: int) -> AccountPlan:
    """One account's share of a plan (assuming every row generates an invoice)."""
    return AccountPlan(
        account=account,
        rows=rows,
        posts=posts,
        first_target_date=first,
        last_target_date=last,
        generate_calls=-(-rows // max_zobjects),
        post_calls=-(-posts // max_zobjects),
    )

"""Planning as the seed describes: one account per call, earliest target date first, Max zObjects."""

from __future__ import annotations

from datetime import date

import pytest

from billforge.bulk import planner
from billforge.bulk.spool import GENERATED, PENDING, SUCCESS, SpooledRow


def spooled(idx: int, target: date, *, account: str = "A", state: str = PENDING, post: bool = False) -> SpooledRow:
    return SpooledRow(
        idx=idx,
        line=idx + 2,
        account=account,
        account_number=None,
        includes_one_time=True,
        includes_recurring=True,
        includes_usage=True,
        invoice_date=target,
        target_date=target,
        post=post,
        state=state,
        invoice_id=f"inv{idx}" if state != PENDING else None,
        invoice_number=None,
    )


JAN, FEB, MAR = date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)


def test_earliest_target_date_first_then_file_order() -> None:
    rows = [spooled(0, MAR), spooled(1, JAN), spooled(2, FEB), spooled(3, JAN), spooled(4, MAR)]
    batches = planner.generate_batches(rows, 50)
    assert [[r.idx for r in b] for b in batches] == [[1, 3, 2, 0, 4]]


def test_calls_carry_at_most_max_zobjects() -> None:
    rows = [spooled(i, JAN) for i in range(7)]
    # 7 rows, 3 per call: 3 + 3 + 1.
    assert [[r.idx for r in b] for b in planner.generate_batches(rows, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [len(b) for b in planner.generate_batches(rows, 1)] == [1] * 7


def test_only_rows_still_to_generate_are_planned() -> None:
    rows = [spooled(0, JAN, state=SUCCESS), spooled(1, FEB, state=GENERATED), spooled(2, MAR)]
    assert [[r.idx for r in b] for b in planner.generate_batches(rows, 50)] == [[2]]


def test_a_generate_call_never_mixes_accounts() -> None:
    with pytest.raises(ValueError, match="one account"):
        planner.generate_batches([spooled(0, JAN, account="A"), spooled(1, JAN, account="B")], 50)


def test_posting_takes_generated_rows_that_ask_for_it_in_batches() -> None:
    rows = [
        spooled(0, FEB, state=GENERATED, post=True),
        spooled(1, JAN, state=GENERATED, post=True),
        spooled(2, JAN, state=SUCCESS, post=False),
        spooled(3, MAR, state=GENERATED, post=True),
        spooled(4, MAR, state=PENDING, post=True),  # not generated yet: nothing to post
    ]
    assert [[r.idx for r in b] for b in planner.post_batches(rows, 2)] == [[1, 0], [3]]


@pytest.mark.parametrize(
    ("max_threads", "announced", "cap", "threads", "noted"),
    [
        (1, None, None, 1, False),
        (8, None, None, 8, False),  # no limit announced, no fallback (rest, local)
        (8, 5, None, 5, True),  # capped at Concurrency-Limit-Limit
        (4, 5, None, 4, False),
        (30, None, 20, 20, True),  # soap without an announced limit: 20, with a warning
        (10, None, 20, 10, False),
        (30, 25, 20, 25, True),  # an announced limit wins over the fallback
    ],
)
def test_effective_threads(max_threads: int, announced: int | None, cap: int | None, threads: int, noted: bool) -> None:
    got, why = planner.effective_threads(max_threads, announced, cap)
    assert got == threads
    assert (why is not None) == noted


def test_account_plan_counts_calls() -> None:
    # 120 rows at 50 per call: 50 + 50 + 20 = 3 calls; 51 to post: 50 + 1 = 2 calls.
    plan = planner.account_plan("A", 120, 51, "2024-01-31", "2024-12-31", 50)
    assert (plan.generate_calls, plan.post_calls) == (3, 2)
    assert planner.account_plan("A", 1, 0, "2024-01-31", "2024-01-31", 50).post_calls == 0

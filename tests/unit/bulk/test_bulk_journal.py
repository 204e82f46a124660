"""The journal: append-only lines, replay, in-flight calls, a torn last line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from billforge.bulk.journal import Journal, JournalError, RunHeader, peek, replay
from billforge.bulk.spool import GENERATED, SUCCESS, RowOutcome

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HEADER = RunHeader(
    run_id="r1",
    name="May",
    input_sha256="abc",
    rows=3,
    date_format="yyyy-MM-dd",
    target="local",
    created=AT.isoformat(),
)


def test_replay_gives_last_states_and_calls_still_in_flight(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.journal"
    journal = Journal.create(path, HEADER)
    journal.call_started(call="0.1", op="generate", account="A", rows=[0, 1], key="k1", since=AT, at=AT)
    journal.rows_finished(
        [RowOutcome(0, GENERATED, "i0", "INV1"), RowOutcome(1, SUCCESS, "i1", "INV2")], end_call="0.1"
    )
    journal.call_started(call="0.2", op="post", account="A", rows=[0], key="k2", since=AT, at=AT)
    journal.call_started(call="0.3", op="generate", account="B", rows=[2], key="k3", since=AT, at=AT)
    journal.call_started(call="0.3", op="generate", account="B", rows=[2], key="k3b", since=AT, at=AT)  # a retry
    journal.close()

    seen: list[RowOutcome] = []
    state = replay(path, seen.append)
    assert state.header == HEADER
    assert [(o.idx, o.state) for o in seen] == [(0, GENERATED), (1, SUCCESS)]
    assert sorted(state.in_flight) == ["A", "B"]
    assert [(f.call, f.op, f.rows) for f in state.in_flight["A"]] == [("0.2", "post", (0,))]
    assert [(f.call, f.rows, f.key) for f in state.in_flight["B"]] == [("0.3", (2,), "k3b")]  # the last attempt
    assert state.in_flight["B"][0].since == AT
    assert not state.finished


def test_a_new_run_refuses_an_existing_journal(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.journal"
    Journal.create(path, HEADER).close()
    with pytest.raises(JournalError, match="--resume"):
        Journal.create(path, HEADER)


def test_resume_without_a_journal_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="nothing to resume"):
        peek(tmp_path / "missing.journal")


def test_a_torn_last_line_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.journal"
    journal = Journal.create(path, HEADER)
    journal.rows_finished([RowOutcome(0, SUCCESS, "i0", "INV1")])
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"e":"row","row":1,"sta')  # the crash came in the middle of a write

    seen: list[RowOutcome] = []
    state = replay(path, seen.append)
    assert [o.idx for o in seen] == [0]

    again = Journal.reopen(path, state, AT)
    again.rows_finished([RowOutcome(1, SUCCESS, "i1", "INV2")])
    again.close()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["e"] for line in lines] == ["run", "row", "resume", "row"]
    seen.clear()
    state = replay(path, seen.append)
    assert [o.idx for o in seen] == [0, 1]
    assert state.sessions == 1


def test_damage_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.journal"
    Journal.create(path, HEADER).close()
    with path.open("ab") as handle:
        handle.write(b"garbage\n" + b'{"e":"done"}\n')
    with pytest.raises(JournalError, match="damaged"):
        replay(path, lambda _: None)


def test_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "x.journal"
    path.write_text('{"e":"row","row":0,"state":"success"}\n')
    with pytest.raises(JournalError, match="not a bulk run journal"):
        peek(path)


def test_call_ids_are_unique_per_session(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.journal"
    journal = Journal.create(path, HEADER)
    assert [journal.new_call(), journal.new_call()] == ["0.1", "0.2"]
    journal.close()
    state = replay(path, lambda _: None)
    again = Journal.reopen(path, state, AT)
    assert again.new_call() == "1.1"
    again.close()

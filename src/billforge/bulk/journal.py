"""The journal: an append-only file beside the results that makes a run safe to kill at any moment.

One JSON object per line, written with ``O_APPEND`` and ``fsync``'d before the runner goes on:

    {"e": "run", ...RunHeader}                       first line: what the run is (input, format, target)
    {"e": "resume", "session": 1, "at": ...}         each ``--resume`` appends one
    {"e": "call", "call": "0.7", "op": "generate",   before a call whose outcome could be lost: the
     "account": ..., "rows": [...], "key": ...,      "in flight" marker (one per attempt; the last
     "since": ..., "at": ...}                        one of a call says which rows are still open)
    {"e": "row", "row": 12, "state": "success", ...} a row's outcome, as it happens
    {"e": "end", "call": "0.7"}                      the call's outcome is fully recorded
    {"e": "done", ...summary}                        the run reached its end

A line cut short by a crash (the last one) is ignored. Replaying the journal on ``--resume`` gives
each row its last recorded state, and the calls still in flight: those the runner reconciles by
asking the target what they did before anything is sent again.

The lines live in a ``JournalStore``: a file (``FileJournal``) for the command line; server-side
bulk tasks keep theirs in the database (``services.bulk_tasks``), where a committed insert is what
an fsync is here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from billforge.bulk.spool import RowOutcome

VERSION: Final = 1


class JournalError(Exception):
    """The journal cannot be used (missing, from another run, unreadable)."""


@dataclass(frozen=True, slots=True)
class RunHeader:
    run_id: str
    name: str
    input_sha256: str
    rows: int
    date_format: str
    target: str
    created: str
    version: int = VERSION


@dataclass(frozen=True, slots=True)
class InFlight:
    """A call that was sent (or about to be) and whose outcome was not fully recorded."""

    call: str
    op: str  # "generate" or "post"
    account: str
    rows: tuple[int, ...]
    key: str
    since: datetime  # when the call's first attempt started


@dataclass(slots=True)
class Replay:
    header: RunHeader
    sessions: int
    in_flight: dict[str, list[InFlight]] = field(default_factory=dict)  # by account id
    finished: bool = False


class JournalStore(Protocol):
    """Where a journal's lines are kept: a file beside the results (``FileJournal``, the command
    line), or elsewhere (server-side tasks keep theirs in the database). Safe to share between
    threads."""

    @property
    def where(self) -> str:
        """The journal's place, for messages."""
        ...

    def exists(self) -> bool: ...

    def open(self, *, new: bool) -> None:
        """Get ready to append: to a new journal, or (``new=False``) after the last complete line
        of an existing one."""
        ...

    def append(self, lines: Sequence[dict[str, Any]]) -> None:
        """Add lines; they are durable when this returns."""
        ...

    def lines(self) -> Iterator[dict[str, Any]]:
        """Every complete line, in order (a line cut short by a crash is left out)."""
        ...

    def close(self) -> None: ...


class FileJournal:
    """A journal file: lines written with ``O_APPEND`` and ``fsync``'d before ``append`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # writes and counters
        self._sync_lock = threading.Lock()  # one fsync at a time
        self._written = 0  # writes made
        self._synced = 0  # writes known to be on disk
        self._fd = -1

    @property
    def where(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def open(self, *, new: bool) -> None:
        if not new:
            _drop_torn_tail(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if new:
            _sync_directory(self.path.parent)

    def close(self) -> None:
        with self._sync_lock, self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def lines(self) -> Iterator[dict[str, Any]]:
        return _lines(self.path)

    def append(self, lines: Sequence[dict[str, Any]]) -> None:
        """Write, then return only once the lines are on disk. Group commit: one fsync makes every
        write made before it durable, so threads whose lines an earlier fsync covered skip theirs."""
        data = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
        with self._lock:
            if self._fd < 0:
                raise JournalError("the journal is closed")
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            self._written += 1
            mine = self._written
        with self._sync_lock:
            if self._synced >= mine:
                return
            with self._lock:
                covered = self._written  # every write so far is in the file: this fsync covers them all
                fd = self._fd
            if fd < 0:
                raise JournalError("the journal is closed")
            os.fsync(fd)
            self._synced = covered


def store_of(where: Path | JournalStore) -> JournalStore:
    """A journal file's path, or a store, as a store."""
    return FileJournal(where) if isinstance(where, Path) else where


class Journal:
    """Appends lines to a store; safe to share between threads."""

    def __init__(self, store: JournalStore, *, session: int) -> None:
        self.store = store
        self.session = session
        self._lock = threading.Lock()
        self._calls = 0

    @classmethod
    def create(cls, where: Path | JournalStore, header: RunHeader) -> Journal:
        store = store_of(where)
        ensure_absent(store)
        store.open(new=True)
        journal = cls(store, session=0)
        journal._append([{"e": "run", **asdict(header)}])
        return journal

    @classmethod
    def reopen(cls, where: Path | JournalStore, replay: Replay, at: datetime) -> Journal:
        store = store_of(where)
        store.open(new=False)
        journal = cls(store, session=replay.sessions + 1)
        journal._append([{"e": "resume", "session": journal.session, "at": at.isoformat()}])
        return journal

    def close(self) -> None:
        self.store.close()

    def new_call(self) -> str:
        with self._lock:
            self._calls += 1
            return f"{self.session}.{self._calls}"

    def call_started(
        self, *, call: str, op: str, account: str, rows: Sequence[int], key: str, since: datetime, at: datetime
    ) -> None:
        self._append(
            [
                {
                    "e": "call",
                    "call": call,
                    "op": op,
                    "account": account,
                    "rows": list(rows),
                    "key": key,
                    "since": since.isoformat(),
                    "at": at.isoformat(),
                }
            ]
        )

    def rows_finished(self, outcomes: Sequence[RowOutcome], *, end_call: str | None = None) -> None:
        """Record outcomes (and close a call) in one durable append."""
        lines: list[dict[str, Any]] = [{"e": "row", **o.to_json()} for o in outcomes]
        if end_call is not None:
            lines.append({"e": "end", "call": end_call})
        if lines:
            self._append(lines)

    def call_ended(self, call: str) -> None:
        self._append([{"e": "end", "call": call}])

    def finished(self, summary: dict[str, Any]) -> None:
        self._append([{"e": "done", **summary}])

    def _append(self, lines: list[dict[str, Any]]) -> None:
        self.store.append(lines)


def ensure_absent(where: Path | JournalStore) -> None:
    """A new run must not write over the journal of an earlier one."""
    store = store_of(where)
    if store.exists():
        raise JournalError(
            f"{store.where} exists: an earlier run with these results was interrupted or finished. Continue it "
            "with --resume, or delete the journal to start over (rows it billed would be billed again)"
        )


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line left half-written by a crash, so new lines do not continue it."""
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        position = size
        while position > 0:
            step = min(4096, position)
            position -= step
            handle.seek(position)
            cut = handle.read(step).rfind(b"\n")
            if cut >= 0:
                handle.truncate(position + cut + 1)
                break
        else:
            handle.truncate(0)
        os.fsync(handle.fileno())


def _sync_directory(directory: Path) -> None:
    """Make the journal's directory entry durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        pending: dict[str, Any] | None = None
        for raw in handle:
            if pending is not None:
                yield pending
                pending = None
            try:
                value = json.loads(raw)
            except ValueError:
                # Only the last line may be cut short by a crash; anything else is damage.
                pending = None
                rest = handle.read()
                if rest.strip():
                    raise JournalError(f"{path} is damaged: a line in the middle cannot be read") from None
                return
            if not isinstance(value, dict):
                raise JournalError(f"{path} is damaged: a line is not a JSON object")
            pending = value
        if pending is not None:
            yield pending


def _header(where: str, first: dict[str, Any] | None) -> RunHeader:
    if first is None or first.get("e") != "run":
        raise JournalError(f"{where} is not a bulk run journal")
    known = set(RunHeader.__dataclass_fields__)
    try:
        header = RunHeader(**{k: v for k, v in first.items() if k in known})
    except TypeError:
        raise JournalError(f"{where} is not a bulk run journal") from None
    if header.version != VERSION:
        raise JournalError(f"{where} was written by another version of the bulk runner ({header.version})")
    return header


def _missing(store: JournalStore) -> JournalError:
    return JournalError(f"there is no journal at {store.where}: nothing to resume (run without --resume)")


def peek(where: Path | JournalStore) -> RunHeader:
    """The run a journal belongs to (its first line)."""
    store = store_of(where)
    if not store.exists():
        raise _missing(store)
    return _header(store.where, next(store.lines(), None))


def replay(where: Path | JournalStore, apply: Callable[[RowOutcome], None]) -> Replay:
    """Read the journal: each row event goes to ``apply`` in order (so the last one wins); returns
    the header and the calls still in flight. Memory holds only the calls in flight."""
    store = store_of(where)
    if not store.exists():
        raise _missing(store)
    lines = store.lines()
    header = _header(store.where, next(lines, None))
    state = Replay(header=header, sessions=0)
    calls: dict[str, InFlight] = {}
    for line in lines:
        kind = line.get("e")
        if kind == "row":
            apply(RowOutcome.from_json(line))
        elif kind == "call":
            calls[line["call"]] = InFlight(
                call=str(line["call"]),
                op=str(line["op"]),
                account=str(line["account"]),
                rows=tuple(int(r) for r in line["rows"]),
                key=str(line["key"]),
                since=datetime.fromisoformat(line["since"]),
            )
        elif kind == "end":
            calls.pop(str(line["call"]), None)
        elif kind == "resume":
            state.sessions = max(state.sessions, int(line["session"]))
        elif kind == "done":
            state.finished = True
    for flight in calls.values():
        state.in_flight.setdefault(flight.account, []).append(flight)
    return state

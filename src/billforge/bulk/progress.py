"""Progress of a run: a rich progress bar (rows/s and ETA) on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class Reporter(Protocol):
    """What the runner tells the person watching. Called from any thread."""

    def start(self, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...

    def note(self, message: str) -> None:
        """A warning or a remark (printed above a progress bar)."""
        ...

    def stop(self) -> None: ...


class SilentReporter:
    """Keeps the notes (tests read them); shows nothing."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.notes: list[str] = []
        self._lock = threading.Lock()

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, rows: int) -> None:
        with self._lock:
            self.done += rows

    def note(self, message: str) -> None:
        with self._lock:
            self.notes.append(message)

    def stop(self) -> None:
        pass


def _eta(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class LineReporter:
    """Plain progress lines (logs, pipes, CI): one every ``interval`` seconds, and one at the end."""

    def __init__(self, stream: TextIO, *, interval: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._last = 0.0
        self._printed = -1

    def start(self, total: int) -> None:
        with self._lock:
            self._total = total
            self._started = self._last = self._clock()
            self._write(f"progress: 0/{total} rows")

    def advance(self, rows: int) -> None:
        with self._lock:
            self._done += rows
            now = self._clock()
            if now - self._last >= self._interval:
                self._last = now
                self._write(self.line(now))
                self._printed = self._done

    def line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self._done / elapsed
        percent = 100 * self._done / self._total if self._total else 100.0
        text = f"progress: {self._done}/{self._total} rows ({percent:.0f}%), {rate:.1f} rows/s"
        if rate > 0 and self._done < self._total:
            text += f", ETA {_eta((self._total - self._done) / rate)}"
        return text

    def note(self, message: str) -> None:
        with self._lock:
            self._write(message)

    def stop(self) -> None:
        with self._lock:
            if self._printed != self._done:  # the last line already says where it ended
                self._write(self.line(self._clock()))

    def _write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} rows/s" if speed is not None else "- rows/s")


class BarReporter:
    """A rich progress bar on the terminal (standard error)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self._console,
            speed_estimate_period=60.0,
        )
        self._task: int | None = None

    def start(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("rows", total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)  # type: ignore[arg-type]  # TaskID is an int

    def note(self, message: str) -> None:
        self._progress.console.print(message, markup=False, highlight=False)

    def stop(self) -> None:
        self._progress.stop()

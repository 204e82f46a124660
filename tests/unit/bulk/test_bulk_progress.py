"""Progress: plain lines (rows/s and ETA from a fake clock) and the rich bar on a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from billforge.bulk.progress import BarReporter, LineReporter


def test_plain_lines_every_interval_with_rate_and_eta() -> None:
    now = [100.0]
    out = io.StringIO()
    reporter = LineReporter(out, interval=5.0, clock=lambda: now[0])
    reporter.start(1000)
    now[0] = 102.0
    reporter.advance(100)  # 2 s after the start: under the 5 s interval, no line
    now[0] = 110.0
    reporter.advance(150)  # 250 rows in 10 s = 25.0 rows/s; 750 left / 25 = 30 s
    reporter.note("warning: something")
    now[0] = 140.0
    reporter.advance(750)  # 1000 rows in 40 s = 25.0 rows/s, nothing left: no ETA
    reporter.stop()  # that line said it all: not repeated
    assert out.getvalue().splitlines() == [
        "progress: 0/1000 rows",
        "progress: 250/1000 rows (25%), 25.0 rows/s, ETA 0:30",
        "warning: something",
        "progress: 1000/1000 rows (100%), 25.0 rows/s",
    ]


def test_long_etas_show_hours() -> None:
    now = [0.0]
    out = io.StringIO()
    reporter = LineReporter(out, interval=1.0, clock=lambda: now[0])
    reporter.start(100_000)
    now[0] = 10.0
    reporter.advance(10)  # 1 row/s: 99,990 s left = 27 h 46 min 30 s
    assert out.getvalue().splitlines()[-1] == "progress: 10/100000 rows (0%), 1.0 rows/s, ETA 27:46:30"


def test_the_bar_shows_rows_per_second_and_eta_on_a_terminal() -> None:
    out = io.StringIO()
    reporter = BarReporter(Console(file=out, force_terminal=True, width=120))
    reporter.start(10)
    reporter.advance(4)
    reporter.note("warning: capped")
    reporter.advance(6)
    reporter.stop()
    text = out.getvalue()
    assert "10/10" in text
    assert "rows/s" in text and "ETA" in text
    assert "warning: capped" in text

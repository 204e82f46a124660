"""The Invoice API Generator: bulk invoice generation from a CSV (Zuora's Developer Tools task).

template.py   the CSV template (the seed's columns, in order)
dates.py      Java-style date patterns (yyyy-MM-dd, MM/dd/yyyy, dd.MM.yyyy, ...)
rows.py       row rules: account id or number, booleans, dates, character limits
spool.py      rows on disk (SQLite beside the results), read back account by account
planner.py    grouping and batching: one account per thread, earliest target date first,
              at most Max zObjects objects per call, posting after generation
journal.py    the append-only, fsync'd journal that makes a run resumable after any crash
target.py     the Target protocol the runner talks to
targets/      local (in-process services), rest:URL (a billforge server), soap:URL (Zuora)
runner.py     the thread pool, retries, reconciliation, the Invoice Settlement rule
results.py    the results CSV and the summary
progress.py   progress bar (terminal) or progress lines
cli.py        ``billforge bulk template`` and ``billforge bulk generate``
"""

#!/usr/bin/env bash
# The whole test suite: ruff, mypy, migrations check, then pytest on SQLite and on PostgreSQL.
# PostgreSQL: BILLFORGE_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
# Extra arguments go to both pytest runs, e.g. `./test.sh -k invoices`.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
ensure_venv "[dev]"
PY=.venv/bin/python
export BILLFORGE_TEST_POSTGRES_URL="${BILLFORGE_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"

echo "== ruff"
.venv/bin/ruff check src tests bench
echo "== mypy"
.venv/bin/mypy
.venv/bin/mypy bench
echo "== migrations (upgrade head + check, both engines)"
$PY -m billforge.db.selfcheck

echo "== pytest on SQLite"
$PY -m pytest -p no:cacheprovider -n 2 --db sqlite "$@"
echo "== pytest on PostgreSQL"
$PY -m pytest -p no:cacheprovider -n 2 --db postgresql -m "not sqlite_only" tests/integration tests/scenarios "$@"

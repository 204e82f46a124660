#!/usr/bin/env bash
# Until the first release, the schema is one migration: rebuild it from db/tables.py.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/billforge/db/migrations/versions/*.py
.venv/bin/python -c "from billforge.db.migrate import make_revision; make_revision('sqlite:///$tmp/gen.db', 'initial schema')" >/dev/null
.venv/bin/ruff format -q src/billforge/db/migrations/versions
.venv/bin/ruff check -q --fix src/billforge/db/migrations/versions || true
rm -rf "$tmp"
ls src/billforge/db/migrations/versions

#!/usr/bin/env bash
# Add a migration for what changed in the tables: `scripts/new-migration.sh "short message"`.
# It upgrades a scratch SQLite database to the current head, then autogenerates the difference.
set -euo pipefail
cd "$(dirname "$0")/.."
message="${1:?usage: scripts/new-migration.sh \"short message\"}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
BILLFORGE_DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/billforge db upgrade >/dev/null
.venv/bin/python -c "import sys; from billforge.db.migrate import make_revision; make_revision(sys.argv[1], sys.argv[2])" \
  "sqlite:///$tmp/gen.db" "$message" >/dev/null
.venv/bin/ruff format -q src/billforge/db/migrations/versions
.venv/bin/ruff check -q --fix src/billforge/db/migrations/versions || true
ls -t src/billforge/db/migrations/versions/*.py | head -n1

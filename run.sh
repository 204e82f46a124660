#!/usr/bin/env bash
# Run billforge: `./run.sh` serves the API on http://127.0.0.1:8080 with a SQLite file
# (./billforge.db, override with BILLFORGE_DATABASE_URL). Any arguments are passed to the
# `billforge` command instead, e.g. `./run.sh clients create`. The first run creates .venv.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
ensure_venv ""
if [ "$#" -eq 0 ]; then
  set -- serve
fi
exec .venv/bin/billforge "$@"

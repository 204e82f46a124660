# Shared by run.sh and test.sh: create .venv and (re)install billforge when pyproject.toml changes.
ensure_venv() {
  local extras="$1"
  local stamp=".venv/.installed${extras//[^a-z]/-}"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "creating .venv (first run) ..." >&2
    "$python" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip >&2
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "installing billforge$extras into .venv ..." >&2
    .venv/bin/python -m pip install -q -e ".$extras" >&2
    touch "$stamp"
  fi
}

"""``pip install .`` alone gives a working ``billforge`` command with everything ``serve`` needs.

The test builds a wheel from a copy of the checkout (so that pip's ``build/`` and ``*.egg-info``
never land in the working tree), installs it with its dependencies into a fresh virtualenv (no
system site-packages, nothing from this test run's ``.venv``), checks that the wheel carries every
file of the package, then drives the installed ``billforge`` command: ``--help``, ``db upgrade``,
``serve`` on its own SQLite file, ``clients create``, an OAuth token, a ``/v1`` call, the WSDL, the
web page with its script and style, and a PDF rendered from the packaged default template.

SQLite only (``sqlite_only``): the PostgreSQL pass of ``test.sh`` leaves it out, as it would only
repeat the same build. It needs PyPI (or pip's cache) for the dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.conftest import free_port

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "billforge"

# What `serve` cannot run without, named here so that a file deleted from the source tree is
# noticed too (the comparison with the source tree below covers every other file).
REQUIRED_IN_WHEEL = (
    "billforge/py.typed",
    "billforge/db/migrations/env.py",
    "billforge/db/migrations/script.py.mako",
    "billforge/web/templates/base.html",
    "billforge/web/templates/login.html",
    "billforge/web/static/app.css",
    "billforge/web/static/app.js",
    "billforge/pdf/templates/default.html.j2",
)

# Bounds: pip may have to download every dependency once (a cold cache); everything else is local.
PIP_TIMEOUT = 600
COMMAND_TIMEOUT = 120
SERVER_START_TIMEOUT = 60


def clean_env() -> dict[str, str]:
    """This process's environment without anything that would point the new virtualenv back at the
    checkout or at this run's settings (so ``serve`` falls back to its defaults)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLFORGE_") and k not in drop}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(command: list[str | Path], *, cwd: Path, timeout: float = COMMAND_TIMEOUT, **env: str) -> str:
    """Run a command to its end; its output, or a failure that shows it."""
    try:
        done = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            env={**clean_env(), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"{command} did not finish within {timeout} s:\n{expired.output}")
    assert done.returncode == 0, f"{command} exited with {done.returncode}:\n{done.stdout}"
    return done.stdout


def package_files() -> set[str]:
    """Every file of the source package, as wheel paths (``billforge/...``), caches left out."""
    files = set()
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE.parent)
        if not path.is_file() or "__pycache__" in relative.parts or path.suffix in (".pyc", ".pyo"):
            continue
        if any(part.startswith(".") for part in relative.parts) or path.name.endswith("~"):
            continue  # editor and tool droppings
        files.add(relative.as_posix())
    return files


def copy_project(into: Path) -> Path:
    """What ``pip install .`` reads (``pyproject.toml``, ``README.md``, ``src/``), copied to ``into``."""
    into.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    shutil.copytree(
        ROOT / "src", into / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    )
    return into


def wait_for_health(process: subprocess.Popen[bytes], url: str, log: Path) -> httpx.Response:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        try:
            return httpx.get(f"{url}/health", timeout=2)
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(f"billforge serve exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"billforge serve did not answer within {SERVER_START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.2)


def test_pip_install_gives_a_working_billforge(tmp_path: Path) -> None:
    # A fresh virtualenv: only the standard library and pip, nothing of this run's .venv.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python, billforge = venv / "bin" / "python", venv / "bin" / "billforge"

    # The wheel, built from a copy of the checkout (pip's build/ and *.egg-info stay out of it).
    source, wheels = copy_project(tmp_path / "source"), tmp_path / "wheels"
    run([python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source], cwd=tmp_path, timeout=PIP_TIMEOUT)
    (wheel,) = wheels.glob("billforge-*.whl")

    # Every file of the package is in the wheel: migrations (incl. versions/, script.py.mako),
    # templates, static files, py.typed, and anything added later.
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
        (entry_points,) = (name for name in in_wheel if name.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    missing = sorted((package_files() | set(REQUIRED_IN_WHEEL)) - in_wheel)
    assert not missing, f"files of src/billforge missing from the wheel (package-data?): {missing}"
    assert any(name.startswith("billforge/db/migrations/versions/") and name.endswith(".py") for name in in_wheel)
    assert "billforge = billforge.cli:main" in scripts

    # `pip install` of the wheel: its dependencies come from the index (or pip's cache), all as
    # wheels, so that installing needs no compiler nor system library; then they must be consistent.
    run([python, "-m", "pip", "install", "-q", "--only-binary", ":all:", wheel], cwd=tmp_path, timeout=PIP_TIMEOUT)
    run([python, "-m", "pip", "check"], cwd=tmp_path)
    installed = run([python, "-c", "import billforge; print(billforge.__file__)"], cwd=tmp_path).strip()
    assert Path(installed).is_relative_to(venv), f"billforge imported from {installed}, not from the new virtualenv"

    helped = run([billforge, "--help"], cwd=tmp_path)
    for command in ("serve", "db", "entities", "clients", "users", "demo", "bulk", "settings"):
        assert f"  {command} " in helped

    upgraded = tmp_path / "upgraded.db"
    output = run([billforge, "db", "upgrade"], cwd=tmp_path, BILLFORGE_DATABASE_URL=f"sqlite:///{upgraded}")
    assert "database is up to date" in output
    with sqlite3.connect(upgraded) as conn:
        (revisions,) = conn.execute("SELECT count(*) FROM alembic_version").fetchone()
    assert revisions == 1

    # PDFs laid out by the installed reportlab from the packaged default template (the check renders
    # the sample invoices with it).
    default_template = tmp_path / "default.html.j2"
    with zipfile.ZipFile(wheel) as archive:
        default_template.write_bytes(archive.read("billforge/pdf/templates/default.html.j2"))
    output = run([billforge, "settings", "template", "check", default_template], cwd=tmp_path)
    assert "the template renders invoices" in output

    # `serve` in an empty directory, without BILLFORGE_DATABASE_URL: it makes ./billforge.db itself.
    workdir = tmp_path / "serve"
    workdir.mkdir()
    log = tmp_path / "serve.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(billforge), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        health = wait_for_health(process, url, log)
        assert health.status_code == 200, health.text
        assert (health.json()["status"], health.json()["database"]) == ("ok", "sqlite")
        assert (workdir / "billforge.db").is_file()

        # `clients create` on the same default file (run in the same directory), while serve runs.
        created = json.loads(run([billforge, "clients", "create"], cwd=workdir))
        token = httpx.post(
            f"{url}/oauth/token",
            data={
                "client_id": created["client_id"],
                "client_secret": created["client_secret"],
                "grant_type": "client_credentials",
            },
            timeout=10,
        )
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

        products = httpx.get(f"{url}/v1/catalog/products", headers=bearer, timeout=10)
        assert products.status_code == 200, products.text
        assert products.json()["success"] is True
        assert products.headers["Zuora-Request-Id"]

        wsdl = httpx.get(f"{url}/apps/services/a/52.0", params={"wsdl": ""}, timeout=10)
        assert wsdl.status_code == 200, wsdl.text
        definitions = etree.fromstring(wsdl.content)
        assert definitions.tag == "{http://schemas.xmlsoap.org/wsdl/}definitions"

        login = httpx.get(f"{url}/ui/login", timeout=10)
        assert login.status_code == 200, login.text
        assert login.headers["content-type"].startswith("text/html")
        for asset in ("app.css", "app.js"):
            assert f"/ui/static/{asset}" in login.text
            static = httpx.get(f"{url}/ui/static/{asset}", timeout=10)
            assert static.status_code == 200, static.text
            assert static.content == (PACKAGE / "web" / "static" / asset).read_bytes()

        # A clean stop: on SIGTERM uvicorn shuts the app (and its background workers) down, then
        # re-raises the signal it caught (uvicorn >= 0.29), so the status is -SIGTERM (0 before that).
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in (0, -signal.SIGTERM), log.read_text()
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

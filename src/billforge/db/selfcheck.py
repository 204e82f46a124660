"""``python -m billforge.db.selfcheck``: migrations build exactly the tables in code, on SQLite
and on PostgreSQL (a fresh database each), as CI checks (``alembic upgrade head`` + ``check``)."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from billforge.db.migrate import check, upgrade


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/selfcheck.db"
        upgrade(url)
        upgrade(url)  # a second run changes nothing
        check(url)
    admin_url = os.environ.get("BILLFORGE_TEST_POSTGRES_URL")
    if admin_url:
        name = f"billforge_selfcheck_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin_url.rsplit("/", 1)[0] + f"/{name}"
            upgrade(url)
            upgrade(url)
            check(url)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

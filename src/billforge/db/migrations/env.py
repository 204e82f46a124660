"""Alembic environment: billforge's metadata, batch mode on SQLite (it cannot ALTER most things)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from billforge.db.tables import metadata

config = context.config


def _configured_url() -> str:
    value = config.get_main_option("sqlalchemy.url")
    if not value:
        raise RuntimeError("billforge migrations need sqlalchemy.url (see billforge.db.migrate)")
    return value


url = _configured_url()


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]  # a SQLAlchemy Connection
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

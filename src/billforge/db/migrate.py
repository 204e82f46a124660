"""Apply and check migrations from code (``billforge db upgrade``, ``serve`` on start, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from billforge.db import sqlite_plans

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 727_001  # a PostgreSQL advisory lock id: one migrator at a time


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database to the newest schema. Safe to run again and from several processes."""
    config = alembic_config(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            postgres = engine.dialect.name == "postgresql"
            if postgres:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
                conn.commit()
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                if engine.dialect.name == "sqlite":
                    sqlite_plans.pin(conn)
                conn.commit()
            finally:
                if postgres:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
                    conn.commit()
    finally:
        engine.dispose()


def check(url: str) -> None:
    """Fail when the tables in code differ from what the migrations build (``alembic check``)."""
    config = alembic_config(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.check(config)
    finally:
        engine.dispose()


def make_revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between the tables and the database."""
    config = alembic_config(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True)
    finally:
        engine.dispose()

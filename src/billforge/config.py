"""All of billforge's settings, read once from the environment (prefix ``BILLFORGE_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "billforge.db"


class Settings(BaseSettings):
    """Validated at start-up and passed into ``create_app(settings)``; there are no globals."""

    model_config = SettingsConfigDict(env_prefix="BILLFORGE_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}",
        description="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    access_token_ttl_seconds: int = Field(default=3600, ge=60)
    soap_session_ttl_seconds: int = Field(default=24 * 3600, ge=8 * 3600)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    max_request_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    concurrency_limit: int = Field(
        default=40, ge=1, le=10_000, description="Concurrent /v1 requests per entity and process (then 429)."
    )
    secret_key: str | None = Field(default=None, description="Key for encrypting stored target passwords (bulk tasks).")
    workers: int = Field(default=2, ge=0, le=64, description="Background workers inside `serve`.")
    pool_size: int = Field(default=10, ge=1, le=200)
    sql_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("BILLFORGE_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

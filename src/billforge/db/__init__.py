"""Storage: SQLAlchemy 2 tables, the exact-decimal column type, sessions and Alembic migrations."""

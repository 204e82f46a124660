"""SQLite plans lookups by id through the id's index, whatever the data: the planner statistics are
pinned by every migration run (``db.sqlite_plans``), never measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from billforge.db.migrate import upgrade
from billforge.db.sqlite_plans import ROWS, index_stat

pytestmark = pytest.mark.sqlite_only


def test_an_index_on_the_entity_alone_is_not_selective() -> None:
    # (entity_id, invoice_number) unique: the entity matches every row, the whole key one row.
    assert index_stat(["entity_id", "invoice_number"], unique=True) == f"{ROWS} {ROWS} 1"
    # (account_id, invoice_date) not unique: a handful of rows per prefix.
    assert index_stat(["account_id", "invoice_date"], unique=False) == f"{ROWS} 10 10"
    assert index_stat(["id"], unique=True) == f"{ROWS} 1"


def test_lookups_by_id_search_the_id_index_after_a_migration_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'invoices'")
            stats = {str(idx): str(stat) for idx, stat in rows}
            assert stats["ix_invoices_account_id"] == f"{ROWS} 10 10"

            def plan(sql: str, arguments: int) -> str:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(["x"] * arguments)).all()
                return " | ".join(str(row[-1]) for row in rows)

            # Without the pinned figures SQLite searched (entity_id=?) and read the entity's every invoice.
            by_ids = plan("SELECT * FROM invoices WHERE entity_id = ? AND id IN (?, ?, ?)", 4)
            assert "USING INDEX sqlite_autoindex_invoices_1 (id=?)" in by_ids
            ledger = plan("SELECT * FROM charge_billings WHERE subscription_id IN (?, ?)", 2)
            assert "ix_charge_billings_subscription_id" in ledger
    finally:
        engine.dispose()


def test_a_second_run_keeps_one_row_per_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    upgrade(url)
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            duplicates = conn.exec_driver_sql(
                "SELECT tbl, idx, count(*) FROM sqlite_stat1 GROUP BY tbl, idx HAVING count(*) > 1"
            ).all()
    finally:
        engine.dispose()
    assert duplicates == []

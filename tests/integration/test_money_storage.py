"""Money is stored exactly on both databases (architecture.md, "Money"): no column of billforge's
tables is a float or a plain ``Numeric`` (which SQLite keeps as a float), and amounts, prices and
quantities come back, sum and compare exactly at the limits of their scale and range."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Numeric, Table, func, insert, select
from sqlalchemy.exc import StatementError

from billforge.db import tables as t
from billforge.db.session import Database
from billforge.db.types import Amount, ExactDecimal, Price, Quantity

D = Decimal


def test_no_column_is_a_float_or_a_plain_numeric() -> None:
    loose = [
        f"{table.name}.{column.name}"
        for table in t.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Float | Numeric) and not isinstance(column.type, ExactDecimal)
    ]
    assert loose == []
    assert any(isinstance(c.type, Amount) for c in t.invoices.columns)  # the check sees the money columns


def _probe() -> Table:
    return Table(
        "money_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", Amount()),
        Column("price", Price()),
        Column("quantity", Quantity()),
        prefixes=["TEMPORARY"],
    )


def test_values_come_back_and_add_up_exactly(db: Database) -> None:
    probe = _probe()
    rows = [
        # Each column's smallest step and its largest value (scales 4, 9 and 6).
        {"id": 1, "amount": D("0.0001"), "price": D("0.000000001"), "quantity": D("0.000001")},
        {"id": 2, "amount": D("99999999999999.9999"), "price": D("999999999.999999999"), "quantity": D("1")},
        {"id": 3, "amount": D("-99999999999999.9999"), "price": D("-0.5"), "quantity": D("999999999999.999999")},
    ]
    # Ten times 0.10: a float sum gives 0.9999999999999999; an exact one 1.00.
    tenths = [{"id": 10 + n, "amount": D("0.10"), "price": D("0.1"), "quantity": D("0.1")} for n in range(10)]
    with db.engine.connect() as conn:
        probe.create(conn)
        try:
            conn.execute(insert(probe), rows + tenths)
            back = conn.execute(select(probe.c.amount, probe.c.price, probe.c.quantity).order_by(probe.c.id)).all()
            assert [tuple(r) for r in back[:3]] == [(r["amount"], r["price"], r["quantity"]) for r in rows]
            total = conn.execute(select(func.sum(probe.c.amount)).where(probe.c.id >= 10)).scalar_one()
            assert total == D("1.00")
            # Comparisons in SQL are exact too: 0.10 > 0.0999 but not > 0.1000.
            above = select(func.count()).where(probe.c.id >= 10)
            assert conn.execute(above.where(probe.c.amount > D("0.0999"))).scalar_one() == 10
            assert conn.execute(above.where(probe.c.amount > D("0.1000"))).scalar_one() == 0
        finally:
            conn.rollback()
            probe.drop(conn, checkfirst=True)
            conn.commit()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("amount", D("0.00001")),  # five decimals: an amount keeps four
        ("amount", D("100000000000000")),  # beyond 99999999999999.9999
        ("price", D("0.0000000001")),  # ten decimals: a price keeps nine
        ("quantity", D("Infinity")),
    ],
)
def test_a_value_the_column_cannot_hold_exactly_is_refused(db: Database, column: str, value: Decimal) -> None:
    probe = _probe()
    with db.engine.connect() as conn:
        probe.create(conn)
        try:
            with pytest.raises(StatementError) as caught:
                conn.execute(insert(probe).values(id=1, **{column: value}))
            assert isinstance(caught.value.orig, ValueError)
        finally:
            conn.rollback()
            probe.drop(conn, checkfirst=True)
            conn.commit()

"""Column types that keep money exact on both SQLite and PostgreSQL.

SQLite has no decimal type: a plain ``Numeric`` column silently becomes a float there. So a
decimal is stored as a scaled 64-bit integer on SQLite (``12.34`` at scale 4 is ``123400``),
which keeps comparisons and ordering in SQL correct, and as ``NUMERIC(p, s)`` on PostgreSQL.
Both hold exactly the same set of values: a value with more decimals than the column's scale, or
too large for it, is refused before it reaches the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

from billforge.domain.money import (
    AMOUNT_DECIMALS,
    AMOUNT_LIMIT,
    PRICE_DECIMALS,
    PRICE_LIMIT,
    QUANTITY_DECIMALS,
    QUANTITY_LIMIT,
)

_CENTS = Decimal("0.01")


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal with a fixed scale; ``max_abs`` bounds its magnitude on every backend."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int, max_abs: Decimal) -> None:
        super().__init__()
        self.scale = scale
        self.max_abs = max_abs
        self._max_scaled = int(max_abs.scaleb(scale))

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(precision=len(str(int(self.max_abs))) + self.scale, scale=self.scale))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.__class__ is not Decimal:
            value = Decimal(value)
        scaled = value.scaleb(self.scale)
        try:
            whole = int(scaled)
        except (ValueError, OverflowError):
            raise ValueError(f"{value} is not a finite number") from None
        if whole != scaled:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if not -self._max_scaled <= whole <= self._max_scaled:
            raise ValueError(f"{value} is outside the range this column stores (at most {self.max_abs})")
        return whole if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        number = Decimal(int(value)).scaleb(-self.scale) if dialect.name == "sqlite" else Decimal(value)
        # Read back without the column's padding: 100.0000 -> 100.00, 0.002000000 -> 0.002 (same value).
        cents = number.quantize(_CENTS)
        return cents if cents == number else number.normalize()

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


# The scales and bounds (domain.money) each fit a signed 64-bit integer once scaled (< 9.2e18).
AMOUNT_SCALE = AMOUNT_DECIMALS
AMOUNT_MAX = AMOUNT_LIMIT
PRICE_SCALE = PRICE_DECIMALS
PRICE_MAX = PRICE_LIMIT
QUANTITY_SCALE = QUANTITY_DECIMALS
QUANTITY_MAX = QUANTITY_LIMIT


class Amount(ExactDecimal):
    """A currency amount."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(AMOUNT_SCALE, AMOUNT_MAX)

    def __repr__(self) -> str:
        return "Amount()"


class Price(ExactDecimal):
    """A price or a rate."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(PRICE_SCALE, PRICE_MAX)

    def __repr__(self) -> str:
        return "Price()"


class Quantity(ExactDecimal):
    """A quantity of units."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(QUANTITY_SCALE, QUANTITY_MAX)

    def __repr__(self) -> str:
        return "Quantity()"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back time-zone aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002 - TypeDecorator signature
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be time-zone aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002 - TypeDecorator signature
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

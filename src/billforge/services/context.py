"""Who is asking, in which entity, and what time it is: passed into every service call."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time-zone aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Context:
    """The tenant (entity) a call acts in and the actor (API client or user) making it."""

    entity_id: str
    actor_id: str
    clock: Clock = field(default_factory=SystemClock)

    def now(self) -> datetime:
        return self.clock.now()


def new_id() -> str:
    """A business object id: 32 lowercase hex characters, as Zuora's ``zns:ID`` allows."""
    return secrets.token_hex(16)

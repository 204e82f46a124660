"""Who is asking, in which entity, and what time it is: passed into every service call."""

from __future__ import annotations

import os
import random
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


class _IdSource:
    """128 random bits per id from a generator seeded by the OS (and re-seeded in forked
    children). Ids must be unique, not secret; asking the OS for each one costs a system call."""

    def __init__(self) -> None:
        self._random = random.Random()  # noqa: S311 - uniqueness, not secrecy
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self._random.seed(secrets.token_bytes(32))

    def next(self) -> str:
        return f"{self._random.getrandbits(128):032x}"


_ids = _IdSource()


def new_id() -> str:
    """A business object id: 32 lowercase hex characters, as Zuora's ``zns:ID`` allows."""
    return _ids.next()

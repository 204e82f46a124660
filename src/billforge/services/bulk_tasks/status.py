"""A bulk task's statuses (the life of a task is drawn in the package's docstring)."""

from __future__ import annotations

from typing import Final

QUEUED: Final = "queued"
RUNNING: Final = "running"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
CANCELED: Final = "canceled"
ACTIVE: Final = frozenset({QUEUED, RUNNING})
FINISHED: Final = frozenset({SUCCEEDED, FAILED, CANCELED})

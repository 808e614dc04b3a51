"""The deadline of the call a worker thread is running: past it, no new database work is started.

Set by the API for the length of one call (from the client's gRPC deadline); read by the PostgreSQL datastore,
which refuses a connection once the deadline has passed and bounds each statement by the time that is left.
Work with no deadline (background tasks, calls without one) is bounded by nothing here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# time.monotonic() at which the current call's caller stops waiting; None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("imagestreams_deadline", default=None)


class DeadlineExceeded(Exception):
    """The caller's deadline passed before the work could start (or go on): it was not done."""

    def __init__(self, message: str = "the deadline passed before the store could do the work") -> None:
        super().__init__(message)
        self.message = message


def instant_in(seconds: float | None) -> float | None:
    """The deadline `seconds` from now, as `deadline_at` takes it (None: none)."""
    return None if seconds is None else time.monotonic() + seconds


@contextmanager
def deadline_at(instant: float | None) -> Iterator[None]:
    """The block runs with the deadline `instant` (from `instant_in`; None: none)."""
    token = _deadline.set(instant)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the current call's deadline (negative once past); None without a deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def check() -> None:
    """Raises DeadlineExceeded once the current call's deadline has passed."""
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded()


def instant() -> float | None:
    """The current call's deadline, as `deadline_at` takes it (None: none): for work another thread does on
    the call's behalf."""
    return _deadline.get()

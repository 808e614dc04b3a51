"""Errors the application adds to the domain's: concurrency and log positions."""

from __future__ import annotations

from ..domain.errors import DomainError


class ConcurrentUpdate(DomainError):
    """Writers kept colliding on the same stream, or an expected position no longer holds."""


class PositionNotReached(DomainError):
    """A read asked for a log position the read models do not reflect (the log has not reached it)."""

    def __init__(self, wanted: int, current: int) -> None:
        super().__init__(f"log position {wanted} has not been reached (the log is at {current})")
        self.wanted = wanted
        self.current = current

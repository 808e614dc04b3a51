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


class Unauthenticated(DomainError):
    """No credentials where some are needed, or credentials that prove nothing (unknown, expired, revoked)."""

    def __init__(self, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.metadata = dict(metadata or {})


class PermissionDenied(DomainError):
    """The caller is known but no role binding allows what it asked."""

    def __init__(
        self,
        message: str,
        verb: str = "",
        resource: str = "",
        namespace: str = "",
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.metadata = dict(metadata or {})

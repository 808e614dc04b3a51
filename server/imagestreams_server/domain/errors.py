"""Domain errors. Each names what the user typed, so the api layer can pass the message on unchanged."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the domain reports."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidField(DomainError):
    """A value breaks a rule. `field` is the request path of the value (`destinations[0].tag`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def under(self, prefix: str) -> InvalidField:
        """The same violation, located below `prefix` in a larger request."""
        return InvalidField(f"{prefix}.{self.field}" if self.field else prefix, self.message)


class NotFound(DomainError):
    """A resource does not exist. `kind` and `name` are spelled as users type them (`imagestreamtag`,
    `team/ruby:latest`)."""

    def __init__(self, kind: str, name: str, message: str | None = None) -> None:
        super().__init__(message or f'{kind} "{name}" not found')
        self.kind = kind
        self.name = name


class AlreadyExists(DomainError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'{kind} "{name}" already exists')
        self.kind = kind
        self.name = name


class FailedPrecondition(DomainError):
    """The request is well formed but the current state does not allow it. `reason` is a stable
    UPPER_SNAKE_CASE code clients can switch on."""

    def __init__(self, reason: str, message: str, field: str = "", metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.metadata = dict(metadata or {})

"""Which calls are writes, and how a write is retried: with one request id for all its attempts.

Every write carries an `x-request-id`. The server remembers it with the change, in the same transaction, and
answers a repeat of the same request with the first answer instead of applying it again. So a write whose
outcome is unknown (the connection dropped, the deadline passed, the server restarted) is safe to send
again with the same id, and this client does so a few times, with a growing pause, before it gives up.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass

import grpc

_PACKAGE = "imagestreams.v1."
# The write RPCs the server deduplicates by request id, by request message.
IDEMPOTENT_WRITES = frozenset(
    _PACKAGE + name
    for name in (
        "CreateImageStreamRequest",
        "UpdateImageStreamRequest",
        "DeleteImageStreamRequest",
        "TagRequest",
        "DeleteTagRequest",
        "CreateImageStreamMappingRequest",
        "ImportImageRequest",
        "CreateSecretRequest",
        "DeleteSecretRequest",
        "LinkSecretRequest",
        "UnlinkSecretRequest",
        "CreateUserRequest",
        "DeleteUserRequest",
        "CreateGroupRequest",
        "AddGroupUsersRequest",
        "RemoveGroupUsersRequest",
        "DeleteGroupRequest",
        "CreateServiceAccountRequest",
        "DeleteServiceAccountRequest",
        "DeleteTokenRequest",
        "AddRoleBindingRequest",
        "RemoveRoleBindingRequest",
        "CreateProjectRequest",
        "DeleteProjectRequest",
    )
)
# A write the server does not deduplicate: its answer (a new token) is kept nowhere, so an attempt whose
# outcome is unknown is not repeated; only one that certainly changed nothing (ABORTED) is.
OTHER_WRITES = frozenset({_PACKAGE + "CreateTokenRequest"})

# Nothing was applied, or the request id makes applying it again harmless.
_AMBIGUOUS = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
_NOTHING_APPLIED = frozenset({grpc.StatusCode.ABORTED})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a write is tried. `attempts` counts the first one; the pause before
    attempt n+1 is about `first_pause * 2**n` seconds (jittered), at most `max_pause`."""

    attempts: int = 5
    first_pause: float = 0.25
    max_pause: float = 2.0

    def pause(self, attempt: int) -> float:
        return min(self.max_pause, self.first_pause * 2**attempt) * random.uniform(0.5, 1.0)


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)


def is_write(request_type: str) -> bool:
    return request_type in IDEMPOTENT_WRITES or request_type in OTHER_WRITES


def retryable(request_type: str, code: grpc.StatusCode) -> bool:
    """Whether a failed write may be sent again (with the same request id)."""
    if code in _NOTHING_APPLIED:
        return is_write(request_type)
    return code in _AMBIGUOUS and request_type in IDEMPOTENT_WRITES


class RequestIds:
    """A new id per write. With a `base` (the CLI's id for one command) the ids are `BASE-1`, `BASE-2`, ...,
    so the events of one command still name it; without, each is a random UUID."""

    def __init__(self, base: str | None) -> None:
        self._base = base
        self._count = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        if not self._base:
            return uuid.uuid4().hex
        with self._lock:
            self._count += 1
            return f"{self._base}-{self._count}"

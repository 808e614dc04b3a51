"""A write that carries a client request id: replayed from the request log when it was already applied.

The api layer knows the request id and the request's content; the unit of work (several calls below) writes
the id's row in the append's transaction. The request travels between them in a context variable, as the
caller does, so no command needs a parameter for it. One request records at most one row: its first save.
"""

from __future__ import annotations

import contextvars
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..domain.errors import FailedPrecondition, InvalidField
from ..store import request_log
from ..store.app import EventLog
from ..store.request_log import RequestRow

T = TypeVar("T")

REQUEST_ID_FIELD = "x-request-id"
# How long a retry waits for the first attempt's answer to be stored after its commit.
ANSWER_WAIT_SECONDS = 5.0
# Expired rows are deleted at most this often per process, by a write that stored an answer.
EXPIRE_EVERY_SECONDS = 60.0


class AlreadyApplied(Exception):
    """Another attempt of the same request committed first; its answer is the one to give."""


@dataclass
class PendingRequest:
    actor: str
    request_id: str
    fingerprint: str
    # The position of the change once the request's row was committed (None: nothing was recorded).
    recorded_at: int | None = field(default=None)

    def row(self, position: int) -> RequestRow:
        """The row the recorder writes once the change's position is known."""
        return RequestRow(self.actor, self.request_id, self.fingerprint, position)

    def already_applied(self, log: EventLog) -> bool:
        with log.read() as sql:
            return request_log.find(sql, self.actor, self.request_id) is not None


_pending: contextvars.ContextVar[PendingRequest | None] = contextvars.ContextVar(
    "imagestreams_pending_request", default=None
)


def pending() -> PendingRequest | None:
    """The request id to record with the next save, if the current request has one not yet recorded."""
    request = _pending.get()
    return request if request is not None and request.recorded_at is None else None


def fingerprint(method: str, serialized_request: bytes) -> str:
    return hashlib.sha256(method.encode() + b"\0" + serialized_request).hexdigest()


class RequestLog:
    """Runs writes that carry a request id: the first attempt applies and remembers; a retry replays."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._last_expiry = 0.0

    def run(
        self,
        request: PendingRequest,
        apply: Callable[[], T],
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
    ) -> T:
        """The answer to `request`: replayed if an earlier attempt was applied, else `apply()`'s, stored with
        the request id when it changed anything."""
        replayed = self._replay(request)
        if replayed is not None:
            return decode(replayed)
        token = _pending.set(request)
        try:
            answer = apply()
        except Exception:
            # Another attempt of this request (a retry that overtook it, or one it waited behind) was applied
            # first: this one then failed (its row's insert, ALREADY_EXISTS, ...). The first answer stands.
            replayed = self._replay(request)
            if replayed is None:
                raise
            return decode(replayed)
        finally:
            _pending.reset(token)
        if request.recorded_at is not None:
            self._store(request, encode(answer))
            return answer
        # Nothing changed: perhaps because another attempt of this request had already made the change.
        replayed = self._replay(request)
        return decode(replayed) if replayed is not None else answer

    def _replay(self, request: PendingRequest) -> bytes | None:
        deadline = time.monotonic() + ANSWER_WAIT_SECONDS
        while True:
            with self.log.read() as sql:
                row = request_log.find(sql, request.actor, request.request_id)
            if row is None:
                return None
            if row.fingerprint != request.fingerprint:
                raise InvalidField(
                    REQUEST_ID_FIELD,
                    f'request id "{request.request_id}" was already used for a different request; '
                    "send a new id for a new request",
                )
            if row.response is not None:
                return row.response
            if time.monotonic() >= deadline:
                # The first attempt committed but its answer was never stored (its server stopped in between).
                raise FailedPrecondition(
                    "REQUEST_ANSWER_LOST",
                    f'request id "{request.request_id}" was applied at log position {row.position}, but its '
                    "answer was not kept; read the current state instead",
                    field=REQUEST_ID_FIELD,
                    metadata={"position": str(row.position)},
                )
            # The first attempt has committed and is storing its answer right now.
            time.sleep(0.05)

    def _store(self, request: PendingRequest, response: bytes) -> None:
        now = time.time()
        with self.log.write() as sql:
            request_log.answer(sql, request.actor, request.request_id, response)
            if now - self._last_expiry >= EXPIRE_EVERY_SECONDS:
                self._last_expiry = now
                request_log.expire(sql, now)

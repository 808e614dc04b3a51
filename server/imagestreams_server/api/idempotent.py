"""Write RPCs with a client request id (`x-request-id` metadata): a retry gets the first attempt's answer.

Metadata rather than a request field, so every write RPC takes one without a change to its message, and
`grpcurl -H 'x-request-id: ...'` can send it. The id names one logical write of one caller; its content is
the method and the serialized request. See docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from ..application import caller, idempotency
from ..domain.errors import InvalidField
from ..store.app import EventLog
from .blocking import run_blocking
from .request_ids import FORMAT, MAX_LENGTH
from .request_ids import KEY as REQUEST_ID_KEY

M = TypeVar("M", bound=Message)


def _raw_request_id(context: grpc.aio.ServicerContext) -> str | None:
    values = [v for k, v in context.invocation_metadata() or () if k == REQUEST_ID_KEY]
    if not values:
        return None
    if len(values) > 1:
        return "\0"  # refused below: two ids cannot both name the request
    value = values[0]
    return value if isinstance(value, str) else "\0"


def validated_request_id(raw: str | None) -> str | None:
    """The request id, or None when the call sent none. INVALID_ARGUMENT naming x-request-id otherwise."""
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_LENGTH:
        raise InvalidField(REQUEST_ID_KEY, f"must be at most {MAX_LENGTH} characters (it has {len(raw)})")
    if not FORMAT.fullmatch(raw):
        raise InvalidField(
            REQUEST_ID_KEY, "must be one value of letters, digits and . _ : - (a UUID is a good request id)"
        )
    return raw


class IdempotentWrites:
    """What a servicer calls for each write RPC: runs `apply` on a worker thread, deduplicated by request id."""

    def __init__(self, log: EventLog, executor: Executor) -> None:
        self.requests = idempotency.RequestLog(log)
        self.executor = executor

    async def run(
        self, context: grpc.aio.ServicerContext, request: Message, response_type: type[M], apply: Callable[[], M]
    ) -> M:
        raw = _raw_request_id(context)

        def run() -> M:
            request_id = validated_request_id(raw)
            if request_id is None:
                return apply()
            current = caller.current()
            pending = idempotency.PendingRequest(
                actor=current.actor if current else "",
                request_id=request_id,
                fingerprint=idempotency.fingerprint(
                    request.DESCRIPTOR.full_name, request.SerializeToString(deterministic=True)
                ),
            )
            return self.requests.run(pending, apply, _encode, response_type.FromString)

        return await run_blocking(self.executor, context, run)


def _encode(message: Any) -> bytes:
    return bytes(message.SerializeToString(deterministic=True))

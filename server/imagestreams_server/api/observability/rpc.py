"""One log line and the RPC metrics for every call of the image streams services, and its request id.

Wrapped around each method handler when the services are registered (`GuardedServer`), outside the access
guard, so refusals are seen too: the code, the duration, the caller (noted by an inner wrapper once the guard
has established it), the request id and the peer. The request id is the client's `x-request-id` when it sent a
valid one, else one made here; either way the client gets it back in the trailing metadata, errors included,
so a client's report and the server's log line can be matched. Nothing of the request's metadata other than
the request id is read: never a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import grpc

from ...application import caller
from ..request_ids import KEY as REQUEST_ID_KEY
from ..request_ids import is_request_id

if TYPE_CHECKING:
    from .metrics import Metrics

log = logging.getLogger("imagestreams_server.rpc")

_ANONYMOUS = "-"


def request_id_of(context: grpc.aio.ServicerContext) -> str:
    """The client's request id when it is one (letters, digits, `._:-`, at most 128), else a new one: a value
    that is not one (a misplaced credential, a line break) is never echoed or logged."""
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_KEY and is_request_id(value):
            return value
    return uuid.uuid4().hex


class ObservedContext:
    """The servicer context of one observed call: every aborted call's trailing metadata carries the request
    id (grpc replaces the trailing metadata an abort is given, so it is added to each abort), and the caller
    is noted for the log line."""

    __slots__ = ("_context", "_request_id", "caller", "peer_address")

    def __init__(self, context: grpc.aio.ServicerContext, request_id: tuple[str, str]) -> None:
        self._context = context
        self._request_id = request_id
        self.caller = _ANONYMOUS
        # Read while the call is alive: grpc's context.peer() on a call whose connection was reset (a client
        # gone in the middle of a stream) dereferences a freed call and kills the process.
        self.peer_address = context.peer()
        context.set_trailing_metadata((request_id,))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self._context.set_trailing_metadata(self._with_request_id(metadata))

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Sequence[tuple[str, str | bytes]] = ()
    ) -> None:
        metadata = trailing_metadata or self._context.trailing_metadata() or ()
        await self._context.abort(code, details, self._with_request_id(metadata))

    async def abort_with_status(self, status: Any) -> None:
        await self.abort(status.code, status.details, status.trailing_metadata)

    def _with_request_id(self, metadata: Sequence[tuple[str, str | bytes]]) -> tuple[tuple[str, str | bytes], ...]:
        kept = tuple(pair for pair in metadata if pair[0] != REQUEST_ID_KEY)
        return (*kept, self._request_id)


class RpcObserver:
    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics

    def outer(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """`handler` of `method` (`/package.Service/Method`), timed, counted and logged."""
        service, _, name = method[1:].rpartition("/")
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def observed_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                observed = ObservedContext(context, (REQUEST_ID_KEY, request_id_of(context)))
                started = time.perf_counter()
                code = grpc.StatusCode.UNKNOWN
                try:
                    response = await unary(request, observed)
                    code = _code(context, grpc.StatusCode.OK)
                    return response
                except BaseException as error:
                    code = _failure_code(context, error)
                    raise
                finally:
                    self._done(service, name, code, started, observed)

            return grpc.unary_unary_rpc_method_handler(
                observed_unary,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def observed_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                observed = ObservedContext(context, (REQUEST_ID_KEY, request_id_of(context)))
                started = time.perf_counter()
                code = grpc.StatusCode.UNKNOWN
                try:
                    async for response in stream(request, observed):
                        yield response
                    code = _code(context, grpc.StatusCode.OK)
                except BaseException as error:
                    code = _failure_code(context, error)
                    raise
                finally:
                    self._done(service, name, code, started, observed)

            return grpc.unary_stream_rpc_method_handler(
                observed_stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    @staticmethod
    def inner(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """`handler` noting, as it starts, who the guard let in (the caller is set only inside the guard)."""
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def noted_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                _note_caller(context)
                return await unary(request, context)

            return handler._replace(unary_unary=noted_unary)
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def noted_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                _note_caller(context)
                async for response in stream(request, context):
                    yield response

            return handler._replace(unary_stream=noted_stream)
        return handler

    def _done(self, service: str, method: str, code: grpc.StatusCode, started: float, context: ObservedContext) -> None:
        seconds = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.rpc_done(service, method, code.name, seconds)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s/%s %s %.1f ms",
                service,
                method,
                code.name,
                seconds * 1000,
                extra={
                    "service": service,
                    "method": method,
                    "code": code.name,
                    "duration_ms": round(seconds * 1000, 3),
                    "caller": context.caller,
                    "request_id": context._request_id[1],
                    "peer": context.peer_address,
                },
            )


def _note_caller(context: Any) -> None:
    if isinstance(context, ObservedContext):
        current = caller.current()
        if current is not None:
            context.caller = current.actor


def _code(context: grpc.aio.ServicerContext, default: grpc.StatusCode) -> grpc.StatusCode:
    """The code the servicer set (`set_code`), else `default`."""
    code = context.code()
    return code if isinstance(code, grpc.StatusCode) else default


def _failure_code(context: grpc.aio.ServicerContext, error: BaseException) -> grpc.StatusCode:
    if isinstance(error, asyncio.CancelledError):  # the client went away, or its deadline passed
        remaining = context.time_remaining()
        expired = remaining is not None and remaining <= 0
        return grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
    if isinstance(error, grpc.aio.AbortError):
        return _code(context, grpc.StatusCode.UNKNOWN)
    return grpc.StatusCode.UNKNOWN

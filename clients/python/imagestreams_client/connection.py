"""What every typed client of this package shares: one channel with the caller's credentials, a deadline per
call, failures as `ImageStreamsError`, and walking the pages of a list."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import grpc
from google.protobuf.message import Message

from .channel import ChannelFactory
from .errors import ImageStreamsError
from .tls import TLSConfig
from .writes import DEFAULT_RETRY, RequestIds, RetryPolicy, is_write, retryable

REQUEST_ID_KEY = "x-request-id"
# A channel that lost its server tries to reconnect soon, so a retried write finds a restarted server
# (gRPC's default first pause is a second, growing to two minutes).
RECONNECT_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
)

Response = TypeVar("Response")
Page = TypeVar("Page")
Item = TypeVar("Item")


class Connection:
    """One server, one channel. `token` is sent as `authorization: Bearer TOKEN` on every call; with `tls` the
    channel is TLS (an `https://` address also asks for TLS), else plain. `timeout` (seconds) is the deadline
    of each unary call (of each attempt, for a write that is tried again).

    Every write carries its own `x-request-id` (`REQUEST_ID-1`, `-2`, ... when `request_id` is given, which
    the CLI does once per command; a random UUID otherwise); reads carry `request_id` itself. The server
    records the id as the cause of the changes and answers a repeated id with the first answer. A write that
    fails UNAVAILABLE, DEADLINE_EXCEEDED or ABORTED is therefore sent again with the same id, as `retry` says
    (see writes.py); `NO_RETRY` turns that off."""

    def __init__(
        self,
        address: str,
        timeout: float = 30,
        *,
        token: str | None = None,
        tls: TLSConfig | None = None,
        request_id: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.retry = retry
        self._request_ids = RequestIds(request_id)
        self._channels = ChannelFactory(address, token=token, tls=tls, request_id=request_id)
        self._channel = self._channels.open(RECONNECT_OPTIONS)
        self._open_stubs(self._channel)

    def _open_stubs(self, channel: grpc.Channel) -> None:
        """Each client makes the stubs of its services here; the channel is shared by them all."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address!r}, authenticated={self._channels.authenticated})"

    def close(self) -> None:
        self._channel.close()

    def health(self, timeout: float | None = None) -> str:
        """The standard gRPC health check of the whole server: `SERVING`, `NOT_SERVING`, ... Raises
        ImageStreamsError (UNAVAILABLE, DEADLINE_EXCEEDED) when the server does not answer."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self._channel)
        answer = self._call(
            stub.Check, health_pb2.HealthCheckRequest(service=""), health_pb2.HealthCheckResponse, timeout
        )
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(
        self, method: Callable[..., Any], request: Message, response: type[Response], timeout: float | None = None
    ) -> Response:
        # The generated stub is untyped; `response` names what the RPC returns, for type checkers and readers.
        deadline = self.timeout if timeout is None else timeout
        request_type = request.DESCRIPTOR.full_name
        if not is_write(request_type):
            try:
                return cast(Response, method(request, timeout=deadline))
            except grpc.RpcError as error:
                raise ImageStreamsError.from_rpc_error(error) from error
        # One id for every attempt of this write: a repeat of an applied write gets its first answer.
        metadata = ((REQUEST_ID_KEY, self._request_ids.next()),)
        attempt = 0
        while True:
            try:
                return cast(Response, method(request, timeout=deadline, metadata=metadata))
            except grpc.RpcError as error:
                failure = ImageStreamsError.from_rpc_error(error)
                attempt += 1
                if attempt >= self.retry.attempts or not retryable(request_type, failure.code):
                    raise failure from error
            time.sleep(self.retry.pause(attempt - 1))


def every_page(fetch: Callable[[str], Page], items: Callable[[Page], Iterable[Item]]) -> Iterator[Item]:
    """Every item of a paged list: `fetch(page_token)` returns one page, `items(page)` its items; pages are
    followed until one comes without a `next_page_token`."""
    token = ""
    while True:
        page = fetch(token)
        yield from items(page)
        token = cast(str, getattr(page, "next_page_token", ""))
        if not token:
            return

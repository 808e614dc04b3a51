"""Watching changes: `Client.watch` (one Watch call) and `Client.follow` (a watch that resumes by itself).

    with Client("127.0.0.1:50051") as client:
        for response in client.follow("default", "app", "prod", kinds=["tag_updated"]):
            if not response.marker:
                print(response.position, response.current.image)

The watch methods live in this module rather than in client.py because a server stream needs more than a
unary call: its own channel (with a reconnect backoff matched to `follow`'s), a stall watchdog and the
bookkeeping of where to resume. `imagestreams_client.Client` is this module's `Client`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

import grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

from . import client as unary
from .errors import ImageStreamsError
from .tls import TLSConfig
from .writes import DEFAULT_RETRY, RetryPolicy

# Strings: the generated enums are classes to type checkers but EnumTypeWrapper instances at run time.
ChangeKind: TypeAlias = "watch_api.ChangeKind"
KindLike: TypeAlias = "watch_api.ChangeKind | str"
WatchResponse: TypeAlias = watch_api.WatchResponse

# The kinds by the names users type (`tag_updated`), which are the enum's names without their prefix.
CHANGE_KINDS: dict[str, ChangeKind] = {
    "tag_updated": watch_api.CHANGE_KIND_TAG_UPDATED,
    "tag_deleted": watch_api.CHANGE_KIND_TAG_DELETED,
    "stream_created": watch_api.CHANGE_KIND_STREAM_CREATED,
    "stream_deleted": watch_api.CHANGE_KIND_STREAM_DELETED,
    "spec_changed": watch_api.CHANGE_KIND_SPEC_CHANGED,
    "import_failed": watch_api.CHANGE_KIND_IMPORT_FAILED,
    "tag_move_skipped": watch_api.CHANGE_KIND_TAG_MOVE_SKIPPED,
    "tag_pin_changed": watch_api.CHANGE_KIND_TAG_PIN_CHANGED,
}
KIND_NAMES: dict[ChangeKind, str] = {v: k for k, v in CHANGE_KINDS.items()}

# Failures after which `follow` reconnects. UNAVAILABLE covers a dropped connection, a server that is down
# or shutting down, and a stalled stream (see `idle_timeout`); RESOURCE_EXHAUSTED is a watcher the server
# ended for falling behind. Anything else (a bad request, OUT_OF_RANGE after the log was reset) would fail
# again the same way, so it is raised.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})

# The watch channel reconnects on the same schedule as `follow`: gRPC's default reconnect backoff grows to
# two minutes, which would leave a follower failing fast long after its server came back.
DEFAULT_INITIAL_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 10.0
WATCH_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", int(DEFAULT_INITIAL_BACKOFF * 1000)),
    ("grpc.max_reconnect_backoff_ms", int(DEFAULT_MAX_BACKOFF * 1000)),
)


def change_kind(kind: KindLike) -> ChangeKind:
    """`"tag_updated"` or `CHANGE_KIND_TAG_UPDATED` as the enum value."""
    if isinstance(kind, str):
        try:
            return CHANGE_KINDS[kind]
        except KeyError:
            raise ValueError(f"unknown change kind {kind!r}; use one of: {', '.join(CHANGE_KINDS)}") from None
    return kind


def is_change(response: WatchResponse) -> bool:
    return response.marker == watch_api.MARKER_UNSPECIFIED


class WatchCall:
    """The responses of one Watch call, in order. Failures are raised as `ImageStreamsError`; the iterator
    ends if the server ends the call without an error. With `idle_timeout`, a call that receives nothing for
    that many seconds is cancelled and raises UNAVAILABLE: a connection that died without a reset (a crashed
    host, a NAT that forgot it) would otherwise wait forever. Set it well above the progress interval."""

    def __init__(self, call: Any, idle_timeout: float | None = None) -> None:
        self._call = call
        self._idle_timeout = idle_timeout
        self._last_message = time.monotonic()
        self._stalled = False
        self._done = threading.Event()
        if idle_timeout is not None:
            threading.Thread(target=self._watchdog, args=(idle_timeout,), name="watch-watchdog", daemon=True).start()

    def __iter__(self) -> Iterator[WatchResponse]:
        return self

    def __next__(self) -> WatchResponse:
        try:
            response = cast(WatchResponse, next(self._call))
        except StopIteration:
            self._done.set()
            raise
        except grpc.RpcError as error:
            self._done.set()
            if self._stalled:
                raise ImageStreamsError(
                    grpc.StatusCode.UNAVAILABLE,
                    f"nothing received from the server in {self._idle_timeout:g}s: the connection is presumed lost",
                ) from error
            raise ImageStreamsError.from_rpc_error(error) from error
        self._last_message = time.monotonic()
        return response

    def cancel(self) -> None:
        self._done.set()
        self._call.cancel()

    def _watchdog(self, idle_timeout: float) -> None:
        check_every = min(1.0, idle_timeout / 4)
        while not self._done.wait(check_every):
            if time.monotonic() - self._last_message > idle_timeout:
                self._stalled = True
                self._call.cancel()
                return


@dataclass
class Backoff:
    """Capped exponential delays, each shortened by up to `jitter` of itself so that many followers of one
    restarted server do not reconnect in step."""

    initial: float = DEFAULT_INITIAL_BACKOFF
    maximum: float = DEFAULT_MAX_BACKOFF
    multiplier: float = 2.0
    jitter: float = 0.2
    _next: float = field(default=0.0, init=False, repr=False)

    def next_delay(self) -> float:
        base = self._next or self.initial
        self._next = min(base * self.multiplier, self.maximum)
        return min(base, self.maximum) * (1 - self.jitter * random.random())

    def reset(self) -> None:
        self._next = 0.0


@dataclass(frozen=True)
class Reconnect:
    """Why `follow` is reconnecting, when, and where it resumes: after `after_position`, or, when that is
    None, afresh (from now, or with a new snapshot) because the first call never got going."""

    error: ImageStreamsError
    delay: float
    after_position: int | None
    attempt: int


class Follow:
    """Responses of a watch across reconnections, each change once and in log order.

    `position` is the last resumable position seen: that of a live change, a progress marker or the snapshot
    end. After a failure in RETRYABLE, or the server ending the call, `follow` waits (capped exponential
    backoff, reset once a call delivers again) and watches again after `position`, dropping any change at or
    before it, so nothing is repeated and, since the server delivers every change after a position, nothing
    is skipped. A RESOURCE_EXHAUSTED carries the server's `last_position`, which may be past `position` when
    the changes in between did not match the filter.

    A snapshot is state, not moves: if the connection drops before MARKER_SNAPSHOT_END, a new snapshot is
    taken and synthetic changes already yielded (same tag, same image) are not yielded again; a tag that
    moved meanwhile is yielded with its new image, and the moves in between are not.

    Markers are yielded too (callers checkpoint with them), except one behind `position`. Iterate from one
    thread; `close()` may be called from any thread and ends the iteration.
    """

    def __init__(
        self,
        client: Client,
        request: watch_api.WatchRequest,
        *,
        idle_timeout: float | None = None,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        on_reconnect: Callable[[Reconnect], None] | None = None,
        connect_timeout: float | None = None,
    ) -> None:
        self._client = client
        self._connect_timeout = connect_timeout
        # Whether any call has delivered a response: until then the server may never have been there.
        self._connected = False
        self._request = request
        self._snapshot = request.WhichOneof("start") == "snapshot" and request.snapshot
        self._idle_timeout = idle_timeout
        self._backoff = backoff or Backoff()
        self._max_attempts = max_attempts
        self._on_reconnect = on_reconnect
        self.position: int | None = request.after_position if request.WhichOneof("start") == "after_position" else None
        # Synthetic changes yielded by a snapshot that has not ended yet, so a new snapshot does not repeat them.
        self._synthetic_seen: set[tuple[str, str, str, bytes]] = set()
        self._closed = threading.Event()
        self._call: WatchCall | None = None

    def __iter__(self) -> Iterator[WatchResponse]:
        return self._responses()

    def close(self) -> None:
        self._closed.set()
        if self._call is not None:
            self._call.cancel()

    def _responses(self) -> Iterator[WatchResponse]:
        failures = 0
        started = time.monotonic()
        while not self._closed.is_set():
            call = self._client._open_watch(self._next_request(), self._idle_timeout)
            self._call = call
            try:
                for response in call:
                    self._connected = True
                    failures = 0
                    self._backoff.reset()
                    if self._accept(response):
                        yield response
                error = ImageStreamsError(grpc.StatusCode.UNAVAILABLE, "the server ended the watch")
            except ImageStreamsError as raised:
                if self._closed.is_set():
                    return
                if raised.code not in RETRYABLE:
                    raise
                error = raised
                self._skip_to(raised.metadata.get("last_position", ""))
            finally:
                call.cancel()
            failures += 1
            if self._max_attempts is not None and failures >= self._max_attempts:
                raise error
            delay = self._backoff.next_delay()
            if not self._connected and self._connect_timeout is not None:
                remaining = self._connect_timeout - (time.monotonic() - started)
                if remaining <= 0:
                    raise ImageStreamsError(
                        error.code,
                        f"no answer in {self._connect_timeout:g}s, giving up (last error: {error.message})",
                        reason="CONNECT_TIMEOUT",
                    ) from error
                delay = min(delay, remaining)
            if self._on_reconnect is not None:
                self._on_reconnect(Reconnect(error, delay, self.position, failures))
            self._closed.wait(delay)

    def _next_request(self) -> watch_api.WatchRequest:
        request = watch_api.WatchRequest()
        request.CopyFrom(self._request)
        if self.position is not None:
            request.after_position = self.position
        elif not self._snapshot:
            request.ClearField("start")  # from now: nothing was promised before the first call got going
        return request

    def _accept(self, response: WatchResponse) -> bool:
        """Whether to yield `response`, advancing `position` past it."""
        if response.marker == watch_api.MARKER_SNAPSHOT_END:
            self._synthetic_seen.clear()
            self._advance(response.position)
            return True
        if response.synthetic:
            key = (response.namespace, response.stream, response.tag, response.current.SerializeToString())
            if key in self._synthetic_seen:
                return False
            self._synthetic_seen.add(key)
            return True
        if self.position is not None:
            # A marker may repeat `position` (every call starts with one); a change never may.
            behind = response.position < self.position if response.marker else response.position <= self.position
            if behind:
                return False
        self._advance(response.position)
        return True

    def _advance(self, position: int) -> None:
        self.position = position if self.position is None else max(self.position, position)

    def _skip_to(self, last_position: str) -> None:
        if last_position.isdigit() and self.position is not None:
            self._advance(int(last_position))


class Client(unary.Client):
    """The unary client plus watches, which use a channel of their own (see WATCH_CHANNEL_OPTIONS)."""

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
        super().__init__(address, timeout, token=token, tls=tls, request_id=request_id, retry=retry)
        self._watch_channel: grpc.Channel | None = None
        self._watch_stub: Any = None
        self._watch_lock = threading.Lock()

    def __enter__(self) -> Client:
        # Overridden only so type checkers see the watch methods inside `with Client(...) as client:`.
        return self

    def close(self) -> None:
        with self._watch_lock:
            if self._watch_channel is not None:
                self._watch_channel.close()
                self._watch_channel = None
        super().close()

    def watch(
        self,
        namespace: str,
        stream: str = "",
        tag: str = "",
        kinds: Iterable[KindLike] = (),
        after_position: int | None = None,
        snapshot: bool = False,
        progress_interval: int = 0,
        *,
        idle_timeout: float | None = None,
    ) -> WatchCall:
        """One Watch call, without a deadline. Starts after `after_position`, with a snapshot, or (neither)
        from now; `progress_interval` is the seconds of silence before a progress marker (0: the server's)."""
        request = watch_request(namespace, stream, tag, kinds, after_position, snapshot, progress_interval)
        return self._open_watch(request, idle_timeout)

    def follow(
        self,
        namespace: str,
        stream: str = "",
        tag: str = "",
        kinds: Iterable[KindLike] = (),
        after_position: int | None = None,
        snapshot: bool = False,
        progress_interval: int = 0,
        *,
        idle_timeout: float | None = None,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        on_reconnect: Callable[[Reconnect], None] | None = None,
        connect_timeout: float | None = None,
    ) -> Follow:
        """Like `watch`, but reconnects by itself (see `Follow`). `max_attempts` bounds consecutive failed
        calls (None: keep trying); `on_reconnect` is told before each wait, to log it. `connect_timeout`
        bounds the time to the first response (None: keep trying): a server that never answered is given up
        on, one that answered once is always retried."""
        request = watch_request(namespace, stream, tag, kinds, after_position, snapshot, progress_interval)
        return Follow(
            self,
            request,
            idle_timeout=idle_timeout,
            backoff=backoff,
            max_attempts=max_attempts,
            on_reconnect=on_reconnect,
            connect_timeout=connect_timeout,
        )

    def _open_watch(self, request: watch_api.WatchRequest, idle_timeout: float | None) -> WatchCall:
        with self._watch_lock:
            if self._watch_channel is None:
                # Same server, same credentials: only the reconnect backoff differs.
                self._watch_channel = self._channels.open(WATCH_CHANNEL_OPTIONS)
                # Generated stubs are untyped (no .pyi is generated for *_pb2_grpc.py).
                self._watch_stub = watch_grpc.WatchServiceStub(self._watch_channel)  # type: ignore[no-untyped-call]
            stub = self._watch_stub
        # A stream is open-ended: no deadline, unlike the unary calls' `timeout`.
        return WatchCall(stub.Watch(request), idle_timeout)


def watch_request(
    namespace: str,
    stream: str = "",
    tag: str = "",
    kinds: Iterable[KindLike] = (),
    after_position: int | None = None,
    snapshot: bool = False,
    progress_interval: int = 0,
) -> watch_api.WatchRequest:
    if after_position is not None and snapshot:
        raise ValueError("a watch starts after a position or with a snapshot, not both")
    request = watch_api.WatchRequest(
        namespace=namespace,
        stream=stream,
        tag=tag,
        kinds=[change_kind(k) for k in kinds],
        progress_interval_seconds=progress_interval,
    )
    # Set only when given: the fields share a oneof, and an explicit 0 means "replay the whole log".
    if after_position is not None:
        request.after_position = after_position
    elif snapshot:
        request.snapshot = True
    return request

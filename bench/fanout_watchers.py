"""The watchers of bench/watch_fanout.py: one process of many grpc.aio Watch calls, started by the benchmark.

The benchmark starts one or a few of these processes (multiprocessing, spawn) and talks to each over a pipe:

  child  -> ("established", Established)        once every watch got its first MARKER_PROGRESS (or ended)
  parent -> ("finish", [last position per watcher], timeout)
  child  -> ("drained", None)                   once every watcher got its last expected change, or ended,
                                                or the timeout passed; the calls are still open
  parent -> ("close", None)
  child  -> ("results", [WatcherResult, ...])   after cancelling its calls
  child  -> ("error", traceback)                instead of any of these, if something broke

Receipt times are time.monotonic(): CLOCK_MONOTONIC is one clock for every process on the machine, so the
parent can subtract the time its Tag call returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import time
import traceback
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

NAMESPACE = "bench"
# gRPC metadata for every call: `authorization: Bearer TOKEN` (tag_throughput.Metadata; not imported from there,
# which would load psycopg and the benchmark's other dependencies into each watcher process).
Metadata = tuple[tuple[str, str], ...]
ESTABLISH_TIMEOUT = 120.0
# Changes per watcher whose serialized size is summed, to report the message size.
SIZED = 20


@dataclass(frozen=True)
class WatcherSpec:
    """What one watcher watches: the whole namespace (stream empty) or one tag of one stream."""

    stream: str = ""
    tag: str = ""

    def request(self) -> watch_api.WatchRequest:
        return watch_api.WatchRequest(namespace=NAMESPACE, stream=self.stream, tag=self.tag)

    def matches(self, stream: str, tag: str) -> bool:
        """The server's filter: a tag watch also sees its stream's own changes (tag empty)."""
        if self.stream and stream != self.stream:
            return False
        return not self.tag or tag in ("", self.tag)


@dataclass
class WatcherResult:
    # Position of the first MARKER_PROGRESS (the watch is established there); -1 if none came.
    start: int = -1
    established_at: float = math.nan
    # Every change received, in order: its position, time.monotonic() at receipt, and time.time() at receipt
    # minus the change's `time` (the server's event time, wall clock).
    positions: array[int] = field(default_factory=lambda: array("q"))
    received: array[float] = field(default_factory=lambda: array("d"))
    event_lag: array[float] = field(default_factory=lambda: array("d"))
    markers: int = 0
    sized: int = 0
    size_bytes: int = 0
    # Status name if the server ended the call (e.g. RESOURCE_EXHAUSTED), "" if it was still open at the end.
    ended: str = ""
    ended_detail: str = ""


@dataclass(frozen=True)
class Established:
    watchers: int
    ok: int
    started_at: float
    # The lowest position a watch was established at (-1 if none was).
    first_position: int
    # When the last watcher was established (time.monotonic()).
    last_at: float
    # Status names of watches that ended before being established, with counts.
    failures: dict[str, int]


class Watchers:
    def __init__(self, address: str, metadata: Metadata, specs: list[WatcherSpec], per_channel: int) -> None:
        self.specs = specs
        self.metadata = metadata
        self.results = [WatcherResult() for _ in specs]
        self.channels = [grpc.aio.insecure_channel(address) for _ in range(math.ceil(len(specs) / per_channel))]
        self.stubs = [watch_grpc.WatchServiceStub(channel) for channel in self.channels]
        self.per_channel = per_channel
        self.calls: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.targets: list[int] = []
        self.established = 0
        self.all_established = asyncio.Event()
        self.progress = asyncio.Event()

    def start(self) -> None:
        for index, spec in enumerate(self.specs):
            call = self.stubs[index // self.per_channel].Watch(spec.request(), metadata=self.metadata)
            self.calls.append(call)
            self.tasks.append(asyncio.create_task(self._watch(index, call)))

    def _note_established(self) -> None:
        self.established += 1
        if self.established == len(self.specs):
            self.all_established.set()

    async def _watch(self, index: int, call: Any) -> None:
        result = self.results[index]
        positions, received, event_lag = result.positions, result.received, result.event_lag
        monotonic, wall = time.monotonic, time.time
        try:
            async for response in call:
                now = monotonic()
                if result.start < 0:
                    if response.marker != watch_api.MARKER_PROGRESS:
                        raise RuntimeError(f"the first response is not a progress marker: {response}")
                    result.start, result.established_at = response.position, now
                    self._note_established()
                    continue
                if response.marker:
                    result.markers += 1
                    continue
                positions.append(response.position)
                received.append(now)
                event_lag.append(wall() - response.time.seconds - response.time.nanos * 1e-9)
                if result.sized < SIZED:
                    result.sized += 1
                    result.size_bytes += response.ByteSize()
                if self.targets and response.position >= self.targets[index]:
                    self.progress.set()
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                result.ended, result.ended_detail = error.code().name, error.details() or ""
        except asyncio.CancelledError:
            pass
        finally:
            if result.start < 0:
                result.ended = result.ended or "ENDED_BEFORE_ESTABLISHED"
                self._note_established()
            self.progress.set()

    def drained(self) -> bool:
        return all(
            r.ended or (r.positions[-1] if r.positions else r.start) >= target
            for r, target in zip(self.results, self.targets, strict=True)
        )

    async def close(self) -> None:
        for call in self.calls:
            call.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for channel in self.channels:
            await channel.close()


async def _run(conn: Connection, address: str, metadata: Metadata, specs: list[WatcherSpec], per_channel: int) -> None:
    loop = asyncio.get_running_loop()
    watchers = Watchers(address, metadata, specs, per_channel)
    started = time.monotonic()
    watchers.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(watchers.all_established.wait(), ESTABLISH_TIMEOUT)
    results = watchers.results
    failures: dict[str, int] = {}
    for r in results:
        if r.start < 0:
            reason = r.ended or "NOT_ESTABLISHED_IN_TIME"
            failures[reason] = failures.get(reason, 0) + 1
    ok = [r for r in results if r.start >= 0]
    first = min((r.start for r in ok), default=-1)
    last = max((r.established_at for r in ok), default=math.nan)
    conn.send(("established", Established(len(specs), len(ok), started, first, last, failures)))

    kind, payload = await loop.run_in_executor(None, conn.recv)
    if kind != "finish":
        raise RuntimeError(f"expected finish, got {kind}")
    targets, timeout = payload
    watchers.targets = targets
    deadline = time.monotonic() + timeout
    while not watchers.drained() and (left := deadline - time.monotonic()) > 0:
        watchers.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watchers.progress.wait(), min(left, 0.1))
    conn.send(("drained", None))

    kind, _ = await loop.run_in_executor(None, conn.recv)
    if kind != "close":
        raise RuntimeError(f"expected close, got {kind}")
    await watchers.close()
    conn.send(("results", results))


def run_watchers(
    conn: Connection, address: str, metadata: Metadata, specs: list[WatcherSpec], per_channel: int
) -> None:
    """The child process's entry point. `metadata` (`authorization: Bearer ...`) goes with every Watch call."""
    # The parent handles Ctrl-C, and ends this process; a traceback per child would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        asyncio.run(_run(conn, address, metadata, specs, per_channel))
    except Exception:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()

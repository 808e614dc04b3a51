"""Watch fan-out: many concurrent Watch streams on a real server on PostgreSQL, next to a raw gRPC baseline.

    .venv/bin/python bench/watch_fanout.py [--watchers 500] [--rate 20] [--seconds 10] [--runs 3]
        [--streams 10] [--client-processes 2] [--database-url URL]

Each run measures two servers, each in a process of its own and started afresh (their order alternates from
run to run):

  raw           bench/raw_stream_server.py: a bare grpc.aio server that answers Tag by putting two messages
                built like the real server's (SPEC_CHANGED and TAG_UPDATED, same fields and size) on the
                queue of every matching watch; no database;
  imagestreams  the server (bench/server_process.py) on a fresh PostgreSQL database `bench_<hex>` (default
                postgresql://postgres@127.0.0.1:5432/postgres, or --database-url /
                IMAGESTREAMS_BENCH_DATABASE_URL, a role that may CREATE DATABASE), dropped after the run.

For each: --streams streams `w<k>` of namespace "bench" get a tag `t` (three moves each, before anything is
measured). Then --watchers Watch calls are opened from --client-processes processes (grpc.aio, one task per
watch, 50 watches per channel): the even-numbered ones watch the whole namespace, the odd-numbered ones one
tag each (`w<k>:t`, k round-robin). Once every watch has its first MARKER_PROGRESS (it is established), this
process moves the tags at --rate Tag calls per second (open loop, round-robin over the streams, each call a
real move between two digests) for --seconds. Each Tag commits two changes: every namespace watcher should
get 2 x rate changes/s, every tag watcher 2 x rate / streams.

Measured:
  latency      from the Tag response (time.monotonic() when the call returned here; the response's position
               is the commit's last change) to the receipt of each of the commit's changes at each watcher
               (time.monotonic() there: CLOCK_MONOTONIC is one clock for all processes of the machine);
  delivered/s  changes received by all watchers together, from the first Tag call to the last receipt;
  correctness  the log read back afterwards (a Watch from the first watcher's start position) gives every
               watcher's expected positions: each must be received once, in order (missing, duplicate,
               out-of-order and unexpected deliveries are counted; all must be 0);
  memory       the server process's RSS (/proc) before the watches, once they are established, and after
               the load with the watches still open, as (RSS - RSS before) / watchers;
  CPU          of the client processes (this one and the watcher processes), the server process, the
               PostgreSQL backends of the run's database and the rest of the machine, from the first Tag
               call until every watcher got its last change.

Progress goes to stderr (when it is a terminal, or with --progress); a markdown report goes to stdout.
Ctrl-C stops the watcher processes and the servers and drops the database. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import grpc
import psycopg
from fanout_watchers import Established, Metadata, WatcherResult, WatcherSpec, run_watchers
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc
from psycopg.conninfo import conninfo_to_dict

# Shared with the Tag benchmark: the database, the server's start and stop, CPU accounting, formatting.
from tag_throughput import (
    CALL_TIMEOUT,
    DEFAULT_ADMIN_URL,
    ENV_URL,
    IMAGES,
    NAMESPACE,
    SERVER_START_TIMEOUT,
    _stop,
    bearer,
    create_project,
    fresh_database,
    machine_busy_seconds,
    postgres_cpu_seconds,
    process_cpu_seconds,
    progress_printer,
    read_announcement,
    server_version,
    spread,
    tag_request,
)

HERE = Path(__file__).parent
SERVERS = {
    "raw": "baseline: raw gRPC fan-out",
    "imagestreams": "imagestreams on PostgreSQL",
}
TAG = "t"
MAX_WATCHERS = 1000
# Watch calls per client channel (HTTP/2 connection).
PER_CHANNEL = 50
# Tag calls in flight at most; the schedule slips (and the report shows a lower Tag rate) beyond that.
MAX_IN_FLIGHT = 32
# How long the watchers may take, after the last Tag, to receive everything.
DRAIN_TIMEOUT = 60.0
# Lets the server settle after the last watch is established, before its RSS is read.
SETTLE = 0.5

Progress = Callable[[str], None]


# -- processes ----------------------------------------------------------------------------------------------


@dataclass
class ChildServer:
    process: subprocess.Popen[str]
    address: str
    # `authorization: Bearer TOKEN` with the token the server printed, for every call (kept out of reprs).
    metadata: Metadata = field(repr=False)
    # What the server wrote on stderr, filled in once it has stopped.
    log: list[str] = field(default_factory=list)


@contextmanager
def child_server(argv: Sequence[str]) -> Iterator[ChildServer]:
    """A server script in a child process that prints `port N` and `token T` once it serves; SIGTERM (then
    SIGKILL) on exit.

    The server runs in a session of its own, so a Ctrl-C reaches only this process, which stops the watchers
    before the server and the server before dropping its database."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, *argv], stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
        )
        server: ChildServer | None = None
        try:
            announced = read_announcement(process, SERVER_START_TIMEOUT)
            server = ChildServer(process, f"127.0.0.1:{announced.port}", bearer(announced.token))
            yield server
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise
        finally:
            _stop(process)
            if server is not None:
                log.seek(0)
                server.log = log.read().splitlines()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass(frozen=True)
class CpuSample:
    at: float
    client: float
    server: float
    postgres: float
    machine: float

    @classmethod
    def take(cls, server_pid: int, client_pids: Sequence[int], dbname: str | None) -> CpuSample:
        return cls(
            time.monotonic(),
            sum(process_cpu_seconds(pid) for pid in client_pids),
            process_cpu_seconds(server_pid),
            postgres_cpu_seconds(dbname) if dbname else 0.0,
            machine_busy_seconds(),
        )


def _receive(conn: Connection, process: BaseProcess, expected: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not conn.poll(1.0):
        if not process.is_alive():
            raise RuntimeError(f"a watcher process exited with code {process.exitcode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {expected!r} from a watcher process within {timeout:g} s")
    kind, payload = conn.recv()
    if kind == "error":
        raise RuntimeError(f"a watcher process failed:\n{payload}")
    if kind != expected:
        raise RuntimeError(f"expected {expected!r} from a watcher process, got {kind!r}")
    return payload


@dataclass
class WatcherProcesses:
    processes: list[BaseProcess]
    conns: list[Connection]
    specs: list[list[WatcherSpec]]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def receive(self, expected: str, timeout: float) -> list[Any]:
        return [_receive(c, p, expected, timeout) for c, p in zip(self.conns, self.processes, strict=True)]

    def send(self, payloads: Sequence[Any]) -> None:
        for conn, payload in zip(self.conns, payloads, strict=True):
            conn.send(payload)


@contextmanager
def watcher_processes(
    address: str, metadata: Metadata, specs: Sequence[WatcherSpec], count: int
) -> Iterator[WatcherProcesses]:
    """`count` processes (spawned, so no gRPC state is forked) sharing the watchers round-robin."""
    context = multiprocessing.get_context("spawn")
    shares = [list(specs[i::count]) for i in range(count) if specs[i::count]]
    started = WatcherProcesses([], [], shares)
    try:
        for share in shares:
            parent_end, child_end = context.Pipe()
            child = context.Process(
                target=run_watchers,
                args=(child_end, address, metadata, share, PER_CHANNEL),
                daemon=True,
                name="watchers",
            )
            started.conns.append(parent_end)
            started.processes.append(child)
            child.start()
            child_end.close()
        yield started
    finally:
        for process in started.processes:
            if process.pid is None:  # never started
                continue
            if process.is_alive():
                process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        for conn in started.conns:
            conn.close()


# -- writing and reading back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagRecord:
    position: int
    called: float
    returned: float
    error: str = ""


def setup_streams(address: str, metadata: Metadata, streams: int) -> None:
    """Creates every stream with its tag and moves it twice (back to IMAGES[0]): caches and code paths warm."""
    with grpc.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        for k in range(streams):
            for image in (IMAGES[0], IMAGES[1], IMAGES[0]):
                stub.Tag(tag_request(f"w{k}", TAG, image), timeout=CALL_TIMEOUT, metadata=metadata)


async def write_load(address: str, metadata: Metadata, rate: float, seconds: float, streams: int) -> list[TagRecord]:
    """Tag calls at `rate` per second (open loop: each starts on schedule whether or not the previous returned,
    up to MAX_IN_FLIGHT), round-robin over the streams; every call moves the stream's tag to the other digest."""
    count = max(1, round(rate * seconds))
    records: list[TagRecord] = []
    async with grpc.aio.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        await channel.channel_ready()
        slots = asyncio.Semaphore(MAX_IN_FLIGHT)

        async def tag(index: int) -> None:
            k, move = index % streams, index // streams
            request = tag_request(f"w{k}", TAG, IMAGES[(move + 1) % 2])
            called = time.monotonic()
            try:
                response = await stub.Tag(request, timeout=CALL_TIMEOUT, metadata=metadata)
                records.append(TagRecord(response.position, called, time.monotonic()))
            except grpc.aio.AioRpcError as error:
                records.append(TagRecord(-1, called, time.monotonic(), error.code().name))
            finally:
                slots.release()

        tasks = []
        start = time.monotonic()
        for index in range(count):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            tasks.append(asyncio.create_task(tag(index)))
        await asyncio.gather(*tasks)
    return records


Change = tuple[int, str, str]  # position, stream, tag


def read_back(address: str, metadata: Metadata, after: int, until: int) -> list[Change]:
    """Every change of the namespace after `after`, up to `until`, read from the server's log."""
    if until <= after:
        return []
    changes: list[Change] = []
    request = watch_api.WatchRequest(namespace=NAMESPACE, after_position=after, progress_interval_seconds=1)
    with grpc.insecure_channel(address) as channel:
        call = watch_grpc.WatchServiceStub(channel).Watch(request, timeout=DRAIN_TIMEOUT, metadata=metadata)
        try:
            for response in call:
                if not response.marker:
                    changes.append((response.position, response.stream, response.tag))
                if response.position >= until:
                    break
        finally:
            call.cancel()
    return changes


# -- one measurement ----------------------------------------------------------------------------------------


def watcher_specs(watchers: int, streams: int) -> list[WatcherSpec]:
    """Even-numbered watchers watch the whole namespace, odd-numbered ones one tag each, round-robin."""
    return [WatcherSpec() if i % 2 == 0 else WatcherSpec(f"w{(i // 2) % streams}", TAG) for i in range(watchers)]


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (nan if there are none)."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class Measurement:
    watchers: int
    established_s: float
    not_established: Counter[str]
    tags_ok: int
    tag_errors: Counter[str]
    tag_rate: float
    tag_ms: tuple[float, float]  # p50, p99
    expected: int
    received: int
    offered_per_s: float
    delivered_per_s: float
    latency_ms: tuple[float, float, float]  # p50, p99, max
    early_fraction: float  # received before the writer had the Tag's response
    event_lag_ms: tuple[float, float]  # p50, p99
    message_bytes: float
    missing: int
    duplicate: int
    out_of_order: int
    unexpected: int
    # Watchers the server ended (status name -> count), and the changes they did not get.
    ended: Counter[str]
    cut_off: int
    rss_before: int
    rss_established: int
    rss_after: int
    cpu: tuple[float, float, float, float]  # client, server, PostgreSQL, other: fractions of one core
    server_cpu_per_change: float  # seconds of server CPU per change received by a watcher

    def rss_per_watcher(self, rss: int) -> float:
        return (rss - self.rss_before) / self.watchers


def measure(server: ChildServer, args: argparse.Namespace, dbname: str | None, progress: Progress) -> Measurement:
    pid = server.process.pid
    specs = watcher_specs(args.watchers, args.streams)
    rss_before = rss_bytes(pid)
    with watcher_processes(server.address, server.metadata, specs, args.client_processes) as children:
        established: list[Established] = children.receive("established", SERVER_START_TIMEOUT + 10)
        time.sleep(SETTLE)
        rss_established = rss_bytes(pid)
        client_pids = [os.getpid(), *children.pids]
        established_s = max(e.last_at for e in established) - min(e.started_at for e in established)
        progress(f"    {sum(e.ok for e in established)}/{args.watchers} watches established in {established_s:.1f} s")
        cpu_before = CpuSample.take(pid, client_pids, dbname)
        records = asyncio.run(write_load(server.address, server.metadata, args.rate, args.seconds, args.streams))
        ok = sorted((r for r in records if not r.error), key=lambda r: r.position)
        first = min((e.first_position for e in established if e.ok), default=-1)
        last = ok[-1].position if ok else first
        changes = read_back(server.address, server.metadata, first, last) if first >= 0 else []
        expected = expected_positions(changes, specs)
        children.send(
            [("finish", ([_last(expected[spec]) for spec in share], DRAIN_TIMEOUT)) for share in children.specs]
        )
        children.receive("drained", DRAIN_TIMEOUT + 30)
        cpu_after = CpuSample.take(pid, client_pids, dbname)
        rss_after = rss_bytes(pid)
        children.send([("close", None)] * len(children.conns))
        shares: list[list[WatcherResult]] = children.receive("results", 60)
    results = [
        (spec, result)
        for share, rs in zip(children.specs, shares, strict=True)
        for spec, result in zip(share, rs, strict=True)
    ]
    return summarise(
        args,
        established,
        records,
        ok,
        expected,
        results,
        (rss_before, rss_established, rss_after),
        (cpu_before, cpu_after),
    )


def _last(positions: Sequence[int]) -> int:
    return positions[-1] if positions else -1


def expected_positions(changes: Sequence[Change], specs: Sequence[WatcherSpec]) -> dict[WatcherSpec, list[int]]:
    return {spec: [p for p, stream, tag in changes if spec.matches(stream, tag)] for spec in set(specs)}


def summarise(
    args: argparse.Namespace,
    established: Sequence[Established],
    records: Sequence[TagRecord],
    ok: Sequence[TagRecord],
    expected: dict[WatcherSpec, list[int]],
    results: Sequence[tuple[WatcherSpec, WatcherResult]],
    rss: tuple[int, int, int],
    cpu: tuple[CpuSample, CpuSample],
) -> Measurement:
    tag_positions = [r.position for r in ok]
    latencies: list[float] = []
    event_lags: list[float] = []
    early = 0
    missing = duplicate = out_of_order = unexpected = cut_off = expected_total = received_total = 0
    ended: Counter[str] = Counter()
    last_receipt = -math.inf
    size_bytes = sized = 0
    for spec, result in results:
        if result.start < 0:
            continue
        want = [p for p in expected[spec] if p > result.start]
        got = list(result.positions)
        expected_total += len(want)
        received_total += len(got)
        size_bytes, sized = size_bytes + result.size_bytes, sized + result.sized
        if got != want:
            got_set, want_set = set(got), set(want)
            if result.ended:
                cut_off += len(want_set - got_set)
            else:
                missing += len(want_set - got_set)
            duplicate += len(got) - len(got_set)
            unexpected += len(got_set - want_set)
            out_of_order += sum(1 for a, b in pairwise(got) if b < a)
        if result.ended:
            ended[result.ended] += 1
        event_lags.extend(result.event_lag)
        for position, received in zip(got, result.received, strict=True):
            last_receipt = max(last_receipt, received)
            index = bisect_left(tag_positions, position)
            if index == len(tag_positions):
                continue  # not from a Tag this benchmark saw return
            latency = received - ok[index].returned
            early += latency < 0
            latencies.append(latency)
    latencies.sort()
    event_lags.sort()
    calls = sorted(r.returned - r.called for r in ok)
    first_call = min((r.called for r in records), default=math.nan)
    span = (max(r.called for r in records) - first_call) + 1 / args.rate if records else math.nan
    before, after = cpu
    elapsed = after.at - before.at
    ours = [(after.client - before.client), (after.server - before.server), (after.postgres - before.postgres)]
    other = (after.machine - before.machine) - sum(ours)
    not_established: Counter[str] = sum((Counter(e.failures) for e in established), Counter())
    return Measurement(
        watchers=args.watchers,
        established_s=max(e.last_at for e in established) - min(e.started_at for e in established),
        not_established=not_established,
        tags_ok=len(ok),
        tag_errors=Counter(r.error for r in records if r.error),
        tag_rate=len(ok) / span,
        tag_ms=(percentile(calls, 50) * 1000, percentile(calls, 99) * 1000),
        expected=expected_total,
        received=received_total,
        offered_per_s=expected_total / span,
        delivered_per_s=received_total / (last_receipt - first_call) if received_total else 0.0,
        latency_ms=(
            percentile(latencies, 50) * 1000,
            percentile(latencies, 99) * 1000,
            latencies[-1] * 1000 if latencies else math.nan,
        ),
        early_fraction=early / len(latencies) if latencies else math.nan,
        event_lag_ms=(percentile(event_lags, 50) * 1000, percentile(event_lags, 99) * 1000),
        message_bytes=size_bytes / sized if sized else math.nan,
        missing=missing,
        duplicate=duplicate,
        out_of_order=out_of_order,
        unexpected=unexpected,
        ended=ended,
        cut_off=cut_off,
        rss_before=rss[0],
        rss_established=rss[1],
        rss_after=rss[2],
        cpu=(ours[0] / elapsed, ours[1] / elapsed, ours[2] / elapsed, other / elapsed),
        server_cpu_per_change=ours[1] / received_total if received_total else math.nan,
    )


# -- one run ------------------------------------------------------------------------------------------------

Run = dict[str, Measurement]


@dataclass
class Logs:
    """What the servers wrote on stderr (they log warnings and errors only), per server kind."""

    lines: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in SERVERS})


def measure_server(kind: str, admin_url: str, args: argparse.Namespace, logs: Logs, progress: Progress) -> Measurement:
    progress(f"  {kind}")
    if kind == "raw":
        with child_server([str(HERE / "raw_stream_server.py")]) as server:
            setup_streams(server.address, server.metadata, args.streams)
            measurement = measure(server, args, None, progress)
    else:
        with (
            fresh_database(admin_url) as url,
            child_server([str(HERE / "server_process.py"), "--database-url", url]) as server,
        ):
            create_project(server.address, server.metadata)
            setup_streams(server.address, server.metadata, args.streams)
            measurement = measure(server, args, str(conninfo_to_dict(url)["dbname"]), progress)
    logs.lines[kind].extend(server.log)
    m = measurement
    progress(
        f"    {m.tag_rate:.1f} Tags/s; {m.delivered_per_s:,.0f} of {m.offered_per_s:,.0f} changes/s delivered;"
        f" latency p50 {m.latency_ms[0]:.1f} ms, p99 {m.latency_ms[1]:.1f} ms, max {m.latency_ms[2]:.1f} ms;"
        f" missing {m.missing}, duplicate {m.duplicate}, out of order {m.out_of_order}, unexpected {m.unexpected};"
        f" ended by the server {_counts(m.ended)}; server RSS +{m.rss_per_watcher(m.rss_after) / 1024:.0f} KiB/watcher"
    )
    return measurement


def one_run(index: int, admin_url: str, args: argparse.Namespace, logs: Logs, progress: Progress) -> Run:
    order = list(SERVERS) if index % 2 == 0 else list(reversed(SERVERS))
    return {kind: measure_server(kind, admin_url, args, logs, progress) for kind in order}


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{code} x{count}" for code, count in sorted(counts.items())) or "0"


# -- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    unit: str
    value: Callable[[Measurement], float]
    digits: int = 0
    # Whether imagestreams / raw means anything for this row.
    ratio: bool = True


ROWS = (
    Row("watches established (all of them, from the first call)", "s", lambda m: m.established_s, 2),
    Row("Tag calls committed", "calls/s", lambda m: m.tag_rate, 1),
    Row("Tag call duration p50", "ms", lambda m: m.tag_ms[0], 1),
    Row("Tag call duration p99", "ms", lambda m: m.tag_ms[1], 1),
    Row("changes offered (expected deliveries / load duration)", "changes/s", lambda m: m.offered_per_s),
    Row("changes delivered, all watchers (first Tag to last receipt)", "changes/s", lambda m: m.delivered_per_s),
    Row("latency, Tag response to receipt, p50", "ms", lambda m: m.latency_ms[0], 1),
    Row("latency, Tag response to receipt, p99", "ms", lambda m: m.latency_ms[1], 1),
    Row("latency, Tag response to receipt, max", "ms", lambda m: m.latency_ms[2], 1),
    Row("received before the Tag response", "%", lambda m: m.early_fraction * 100, 1, ratio=False),
    Row("event time to receipt (wall clock), p50", "ms", lambda m: m.event_lag_ms[0], 1),
    Row("event time to receipt (wall clock), p99", "ms", lambda m: m.event_lag_ms[1], 1),
    Row("message size, mean", "bytes", lambda m: m.message_bytes, 1),
    Row("server RSS before the watches", "MiB", lambda m: m.rss_before / 2**20, 1),
    Row("server RSS per watcher, established", "KiB", lambda m: m.rss_per_watcher(m.rss_established) / 1024, 1),
    Row("server RSS per watcher, after the load", "KiB", lambda m: m.rss_per_watcher(m.rss_after) / 1024, 1),
    Row("server CPU per change delivered", "µs", lambda m: m.server_cpu_per_change * 1e6),
    Row("CPU, client processes", "% of a core", lambda m: m.cpu[0] * 100),
    Row("CPU, server process", "% of a core", lambda m: m.cpu[1] * 100),
    Row("CPU, PostgreSQL backends", "% of a core", lambda m: m.cpu[2] * 100, ratio=False),
    Row("CPU, everything else", "% of a core", lambda m: m.cpu[3] * 100, ratio=False),
)


def _spread(values: Sequence[float], digits: int) -> tuple[str, str]:
    finite = [v for v in values if math.isfinite(v)]
    return spread(finite, digits) if finite else ("n/a", "n/a")


def results_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| metric | unit | raw median | raw min-max | imagestreams median | imagestreams min-max |"
        " imagestreams / raw, median | min-max |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in ROWS:
        raw = _spread([row.value(run["raw"]) for run in runs], row.digits)
        ours = _spread([row.value(run["imagestreams"]) for run in runs], row.digits)
        ratio = ("", "")
        if row.ratio:
            pairs = [(row.value(run["imagestreams"]), row.value(run["raw"])) for run in runs]
            ratio = _spread([a / b if b else math.nan for a, b in pairs], 2)
        lines.append(
            f"| {row.label} | {row.unit} | {raw[0]} | {raw[1]} | {ours[0]} | {ours[1]} | {ratio[0]} | {ratio[1]} |"
        )
    return lines


def correctness_table(runs: Sequence[Run], logs: Logs) -> list[str]:
    lines = [
        "| server (all runs) | Tag calls ok | Tag errors | watches not established | changes expected | received |"
        " missing | duplicate | out of order | unexpected | watches ended by the server (changes cut off) |"
        " server log lines |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for kind, label in SERVERS.items():
        ms = [run[kind] for run in runs]
        tag_errors = sum((m.tag_errors for m in ms), Counter())
        not_established = sum((m.not_established for m in ms), Counter())
        ended = sum((m.ended for m in ms), Counter())
        cut = sum(m.cut_off for m in ms)
        lines.append(
            f"| {label} | {sum(m.tags_ok for m in ms):,} | {_counts(tag_errors)} | {_counts(not_established)} |"
            f" {sum(m.expected for m in ms):,} | {sum(m.received for m in ms):,} | {sum(m.missing for m in ms)} |"
            f" {sum(m.duplicate for m in ms)} | {sum(m.out_of_order for m in ms)} | {sum(m.unexpected for m in ms)} |"
            f" {_counts(ended)}{f' ({cut:,})' if ended else ''} | {len(logs.lines[kind])} |"
        )
    return lines


@dataclass(frozen=True)
class Setting:
    started: datetime
    load_average: float
    pg_version: str


def report(runs: Sequence[Run], logs: Logs, args: argparse.Namespace, setting: Setting) -> str:
    n, half = args.watchers, args.watchers // 2
    header = [
        f"Watch fan-out, {setting.started:%Y-%m-%d %H:%M} UTC: {len(runs)} runs; {n} watchers ({n - half} on the whole"
        f" namespace, {half} on one tag each of {args.streams} streams) in {args.client_processes} grpc.aio client"
        f" processes, {PER_CHANNEL} watches per channel; Tag at {args.rate:g}/s (open loop, round-robin over the"
        f" streams) for {args.seconds:g} s; each server in its own process.",
        f"Machine: {os.cpu_count()} CPUs, 1-min load average at start {setting.load_average:.2f}; Python "
        f"{platform.python_version()}, grpcio {grpc.__version__}, psycopg {psycopg.__version__}, "
        f"PostgreSQL {setting.pg_version}.",
        "Medians and min-max over runs; ratios are computed per run, then summarised. CPU is from the first Tag call"
        " until every watcher had its last change, in % of one core.",
        "",
    ]
    body = [*results_table(runs), "", *correctness_table(runs, logs), ""]
    for kind, lines in logs.lines.items():
        if lines:
            body += [f"First lines the {kind} server logged:", "", "```", *lines[:10], "```", ""]
    return "\n".join(header + body).rstrip() + "\n"


# -- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=500, help=f"concurrent Watch calls, 2-{MAX_WATCHERS} (500)")
    parser.add_argument("--rate", type=float, default=20.0, help="Tag calls per second (20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of Tag calls per measurement (10)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each with fresh servers and database (3)")
    parser.add_argument("--streams", type=int, default=10, help="streams the Tag calls go round (10)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the watchers share (2)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL),
        help=f"PostgreSQL role that may CREATE DATABASE (env {ENV_URL}, default {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal)",
    )
    args = parser.parse_args(argv)
    if not 2 <= args.watchers <= MAX_WATCHERS:
        parser.error(f"--watchers must be between 2 and {MAX_WATCHERS}")
    if args.rate <= 0 or args.seconds < 1 or args.runs < 1 or args.streams < 1 or args.client_processes < 1:
        parser.error("--rate must be > 0, --seconds >= 1, and --runs, --streams, --client-processes >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    progress = progress_printer(sys.stderr.isatty() if args.progress is None else args.progress)
    setting = Setting(datetime.now(UTC), os.getloadavg()[0], server_version(args.database_url))
    logs = Logs()
    runs: list[Run] = []
    for index in range(args.runs):
        progress(f"run {index + 1}/{args.runs}")
        runs.append(one_run(index, args.database_url, args, logs, progress))
    sys.stdout.write(report(runs, logs, args, setting))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the watcher processes, the servers and the database are cleaned up by then
        sys.exit(130)

"""What a tag's history costs its writes and reads: Tag and GetImageStreamTag on a tag with a long status
history, against the same calls on a tag with one entry, and a no-op gRPC call, all in the same run.

    .venv/bin/python bench/history_cost.py [--runs 5] [--moves 1000] [--samples 200] [--database-url URL]

Each run: a fresh database `bench_<hex>` and the server in a process of its own on it (bench/server_process.py,
access control on, no status history limit). One client then moves the tag `long:t` --moves times between two
digests (each call a real move: a new status entry), timing every call, and finally measures, --samples calls
each: the no-op call (grpc.health.v1.Health/Check); Tag on `long:t` (its history at --moves entries and
growing) alternating with Tag on a fresh tag of its own stream (its first moves); GetImageStreamTag on `long:t`
alternating with the same on a tag with one entry. One client, so each figure is a latency, not a rate under
contention.

Reported per run, then as median (min-max) over the runs:
  - Tag's rate over its first 100 moves and over its last 100 (of --moves), and the ratio last/first
    (target >= 0.95: a move costs the same at any history length);
  - Tag on the long tag / Tag on a new tag, and Get on the long tag / Get on a one-entry tag (targets >= 0.95);
  - each against the no-op call.
The markdown report goes to stdout, progress to stderr. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from tag_throughput import (
    CALL_TIMEOUT,
    DEFAULT_ADMIN_URL,
    ENV_URL,
    IMAGES,
    NAMESPACE,
    create_project,
    fresh_database,
    server_process,
    tag_request,
)

WINDOW = 100


@dataclass
class Run:
    first_moves: float  # calls/s over the first WINDOW moves of the long tag
    last_moves: float  # calls/s over the last WINDOW moves
    noop: float
    tag_long: float
    tag_new: float
    get_long: float
    get_short: float


def rate(latencies: Sequence[float]) -> float:
    """Calls per second of a run of calls made one after the other: 1 / the median latency."""
    return 1.0 / statistics.median(latencies)


def timed(call: Callable[[], object], count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


def timed_pair(a: Callable[[], object], b: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Both calls, alternately: the machine's drift during the measurement weighs on both alike."""
    first: list[float] = []
    second: list[float] = []
    for _ in range(count):
        first += timed(a, 1)
        second += timed(b, 1)
    return first, second


def one_run(admin_url: str, moves: int, samples: int, progress: Callable[[str], None]) -> Run:
    with fresh_database(admin_url) as url, server_process(url) as server:
        metadata = server.metadata
        create_project(server.address, metadata)
        with grpc.insecure_channel(server.address) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)

            def tag(stream: str, tag: str, n: int) -> None:
                stub.Tag(tag_request(stream, tag, IMAGES[n % 2]), timeout=CALL_TIMEOUT, metadata=metadata)

            tag("short", "t", 0)
            move_latencies = []
            for n in range(moves):
                start = time.perf_counter()
                tag("long", "t", n)
                move_latencies.append(time.perf_counter() - start)
                if (n + 1) % 250 == 0:
                    progress(f"  {n + 1} moves")
            counter = iter(range(moves, moves + 10 * samples))
            fresh = iter(range(10 * samples))
            noop = timed(
                lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=CALL_TIMEOUT, metadata=metadata),
                samples,
            )
            tag_long, tag_new = timed_pair(
                lambda: tag("long", "t", next(counter)), lambda: tag("fresh", "t", next(fresh)), samples
            )
            get_request = api.GetImageStreamTagRequest(namespace=NAMESPACE, stream="long", tag="t")
            short_request = api.GetImageStreamTagRequest(namespace=NAMESPACE, stream="short", tag="t")
            get_long, get_short = timed_pair(
                lambda: stub.GetImageStreamTag(get_request, timeout=CALL_TIMEOUT, metadata=metadata),
                lambda: stub.GetImageStreamTag(short_request, timeout=CALL_TIMEOUT, metadata=metadata),
                samples,
            )
    return Run(
        first_moves=rate(move_latencies[:WINDOW]),
        last_moves=rate(move_latencies[-WINDOW:]),
        noop=rate(noop),
        tag_long=rate(tag_long),
        tag_new=rate(tag_new),
        get_long=rate(get_long),
        get_short=rate(get_short),
    )


def summary(values: Sequence[float], digits: int = 0) -> str:
    fmt = f"{{:,.{digits}f}}"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--moves", type=int, default=1000, help="moves of the long tag before measuring")
    parser.add_argument("--samples", type=int, default=200, help="calls per measured key")
    parser.add_argument("--database-url", default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL))
    args = parser.parse_args()
    if args.moves < 2 * WINDOW:
        parser.error(f"--moves must be at least {2 * WINDOW}")

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    runs = []
    for index in range(args.runs):
        progress(f"run {index + 1}/{args.runs}")
        runs.append(one_run(args.database_url, args.moves, args.samples, progress))

    print(f"{args.runs} runs, PostgreSQL, one client; the long tag moved {args.moves} times first.\n")
    print("| calls/s (1 / median latency), median (min-max) over runs | value |")
    print("|---|---:|")
    rows: list[tuple[str, Callable[[Run], float]]] = [
        ("no-op gRPC (Health/Check)", lambda r: r.noop),
        (f"Tag, first {WINDOW} moves of the long tag", lambda r: r.first_moves),
        (f"Tag, last {WINDOW} of {args.moves} moves", lambda r: r.last_moves),
        (f"Tag, long tag ({args.moves}+ entries)", lambda r: r.tag_long),
        ("Tag, new tag (first moves)", lambda r: r.tag_new),
        (f"GetImageStreamTag, long tag ({args.moves}+ entries)", lambda r: r.get_long),
        ("GetImageStreamTag, one-entry tag", lambda r: r.get_short),
    ]
    for label, value in rows:
        print(f"| {label} | {summary([value(r) for r in runs])} |")
    print("\n| ratio, median (min-max) over runs | value | target |")
    print("|---|---:|---:|")
    ratios: list[tuple[str, Callable[[Run], float], str]] = [
        ("Tag, last moves / first moves", lambda r: r.last_moves / r.first_moves, ">= 0.95"),
        ("Tag, long tag / new tag", lambda r: r.tag_long / r.tag_new, ">= 0.95"),
        ("Get, long tag / one-entry tag", lambda r: r.get_long / r.get_short, ">= 0.95"),
        ("Tag, new tag / no-op", lambda r: r.tag_new / r.noop, ""),
        ("Get, one-entry tag / no-op", lambda r: r.get_short / r.noop, ""),
    ]
    for label, ratio, target in ratios:
        print(f"| {label} | {summary([ratio(r) for r in runs], 3)} | {target} |")


if __name__ == "__main__":
    main()

"""What a read of the past (`as_of`) costs as a stream's history grows, on PostgreSQL, beside a no-op baseline.

    .venv/bin/python bench/as_of.py [--runs 5] [--calls 5] [--moves 1000,10000] [--max-status-history 100]
        [--database-url URL]

One fresh database `bench_<hex>` (default postgresql://postgres@127.0.0.1:5432/postgres, or --database-url /
IMAGESTREAMS_BENCH_DATABASE_URL, a role that may CREATE DATABASE) gets, through the server
(bench/server_process.py, with access control, every call carrying the administrator's token), one stream per
entry of --moves: `h<N>`, whose tag `t` is moved N times by Tag between two digests (each move a new status
entry and one event of the stream). The positions of its first, middle and last move are remembered. The
server runs with --max-status-history (default 100), as a very busy stream should: without it every move
rewrites a status of all the moves before it (the stream's read-model document), so building 10,000 moves
slows to a crawl (about 40 moves/s at 2,500); with it each move past the limit adds a second event, the trim,
so the stream's log holds about twice as many events as moves.

Each run then starts the server afresh on that database and times, one client, one call at a time, --calls
calls of each:

  noop             grpc.health.v1.Health/Check: a gRPC round trip;
  describe         DescribeImageStream of h<N> as it is now (read model and cache);
  describe@newest  DescribeImageStream as of the position of the last move (the whole stream replayed);
  describe@middle  as of the middle move (half the stream replayed);
  describe@oldest  as of the first move (the stream's first events only);
  get, get@...     GetImageStreamTag of h<N>:t, the same way.

Per run, the median latency of each; the report gives the median of those over the runs and their min-max,
and the sizes of the events table per event (what the log costs to keep) and of the snapshots table. The
database is dropped at the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from tag_throughput import (
    CALL_TIMEOUT,
    DEFAULT_ADMIN_URL,
    ENV_URL,
    IMAGES,
    NAMESPACE,
    Metadata,
    create_project,
    fresh_database,
    server_process,
    server_version,
    tag_request,
)

POINTS = ("newest", "middle", "oldest")
# Calls of each kind before the clock starts: connects the channel, warms the server's caches.
WARMUP_CALLS = 2


@dataclass(frozen=True)
class History:
    stream: str
    moves: int
    # Log positions of the first, middle and last move.
    positions: dict[str, int]


@dataclass
class Run:
    # Name -> median latency of the run, milliseconds.
    latency_ms: dict[str, float] = field(default_factory=dict)


def build(address: str, metadata: Metadata, moves: int, progress: Callable[[str], None]) -> History:
    stream = f"h{moves}"
    positions: list[int] = []
    with grpc.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        requests = [tag_request(stream, "t", image) for image in IMAGES]
        started = time.monotonic()
        for n in range(moves):
            answer = stub.Tag(requests[n % 2], timeout=CALL_TIMEOUT, metadata=metadata)
            positions.append(answer.position)
            if n and n % 500 == 0:
                progress(f"  {stream}: {n} moves, {n / (time.monotonic() - started):.0f}/s")
    return History(stream, moves, {"oldest": positions[0], "middle": positions[moves // 2], "newest": positions[-1]})


def timed(call: Callable[[], object], calls: int) -> float:
    """The median latency of `calls` calls, in milliseconds."""
    for _ in range(WARMUP_CALLS):
        call()
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return statistics.median(latencies)


def one_run(address: str, metadata: Metadata, histories: Sequence[History], calls: int) -> Run:
    run = Run()
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        stub = api_grpc.ImageStreamServiceStub(channel)
        check = health_pb2.HealthCheckRequest(service="")
        options = {"timeout": CALL_TIMEOUT, "metadata": metadata}
        run.latency_ms["noop"] = timed(lambda: health.Check(check, **options), calls)
        for history in histories:
            name = history.stream

            def describe(as_of: api.AsOf | None = None, name: str = name) -> object:
                request = api.DescribeImageStreamRequest(namespace=NAMESPACE, name=name, as_of=as_of)
                return stub.DescribeImageStream(request, **options)

            def get(as_of: api.AsOf | None = None, name: str = name) -> object:
                request = api.GetImageStreamTagRequest(namespace=NAMESPACE, stream=name, tag="t", as_of=as_of)
                return stub.GetImageStreamTag(request, **options)

            for kind, read in (("describe", describe), ("get", get)):
                run.latency_ms[f"{name} {kind}"] = timed(read, calls)
                for point in POINTS:
                    at = api.AsOf(position=history.positions[point])
                    run.latency_ms[f"{name} {kind}@{point}"] = timed(lambda read=read, at=at: read(at), calls)
    return run


def events_size(database_url: str) -> tuple[int, int]:
    """(rows, bytes with indexes) of the events table."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        # The event store's table: the one with the log's positions (read-model tables have none).
        row = conn.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.columns"
            " WHERE column_name = 'notification_id' AND table_name LIKE '%%events' LIMIT 1"
        ).fetchone()
        assert row is not None, "no events table"
        table = row[0]
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()
    return int(count[0] if count else 0), int(size[0] if size else 0)


def snapshots_size(database_url: str) -> tuple[int, int]:
    """(rows, bytes with indexes) of the snapshots table (0, 0 without one)."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
            " WHERE table_name LIKE '%%snapshots' LIMIT 1"
        ).fetchone()
        if row is None:
            return 0, 0
        count = conn.execute(f"SELECT count(*) FROM {row[0]}").fetchone()
        size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (row[0],)).fetchone()
    return int(count[0] if count else 0), int(size[0] if size else 0)


def report(
    runs: Sequence[Run],
    histories: Sequence[History],
    size: tuple[int, int],
    args: argparse.Namespace,
    pg: str,
    snapshots: tuple[int, int] = (0, 0),
) -> list[str]:
    lines = [
        f"`bench/as_of.py --runs {args.runs} --calls {args.calls} --moves {args.moves} "
        f"--max-status-history {args.max_status_history}`, "
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {pg}. Latency of one call (one client), ms: median over the runs of each run's median "
        f"of {args.calls} calls, and min-max.",
        "",
        "| call | history | median ms | min-max | / present read |",
        "|---|---|---|---|---|",
    ]
    noop = [run.latency_ms["noop"] for run in runs]
    lines.append(f"| Health/Check (no-op) | - | {statistics.median(noop):.2f} | {min(noop):.2f}-{max(noop):.2f} | - |")
    for history in histories:
        for kind, label in (("describe", "DescribeImageStream"), ("get", "GetImageStreamTag")):
            present = statistics.median(run.latency_ms[f"{history.stream} {kind}"] for run in runs)
            for suffix, what in [("", "now")] + [(f"@{p}", f"as_of {p}") for p in POINTS]:
                values = [run.latency_ms[f"{history.stream} {kind}{suffix}"] for run in runs]
                median = statistics.median(values)
                lines.append(
                    f"| {label} {what} | {history.moves:,} moves | {median:.2f} | "
                    f"{min(values):.2f}-{max(values):.2f} | {median / present:.1f}x |"
                )
    rows, total = size
    mib = total / 1024 / 1024
    lines += ["", f"Events table: {rows:,} events, {mib:.1f} MiB with indexes, {total / rows:.0f} bytes per event."]
    count, snapshot_bytes = snapshots
    if count:
        lines.append(
            f"Snapshots table: {count:,} snapshots, {snapshot_bytes / 1024 / 1024:.1f} MiB with indexes, "
            f"{snapshot_bytes / count:,.0f} bytes per snapshot, {snapshot_bytes / rows:.0f} bytes per event of the log."
        )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5, help="timed calls of each kind per run")
    parser.add_argument("--moves", default="1000,10000", help="comma-separated history lengths")
    parser.add_argument(
        "--max-status-history", type=int, default=100, help="the server's status history limit (0: none)"
    )
    parser.add_argument("--database-url", default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    lengths = [int(n) for n in args.moves.split(",")]
    with fresh_database(args.database_url) as url:
        limit = ("--max-status-history", str(args.max_status_history))
        with server_process(url, *limit) as server:
            token = server.token
            create_project(server.address, server.metadata)
            histories = []
            for moves in lengths:
                progress(f"building a history of {moves} moves")
                histories.append(build(server.address, server.metadata, moves, progress))
        runs = []
        for index in range(args.runs):
            progress(f"run {index + 1}/{args.runs}")
            with server_process(url, *limit, known_token=token) as server:
                runs.append(one_run(server.address, server.metadata, histories, args.calls))
        size = events_size(url)
        snapshots = snapshots_size(url)
    print("\n".join(report(runs, histories, size, args, server_version(args.database_url), snapshots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

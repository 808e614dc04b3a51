"""Soak: a real server on PostgreSQL under steady mixed load for a long time, with watchers that keep
reconnecting; every error is counted (there must be none) and the server's memory must stay flat.

    .venv/bin/python bench/soak.py [--minutes 10] [--writers 3] [--readers 2] [--watchers 4] [--rate 40]
        [--reconnect 20] [--warmup 0.2] [--database-url URL] [--max-status-history N]

One fresh database `bench_<hex>` (default postgresql://postgres@127.0.0.1:5432/postgres, or --database-url /
IMAGESTREAMS_BENCH_DATABASE_URL, a role that may CREATE DATABASE), the server in a process of its own on it
(bench/server_process.py, access control on: every call carries the administrator's token), the project
"soak". Then, for --minutes:

  writers   --writers threads, --rate writes per second in all (open loop, paced), cycling through
            CreateImageStreamMapping (a fresh digest at one of 8 tags of the writer's 4 streams), Tag (a
            fresh digest into a new tag) and DeleteTag (the oldest tag the writer made): the log and the
            histories grow all along, the number of live tags does not;
  readers   --readers threads, at the same rate in all: GetImageStreamTag, ListImageStreams, ListTagHistory
            (one page of 50) and DescribeImageStream of the writers' streams;
  watchers  --watchers threads, each watching the namespace, giving its watch a deadline of --reconnect
            seconds (+/- 25 %) and then opening a new one after the last position it received, as a client
            resuming after a dropped connection does. Each checks that positions only go up (nothing twice,
            nothing out of order, across reconnects too).

Errors: any status but OK, except a watch's own deadline; a watch that gets a position twice or out of order.
Memory: the server process's RSS (/proc/PID/status VmRSS), sampled every --sample seconds; "start" is the
first sample after the warm-up (--warmup, a fraction of the run: pools, caches and the allocator settle
first), "end" the last. Verdict: PASS when there were no errors and RSS at the end is within 10 % of the start.
The markdown report goes to stdout; exit code 1 on FAIL. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc
from tag_throughput import DEFAULT_ADMIN_URL, ENV_URL, Metadata, create_project, fresh_database, server_process

NAMESPACE = "soak"
REGISTRY = "registry.example.com/soak"
STREAMS_PER_WRITER = 4
MAPPED_TAGS = 8
CALL_TIMEOUT = 30.0
# RSS at the end may differ from RSS at the start by this fraction at most.
MEMORY_TOLERANCE = 0.10


def digest(*parts: object) -> str:
    return "sha256:" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Tally:
    """What every thread reports, under one lock."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    reconnects: int = 0
    changes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, kind: str, fn: Callable[[], object]) -> object | None:
        try:
            result = fn()
        except grpc.RpcError as error:
            self.error(kind, f"{error.code().name}: {(error.details() or '')[:200]}")
            return None
        with self.lock:
            self.calls[kind] += 1
        return result

    def error(self, kind: str, text: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.examples) < 10:
                self.examples.append(f"{kind}: {text}")


class Pacer:
    """`rate` events per second shared by `threads` threads: each waits for its own slots (open loop)."""

    def __init__(self, rate: float, threads: int) -> None:
        self.interval = threads / rate if rate > 0 else 0.0

    def wait(self, start: float, n: int, stop: threading.Event) -> bool:
        delay = start + n * self.interval - time.monotonic()
        return not stop.wait(delay) if delay > 0 else not stop.is_set()


def writer(index: int, address: str, metadata: Metadata, pacer: Pacer, tally: Tally, stop: threading.Event) -> None:
    streams = [f"w{index}-{k}" for k in range(STREAMS_PER_WRITER)]
    made: list[tuple[str, str]] = []
    with grpc.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        start = time.monotonic()
        for n in itertools.count():
            if not pacer.wait(start, n, stop):
                return
            stream = streams[n % len(streams)]
            image = digest(index, n)
            op = n % 3
            if op == 0:
                request = api.CreateImageStreamMappingRequest(
                    namespace=NAMESPACE,
                    name=stream,
                    tag=f"m{n % MAPPED_TAGS}",
                    image=pb.Image(name=image, docker_image_reference=f"{REGISTRY}/{stream}@{image}"),
                )
                tally.call(
                    "CreateImageStreamMapping",
                    lambda r=request: stub.CreateImageStreamMapping(r, timeout=CALL_TIMEOUT, metadata=metadata),
                )
            elif op == 1 or not made:
                tag = f"t{n}"
                request = api.TagRequest(
                    namespace=NAMESPACE,
                    source=pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=f"{REGISTRY}/src@{image}"),
                    destinations=[api.TagDestination(stream=stream, tag=tag)],
                )
                if tally.call("Tag", lambda r=request: stub.Tag(r, timeout=CALL_TIMEOUT, metadata=metadata)):
                    made.append((stream, tag))
            else:
                old_stream, old_tag = made.pop(0)
                request = api.DeleteTagRequest(namespace=NAMESPACE, stream=old_stream, tag=old_tag)
                tally.call("DeleteTag", lambda r=request: stub.DeleteTag(r, timeout=CALL_TIMEOUT, metadata=metadata))


READ_CALLS: dict[str, Callable[[api_grpc.ImageStreamServiceStub, str, str, Metadata], object]] = {
    "GetImageStreamTag": lambda stub, stream, tag, metadata: stub.GetImageStreamTag(
        api.GetImageStreamTagRequest(namespace=NAMESPACE, stream=stream, tag=tag),
        timeout=CALL_TIMEOUT,
        metadata=metadata,
    ),
    "ListImageStreams": lambda stub, stream, tag, metadata: stub.ListImageStreams(
        api.ListImageStreamsRequest(namespace=NAMESPACE, page_size=20), timeout=CALL_TIMEOUT, metadata=metadata
    ),
    "ListTagHistory": lambda stub, stream, tag, metadata: stub.ListTagHistory(
        api.ListTagHistoryRequest(namespace=NAMESPACE, stream=stream, page_size=50),
        timeout=CALL_TIMEOUT,
        metadata=metadata,
    ),
    "DescribeImageStream": lambda stub, stream, tag, metadata: stub.DescribeImageStream(
        api.DescribeImageStreamRequest(namespace=NAMESPACE, name=stream), timeout=CALL_TIMEOUT, metadata=metadata
    ),
}
READS = tuple(READ_CALLS)


def reader(
    index: int, address: str, metadata: Metadata, writers: int, pacer: Pacer, tally: Tally, stop: threading.Event
) -> None:
    rng = random.Random(index)
    with grpc.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        start = time.monotonic()
        for n in itertools.count():
            if not pacer.wait(start, n, stop):
                return
            # Stream k of each writer holds the mapped tags m<k> and m<k + STREAMS_PER_WRITER>.
            k = rng.randrange(STREAMS_PER_WRITER)
            stream = f"w{rng.randrange(writers)}-{k}"
            kind = READS[n % len(READS)]
            try:
                READ_CALLS[kind](stub, stream, f"m{k}", metadata)
            except grpc.RpcError as error:
                # A stream or tag no writer has reached yet (the first seconds) is not an error of the server.
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    tally.error(kind, f"{error.code().name}: {(error.details() or '')[:200]}")
                else:
                    with tally.lock:
                        tally.calls[f"{kind} (NOT_FOUND)"] += 1
                continue
            with tally.lock:
                tally.calls[kind] += 1


def watcher(
    index: int,
    address: str,
    metadata: Metadata,
    reconnect: float,
    tally: Tally,
    stop: threading.Event,
    open_watches: dict[int, grpc.Call],
) -> None:
    rng = random.Random(1000 + index)
    last = 0
    with grpc.insecure_channel(address) as channel:
        stub = watch_grpc.WatchServiceStub(channel)
        first = True
        while not stop.is_set():
            request = watch_api.WatchRequest(namespace=NAMESPACE)
            if first:
                request.from_now = True
            else:
                request.after_position = last
            call = stub.Watch(request, timeout=reconnect * rng.uniform(0.75, 1.25), metadata=metadata)
            open_watches[index] = call  # cancelled by main() at the end of the run
            if stop.is_set():
                call.cancel()
            try:
                for response in call:
                    if response.marker:  # progress and snapshot markers carry no change
                        continue
                    if response.position <= last:
                        tally.error("Watch", f"position {response.position} after {last}")
                    last = max(last, response.position)
                    with tally.lock:
                        tally.changes += 1
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                    tally.error("Watch", f"{error.code().name}: {(error.details() or '')[:200]}")
            first = False
            with tally.lock:
                tally.calls["Watch"] += 1
                tally.reconnects += 1


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_kib: int


def report(args: argparse.Namespace, tally: Tally, samples: Sequence[Sample], warmup: float, elapsed: float) -> str:
    after = [s for s in samples if s.seconds >= warmup] or list(samples)
    start, end = after[0], after[-1]
    change = (end.rss_kib - start.rss_kib) / start.rss_kib
    errors = sum(tally.errors.values())
    flat = abs(change) <= MEMORY_TOLERANCE
    lines = [
        f"# Soak, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{elapsed / 60:.1f} minutes on PostgreSQL; {args.writers} writers and {args.readers} readers at "
        f"{args.rate:g} calls/s each group, {args.watchers} watchers reconnecting every ~{args.reconnect:g} s; "
        f"{os.cpu_count()} CPUs.",
        "",
        "| calls | OK | errors |",
        "|---|---|---|",
    ]
    for kind in sorted(set(tally.calls) | set(tally.errors)):
        lines.append(f"| {kind} | {tally.calls[kind]} | {tally.errors[kind]} |")
    lines += [
        "",
        f"Watch changes received: {tally.changes}, over {tally.reconnects} watches (reconnects included).",
        "",
        f"Server RSS: {start.rss_kib / 1024:.1f} MiB at {start.seconds:.0f} s (after the warm-up), "
        f"{end.rss_kib / 1024:.1f} MiB at {end.seconds:.0f} s: {change:+.1%}; "
        f"max {max(s.rss_kib for s in samples) / 1024:.1f} MiB, first sample {samples[0].rss_kib / 1024:.1f} MiB.",
        "",
        "RSS samples (s: MiB): " + ", ".join(f"{s.seconds:.0f}: {s.rss_kib / 1024:.1f}" for s in samples),
        "",
        f"Errors: {errors}" + (" (" + "; ".join(tally.examples) + ")" if tally.examples else ""),
        "",
        f"Verdict: {'PASS' if errors == 0 and flat else 'FAIL'} (0 errors; RSS within {MEMORY_TOLERANCE:.0%})",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run (10)")
    parser.add_argument("--writers", type=int, default=3, help="writer threads (3)")
    parser.add_argument("--readers", type=int, default=2, help="reader threads (2)")
    parser.add_argument("--watchers", type=int, default=4, help="watcher threads (4)")
    parser.add_argument("--rate", type=float, default=40.0, help="writes/s of all writers, and reads/s of all readers")
    parser.add_argument("--reconnect", type=float, default=20.0, help="seconds each watch lasts (+/- 25%%) (20)")
    parser.add_argument("--warmup", type=float, default=0.2, help="fraction of the run before RSS 'start' (0.2)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples (10)")
    parser.add_argument(
        "--max-status-history",
        type=int,
        default=0,
        help="the server keeps this many entries of each tag's status history (0: all, the default)",
    )
    parser.add_argument("--database-url", default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    seconds = args.minutes * 60
    tally = Tally()
    stop = threading.Event()
    samples: list[Sample] = []
    open_watches: dict[int, grpc.Call] = {}
    options = ["--max-status-history", str(args.max_status_history)] if args.max_status_history else []
    with fresh_database(args.database_url) as url, server_process(url, *options) as server:
        create_project(server.address, server.metadata, NAMESPACE)
        writes, reads = Pacer(args.rate, args.writers), Pacer(args.rate, args.readers)
        threads = [
            threading.Thread(
                target=watcher,
                args=(i, server.address, server.metadata, args.reconnect, tally, stop, open_watches),
            )
            for i in range(args.watchers)
        ]
        threads += [
            threading.Thread(target=writer, args=(i, server.address, server.metadata, writes, tally, stop))
            for i in range(args.writers)
        ]
        threads += [
            threading.Thread(target=reader, args=(i, server.address, server.metadata, args.writers, reads, tally, stop))
            for i in range(args.readers)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            while (elapsed := time.monotonic() - began) < seconds:
                samples.append(Sample(elapsed, rss_kib(server.process.pid)))
                print(
                    f"{elapsed:5.0f} s  rss {samples[-1].rss_kib / 1024:.1f} MiB  calls {sum(tally.calls.values())}"
                    f"  errors {sum(tally.errors.values())}",
                    file=sys.stderr,
                    flush=True,
                )
                time.sleep(min(args.sample, max(0.0, seconds - elapsed)))
            samples.append(Sample(time.monotonic() - began, rss_kib(server.process.pid)))
        finally:
            stop.set()
            for call in list(open_watches.values()):
                call.cancel()
            for thread in threads:
                thread.join(CALL_TIMEOUT + 5)
        elapsed = time.monotonic() - began
    text = report(args, tally, samples, args.warmup * seconds, elapsed)
    print(text)
    return 0 if "Verdict: PASS" in text else 1


if __name__ == "__main__":
    sys.exit(main())

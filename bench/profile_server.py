"""Where the server's CPU goes under load: py-spy samples the server process while clients call one RPC.

    .venv/bin/python bench/profile_server.py --load tag [--seconds 8] [--clients 4] [--speedscope out.json]
        [--store postgres|sqlite]

Starts a fresh database and server as bench/tag_throughput.py does, prepares the tags, then runs --clients
closed-loop clients of one kind (--load: `noop` Health/Check, `tag` Tag on own streams, `get`
GetImageStreamTag, `stream` GetImageStream) for --seconds while `py-spy record` samples the server at 200 Hz
(only the thread holding the GIL, so a thread blocked on PostgreSQL or on a lock is not counted). Prints the call
rate, the server's CPU per call from /proc, and a table of that CPU by layer: each sample is charged to the
innermost frame of ours or of a library we call (psycopg, eventsourcing, gRPC, protobuf, asyncio...), and,
separately, to every layer that appears anywhere on its stack. --speedscope keeps the samples for
https://www.speedscope.app. py-spy needs ptrace rights on the server (root, or ptrace_scope 0). Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from tag_throughput import (
    DEFAULT_ADMIN_URL,
    NAMESPACE,
    Client,
    CpuSample,
    GetTagClient,
    HealthClient,
    TagClient,
    create_project,
    create_tags,
    measure_with,
    server_process,
    store_for_run,
    tag_images,
)

PY_SPY = Path(sys.executable).with_name("py-spy")
RATE_HZ = 200

# (layer, what a frame's file path contains), the first match wins; checked from the innermost frame out.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("conversion (api/convert)", ("api/convert.py",)),
    ("access guard", ("api/access_guard.py", "api/access_rules.py", "domain/policy.py", "access_snapshot.py")),
    ("api (servicers, blocking, idempotent)", ("imagestreams_server/api/",)),
    ("application", ("imagestreams_server/application/",)),
    ("domain", ("imagestreams_server/domain/",)),
    ("store (read models, recorders)", ("imagestreams_server/store/",)),
    ("eventsourcing", ("eventsourcing/",)),
    ("psycopg", ("psycopg/", "psycopg_pool/", "psycopg_binary")),
    ("protobuf", ("google/protobuf",)),
    ("gRPC", ("grpc/", "grpc_health", "grpc_reflection", "grpc_status")),
    ("json", ("json/",)),
    ("asyncio loop", ("asyncio/", "selectors.py")),
    ("thread pool", ("concurrent/futures", "threading.py", "queue.py")),
)


def layer_of(frame: str) -> str | None:
    for layer, needles in LAYERS:
        if any(n in frame for n in needles):
            return layer
    return None


class GetStreamClient:
    def __init__(self, address: str, metadata: tuple[tuple[str, str], ...], stream: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = api_grpc.ImageStreamServiceStub(self.channel)
        self.request = api.GetImageStreamRequest(namespace=NAMESPACE, name=stream)
        self.metadata = metadata

    def call(self) -> None:
        self.stub.GetImageStream(self.request, timeout=30.0, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()


def summarize(raw: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Samples in all, by innermost known layer (self), and by every layer on the stack (inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        layers = [layer_of(f) for f in frames]
        known = [layer for layer in layers if layer]
        own[known[-1] if known else "other (stdlib, C)"] += count
        for layer in set(known):
            inclusive[layer] += count
    return total, own, inclusive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load", choices=("noop", "tag", "get", "stream"), required=True)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres", help="the server's store")
    parser.add_argument(
        "--images", choices=("shared", "own"), default="shared", help="Tag's images: see tag_throughput.py"
    )
    parser.add_argument("--speedscope", type=Path, help="also write the samples in speedscope's format here")
    parser.add_argument("--raw", type=Path, help="also keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    n = args.clients
    with store_for_run(args.store, args.database_url) as (url, _, dbname), server_process(url) as server:
        address, metadata = server.address, server.metadata
        create_project(address, metadata)
        create_tags(address, metadata, [f"g{i}" for i in range(n)], "t")
        makers: dict[str, Callable[[int], Client]] = {
            "noop": lambda i: HealthClient(address, metadata),
            "tag": lambda i: TagClient(address, metadata, f"s{i}", "t", tag_images(args.images, f"s{i}", "t")),
            "get": lambda i: GetTagClient(address, metadata, f"g{i}", "t"),
            "stream": lambda i: GetStreamClient(address, metadata, f"g{i}"),
        }
        cpu = functools.partial(CpuSample.take, server.process.pid, dbname)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.txt"
            fmt = ["--format", "raw", "-o", str(raw)]
            spy = [str(PY_SPY), "record", "--pid", str(server.process.pid), "--rate", str(RATE_HZ)]
            spy += ["--nonblocking", "--gil"]
            duration = ["--duration", str(int(args.seconds) + 2)]
            sampler = subprocess.Popen([*spy, *duration, *fmt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
            result: dict[str, object] = {}
            worker = threading.Thread(
                target=lambda: result.update(m=measure_with(makers[args.load], n, args.seconds, cpu)), daemon=True
            )
            worker.start()
            worker.join()
            sampler.wait(timeout=60)
            measurement = result["m"]
            total, own, inclusive = summarize(raw)
            if args.speedscope:
                speedscope_from_raw(raw, args.speedscope)
            if args.raw:
                args.raw.write_text(raw.read_text())
    rate = measurement.rate  # type: ignore[attr-defined]
    server_cpu = measurement.server_cpu  # type: ignore[attr-defined]
    pg_cpu = measurement.postgres_cpu  # type: ignore[attr-defined]
    ms_per_call = server_cpu * 1000 / rate
    print(f"load {args.load}: {rate:,.0f} calls/s, {n} clients, {args.seconds:g} s")
    pg_ms = pg_cpu * 1000 / rate
    print(f"server CPU {server_cpu * 100:.0f} % of a core = {ms_per_call:.3f} ms/call; PG {pg_ms:.3f} ms/call")
    print(f"samples: {total} at {RATE_HZ} Hz (GIL holder only)")
    # A sample is 1/RATE_HZ s of the GIL held; the load ran for `seconds` of the sampled window.
    calls = measurement.calls  # type: ignore[attr-defined]
    print(f"GIL held {total / RATE_HZ * 1000 / calls:.3f} ms/call (sampled; includes the second before and after)")
    print()
    print("| layer | self % | self ms/call | inclusive % | inclusive ms/call |")
    print("|---|---:|---:|---:|---:|")
    for layer, count in own.most_common():
        share, inc = count / total, inclusive[layer]
        print(
            f"| {layer} | {share * 100:.1f} | {count / RATE_HZ * 1000 / calls:.3f} |"
            f" {inc / total * 100:.1f} | {inc / RATE_HZ * 1000 / calls:.3f} |"
        )
    return 0


def speedscope_from_raw(raw: Path, out: Path) -> None:
    """py-spy's collapsed stacks as a speedscope 'sampled' profile."""
    import json

    frames: dict[str, int] = {}
    samples: list[list[int]] = []
    weights: list[int] = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples.append([frames.setdefault(f, len(frames)) for f in stack.split(";")])
        weights.append(int(count))
    doc = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": f} for f in frames]},
        "profiles": [
            {
                "type": "sampled",
                "name": "server",
                "unit": "none",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
    }
    out.write_text(json.dumps(doc))


if __name__ == "__main__":
    sys.exit(main())

"""Tag and GetImageStreamTag throughput against a real server on PostgreSQL, next to two baselines.

    .venv/bin/python bench/tag_throughput.py [--runs 5] [--seconds 5] [--clients 4] [--database-url URL]
        [--store postgres|sqlite] [--images shared|own]

Each run creates a fresh database `bench_<hex>` on the PostgreSQL server (default
postgresql://postgres@127.0.0.1:5432/postgres, or --database-url / IMAGESTREAMS_BENCH_DATABASE_URL, a role that
may CREATE DATABASE), starts the server in a separate process on it (bench/server_process.py), and measures, one
after the other and for --seconds each, with --clients concurrent clients:

  noop    grpc.health.v1.Health/Check on the same server (calls/s): the cost of a gRPC round trip;
  insert  psycopg single-row INSERT + COMMIT into a scratch table, one connection per client (inserts/s);
  tag     Tag, each client moving its own tag of its own stream between two digests (calls/s); with
          --images shared (the default) every client uses the same two, with --images own two of its own;
  tag1    Tag, every client moving its own tag of ONE shared stream (optimistic-concurrency retries);
  get     GetImageStreamTag on tags created before the measurements, with one history entry each (calls/s);
  get_long  GetImageStreamTag on the tags `tag` just moved (hundreds of history entries each);
  get_stream  GetImageStream on the streams of `get`.

With --store sqlite the server runs on the embedded store instead (a fresh SQLite file in a temporary directory
per run, as `isctl serve` keeps it by default), and baseline B is the same INSERT + COMMIT into a scratch SQLite
file beside it, in the same journal mode (WAL), one connection per client.

The server runs with access control: it prints the cluster administrator's token it created on the fresh
database, every call carries it (`authorization: Bearer ...`), and the project "bench" is created first. The
server is stopped and the database dropped after each run. Progress goes to stderr (when it is a
terminal, or with --progress); a markdown report goes to stdout. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import os
import platform
import secrets
import select
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlencode

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import resources_pb2 as pb
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENV_URL = "IMAGESTREAMS_BENCH_DATABASE_URL"
SERVER_SCRIPT = Path(__file__).with_name("server_process.py")
NAMESPACE = "bench"
DIGESTS = tuple("sha256:" + hashlib.sha256(seed).hexdigest() for seed in (b"bench-a", b"bench-b"))
IMAGES = tuple(f"registry.example.com/team/app@{digest}" for digest in DIGESTS)


def own_images(stream: str, tag: str) -> tuple[str, ...]:
    """Two images of one client's own. A command holds every aggregate it loads until it saves (the image of
    a Tag too), so clients that tag the same image take turns in the server; with images of their own they
    do not, and their appends can meet in one transaction (group commit)."""
    seeds = (f"bench-{stream}-{tag}-{x}".encode() for x in "ab")
    return tuple(f"registry.example.com/team/app@sha256:{hashlib.sha256(seed).hexdigest()}" for seed in seeds)


def tag_images(images: str, stream: str, tag: str) -> Sequence[str]:
    """The two images a Tag client moves its tag between, for --images shared|own."""
    return IMAGES if images == "shared" else own_images(stream, tag)


# Calls each client makes before the clock starts: connects the channel, warms caches and prepared statements.
WARMUP_CALLS = 10
CALL_TIMEOUT = 30.0
SERVER_START_TIMEOUT = 120.0
# What goes before the host in a postgresql:// URL; every other parameter is put in its query string.
_URL_USERINFO = frozenset({"user", "password", "dbname"})

# Clients are threads of this process, each with its own gRPC channel (or psycopg connection), not processes.
# A blocking call releases the GIL while it waits in gRPC's C core (or libpq), so only the Python work per call
# (building and parsing a small message, tens of microseconds) is shared by the threads. toolchain.md section 5
# measured this very client set-up (sync client, 4 threads, 4 channels) against an aio server, like ours, at
# 4.3k-4.7k no-op calls/s on this machine: the client limits the no-op baseline about as much as it did there,
# and calls that cost the server ten times more (Tag, Get) far less. Processes would add three interpreters
# competing for the same 2 cores without removing that per-call work. The report shows the client's CPU share
# of every measurement, to check this.


# -- database -----------------------------------------------------------------------------------------------


def url_with_dbname(url: str, dbname: str) -> str:
    """The same connection as `url` (a libpq URL or key=value string), to database `dbname`, as a
    postgresql:// URL (the only form the service's configuration accepts)."""
    params = conninfo_to_dict(make_conninfo(url, dbname=dbname))
    clean = {k: str(v) for k, v in params.items() if v is not None}
    userinfo = ""
    if "user" in clean:
        userinfo = quote(clean["user"], safe="")
        if "password" in clean:
            userinfo += ":" + quote(clean["password"], safe="")
        userinfo += "@"
    # host and port too: libpq reads `?host=...&port=...` verbatim, which sidesteps encoding socket directories
    # and multi-host lists in the authority.
    query = urlencode(sorted((k, v) for k, v in clean.items() if k not in _URL_USERINFO))
    return f"postgresql://{userinfo}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """Creates `bench_<8 hex>`, yields a URL to it, and drops it (ending any session still on it)."""
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url_with_dbname(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_version(admin_url: str) -> str:
    with psycopg.connect(admin_url, connect_timeout=10) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# -- the server process -------------------------------------------------------------------------------------

# gRPC metadata that authenticates a call: `authorization: Bearer TOKEN`.
Metadata = tuple[tuple[str, str], ...]


def bearer(token: str) -> Metadata:
    """The metadata every call of the load generators carries. It is passed per call (`metadata=`), not added
    by a channel interceptor (`grpc.intercept_channel`), which wraps each call in another layer of Python (the
    call details rebuilt, a continuation, an outcome object): on this machine a Health/Check cost the client
    about 292 µs of CPU through an interceptor, 247 µs with `metadata=` and 240 µs with no metadata (medians of
    10 x 1,500 calls, interleaved). The client shares the machine's 2 cores with the server."""
    return (("authorization", f"Bearer {token}"),)


@dataclass(frozen=True)
class ServerProcess:
    process: subprocess.Popen[str]
    address: str
    # The cluster administrator's token, and `authorization: Bearer <it>` for every call (kept out of reprs).
    token: str = field(repr=False)
    metadata: Metadata = field(repr=False)


@dataclass(frozen=True)
class Announced:
    port: int
    # The cluster administrator's token.
    token: str = field(repr=False)


def _read_lines(process: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """The first `count` lines the server prints, read from its stdout's descriptor: a buffered readline could
    take both announcement lines into its buffer, where select() no longer sees them."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    data = b""
    while data.count(b"\n") < count:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:  # timed out, or the process closed its stdout (it ended)
            break
        data += chunk
    return data.decode(errors="replace").splitlines()[:count]


def read_announcement(process: subprocess.Popen[str], timeout: float, known_token: str = "") -> Announced:
    """`port N` and `token T`, the first two lines a server process prints (bench/server_process.py). A server
    prints `token -` on a store that had an administrator already: `known_token` is then its token."""
    lines = _read_lines(process, 2, timeout)
    keys = [line.split(" ", 1)[0] for line in lines]
    if keys != ["port", "token"]:
        # Never the lines themselves: they might hold a token.
        raise RuntimeError(f"the server did not start (exit code {process.poll()}, announced {keys})")
    port, token = (line.split(" ", 1)[1].strip() for line in lines)
    if token == "-":
        if not known_token:
            raise RuntimeError("the server created no administrator: its database was not empty")
        token = known_token
    return Announced(int(port), token)


@contextmanager
def server_process(database_url: str, *options: str, known_token: str = "") -> Iterator[ServerProcess]:
    """The server in a child process (bench/server_process.py with `options`), on an ephemeral port;
    SIGTERM (then SIGKILL) on exit. On a fresh database it creates the administrator whose token the calls
    carry; on one that has an administrator already, `known_token` must be its token."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "--database-url", database_url, *options],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            announced = read_announcement(process, SERVER_START_TIMEOUT, known_token)
            yield ServerProcess(process, f"127.0.0.1:{announced.port}", announced.token, bearer(announced.token))
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


# -- CPU accounting -----------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU-seconds the whole machine spent not idle (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def postgres_cpu_seconds(dbname: str) -> float:
    if not dbname:  # the embedded store: no PostgreSQL backends to count
        return 0.0
    return _backends_cpu_seconds(dbname)


def _backends_cpu_seconds(dbname: str) -> float:
    """CPU of the local PostgreSQL backends connected to database `dbname` (found by their process title;
    0 when the server runs elsewhere). Shared background processes (WAL writer, checkpointer) are not counted,
    nor are backends that exit between two samples; the benchmark's connections outlive a measurement."""
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if title.startswith("postgres: ") and f" {dbname} " in title:
                total += process_cpu_seconds(int(proc.name))
        except (OSError, ValueError, IndexError):  # the process ended meanwhile
            continue
    return total


@dataclass(frozen=True)
class CpuSample:
    client: float
    server: float
    postgres: float
    machine: float

    def ours(self) -> tuple[float, float, float]:
        return self.client, self.server, self.postgres

    @classmethod
    def take(cls, server_pid: int, dbname: str) -> CpuSample:
        return cls(
            time.process_time(), process_cpu_seconds(server_pid), postgres_cpu_seconds(dbname), machine_busy_seconds()
        )


# -- clients ------------------------------------------------------------------------------------------------


class Client(Protocol):
    """One concurrent client: `call` makes one call and raises on any error."""

    def call(self) -> None: ...

    def close(self) -> None: ...


class HealthClient:
    """Health/Check needs no credentials; it carries them anyway, so its calls are the same size on the wire
    and parsed alike as the others'."""

    def __init__(self, address: str, metadata: Metadata) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = health_pb2_grpc.HealthStub(self.channel)
        self.request = health_pb2.HealthCheckRequest(service="")
        self.metadata = metadata

    def call(self) -> None:
        self.stub.Check(self.request, timeout=CALL_TIMEOUT, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()


class InsertClient:
    """One connection; each call is its own transaction: INSERT one 200-byte row, COMMIT."""

    def __init__(self, database_url: str, index: int) -> None:
        self.conn = psycopg.connect(database_url, connect_timeout=10)
        self.index = index
        self.n = 0
        self.payload = secrets.token_bytes(200)

    def call(self) -> None:
        self.n += 1
        self.conn.execute(
            "INSERT INTO bench_scratch (client, n, data) VALUES (%s, %s, %s)", (self.index, self.n, self.payload)
        )
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class SqliteInsertClient:
    """The embedded store's baseline: one connection to a scratch file in WAL mode; each call INSERTs one 200-byte
    row and COMMITs."""

    def __init__(self, path: Path, index: int) -> None:
        self.conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.index = index
        self.n = 0
        self.payload = secrets.token_bytes(200)

    def call(self) -> None:
        self.n += 1
        self.conn.execute(
            "INSERT INTO bench_scratch (client, n, data) VALUES (?, ?, ?)", (self.index, self.n, self.payload)
        )
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def create_sqlite_scratch(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, client INT NOT NULL, n INT NOT NULL,"
            " data BLOB NOT NULL)"
        )
        conn.commit()


@contextmanager
def store_for_run(store: str, admin_url: str) -> Iterator[tuple[str, Callable[[int], Client], str]]:
    """Where one run's server keeps its log: (the server's --database-url, baseline B's client maker, the
    PostgreSQL database whose backends' CPU is counted, or "" for the embedded store)."""
    if store == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as directory:
            scratch = Path(directory) / "scratch.sqlite"
            create_sqlite_scratch(scratch)
            yield f"sqlite:///{directory}/imagestreams.sqlite", lambda i: SqliteInsertClient(scratch, i), ""
        return
    with fresh_database(admin_url) as url:
        create_scratch_table(url)
        yield url, lambda i: InsertClient(url, i), str(conninfo_to_dict(url)["dbname"])


def tag_request(stream: str, tag: str, image: str) -> api.TagRequest:
    return api.TagRequest(
        namespace=NAMESPACE,
        source=pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=image),
        destinations=[api.TagDestination(stream=stream, tag=tag)],
    )


class TagClient:
    """Moves one tag back and forth between two digests, so every call appends a real move."""

    def __init__(self, address: str, metadata: Metadata, stream: str, tag: str, images: Sequence[str] = IMAGES) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = api_grpc.ImageStreamServiceStub(self.channel)
        self.requests = [tag_request(stream, tag, image) for image in images]
        self.metadata = metadata
        self.n = 0

    def call(self) -> None:
        self.n += 1
        self.stub.Tag(self.requests[self.n % 2], timeout=CALL_TIMEOUT, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()


class GetStreamClient:
    def __init__(self, address: str, metadata: Metadata, stream: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = api_grpc.ImageStreamServiceStub(self.channel)
        self.request = api.GetImageStreamRequest(namespace=NAMESPACE, name=stream)
        self.metadata = metadata

    def call(self) -> None:
        self.stub.GetImageStream(self.request, timeout=CALL_TIMEOUT, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()


class GetTagClient:
    def __init__(self, address: str, metadata: Metadata, stream: str, tag: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = api_grpc.ImageStreamServiceStub(self.channel)
        self.request = api.GetImageStreamTagRequest(namespace=NAMESPACE, stream=stream, tag=tag)
        self.metadata = metadata

    def call(self) -> None:
        self.stub.GetImageStreamTag(self.request, timeout=CALL_TIMEOUT, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()


def create_scratch_table(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, client int NOT NULL, n int NOT NULL,"
            " data bytea NOT NULL)"
        )


def create_project(address: str, metadata: Metadata, name: str = NAMESPACE) -> None:
    """The project the benchmark writes into (a write into a namespace that is no project is NOT_FOUND)."""
    with grpc.insecure_channel(address) as channel:
        stub = project_grpc.ProjectServiceStub(channel)
        stub.CreateProject(project_api.CreateProjectRequest(name=name), timeout=CALL_TIMEOUT, metadata=metadata)


def create_tags(address: str, metadata: Metadata, streams: Sequence[str], tag: str) -> None:
    """One Tag call per stream, before the Get measurement reads them."""
    with grpc.insecure_channel(address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        for stream in streams:
            stub.Tag(tag_request(stream, tag, IMAGES[0]), timeout=CALL_TIMEOUT, metadata=metadata)


# -- one measurement ----------------------------------------------------------------------------------------


@dataclass
class WorkerResult:
    calls: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    # Completed calls per whole second since the worker's start.
    per_second: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Measurement:
    calls: int
    seconds: float
    errors: Counter[str]
    per_second: list[int]
    # Each as a fraction of one core over the measurement.
    client_cpu: float
    server_cpu: float
    postgres_cpu: float
    # Everything else the machine ran meanwhile (kernel, other users): the noise.
    other_cpu: float

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


def _attempt(client: Client, result: WorkerResult) -> bool:
    try:
        client.call()
    except grpc.RpcError as error:
        result.errors[error.code().name] += 1  # type: ignore[attr-defined]
        return False
    except psycopg.Error as error:
        result.errors[type(error).__name__] += 1
        return False
    return True


def _work(client: Client, barrier: threading.Barrier, seconds: float, result: WorkerResult) -> None:
    for _ in range(WARMUP_CALLS):
        _attempt(client, result)
    barrier.wait()
    start = time.perf_counter()
    deadline = start + seconds
    while (now := time.perf_counter()) < deadline:
        if _attempt(client, result):
            result.calls += 1
            result.per_second[int(now - start)] += 1


def measure(clients: Sequence[Client], seconds: float, cpu: Callable[[], CpuSample]) -> Measurement:
    """Runs every client in its own thread for `seconds` after a common start (warm-up calls excluded)."""
    barrier = threading.Barrier(len(clients) + 1)
    results = [WorkerResult() for _ in clients]
    threads = [
        threading.Thread(target=_work, args=(c, barrier, seconds, r), daemon=True)
        for c, r in zip(clients, results, strict=True)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=SERVER_START_TIMEOUT)
    before, start = cpu(), time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed, after = time.perf_counter() - start, cpu()
    return _combine(results, elapsed, before, after)


def _combine(results: Sequence[WorkerResult], elapsed: float, before: CpuSample, after: CpuSample) -> Measurement:
    per_second: Counter[int] = sum((r.per_second for r in results), Counter())
    return Measurement(
        calls=sum(r.calls for r in results),
        seconds=elapsed,
        errors=sum((r.errors for r in results), Counter()),
        per_second=[per_second[i] for i in range(int(elapsed))],
        client_cpu=(after.client - before.client) / elapsed,
        server_cpu=(after.server - before.server) / elapsed,
        postgres_cpu=(after.postgres - before.postgres) / elapsed,
        other_cpu=((after.machine - before.machine) - sum(after.ours()) + sum(before.ours())) / elapsed,
    )


def measure_with(
    make: Callable[[int], Client], clients: int, seconds: float, cpu: Callable[[], CpuSample]
) -> Measurement:
    opened = [make(i) for i in range(clients)]
    try:
        return measure(opened, seconds, cpu)
    finally:
        for client in opened:
            client.close()


# -- one run ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    # For Tag metrics: whether all clients write one stream (else one stream each).
    shared_stream: bool | None = None


METRICS = (
    Metric("noop", "baseline A: no-op gRPC (Health/Check)", "calls/s"),
    Metric("insert", "baseline B: raw INSERT + COMMIT (psycopg, or sqlite3)", "inserts/s"),
    Metric("tag", "Tag, own stream per client", "calls/s", shared_stream=False),
    Metric("tag1", "Tag, all clients on one stream", "calls/s", shared_stream=True),
    Metric("get", "GetImageStreamTag, 1-entry history", "calls/s"),
    # The streams the `tag` measurement moved: a read's cost grows with the stream's history too.
    Metric("get_long", "GetImageStreamTag, long history (Tag's streams)", "calls/s"),
    Metric("get_stream", "GetImageStream, 1-entry history", "calls/s"),
)

Run = dict[str, Measurement]
Progress = Callable[[str], None]


def one_run(admin_url: str, args: argparse.Namespace, progress: Progress) -> Run:
    n, seconds = args.clients, args.seconds
    with store_for_run(args.store, admin_url) as (url, insert_client, dbname), server_process(url) as server:
        address, metadata = server.address, server.metadata
        cpu = functools.partial(CpuSample.take, server.process.pid, dbname)
        create_project(address, metadata)
        create_tags(address, metadata, [f"g{i}" for i in range(n)], "t")
        makers: dict[str, Callable[[int], Client]] = {
            "noop": lambda i: HealthClient(address, metadata),
            "insert": insert_client,
            "tag": lambda i: TagClient(address, metadata, f"s{i}", "t", tag_images(args.images, f"s{i}", "t")),
            "tag1": lambda i: TagClient(
                address, metadata, "shared", f"t{i}", tag_images(args.images, "shared", f"t{i}")
            ),
            "get": lambda i: GetTagClient(address, metadata, f"g{i}", "t"),
            "get_long": lambda i: GetTagClient(address, metadata, f"s{i}", "t"),
            "get_stream": lambda i: GetStreamClient(address, metadata, f"g{i}"),
        }
        run: Run = {}
        for metric in METRICS:
            run[metric.key] = measure_with(makers[metric.key], n, seconds, cpu)
            progress(f"  {metric.key:<7}{run[metric.key].rate:9.0f} {metric.unit} {_errors(run[metric.key].errors)}")
        return run


def _errors(errors: Counter[str]) -> str:
    return ", ".join(f"{code} x{count}" for code, count in sorted(errors.items())) or "no errors"


# -- the report ---------------------------------------------------------------------------------------------


def spread(values: Sequence[float], digits: int = 0) -> tuple[str, str]:
    """(median, "min-max") formatted with thousands separators."""
    fmt = f"{{:,.{digits}f}}"
    return fmt.format(statistics.median(values)), f"{fmt.format(min(values))}-{fmt.format(max(values))}"


_CPU_FIELDS = ("client_cpu", "server_cpu", "postgres_cpu", "other_cpu")


def throughput_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| metric | unit | median | min-max | errors (all runs) | CPU % client / server / PG / other |",
        "|---|---|---:|---:|---|---|",
    ]
    for metric in METRICS:
        ms = [run[metric.key] for run in runs]
        median, span = spread([m.rate for m in ms])
        errors = _errors(sum((m.errors for m in ms), Counter())).replace("no errors", "0")
        cpu = " / ".join(f"{statistics.median(getattr(m, a) for m in ms) * 100:.0f}" for a in _CPU_FIELDS)
        lines.append(f"| {metric.label} | {metric.unit} | {median} | {span} | {errors} | {cpu} |")
    return lines


RATIOS = (
    ("Tag / no-op gRPC", "tag", "noop"),
    ("Tag / raw INSERT + COMMIT", "tag", "insert"),
    ("Tag on one stream / Tag on own streams", "tag1", "tag"),
    ("Get / no-op gRPC", "get", "noop"),
    ("Get, long history / Get, 1-entry history", "get_long", "get"),
    ("GetImageStream / no-op gRPC", "get_stream", "noop"),
)


def ratio_table(runs: Sequence[Run]) -> list[str]:
    lines = ["| ratio (per run, then over runs) | median | min-max |", "|---|---:|---:|"]
    for label, top, bottom in RATIOS:
        median, span = spread([run[top].rate / run[bottom].rate for run in runs], 3)
        lines.append(f"| {label} | {median} | {span} |")
    return lines


def moves_per_stream(measurement: Measurement, clients: int, shared: bool) -> float:
    """About how many moves each written stream's history holds at the end (warm-up calls included)."""
    per_client = measurement.calls / clients + WARMUP_CALLS
    return per_client * clients if shared else per_client


def drift_table(runs: Sequence[Run], clients: int) -> list[str]:
    """Tag rate in the first and the last whole second: each move lengthens the stream's history."""
    lines = [
        "| Tag calls/s within a measurement, median (min-max) | first second | last second | ~moves per stream, end |",
        "|---|---:|---:|---:|",
    ]
    for metric in METRICS:
        if metric.shared_stream is None:
            continue
        ms = [run[metric.key] for run in runs]
        first, last = spread([m.per_second[0] for m in ms]), spread([m.per_second[-1] for m in ms])
        moves = spread([moves_per_stream(m, clients, metric.shared_stream) for m in ms])
        lines.append(f"| {metric.label} | {first[0]} ({first[1]}) | {last[0]} ({last[1]}) | {moves[0]} ({moves[1]}) |")
    return lines


@dataclass(frozen=True)
class Setting:
    started: datetime
    load_average: float
    # The store and its version: "PostgreSQL 15.x" or "SQLite 3.x".
    store_version: str


def report(runs: Sequence[Run], args: argparse.Namespace, setting: Setting) -> str:
    header = [
        f"Tag throughput, {setting.started:%Y-%m-%d %H:%M} UTC: {len(runs)} runs x {args.seconds:g} s per measurement, "
        f"{args.clients} client threads (one channel/connection each), server in its own process; "
        f"Tag images: {args.images}.",
        f"Machine: {os.cpu_count()} CPUs, 1-min load average at start {setting.load_average:.2f}; Python "
        f"{platform.python_version()}, grpcio {grpc.__version__}, psycopg {psycopg.__version__}, "
        f"{setting.store_version}.",
        "CPU: median over runs, in % of one core, of the load generator (client), the server process, the "
        "PostgreSQL backends of the run's database (PG), and everything else on the machine (other: kernel, "
        "other users); the four add up to at most 100 x CPUs.",
        "",
    ]
    tables = [throughput_table(runs), ratio_table(runs), drift_table(runs, args.clients)]
    body = [line for table in tables for line in [*table, ""]]
    return "\n".join(header + body).rstrip() + "\n"


# -- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs, each on a fresh database and server (5)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement (5)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL),
        help=f"PostgreSQL role that may CREATE DATABASE (env {ENV_URL}, default {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument(
        "--store",
        choices=("postgres", "sqlite"),
        default="postgres",
        help="the server's store: PostgreSQL (a fresh database per run) or the embedded SQLite file",
    )
    parser.add_argument(
        "--images",
        choices=("shared", "own"),
        default="shared",
        help="the images Tag clients move their tags between: the same two for all (default), or their own",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.clients < 1 or args.seconds < 1:
        parser.error("--runs and --clients must be >= 1, --seconds >= 1")
    return args


def progress_printer(enabled: bool) -> Progress:
    def show(message: str) -> None:
        if enabled:
            print(message, file=sys.stderr, flush=True)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    progress = progress_printer(sys.stderr.isatty() if args.progress is None else args.progress)
    if args.store == "sqlite":
        version = f"SQLite {sqlite3.sqlite_version}"
    else:
        version = f"PostgreSQL {server_version(args.database_url)}"
    setting = Setting(datetime.now(UTC), os.getloadavg()[0], version)
    runs: list[Run] = []
    for index in range(args.runs):
        progress(f"run {index + 1}/{args.runs}")
        runs.append(one_run(args.database_url, args, progress))
    sys.stdout.write(report(runs, args, setting))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the server and the database are already cleaned up by then
        sys.exit(130)

"""The service on a large store: reads, start, rebuild and memory on PostgreSQL, each beside a baseline.

    .venv/bin/python bench/large_store.py [--streams 10000] [--tags 10] [--history 20] [--runs 3] [--keep]
    .venv/bin/python bench/large_store.py --reuse URL      # measure again on a store a --keep run filled
    .venv/bin/python bench/large_store.py --streams 200 --runs 1 --calls 50 --watchers 100  # quick look

Fill. A fresh database `bench_<hex>` (on --database-url / IMAGESTREAMS_BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/postgres, a role that may CREATE DATABASE) gets --streams streams `s<N>` in
the namespace `bench`, each with --tags tags `t<M>` whose status history holds --history entries: the stream is
created by CreateImageStream's command, each tag first set by Tag's (a digest-pinned image: the spec and the
first entry, two events) and then moved --history - 1 times by CreateImageStreamMapping's (a push: one event).
Each of a stream's tags cycles through the stream's own --history images (`Image` aggregates, created by the
same commands), so every entry of a tag is a different image. That is 1 + tags x (history + 1) events per
stream and --history images: with the defaults 211 x 10,000 + 200,000 = 2.31M events.

The commands are the application's own (`Commands.create_stream`, `.tag`, `.create_mapping`, validation
included), run in process without gRPC, and their changes saved with `EventLog.save` many streams at a time
(`BatchedCommands`): the same events, read-model rows and snapshots as the server writes, at thousands of events
a second instead of a few hundred. The streams of a batch are advanced in step, one command each at a time,
and saved whenever they reach the snapshot interval, so the snapshots are taken at the versions the server
would take them. Then the access data a first start creates (`AccessCommands.bootstrap`: the administrator and
a project for the namespace in use) is written. Progress (events/s, ETA) goes to stderr. Each invocation issues
a fresh administrator token in process (one event), valid for a few hours, for its calls.

Check. The server (bench/server_process.py) is started on the store; GetImageStreamTag and GetImageStream of
a few tags must answer the expected image and history length, or the run stops.

Measurements, --runs times, the server started afresh each time, one client, one call at a time:

  start        seconds from starting the server process to its first answered GetImageStreamTag;
  rss idle     the server's resident memory right after that call, and after the reads below;
  watchers     the server's RSS once --watchers idle Watch streams (half on the namespace, half on one tag
               each) are open (bench/fanout_watchers.py in --client-processes processes), before the reads,
               and after they are closed;
  noop         grpc.health.v1.Health/Check on the same server: a gRPC round trip (baseline);
  get cold     GetImageStreamTag of a random tag of a stream no call of this run touched yet;
  get warm     the same tags again;
  describe cold/warm  DescribeImageStream of random streams, the same way (other streams than `get`'s);
  list         ListImageStreams of `bench`, pages of 100: --list-calls pages, following the page token;
  sql ...      psycopg, the database's part of those reads: the statement the server runs for an uncached get
               and for a list page, taken from its read-model functions (see sql_reads);

Then, once (--rebuilds), `EventLog.rebuild_read_models()` in this process (what the server runs at start when
the read models' schema version changed), timed in events/s.

The report (markdown, stdout) gives per measurement the median and min-max over the runs of each run's p50 and
p99, and the targets of issue 11 beside them. The database is dropped at the end unless --keep (its URL is then
printed on stderr for --reuse). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import psycopg
import psycopg.conninfo
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams_server.application.access import AccessCommands
from imagestreams_server.application.access_snapshot import AccessCache
from imagestreams_server.application.commands import (
    Commands,
    Destination,
    MappingInput,
    StreamInput,
    TagInput,
)
from imagestreams_server.application.unit_of_work import Context, UnitOfWork
from imagestreams_server.domain.identity import BOOTSTRAP_ADMIN, Subject
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from psycopg import sql as psql
from tag_throughput import (
    CALL_TIMEOUT,
    DEFAULT_ADMIN_URL,
    ENV_URL,
    NAMESPACE,
    Metadata,
    bearer,
    read_announcement,
    server_version,
    url_with_dbname,
)

SERVER_SCRIPT = Path(__file__).with_name("server_process.py")
WATCHERS_SCRIPT = Path(__file__).with_name("fanout_watchers.py")
REGISTRY = "registry.example.com/bench"
# The actor recorded on the generated events: the administrator, as if it had made every call.
ACTOR = BOOTSTRAP_ADMIN
# How long the token an invocation issues for itself is valid.
TOKEN_LIFETIME = timedelta(hours=6)
SERVER_START_TIMEOUT = 600.0

# Issue 11, target 5.
TARGETS = {
    "get": "p99 < 5 ms",
    "describe": "p99 < 5 ms",
    "list": "p99 < 20 ms",
    "start": "< 3 s",
    "rebuild": ">= 20,000 events/s",
    "rss": "< 150 MB",
    "watchers": "< +50 MB",
}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the fill -----------------------------------------------------------------------------------------------


def digest(stream: int, image: int) -> str:
    return "sha256:" + uuid.uuid5(uuid.NAMESPACE_URL, f"s{stream}/{image}").hex * 2


def pull_spec(stream: int, image: int) -> str:
    return f"{REGISTRY}/s{stream}@{digest(stream, image)}"


class _NoLocks:
    """The batch's aggregates are this process's alone: nothing else writes the store while it is filled."""

    def lock(self, aggregate_id: object) -> None:
        pass

    def release(self) -> None:
        pass


class BatchUnit(UnitOfWork):
    """A unit of work that many commands share: what they create or change stays loaded until `flush` saves it
    all in one `EventLog.save`. An aggregate not loaded yet is one that does not exist: the store was empty when
    the fill began, and each aggregate (a stream, its images) belongs to one batch."""

    def __init__(self, log: EventLog, context: Callable[[], Context], new_uid: Callable[[], str]) -> None:
        super().__init__(log, context(), new_uid, _NoLocks())  # type: ignore[arg-type]
        self._context = context

    def begin(self) -> None:
        """A new command: its own `now`, as the server's unit of work would have."""
        self.context = self._context()

    def _get(self, aggregate_id: str) -> Any:
        return self._loaded.get(aggregate_id)

    def flush(self) -> int:
        """Saves what the commands since the last flush changed, in one transaction; the events saved."""
        changed = self.changed()
        if not changed:
            return 0
        events = sum(len(a.pending_events) for a in changed)
        self.log.save(*changed)
        return events

    def forget(self) -> None:
        self._loaded.clear()


class BatchedCommands(Commands):
    """The application's commands, each run on the shared BatchUnit instead of its own saved unit of work."""

    def __init__(self, log: EventLog, unit: BatchUnit) -> None:
        super().__init__(log, unit._context, unit.new_uid, lambda name: 0)
        self.unit = unit

    def _run(self, command: Callable[[UnitOfWork], Any], **who: str) -> tuple[Any, int]:
        self.unit.begin()
        if who:
            self.unit.context = replace(self.unit.context, **who)
        return command(self.unit), 0


def stream_commands(commands: Commands, stream: int, tags: int, history: int) -> Iterator[None]:
    """The commands that build stream `s<stream>`, one per step: created, each tag set by Tag to its first
    image, then each tag moved by a push (CreateImageStreamMapping) to the next of the stream's images, in turn."""
    name = f"s{stream}"
    commands.create_stream(StreamInput(NAMESPACE, name))
    yield
    for entry in range(history):
        for tag in range(tags):
            image = (entry + tag) % history
            if entry == 0:
                source = Source(SourceKind.DOCKER_IMAGE, pull_spec(stream, image))
                commands.tag(TagInput(NAMESPACE, source, [Destination(NAMESPACE, name, f"t{tag}")]))
            else:
                commands.create_mapping(
                    MappingInput(NAMESPACE, name, f"t{tag}", digest(stream, image), pull_spec(stream, image))
                )
            yield


def events_per_stream(tags: int, history: int) -> int:
    return 1 + tags * (history + 1) + history


def fill(log: EventLog, streams: range, tags: int, history: int, batch: int, report: Callable[[int], None]) -> int:
    """Writes the streams numbered `streams`, `batch` at a time, calling `report` with the events of each save;
    returns the events written."""

    def context() -> Context:
        return Context(now=datetime.now(UTC), actor=ACTOR)

    unit = BatchUnit(log, context, lambda: str(uuid.uuid4()))
    commands = BatchedCommands(log, unit)
    interval = log.snapshot_interval
    written = 0
    for first in range(streams.start, streams.stop, batch):
        numbers = range(first, min(streams.stop, first + batch))
        steps = [stream_commands(commands, n, tags, history) for n in numbers]
        # In step: every stream of the batch runs its k-th command before any runs its (k+1)-th, so they all
        # reach each multiple of the snapshot interval together, and are saved right then.
        version = 0
        while steps:
            steps = [s for s in steps if next(s, StopIteration) is None]
            now_version = unit.stream(StreamName(NAMESPACE, f"s{first}")).version
            if steps and interval > 0 and now_version // interval > version // interval:
                saved = unit.flush()
                written += saved
                report(saved)
            version = now_version
        saved = unit.flush()
        written += saved
        report(saved)
        unit.forget()
    return written


def _fill_worker(url: str, streams: range, tags: int, history: int, batch: int, queue: Any) -> None:
    """One fill process: its own EventLog on the store, and its own streams (`streams`), so no aggregate is
    written by two processes. Reports each save's events on `queue`, then None."""
    # A save holds its transaction open while this process builds the read-model statements; on a machine
    # this busy that can pass the library's idle-in-transaction limit, which ends the session mid-save.
    os.environ["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] = "300"
    log = EventLog(StoreConfig(database_url=url))
    try:
        fill(log, streams, tags, history, batch, queue.put)
    finally:
        log.close()
        queue.put(None)


def fill_store(url: str, args: argparse.Namespace) -> float:
    """Fills the (empty) store at `url` in --fill-processes processes, then writes the access data a first
    start creates; returns the events per second of the fill."""
    # The tables first, once (processes that each made them at the same time would collide), as a server's
    # first start leaves them: with the read models' schema version recorded. Without it the server's next
    # start would take the tables for an older shape's, drop them and replay the whole log into them.
    log = EventLog(StoreConfig(database_url=url))
    try:
        log.ensure_read_models()
    finally:
        log.close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = max(1, args.fill_processes)
    share = -(-args.streams // workers)
    processes = [
        context.Process(
            target=_fill_worker,
            args=(
                url,
                range(i * share, min(args.streams, (i + 1) * share)),
                args.tags,
                args.history,
                args.batch,
                queue,
            ),
        )
        for i in range(workers)
    ]
    total = args.streams * events_per_stream(args.tags, args.history)
    started = last_report = time.monotonic()
    for process in processes:
        process.start()
    written, running = 0, workers
    while running:
        item = queue.get()
        if item is None:
            running -= 1
        else:
            written += item
        now = time.monotonic()
        if now - last_report >= 10 or not running:
            rate = written / (now - started)
            eta = (total - written) / rate if rate else 0
            progress(f"  fill: {written:,}/{total:,} events, {rate:,.0f}/s, ETA {eta:,.0f} s")
            last_report = now
    for process in processes:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"a fill process failed (exit code {process.exitcode})")
    rate = written / (time.monotonic() - started)
    log = EventLog(StoreConfig(database_url=url))
    try:
        access = AccessCommands(log, AccessCache(log), lambda: Context(now=datetime.now(UTC), actor=ACTOR), new_uid)
        access.bootstrap()
    finally:
        log.close()
    return rate


def new_uid() -> str:
    return str(uuid.uuid4())


# -- the database -------------------------------------------------------------------------------------------


def create_database(admin_url: str) -> str:
    """A new database `bench_<8 hex>`; its URL."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(name)))
    return url_with_dbname(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(str(name))))


def issue_token(url: str) -> str:
    """A new token of the administrator, valid for TOKEN_LIFETIME, issued in process (one event)."""
    log = EventLog(StoreConfig(database_url=url))
    try:
        access = AccessCommands(log, AccessCache(log), lambda: Context(now=datetime.now(UTC), actor=ACTOR), new_uid)
        return access.issue_token(Subject.user(BOOTSTRAP_ADMIN), TOKEN_LIFETIME, "bench/large_store.py").secret
    finally:
        log.close()


# -- the server ---------------------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Server:
    process: subprocess.Popen[str]
    address: str
    metadata: Metadata = field(repr=False)
    # Seconds from starting the process to its `port` line, and to its first answered GetImageStreamTag.
    announced_after: float = 0.0
    answered_after: float = 0.0


@contextmanager
def started_server(url: str, token: str, first: api.GetImageStreamTagRequest) -> Iterator[Server]:
    """The server on the store, in its own process, timed from the start of the process to the first answer
    to `first`."""
    import tempfile

    with tempfile.TemporaryFile("w+") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "--database-url", url], stdout=subprocess.PIPE, stderr=log, text=True
        )
        try:
            announced = read_announcement(process, SERVER_START_TIMEOUT, token)
            announced_after = time.monotonic() - started
            address = f"127.0.0.1:{announced.port}"
            metadata = bearer(announced.token)
            with grpc.insecure_channel(address) as channel:
                api_grpc.ImageStreamServiceStub(channel).GetImageStreamTag(
                    first, timeout=CALL_TIMEOUT, metadata=metadata
                )
            answered_after = time.monotonic() - started
            yield Server(process, address, metadata, announced_after, answered_after)
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def tag_request(stream: int, tag: int) -> api.GetImageStreamTagRequest:
    return api.GetImageStreamTagRequest(namespace=NAMESPACE, stream=f"s{stream}", tag=f"t{tag}")


def check_store(server: Server, shape: Shape) -> None:
    """A few tags read back through the server: each answers the image its last move set, and its stream the
    full history of every tag."""
    with grpc.insecure_channel(server.address) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        options = {"timeout": CALL_TIMEOUT, "metadata": server.metadata}
        complete = shape.complete
        for stream in sorted({complete[0], complete[len(complete) // 2], complete[-1]}):
            for tag in sorted({0, shape.tags - 1}):
                answer = stub.GetImageStreamTag(tag_request(stream, tag), **options).image_stream_tag
                expected = digest(stream, (shape.history - 1 + tag) % shape.history)
                if answer.image.name != expected:
                    raise RuntimeError(f"s{stream}:t{tag} is at {answer.image.name}, expected {expected}")
            request = api.GetImageStreamRequest(namespace=NAMESPACE, name=f"s{stream}")
            found = stub.GetImageStream(request, **options).image_stream
            lengths = {status.tag: len(status.items) for status in found.status_tags}
            if len(lengths) != shape.tags or set(lengths.values()) != {shape.history}:
                raise RuntimeError(f"s{stream} has histories {lengths}, expected {shape.tags} x {shape.history}")
    progress(f"  checked: the server answers the expected images and {shape.history}-entry histories")


# -- measurements -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    streams: int
    tags: int
    history: int
    # The numbers of the streams with every tag's full history: the reads pick among them (all of them, unless
    # a fill was cut off).
    complete: Sequence[int] = ()


def complete_streams(url: str, tags: int, history: int) -> list[int]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT stream FROM is_tag_status_items WHERE namespace = %s GROUP BY stream HAVING count(*) = %s",
            (NAMESPACE, tags * history),
        ).fetchall()
    return sorted(int(row[0].removeprefix("s")) for row in rows)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def latencies(calls: Sequence[Callable[[], object]]) -> list[float]:
    """Each call once, in order, one at a time: its latency in milliseconds."""
    result = []
    for call in calls:
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


@dataclass
class Run:
    # Key -> latencies of the run, ms.
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    # Key -> one figure of the run (seconds, bytes...).
    value: dict[str, float] = field(default_factory=dict)


def one_run(url: str, token: str, shape: Shape, calls: int, rng: random.Random, args: argparse.Namespace) -> Run:
    run = Run()
    # Distinct streams for the cold reads of each kind: no call of this server touched them before.
    picked = rng.sample(shape.complete, min(len(shape.complete), 2 * calls))
    get_streams, describe_streams = picked[:calls], picked[calls : 2 * calls] or picked[:calls]
    first = tag_request(rng.choice(shape.complete), 0)
    with started_server(url, token, first) as server:
        run.value["start"] = server.answered_after
        run.value["announce"] = server.announced_after
        time.sleep(2)
        run.value["rss idle"] = rss_bytes(server.process.pid)
        if args.watchers:
            # Before the reads: what the watches add to the idle server, not to the allocator's high-water mark
            # the reads leave.
            run.value["rss watchers"] = idle_watchers(server, args.watchers, args.client_processes, shape)
            time.sleep(2)
            run.value["rss after watchers"] = rss_bytes(server.process.pid)
        with grpc.insecure_channel(server.address) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            options = {"timeout": CALL_TIMEOUT, "metadata": server.metadata}
            check = health_pb2.HealthCheckRequest(service="")
            for _ in range(20):
                health.Check(check, **options)
            run.latency_ms["noop"] = latencies([lambda: health.Check(check, **options)] * calls)
            get_tag, describe = stub.GetImageStreamTag, stub.DescribeImageStream
            gets = [
                functools.partial(get_tag, tag_request(s, rng.randrange(shape.tags)), **options) for s in get_streams
            ]
            run.latency_ms["get cold"] = latencies(gets)
            run.latency_ms["get warm"] = latencies(gets)
            describes = [
                functools.partial(
                    describe, api.DescribeImageStreamRequest(namespace=NAMESPACE, name=f"s{s}"), **options
                )
                for s in describe_streams
            ]
            run.latency_ms["describe cold"] = latencies(describes)
            run.latency_ms["describe warm"] = latencies(describes)
            run.latency_ms["list"] = list_pages(stub, options, args.list_calls)
        run.value["rss after reads"] = rss_bytes(server.process.pid)
        run.latency_ms.update(sql_reads(url, shape, calls, args.list_calls, rng))
    return run


def list_pages(stub: api_grpc.ImageStreamServiceStub, options: dict[str, Any], pages: int) -> list[float]:
    """`pages` ListImageStreams pages of 100, following the page token (from the first page again at the end)."""
    result = []
    token = ""
    for _ in range(pages):
        request = api.ListImageStreamsRequest(namespace=NAMESPACE, page_size=100, page_token=token)
        started = time.perf_counter()
        answer = stub.ListImageStreams(request, **options)
        result.append((time.perf_counter() - started) * 1000)
        token = answer.next_page_token
    return result


class CapturedSql:
    """Stands in for store/sql.Sql (PostgreSQL) to learn the statements a read-model function runs."""

    is_sqlite = False

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, statement: str, params: Sequence[Any] = ()) -> CapturedSql:
        self.statements.append((statement, tuple(params)))
        return self

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> Any:
        return None


def captured(read: Callable[[Any], object]) -> list[tuple[str, tuple[Any, ...]]]:
    sql = CapturedSql()
    read(sql)
    return sql.statements


def sql_reads(url: str, shape: Shape, calls: int, list_calls: int, rng: random.Random) -> dict[str, list[float]]:
    """The database's part of the reads, through one psycopg connection, rows fetched but not decoded: the
    statements the server's read-model functions run, taken from them (store/readmodel.py):

    sql get    what a GetImageStreamTag not in the cache runs (readmodel.get_stream_and_image: the stream's
               row, the tag's, its status entries and its image);
    sql list   what a ListImageStreams page of 100 runs (readmodel.list_streams: the page's streams, their
               tags and each tag's entries)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:

        def run(statements: list[tuple[str, tuple[Any, ...]]]) -> None:
            for statement, params in statements:
                conn.execute(statement, params).fetchall()

        def get(stream: int, tag: int) -> list[tuple[str, tuple[Any, ...]]]:
            return captured(lambda sql: readmodel.get_stream_and_image(sql, NAMESPACE, f"s{stream}", f"t{tag}"))

        def page(after: str) -> list[tuple[str, tuple[Any, ...]]]:
            start = (NAMESPACE, after) if after else None
            return captured(lambda sql: readmodel.list_streams(sql, NAMESPACE, start, 100))

        for _ in range(20):
            run(get(0, 0))
        gets = [
            functools.partial(run, get(rng.choice(shape.complete), rng.randrange(shape.tags))) for _ in range(calls)
        ]
        rows = conn.execute("SELECT name FROM is_streams WHERE namespace = %s ORDER BY name", (NAMESPACE,))
        names = [row[0] for row in rows.fetchall()]
        starts = ["", *names[99::100]]
        pages = [functools.partial(run, page(starts[i % len(starts)])) for i in range(list_calls)]
        return {"sql get": latencies(gets), "sql list": latencies(pages)}


def idle_watchers(server: Server, count: int, processes: int, shape: Shape) -> float:
    """Opens `count` Watch streams (half on the namespace, half on one tag each), waits until each has its
    first progress marker, and returns the server's RSS a few seconds later; then closes them."""
    from fanout_watchers import WatcherSpec, run_watchers

    specs = [
        WatcherSpec()
        if i % 2 == 0
        else WatcherSpec(f"s{shape.complete[i % len(shape.complete)]}", f"t{i % shape.tags}")
        for i in range(count)
    ]
    context = multiprocessing.get_context("spawn")
    conns, children = [], []
    for i in range(processes):
        parent_end, child_end = context.Pipe()
        child = context.Process(
            target=run_watchers, args=(child_end, server.address, server.metadata, specs[i::processes], 100)
        )
        child.start()
        child_end.close()
        conns.append(parent_end)
        children.append(child)
    try:
        ok = 0
        for conn in conns:
            kind, payload = conn.recv()
            if kind != "established":
                raise RuntimeError(f"a watcher process failed: {payload}")
            ok += payload.ok
        if ok != count:
            raise RuntimeError(f"only {ok} of {count} watches were established")
        time.sleep(3)
        rss = rss_bytes(server.process.pid)
        for conn, child_specs in zip(conns, [specs[i::processes] for i in range(processes)], strict=True):
            conn.send(("finish", ([0] * len(child_specs), 0.0)))
        for conn in conns:
            conn.recv()
            conn.send(("close", None))
        for conn in conns:
            conn.recv()
        return rss
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()


def rebuild(url: str) -> tuple[int, float]:
    """`EventLog.rebuild_read_models()` in this process: (events replayed, seconds)."""
    log = EventLog(StoreConfig(database_url=url))
    try:
        started = time.monotonic()
        events = log.rebuild_read_models()
        return events, time.monotonic() - started
    finally:
        log.close()


# -- the report ---------------------------------------------------------------------------------------------


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """`median (min-max)`."""
    if not values:
        return "-"
    median = fmt.format(statistics.median(values))
    if len(values) == 1:
        return median
    return f"{median} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def store_size(url: str) -> tuple[int, int, int]:
    """(events in the log, streams, bytes of the database)."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        events = conn.execute("SELECT count(*) FROM imagestreams_events").fetchone()
        streams = conn.execute("SELECT count(*) FROM is_streams").fetchone()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(events[0]) if events else 0, int(streams[0]) if streams else 0, int(size[0]) if size else 0


LATENCY_ROWS = (
    ("noop", "Health/Check (baseline)", ""),
    ("get cold", "GetImageStreamTag, cold", "get"),
    ("get warm", "GetImageStreamTag, warm", "get"),
    ("describe cold", "DescribeImageStream, cold", "describe"),
    ("describe warm", "DescribeImageStream, warm", "describe"),
    ("list", "ListImageStreams, page of 100", "list"),
    ("sql get", "psycopg: the statement of an uncached get (baseline)", ""),
    ("sql list", "psycopg: the statement of a list page (baseline)", ""),
)


def report(runs: Sequence[Run], rebuilds: Sequence[tuple[int, float]], context: dict[str, Any]) -> list[str]:
    args = context["args"]
    mib = 1024 * 1024
    events, streams, size = context["size"]
    lines = [
        f"`{context['command']}`, {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL {context['pg']}. Store: {streams:,} streams x {args.tags} "
        f"tags x {args.history} history entries, {events:,} events, database {size / mib:,.0f} MiB"
        + (f"; filled at {context['fill_rate']:,.0f} events/s" if context.get("fill_rate") else "")
        + (
            f"; {context['complete']:,} streams complete, the reads pick among those"
            if context["complete"] < streams
            else ""
        )
        + f". {len(runs)} runs, the server started afresh for each; one client, one call at a time, "
        f"{args.calls} calls of each read ({args.list_calls} list pages) per run. "
        "Median over the runs of each run's figure, and min-max.",
        "",
        "| read | p50 ms | p99 ms | p99 / no-op p99 | target |",
        "|---|---|---|---|---|",
    ]
    for key, label, target in LATENCY_ROWS:
        p50 = [percentile(run.latency_ms[key], 50) for run in runs]
        p99 = [percentile(run.latency_ms[key], 99) for run in runs]
        ratio = [percentile(run.latency_ms[key], 99) / percentile(run.latency_ms["noop"], 99) for run in runs]
        ratio_text = "-" if key == "noop" or key.startswith("sql") else spread(ratio, "{:.1f}x")
        lines.append(f"| {label} | {spread(p50)} | {spread(p99)} | {ratio_text} | {TARGETS.get(target, '')} |")
    lines += [
        "",
        "| figure | measured | target |",
        "|---|---|---|",
        f"| server start to its first answered GetImageStreamTag, s | "
        f"{spread([r.value['start'] for r in runs])} | {TARGETS['start']} |",
        f"| of which to listening (`port` printed), s | {spread([r.value['announce'] for r in runs])} | |",
        f"| RSS idle after start, MiB | {spread([r.value['rss idle'] / mib for r in runs], '{:.0f}')} "
        f"| {TARGETS['rss']} |",
        f"| RSS after the reads, MiB | {spread([r.value['rss after reads'] / mib for r in runs], '{:.0f}')} | |",
    ]
    if args.watchers:
        added = [(r.value["rss watchers"] - r.value["rss idle"]) / mib for r in runs]
        per = [a * mib / args.watchers / 1024 for a in added]
        lines.append(
            f"| RSS added by {args.watchers:,} idle watches, MiB | {spread(added, '{:.1f}')} "
            f"({spread(per, '{:.1f}')} KiB each) | {TARGETS['watchers']} |"
        )
        after = [r.value["rss after watchers"] / mib for r in runs]
        lines.append(f"| RSS once the watches are closed, MiB | {spread(after, '{:.0f}')} | |")
    if rebuilds:
        rates = [count / seconds for count, seconds in rebuilds]
        seconds = [s for _, s in rebuilds]
        lines.append(
            f"| read-model rebuild (`EventLog.rebuild_read_models`), events/s | {spread(rates, '{:,.0f}')} "
            f"({spread(seconds, '{:.0f}')} s for {rebuilds[0][0]:,} events) | {TARGETS['rebuild']} |"
        )
    return lines


# -- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=10, help="tags per stream")
    parser.add_argument("--history", type=int, default=20, help="status history entries per tag (at least 2)")
    parser.add_argument("--batch", type=int, default=50, help="streams written per save")
    parser.add_argument("--fill-processes", type=int, default=1, help="processes that fill, each its own streams")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=400, help="calls of each read per run")
    parser.add_argument("--list-calls", type=int, default=100, help="ListImageStreams pages read per run")
    parser.add_argument("--watchers", type=int, default=1000, help="idle Watch streams opened per run (0: none)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the watches run in")
    parser.add_argument("--rebuilds", type=int, default=1, help="timed read-model rebuilds (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL goes to stderr)")
    parser.add_argument("--reuse", metavar="URL", help="measure on the store a --keep run filled (same shape options)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL))
    args = parser.parse_args(argv)
    if args.history < 2 or args.tags < 1 or args.streams < 1:
        parser.error("--streams and --tags must be at least 1, --history at least 2")
    return args


def command_line(argv: Sequence[str] | None) -> str:
    shown = [a for a in (sys.argv[1:] if argv is None else argv)]
    if "--reuse" in shown:
        shown[shown.index("--reuse") + 1 : shown.index("--reuse") + 2] = ["URL"]
    return " ".join(["bench/large_store.py", *shown])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    context: dict[str, Any] = {"args": args, "command": command_line(argv), "pg": server_version(args.database_url)}
    url = args.reuse or create_database(args.database_url)
    try:
        if not args.reuse:
            progress(f"filling {url} with {args.streams:,} streams")
            context["fill_rate"] = fill_store(url, args)
        complete = complete_streams(url, args.tags, args.history)
        if len(complete) < args.streams:
            progress(
                f"  only {len(complete):,} of the streams have every tag's {args.history} entries: reads use those"
            )
        if not complete:
            raise RuntimeError("no stream of the store has the shape given (--tags, --history)")
        shape = Shape(args.streams, args.tags, args.history, complete)
        context["complete"] = len(complete)
        token = issue_token(url)
        with started_server(url, token, tag_request(0, 0)) as server:
            check_store(server, shape)
        rng = random.Random(args.seed)
        runs = []
        for index in range(args.runs):
            progress(f"run {index + 1}/{args.runs}")
            runs.append(one_run(url, token, shape, min(args.calls, args.streams), rng, args))
        rebuilds = []
        for index in range(args.rebuilds):
            progress(f"rebuild {index + 1}/{args.rebuilds}")
            rebuilds.append(rebuild(url))
            progress(f"  {rebuilds[-1][0]:,} events in {rebuilds[-1][1]:.1f} s")
        context["size"] = store_size(url)
    finally:
        if args.keep or args.reuse:
            progress(f"the store is kept: --reuse '{url}'")
        else:
            drop_database(args.database_url, url)
    print("\n".join(report(runs, rebuilds, context)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

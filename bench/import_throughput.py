"""Registry import: ImportImage of a whole repository, and the scheduled re-check of its tags, against a real
registry and a real server on PostgreSQL, next to baselines measured in the same run.

    .venv/bin/python bench/import_throughput.py [--tags 200] [--runs 3] [--database-url URL]

Setup, not measured: Debian's docker-registry on loopback, plain HTTP, no auth (tests/support/registry.py), and
--tags distinct single-platform images pushed to one repository, each under its own tag. Then each run measures:

  noop         grpc.health.v1.Health/Check, one client calling one call after the other for 2 s (calls/s);
  client       baseline: a RegistryClient in this process lists the repository and imports every tag, one after
               the other: the registry reads ImportImage makes, without the service. With the server's default
               per-host limits (HostLimits: a budget of 10 requests/s, burst 20);
  client_free  the same with no per-host limit;
  import       ImportImage(all, confirm, insecure, scheduled) from that repository, timed end to end (tags/s), on
               a fresh server in its own process (bench/import_server_process.py: import_max_tags = --tags,
               scheduled import off) on a fresh database `bench_<hex>`;
  import_free  the same on another fresh server and database, whose registry client has no per-host limit;
  checks       in this process, on import's database, ScheduledImports (batch = --tags) with a clock the benchmark
               moves, which starts when the import has ended: `first` runs at once, when nothing is due (the
               import recorded what upstream had: the goal is 0 checked, no request); the clock then passes
               the interval and `check` re-checks the unchanged tags with a fresh RegistryClient with the server's
               default limits, as the server's scheduler would; the clock passes it again and `check_free`
               re-checks them with the first, warm client, which has no per-host limit. Reported for each: the
               time, the summary, registry requests per tag by method and kind (the goal for a re-check: one
               HEAD of the manifest and no GET), ping and token requests (per host and cached: per check, not
               per tag), and the events appended (the goal: none).

The PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres, or --database-url /
IMAGESTREAMS_BENCH_DATABASE_URL) needs a role that may CREATE DATABASE. Databases are dropped, servers and the
registry stopped, after each run or on Ctrl-C. Progress goes to stderr (when it is a terminal, or with
--progress); a markdown report goes to stdout. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The repository's root, for tests.support (after bench/, sys.path[0], which holds the helpers imported below).
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import grpc
import psycopg
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams_server.application.importing import Importing
from imagestreams_server.application.scheduling import CheckSummary, ScheduledImports
from imagestreams_server.application.service import Service, new_uid
from imagestreams_server.domain.tags import ImportMode, prioritize_tags
from imagestreams_server.importer import HostLimits, ImportFailure, RegistryClient, RequestKey
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from import_server_process import NO_HOST_LIMIT
from psycopg.conninfo import conninfo_to_dict

# Shared with the Tag benchmark: the database, the server's start and stop, the no-op client, formatting.
from tag_throughput import (
    DEFAULT_ADMIN_URL,
    ENV_URL,
    SERVER_START_TIMEOUT,
    CpuSample,
    HealthClient,
    Metadata,
    _stop,
    bearer,
    create_project,
    fresh_database,
    measure_with,
    postgres_cpu_seconds,
    process_cpu_seconds,
    progress_printer,
    read_announcement,
    server_version,
    spread,
)

from tests.support.registry import RunningRegistry, build_image, running_registry

SERVER_SCRIPT = Path(__file__).with_name("import_server_process.py")
NAMESPACE = "bench"
STREAM = "app"
REPOSITORY = "bench/app"
NOOP_SECONDS = 2.0
IMPORT_TIMEOUT = 900.0
# The server's scheduled-import interval (its default); the benchmark's clock jumps past it between checks.
INTERVAL = timedelta(seconds=900)
SERVER_LIMITS = HostLimits()
# Registry request kinds that are per host (or per host and scope) and cached, not per tag.
PER_HOST_KINDS = ("ping", "token")
# Per-tag request columns of the report, in order; anything else shows up under "other".
TAG_COLUMNS = (("HEAD", "manifest"), ("GET", "manifest"), ("GET", "blob"), ("GET", "tags"))


# -- the registry -------------------------------------------------------------------------------------------


def tag_names(count: int) -> list[str]:
    """`1.0.0` ... `1.0.<count-1>`: full versions, which the bulk import orders newest first."""
    return [f"1.0.{i}" for i in range(count)]


def push_tags(registry: RunningRegistry, count: int, progress: Callable[[str], None]) -> None:
    """One distinct image (its own layer, so its own config and manifest) per tag."""
    with registry.pusher() as pusher:
        for i, tag in enumerate(tag_names(count)):
            pusher.image(REPOSITORY, tag, build_image(layer_texts=[f"import benchmark, image {i}\n"]))
            if (i + 1) % 50 == 0:
                progress(f"  pushed {i + 1}/{count} tags")


# -- CPU ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cpu:
    """CPU-seconds of this process (bench), the server process, the run's PostgreSQL backends and the registry."""

    bench: float = 0.0
    server: float = 0.0
    postgres: float = 0.0
    registry: float = 0.0

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(
            self.bench - other.bench,
            self.server - other.server,
            self.postgres - other.postgres,
            self.registry - other.registry,
        )


@dataclass(frozen=True)
class CpuProbe:
    registry_pid: int
    server_pid: int | None = None
    dbname: str | None = None

    def take(self) -> Cpu:
        return Cpu(
            time.process_time(),
            process_cpu_seconds(self.server_pid) if self.server_pid else 0.0,
            postgres_cpu_seconds(self.dbname) if self.dbname else 0.0,
            process_cpu_seconds(self.registry_pid),
        )


def dbname_of(url: str) -> str:
    return str(conninfo_to_dict(url)["dbname"])


# -- the server ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportServer:
    process: subprocess.Popen[str]
    address: str
    # `authorization: Bearer <the cluster administrator's token>`, for every call (kept out of reprs).
    metadata: Metadata = field(repr=False)


@contextmanager
def import_server(database_url: str, max_tags: int, *, host_limit: bool) -> Iterator[ImportServer]:
    """bench/import_server_process.py in a child process, in a session of its own (a Ctrl-C reaches only this
    process, which stops the server before dropping its database); SIGTERM (then SIGKILL) on exit."""
    argv = [sys.executable, str(SERVER_SCRIPT), "--database-url", database_url, "--import-max-tags", str(max_tags)]
    if not host_limit:
        argv.append("--no-host-limit")
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        try:
            announced = read_announcement(process, SERVER_START_TIMEOUT)
            server = ImportServer(process, f"127.0.0.1:{announced.port}", bearer(announced.token))
            # The project ImportImage writes into.
            create_project(server.address, server.metadata, NAMESPACE)
            yield server
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise
        finally:
            _stop(process)


# -- measurements -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """One import of the repository's tags: by the service (ImportImage) or by a RegistryClient in process."""

    seconds: float
    imported: int
    # Failed tags by reason, and failures of the call itself.
    errors: Counter[str]
    cpu: Cpu
    # Registry requests by (host, method, kind): only known for the clients in this process.
    requests: dict[RequestKey, int] | None = None

    @property
    def rate(self) -> float:
        return self.imported / self.seconds


def import_image(server: ImportServer, source: str, tags: int, probe: CpuProbe) -> Timed:
    """One ImportImage(all, confirm) of `source`, timed end to end on a channel that is already connected."""
    request = import_api.ImportImageRequest(
        namespace=NAMESPACE, name=STREAM, all=True, confirm=True, insecure=True, scheduled=True
    )
    setattr(request, "from", source)  # `from` is a Python keyword
    errors: Counter[str] = Counter()
    with grpc.insecure_channel(server.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = import_grpc.ImportServiceStub(channel)
        before, start = probe.take(), time.perf_counter()
        try:
            response = stub.ImportImage(request, timeout=IMPORT_TIMEOUT, metadata=server.metadata)
        except grpc.RpcError as error:
            seconds, after = time.perf_counter() - start, probe.take()
            errors[f"call {error.code().name}"] += 1  # type: ignore[attr-defined]
            return Timed(seconds, 0, errors, after - before)
        seconds, after = time.perf_counter() - start, probe.take()
    for outcome in response.tags:
        if not outcome.succeeded:
            errors[outcome.reason or "failed"] += 1
    if response.dry_run:
        errors["dry run"] += 1
    if response.additional_tags:
        errors[f"{len(response.additional_tags)} tags over the cap"] += 1
    imported = sum(1 for outcome in response.tags if outcome.succeeded)
    if len(response.tags) != tags:
        errors[f"{len(response.tags)} of {tags} tags"] += 1
    return Timed(seconds, imported, errors, after - before)


def registry_reads(source: str, tags: int, limits: HostLimits, probe: CpuProbe) -> Timed:
    """Baseline: what ImportImage(all) asks the registry (Importing._targets and _ask), by a fresh RegistryClient
    in this process, one request after the other, with nothing recorded."""
    errors: Counter[str] = Counter()
    imported = 0
    with RegistryClient(limits=limits) as client:
        before, start = probe.take(), time.perf_counter()
        chosen = prioritize_tags(client.list_tags(source, insecure=True))[:tags]
        for tag in chosen:
            try:
                client.import_image(f"{source}:{tag}", import_mode=ImportMode.LEGACY.value, insecure=True)
            except ImportFailure as failure:
                errors[failure.reason] += 1
            else:
                imported += 1
        seconds, after = time.perf_counter() - start, probe.take()
        requests = client.requests.snapshot()
    if len(chosen) != tags:
        errors[f"{len(chosen)} of {tags} tags listed"] += 1
    return Timed(seconds, imported, errors, after - before, requests)


@dataclass(frozen=True)
class Check:
    """One ScheduledImports.run_once over the repository's tags."""

    seconds: float
    summary: CheckSummary
    requests: dict[RequestKey, int]
    appended: int
    cpu: Cpu


class Clock:
    """The scheduler's clock (and the service's): moved by the benchmark, not by time. It starts at the real
    time, after the server's ImportImage, which records when it asked upstream (by the server's real clock)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


CHECKS = ("first", "check", "check_free")


def scheduled_checks(database_url: str, tags: int, probe: CpuProbe) -> dict[str, Check]:
    """Three scheduled checks of the imported tags, in this process, on the server's database (the server is
    stopped by then), built as tests/integration/test_scheduled_import.py builds them."""
    with ExitStack() as stack:
        log = EventLog(StoreConfig(database_url=database_url))
        stack.callback(log.close)
        free = stack.enter_context(RegistryClient(limits=NO_HOST_LIMIT))
        polite = stack.enter_context(RegistryClient(limits=SERVER_LIMITS))
        clock = Clock()
        service = Service(log, clock=clock)
        importing = Importing(log, service.queries, free, service.context, new_uid, max_tags=tags)
        schedulers = {
            registry: ScheduledImports(log, importing, registry, clock, INTERVAL, batch=tags)
            for registry in (free, polite)
        }

        def check(registry: RegistryClient) -> Check:
            registry.requests.reset()
            position = log.max_position()
            before, start = probe.take(), time.perf_counter()
            summary = schedulers[registry].run_once()
            seconds, after = time.perf_counter() - start, probe.take()
            return Check(seconds, summary, registry.requests.snapshot(), log.max_position() - position, after - before)

        checks = {"first": check(free)}  # the import has just asked upstream: nothing is due
        clock.now += INTERVAL + timedelta(seconds=1)
        checks["check"] = check(polite)
        clock.now += INTERVAL + timedelta(seconds=1)
        checks["check_free"] = check(free)
        return checks


@dataclass
class Run:
    noop: float = 0.0
    noop_errors: Counter[str] = field(default_factory=Counter)
    timed: dict[str, Timed] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)


Progress = Callable[[str], None]


def one_run(admin_url: str, registry: RunningRegistry, args: argparse.Namespace, progress: Progress) -> Run:
    source = f"{registry.host}/{REPOSITORY}"
    pid = registry.process.pid
    run = Run()
    with fresh_database(admin_url) as url:
        with import_server(url, args.tags, host_limit=True) as server:
            health_cpu = functools.partial(CpuSample.take, server.process.pid, dbname_of(url))
            noop = measure_with(lambda i: HealthClient(server.address, server.metadata), 1, NOOP_SECONDS, health_cpu)
            run.noop, run.noop_errors = noop.rate, noop.errors
            progress(f"  noop        {run.noop:9.0f} calls/s")
            run.timed["import"] = import_image(
                server, source, args.tags, CpuProbe(pid, server.process.pid, dbname_of(url))
            )
            progress(_line("import", run.timed["import"]))
        run.checks = scheduled_checks(url, args.tags, CpuProbe(pid, None, dbname_of(url)))
        for name in CHECKS:
            c = run.checks[name]
            progress(f"  {name:<11} {c.seconds:9.2f} s  {_summary(c.summary)}, {c.appended} events appended")
    with fresh_database(admin_url) as url, import_server(url, args.tags, host_limit=False) as server:
        probe = CpuProbe(pid, server.process.pid, dbname_of(url))
        run.timed["import_free"] = import_image(server, source, args.tags, probe)
        progress(_line("import_free", run.timed["import_free"]))
    # client_free right after import_free: the two short measurements that are compared see the same machine.
    for key, limits in (("client_free", NO_HOST_LIMIT), ("client", SERVER_LIMITS)):
        run.timed[key] = registry_reads(source, args.tags, limits, CpuProbe(pid))
        progress(_line(key, run.timed[key]))
    return run


def _line(key: str, timed: Timed) -> str:
    return f"  {key:<11} {timed.rate:9.1f} tags/s ({timed.seconds:.2f} s) {_errors(timed.errors)}"


def _summary(summary: CheckSummary) -> str:
    return (
        f"{summary.checked} checked / {summary.unchanged} unchanged / {summary.moved} moved / {summary.failed} failed"
    )


def _errors(errors: Counter[str]) -> str:
    return ", ".join(f"{code} x{count}" for code, count in sorted(errors.items())) or "no errors"


# -- the report ---------------------------------------------------------------------------------------------


def _cpu(cpus: Sequence[Cpu], fields: Sequence[str]) -> str:
    return " / ".join(f"{statistics.median(getattr(c, f) for c in cpus):.1f}" for f in fields)


_CPU_FIELDS = ("bench", "server", "postgres", "registry")

TIMED = (
    ("client", "baseline: RegistryClient in process, server's host limits", "tags/s"),
    ("client_free", "baseline: RegistryClient in process, no host limit", "tags/s"),
    ("import", "ImportImage(all), server's host limits", "tags/s"),
    ("import_free", "ImportImage(all), no host limit", "tags/s"),
)


def throughput_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| metric | unit | median | min-max | seconds, median | errors (all runs) "
        "| CPU s bench / server / PG / registry |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    median, span = spread([r.noop for r in runs])
    errors = _errors(sum((r.noop_errors for r in runs), Counter())).replace("no errors", "0")
    lines.append(f"| baseline: no-op gRPC (Health/Check, 1 client) | calls/s | {median} | {span} | - | {errors} | - |")
    for key, label, unit in TIMED:
        ts = [r.timed[key] for r in runs]
        median, span = spread([t.rate for t in ts], 1)
        seconds = statistics.median(t.seconds for t in ts)
        errors = _errors(sum((t.errors for t in ts), Counter())).replace("no errors", "0")
        cpu = _cpu([t.cpu for t in ts], _CPU_FIELDS)
        lines.append(f"| {label} | {unit} | {median} | {span} | {seconds:.2f} | {errors} | {cpu} |")
    return lines


def budget_floor(requests: dict[RequestKey, int] | None, limits: HostLimits) -> float:
    """The least time a host budget allows for these requests, sent one after the other from a full bucket."""
    per_host: Counter[str] = Counter()
    for key, n in (requests or {}).items():
        per_host[key.host] += n
    return max((max(0, n - limits.burst) / limits.requests_per_second for n in per_host.values()), default=0.0)


def _div(top: float, bottom: float) -> float:
    """top / bottom, NaN when bottom is 0 (a measurement that imported nothing: its errors say why)."""
    return top / bottom if bottom else math.nan


def ratio_table(runs: Sequence[Run], tags: int) -> list[str]:
    rows: list[tuple[str, list[float], int]] = [
        (
            "ImportImage / RegistryClient, both with the server's host limits",
            [_div(r.timed["import"].rate, r.timed["client"].rate) for r in runs],
            3,
        ),
        (
            "ImportImage / RegistryClient, both with no host limit",
            [_div(r.timed["import_free"].rate, r.timed["client_free"].rate) for r in runs],
            3,
        ),
        (
            "ImportImage, server's host limits / no host limit",
            [_div(r.timed["import"].rate, r.timed["import_free"].rate) for r in runs],
            3,
        ),
        (
            "RegistryClient, server's host limits: seconds / floor set by the budget",
            [_div(r.timed["client"].seconds, budget_floor(r.timed["client"].requests, SERVER_LIMITS)) for r in runs],
            3,
        ),
        (
            "re-check, server's host limits: seconds / floor set by the budget",
            [_div(r.checks["check"].seconds, budget_floor(r.checks["check"].requests, SERVER_LIMITS)) for r in runs],
            3,
        ),
        (
            "ImportImage tags/s / no-op gRPC calls/s, no host limit",
            [_div(r.timed["import_free"].rate, r.noop) for r in runs],
            4,
        ),
        (
            "ImportImage minus RegistryClient, no host limit: ms per tag",
            [(r.timed["import_free"].seconds - r.timed["client_free"].seconds) * 1000 / tags for r in runs],
            2,
        ),
    ]
    lines = ["| per run, then over runs | median | min-max |", "|---|---:|---:|"]
    for label, values, digits in rows:
        median, span = spread(values, digits)
        if min(values) < 0:  # "-1.5-5.6" would read as a range from -1.5 to -5.6
            fmt = f"{{:,.{digits}f}}"
            span = f"{fmt.format(min(values))} to {fmt.format(max(values))}"
        lines.append(f"| {label} | {median} | {span} |")
    return lines


CHECK_LABELS = {
    "first": "check right after the import (nothing due), no host limit",
    "check": "re-check, server's host limits, fresh client",
    "check_free": "re-check, no host limit, warm client",
}


def check_table(runs: Sequence[Run], tags: int) -> list[str]:
    lines = [
        f"| scheduled check of {tags} tags | seconds, median | min-max | ms per tag | checked / unchanged / moved / "
        "failed | events appended | CPU s bench / PG / registry |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for name in CHECKS:
        cs = [r.checks[name] for r in runs]
        median, span = spread([c.seconds for c in cs], 2)
        per_tag = statistics.median(c.seconds for c in cs) * 1000 / tags
        summaries = sorted({_counts(c.summary) for c in cs})
        appended = sorted({c.appended for c in cs})
        cpu = _cpu([c.cpu for c in cs], ("bench", "postgres", "registry"))
        lines.append(
            f"| {CHECK_LABELS[name]} | {median} | {span} | {per_tag:.2f} | {'; '.join(summaries)} | "
            f"{', '.join(map(str, appended))} | {cpu} |"
        )
    return lines


def _counts(summary: CheckSummary) -> str:
    return f"{summary.checked} / {summary.unchanged} / {summary.moved} / {summary.failed}"


def _by_method_kind(requests: dict[RequestKey, int]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for key, n in requests.items():
        counts[key.method, key.kind] += n
    return counts


def _values(values: Sequence[float], digits: int) -> str:
    """The median, and the min-max when the runs differ."""
    median, span = spread(values, digits)
    return median if min(values) == max(values) else f"{median} ({span})"


def requests_table(runs: Sequence[Run], tags: int) -> list[str]:
    """Registry requests per tag by method and kind; ping and token per measurement (they are cached per host)."""
    head = " | ".join(f"{method} {kind}" for method, kind in TAG_COLUMNS)
    lines = [
        f"| registry requests, per tag ({tags} tags) | {head} | other | ping (per call) | token (per call) |",
        "|---|" + "---:|" * (len(TAG_COLUMNS) + 3),
    ]
    rows = [
        (
            "RegistryClient import, server's host limits",
            [_by_method_kind(r.timed["client"].requests or {}) for r in runs],
        ),
        (
            "RegistryClient import, no host limit",
            [_by_method_kind(r.timed["client_free"].requests or {}) for r in runs],
        ),
        *((CHECK_LABELS[name], [_by_method_kind(r.checks[name].requests) for r in runs]) for name in CHECKS),
    ]
    for label, counts in rows:
        cells = [_values([c[column] / tags for c in counts], 3) for column in TAG_COLUMNS]
        known = {*TAG_COLUMNS, *((m, k) for c in counts for m, k in c if k in PER_HOST_KINDS)}
        other_keys = sorted({key for c in counts for key in c if key not in known})
        other = ", ".join(f"{m} {k} {_values([c[m, k] / tags for c in counts], 3)}" for m, k in other_keys) or "0"
        per_host = [
            _values([sum(n for (m, k), n in c.items() if k == kind) for c in counts], 0) for kind in PER_HOST_KINDS
        ]
        lines.append(f"| {label} | {' | '.join(cells)} | {other} | {' | '.join(per_host)} |")
    return lines


@dataclass(frozen=True)
class Setting:
    started: datetime
    load_average: float
    pg_version: str
    registry_version: str


def registry_version() -> str:
    try:
        done = subprocess.run(["docker-registry", "--version"], capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    return done.stdout.split()[-1] if done.stdout.split() else "?"


def report(runs: Sequence[Run], args: argparse.Namespace, setting: Setting) -> str:
    limits = SERVER_LIMITS
    header = [
        f"Registry import, {setting.started:%Y-%m-%d %H:%M} UTC: {len(runs)} runs, {args.tags} tags (one distinct "
        f"single-platform image each) in one repository of docker-registry {setting.registry_version} on loopback "
        "(plain HTTP, no auth); server in its own process, scheduled checks in this one.",
        f"Machine: {os.cpu_count()} CPUs, 1-min load average at start {setting.load_average:.2f}; Python "
        f"{platform.python_version()}, grpcio {grpc.__version__}, psycopg {psycopg.__version__}, "
        f"PostgreSQL {setting.pg_version}.",
        f"Server's host limits (HostLimits defaults): {limits.requests_per_second:g} requests/s, burst "
        f"{limits.burst}, {limits.max_concurrency} in flight per registry host. CPU: CPU-seconds of one "
        "measurement, median over runs, of this process (bench), the server process, the PostgreSQL backends of "
        "the run's database (PG) and the registry.",
        "",
    ]
    tables = [
        throughput_table(runs),
        ratio_table(runs, args.tags),
        check_table(runs, args.tags),
        requests_table(runs, args.tags),
    ]
    body = [line for table in tables for line in [*table, ""]]
    return "\n".join(header + body).rstrip() + "\n"


# -- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tags", type=int, default=200, help="tags pushed to the repository and imported (200)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each on fresh databases and servers (3)")
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
    if args.runs < 1 or args.tags < 1:
        parser.error("--runs and --tags must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    progress = progress_printer(sys.stderr.isatty() if args.progress is None else args.progress)
    setting = Setting(datetime.now(UTC), os.getloadavg()[0], server_version(args.database_url), registry_version())
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as workdir, running_registry(Path(workdir)) as registry:
        progress(f"registry on {registry.host}; pushing {args.tags} tags to {REPOSITORY}")
        push_tags(registry, args.tags, progress)
        for index in range(args.runs):
            progress(f"run {index + 1}/{args.runs}")
            runs.append(one_run(args.database_url, registry, args, progress))
    sys.stdout.write(report(runs, args, setting))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers, the databases and the registry are already cleaned up by then
        sys.exit(130)

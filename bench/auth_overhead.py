"""What the access check costs the server per call: the same calls with checks on and off, in the same run.

    .venv/bin/python bench/auth_overhead.py [--runs 5] [--seconds 3] [--clients 4] [--database-url URL]
        [--profile FILE [--profile-seconds 20] [--profile-rate 500]]

The requirement: a request through an auth check costs at most 0.1 ms of server CPU, measured beside the same
call with checks disabled in the same run.

Each run measures two servers, one after the other (the order alternates from run to run), each in a process
of its own (bench/server_process.py) on a fresh PostgreSQL database `bench_<hex>` (default
postgresql://postgres@127.0.0.1:5432/postgres, or --database-url / IMAGESTREAMS_BENCH_DATABASE_URL, a role that
may CREATE DATABASE):

  checked    the server as it runs in production: every call through the access guard (each method's handler
             wrapped once, at registration);
  unchecked  the same server with --no-access-control (`ServerConfig(access_control=False)`: no guard).

Both get the same data, created through a checked server that is then stopped (ProjectService needs the guard,
see below): the project "bench", a stream `app` with one tag `t` (one Tag call), as the cluster administrator
the fresh database starts with. The measured server is then started afresh on that database, and with
--clients concurrent clients (threads, one channel each, as in tag_throughput.py) for --seconds each:

  noop  grpc.health.v1.Health/Check: public on both servers (the guard passes it through untouched), the cost
        of a gRPC round trip: the baseline;
  get   GetImageStreamTag of bench/app:t: on the checked server, authenticated (the token's SHA-256 looked up),
        authorized (`get imagestreamtags` in "bench", a cluster-admin binding) and run as its caller.

Every call of both servers carries `authorization: Bearer <the administrator's token>`, so the requests are
the same bytes; the unchecked server ignores it. Per measurement: calls/s, and the server process's CPU
(user + system, all threads, from /proc, as tag_throughput.py accounts it) divided by the calls. The cost of
the check is, per run, the checked server's CPU per call minus the unchecked one's, then summarised over runs
(median, min-max) next to the 0.1 ms target.

Why the data is written through a checked server: on a server with --no-access-control, ProjectService and
AccessService calls fail (UNKNOWN, "the access guard runs before every call"): they read the caller the guard
sets. Writes into a namespace that is no project are accepted there, but then the two servers would not hold
the same data.

--profile FILE: after the runs, one more checked server under the `get` load for --profile-seconds while
`py-spy record` (--nonblocking, --profile-rate samples/s) samples it; FILE gets the collapsed stacks, and the
report a breakdown of the samples: the guarded handler, token hashing, the policy decision, the rest. py-spy must
be installed (.venv/bin/pip install py-spy) and allowed to read the server's memory (root, or ptrace_scope 0).

Progress goes to stderr (when it is a terminal, or with --progress); a markdown report goes to stdout. Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import timeit
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import psycopg
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams_server.api.access_guard import AccessGuard
from imagestreams_server.api.access_rules import RULES
from imagestreams_server.application.access_snapshot import AccessCache
from imagestreams_server.application.tokens import token_name
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from psycopg.conninfo import conninfo_to_dict

# Shared with the Tag benchmark: the database, the server process, the clients, measurement and CPU accounting.
from tag_throughput import (
    DEFAULT_ADMIN_URL,
    ENV_URL,
    NAMESPACE,
    WARMUP_CALLS,
    Client,
    CpuSample,
    GetTagClient,
    HealthClient,
    Measurement,
    Metadata,
    ServerProcess,
    bearer,
    create_project,
    create_tags,
    fresh_database,
    measure_with,
    progress_printer,
    server_process,
    server_version,
    spread,
)

SERVERS = {
    "checked": "access control on",
    "unchecked": "access control off",
}
KEYS = {
    "noop": "Health/Check (no-op, public)",
    "get": "GetImageStreamTag",
}
STREAM, TAG = "app", "t"
# The requirement: at most this much server CPU per call for the check.
TARGET_MS = 0.1

Progress = Callable[[str], None]
# server kind -> key -> measurement
Run = dict[str, dict[str, Measurement]]


# -- one run ------------------------------------------------------------------------------------------------


def prepare(database_url: str) -> str:
    """The project, the stream and its tag, written through a checked server that is stopped again; returns
    the administrator's token (the store's, for the next start)."""
    with server_process(database_url) as server:
        create_project(server.address, server.metadata)
        create_tags(server.address, server.metadata, [STREAM], TAG)
        return server.token


def clients_for(server: ServerProcess) -> dict[str, Callable[[int], Client]]:
    address, metadata = server.address, server.metadata
    return {
        "noop": lambda i: HealthClient(address, metadata),
        "get": lambda i: GetTagClient(address, metadata, STREAM, TAG),
    }


def server_options(kind: str) -> tuple[str, ...]:
    return () if kind == "checked" else ("--no-access-control",)


def dbname_of(url: str) -> str:
    return str(conninfo_to_dict(url)["dbname"])


def one_run(index: int, admin_url: str, args: argparse.Namespace, progress: Progress) -> Run:
    """Both servers up at once (each on its own fresh database), then each key measured on one and right after
    on the other, so that the two measurements compared see as nearly the same machine as they can; which server
    goes first alternates from run to run."""
    order = list(SERVERS) if index % 2 == 0 else list(reversed(SERVERS))
    with ExitStack() as stack:
        servers: dict[str, tuple[ServerProcess, Callable[[], CpuSample]]] = {}
        for kind in order:
            url = stack.enter_context(fresh_database(admin_url))
            token = prepare(url)
            server = stack.enter_context(server_process(url, *server_options(kind), known_token=token))
            servers[kind] = server, functools.partial(CpuSample.take, server.process.pid, dbname_of(url))
        run: Run = {kind: {} for kind in SERVERS}
        for key in KEYS:
            for kind in order:
                server, cpu = servers[kind]
                run[kind][key] = m = measure_with(clients_for(server)[key], args.clients, args.seconds, cpu)
                progress(
                    f"  {key:<4} {kind:<9} {m.rate:7.0f} calls/s, server {cpu_ms(m):.3f} ms CPU/call"
                    f" {_errors(m.errors)}"
                )
        return run


def cpu_ms(m: Measurement) -> float:
    """Server CPU per completed call, in ms (NaN when no call completed)."""
    return m.server_cpu * m.seconds / m.calls * 1000 if m.calls else math.nan


def _errors(errors: Counter[str]) -> str:
    return ", ".join(f"{code} x{count}" for code, count in sorted(errors.items())) or "no errors"


# -- the profile --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    # A sample belongs to the first category one of whose patterns matches a frame of its stack.
    patterns: tuple[str, ...]


# py-spy's collapsed frames read `Class.function (path/to/file.py:line)`: these match the function and its file.
CATEGORIES = (
    Category("hash", "token hashing (tokens.token_name: SHA-256, base64)", (r"(^|\.)token_name \(.*tokens\.py",)),
    Category(
        "policy",
        "policy decision (the rule's checks, AccessSnapshot.decide, Policy.decide)",
        (
            r"(^|\.)decide \(.*(policy|access_snapshot)\.py",
            r"(^|\.)(checks|_field) \(.*access_rules\.py",
        ),
    ),
    Category(
        "identify",
        "rest of authentication (_identify, AccessSnapshot.authenticate, the Identity built)",
        (
            r"(^|\.)(_identify|authenticate|identity_of|subject_uid|looks_like_token) \(",
            r"(^|\.)(user_identity|service_account_identity) \(.*identity\.py",
        ),
    ),
    Category(
        "admit",
        "rest of _admit (the cached snapshot, the rule's projects, RequestAccess)",
        (r"(^|\.)_admit \(.*access_guard\.py",),
    ),
    Category(
        "context",
        "running as the caller (_running_as, _cause: context variables)",
        (r"_running_as\.__(enter|exit)__ \(", r"(^|\.)_cause \(.*access_guard\.py"),
    ),
    Category(
        "intercept",
        "the wrapper's own code (guarded_unary's frame, reading the metadata)",
        (r"(^|\.)_metadata(\.<locals>\.<dictcomp>)? \(.*access_guard\.py",),
    ),
)
# A sample whose innermost frame is guarded_unary is the wrapper's own work (not the servicer it awaits).
GUARD_SELF = re.compile(r"\.guarded_unary \(.*access_guard\.py")
# The check's frames (the guard's own and what it calls), and the servicer's, which guarded_unary awaits.
GUARD_FRAME = re.compile(r"^(AccessGuard\.|_running_as\.)")
SERVICER_FRAME = re.compile(r"^ImageStreamServicer\.")
# Functions listed in the report's table of the check's functions.
TOP_FUNCTIONS = 12


@dataclass(frozen=True)
class Profile:
    # Samples per category (CATEGORIES' keys and "rest").
    samples: Counter[str]
    # Samples of the check alone (its stacks without the servicer) per function, inclusive.
    functions: Counter[str]
    rate: int
    seconds: float
    calls: float
    server_cpu_s: float
    path: Path

    @property
    def total(self) -> int:
        return sum(self.samples.values())

    def gil_us_per_call(self, n: int) -> float:
        """µs per call that `n` samples stand for: samples / rate / calls."""
        return n / self.rate / self.calls * 1e6 if self.calls else math.nan


def categorise(stack: Sequence[str]) -> str:
    """The category of one sampled stack (outermost frame first)."""
    frames = [frame.strip() for frame in stack]
    for category in CATEGORIES:
        if any(re.search(pattern, frame) for pattern in category.patterns for frame in frames):
            return category.key
    if frames and GUARD_SELF.search(frames[-1]):
        return "intercept"
    return "rest"


def read_collapsed(path: Path) -> tuple[Counter[str], Counter[str]]:
    """From py-spy's raw (collapsed) output, `frame;frame;... count` per line: samples per category, and the
    check's samples per function (inclusive: a function counts every sample its frame is on)."""
    samples: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        samples[categorise(frames)] += int(count)
        names = [frame.split(" (", 1)[0].strip() for frame in frames]
        first = next((i for i, name in enumerate(names) if GUARD_FRAME.search(name)), None)
        if first is not None and not any(SERVICER_FRAME.search(name) for name in names):
            for name in set(names[first:]):
                functions[name] += int(count)
    return samples, functions


def profile_path(args: argparse.Namespace, kind: str) -> Path:
    path: Path = args.profile
    return path if kind == "checked" else path.with_name(f"{path.stem}.{kind}{path.suffix}")


def profile_server(kind: str, admin_url: str, args: argparse.Namespace, progress: Progress) -> Profile:
    """One server under the `get` load while py-spy samples it."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    duration = max(1, int(args.profile_seconds) - 1)
    path = profile_path(args, kind)
    with fresh_database(admin_url) as url:
        token = prepare(url)
        with server_process(url, *server_options(kind), known_token=token) as server:
            pid = server.process.pid
            cpu = functools.partial(CpuSample.take, pid, dbname_of(url))
            # --nonblocking: the server is not paused for each sample; --gil: only the thread holding the GIL
            # is sampled, so samples / rate is the time Python code ran.
            argv = [py_spy, "record", "--pid", str(pid), "--rate", str(args.profile_rate)]
            argv += ["--duration", str(duration), "--format", "raw", "--nonblocking", "--gil", "--function"]
            recorder = subprocess.Popen(
                [*argv, "--output", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            progress(f"profile: py-spy on the {kind} server for {duration} s under the get load")
            time.sleep(0.5)  # py-spy attaches
            m = measure_with(clients_for(server)["get"], args.clients, args.profile_seconds, cpu)
            _, stderr = recorder.communicate(timeout=60)
            if recorder.returncode != 0 or not path.exists():
                raise RuntimeError(f"py-spy failed (exit code {recorder.returncode}): {stderr.strip()[-2000:]}")
    samples, functions = read_collapsed(path)
    result = Profile(samples, functions, args.profile_rate, duration, m.rate * duration, m.server_cpu * duration, path)
    progress(
        f"profile: {result.total} samples, {m.rate:.0f} calls/s, Python {result.gil_us_per_call(result.total):.0f}"
        f" µs/call, {_errors(m.errors)}"
    )
    return result


def profile_tables(profiles: dict[str, Profile]) -> list[str]:
    checked, unchecked = profiles["checked"], profiles["unchecked"]
    lines = [
        f"Profiles: `py-spy record --nonblocking --gil --rate {checked.rate}` on one more server of each kind,"
        f" {checked.seconds:g} s each under the GetImageStreamTag load (the same clients), one after the other."
        " py-spy sees Python frames only, in the thread holding the GIL: Python time, not gRPC's C core, libpq or"
        " the kernel; µs per call = samples / rate / calls. Collapsed stacks:"
        f" `{checked.path}`, `{unchecked.path}`.",
        "",
        "| profiled server | calls | server CPU ms/call (/proc) | Python ms/call (py-spy) |",
        "|---|---:|---:|---:|",
    ]
    for kind, prof in profiles.items():
        lines.append(
            f"| {SERVERS[kind]} | {prof.calls:,.0f} | {prof.server_cpu_s / prof.calls * 1000:.3f} |"
            f" {prof.gil_us_per_call(prof.total) / 1000:.3f} |"
        )
    cpu_delta = (checked.server_cpu_s / checked.calls - unchecked.server_cpu_s / unchecked.calls) * 1000
    gil_delta = (checked.gil_us_per_call(checked.total) - unchecked.gil_us_per_call(unchecked.total)) / 1000
    lines += [
        f"| difference | | {cpu_delta:.3f} | {gil_delta:.3f} |",
        "",
        "| where a checked GetImageStreamTag's Python time goes | samples | % of samples | µs per call |",
        "|---|---:|---:|---:|",
    ]
    labels = {c.key: c.label for c in CATEGORIES} | {"rest": "everything else (servicer, query, gRPC, asyncio)"}
    for key, label in labels.items():
        n = checked.samples[key]
        lines.append(f"| {label} | {n:,} | {n / checked.total * 100:.1f} | {checked.gil_us_per_call(n):.1f} |")
    n = sum(checked.samples[c.key] for c in CATEGORIES)
    lines.append(
        f"| **the check (all but everything else)** | {n:,} | {n / checked.total * 100:.1f} |"
        f" {checked.gil_us_per_call(n):.1f} |"
    )
    lines += [
        "",
        f"| the check's {TOP_FUNCTIONS} costliest functions (inclusive, the servicer left out) | samples"
        " | µs per call |",
        "|---|---:|---:|",
    ]
    for name, n in checked.functions.most_common(TOP_FUNCTIONS):
        lines.append(f"| `{name}` | {n:,} | {checked.gil_us_per_call(n):.1f} |")
    return lines


# -- the guard in process ----------------------------------------------------------------------------------

GET_METHOD = "/imagestreams.v1.ImageStreamService/GetImageStreamTag"
# What grpcio's Python client sends besides the token (the guard copies every pair into a dict).
USER_AGENT = ("user-agent", f"grpc-python/{grpc.__version__} grpc-c/50.0.0 (linux; chttp2)")
# Each step is timed GUARD_REPEATS times over GUARD_CALLS calls; the best is kept (the least disturbed).
GUARD_REPEATS, GUARD_CALLS = 7, 3000


class QuietContext:
    """The little of grpc.aio.ServicerContext an admitted call uses."""

    def __init__(self, metadata: Metadata) -> None:
        self.metadata = metadata

    def invocation_metadata(self) -> Metadata:
        return self.metadata

    def peer(self) -> str:
        return "ipv4:127.0.0.1:40000"

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    async def abort_with_status(self, status: object) -> None:
        raise RuntimeError(f"the guard refused the call: {status}")


@dataclass(frozen=True)
class Step:
    label: str
    # Best of the repeats, µs per call.
    micros: float


def _best(fn: Callable[[], object], repeats: int, number: int) -> float:
    return min(timeit.repeat(fn, repeat=repeats, number=number)) / number * 1e6


def _best_async(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]], repeats: int, number: int
) -> float:
    async def many() -> float:
        start = time.perf_counter()
        for _ in range(number):
            await call()
        return time.perf_counter() - start

    return min(loop.run_until_complete(many()) for _ in range(repeats)) / number * 1e6


def time_guard(database_url: str, token: str, repeats: int = GUARD_REPEATS, number: int = GUARD_CALLS) -> list[Step]:
    """The guard's steps for one GetImageStreamTag, timed in this process on the access snapshot of a prepared
    database (Python only: no gRPC, no network). The servicer is replaced by one that answers at once."""
    log = EventLog(StoreConfig(database_url=database_url))
    loop = asyncio.new_event_loop()
    try:
        cache = AccessCache(log)
        snapshot = cache.snapshot()
        now = datetime.now(UTC)
        identity = snapshot.authenticate(token, lambda: now)
        if identity is None:
            raise RuntimeError("the administrator's token does not authenticate")
        checks = RULES[GET_METHOD].checks
        assert checks is not None
        request = api.GetImageStreamTagRequest(namespace=NAMESPACE, stream=STREAM, tag=TAG)
        response = api.GetImageStreamTagResponse()

        async def servicer(request: object, context: object) -> object:
            return response

        handler = grpc.unary_unary_rpc_method_handler(servicer)

        with ThreadPoolExecutor(max_workers=1) as executor:
            guard = AccessGuard(cache, executor, lambda: datetime.now(UTC))
            context = QuietContext((*bearer(token), USER_AGENT))
            # As at registration: the guard wraps the method's handler once.
            wrapped = guard.wrap(GET_METHOD, handler)

            async def bare() -> object:  # no guard: gRPC calls the method's handler
                return await handler.unary_unary(request, context)

            async def guarded() -> object:  # the guarded handler, as gRPC calls it
                return await wrapped.unary_unary(request, context)

            def decide() -> object:
                return [
                    snapshot.decide(identity, c.verb, c.resource, c.namespace)
                    for c in checks(request, identity, snapshot)
                ]

            steps = [
                Step(
                    "token hashing: tokens.token_name (SHA-256, base64)",
                    _best(lambda: token_name(token), repeats, number),
                ),
                Step(
                    "authentication: AccessSnapshot.authenticate (hashing, lookup, Identity)",
                    _best(lambda: snapshot.authenticate(token, lambda: now), repeats, number),
                ),
                Step(
                    "policy decision: the rule's checks + AccessSnapshot.decide (memoised)",
                    _best(decide, repeats, number),
                ),
            ]
            guarded_us = _best_async(loop, guarded, repeats, number)
            bare_us = _best_async(loop, bare, repeats, number)
            steps += [
                Step("a servicer that answers at once, called as gRPC calls it (no guard)", bare_us),
                Step("the same through the handler AccessGuard.wrap made of it", guarded_us),
                Step("**the guard's whole Python cost per call (difference)**", guarded_us - bare_us),
            ]
            return steps
    finally:
        loop.close()
        log.close()


def guard_table(steps: Sequence[Step]) -> list[str]:
    return [
        f"The guard in this process, after the runs (Python only: no gRPC, no network, no other request; a"
        f" servicer that answers at once; best of {GUARD_REPEATS} x {GUARD_CALLS:,} calls, on the access snapshot"
        " of a database prepared like the others):",
        "",
        "| step of a checked GetImageStreamTag | µs per call |",
        "|---|---:|",
        *(f"| {step.label} | {step.micros:.1f} |" for step in steps),
    ]


# -- the report ---------------------------------------------------------------------------------------------

_CPU_FIELDS = ("client_cpu", "server_cpu", "postgres_cpu", "other_cpu")


def _spread(values: Sequence[float], digits: int) -> tuple[str, str]:
    """(median, min-max); "a to b" when negative values would make "a-b" ambiguous."""
    median, span = spread(values, digits)
    if min(values) < 0:
        fmt = f"{{:,.{digits}f}}"
        span = f"{fmt.format(min(values))} to {fmt.format(max(values))}"
    return median, span


def measurements_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| server | call | calls/s, median | min-max | server CPU ms/call, median | min-max | errors (all runs) |"
        " CPU % client / server / PG / other |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for kind, server_label in SERVERS.items():
        for key, call_label in KEYS.items():
            ms = [run[kind][key] for run in runs]
            rate = _spread([m.rate for m in ms], 0)
            cpu = _spread([cpu_ms(m) for m in ms], 3)
            errors = _errors(sum((m.errors for m in ms), Counter())).replace("no errors", "0")
            shares = " / ".join(f"{statistics.median(getattr(m, a) for m in ms) * 100:.0f}" for a in _CPU_FIELDS)
            lines.append(
                f"| {server_label} | {call_label} | {rate[0]} | {rate[1]} | {cpu[0]} | {cpu[1]} | {errors} | {shares} |"
            )
    return lines


def cost_table(runs: Sequence[Run]) -> list[str]:
    """The check's cost: per run, the checked server's CPU per call minus the unchecked one's."""
    lines = [
        "| per run (checked - unchecked), then over runs | median | min-max | target | met (median) |"
        " runs over the target |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for key, label in KEYS.items():
        deltas = [cpu_ms(run["checked"][key]) - cpu_ms(run["unchecked"][key]) for run in runs]
        median, span = _spread(deltas, 3)
        if key == "get":
            met = "yes" if statistics.median(deltas) <= TARGET_MS else "**no**"
            over = f"{sum(d > TARGET_MS for d in deltas)} of {len(deltas)}"
            lines.append(
                f"| server CPU per call, {label}: ms | {median} | {span} | ≤ {TARGET_MS:g} ms | {met} | {over} |"
            )
        else:
            lines.append(f"| server CPU per call, {label}: ms | {median} | {span} | - | - | - |")
    for key, label in KEYS.items():
        ratios = [run["checked"][key].rate / run["unchecked"][key].rate for run in runs]
        median, span = _spread(ratios, 3)
        lines.append(f"| calls/s, {label}: checked / unchecked | {median} | {span} | - | - | - |")
    return lines


def baseline_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| ratio to the no-op baseline on the same server (per run, then over runs) | median | min-max |",
        "|---|---:|---:|",
    ]
    for kind, label in SERVERS.items():
        cpu = [cpu_ms(run[kind]["get"]) / cpu_ms(run[kind]["noop"]) for run in runs]
        rate = [run[kind]["get"].rate / run[kind]["noop"].rate for run in runs]
        for name, values in (("server CPU per call", cpu), ("calls/s", rate)):
            median, span = _spread(values, 3)
            lines.append(f"| {label}: GetImageStreamTag / Health/Check, {name} | {median} | {span} |")
    check = [
        (cpu_ms(run["checked"]["get"]) - cpu_ms(run["unchecked"]["get"])) / cpu_ms(run["unchecked"]["noop"])
        for run in runs
    ]
    median, span = _spread(check, 3)
    lines.append(f"| the check's cost (Get, checked - unchecked) / a no-op call's server CPU | {median} | {span} |")
    return lines


@dataclass(frozen=True)
class Setting:
    started: datetime
    load_average: float
    pg_version: str


def report(
    runs: Sequence[Run],
    args: argparse.Namespace,
    setting: Setting,
    steps: Sequence[Step],
    profiles: dict[str, Profile] | None,
) -> str:
    header = [
        f"Access check overhead, {setting.started:%Y-%m-%d %H:%M} UTC: {len(runs)} runs x {args.seconds:g} s per"
        f" measurement, {args.clients} client threads (one channel each, {WARMUP_CALLS} warm-up calls each); per"
        " run a checked and an unchecked server (order alternating), each in its own process on a fresh database"
        " holding the same project, stream and tag.",
        f"Machine: {os.cpu_count()} CPUs, 1-min load average at start {setting.load_average:.2f}; Python "
        f"{platform.python_version()}, grpcio {grpc.__version__}, psycopg {psycopg.__version__}, "
        f"PostgreSQL {setting.pg_version}.",
        "Server CPU per call: user + system CPU of the server process (/proc) over the measurement, divided by the"
        " calls completed. CPU %: median over runs, in % of one core, of the load generator (client), the server,"
        " the run's PostgreSQL backends (PG) and everything else (other: the noise).",
        "",
    ]
    tables = [measurements_table(runs), cost_table(runs), baseline_table(runs), guard_table(steps)]
    if profiles:
        tables.append(profile_tables(profiles))
    body = [line for table in tables for line in [*table, ""]]
    return "\n".join(header + body).rstrip() + "\n"


# -- main ---------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs, each with two fresh servers and databases (5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement (3)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL),
        help=f"PostgreSQL role that may CREATE DATABASE (env {ENV_URL}, default {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument("--profile", type=Path, help="after the runs, py-spy a checked server; collapsed stacks here")
    parser.add_argument("--profile-seconds", type=float, default=20.0, help="seconds of the profiled load (20)")
    parser.add_argument("--profile-rate", type=int, default=500, help="py-spy samples per second (500)")
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.clients < 1 or args.seconds < 1:
        parser.error("--runs and --clients must be >= 1, --seconds >= 1")
    if args.profile_seconds < 2 or args.profile_rate < 1:
        parser.error("--profile-seconds must be >= 2, --profile-rate >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    progress = progress_printer(sys.stderr.isatty() if args.progress is None else args.progress)
    setting = Setting(datetime.now(UTC), os.getloadavg()[0], server_version(args.database_url))
    runs: list[Run] = []
    for index in range(args.runs):
        progress(f"run {index + 1}/{args.runs}")
        runs.append(one_run(index, args.database_url, args, progress))
    progress("the guard in process")
    with fresh_database(args.database_url) as url:
        steps = time_guard(url, prepare(url))
    for step in steps:
        progress(f"  {step.micros:7.1f} µs  {step.label}")
    profiles = (
        {kind: profile_server(kind, args.database_url, args, progress) for kind in SERVERS} if args.profile else None
    )
    sys.stdout.write(report(runs, args, setting, steps, profiles))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers and the databases are already cleaned up by then
        sys.exit(130)

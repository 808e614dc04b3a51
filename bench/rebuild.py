"""The full rebuild of the read models on PostgreSQL, before and after a change, beside two baselines.

    .venv/bin/python bench/rebuild.py --before REV [--streams 300] [--runs 5] [--keep | --reuse URL]

Fill. A fresh database `bench_<hex>` (on --database-url / IMAGESTREAMS_BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/postgres) gets --streams streams in the namespace `bench`, written by the
application's own commands run in process (bench/large_store.py's `BatchedCommands`: the same events and
read-model rows the server writes), a mix of every kind of event the read models are written from. Each stream:
created; --tags tags set by Tag to a digest-pinned image, then moved by pushes (CreateImageStreamMapping)
--history - 1 times each; `latest` an alias of `t0` (so it moves with it); `t1` pushed twice to one pull spec
with two images (an in-place update); `t2` pinned, pushed while pinned (a skipped move) and unpinned; `t3` an
import failure (a condition), cleared by the next push. Every other stream keeps at most 12 entries per tag
(each push beyond trims, a `TagHistoryPruned` event in the same save); every third has its last tag deleted;
every tenth is deleted, every twentieth then created again and pushed to. Then the access data of a first
start, and --users users, a token each, groups of ten, a service account and role bindings (AccessCommands,
one save each). About 180 events per stream: 53,938 events with the defaults.

Measurements, --runs rounds, each round's sides in a random order (the machine is shared: no side may always
run after another), every rebuild in a fresh process (`python bench/rebuild.py --once URL`: what a server runs
at start, `EventLog.rebuild_read_models()`, timed alone, its process's CPU seconds and peak RSS beside):

  after     the rebuild of this checkout;
  before    the rebuild of revision --before (its `server/` exported with `git archive` to a temporary
            directory, first on PYTHONPATH); none without --before;
  read      baseline: psycopg reads the whole log in pages of 500 (position, aggregate id, version, topic,
            state), as any rebuild must, and nothing else;
  copy      baseline: psycopg COPY of as many rows as the log has events, shaped like is_tag_history's, into
            a temporary table, in one transaction.

The report (markdown, stdout) gives the median and min-max of events/s (for the baselines, the log's events
over their seconds), the seconds, CPU seconds and peak RSS. After each rebuild every read-model table must hold
the rows the live projection wrote (read before the first rebuild), or the run stops (--no-check skips it).
--runs 0 only fills. The database is dropped at the end unless --keep (then --reuse URL measures it again).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from imagestreams_server.application.access import AccessCommands
from imagestreams_server.application.access_snapshot import AccessCache
from imagestreams_server.application.commands import Destination, MappingInput, StreamInput, TagInput
from imagestreams_server.application.unit_of_work import Context
from imagestreams_server.domain.identity import Subject
from imagestreams_server.domain.imagestream import ImportPolicy
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from large_store import ACTOR, BatchedCommands, BatchUnit, create_database, drop_database, new_uid, progress
from tag_throughput import DEFAULT_ADMIN_URL, ENV_URL, NAMESPACE

REPO = Path(__file__).resolve().parent.parent
REGISTRY = "registry.example.com/bench"
# Streams written together, in step (one command each at a time), and saved after every step.
BATCH = 50
# Entries a tag keeps in the streams that trim.
STATUS_LIMIT = 12


def digest(stream: int, image: int) -> str:
    return "sha256:" + uuid.uuid5(uuid.NAMESPACE_URL, f"rebuild/s{stream}/{image}").hex * 2


def pinned(stream: int, image: int) -> str:
    return f"{REGISTRY}/s{stream}@{digest(stream, image)}"


# -- the fill -----------------------------------------------------------------------------------------------


class TrimmingCommands(BatchedCommands):
    """Batched commands that trim each changed stream's history as the server's unit of work does, when the
    context asks for a limit."""

    def _run(self, command: Callable[[Any], Any], **who: str) -> tuple[Any, int]:
        result = super()._run(command, **who)
        self.unit.limit_status_history()
        return result


def stream_steps(commands: TrimmingCommands, unit: BatchUnit, n: int, tags: int, history: int) -> Iterator[None]:
    """The commands that write stream `s<n>`, one per step (see the module's docstring)."""
    name = f"s{n}"
    stream = StreamName(NAMESPACE, name)

    def push(tag: str, image: int, reference: str | None = None) -> None:
        commands.create_mapping(MappingInput(NAMESPACE, name, tag, digest(n, image), reference or pinned(n, image)))

    def now() -> datetime:
        return datetime.now(UTC)

    commands.create_stream(StreamInput(NAMESPACE, name, annotations={"team": f"t{n % 7}"}))
    yield
    for k in range(tags):
        source = Source(SourceKind.DOCKER_IMAGE, pinned(n, k % history))
        commands.tag(TagInput(NAMESPACE, source, [Destination(NAMESPACE, name, f"t{k}")]))
        yield
    alias = Source(SourceKind.IMAGE_STREAM_TAG, f"{name}:t0")
    commands.tag(TagInput(NAMESPACE, alias, [Destination(NAMESPACE, name, "latest")], alias=True))
    yield
    for entry in range(1, history):
        for k in range(tags):
            push(f"t{k}", (entry + k) % history)
            yield
        if entry == 3 and tags > 1:
            # In place: the same pull spec, another image.
            push("t1", 0, f"{REGISTRY}/s{n}:rolling")
            yield
            push("t1", 1, f"{REGISTRY}/s{n}:rolling")
            yield
        if entry == 5 and tags > 2:
            commands.pin_tag(NAMESPACE, name, "t2", "frozen for the release")
            yield
            push("t2", 2)
            yield
            commands.unpin_tag(NAMESPACE, name, "t2")
            yield
        if entry == 7 and tags > 3:
            unit.begin()
            unit.stream(stream).record_import_failure(
                "t3",
                source=f"{REGISTRY}/s{n}:missing",
                reason="NotFound",
                message="manifest unknown",
                policy=ImportPolicy(),
                now=now(),
                actor=ACTOR,
            )
            yield
    if n % 3 == 0:
        commands.delete_tag(NAMESPACE, name, f"t{tags - 1}")
        yield
    if n % 10 == 0:
        commands.delete_stream(NAMESPACE, name)
        yield
        if n % 20 == 0:
            push("again", 0)
            yield


def fill(url: str, streams: int, tags: int, history: int, users: int) -> int:
    """Writes the store; returns the events written."""
    log = EventLog(StoreConfig(database_url=url))
    try:
        log.ensure_read_models()
        written = 0
        started = time.monotonic()
        for first in range(0, streams, BATCH):
            numbers = range(first, min(streams, first + BATCH))
            units = {}
            steps = []
            for n in numbers:
                limit = STATUS_LIMIT if n % 2 == 0 else 0

                def context(limit: int = limit) -> Context:
                    return Context(now=datetime.now(UTC), actor=ACTOR, max_status_history=limit)

                # One unit per stream (each with its own limit), saved together after each step.
                unit = BatchUnit(log, context, new_uid)
                units[n] = unit
                steps.append(stream_steps(TrimmingCommands(log, unit), unit, n, tags, history))
            while steps:
                steps = [s for s in steps if next(s, StopIteration) is None]
                changed = [a for unit in units.values() for a in unit.changed()]
                if changed:
                    written += sum(len(a.pending_events) for a in changed)
                    log.save(*changed)
            rate = written / (time.monotonic() - started)
            progress(f"  fill: {numbers.stop}/{streams} streams, {written:,} events, {rate:,.0f}/s")
        written += fill_access(log, users)
        return written
    finally:
        log.close()


def fill_access(log: EventLog, users: int) -> int:
    """Users, groups, tokens, a service account and role bindings, one save each; the events written."""
    access = AccessCommands(log, AccessCache(log), lambda: Context(now=datetime.now(UTC), actor=ACTOR), new_uid)
    before = log.max_position()
    access.bootstrap()
    names = [f"user{i}" for i in range(users)]
    for name in names:
        access.create_user(name)
        access.issue_token(Subject.user(name), None, "bench")
    for i in range(0, users, 10):
        access.create_group(f"group{i // 10}", names[i : i + 10])
    access.create_service_account(NAMESPACE, "robot")
    for i in range(0, users, 10):
        access.add_role_binding(NAMESPACE, "view", [Subject.group(f"group{i // 10}")])
    if users:
        access.delete_user(names[-1])
    return log.max_position() - before


# -- one rebuild (run in its own process) ----------------------------------------------------------------------


def once(url: str) -> None:
    """A rebuild in this process; prints `events seconds cpu-seconds peak-rss-bytes`."""
    log = EventLog(StoreConfig(database_url=url))
    try:
        started, cpu = time.monotonic(), time.process_time()
        events = log.rebuild_read_models()
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        print(events, seconds, cpu, peak_rss())
    finally:
        log.close()


def peak_rss() -> int:
    """This process's peak resident memory, bytes: VmHWM (getrusage's maxrss would count the parent's, from
    before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def rebuild_side(url: str, pythonpath: str | None) -> tuple[float, float, int]:
    _, seconds, cpu, rss = timed_rebuild(url, pythonpath)
    return seconds, cpu, rss


def timed_rebuild(url: str, pythonpath: str | None) -> tuple[int, float, float, int]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, env.get("PYTHONPATH", "")) if p)
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--once", url], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2]), int(out[3])


def export_revision(revision: str, into: Path) -> Path:
    """`server/` of `revision`, as files under `into`; the directory to put on PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "server"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "server"


# -- the baselines --------------------------------------------------------------------------------------------


def read_log(url: str) -> float:
    """Seconds to read every event of the log in pages of 500, by notification_id."""
    started = time.monotonic()
    with psycopg.connect(url) as conn:
        last = 0
        while True:
            rows = conn.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM imagestreams_events"
                " WHERE notification_id > %s ORDER BY notification_id LIMIT 500",
                (last,),
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
    return time.monotonic() - started


def copy_rows(url: str, count: int) -> float:
    """Seconds to COPY `count` rows shaped like is_tag_history's into a temporary table, in one transaction."""
    current = '{"created": "2026-12-01T10:00:00.000000+00:00", "docker_image_reference": "' + pinned(1, 1) + '"}'
    row = ("bench", "s1", "t1", "moved", current, current, ACTOR, "", "2026-12-01T10:00:00.000000+00:00", "push")
    started = time.monotonic()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE copy_baseline (LIKE is_tag_history INCLUDING ALL) ON COMMIT DROP")
        with cur.copy(
            "COPY copy_baseline (position, namespace, stream, tag, change, current, previous, actor, cause, time,"
            " move_cause) FROM STDIN"
        ) as copy:
            for position in range(1, count + 1):
                copy.write_row((position, *row))
    return time.monotonic() - started


# -- the check ------------------------------------------------------------------------------------------------


def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table, sorted (is_tracking included)."""
    with psycopg.connect(url) as conn:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in readmodel.TABLES
        }


# -- the report -----------------------------------------------------------------------------------------------


def spread(values: Sequence[float], fmt: str) -> str:
    median = fmt.format(statistics.median(values))
    return median if len(values) == 1 else f"{median} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(ENV_URL, DEFAULT_ADMIN_URL))
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--history", type=int, default=20)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="rounds of measurements")
    parser.add_argument("--before", help="a git revision whose rebuild to measure beside this checkout's")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-check", dest="check", action="store_false", help="skip comparing the tables after each rebuild"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL goes to stderr)")
    parser.add_argument("--reuse", help="measure on a store a --keep run filled")
    parser.add_argument("--once", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.once:
        once(args.once)
        return 0
    url = args.reuse or create_database(args.database_url)
    rng = random.Random(args.seed)
    try:
        if not args.reuse:
            progress(f"fill {url}")
            fill(url, args.streams, args.tags, args.history, args.users)
        live = table_rows(url)
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM imagestreams_events").fetchone()
            events = int(row[0]) if row else 0
        with tempfile.TemporaryDirectory() as scratch:
            paths: dict[str, str | None] = {"after": None}
            if args.before:
                paths["before"] = str(export_revision(args.before, Path(scratch)))
            sides: dict[str, Callable[[], tuple[float, float, int]]] = {
                name: functools.partial(rebuild_side, url, path) for name, path in paths.items()
            }
            sides["read"] = lambda: (read_log(url), 0.0, 0)
            sides["copy"] = lambda: (copy_rows(url, events), 0.0, 0)
            measured: dict[str, list[tuple[float, float, int]]] = {name: [] for name in sides}
            for run in range(args.runs):
                order = list(sides)
                rng.shuffle(order)
                for name in order:
                    measured[name].append(sides[name]())
                    progress(f"  run {run + 1}/{args.runs} {name}: {measured[name][-1][0]:.2f} s")
                    if name in paths and args.check and table_rows(url) != live:
                        raise SystemExit(f"the {name} rebuild wrote other rows than the live projection")
        load = os.getloadavg()
        print(
            f"`{' '.join(['bench/rebuild.py', *(argv if argv is not None else sys.argv[1:])])}`, "
            f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, load average {load[0]:.1f}/{load[1]:.1f}; "
            f"{events:,} events, {len(live['is_streams']):,} streams, {len(live['is_tag_history']):,} history rows,"
            f" {len(live['is_tag_status_items']):,} status entries, {len(live['is_images']):,} images"
        )
        print()
        print("| what | events/s | seconds | CPU seconds (rebuild's process) | peak RSS, MiB |")
        print("|---|---|---|---|---|")
        for name in ("before", "after", "read", "copy"):
            if not measured.get(name):
                continue
            seconds = [m[0] for m in measured[name]]
            cpu = spread([m[1] for m in measured[name]], "{:.2f}") if name in paths else "-"
            rss = spread([m[2] / 2**20 for m in measured[name]], "{:.0f}") if name in paths else "-"
            rates = [events / s for s in seconds]
            print(f"| {name} | {spread(rates, '{:,.0f}')} | {spread(seconds, '{:.2f}')} | {cpu} | {rss} |")
    finally:
        if args.keep or args.reuse:
            progress(f"kept: {url}")
        else:
            drop_database(args.database_url, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

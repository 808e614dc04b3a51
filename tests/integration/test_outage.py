"""Database outages on PostgreSQL: calls fail fast with UNAVAILABLE while the database is down, health says
NOT_SERVING, everything recovers when it is back, watches resume without loss, and no work outlives its caller's
deadline. A server started before its database waits for it.

The outage tests stop a PostgreSQL cluster of their own (tests/support/throwaway_pg.py), never the shared one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api

from tests.e2e.support import isctl_command
from tests.support.builders import REGISTRY, digest, push
from tests.support.server import postgres_store, running_server
from tests.support.throwaway_pg import throwaway_postgres
from tests.support.watch import Watcher

pytestmark = pytest.mark.postgres

OUTAGE = 10.0  # seconds the database is down
FAIL_WITHIN = 6.0  # every call answers within this, outage or not
RECOVER_WITHIN = 5.0  # after the database is back, writes, reads and health are fine again within this
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def write(stub: Any, stream: str, tag: str, timeout: float) -> api.CreateImageStreamMappingResponse:
    """An image recorded at `team/stream:tag` (as a registry push does), with a deadline."""
    image = pb.Image(name=digest("ab"), docker_image_reference=f"{REGISTRY}/team/{stream}@{digest('ab')}")
    request = api.CreateImageStreamMappingRequest(namespace="team", name=stream, tag=tag, image=image)
    return stub.CreateImageStreamMapping(request, timeout=timeout)


@dataclass(frozen=True)
class Outcome:
    op: str
    started: float
    seconds: float
    code: grpc.StatusCode
    position: int = 0


class LightLoad:
    """A write and a read about every 0.2 s, each with a 20 s deadline, recording how each one ended."""

    def __init__(self, stub: Any) -> None:
        self.stub = stub
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LightLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _call(self, op: str, fn: Callable[[], object]) -> None:
        started = time.monotonic()
        try:
            answer = fn()
        except grpc.RpcError as error:
            self.outcomes.append(Outcome(op, started, time.monotonic() - started, error.code()))
        else:
            position = getattr(answer, "position", 0)
            self.outcomes.append(Outcome(op, started, time.monotonic() - started, grpc.StatusCode.OK, position))

    def _run(self) -> None:
        read = api.GetImageStreamRequest(namespace="team", name="load")
        n = 0
        while not self._stop.is_set():
            n += 1
            tag = f"t{n}"
            self._call("write", lambda: write(self.stub, "load", tag, timeout=20))  # noqa: B023 (called now)
            self._call("read", lambda: self.stub.GetImageStream(read, timeout=20))
            self._stop.wait(0.2)

    def first_ok_after(self, op: str, instant: float) -> float:
        """Seconds from `instant` to the end of the first successful `op` that started after it."""
        after = [o for o in self.outcomes if o.op == op and o.started >= instant]
        oks = [o.started + o.seconds - instant for o in after if o.code == grpc.StatusCode.OK]
        assert oks, f"no successful {op} after the database was back: {after}"
        return min(oks)


def _wait_for_health(channel: grpc.Channel, wanted: int, within: float) -> float:
    """Seconds until the health check says `wanted`; fails after `within`."""
    stub = health_pb2_grpc.HealthStub(channel)
    started = time.monotonic()
    status = None
    while time.monotonic() - started < within:
        status = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
        if status == wanted:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"health said {status} for {within} s, not {wanted}")


def test_an_outage_is_unavailable_within_seconds_and_everything_recovers(capsys: pytest.CaptureFixture[str]) -> None:
    with throwaway_postgres() as pg, running_server(postgres_store(pg.url), http_listen="127.0.0.1:0") as server:
        healthz = f"http://127.0.0.1:{server.http_port}/healthz"
        assert httpx.get(healthz, timeout=5).status_code == 200
        watcher = Watcher(server.channel, namespace="team", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
        first = push(server.stub, "load", "before", "ab")
        try:
            with LightLoad(server.stub) as load:
                time.sleep(1.0)
                pg.stop()
                down = time.monotonic()
                not_serving_after = _wait_for_health(server.channel, NOT_SERVING, FAIL_WITHIN)
                # The HTTP side's health (a container's health check) says so too.
                assert httpx.get(healthz, timeout=5).status_code == 503
                time.sleep(max(0.0, OUTAGE - (time.monotonic() - down)))
                pg.start()
                back = time.monotonic()
                serving_after = _wait_for_health(server.channel, SERVING, RECOVER_WITHIN)
                assert httpx.get(healthz, timeout=5).status_code == 200
                time.sleep(RECOVER_WITHIN)
            last = push(server.stub, "load", "after", "ab")

            during = [o for o in load.outcomes if down <= o.started < back]
            slowest = max(o.seconds for o in load.outcomes)
            failed = {(o.op, o.code) for o in during if o.code != grpc.StatusCode.OK}
            assert failed == {("write", grpc.StatusCode.UNAVAILABLE), ("read", grpc.StatusCode.UNAVAILABLE)}
            assert slowest < FAIL_WITHIN, [o for o in load.outcomes if o.seconds >= FAIL_WITHIN]
            assert all(o.code == grpc.StatusCode.OK for o in load.outcomes if o.started >= back + RECOVER_WITHIN)
            write_back = load.first_ok_after("write", back)
            read_back = load.first_ok_after("read", back)
            assert write_back < RECOVER_WITHIN and read_back < RECOVER_WITHIN

            # The watch opened before the outage is still there and has every change, once, in order.
            written = [o.position for o in load.outcomes if o.op == "write" and o.code == grpc.StatusCode.OK]
            wanted = {first.position, *written, last.position}
            seen: list[int] = []
            while last.position not in seen:
                seen += [r.position for r in watcher.changes(1, timeout=15)]
            assert seen == sorted(set(seen)), "each change once, in log order"
            assert wanted <= set(seen), sorted(wanted - set(seen))

            unavailable = [o.seconds for o in during if o.code == grpc.StatusCode.UNAVAILABLE]
            with capsys.disabled():
                print(
                    f"\noutage {OUTAGE:.0f} s: {len(during)} calls during it, {len(unavailable)} UNAVAILABLE "
                    f"(slowest {max(unavailable):.2f} s, median {sorted(unavailable)[len(unavailable) // 2]:.3f} s); "
                    f"health NOT_SERVING after {not_serving_after:.2f} s; back: health SERVING after "
                    f"{serving_after:.2f} s, first write {write_back:.2f} s, first read {read_back:.2f} s; "
                    f"slowest call overall {slowest:.2f} s; watch saw {len(seen)} changes"
                )
        finally:
            watcher.cancel()


def test_work_whose_caller_stopped_waiting_is_not_done(postgres_url: str) -> None:
    """Writes stuck behind the log's write lock (here held by another session) past their callers' deadlines are
    cancelled, and those still queued for a worker thread are never started: none of them commits later."""
    with running_server(postgres_store(postgres_url), workers=4) as server:
        push(server.stub, "warm", "up", "ab")
        blocker = psycopg.connect(postgres_url)
        blocker.execute("LOCK TABLE imagestreams_events IN EXCLUSIVE MODE")  # what every append takes
        try:
            # Twice as many writers as worker threads: half wait for a thread, half for the lock.
            with ThreadPoolExecutor(8) as pool:
                calls = [pool.submit(write, server.stub, f"late{i}", "v1", 1.5) for i in range(8)]
                codes = []
                for call in calls:
                    try:
                        call.result()
                        codes.append(grpc.StatusCode.OK)
                    except grpc.RpcError as error:
                        codes.append(error.code())
            assert codes == [grpc.StatusCode.DEADLINE_EXCEEDED] * 8
            time.sleep(1.0)
        finally:
            blocker.rollback()  # the lock goes: anything still trying to append would commit now
            blocker.close()
        time.sleep(2.0)
        started = time.monotonic()
        streams = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team"), timeout=5)
        assert time.monotonic() - started < 1.0, "the worker threads are free again"
        assert sorted(s.name for s in streams.image_streams) == ["warm"]


def _waiting_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "waiting for the database" in line]


def test_a_server_started_before_its_database_waits_for_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with throwaway_postgres(started=False) as pg:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            address = f"127.0.0.1:{probe.getsockname()[1]}"
        log = tmp_path / "serve.log"
        env = {**os.environ, "IMAGESTREAMS_ADMIN_TOKEN_FILE": str(tmp_path / "admin.token")}
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*isctl_command(), "serve", "--listen", address, "--database-url", pg.url, "--no-auto-import"],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp_path,
            )
        try:
            # It says what it waits for, and says it again every few seconds, instead of exiting.
            for lines in range(1, 3):
                limit = time.monotonic() + 30
                while len(_waiting_lines(log)) < lines:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < limit, log.read_text()
                    time.sleep(0.2)
            pg.start()
            started = time.monotonic()
            with grpc.insecure_channel(address) as channel:
                while True:
                    assert process.poll() is None, log.read_text()
                    try:
                        _wait_for_health(channel, SERVING, 1.0)
                        break
                    except (grpc.RpcError, AssertionError):
                        assert time.monotonic() - started < 20, log.read_text()
            assert "Traceback" not in log.read_text()
            with capsys.disabled():
                print(f"\nisctl serve: SERVING {time.monotonic() - started:.2f} s after the database started")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

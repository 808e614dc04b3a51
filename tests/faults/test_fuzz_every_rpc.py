"""Hostile input on every RPC: random request messages built from each method's descriptor, and bytes that
are no message at all, sent over gRPC to a real server as the cluster administrator (so the access checks
pass and the requests reach the code behind them). Whatever arrives, the answer is a status that names
the problem: never INTERNAL or UNKNOWN, never a crash, never an error message longer than the bound.

Bounded for CI (about a minute on 2 cores); IMAGESTREAMS_FUZZ_SCALE=10 runs ten times as many examples.
Derandomized: every run sends the same requests, so a failure in CI reproduces on a laptop.
"""

from __future__ import annotations

import collections
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagestreams_server.api.errors import MAX_MESSAGE

from tests.faults.figures import record
from tests.faults.messages import NAMESPACE, Rpc, every_rpc, message
from tests.support.postgres import fresh_database
from tests.support.server import TestServer, postgres_store, running_server, sqlite_store

pytestmark = pytest.mark.faults

SCALE = float(os.environ.get("IMAGESTREAMS_FUZZ_SCALE", "1"))
# Examples per method: typed requests and raw bytes. ImportImage may wait on a refused registry with
# retries (about 1.5 s), so it gets fewer.
TYPED_EXAMPLES = {"sqlite": 25, "postgres": 10}
RAW_EXAMPLES = 8
SLOW_RPCS = {"ImportImage": 0.4}
# Client deadlines: ImportImage may be still backing off from a refused registry when it runs out.
DEADLINE = 10.0
WATCH_DEADLINE = 0.5
WATCH_READS = 3

# Never an answer to a request, however bad. UNAVAILABLE on a healthy store means the server went away.
FORBIDDEN = {
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DATA_LOSS,
    grpc.StatusCode.UNAUTHENTICATED,  # the administrator's token must outlive any request
}
# Fine for a call the client itself cut short.
CUT_SHORT = {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
# gRPC's default limit on a client's received metadata: a status (message and details) must fit in it.
METADATA_LIMIT = 8192

RPCS = list(every_rpc())
tally: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A loopback port bound by nothing that listens: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, closed_port: int
) -> Iterator[tuple[str, TestServer]]:
    """A server whose registry client can reach nothing: every HTTP request it makes goes to a proxy on
    the closed port (the fuzzed imports name real registries too; none may be reached from a test)."""
    proxy = f"http://127.0.0.1:{closed_port}"
    with pytest.MonkeyPatch.context() as env:
        # Upper case only: httpx reads these, gRPC's own channels read the lower-case names.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.setenv(name, proxy)
        env.setenv("NO_PROXY", "")
        if request.param == "sqlite":
            with running_server(sqlite_store(tmp_path_factory.mktemp("fuzz") / "data")) as server:
                yield request.param, server
        else:
            with fresh_database() as url, running_server(postgres_store(url)) as server:
                yield request.param, server
    statuses = ", ".join(f"{k}={v}" for k, v in sorted(tally.items()) if k != "calls")
    record(f"fuzz[{request.param}]", f"{tally['calls']} calls, INTERNAL={tally['INTERNAL']}; {statuses}")
    tally.clear()


def examples(count: float, rpc: Rpc) -> int:
    return max(1, round(count * SCALE * SLOW_RPCS.get(rpc.name, 1.0)))


def check_status(rpc: Rpc, code: grpc.StatusCode, details: str, trailers: object) -> None:
    tally["calls"] += 1
    tally[code.name] += 1
    assert code not in FORBIDDEN, f"{rpc.path}: {code.name}: {details[:2000]}"
    assert len(details) <= MAX_MESSAGE, f"{rpc.path}: a {len(details)}-character message: {details[:200]}..."
    size = sum(len(k) + len(v) for k, v in trailers or ())  # type: ignore[attr-defined]
    assert size < METADATA_LIMIT, f"{rpc.path}: {size} bytes of trailing metadata"


def call(server: TestServer, rpc: Rpc, payload: bytes) -> None:
    """Sends `payload` as the request of `rpc` (no serializer: the bytes go as they are); checks the status."""
    if rpc.server_streaming:
        stream = server.channel.unary_stream(rpc.path)(payload, timeout=WATCH_DEADLINE)
        try:
            for _, _ in zip(range(WATCH_READS), stream, strict=False):
                pass
            stream.cancel()
        except grpc.RpcError as error:
            if error.code() not in CUT_SHORT:
                check_status(rpc, error.code(), error.details() or "", error.trailing_metadata())
                return
        tally["calls"] += 1
        tally["OK"] += 1
        return
    try:
        server.channel.unary_unary(rpc.path)(payload, timeout=DEADLINE)
    except grpc.RpcError as error:
        if error.code() in CUT_SHORT and rpc.name in SLOW_RPCS:
            tally["calls"] += 1
            tally[error.code().name] += 1
            return
        check_status(rpc, error.code(), error.details() or "", error.trailing_metadata())
        return
    tally["calls"] += 1
    tally["OK"] += 1


def still_serving(server: TestServer) -> None:
    health = health_pb2_grpc.HealthStub(server.channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def fuzz_settings(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


@pytest.mark.parametrize("rpc", RPCS, ids=[rpc.id for rpc in RPCS])
def test_random_requests_get_a_precise_status(
    fuzzed: tuple[str, TestServer], closed_port: int, rpc: Rpc, tmp_path: Path
) -> None:
    backend, server = fuzzed
    requests = message(rpc.request, closed_port)

    @fuzz_settings(examples(TYPED_EXAMPLES[backend], rpc))
    @given(request=requests)
    def run(request: object) -> None:
        call(server, rpc, request.SerializeToString())  # type: ignore[attr-defined]
        if rpc.name == "DeleteProject":
            server.create_project(NAMESPACE)  # the next requests still have a project to write into

    run()
    still_serving(server)


# Bytes that cannot be a request: truncated varints and lengths, a string field of invalid UTF-8, groups,
# a field number 0, a wire type that does not exist.
UNDECODABLE = [
    b"\x08",
    b"\x0a\x05ab",
    b"\x0a\x02\xff\xfe",
    b"\x0a\x04\xed\xa0\x80a",
    b"\x0b\x0c",
    b"\x00\x01",
    b"\x0f\x01",
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\x12\xff\xff\xff\xff\x0f",
]


@pytest.mark.parametrize("rpc", RPCS, ids=[rpc.id for rpc in RPCS])
def test_undecodable_bytes_get_a_precise_status(fuzzed: tuple[str, TestServer], rpc: Rpc) -> None:
    _, server = fuzzed
    for payload in UNDECODABLE:
        call(server, rpc, payload)

    @fuzz_settings(examples(RAW_EXAMPLES, rpc))
    @given(payload=st.binary(min_size=1, max_size=300))
    def run(payload: bytes) -> None:
        call(server, rpc, payload)

    run()
    still_serving(server)

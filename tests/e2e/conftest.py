"""End-to-end fixtures: a real `isctl serve` process, and `isctl` run as a user types it.

One server per test module (each test uses stream names of its own), started on a free loopback port with
its SQLite log in a temporary directory, ready once the gRPC health check says SERVING. A fresh server makes
a cluster administrator and writes its token to DATA_DIR/admin.token: every `isctl` the fixtures run, and
every client they make, uses that token, and `isctl` reads and writes a configuration file of the module's
own (ISCTL_CONFIG), never the developer's ~/.isctl.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams_client import Client

from tests.e2e.support import Isctl, ensure_projects, isctl_command, read_admin_token

STARTUP_TIMEOUT = 60.0

# Namespaces the tests of the modules write into besides `default`: writes need a project, so the fixtures
# make them (as the administrator) before the tests run.
E2E_PROJECTS = (
    "team",
    "paging",
    "listing",
    "cli-basic",
    "cli-stdin",
    "cli-bounded",
    "cli-files",
    "cli-link",
    "cli-import",
    "cli-forms",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(
    address: str, process: subprocess.Popen[bytes], log: Path, credentials: grpc.ChannelCredentials | None = None
) -> None:
    """Waits for the health check to answer; `credentials` for a server that speaks TLS."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    channel_of = grpc.insecure_channel(address) if credentials is None else grpc.secure_channel(address, credentials)
    with channel_of as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"isctl serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError as error:
                if error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                    return  # a server that asks for credentials even here is up
                # otherwise: not listening yet
            time.sleep(0.1)
    raise RuntimeError(f"isctl serve did not become healthy in {STARTUP_TIMEOUT}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the server drains calls in flight on SIGTERM
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@dataclass(frozen=True)
class ServeProcess:
    address: str
    data_dir: Path
    # The cluster administrator's token ("" when the server wrote none).
    admin_token: str


@contextmanager
def serving(directory: Path, *options: str) -> Iterator[ServeProcess]:
    """`isctl serve` as a subprocess on a free port (with `options` besides the usual ones), with the projects
    the tests write into; stopped on exit."""
    data_dir = directory / "data"
    log = directory / "serve.log"
    address = f"127.0.0.1:{_free_port()}"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            # No background import: the tests name registries that do not exist, and must not reach for them.
            [*isctl_command(), "serve", "--listen", address, "--data-dir", str(data_dir), "--no-auto-import", *options],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(address, process, log)
            token = read_admin_token(data_dir)
            ensure_projects(address, token, E2E_PROJECTS)
            yield ServeProcess(address, data_dir, token)
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def serve_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """`isctl serve` for the module's tests (a module may define its own, started with `serving`)."""
    with serving(tmp_path_factory.mktemp("isctl-serve")) as process:
        yield process


@pytest.fixture(scope="module")
def server_address(serve_process: ServeProcess) -> str:
    return serve_process.address


@pytest.fixture(scope="module")
def admin_token(serve_process: ServeProcess) -> str:
    return serve_process.admin_token


@pytest.fixture(scope="module")
def isctl(serve_process: ServeProcess, tmp_path_factory: pytest.TempPathFactory) -> Isctl:
    """`isctl` as the cluster administrator (ISCTL_TOKEN), with a configuration file of its own."""
    config = tmp_path_factory.mktemp("isctl-config") / "config"
    return Isctl(serve_process.address, token=serve_process.admin_token, config=config)


@pytest.fixture(scope="module")
def client(serve_process: ServeProcess) -> Iterator[Client]:
    """The client library, for what a registry does rather than a user (recording pushed images)."""
    with Client(serve_process.address, token=serve_process.admin_token or None) as api_client:
        yield api_client

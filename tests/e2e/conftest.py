"""End-to-end fixtures: a real `isctl serve` process, and `isctl` run as a user types it.

One server per test module (each test uses stream names of its own), started on a free loopback port with
its SQLite log in a temporary directory, ready once the gRPC health check says SERVING.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams_client import Client

from tests.e2e.support import Isctl, isctl_command

STARTUP_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"isctl serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass  # not listening yet
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


@pytest.fixture(scope="module")
def server_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`isctl serve` as a subprocess on a free port; stopped after the module's tests."""
    directory = tmp_path_factory.mktemp("isctl-serve")
    log = directory / "serve.log"
    address = f"127.0.0.1:{_free_port()}"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            # No background import: the tests name registries that do not exist, and must not reach for them.
            [*isctl_command(), "serve", "--listen", address, "--data-dir", str(directory / "data"), "--no-auto-import"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(address, process, log)
            yield address
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def isctl(server_address: str) -> Isctl:
    return Isctl(server_address)


@pytest.fixture(scope="module")
def client(server_address: str) -> Iterator[Client]:
    """The client library, for what a registry does rather than a user (recording pushed images)."""
    with Client(server_address) as api_client:
        yield api_client

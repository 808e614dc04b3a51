"""`isctl serve` as a process of its own, which a test may SIGKILL and start again on the same port and store
(an SQLite data directory, or a PostgreSQL database given in the environment, off the command line)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.e2e.support import isctl_command, read_admin_token

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    def __init__(self, directory: Path, database_url: str = "") -> None:
        self.directory = directory
        self.data_dir = directory / "data"
        self.database_url = database_url
        self.address = f"127.0.0.1:{free_port()}"
        self.log = directory / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        # The cluster administrator's token, written by the first start (later starts reuse the store's).
        self.token = ""

    def start(self) -> float:
        """Starts the server; returns the seconds until it answered its health check as SERVING."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("IMAGESTREAMS_")}
        if self.database_url:
            environment["IMAGESTREAMS_DATABASE_URL"] = self.database_url
        command = [
            *isctl_command(),
            "serve",
            "--listen",
            self.address,
            "--data-dir",
            str(self.data_dir),
            # Nothing here names a registry that exists: no background import, no scheduled checks.
            "--no-auto-import",
            "--import-interval",
            "0",
        ]
        began = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        self._wait_until_serving()
        self.token = self.token or read_admin_token(self.data_dir)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL: no drain, no shutdown hook, whatever was in flight is cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _wait_until_serving(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with grpc.insecure_channel(self.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"isctl serve exited with {self.process.returncode}:\n{self.log.read_text()}")
                try:
                    answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass  # not listening yet
                time.sleep(0.05)
        raise RuntimeError(f"isctl serve did not serve within {STARTUP_TIMEOUT} s:\n{self.log.read_text()}")

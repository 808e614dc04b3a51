"""`isctl serve` keeps its secrets out of `ps`: the notifications secret from a file or the environment, the
database URL from the environment (its password from a libpq password file), a warning when a password is
on the command line anyway; and the data directory and its files are its owner's only."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from psycopg.conninfo import conninfo_to_dict

from tests.e2e.support import isctl_command
from tests.support.postgres import fresh_database

SECRET = "notify-0f9e8d7c6b5a4"
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    pid: int
    address: str
    notifications: str
    log: Path

    def argv(self) -> str:
        """The command line as `ps` shows it to every user."""
        return Path(f"/proc/{self.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()

    def notify(self, secret: str) -> int:
        url = f"http://{self.notifications}/registry/notifications"
        return httpx.post(url, json={"events": []}, headers={"Authorization": f"Bearer {secret}"}).status_code


@contextmanager
def serve(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """`isctl serve` as a subprocess with a notifications endpoint, until it answers health checks."""
    address, notifications = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGESTREAMS_", "PG"))}
    environment.update(env or {})
    log = tmp_path / "serve.log"
    command = [*isctl_command(), "serve", "--listen", address, "--no-auto-import"]
    command += ["--notifications-listen", notifications, *args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with grpc.insecure_channel(address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"isctl serve did not start:\n{log.read_text()}")
                try:
                    health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    break
                except grpc.RpcError as error:
                    if error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                        break
                time.sleep(0.1)
        yield Served(process.pid, address, notifications, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def refused(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Runs `isctl serve` that must refuse to start; returns what it printed."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGESTREAMS_", "PG"))}
    environment.update(env or {})
    command = [*isctl_command(), "serve", "--listen", f"127.0.0.1:{free_port()}", "--no-auto-import"]
    command += ["--data-dir", str(tmp_path / "data"), "--notifications-listen", f"127.0.0.1:{free_port()}", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)
    assert done.returncode != 0, done
    assert "Traceback" not in done.stderr
    return done.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_secret_from_a_file_is_used_and_not_on_the_command_line(tmp_path: Path) -> None:
    secret_file = tmp_path / "notifications.secret"
    secret_file.write_text(SECRET + "\n")  # the line end an editor adds is not part of the secret
    secret_file.chmod(0o600)
    data = tmp_path / "data"
    with serve(tmp_path, "--data-dir", str(data), "--notifications-secret-file", str(secret_file)) as served:
        assert served.notify(SECRET) == 200
        assert served.notify("wrong") == 401
        assert SECRET not in served.argv()
        # Everything the server created in its data directory is its owner's only.
        assert mode(data) == 0o700
        created = {p.name: mode(p) for p in data.iterdir()}
    assert created["imagestreams.sqlite"] == 0o600
    assert created["admin.token"] == 0o600 and created["secret.key"] == 0o600
    assert created["registry-token.key"] == 0o600 and created["registry-token.crt"] == 0o600
    # The -wal and -shm files too; directories (the pull-through blob cache) are 0700.
    assert all(m == (0o700 if (data / name).is_dir() else 0o600) for name, m in created.items()), created
    assert SECRET not in served.log.read_text()


def test_the_secret_and_its_file_from_the_environment(tmp_path: Path) -> None:
    with serve(tmp_path, "--data-dir", str(tmp_path / "a"), env={"IMAGESTREAMS_NOTIFICATIONS_SECRET": SECRET}) as a:
        assert a.notify(SECRET) == 200 and a.notify("wrong") == 401
        assert SECRET not in a.argv()
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    env = {"IMAGESTREAMS_NOTIFICATIONS_SECRET_FILE": str(secret_file)}
    with serve(tmp_path, "--data-dir", str(tmp_path / "b"), env=env) as b:
        assert b.notify(SECRET) == 200 and b.notify("wrong") == 401


def test_a_secret_on_the_command_line_still_works_with_a_warning(tmp_path: Path) -> None:
    with serve(tmp_path, "--data-dir", str(tmp_path / "data"), "--notifications-secret", SECRET) as served:
        assert served.notify(SECRET) == 200
    assert "--notifications-secret on the command line is shown by ps" in served.log.read_text()


def test_unusable_secret_sources_are_refused_at_start(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    both = ("--notifications-secret", SECRET, "--notifications-secret-file", str(empty))
    assert "give --notifications-secret or --notifications-secret-file, not both" in refused(tmp_path, *both)
    assert f"--notifications-secret-file: {empty} is empty" in refused(
        tmp_path, "--notifications-secret-file", str(empty)
    )
    missing = tmp_path / "missing"
    assert f"--notifications-secret-file: cannot read {missing}: No such file or directory" in refused(
        tmp_path, "--notifications-secret-file", str(missing)
    )
    assert "--notifications-listen needs a secret" in refused(tmp_path)


def test_the_database_url_from_the_environment_is_not_on_the_command_line(tmp_path: Path) -> None:
    with fresh_database() as url:
        assert conninfo_to_dict(url).get("password") is None  # the shared test server trusts loopback
        env = {"IMAGESTREAMS_DATABASE_URL": url, "IMAGESTREAMS_NOTIFICATIONS_SECRET": SECRET}
        data = tmp_path / "data"
        with serve(tmp_path, "--data-dir", str(data), env=env) as served:
            assert url not in served.argv() and "postgresql" not in served.argv()
            with psycopg.connect(url) as conn:
                tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'imagestreams_events'")
                assert tables.fetchone() == (1,)
        assert not (data / "imagestreams.sqlite").exists()
        assert mode(data) == 0o700 and mode(data / "admin.token") == 0o600
        assert "holds a password" not in served.log.read_text()


def test_a_password_in_the_database_url_on_the_command_line_is_warned_about(tmp_path: Path) -> None:
    with fresh_database() as url:
        # The shared test server trusts loopback, so any password connects; the warning is the point.
        with_password = url.replace("postgresql://postgres@", "postgresql://postgres:hunter2-on-argv@")
        env = {"IMAGESTREAMS_NOTIFICATIONS_SECRET": SECRET}
        with serve(tmp_path, "--data-dir", str(tmp_path / "data"), "--database-url", with_password, env=env):
            pass
    log = (tmp_path / "serve.log").read_text()
    assert "the --database-url on the command line holds a password" in log
    assert "hunter2-on-argv" not in log


def test_a_libpq_password_file_supplies_the_password_the_url_leaves_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq reads the password file before it authenticates, so even on a server that trusts loopback the
    connection shows which password it would send: the file's, since the store passes none of its own."""
    with fresh_database() as url:
        params = conninfo_to_dict(url)
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"{params['host']}:{params.get('port', 5432)}:*:{params['user']}:from-the-passfile\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        monkeypatch.delenv("PGPASSWORD", raising=False)
        log = EventLog(StoreConfig(database_url=url))
        try:
            with log.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                assert conn.info.password == "from-the-passfile"
        finally:
            log.close()

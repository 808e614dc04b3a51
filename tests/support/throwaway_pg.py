"""A PostgreSQL cluster of a test's own (initdb + pg_ctl in /tmp, a random loopback port) that the test may
stop and start again: what an outage test needs, and what the shared server must never be put through.

Durability is off (the cluster lives for one test). As root, the server runs as the `postgres` user, since
initdb and postgres refuse to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# fsync off is safe here (the machine does not crash under the test), synchronous_commit stays on: an
# immediate stop must not lose what the server already answered as committed.
OPTIONS = "-c fsync=off -c full_page_writes=off -c max_connections=50"


def _pgbin() -> Path | None:
    def version(directory: str) -> int:
        name = Path(directory).parent.name
        return int(name) if name.isdigit() else 0

    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(Path(directory) / "pg_ctl", os.X_OK):
            return Path(directory)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """One cluster: `url` while it runs, `stop()` (immediate: like a crash or a cut cable) and `start()`."""

    def __init__(self, pgbin: Path, directory: Path) -> None:
        self.pgbin = pgbin
        self.directory = directory
        self.data = directory / "data"
        self.port = _free_port()
        self.runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # Output to a file, not a pipe: the server pg_ctl leaves running would hold a pipe open, and reading it
        # to its end would wait for the server to exit.
        output = self.directory / "ctl.log"
        with output.open("w") as file:
            result = subprocess.run(
                [*self.runas, *args], stdin=subprocess.DEVNULL, stdout=file, stderr=file, timeout=60, check=False
            )
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {output.read_text()}\n{tail}")

    def init(self) -> None:
        if self.runas:
            shutil.chown(self.directory, "postgres")
        self._run(
            str(self.pgbin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 {OPTIONS}"
        self._run(
            str(self.pgbin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
            "-w", "-t", "60", "start", "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.pgbin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        subprocess.run(
            [*self.runas, str(self.pgbin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def throwaway_postgres(*, started: bool = True) -> Iterator[ThrowawayPostgres]:
    """A fresh cluster, running unless `started` is False; stopped and deleted afterwards. Skips the test when
    the PostgreSQL server binaries are not installed."""
    pgbin = _pgbin()
    if pgbin is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    # Under /tmp: the postgres user must be able to reach it (not under /root).
    cluster = ThrowawayPostgres(pgbin, Path(tempfile.mkdtemp(prefix="ist-outage-", dir="/tmp")))
    try:
        cluster.init()
        if started:
            cluster.start()
        yield cluster
    finally:
        cluster.destroy()

"""Where the log lives: an embedded SQLite file by default, or PostgreSQL given a `postgresql://` URL."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict


@dataclass(frozen=True)
class StoreConfig:
    database_url: str = ""
    data_dir: Path = Path("data")
    # Seconds a writer waits for the log's write lock before the command fails (and is retried).
    lock_timeout: int = 5
    pool_size: int = 5
    max_overflow: int = 10
    # Seconds a request waits for a pooled connection (and libpq for a new one) before the store counts as
    # unreachable and the request answers UNAVAILABLE. Whole seconds (the library's setting is an integer).
    pool_timeout: int = 3
    # Seconds between probes of the database (health.py): how soon an outage, and the recovery, are seen.
    probe_interval: float = 1.0
    # A snapshot of a stream every this many of its events (store/snapshots.py); 0 takes none.
    snapshot_interval: int = 100

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def describe(self) -> str:
        """Where the store is, for log lines: never the password."""
        if self.is_postgres:
            params = conninfo_to_dict(self.database_url)
            return f"postgresql://{params.get('host', '')}:{params.get('port', '5432')}/{params.get('dbname', '')}"
        return f"sqlite:{self.sqlite_path()}"

    def sqlite_path(self) -> Path:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "imagestreams.sqlite"

    def eventsourcing_env(self) -> dict[str, str]:
        env = {"ORIGINATOR_ID_TYPE": "text"}
        if self.is_postgres:
            params = conninfo_to_dict(self.database_url)
            env.update(
                # eventsourcing's PostgreSQL factory, with deadlines and fail-fast outages (pg_datastore.py).
                PERSISTENCE_MODULE="imagestreams_server.store.pg_datastore:GuardedPostgresFactory",
                POSTGRES_DBNAME=str(params.get("dbname") or params.get("user") or "postgres"),
                POSTGRES_HOST=str(params.get("host") or "127.0.0.1"),
                POSTGRES_PORT=str(params.get("port") or "5432"),
                POSTGRES_USER=str(params.get("user") or "postgres"),
                POSTGRES_PASSWORD=str(params.get("password") or ""),
                POSTGRES_LOCK_TIMEOUT=str(self.lock_timeout),
                POSTGRES_POOL_SIZE=str(self.pool_size),
                POSTGRES_MAX_OVERFLOW=str(self.max_overflow),
                # A pooled connection is checked before use: by a round trip only when it may have been lost
                # (pg_datastore.check_if_disturbed replaces the library's check).
                POSTGRES_PRE_PING="y",
                # Seconds to wait for a pooled connection: a failing database surfaces (as UNAVAILABLE) in
                # seconds rather than the library's 30 s per attempt (which it retries up to ten times).
                POSTGRES_CONNECT_TIMEOUT=str(self.pool_timeout),
                # Requests wait for a connection only as long as POSTGRES_CONNECT_TIMEOUT, however many wait.
                POSTGRES_MAX_WAITING="0",
                IMAGESTREAMS_PROBE_INTERVAL=str(self.probe_interval),
                APPLICATION_RECORDER_TOPIC="imagestreams_server.store.recorders:ProjectingPostgresRecorder",
            )
        else:
            path = self.sqlite_path()
            create_private_file(path)
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(path),
                SQLITE_LOCK_TIMEOUT=str(self.lock_timeout),
                APPLICATION_RECORDER_TOPIC="imagestreams_server.store.recorders:ProjectingSQLiteRecorder",
            )
        return env


def create_private_file(path: Path) -> None:
    """Creates `path` (empty) with mode 0600, in a directory created with mode 0700, unless they exist.

    The log holds every stream, encrypted pull secrets and token hashes: like the key file, it is its
    owner's only. An empty file is an empty SQLite database, and SQLite gives its `-wal` and `-shm` files
    the mode of the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

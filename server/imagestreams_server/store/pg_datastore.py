"""eventsourcing's PostgreSQL datastore, bounded in time: by the caller's deadline and by the store's health.

Every use of the database by the log, the read models and the recorders goes through `get_connection`, and the
library retries each of them up to ten times on a connection error. Here:

- once the current call's deadline has passed, no connection is handed out (DeadlineExceeded, not retried), so
  work whose caller stopped waiting is not started, and a retry loop ends at the deadline;
- each statement is bounded by the time left (`statement_timeout`), so a write stuck behind a lock or a slow
  server is cancelled when its caller gives up rather than committing long after;
- a connection failure (refused, lost, a pool that could not hand one out in time) marks the store down and is
  raised as StoreUnavailable, which the library does not retry: the caller hears UNAVAILABLE in seconds, not
  after ten waits for the pool; while the store is down, requests fail at once (see health.py).
"""

from __future__ import annotations

import math
import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import make_conninfo
from psycopg.pq import ConnStatus, TransactionStatus
from psycopg_pool import ConnectionPool

from . import deadline
from .health import StoreHealth, StoreUnavailable, connection_failure, describe

# The attribute a pooled connection keeps its current statement_timeout in (milliseconds; 0: none).
_TIMEOUT_ATTR = "_imagestreams_statement_timeout"
# Bounds under this many milliseconds are lifted before the connection goes back to the pool.
TIGHT_MS = 1000
# The most a bound may exceed the time left, so that calls with about the same deadline share it.
MAX_SLACK_MS = 2000


class GuardedPostgresDatastore(PostgresDatastore):
    """Made from the library's datastore once it is built (see `GuardedPostgresFactory`); `health` is set then."""

    health: StoreHealth

    @contextmanager
    def get_connection(self) -> Iterator[psycopg.Connection[Any]]:
        deadline.check()
        if not self.health.up:
            raise StoreUnavailable(self.health.reason or "not reachable")
        try:
            with super().get_connection() as conn:
                # Waiting for a connection may have used up the time: the work would start too late.
                deadline.check()
                _bound_statements(conn)
                try:
                    yield conn
                finally:
                    _loosen_tight_bound(conn)
        except (OperationalError, InterfaceError) as error:
            left = deadline.remaining()
            if left is not None and left <= 0:
                # Cancelled by the statement timeout, or failed after the caller gave up: either way over.
                raise deadline.DeadlineExceeded() from error
            failure = connection_failure(error)
            if failure is None:
                raise
            reason = describe(failure)
            self.health.mark_down(reason)
            raise StoreUnavailable(reason) from error

    def close(self) -> None:
        health = getattr(self, "health", None)
        if health is not None:
            health.stop()
        super().close()

    def recover(self) -> None:
        """Before requests are let through again: connections left idle in the pool across the outage are
        tested and the dead ones replaced, so the first requests do not each find a dead one."""
        if not self.pool.closed:
            self.pool.check()


def _bound_statements(conn: psycopg.Connection[Any]) -> None:
    """Each statement on this connection may run for at most the time left before the current call's
    deadline (none without a deadline), plus a sixteenth of it (at most 2 s). Setting it is a round trip of
    its own, so a connection keeps the bound it has while that is no shorter than the time left and no more
    than an eighth longer: calls with the same deadline reuse it instead of paying a round trip each."""
    left = deadline.remaining()
    wanted = 0 if left is None else max(1, math.ceil(left * 1000))
    current = getattr(conn, _TIMEOUT_ATTR, 0)
    if current == wanted or (wanted and wanted <= current <= wanted + wanted // 8):
        return
    if wanted:
        wanted += min(wanted // 16, MAX_SLACK_MS)
    if conn.info.transaction_status != TransactionStatus.IDLE:
        return  # the library opens its transactions after this; never change a transaction midway
    # The pool's connections are in autocommit mode: this holds for the session until changed again.
    conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{wanted}ms",))
    setattr(conn, _TIMEOUT_ATTR, wanted)


def health_of(datastore: object) -> StoreHealth | None:
    """The health of a guarded PostgreSQL datastore; None for any other store (an embedded SQLite file is
    always there)."""
    return datastore.health if isinstance(datastore, GuardedPostgresDatastore) else None


def _loosen_tight_bound(conn: psycopg.Connection[Any]) -> None:
    """A connection goes back to the pool without a bound of under a second: the pool's own check of it before
    its next use runs under that bound, and a tight one would make a healthy connection look dead."""
    bound = getattr(conn, _TIMEOUT_ATTR, 0)
    if not 0 < bound < TIGHT_MS or conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        return
    try:
        conn.execute("SELECT set_config('statement_timeout', '0', false)")
    except psycopg.Error:
        return  # a broken connection: the pool replaces it
    setattr(conn, _TIMEOUT_ATTR, 0)


def check_if_disturbed(conn: psycopg.Connection[Any]) -> None:
    """The pool's check of a connection before it hands it out: the library's round trip
    (`ConnectionPool.check_connection`) only when the connection is not plainly usable.

    A pooled connection is idle and receives nothing unasked (none of them LISTENs), so anything to read on
    its socket means the server spoke or went away: it ends a session (shutdown, restart, a terminated backend,
    an idle timeout) with a message and then closes it, and a closed socket reads as end of file. Then, or
    when libpq already knows the connection is bad, the round trip decides (and reads what arrived). A silent
    peer (a host that vanished without closing) is not caught by either: the round trip would wait on it too."""
    pgconn = conn.pgconn
    if pgconn.status == ConnStatus.OK and pgconn.transaction_status == TransactionStatus.IDLE:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return
    ConnectionPool.check_connection(conn)


class GuardedPostgresFactory(PostgresFactory):
    """The library's factory with the guarded datastore; PERSISTENCE_MODULE names it (store/config.py)."""

    PROBE_INTERVAL = "IMAGESTREAMS_PROBE_INTERVAL"

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        datastore = self.datastore
        # The library builds its own datastore from the environment; only the behaviour of get_connection
        # changes, so the object becomes the subclass rather than being built a second time.
        datastore.__class__ = GuardedPostgresDatastore
        assert isinstance(datastore, GuardedPostgresDatastore)
        pool = datastore.pool
        wait = float(pool.timeout)
        # libpq's own connect timeout (the library sets none): a host that drops packets costs seconds, not
        # the kernel's minutes. Whole seconds, at least 2.
        assert isinstance(pool.kwargs, dict)
        pool.kwargs["connect_timeout"] = max(2, math.ceil(wait))
        # A slot whose reconnection keeps failing is given up soon (it is grown again on demand), rather than
        # retried with a backoff that may reach past the outage's end by many seconds.
        pool.reconnect_timeout = 2 * wait
        # The library's pre-ping (POSTGRES_PRE_PING, store/config.py) is a round trip per request; this check
        # makes one only when the connection may have been lost (see `check_if_disturbed`).
        assert hasattr(pool, "_check")
        pool._check = check_if_disturbed
        server = {k: v for k, v in pool.kwargs.items() if k in ("dbname", "host", "port", "user", "password")}
        datastore.health = StoreHealth(
            make_conninfo(**server),
            interval=float(self.env.get(self.PROBE_INTERVAL) or 1.0),
            timeout=wait,
        )
        datastore.health.before_up.append(datastore.recover)

"""The check of a pooled connection before a request uses it (store/pg_datastore.check_if_disturbed): no round
trip for a connection that is plainly fine, the library's round trip when the server spoke or went away."""

from __future__ import annotations

import select
import time
from typing import Any

import psycopg
import pytest
from imagestreams_server.store.pg_datastore import check_if_disturbed

pytestmark = pytest.mark.postgres


class CountingConnection(psycopg.Connection[Any]):
    """Counts the statements run on it (the library's check is one)."""

    statements = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return super().execute(*args, **kwargs)


def connect(url: str) -> CountingConnection:
    return CountingConnection.connect(url, autocommit=True)


def wait_until_readable(conn: psycopg.Connection[Any]) -> None:
    """Until what the server sent has arrived (it is sent asynchronously)."""
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN)
    assert poller.poll(5000), "nothing arrived from the server"


def test_a_healthy_idle_connection_is_handed_out_without_a_round_trip(postgres_url: str) -> None:
    with connect(postgres_url) as conn:
        conn.execute("SELECT 1").fetchall()
        conn.statements = 0
        check_if_disturbed(conn)
        assert conn.statements == 0


def test_a_connection_whose_backend_was_terminated_fails_the_check(postgres_url: str) -> None:
    with connect(postgres_url) as conn, psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        wait_until_readable(conn)
        with pytest.raises(psycopg.OperationalError):
            check_if_disturbed(conn)


def test_a_connection_the_server_spoke_to_is_checked_with_a_round_trip(postgres_url: str) -> None:
    with connect(postgres_url) as conn, psycopg.connect(postgres_url, autocommit=True) as other:
        conn.execute("LISTEN pool_check")
        other.execute("NOTIFY pool_check")
        wait_until_readable(conn)
        conn.statements = 0
        check_if_disturbed(conn)
        assert conn.statements == 1
        # The round trip read what had arrived: the next check needs none.
        time.sleep(0.05)
        conn.statements = 0
        check_if_disturbed(conn)
        assert conn.statements == 0


def test_a_closed_connection_fails_the_check(postgres_url: str) -> None:
    conn = connect(postgres_url)
    conn.close()
    with pytest.raises(psycopg.OperationalError):
        check_if_disturbed(conn)

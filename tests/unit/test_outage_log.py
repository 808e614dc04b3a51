"""An outage of the database is a few lines in the server's log, not a line per retry: the watch hub's reads
and the LISTEN connection each say when it starts, remind every REPORT_EVERY seconds, and say when it ends."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from imagestreams_server.store.outage_log import REPORT_EVERY, OutageLog
from imagestreams_server.store.pg_listener import PostgresListener

log = logging.getLogger("test-outage")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_reported_once_then_every_interval_then_its_end(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    outage = OutageLog(log, clock)
    with caplog.at_level(logging.WARNING, logger="test-outage"):
        for _ in range(20):  # a retry every 2 s for 38 s
            outage.failed("cannot read after position %d (%s)", 41, "connection refused")
            clock.now += 2.0
        outage.succeeded("reads again, after %.0f s")
        outage.succeeded("reads again, after %.0f s")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "cannot read after position 41 (connection refused)",
        "cannot read after position 41 (connection refused)",
        "reads again, after 40 s",
    ]
    assert all(r.exc_info is None for r in caplog.records)


def test_a_new_outage_after_a_recovery_is_reported_at_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    outage = OutageLog(log, clock)
    with caplog.at_level(logging.WARNING, logger="test-outage"):
        outage.failed("down %d", 1)
        outage.succeeded("up after %.0f s")
        clock.now += 1.0
        outage.failed("down %d", 2)
    assert [r.getMessage() for r in caplog.records] == ["down 1", "up after 0 s", "down 2"]
    assert REPORT_EVERY > 1.0


def test_the_listen_connection_reports_a_database_it_cannot_reach_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    listener = PostgresListener(
        f"host=127.0.0.1 port={port} dbname=x user=x", "channel", wake=lambda: None, reconnect_delay=0.05
    )
    with caplog.at_level(logging.WARNING, logger="imagestreams_server.store.pg_listener"):
        listener._thread.start()  # start() would wait for a LISTEN that cannot happen
        time.sleep(1.0)  # about twenty reconnection attempts
        listener.stop()
    lost = [r.getMessage() for r in caplog.records if r.getMessage().startswith("LISTEN connection lost")]
    assert len(lost) == 1, lost
    assert "reconnecting" in lost[0]

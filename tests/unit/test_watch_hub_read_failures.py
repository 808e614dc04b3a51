"""An unreadable log is reported by the watch hub as a few lines: the first failure, a reminder every
REPORT_EVERY seconds while it lasts, and the recovery; never a traceback per poll."""

from __future__ import annotations

import logging

import pytest
from imagestreams_server.store.health import StoreUnavailable
from imagestreams_server.store.watch_hub import REPORT_EVERY, ReadFailures


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_reported_once_then_every_interval_then_its_end(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    failures = ReadFailures(clock)
    down = StoreUnavailable("connection refused")
    with caplog.at_level(logging.WARNING, logger="imagestreams_server.store.watch_hub"):
        for _ in range(20):  # a poll every 2 s for 38 s
            failures.failed(down, 41)
            clock.now += 2.0
        failures.succeeded()
        failures.succeeded()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages
    assert messages[0].startswith("watch hub cannot read the log after position 41 (")
    assert messages[1] == messages[0]
    assert messages[2] == "watch hub reads the log again, after 40 s"
    assert all(r.exc_info is None for r in caplog.records)


def test_a_new_outage_after_a_recovery_is_reported_at_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    failures = ReadFailures(clock)
    with caplog.at_level(logging.WARNING, logger="imagestreams_server.store.watch_hub"):
        failures.failed(StoreUnavailable("refused"), 1)
        failures.succeeded()
        clock.now += 1.0
        failures.failed(StoreUnavailable("refused"), 2)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "watch hub cannot read the log after position 1",
        "watch hub reads the log again, after 0 s",
        "watch hub cannot read the log after position 2",
    ]
    assert REPORT_EVERY > 1.0

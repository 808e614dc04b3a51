"""The request id's row is part of the append's transaction: when it cannot be written (another attempt of
the same request committed first, on any replica), the events are rolled back with it."""

from __future__ import annotations

import pytest
from imagestreams_server.application import idempotency
from imagestreams_server.application.commands import StreamInput
from imagestreams_server.application.service import Service
from imagestreams_server.domain.errors import FailedPrecondition
from imagestreams_server.domain.imagestream import stream_id
from imagestreams_server.store import request_log
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.request_log import RequestRow


def test_a_second_attempt_that_loses_to_the_first_on_the_row_appends_nothing(store_config) -> None:
    log = EventLog(store_config)
    try:
        service = Service(log)
        request = idempotency.PendingRequest(actor="alice", request_id="r-1", fingerprint="f")
        # The first attempt of the request, committed (as by another replica) after this one checked the log.
        with log.write() as sql:
            request_log.record(sql, RequestRow("alice", "r-1", "f", position=1))
        before = log.max_position()
        token = idempotency._pending.set(request)
        try:
            with pytest.raises(idempotency.AlreadyApplied):
                service.commands.create_stream(StreamInput(namespace="team", name="twice"))
        finally:
            idempotency._pending.reset(token)
        assert log.max_position() == before
        assert all(event.originator_id != stream_id("team", "twice") for _, event in log.replay())
        assert request.recorded_at is None
        # The same write without the conflicting row commits, with its row.
        with log.write() as sql:
            sql.execute("DELETE FROM is_request_log")
        token = idempotency._pending.set(request)
        try:
            _, position = service.commands.create_stream(StreamInput(namespace="team", name="twice"))
        finally:
            idempotency._pending.reset(token)
        assert request.recorded_at == position
        with log.read() as sql:
            row = request_log.find(sql, "alice", "r-1")
        assert row is not None and row.position == position and row.response is None
    finally:
        log.close()


def test_a_retry_whose_first_answer_was_never_stored_is_told_where_the_write_went(
    store_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "ANSWER_WAIT_SECONDS", 0.2)
    log = EventLog(store_config)
    try:
        # Committed with its events, then the server stopped before storing the answer.
        with log.write() as sql:
            request_log.record(sql, RequestRow("alice", "r-2", "f", position=7))
        request = idempotency.PendingRequest(actor="alice", request_id="r-2", fingerprint="f")
        applied: list[int] = []
        with pytest.raises(FailedPrecondition) as lost:
            idempotency.RequestLog(log).run(request, lambda: applied.append(1), bytes, bytes)
        assert (lost.value.reason, lost.value.field, lost.value.metadata) == (
            "REQUEST_ANSWER_LOST",
            "x-request-id",
            {"position": "7"},
        )
        assert applied == []
    finally:
        log.close()

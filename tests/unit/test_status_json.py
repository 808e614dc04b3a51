"""The status row's JSON, joined from remembered pieces, is exactly what encoding the whole status gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from imagestreams_server.domain.history import TagCondition, TagEvent
from imagestreams_server.domain.state import TagStatus
from imagestreams_server.store.status_json import _event_json, status_json

START = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def event(n: int) -> TagEvent:
    return TagEvent(START + timedelta(seconds=n), f'registry.example.com/a"b\\c@sha256:{n:064x}', f"sha256:{n:064x}", n)


def condition(n: int) -> TagCondition:
    return TagCondition("ImportSuccess", "False", START, "NotFound", f"näme {n} \u2028 not found", n)


def test_the_same_text_as_encoding_the_whole_status() -> None:
    statuses = [
        TagStatus(),
        TagStatus(items=[event(1)]),
        TagStatus(items=[event(n) for n in range(5, 0, -1)], conditions=[condition(1), condition(2)]),
        TagStatus(conditions=[condition(3)]),
    ]
    for status in statuses:
        assert status_json(status) == json.dumps(status.to_dict())
        assert status_json(status) == json.dumps(status.to_dict())  # remembered pieces, the same again


def test_a_move_reuses_the_entries_it_kept() -> None:
    history = [event(n) for n in range(3)]
    status_json(TagStatus(items=history))
    pieces = [_event_json(e) for e in history]
    moved = TagStatus(items=[event(9), *history])
    assert status_json(moved) == json.dumps(moved.to_dict())
    assert all(_event_json(e) is piece for e, piece in zip(history, pieces, strict=True))

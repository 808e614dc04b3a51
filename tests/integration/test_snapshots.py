"""Snapshots of streams bound what a load replays, and never change an answer: reads of the past start from
the newest snapshot at or before their point, answers equal a whole-log replay with snapshots, without them
(lost) and with snapshots of another schema (skipped, then dropped); a snapshot that cannot be written does
not fail the command that crossed the interval. Both stores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from imagestreams_server.application.commands import MappingInput
from imagestreams_server.application.service import Service
from imagestreams_server.application.time_travel import AsOf, TimeTravel
from imagestreams_server.domain.imagestream import stream_id
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.sql import transaction

from tests.support.builders import digest

INTERVAL = 4
STREAM = stream_id("team", "app")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def log(store_config) -> Iterator[EventLog]:  # type: ignore[no-untyped-def]
    event_log = EventLog(dataclasses.replace(store_config, snapshot_interval=INTERVAL))
    event_log.ensure_read_models()
    try:
        yield event_log
    finally:
        event_log.close()


def replayed(log: EventLog, position: int) -> Any:
    aggregate = None
    for at, event in log.replay():
        if at > position:
            break
        if event.originator_id == STREAM:
            aggregate = event.mutate(aggregate)
    return aggregate.state


def snapshot_versions(log: EventLog) -> list[int]:
    assert log.snapshots is not None
    return [s.originator_version for s in log.snapshots.get(STREAM)]


def answers(travel: TimeTravel, points: list[tuple[int, datetime]]) -> list[Any]:
    found = []
    for position, moment in points:
        found.append(travel.stream("team", "app", AsOf(position=position)).state)
        found.append(travel.stream("team", "app", AsOf(time=moment)).state)
    return found


def loads(log: EventLog) -> list[int | None]:
    """Records where each load of a stream starts its events (`gt`: the snapshot's version, None from the
    start)."""
    starts: list[int | None] = []
    store = log.repository.event_store
    original = store.get

    def get(originator_id: Any, **kwargs: Any) -> Any:
        starts.append(kwargs.get("gt"))
        return original(originator_id, **kwargs)

    store.get = get  # type: ignore[method-assign]
    return starts


def test_reads_start_from_snapshots_and_equal_the_replay(log: EventLog) -> None:
    clock = Clock()
    service = Service(log, clock=clock)
    points = []
    for n in range(14):
        clock.now += timedelta(seconds=1)
        ref = f"registry.example.com/team/app@{digest(n)}"
        service.commands.create_mapping(MappingInput("team", "app", "prod", digest(n), ref))
        points.append((log.max_position(), clock.now))
    versions = snapshot_versions(log)
    # Taken after each save that reached a multiple of the interval, at the version the save left.
    assert versions and all(v % INTERVAL == 0 for v in versions), versions
    travel = TimeTravel(log, service.queries, clock)
    starts = loads(log)
    with_snapshots = answers(travel, points)
    assert with_snapshots == [replayed(log, p) for p, _ in points for _ in (1, 2)]
    # Past the first snapshot, every load starts from the newest one at or before its point.
    assert max(s or 0 for s in starts) == versions[-1]
    assert all(s is None or s % INTERVAL == 0 for s in starts)

    # Lost snapshots cost speed only.
    with transaction(log.recorder, commit=True) as sql:
        sql.execute(f"DELETE FROM {snapshots_table(log, sql.is_sqlite)}")
    starts.clear()
    assert answers(travel, points) == with_snapshots
    assert set(starts) == {None}


def test_snapshots_of_another_schema_are_skipped_then_dropped(log: EventLog) -> None:
    clock = Clock()
    service = Service(log, clock=clock)
    points = []
    for n in range(6):
        clock.now += timedelta(seconds=1)
        ref = f"registry.example.com/team/app@{digest(n)}"
        service.commands.create_mapping(MappingInput("team", "app", "prod", digest(n), ref))
        points.append((log.max_position(), clock.now))
    travel = TimeTravel(log, service.queries, clock)
    expected = answers(travel, points)
    assert log.snapshots is not None
    # What an older `apply` left at the newest version: a state this code cannot even read.
    newest = max(v for v in snapshot_versions(log))
    stale = StoredEvent(STREAM, newest + 1, "imagestreams:ImageStream.Snapshot.v0", b"not a state")
    log.snapshots.recorder.insert_events([stale])
    starts = loads(log)
    assert answers(travel, points) == expected
    assert newest + 1 not in starts
    # A present-day load (another process, nothing cached) skips it too.
    other = EventLog(log.config)
    try:
        assert other.repository.get(STREAM).state == replayed(log, log.max_position())
    finally:
        other.close()
    log.discard_outdated_snapshots()
    with transaction(log.recorder, commit=False) as sql:
        topics = sql.execute(f"SELECT topic FROM {snapshots_table(log, sql.is_sqlite)}").fetchall()
    assert topics and {row["topic"] for row in topics} == {"imagestreams:ImageStream.Snapshot.v1"}


def test_a_snapshot_that_cannot_be_written_does_not_fail_the_command(log: EventLog) -> None:
    clock = Clock()
    service = Service(log, clock=clock)
    assert log.snapshots is not None

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("snapshots table unavailable")

    log.snapshots.recorder.insert_events = refuse  # type: ignore[method-assign]
    for n in range(2 * INTERVAL):
        ref = f"registry.example.com/team/app@{digest(n)}"
        service.commands.create_mapping(MappingInput("team", "app", "prod", digest(n), ref))
    assert len(service.queries.describe("team", "app").stream.state.status_tags["prod"].items) == 2 * INTERVAL
    assert snapshot_versions(log) == []


def snapshots_table(log: EventLog, sqlite: bool) -> str:
    assert log.snapshots is not None
    recorder: Any = log.snapshots.recorder
    return recorder.events_table_name if sqlite else f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
